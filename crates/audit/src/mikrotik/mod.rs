//! MikroTik RouterOS `/export`: `/ip dhcp-server option` (named options with their values),
//! `option sets`, the server's and each `network`'s `dhcp-option` / `dhcp-option-set`, and v7
//! `matcher` entries on option 60 (docs/dhcp-servers.md §3.10, docs/dhcp-servers.md §7.3).
//!
//! What RouterOS sends, as modelled here: a server's option set reaches all its clients, a
//! network's options the clients of that network, and a matcher's option set the clients whose
//! option 60 matches, most specific first (matcher > network > server; RouterOS documents
//! what each entry does, not how they rank when they set the same option, so this order is
//! unconfirmed and written in docs/dhcp-servers.md §7.3). Option values are RouterOS's own notation:
//! `0x` hex, `'text'` (or `s'text'`), and pieces of both one after the other.
//!
//! Sections other than `/ip dhcp-server …` are skipped; inside them, a command or a value
//! ucprov cannot evaluate (a `$(VARIABLE)` value, a matcher on another option, `remove`) is an
//! error at its line.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use ucprov_confgen::platform;
use ucprov_wire::hex::parse_hex;

use crate::dialect::{Assembly, Dialect, SubOrder};
use crate::error::{AuditError, ErrorKind};
use crate::fix::Want;
use crate::model::{
    Class, ClassRef, Condition, Config, Data, Level, OptionValue, Setting, ValueType, DHCP4,
};
use crate::source::{Loader, Loc, Sources};

/// Server < network < matcher.
pub const ROUTEROS: Assembly = Assembly {
    precedence: &[Level::Fallback, Level::Global, Level::Subnet, Level::Class],
    order: SubOrder::ByCode,
    first_class_wins: false,
    sends_empty_encapsulation: false,
    platform: &platform::MIKROTIK,
};

/// The lines of confgen's RouterOS output a fix needs ([`crate::fix`]).
pub fn keywords(want: Want) -> Vec<String> {
    let plain = |k: &[&str]| k.iter().map(|s| s.to_string()).collect();
    match want {
        Want::Whole => Vec::new(),
        Want::VendorClass => plain(&["/ip dhcp-server matcher", "matching-type="]),
        Want::Option43 | Want::SubOption(_) => plain(&["/ip dhcp-server option", "code=43 "]),
        Want::Option120 => plain(&["/ip dhcp-server option", "code=120 "]),
    }
}

/// Why a text looks like a RouterOS export: an `/ip dhcp-server` section.
pub fn detect(text: &str) -> Option<&'static str> {
    text.lines()
        .any(|l| l.trim_start().starts_with("/ip dhcp-server"))
        .then_some("an /ip dhcp-server section")
}

/// A command with its `key=value` arguments, from one logical line (continuations joined).
struct Command {
    section: String,
    verb: String,
    args: BTreeMap<String, String>,
    at: Loc,
}

/// A named option.
struct Named {
    code: u8,
    bytes: Vec<u8>,
    declared: ValueType,
    raw: String,
    at: Loc,
}

pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let file = loader.enter(name, None)?;
    let text = loader.text(file).to_string();
    let sources = loader.sources.clone();
    let commands = commands(&text, file, &sources)?;
    loader.leave();
    let mut config = Config::new(Dialect::Mikrotik, Loc { file, line: 1 });
    config.sources = loader.sources.clone();
    let mut options: BTreeMap<String, Named> = BTreeMap::new();
    let mut sets: BTreeMap<String, (Vec<String>, Loc)> = BTreeMap::new();
    let err =
        |at: Loc, message: String, fix: &str| sources.error(ErrorKind::Syntax, at, message, fix);
    let unsupported = |at: Loc, message: String, fix: &str| {
        sources.error(ErrorKind::Unsupported, at, message, fix)
    };
    // Options and sets first: entries may name them before or after (the export lists
    // options, then sets, then servers, networks and matchers).
    for c in &commands {
        if c.args.get("disabled").is_some_and(|d| d == "yes") {
            continue;
        }
        match c.section.as_str() {
            "/ip dhcp-server option" => {
                let name = required(c, "name", &err)?;
                let code_text = required(c, "code", &err)?;
                let code: u8 = code_text.parse().map_err(|_| {
                    err(
                        c.at,
                        format!("option {name}: code {code_text:?} is not 1-254"),
                        "code=43",
                    )
                })?;
                let raw = required(c, "value", &err)?;
                let (bytes, declared) = value(&raw).map_err(|(why, unsup)| {
                    let fix = "value=0x… (hex) or value=\"'text'\"";
                    if unsup {
                        unsupported(c.at, format!("option {name}: {why}"), fix)
                    } else {
                        err(c.at, format!("option {name}: {why}"), fix)
                    }
                })?;
                // A value that is one text piece is judged by its text (hex typed as text).
                let raw = match raw.strip_prefix("s'").or_else(|| raw.strip_prefix('\'')) {
                    Some(t) if t.ends_with('\'') && t.matches('\'').count() == 1 => {
                        t[..t.len() - 1].to_string()
                    }
                    _ => raw,
                };
                options.insert(
                    name.clone(),
                    Named {
                        code,
                        bytes,
                        declared,
                        raw,
                        at: c.at,
                    },
                );
            }
            "/ip dhcp-server option sets" => {
                let name = required(c, "name", &err)?;
                let list = c.args.get("options").map_or_else(Vec::new, |o| names(o));
                sets.insert(name, (list, c.at));
            }
            _ => {}
        }
    }
    // The settings each entry makes, resolved through the names.
    let resolve = |list: &[String], at: Loc| -> Result<Vec<&Named>, AuditError> {
        list.iter()
            .map(|n| {
                options.get(n).ok_or_else(|| {
                    err(
                        at,
                        format!("option {n:?} is not defined in /ip dhcp-server option"),
                        "add it under /ip dhcp-server option, or export the whole configuration",
                    )
                })
            })
            .collect()
    };
    let set_options = |set: &str, at: Loc| -> Result<Vec<&Named>, AuditError> {
        let (list, _) = sets.get(set).ok_or_else(|| {
            err(
                at,
                format!("option set {set:?} is not defined in /ip dhcp-server option sets"),
                "add it under /ip dhcp-server option sets",
            )
        })?;
        resolve(list, at)
    };
    let mut server_set: Option<(String, Loc)> = None;
    let mut pending: Vec<(usize, Vec<ClassRef>, Level, Vec<&Named>)> = Vec::new();
    for c in &commands {
        if c.args.get("disabled").is_some_and(|d| d == "yes") {
            continue;
        }
        match c.section.as_str() {
            "/ip dhcp-server" => {
                if let Some(set) = c
                    .args
                    .get("dhcp-option-set")
                    .filter(|s| !s.is_empty() && *s != "none")
                {
                    if let Some((other, first)) = &server_set {
                        if other != set {
                            return Err(unsupported(
                                c.at,
                                format!("a second DHCP server with another option set ({set}; line {} has {other})", first.line),
                                "audit an export with one DHCP server's entries at a time",
                            ));
                        }
                    }
                    server_set = Some((set.clone(), c.at));
                    pending.push((0, Vec::new(), Level::Global, set_options(set, c.at)?));
                }
            }
            "/ip dhcp-server network" => {
                let address = required(c, "address", &err)?;
                let scope = config.add_scope(Level::Subnet, address, 0, c.at);
                let mut got = Vec::new();
                if let Some(list) = c.args.get("dhcp-option") {
                    got.extend(resolve(&names(list), c.at)?);
                }
                if let Some(set) = c
                    .args
                    .get("dhcp-option-set")
                    .filter(|s| !s.is_empty() && *s != "none")
                {
                    got.extend(set_options(set, c.at)?);
                }
                pending.push((scope, Vec::new(), Level::Subnet, got));
            }
            "/ip dhcp-server matcher" => {
                let name = c
                    .args
                    .get("name")
                    .cloned()
                    .unwrap_or_else(|| format!("matcher at line {}", c.at.line));
                let code = required(c, "code", &err)?;
                if code != "60" {
                    return Err(unsupported(
                        c.at,
                        format!("matcher {name} tests option {code}; ucprov evaluates option 60 matchers only"),
                        "audit a copy without this matcher, and check it by hand",
                    ));
                }
                let wanted = required(c, "value", &err)?;
                let bytes = match wanted.strip_prefix("0x") {
                    Some(h) if !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) => {
                        parse_hex(h).unwrap_or_default()
                    }
                    _ => wanted.as_bytes().to_vec(),
                };
                let condition = match c.args.get("matching-type").map(String::as_str) {
                    // RouterOS's default (docs/dhcp-servers.md §7.3).
                    None | Some("exact") => Condition::Equals(bytes),
                    Some("substring") => Condition::Contains(bytes),
                    Some(other) => {
                        return Err(err(c.at, format!("matcher {name}: matching-type {other:?} is neither exact nor substring"), "matching-type=exact"))
                    }
                };
                config.classes.push(Class {
                    name,
                    condition,
                    at: c.at,
                });
                let class = config.classes.len() - 1;
                if let Some(set) = c
                    .args
                    .get("option-set")
                    .filter(|s| !s.is_empty() && *s != "none")
                {
                    pending.push((
                        0,
                        vec![ClassRef {
                            class,
                            negated: false,
                        }],
                        Level::Class,
                        set_options(set, c.at)?,
                    ));
                }
            }
            _ => {}
        }
    }
    for (scope, classes, level, named) in pending {
        for n in named {
            config.settings.push(Setting {
                scope,
                classes: classes.clone(),
                level,
                value: OptionValue {
                    code: n.code,
                    space: DHCP4.into(),
                    name: None,
                    declared: n.declared.clone(),
                    raw: n.raw.clone(),
                    data: Data::Bytes(n.bytes.clone()),
                    at: n.at,
                },
            });
        }
    }
    Ok(config)
}

