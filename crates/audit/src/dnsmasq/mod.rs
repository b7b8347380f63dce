//! dnsmasq configuration into the model: `dhcp-range` (the served subnets, and their `set:`
//! tags), `dhcp-vendorclass` and `dhcp-match` (option 60 tags, substring matches),
//! `dhcp-option`/`dhcp-option-force` with `tag:`, `vendor:` and the value guessing of
//! [`values`], `pxe-service`, `conf-file` and `conf-dir` (docs/audit.md §2.3). Tags set by
//! what ucprov does not evaluate (MAC, relay data, `tag-if`, host lines) are refused.

pub mod values;

use std::collections::BTreeMap;

use crate::dialect::Dialect;
use crate::error::{AuditError, ErrorKind};
use crate::model::{
    Class, ClassRef, Condition, Config, Data, Level, OptionValue, Setting, ValueType, DHCP4,
};
use crate::source::{Loader, Loc};

/// A dnsmasq file has `key=value` lines only dnsmasq uses.
pub fn detect(text: &str) -> Option<&'static str> {
    let keys = [
        "dhcp-range=",
        "dhcp-option=",
        "dhcp-vendorclass=",
        "dhcp-option-force=",
        "dhcp-match=",
        "conf-dir=",
        "dhcp-host=",
    ];
    text.lines()
        .map(str::trim_start)
        .any(|l| keys.iter().any(|k| l.starts_with(k)))
        .then_some("dnsmasq key=value lines (dhcp-range=, dhcp-option=, …)")
}

/// Option 60 values of what the phones send besides 60 and 55: a tag on them is refused.
const SENT_BY_PHONES: &[u8] = &[53, 55, 61];

/// Where a tag comes from.
#[derive(Debug, Clone)]
enum Tag {
    /// A class over option 60 (index in `config.classes`).
    Class(usize),
    /// Set by a `dhcp-range`: clients of that range's scope.
    Range(usize),
}

struct Parser {
    config: Config,
    tags: BTreeMap<String, Tag>,
    /// `dhcp-option` lines waiting for every tag to be known (tags may be set further down).
    pending: Vec<(String, Loc, bool)>,
    /// `vendor:NAME` classes made so far.
    vendors: BTreeMap<String, usize>,
}

fn err(
    loader: &Loader,
    at: Loc,
    kind: ErrorKind,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> AuditError {
    loader.sources.error(kind, at, message, fix)
}

pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let mut p = Parser {
        config: Config::new(Dialect::Dnsmasq, Loc { file: 0, line: 1 }),
        tags: BTreeMap::new(),
        pending: Vec::new(),
        vendors: BTreeMap::new(),
    };
    p.file(loader, name, None)?;
    let pending = std::mem::take(&mut p.pending);
    for (value, at, force) in pending {
        p.option(loader, &value, at, force)?;
    }
    let mut config = p.config;
    config.sources = loader.sources.clone();
    Ok(config)
}

/// A line without its comment: `#` at the start or after blanks, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    let mut prev_blank = true;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted && prev_blank => return &line[..i],
            _ => {}
        }
        prev_blank = c.is_whitespace();
    }
    line
}

/// Split at commas outside quotes.
fn split(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                if let Some(l) = out.last_mut() {
                    l.push(c);
                }
            }
            ',' if !quoted => out.push(String::new()),
            c => {
                if let Some(l) = out.last_mut() {
                    l.push(c);
                }
            }
        }
    }
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

impl Parser {
    fn file(
        &mut self,
        loader: &mut Loader,
        name: &str,
        from: Option<Loc>,
    ) -> Result<(), AuditError> {
        let file = loader.enter(name, from)?;
        if from.is_none() {
            self.config.scopes[0].at = Loc { file, line: 1 };
        }
        let text = loader.text(file).to_string();
        let result = (|| {
            for (n, line) in text.lines().enumerate() {
                let at = Loc {
                    file,
                    line: u32::try_from(n + 1).unwrap_or(u32::MAX),
                };
                let line = strip_comment(line).trim();
                if line.is_empty() {
                    continue;
                }
                let (key, value) = line
                    .split_once('=')
                    .map_or((line, ""), |(k, v)| (k.trim(), v.trim()));
                self.line(loader, key, value, at)?;
            }
            Ok(())
        })();
        loader.leave();
        result
    }

