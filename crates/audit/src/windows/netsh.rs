//! `netsh dhcp server dump` text, and scripts of netsh lines such as `ucprov config --target
//! windows-netsh` writes: `Dhcp Server \\HOST add class …` (the dump's form), `netsh dhcp server
//! add class …` (a script's), or bare commands after `pushd dhcp server`. Keywords are
//! case-insensitive, as netsh's are. Commands that cannot change options 43 and 120 are skipped
//! by name; any other command is an error at its line, never skipped silently.

use std::net::Ipv4Addr;

use crate::dialect::Dialect;
use crate::error::{AuditError, ErrorKind};
use crate::model::Config;
use crate::source::{Loader, Loc};
use crate::windows::{At, Builder, ValueLine, WinType};

/// Why a text looks like netsh: a line that opens with `netsh dhcp server` or `Dhcp Server`.
pub fn detect(text: &str) -> Option<&'static str> {
    text.lines()
        .map(|l| tokens(l.trim_start_matches('@')))
        .any(|t| {
            let lower: Vec<String> = t.iter().take(3).map(|s| s.to_ascii_lowercase()).collect();
            let start = usize::from(lower.first().is_some_and(|f| f == "netsh"));
            lower.get(start).is_some_and(|w| w == "dhcp")
                && lower.get(start + 1).is_some_and(|w| w == "server")
        })
        .then_some("netsh dhcp server lines")
}

/// Parse `name` as netsh lines.
pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let file = loader.enter(name, None)?;
    let text = loader.text(file).to_string();
    let mut b = Builder::new(
        Dialect::WindowsNetsh,
        loader.sources.clone(),
        Loc { file, line: 1 },
    );
    let mut defaults = Defaults::default();
    for (i, line) in text.lines().enumerate() {
        let loc = Loc {
            file,
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        line_into(&mut b, &mut defaults, line, loc)?;
    }
    loader.leave();
    b.set_sources(loader.sources.clone());
    Ok(b.finish())
}

/// `set vendorclass` / `set userclass`: the classes later lines use when they name none.
#[derive(Default)]
struct Defaults {
    vendor: Option<String>,
    user: Option<String>,
}

/// Words that start a command after the `netsh dhcp server [HOST] [scope IP]` prefix.
const VERBS: &[&str] = &[
    "add", "set", "delete", "show", "dump", "export", "import", "initiate", "scope", "mscope",
    "v4", "v6",
];

/// Commands that cannot change which options 43 and 120 a client receives.
const SKIPPED: &[(&str, &str)] = &[
    ("add", "iprange"),
    ("add", "excluderange"),
    ("add", "server"),
    ("add", "mscope"),
    ("add", "filter"),
    ("add", "failover"),
    ("add", "securitygroups"),
    ("set", "state"),
    ("set", "name"),
    ("set", "comment"),
    ("set", "superscope"),
    ("set", "scope"),
    ("set", "auditlog"),
    ("set", "dnsconfig"),
    ("set", "detectconflictretry"),
    ("set", "server"),
    ("set", "napstate"),
    ("set", "napdeffail"),
    ("set", "napprofile"),
    ("set", "delayoffer"),
    ("set", "filter"),
    ("set", "failover"),
    ("set", "leaseduration"),
    ("set", "reservedip"),
    ("delete", "iprange"),
    ("delete", "excluderange"),
    ("delete", "reservedip"),
];

