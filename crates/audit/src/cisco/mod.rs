//! Cisco IOS and IOS-XE running-config: `ip dhcp pool` blocks with `network` or `host`, and
//! their `option CODE hex|ascii|ip …` and IOS-XE `option ext CODE hex …` lines
//! (docs/dhcp-servers.md §3.7, docs/dhcp-servers.md §7.2).
//!
//! What IOS sends, as modelled here: an IOS pool cannot match option 60, so every option of a
//! pool reaches every client of it. A host pool inherits from the network pool holding its
//! address, and a network pool from the pool whose network holds its own (IOS's pool
//! inheritance); the more specific pool wins. From 15.1(3)S on, `option … hex` keeps only the
//! first 180 hex digits (90 bytes) and drops the rest without a word; the value modelled is what
//! is sent, the text as written stays in the setting's raw text. `option ext` takes up to 255
//! bytes, written as several lines that are joined.
//!
//! Lines outside pools are skipped (a running-config is mostly about other things); inside a
//! pool, a sub-command ucprov does not know is an error at its line, never skipped.

#[cfg(test)]
mod tests;

use std::net::Ipv4Addr;

use ucprov_confgen::platform;
use ucprov_wire::hex::parse_hex;

use crate::dialect::{Assembly, Dialect, SubOrder};
use crate::error::{AuditError, ErrorKind};
use crate::fix::Want;
use crate::model::{Config, Data, Level, OptionValue, Setting, ValueType, DHCP4};
use crate::source::{Loader, Loc, Sources};

/// Longest `option … hex` value IOS keeps from 15.1(3)S on, in hex digits.
pub const HEX_KEPT: usize = 180;

/// A pool for its network, a host pool above it; no classes.
pub const IOS: Assembly = Assembly {
    precedence: &[
        Level::Fallback,
        Level::Global,
        Level::SharedNetwork,
        Level::Subnet,
        Level::Pool,
        Level::Host,
    ],
    order: SubOrder::ByCode,
    first_class_wins: false,
    sends_empty_encapsulation: false,
    platform: &platform::CISCO_IOS,
};

/// IOS-XE: the same server, with `option ext` for long values (fixes use it).
pub const IOS_XE: Assembly = Assembly {
    platform: &platform::CISCO_IOS_XE,
    ..IOS
};

/// The lines of confgen's pool a fix needs ([`crate::fix`]): IOS cannot match option 60, so
/// scoping is the dedicated pool itself.
pub fn keywords(want: Want) -> Vec<String> {
    let plain = |k: &[&str]| k.iter().map(|s| s.to_string()).collect();
    match want {
        Want::Whole => Vec::new(),
        Want::VendorClass => plain(&["ip dhcp pool ", " network "]),
        Want::Option43 | Want::SubOption(_) => plain(&["ip dhcp pool ", " 43 hex "]),
        Want::Option120 => plain(&["ip dhcp pool ", " 120 hex "]),
    }
}

/// Why a text looks like a Cisco configuration: an `ip dhcp pool` line.
pub fn detect(text: &str) -> Option<&'static str> {
    text.lines()
        .any(|l| l.trim_start().starts_with("ip dhcp pool "))
        .then_some("an ip dhcp pool line")
}

/// IOS-XE is read by the same parser and told apart by its lines; it claims no text itself.
pub fn detect_none(_: &str) -> Option<&'static str> {
    None
}

/// One `option` line's value as the server sends it.
struct Opt {
    code: u8,
    ext: bool,
    bytes: Vec<u8>,
    declared: ValueType,
    raw: String,
    at: Loc,
}

#[derive(Default)]
struct Pool {
    name: String,
    at: Option<Loc>,
    network: Option<(Ipv4Addr, u32)>,
    host: Option<Ipv4Addr>,
    options: Vec<Opt>,
}

impl Pool {
    fn contains(&self, addr: Ipv4Addr) -> bool {
        self.network.is_some_and(|(n, p)| {
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(addr) & mask == u32::from(n) & mask
        })
    }
}

/// Pool sub-commands that cannot change options 43 and 120.
const POOL_SKIPPED: &[&str] = &[
    "default-router",
    "dns-server",
    "domain-name",
    "netbios-name-server",
    "netbios-node-type",
    "lease",
    "bootfile",
    "next-server",
    "class",
    "address",
    "client-identifier",
    "hardware-address",
    "client-name",
    "utilization",
    "renew",
    "update",
    "accounting",
    "vrf",
    "subnet",
    "reserved-only",
    "description",
    "relay",
    "origin",
    "exit",
    "no",
];

pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let file = loader.enter(name, None)?;
    let text = loader.text(file).to_string();
    let sources = loader.sources.clone();
    let err = |line: u32, message: String, fix: &str| {
        sources.error(ErrorKind::Syntax, Loc { file, line }, message, fix)
    };
    let mut pools: Vec<Pool> = Vec::new();
    let mut in_pool = false;
    let mut version: Option<(u32, u32)> = None;
    let mut xe = false;
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let at = Loc { file, line: n };
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() || words[0].starts_with('!') {
            continue;
        }
        if !indented {
            in_pool = false;
            if words[0] == "version" {
                version = words.get(1).and_then(|v| parse_version(v));
            }
            if words.len() >= 4 && words[..3] == ["ip", "dhcp", "pool"] {
                in_pool = true;
                pools.push(Pool {
                    name: words[3..].join(" "),
                    at: Some(at),
                    ..Pool::default()
                });
            }
            continue;
        }
        let Some(pool) = pools.last_mut().filter(|_| in_pool) else {
            continue;
        };
        match words[0] {
            "network" => {
                let addr = words.get(1).and_then(|a| a.parse::<Ipv4Addr>().ok());
                let prefix = match words.get(2) {
                    Some(m) if m.starts_with('/') => m[1..].parse::<u32>().ok().filter(|p| *p <= 32),
                    Some(m) => m.parse::<Ipv4Addr>().ok().map(|m| u32::from(m).leading_ones()),
                    // Without a mask IOS takes the classful one.
                    None => addr.map(classful),
                };
                match (addr, prefix) {
                    (Some(a), Some(p)) => pool.network = Some((a, p)),
                    _ => {
                        return Err(err(n, format!("pool {}: {:?} is not network ADDRESS MASK", pool.name, line.trim()), "network 192.0.2.0 255.255.255.0"))
                    }
                }
            }
            "host" => {
                let addr = words.get(1).and_then(|a| a.parse::<Ipv4Addr>().ok()).ok_or_else(|| {
                    err(n, format!("pool {}: {:?} is not host ADDRESS [MASK]", pool.name, line.trim()), "host 192.0.2.10 255.255.255.0")
                })?;
                pool.host = Some(addr);
            }
            "option" => {
                let o = option(&words, line, at).map_err(|(why, fix)| {
                    err(n, format!("pool {}: {why}", pool.name), fix)
                })?;
                xe |= o.ext;
                // IOS-XE shows a long `option ext` value as several lines: they join.
                match pool.options.last_mut() {
                    Some(prev) if o.ext && prev.ext && prev.code == o.code && prev.at.line + 1 == n => {
                        prev.bytes.extend(o.bytes);
                        prev.raw.push('\n');
                        prev.raw.push_str(&o.raw);
                    }
                    _ => pool.options.push(o),
                }
            }
            "import" => {
                return Err(sources.error(
                    ErrorKind::Unsupported,
                    at,
                    format!("pool {}: import all takes options from another server at run time; ucprov cannot see them", pool.name),
                    "audit the server the options are imported from, or write them in the pool",
                ))
            }
            w if POOL_SKIPPED.contains(&w) => {}
            w => {
                return Err(sources.error(
                    ErrorKind::Unsupported,
                    at,
                    format!("pool {}: {w:?} is not a DHCP pool command ucprov reads", pool.name),
                    "remove the line to audit the rest (ucprov refuses what it cannot evaluate rather than guess)",
                ))
            }
        }
    }
    loader.leave();
    // IOS older than 15.1 keeps long hex whole; from 15.1(3)S on (and when the file does not
    // say) the cut applies (docs/dhcp-servers.md §3.7).
    let cuts = version.is_none_or(|v| v >= (15, 1));
    xe |= version.is_some_and(|v| v.0 >= 16);
    let dialect = if xe {
        Dialect::CiscoIosXe
    } else {
        Dialect::CiscoIos
    };
    Ok(build(dialect, loader.sources.clone(), file, pools, cuts))
}

/// `15.2(4)M` → (15, 2); `17.3` → (17, 3).
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (major, rest) = v.split_once('.')?;
    let minor: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn classful(a: Ipv4Addr) -> u32 {
    match a.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    }
}