fn required(
    c: &Command,
    key: &str,
    err: &dyn Fn(Loc, String, &str) -> AuditError,
) -> Result<String, AuditError> {
    c.args
        .get(key)
        .cloned()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            err(
                c.at,
                format!("{} {} has no {key}=", c.section, c.verb),
                "export the whole configuration (/export writes every entry's fields)",
            )
        })
}

/// `a,b,c` → names.
fn names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// A RouterOS option value: pieces of `0x…` hex and `'text'` (or `s'text'`), one after the
/// other. The error says why, and whether it is valid RouterOS ucprov cannot evaluate.
pub fn value(raw: &str) -> Result<(Vec<u8>, ValueType), (String, bool)> {
    let mut out = Vec::new();
    let (mut hex, mut text) = (false, false);
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '0' if matches!(chars.get(i + 1), Some('x' | 'X')) => {
                let start = i + 2;
                let mut end = start;
                while end < chars.len() && chars[end].is_ascii_hexdigit() {
                    end += 1;
                }
                let digits: String = chars[start..end].iter().collect();
                if digits.is_empty() || !digits.len().is_multiple_of(2) {
                    return Err((format!("0x{digits} needs two hex digits per byte"), false));
                }
                out.extend(
                    parse_hex(&digits).map_err(|_| (format!("0x{digits} is not hex"), false))?,
                );
                hex = true;
                i = end;
            }
            's' if chars.get(i + 1) == Some(&'\'') => i += 1,
            '\'' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '\'')
                    .ok_or_else(|| (format!("the text {raw:?} has no closing '"), false))?;
                out.extend(chars[i + 1..i + 1 + end].iter().collect::<String>().bytes());
                text = true;
                i += end + 2;
            }
            '$' => {
                return Err((
                    format!(
                        "{raw:?} uses a RouterOS variable, whose value is only known at run time"
                    ),
                    true,
                ))
            }
            _ => {
                return Err((
                    format!(
                        "{raw:?}: a bare word or number is read differently by RouterOS v6 and v7"
                    ),
                    false,
                ))
            }
        }
    }
    if out.is_empty() && !text {
        return Err((format!("{raw:?} is empty"), false));
    }
    let declared = if text && !hex {
        ValueType::Text
    } else {
        ValueType::Binary
    };
    Ok((out, declared))
}

/// The export's logical lines as commands: continuations (`\` at the end) joined, section
/// headers (`/ip dhcp-server option`) remembered, `add`/`set` arguments split.
fn commands(text: &str, file: usize, sources: &Sources) -> Result<Vec<Command>, AuditError> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut logical = String::new();
    let mut start = 0u32;
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if logical.is_empty() {
            start = n;
        }
        let piece = if logical.is_empty() {
            line.trim()
        } else {
            line.trim_start()
        };
        if let Some(head) = piece.strip_suffix('\\') {
            logical.push_str(head);
            continue;
        }
        logical.push_str(piece);
        let whole = std::mem::take(&mut logical);
        let at = Loc { file, line: start };
        let t = whole.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut words =
            split(t).map_err(|why| sources.error(ErrorKind::Syntax, at, why, "close the quote"))?;
        if t.starts_with('/') {
            let cmd = words.iter().position(|w| VERBS.contains(&w.as_str()));
            let path_end = cmd.unwrap_or(words.len());
            section = words[..path_end].join(" ");
            words.drain(..path_end);
            if words.is_empty() {
                continue;
            }
        }
        if !section.starts_with("/ip dhcp-server") {
            continue;
        }
        let verb = words.first().cloned().unwrap_or_default();
        match verb.as_str() {
            "add" => {}
            "set" if section == "/ip dhcp-server" || section == "/ip dhcp-server network" => {
                return Err(sources.error(
                    ErrorKind::Unsupported,
                    at,
                    format!("{section} set changes an entry ucprov cannot identify from the export alone"),
                    "audit a full /export, where every entry is an add line",
                ))
            }
            // Server-wide settings (`/ip dhcp-server config set …`) and other sections' sets.
            "set" => continue,
            other => {
                return Err(sources.error(
                    ErrorKind::Unsupported,
                    at,
                    format!("{section} {other} is not a command ucprov reads"),
                    "audit the output of /export (add lines only)",
                ))
            }
        }
        let mut args = BTreeMap::new();
        for w in &words[1..] {
            match w.split_once('=') {
                Some((k, v)) => {
                    args.insert(k.to_string(), v.to_string());
                }
                None => {
                    return Err(sources.error(
                        ErrorKind::Syntax,
                        at,
                        format!("{w:?} is not key=value"),
                        "RouterOS arguments are key=value",
                    ))
                }
            }
        }
        out.push(Command {
            section: section.clone(),
            verb,
            args,
            at,
        });
    }
    Ok(out)
}

/// RouterOS commands that end a section path.
const VERBS: &[&str] = &[
    "add", "set", "remove", "print", "export", "edit", "unset", "enable", "disable", "find",
];

/// Words, with `"…"` quoting (and `\"`, `\\` escapes) kept inside one word, quotes removed.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    cur.push(next);
                }
            }
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err(format!("{line:?} has an unclosed \""));
    }
    if any {
        out.push(cur);
    }
    Ok(out)
}