fn line_into(b: &mut Builder, d: &mut Defaults, line: &str, loc: Loc) -> Result<(), AuditError> {
    let trimmed = line.trim().trim_start_matches('@');
    let lower = trimmed.to_ascii_lowercase();
    let comment = trimmed.is_empty()
        || trimmed.starts_with('#')
        || trimmed.starts_with("::")
        || lower == "rem"
        || lower.starts_with("rem ")
        || lower.starts_with("echo")
        || lower.starts_with("pushd")
        || lower.starts_with("popd");
    if comment {
        return Ok(());
    }
    let t = tokens(trimmed);
    let mut i = 0;
    let word = |i: usize| t.get(i).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    if word(i) == "netsh" {
        i += 1;
    }
    if word(i) == "dhcp" && word(i + 1) == "server" {
        i += 2;
        // The server, as `\\HOST` or an address, when the next word is not a command.
        if !word(i).is_empty() && !VERBS.contains(&word(i).as_str()) {
            i += 1;
        }
    } else if i > 0 {
        return Err(unsupported(
            b,
            loc,
            format!("netsh {} is not a DHCP server command", word(i)),
        ));
    }
    if word(i) == "v4" {
        i += 1;
    }
    if matches!(word(i).as_str(), "v6" | "mscope") {
        // DHCPv6 and multicast scopes carry no DHCPv4 option 43 or 120.
        return Ok(());
    }
    let mut at = At::Server;
    if word(i) == "scope" {
        let network = address(b, t.get(i + 1), "scope", loc)?;
        at = At::Scope(network);
        i += 2;
    }
    let (verb, object) = (word(i), word(i + 1));
    let args: Vec<Arg> = t
        .get(i + 2..)
        .unwrap_or(&[])
        .iter()
        .map(|s| Arg::new(s))
        .collect();
    let key = (verb.as_str(), object.as_str());
    if SKIPPED.contains(&key)
        || matches!(
            verb.as_str(),
            "show" | "dump" | "export" | "import" | "initiate"
        )
        || (verb == "set" && object.starts_with("database"))
    {
        return Ok(());
    }
    match key {
        ("add", "class") => add_class(b, &args, loc),
        ("add", "optiondef") => add_optiondef(b, &args, loc),
        ("add", "scope") => {
            let network = address(b, args.first().map(|a| &a.text), "scope", loc)?;
            let mask = address(b, args.get(1).map(|a| &a.text), "subnet mask", loc)?;
            b.scope(network, mask, loc);
            Ok(())
        }
        ("add", "reservedip") => {
            let At::Scope(scope) = at else {
                return Err(b.error(
                    loc,
                    "add reservedip outside a scope",
                    "write it as scope NETWORK add reservedip …",
                ));
            };
            let ip = address(b, args.first().map(|a| &a.text), "reserved address", loc)?;
            b.reservation(scope, ip, loc);
            Ok(())
        }
        ("set", "optionvalue") => set_value(b, d, at, &args, loc),
        ("set", "reservedoptionvalue") => {
            let At::Scope(scope) = at else {
                return Err(b.error(
                    loc,
                    "set reservedoptionvalue outside a scope",
                    "write it as scope NETWORK set reservedoptionvalue …",
                ));
            };
            let ip = address(b, args.first().map(|a| &a.text), "reserved address", loc)?;
            set_value(b, d, At::Reservation(scope, ip), &args[1..], loc)
        }
        ("delete", "optionvalue") | ("delete", "reservedoptionvalue") => {
            let (at, rest) = if object == "reservedoptionvalue" {
                let At::Scope(scope) = at else {
                    return Err(b.error(
                        loc,
                        "delete reservedoptionvalue outside a scope",
                        "write it as scope NETWORK delete reservedoptionvalue …",
                    ));
                };
                let ip = address(b, args.first().map(|a| &a.text), "reserved address", loc)?;
                (At::Reservation(scope, ip), &args[1..])
            } else {
                (at, &args[..])
            };
            let named = Named::of(rest, d);
            let code = code(b, named.positional.first().copied(), loc)?;
            b.delete_value(
                at,
                code,
                named.vendor.as_deref(),
                named.user.as_deref(),
                loc,
            )
        }
        ("set", "vendorclass") => {
            d.vendor = args
                .first()
                .map(|a| a.text.clone())
                .filter(|s| !s.is_empty());
            Ok(())
        }
        ("set", "userclass") => {
            d.user = args
                .first()
                .map(|a| a.text.clone())
                .filter(|s| !s.is_empty());
            Ok(())
        }
        (_, o) if o.contains("policy") || o.contains("condition") => Err(unsupported(
            b,
            loc,
            "DHCP policies condition options in ways ucprov does not evaluate".to_string(),
        )),
        _ => Err(unsupported(
            b,
            loc,
            format!("\"{trimmed}\" is not a netsh command ucprov reads"),
        )),
    }
}