/// `option [ext] CODE [instance N] hex|ascii|ip VALUE`.
fn option(words: &[&str], line: &str, at: Loc) -> Result<Opt, (String, &'static str)> {
    let ext = words.get(1) == Some(&"ext");
    let mut i = if ext { 2 } else { 1 };
    let code: u8 = words.get(i).and_then(|c| c.parse().ok()).ok_or_else(|| {
        (
            format!("{:?} is not option CODE hex|ascii|ip VALUE", line.trim()),
            "option 43 hex 010c.4d53…",
        )
    })?;
    i += 1;
    if words.get(i) == Some(&"instance") {
        i += 2;
    }
    let kind = words.get(i).copied().unwrap_or("");
    // The value is the rest of the line after the type word.
    let rest = value_after(line, kind).unwrap_or_default();
    let (bytes, declared) = match kind {
        "hex" => (
            parse_hex(&rest).map_err(|_| {
                (
                    format!("option {code} hex {rest:?} is not hex"),
                    "two hex digits per byte, dots allowed: 010c.4d53",
                )
            })?,
            ValueType::Binary,
        ),
        "ascii" => {
            let text = rest.trim();
            let text = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or(text);
            (text.as_bytes().to_vec(), ValueType::Text)
        }
        "ip" => {
            let mut out = Vec::new();
            for a in rest.split_whitespace() {
                let ip: Ipv4Addr = a.parse().map_err(|_| {
                    (
                        format!("option {code} ip {a:?} is not an IPv4 address"),
                        "option N ip a.b.c.d",
                    )
                })?;
                out.extend_from_slice(&ip.octets());
            }
            (out, ValueType::Ipv4)
        }
        other => {
            return Err((
                format!("option {code}: {other:?} is not hex, ascii or ip"),
                "option 43 hex 010c.4d53…",
            ))
        }
    };
    Ok(Opt {
        code,
        ext,
        bytes,
        declared,
        // The value as written, without `option N hex` (the model's raw text).
        raw: rest,
        at,
    })
}

/// The text after the first ` KIND ` of the line.
fn value_after(line: &str, kind: &str) -> Option<String> {
    let key = format!(" {kind} ");
    line.find(&key)
        .map(|p| line[p + key.len()..].trim().to_string())
}

fn build(dialect: Dialect, sources: Sources, file: usize, pools: Vec<Pool>, cuts: bool) -> Config {
    let mut config = Config::new(dialect, Loc { file, line: 1 });
    config.sources = sources;
    // Network pools from widest to narrowest, so a pool's parent exists before it.
    let mut order: Vec<usize> = (0..pools.len()).collect();
    order.sort_by_key(|&i| match (pools[i].network, pools[i].host) {
        (Some((_, p)), None) => (0, p),
        (None, Some(_)) => (1, 32),
        _ => (2, 0),
    });
    let mut index = vec![0usize; pools.len()];
    for &i in &order {
        let p = &pools[i];
        let key = p.host.or(p.network.map(|(n, _)| n));
        // The most specific other network pool holding this one's address.
        let parent = key
            .and_then(|addr| {
                order
                    .iter()
                    .take_while(|&&j| j != i)
                    .filter(|&&j| pools[j].host.is_none() && pools[j].contains(addr))
                    .filter(|&&j| {
                        pools[j].network.map(|n| n.1) < p.network.map(|n| n.1).or(Some(33))
                    })
                    .last()
                    .map(|&j| index[j])
            })
            .unwrap_or(0);
        let (level, label) = match (p.network, p.host) {
            (_, Some(h)) => (Level::Host, format!("pool {} (host {h})", p.name)),
            (Some((n, len)), None) => (Level::Subnet, format!("pool {} ({n}/{len})", p.name)),
            // A pool with neither serves no client by itself.
            (None, None) => (
                Level::SharedNetwork,
                format!("pool {} (no network)", p.name),
            ),
        };
        let at = p.at.unwrap_or(Loc { file, line: 1 });
        index[i] = config.add_scope(level, label, parent, at);
        for o in &p.options {
            let mut bytes = o.bytes.clone();
            if cuts && !o.ext && o.declared == ValueType::Binary && bytes.len() * 2 > HEX_KEPT {
                bytes.truncate(HEX_KEPT / 2);
            }
            config.settings.push(Setting {
                scope: index[i],
                classes: Vec::new(),
                level,
                value: OptionValue {
                    code: o.code,
                    space: DHCP4.into(),
                    name: None,
                    declared: o.declared.clone(),
                    raw: o.raw.clone(),
                    data: Data::Bytes(bytes),
                    at: o.at,
                },
            });
        }
    }
    config
}