    fn line(
        &mut self,
        loader: &mut Loader,
        key: &str,
        value: &str,
        at: Loc,
    ) -> Result<(), AuditError> {
        match key {
            "conf-file" => self.file(loader, value, Some(at)),
            "conf-dir" => self.dir(loader, value, at),
            "dhcp-range" => self.range(loader, value, at),
            "dhcp-vendorclass" => {
                let parts = split(value);
                let (tag, class) = match parts.as_slice() {
                    [t, c] => (t.strip_prefix("set:").unwrap_or(t), c.as_str()),
                    _ => return Err(err(loader, at, ErrorKind::Syntax, "dhcp-vendorclass takes set:TAG,VENDOR-CLASS", "write dhcp-vendorclass=set:lync,MS-UC-Client")),
                };
                if class.starts_with("enterprise:") {
                    return Ok(());
                }
                let class = class.trim_matches('"').as_bytes().to_vec();
                self.class(tag, Condition::Contains(class), at);
                Ok(())
            }
            "dhcp-match" => {
                let parts = split(value);
                let Some(tag) = parts.first().and_then(|t| t.strip_prefix("set:")) else {
                    return Err(err(loader, at, ErrorKind::Syntax, "dhcp-match takes set:TAG,OPTION[,VALUE]", "write dhcp-match=set:TAG,option:vendor-class,MS-UC-Client"));
                };
                let tag = tag.to_string();
                let opt = parts.get(1).map_or("", String::as_str);
                let code = match opt.strip_prefix("option:") {
                    Some(n) => values::named(n).map(|(c, _)| c),
                    None => opt.parse::<u8>().ok(),
                };
                let Some(code) = code else {
                    return Err(err(loader, at, ErrorKind::Unsupported, format!("dhcp-match on {opt:?} is not evaluated (vi-encap, user classes …)"), "audit a copy without it"));
                };
                let condition = if code == 60 {
                    match parts.get(2) {
                        None => Condition::Present,
                        Some(v) => {
                            let (bytes, _) = values::guess(v).map_err(|why| err(loader, at, ErrorKind::Syntax, why, "write the vendor class as text or colon hex"))?;
                            Condition::Contains(bytes)
                        }
                    }
                } else if SENT_BY_PHONES.contains(&code) {
                    return Err(err(loader, at, ErrorKind::Unsupported, format!("dhcp-match on option {code}, which the phones send: its value decides and is not known to ucprov"), "audit a copy without it"));
                } else {
                    // An option the phones do not send: the tag is never set for them.
                    Condition::Never
                };
                self.class(&tag, condition, at);
                Ok(())
            }
            "dhcp-option" => {
                self.pending.push((value.to_string(), at, false));
                Ok(())
            }
            "dhcp-option-force" => {
                self.pending.push((value.to_string(), at, true));
                Ok(())
            }
            "pxe-service" => {
                // dnsmasq builds a PXE menu in option 43 for clients whose option 60 starts
                // with PXEClient; its bytes are not modelled.
                let class = self.config.classes.len();
                self.config.classes.push(Class { name: "pxe-service".into(), condition: Condition::Substring { offset: 0, len: 9, value: b"PXEClient".to_vec() }, at });
                self.config.settings.push(Setting {
                    scope: 0,
                    classes: vec![ClassRef { class, negated: false }],
                    level: Level::Global,
                    value: OptionValue { code: 43, space: DHCP4.into(), name: Some("pxe-service".into()), declared: ValueType::Builtin("dnsmasq's PXE menu"), raw: value.into(), data: Data::Unsized("dnsmasq builds the PXE menu itself".into()), at },
                });
                Ok(())
            }
            "tag-if" | "dhcp-mac" | "dhcp-circuitid" | "dhcp-remoteid" | "dhcp-subscrid" | "dhcp-userclass" => Err(err(loader, at, ErrorKind::Unsupported, format!("{key} sets a tag from what ucprov does not evaluate (MAC, relay data, user class, other tags)"), "audit a copy without it")),
            "dhcp-host" if value.contains("set:") => Err(err(loader, at, ErrorKind::Unsupported, "dhcp-host with set: tags one host; ucprov does not evaluate host lines", "audit a copy without the set:")),
            _ => Ok(()),
        }
    }