fn unsupported(b: &Builder, loc: Loc, message: String) -> AuditError {
    let mut e = b.error(
        loc,
        message,
        "remove the line to audit the rest (ucprov refuses what it cannot evaluate rather than guess)",
    );
    e.kind = ErrorKind::Unsupported;
    e
}

/// One argument: `key=value` split, quotes removed.
struct Arg {
    text: String,
    key: Option<String>,
}

impl Arg {
    fn new(token: &str) -> Self {
        match token.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic()) => Arg {
                text: v.to_string(),
                key: Some(k.to_ascii_lowercase()),
            },
            _ => Arg {
                text: token.to_string(),
                key: None,
            },
        }
    }
}

/// Positional arguments and the `user=` / `vendor=` / `comment=` ones.
struct Named<'a> {
    positional: Vec<&'a str>,
    vendor: Option<String>,
    user: Option<String>,
    comment: Option<String>,
}

impl<'a> Named<'a> {
    fn of(args: &'a [Arg], d: &Defaults) -> Self {
        let mut n = Named {
            positional: Vec::new(),
            vendor: d.vendor.clone(),
            user: d.user.clone(),
            comment: None,
        };
        for a in args {
            match a.key.as_deref() {
                Some("vendor") => n.vendor = Some(a.text.clone()).filter(|s| !s.is_empty()),
                Some("user") => n.user = Some(a.text.clone()).filter(|s| !s.is_empty()),
                Some("comment") => n.comment = Some(a.text.clone()),
                // DNS validation flags of option 6 (DhcpFullForce / DhcpNoForce).
                _ if a.text.eq_ignore_ascii_case("dhcpfullforce")
                    || a.text.eq_ignore_ascii_case("dhcpnoforce") => {}
                _ => n.positional.push(&a.text),
            }
        }
        n
    }
}

fn add_class(b: &mut Builder, args: &[Arg], loc: Loc) -> Result<(), AuditError> {
    let mut positional: Vec<&str> = Vec::new();
    let (mut vendor, mut binary) = (None, false);
    for a in args {
        match a.key.as_deref() {
            Some("isvendor") => vendor = Some(a.text.as_str()),
            Some("isbinary") => binary = a.text.eq_ignore_ascii_case("b"),
            _ => positional.push(&a.text),
        }
    }
    let name = positional
        .first()
        .copied()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            b.error(
                loc,
                "add class without a class name",
                "add class NAME \"COMMENT\" \"DATA\" 1",
            )
        })?;
    let data = positional.get(2).copied().ok_or_else(|| {
        b.error(
            loc,
            format!("class {name} has no data: Windows matches option 60 (vendor) or 77 (user) against it"),
            format!("add class {name} \"COMMENT\" \"DATA\" 1"),
        )
    })?;
    let vendor = vendor.or(positional.get(3).copied()).unwrap_or("0");
    binary = binary
        || positional
            .get(4)
            .is_some_and(|f| f.eq_ignore_ascii_case("b"));
    let is_vendor = match vendor {
        "1" => true,
        "0" => false,
        other => {
            return Err(b.error(
                loc,
                format!("class {name}: IsVendor is {other:?}, not 0 or 1"),
                "1 for a vendor class (option 60), 0 for a user class",
            ))
        }
    };
    let bytes = if binary {
        WinType::Binary.encode(&[data.to_string()]).map_err(|why| {
            b.error(
                loc,
                format!("class {name} data: {why}"),
                "binary class data is hex",
            )
        })?
    } else {
        data.as_bytes().to_vec()
    };
    b.class(name, bytes, is_vendor, loc);
    Ok(())
}

