//! ISC dhcpd.conf into the model: `option space`, option definitions (`code N = type`),
//! option values by type, `vendor-option-space`, classes (`match if`, `match` + `subclass`),
//! shared networks, subnets, pools, groups, hosts and `include` (docs/audit.md §2.2).
//! Conditional statements (`if`), regular-expression matches and expressions as option values
//! for options 43 and 120 are refused at their line.

pub mod lexer;
mod types;

use crate::dialect::Dialect;
use crate::error::{AuditError, ErrorKind};
use crate::model::{
    Class, ClassRef, Condition, Config, Data, Level, OptionDef, OptionValue, Setting, ValueType,
    DHCP4,
};
use crate::source::{Loader, Loc};

use lexer::{Tok, Token};
use types::IscType;

/// A dhcpd.conf has statements only dhcpd writes.
pub fn detect(text: &str) -> Option<&'static str> {
    let hits = [
        "subnet ",
        "option domain-name",
        "authoritative;",
        "ddns-update-style",
        "default-lease-time",
        "vendor-option-space",
        "option space ",
    ];
    // A statement line, not a comment (`#`, or `!` in a Cisco running-config whose comment
    // happens to end in ';').
    let semicolons = text.lines().any(|l| {
        let t = l.trim();
        t.ends_with(';') && !t.starts_with('#') && !t.starts_with('!')
    });
    (semicolons && hits.iter().any(|h| text.contains(h)) && !text.contains("\"Dhcp4\""))
        .then_some("dhcpd.conf statements ending in ';'")
}

pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let file = loader.enter(name, None)?;
    let at = Loc { file, line: 1 };
    let mut p = Parser {
        config: Config::new(Dialect::Isc, at),
        types: Vec::new(),
        matchers: Vec::new(),
    };
    let toks = lexer::lex(&loader.sources, file, loader.text(file))?;
    let result = p.block(
        loader,
        &toks,
        &mut 0,
        Ctx {
            scope: 0,
            class: None,
        },
        false,
    );
    loader.leave();
    result?;
    p.encapsulation_defaults();
    let mut config = p.config;
    config.sources = loader.sources.clone();
    Ok(config)
}

struct Parser {
    config: Config,
    /// ISC types of `config.defs`, index for index.
    types: Vec<IscType>,
    /// Classes declared with `match <expr>;`: their subclasses match the expression against
    /// the subclass value; the class itself has no members.
    matchers: Vec<(usize, Condition)>,
}

#[derive(Clone, Copy)]
struct Ctx {
    scope: usize,
    class: Option<usize>,
}

impl Ctx {
    /// Inside the body of class `idx`: its settings apply wherever the class matches.
    fn class(idx: usize) -> Self {
        Ctx {
            scope: 0,
            class: Some(idx),
        }
    }
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

/// The tokens of one statement up to its `;` (not included), or of a block header up to `{`.
fn until<'t>(toks: &'t [Token], pos: &mut usize) -> (&'t [Token], Option<char>) {
    let start = *pos;
    while let Some(t) = toks.get(*pos) {
        if let Tok::Punct(c @ (';' | '{' | '}')) = t.tok {
            let end = *pos;
            if c != '}' {
                *pos += 1;
            }
            return (&toks[start..end], Some(c));
        }
        *pos += 1;
    }
    (&toks[start..], None)
}

fn word(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w),
        _ => None,
    }
}

fn name_of(t: Option<&Token>) -> Option<String> {
    match t.map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w.clone()),
        Some(Tok::Str(s)) => Some(String::from_utf8_lossy(s).into_owned()),
        _ => None,
    }
}