    fn class(&mut self, tag: &str, condition: Condition, at: Loc) {
        // Several lines setting one tag: a client gets it when any of them matches.
        if let Some(Tag::Class(i)) = self.tags.get(tag) {
            let c = &mut self.config.classes[*i];
            let old = std::mem::replace(&mut c.condition, Condition::Never);
            c.condition = Condition::Or(Box::new(old), Box::new(condition));
            return;
        }
        self.config.classes.push(Class {
            name: tag.into(),
            condition,
            at,
        });
        self.tags
            .insert(tag.into(), Tag::Class(self.config.classes.len() - 1));
    }

    fn dir(&mut self, loader: &mut Loader, value: &str, at: Loc) -> Result<(), AuditError> {
        let parts = split(value);
        let dir = parts.first().cloned().unwrap_or_default();
        let filters = &parts[1..];
        let entries = loader.list(&dir, at)?;
        for path in entries {
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            // dnsmasq skips these itself (dnsmasq(8), --conf-dir).
            if name.starts_with('.')
                || name.ends_with('~')
                || (name.starts_with('#') && name.ends_with('#'))
            {
                continue;
            }
            let wanted = filters
                .iter()
                .filter_map(|f| f.strip_prefix('*'))
                .collect::<Vec<_>>();
            let excluded = filters
                .iter()
                .filter(|f| !f.starts_with('*'))
                .any(|ext| name.ends_with(ext.as_str()));
            if excluded || (!wanted.is_empty() && !wanted.iter().any(|w| name.ends_with(w))) {
                continue;
            }
            let full = path.to_string_lossy().into_owned();
            self.file(loader, &full, Some(at))?;
        }
        Ok(())
    }

    fn range(&mut self, loader: &Loader, value: &str, at: Loc) -> Result<(), AuditError> {
        let parts = split(value);
        let mut set = None;
        let mut rest = Vec::new();
        for p in &parts {
            if let Some(t) = p.strip_prefix("set:") {
                set = Some(t.to_string());
            } else if p.starts_with("tag:") {
                return Err(err(
                    loader,
                    at,
                    ErrorKind::Unsupported,
                    "a dhcp-range restricted by tag: is not evaluated",
                    "audit a copy without tag: on the range",
                ));
            } else if !p.starts_with("interface:") {
                rest.push(p.as_str());
            }
        }
        let name = rest.iter().take(3).copied().collect::<Vec<_>>().join(",");
        let scope = self.config.add_scope(Level::Subnet, name, 0, at);
        if let Some(t) = set {
            self.tags.insert(t, Tag::Range(scope));
        }
        Ok(())
    }

    fn vendor_class(&mut self, name: &str, at: Loc) -> usize {
        if let Some(i) = self.vendors.get(name) {
            return *i;
        }
        self.config.classes.push(Class {
            name: format!("vendor:{name}"),
            condition: Condition::Contains(name.as_bytes().to_vec()),
            at,
        });
        let idx = self.config.classes.len() - 1;
        self.vendors.insert(name.into(), idx);
        // Option 43 from the vendor: sub-options, when no dhcp-option 43 reaches the client.
        self.config.settings.push(Setting {
            scope: 0,
            classes: vec![ClassRef {
                class: idx,
                negated: false,
            }],
            level: Level::Fallback,
            value: OptionValue {
                code: 43,
                space: DHCP4.into(),
                name: None,
                declared: ValueType::Encapsulate(format!("vendor:{name}")),
                raw: format!("vendor:{name}"),
                data: Data::Encapsulate(format!("vendor:{name}")),
                at,
            },
        });
        idx
    }