fn add_optiondef(b: &mut Builder, args: &[Arg], loc: Loc) -> Result<(), AuditError> {
    let named = Named::of(args, &Defaults::default());
    let code = code(b, named.positional.first().copied(), loc)?;
    let name = named.positional.get(1).copied().unwrap_or("");
    let ty = win_type(b, named.positional.get(2).copied(), loc)?;
    let array = named.positional.get(3).is_some_and(|a| *a == "1");
    let _ = &named.comment;
    b.definition(code, name, ty, array, named.vendor.as_deref(), loc);
    Ok(())
}

fn set_value(
    b: &mut Builder,
    d: &Defaults,
    at: At,
    args: &[Arg],
    loc: Loc,
) -> Result<(), AuditError> {
    let named = Named::of(args, d);
    let code = code(b, named.positional.first().copied(), loc)?;
    let ty = win_type(b, named.positional.get(1).copied(), loc)?;
    let values: Vec<String> = named
        .positional
        .iter()
        .skip(2)
        .map(|s| s.to_string())
        .collect();
    if values.is_empty() {
        return Err(b.error(
            loc,
            format!("set optionvalue {code} has no value"),
            format!("set optionvalue {code} TYPE VALUE"),
        ));
    }
    b.value(ValueLine {
        at,
        code,
        ty: Some(ty),
        vendor: named.vendor.as_deref(),
        user: named.user.as_deref(),
        // The value as written, without the command and option (the model's raw text).
        raw: values.join(" "),
        values,
        loc,
    })
}

fn code(b: &Builder, text: Option<&str>, loc: Loc) -> Result<u8, AuditError> {
    text.and_then(|t| t.parse::<u8>().ok()).ok_or_else(|| {
        b.error(
            loc,
            format!("{:?} is not an option code (0-255)", text.unwrap_or("")),
            "the option code comes first",
        )
    })
}

fn win_type(b: &Builder, text: Option<&str>, loc: Loc) -> Result<WinType, AuditError> {
    text.and_then(WinType::parse).ok_or_else(|| {
        b.error(
            loc,
            format!("{:?} is not a netsh option type", text.unwrap_or("")),
            "BYTE, WORD, DWORD, DWORDDWORD, IPADDRESS, STRING, BINARY or ENCAPSULATED",
        )
    })
}

fn address(
    b: &Builder,
    text: Option<&String>,
    what: &str,
    loc: Loc,
) -> Result<Ipv4Addr, AuditError> {
    text.and_then(|t| t.parse().ok()).ok_or_else(|| {
        b.error(
            loc,
            format!(
                "{:?} is not an IPv4 address ({what})",
                text.map_or("", |s| s.as_str())
            ),
            format!("give the {what} as a.b.c.d"),
        )
    })
}

/// Words of a line, double quotes grouping (and removed), as cmd and netsh split them.
fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => {
                current.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn quotes_group_words_and_keys_keep_their_values() {
        assert_eq!(
            tokens(
                r#"add optiondef 1 UCIdentifier Binary 0 Vendor=MSUCClient comment="UC Identifier""#
            ),
            [
                "add",
                "optiondef",
                "1",
                "UCIdentifier",
                "Binary",
                "0",
                "Vendor=MSUCClient",
                "comment=UC Identifier"
            ]
        );
        let a = Arg::new("Vendor=MSUCClient");
        assert_eq!(
            (a.key.as_deref(), a.text.as_str()),
            (Some("vendor"), "MSUCClient")
        );
        assert!(Arg::new("00:11").key.is_none());
    }

    #[test]
    fn both_prefixes_are_detected() {
        assert!(detect("Dhcp Server \\\\winboot set optionvalue 15 STRING \"a\"").is_some());
        assert!(detect("@echo off\nnetsh dhcp server add class X \"c\" \"d\" 1").is_some());
        assert!(detect("option domain-name \"dhcp server\";").is_none());
    }
}