impl Parser {
    /// Statements until the matching `}` (or the end of the file when `nested` is false).
    fn block(
        &mut self,
        loader: &mut Loader,
        toks: &[Token],
        pos: &mut usize,
        ctx: Ctx,
        nested: bool,
    ) -> Result<(), AuditError> {
        loop {
            let Some(first) = toks.get(*pos) else {
                if nested {
                    let at = toks.last().map_or(self.config.scopes[0].at, |t| t.at);
                    return Err(err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        "a { block is never closed",
                        "add the missing }",
                    ));
                }
                return Ok(());
            };
            if first.tok == Tok::Punct('}') {
                *pos += 1;
                if nested {
                    return Ok(());
                }
                return Err(err(
                    loader,
                    first.at,
                    ErrorKind::Syntax,
                    "a } without its {",
                    "remove it, or add the block it closes",
                ));
            }
            let at = first.at;
            let (stmt, end) = until(toks, pos);
            match end {
                Some(';') => self.statement(loader, stmt, at, ctx)?,
                Some('{') => self.open(loader, toks, pos, stmt, at, ctx)?,
                _ => {
                    return Err(err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        "a statement without its closing ';'",
                        "end the statement with ;",
                    ));
                }
            }
        }
    }

    fn open(
        &mut self,
        loader: &mut Loader,
        toks: &[Token],
        pos: &mut usize,
        head: &[Token],
        at: Loc,
        ctx: Ctx,
    ) -> Result<(), AuditError> {
        let kw = word(head.first()).unwrap_or("");
        let inner = |level: Level, name: String, p: &mut Parser| -> Ctx {
            let scope = p.config.add_scope(level, name, ctx.scope, at);
            Ctx {
                scope,
                class: ctx.class,
            }
        };
        match kw {
            "subnet" => {
                let net = word(head.get(1)).unwrap_or("?");
                let mask = word(head.get(3)).unwrap_or("?");
                let c = inner(Level::Subnet, format!("{net} netmask {mask}"), self);
                self.block(loader, toks, pos, c, true)
            }
            "shared-network" => {
                let c = inner(
                    Level::SharedNetwork,
                    name_of(head.get(1)).unwrap_or_default(),
                    self,
                );
                self.block(loader, toks, pos, c, true)
            }
            "pool" => {
                let c = inner(Level::Pool, format!("pool at line {}", at.line), self);
                self.block(loader, toks, pos, c, true)
            }
            "host" => {
                let c = inner(Level::Host, name_of(head.get(1)).unwrap_or_default(), self);
                self.block(loader, toks, pos, c, true)
            }
            "group" => {
                let level = self.config.scopes[ctx.scope].level;
                let c = inner(level, format!("group at line {}", at.line), self);
                self.block(loader, toks, pos, c, true)
            }
            "class" => {
                let name = name_of(head.get(1)).ok_or_else(|| {
                    err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        "class without a name",
                        "write class \"name\" { … }",
                    )
                })?;
                self.config.classes.push(Class {
                    name,
                    condition: Condition::Never,
                    at,
                });
                let idx = self.config.classes.len() - 1;
                self.block(loader, toks, pos, Ctx::class(idx), true)
            }
            "subclass" => {
                let idx = self.subclass(loader, head, at)?;
                self.block(loader, toks, pos, Ctx::class(idx), true)
            }
            "if" | "elsif" | "else" => Err(err(
                loader,
                at,
                ErrorKind::Unsupported,
                "conditional statements (if/elsif/else) are not evaluated by ucprov",
                "audit a copy with the branch the phones take written out",
            )),
            // Blocks without options for the phones: keys, zones, failover, events.
            "key" | "zone" | "failover" | "on" | "omapi" => {
                let mut depth = 1;
                while depth > 0 {
                    match toks.get(*pos).map(|t| &t.tok) {
                        Some(Tok::Punct('{')) => depth += 1,
                        Some(Tok::Punct('}')) => depth -= 1,
                        None => {
                            return Err(err(
                                loader,
                                at,
                                ErrorKind::Syntax,
                                "a { block is never closed",
                                "add the missing }",
                            ))
                        }
                        _ => {}
                    }
                    *pos += 1;
                }
                Ok(())
            }
            other => Err(err(
                loader,
                at,
                ErrorKind::Unsupported,
                format!("a {other:?} block is not something ucprov reads"),
                "audit a copy without it",
            )),
        }
    }

    fn subclass(&mut self, loader: &Loader, head: &[Token], at: Loc) -> Result<usize, AuditError> {
        let parent = name_of(head.get(1)).ok_or_else(|| {
            err(
                loader,
                at,
                ErrorKind::Syntax,
                "subclass without its class name",
                "write subclass \"class\" \"value\"",
            )
        })?;
        let value = match head.get(2).map(|t| &t.tok) {
            Some(Tok::Str(s)) => s.clone(),
            Some(Tok::Word(w)) => types::colon_hex(w).ok_or_else(|| {
                err(
                    loader,
                    at,
                    ErrorKind::Syntax,
                    format!("subclass value {w:?} is neither a quoted string nor colon hex"),
                    "quote the value",
                )
            })?,
            _ => {
                return Err(err(
                    loader,
                    at,
                    ErrorKind::Syntax,
                    "subclass without a value",
                    "write subclass \"class\" \"value\"",
                ))
            }
        };
        let p = self.config.class_named(&parent).ok_or_else(|| {
            err(
                loader,
                at,
                ErrorKind::Syntax,
                format!("subclass of {parent:?}, which is not declared above"),
                "declare the class first",
            )
        })?;
        let condition = match self.matchers.iter().find(|(c, _)| *c == p).map(|(_, m)| m) {
            Some(Condition::Equals(_)) => Condition::Equals(value.clone()),
            Some(Condition::Substring { offset, len, .. }) => Condition::Substring { offset: *offset, len: *len, value: value.clone() },
            _ => return Err(err(loader, at, ErrorKind::Unsupported, format!("class {parent:?} has no `match option vendor-class-identifier;` or `match substring(…);` ucprov evaluates"), "give the parent class a match on option 60")),
        };
        let name = format!("{parent} \"{}\"", String::from_utf8_lossy(&value));
        self.config.classes.push(Class {
            name,
            condition,
            at,
        });
        let idx = self.config.classes.len() - 1;
        // The parent class's own statements apply to its subclasses' members too.
        let inherited: Vec<Setting> = self
            .config
            .settings
            .iter()
            .filter(|s| s.classes.iter().any(|r| r.class == p))
            .map(|s| Setting {
                classes: vec![ClassRef {
                    class: idx,
                    negated: false,
                }],
                ..s.clone()
            })
            .collect();
        self.config.settings.extend(inherited);
        Ok(idx)
    }

    fn statement(
        &mut self,
        loader: &mut Loader,
        stmt: &[Token],
        at: Loc,
        ctx: Ctx,
    ) -> Result<(), AuditError> {
        match word(stmt.first()) {
            Some("include") => {
                let Some(Tok::Str(path)) = stmt.get(1).map(|t| &t.tok) else {
                    return Err(err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        "include without a quoted file name",
                        "write include \"/etc/dhcp/file.conf\";",
                    ));
                };
                let path = String::from_utf8_lossy(path).into_owned();
                let file = loader.enter(&path, Some(at))?;
                let toks = lexer::lex(&loader.sources, file, loader.text(file));
                let result = toks.and_then(|toks| self.block(loader, &toks, &mut 0, ctx, false));
                loader.leave();
                result
            }
            Some("option") => self.option(loader, &stmt[1..], at, ctx),
            Some("vendor-option-space") => {
                let space = word(stmt.get(1)).ok_or_else(|| {
                    err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        "vendor-option-space without a space name",
                        "write vendor-option-space NAME;",
                    )
                })?;
                let value = OptionValue {
                    code: 43,
                    space: DHCP4.into(),
                    name: Some("vendor-encapsulated-options".into()),
                    declared: ValueType::Encapsulate(space.into()),
                    raw: format!("vendor-option-space {space}"),
                    data: Data::Encapsulate(space.into()),
                    at,
                };
                self.push(ctx, value);
                Ok(())
            }
            Some("match") => self.matcher(loader, &stmt[1..], at, ctx),
            Some("allow" | "deny" | "ignore") if self.config.scopes[ctx.scope].level == Level::Pool && stmt.iter().skip(1).any(|t| matches!(&t.tok, Tok::Word(w) if matches!(w.as_str(), "members" | "known-clients" | "unknown-clients" | "known" | "unknown"))) => Err(err(loader, at, ErrorKind::Unsupported, "a pool restricted to class members or known clients: which clients it serves is not evaluated", "audit a copy without the restriction")),
            Some("spawn") => Err(err(
                loader,
                at,
                ErrorKind::Unsupported,
                "spawn with: spawned subclasses are not evaluated",
                "audit a copy with subclasses written out",
            )),
            Some("subclass") => {
                self.subclass(loader, stmt, at)?;
                Ok(())
            }
            Some("if" | "elsif" | "else") => Err(err(
                loader,
                at,
                ErrorKind::Unsupported,
                "conditional statements are not evaluated by ucprov",
                "audit a copy with the branch the phones take written out",
            )),
            // Everything else (leases, ranges, authoritative, hardware, filename…) sends no
            // option 43 or 120 and is read past.
            _ => Ok(()),
        }
    }

    fn push(&mut self, ctx: Ctx, value: OptionValue) {
        let level = if ctx.class.is_some() {
            Level::Class
        } else {
            self.config.scopes[ctx.scope].level
        };
        self.config.settings.push(Setting {
            scope: ctx.scope,
            classes: ctx
                .class
                .map(|c| ClassRef {
                    class: c,
                    negated: false,
                })
                .into_iter()
                .collect(),
            level,
            value,
        });
    }

    fn matcher(
        &mut self,
        loader: &Loader,
        rest: &[Token],
        at: Loc,
        ctx: Ctx,
    ) -> Result<(), AuditError> {
        let Some(class) = ctx.class else {
            return Err(err(
                loader,
                at,
                ErrorKind::Syntax,
                "match outside a class",
                "put match inside class \"name\" { … }",
            ));
        };
        let cond = if word(rest.first()) == Some("if") {
            types::condition(&rest[1..]).map_err(|why| err(loader, at, ErrorKind::Unsupported, format!("match if: {why}"), "write the test as option vendor-class-identifier = \"…\" or substring(option vendor-class-identifier, 0, N) = \"…\""))?
        } else {
            // `match <expr>;`: subclasses give the values.
            let form = types::match_expr(rest).map_err(|why| {
                err(
                    loader,
                    at,
                    ErrorKind::Unsupported,
                    format!("match: {why}"),
                    "match on option vendor-class-identifier or a substring of it",
                )
            })?;
            self.matchers.push((class, form));
            Condition::Never
        };
        let c = &mut self.config.classes[class];
        c.condition = cond;
        c.at = at;
        Ok(())
    }

    fn option(
        &mut self,
        loader: &Loader,
        rest: &[Token],
        at: Loc,
        ctx: Ctx,
    ) -> Result<(), AuditError> {
        let Some(first) = word(rest.first()) else {
            return Err(err(
                loader,
                at,
                ErrorKind::Syntax,
                "option without a name",
                "write option NAME VALUE;",
            ));
        };
        if first == "space" {
            return Ok(());
        }
        let (space, name) = match first.split_once('.') {
            Some((s, n)) => (s.to_string(), n.to_string()),
            None => (DHCP4.to_string(), first.to_string()),
        };
        let space = if space == "dhcp" {
            DHCP4.to_string()
        } else {
            space
        };
        if word(rest.get(1)) == Some("code") {
            return self.definition(loader, rest, &space, &name, at);
        }
        let def = self
            .config
            .defs
            .iter()
            .position(|d| d.space == space && d.name == name)
            .map(|i| (self.config.defs[i].code, self.types[i].clone()))
            .or_else(|| (space == DHCP4).then(|| types::standard(&name)).flatten());
        let raw_toks = &rest[1..];
        let raw = types::raw_text(raw_toks);
        let Some((code, ty)) = def else {
            if space == DHCP4 && !name.starts_with("unknown-") {
                // Not one ucprov knows, so not 43 or 120: present, size unknown.
                let value = OptionValue {
                    code: 0,
                    space,
                    name: Some(name.clone()),
                    declared: ValueType::Binary,
                    raw,
                    data: Data::Unsized(format!(
                        "option {name} is not in ucprov's table of dhcpd options"
                    )),
                    at,
                };
                self.push(ctx, value);
                return Ok(());
            }
            return Err(err(
                loader,
                at,
                ErrorKind::Syntax,
                format!("option {first} is not defined above"),
                format!("declare it: option {first} code N = string;"),
            ));
        };
        // Sub-options (any space but dhcp4) may end up in option 43.
        let strict = space != DHCP4 || matches!(code, 43 | 120);
        if matches!(raw_toks.first().map(|t| &t.tok), Some(Tok::Punct('='))) {
            if strict {
                return Err(err(
                    loader,
                    at,
                    ErrorKind::Unsupported,
                    format!(
                        "option {first} is set by an expression, which ucprov does not evaluate"
                    ),
                    "write the value itself",
                ));
            }
            let value = OptionValue {
                code,
                space,
                name: Some(name),
                declared: ty.declared(),
                raw,
                data: Data::Unsized("set by an expression".into()),
                at,
            };
            self.push(ctx, value);
            return Ok(());
        }
        let data = match ty.encode(raw_toks) {
            Ok(b) => {
                if space != DHCP4 && b.len() > 255 {
                    return Err(err(
                        loader,
                        at,
                        ErrorKind::Syntax,
                        format!(
                            "option {first} is {} bytes; a sub-option holds at most 255",
                            b.len()
                        ),
                        "shorten the value",
                    ));
                }
                Data::Bytes(b)
            }
            Err(why) if !strict => Data::Unsized(why),
            Err(why) => {
                return Err(err(
                    loader,
                    at,
                    ErrorKind::Syntax,
                    format!("option {first} ({}): {why}", ty.label()),
                    "write the value as its definition's type says",
                ))
            }
        };
        let value = OptionValue {
            code,
            space,
            name: Some(name),
            declared: ty.declared_for(raw_toks),
            raw,
            data,
            at,
        };
        self.push(ctx, value);
        Ok(())
    }

    fn definition(
        &mut self,
        loader: &Loader,
        rest: &[Token],
        space: &str,
        name: &str,
        at: Loc,
    ) -> Result<(), AuditError> {
        let code = word(rest.get(2))
            .and_then(|c| c.parse::<u8>().ok())
            .filter(|c| (1..=254).contains(c))
            .ok_or_else(|| {
                err(
                    loader,
                    at,
                    ErrorKind::Syntax,
                    format!("option {name}: code must be 1-254"),
                    "write option NAME code N = TYPE;",
                )
            })?;
        if rest.get(3).map(|t| &t.tok) != Some(&Tok::Punct('=')) {
            return Err(err(
                loader,
                at,
                ErrorKind::Syntax,
                format!("option {name} code {code}: '=' expected"),
                "write option NAME code N = TYPE;",
            ));
        }
        let ty = IscType::parse(&rest[4..]).map_err(|why| err(loader, at, ErrorKind::Unsupported, format!("option {name} code {code}: {why}"), "use string, text, unsigned integer N, ip-address, domain-list, encapsulate SPACE or a { … } record"))?;
        self.config.defs.push(OptionDef {
            code,
            space: space.into(),
            name: name.into(),
            ty: ty.declared(),
            array: ty.array,
            class: None,
            at,
        });
        self.types.push(ty);
        Ok(())
    }

    /// `option X code 43 = encapsulate SPACE;`: dhcpd builds option 43 from SPACE's options
    /// wherever they are set, with no statement of its own; modelled as a server default.
    fn encapsulation_defaults(&mut self) {
        let encaps: Vec<(String, Loc)> = self
            .config
            .defs
            .iter()
            .zip(&self.types)
            .filter(|(d, _)| d.space == DHCP4 && d.code == 43)
            .filter_map(|(d, t)| t.encapsulate.clone().map(|s| (s, d.at)))
            .collect();
        for (space, at) in encaps {
            self.config.settings.push(Setting {
                scope: 0,
                classes: Vec::new(),
                level: Level::Fallback,
                value: OptionValue {
                    code: 43,
                    space: DHCP4.into(),
                    name: None,
                    declared: ValueType::Encapsulate(space.clone()),
                    raw: format!("encapsulate {space}"),
                    data: Data::Encapsulate(space),
                    at,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests;