    /// `force` (dhcp-option-force) sends the option unrequested; the phones request 43 and
    /// 120, so it changes nothing they get.
    fn option(
        &mut self,
        loader: &Loader,
        value: &str,
        at: Loc,
        _force: bool,
    ) -> Result<(), AuditError> {
        let parts = split(value);
        let mut scope = 0;
        let mut classes = Vec::new();
        let mut space = DHCP4.to_string();
        let mut i = 0;
        while let Some(p) = parts.get(i) {
            if let Some(t) = p.strip_prefix("tag:") {
                let (negated, t) = t.strip_prefix('!').map_or((false, t), |x| (true, x));
                match self.tags.get(t) {
                    Some(Tag::Class(c)) => classes.push(ClassRef { class: *c, negated }),
                    Some(Tag::Range(s)) if !negated => scope = *s,
                    Some(Tag::Range(_)) => return Err(err(loader, at, ErrorKind::Unsupported, format!("tag:!{t} excludes a dhcp-range's clients; not evaluated"), "audit a copy without it")),
                    None => return Err(err(loader, at, ErrorKind::Unsupported, format!("tag {t:?} is not set by any dhcp-vendorclass, dhcp-match or dhcp-range line (an interface name or a host tag?): ucprov cannot tell which clients have it"), "set the tag in the file, or audit a copy without it")),
                }
            } else if let Some(v) = p.strip_prefix("vendor:") {
                let c = self.vendor_class(v, at);
                classes.push(ClassRef {
                    class: c,
                    negated: false,
                });
                space = format!("vendor:{v}");
            } else if p.starts_with("encap:") || p.starts_with("vi-encap:") {
                return Err(err(
                    loader,
                    at,
                    ErrorKind::Unsupported,
                    format!("{p}: encapsulated options are not evaluated by ucprov"),
                    "audit a copy without it",
                ));
            } else if p.starts_with("option6:") || p.contains('[') {
                return Ok(());
            } else {
                break;
            }
            i += 1;
        }
        let Some(opt) = parts.get(i) else {
            return Err(err(
                loader,
                at,
                ErrorKind::Syntax,
                "dhcp-option without an option",
                "write dhcp-option=[tag:T,]CODE,VALUE",
            ));
        };
        let (code, known, name) = match opt.strip_prefix("option:") {
            Some(n) => match values::named(n) {
                Some((c, k)) => (c, k, Some(n.to_string())),
                None => {
                    self.push(
                        scope,
                        classes,
                        OptionValue {
                            code: 0,
                            space,
                            name: Some(n.into()),
                            declared: ValueType::Binary,
                            raw: value.into(),
                            data: Data::Unsized(format!(
                                "option:{n} is not in ucprov's table of dnsmasq names"
                            )),
                            at,
                        },
                    );
                    return Ok(());
                }
            },
            None => match opt.parse::<u8>() {
                Ok(c) if (1..=254).contains(&c) => (
                    c,
                    if space == DHCP4 {
                        values::by_code(c)
                    } else {
                        values::Known::Guess
                    },
                    None,
                ),
                _ => {
                    return Err(err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        format!("{opt:?} is not an option code (1-254) or option:NAME"),
                        "write the option's number or option:NAME",
                    ))
                }
            },
        };
        let raw = parts[i + 1..].join(",");
        let strict = space != DHCP4 || matches!(code, 43 | 120);
        let value = match values::encode(known, &raw) {
            Ok((bytes, declared)) => {
                if bytes.len() > if space == DHCP4 { 255 } else { 253 } {
                    return Err(err(loader, at, ErrorKind::Syntax, format!("option {code} is {} bytes: dnsmasq refuses it (\"dhcp-option too long\")", bytes.len()), "serve these phones from ISC dhcpd or Kea, which split long options (RFC 3396)"));
                }
                OptionValue {
                    code,
                    space,
                    name,
                    declared,
                    raw,
                    data: Data::Bytes(bytes),
                    at,
                }
            }
            Err(why) if !strict => OptionValue {
                code,
                space,
                name,
                declared: ValueType::Binary,
                raw,
                data: Data::Unsized(why),
                at,
            },
            Err(why) => {
                return Err(err(
                    loader,
                    at,
                    ErrorKind::Syntax,
                    format!("option {code}: {why}"),
                    "write the value as colon hex (01:0c:…) or quoted text",
                ))
            }
        };
        self.push(scope, classes, value);
        Ok(())
    }

    fn push(&mut self, scope: usize, classes: Vec<ClassRef>, value: OptionValue) {
        let level = if classes.is_empty() && scope == 0 {
            Level::Global
        } else {
            Level::Class
        };
        self.config.settings.push(Setting {
            scope,
            classes,
            level,
            value,
        });
    }
}

#[cfg(test)]
mod tests;
