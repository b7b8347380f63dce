//! What the admin asked for, validated before anything is rendered, and the `ucprov config`
//! command line that asks for it again.

use core::fmt;
use core::str::FromStr;
use std::net::Ipv4Addr;

use ucprov_wire::hex::HexStyle;
use ucprov_wire::profile::{Provisioning, Scheme, DEFAULT_PATH, DEFAULT_PORT};
use ucprov_wire::sip_servers::{Compression, SipServers};

use crate::error::ConfgenError;

/// An IPv4 subnet in CIDR form, host bits zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub network: Ipv4Addr,
    pub prefix: u8,
}

impl Scope {
    /// TEST-NET-1 (RFC 5737): used when `--scope` is not given, so nothing real is hit.
    pub const PLACEHOLDER: Scope = Scope {
        network: Ipv4Addr::new(192, 0, 2, 0),
        prefix: 24,
    };

    fn mask_bits(self) -> u32 {
        u32::MAX << (32 - u32::from(self.prefix))
    }

    pub fn netmask(self) -> Ipv4Addr {
        Ipv4Addr::from(self.mask_bits())
    }

    pub fn first_host(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) + 1)
    }

    /// Where a lease range starts: past the first address, which is usually the gateway.
    pub fn lease_start(self) -> Ipv4Addr {
        Ipv4Addr::from((u32::from(self.first_host()) + 1).min(u32::from(self.last_host())))
    }

    /// Whether `addr` lies in this subnet.
    pub fn contains(self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & self.mask_bits() == u32::from(self.network)
    }

    pub fn last_host(self) -> Ipv4Addr {
        Ipv4Addr::from((u32::from(self.network) | !self.mask_bits()) - 1)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Scope {
    type Err = ConfgenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: String| ConfgenError::Scope {
            value: s.to_string(),
            why,
        };
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| bad("expected NETWORK/PREFIX, e.g. 192.0.2.0/24".into()))?;
        let network: Ipv4Addr = addr
            .parse()
            .map_err(|_| bad(format!("{addr:?} is not an IPv4 address")))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| (1..=30).contains(p))
            .ok_or_else(|| {
                bad("the prefix length must be 1-30 (a pool needs host addresses)".into())
            })?;
        let scope = Scope { network, prefix };
        let masked = Ipv4Addr::from(u32::from(network) & scope.mask_bits());
        if masked != network {
            return Err(bad(format!(
                "host bits are set; the network is {masked}/{prefix}"
            )));
        }
        Ok(scope)
    }
}

/// A generation request. Built with [`Request::new`], which validates everything, so a
/// renderer never sees bad input.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub provisioning: &'a Provisioning,
    /// The phones' subnets (`--scope`, repeatable), in the order given; none, distinct and
    /// non-overlapping. Class and definition lines are written once, per-scope lines per scope.
    pub scopes: Vec<Scope>,
    /// Name of the class, tag, option set or pool (`--class-name`).
    pub class_name: Option<String>,
    /// Interface the server listens on (`--interface`).
    pub interface: Option<String>,
    /// Kea: a complete runnable configuration instead of a fragment.
    pub full: bool,
}

impl<'a> Request<'a> {
    /// A request for one scope or none; [`Request::with_scopes`] for several.
    pub fn new(
        provisioning: &'a Provisioning,
        scope: Option<Scope>,
        class_name: Option<String>,
        interface: Option<String>,
        full: bool,
    ) -> Result<Self, ConfgenError> {
        Self::with_scopes(
            provisioning,
            scope.into_iter().collect(),
            class_name,
            interface,
            full,
        )
    }

    /// A request covering every scope in `scopes`. Two scopes that overlap would give one
    /// server two declarations for the same addresses, so they are refused.
    pub fn with_scopes(
        provisioning: &'a Provisioning,
        scopes: Vec<Scope>,
        class_name: Option<String>,
        interface: Option<String>,
        full: bool,
    ) -> Result<Self, ConfgenError> {
        provisioning.validate()?;
        check_disjoint(&scopes)?;
        if let Some(name) = &class_name {
            check_word(name, 32, b"-_.").map_err(|why| ConfgenError::ClassName {
                value: name.clone(),
                why,
            })?;
        }
        if let Some(name) = &interface {
            check_word(name, 15, b"-_.:@").map_err(|why| ConfgenError::Interface {
                value: name.clone(),
                why,
            })?;
        }
        Ok(Request {
            provisioning,
            scopes,
            class_name,
            interface,
            full,
        })
    }

    /// The `ucprov config` command line that produces this output for `target`, with every
    /// profile value that differs from the defaults. Values come from the validated profile, so
    /// the line is canonical whatever spelling the admin used.
    pub fn command_line(&self, target: &str) -> String {
        let p = self.provisioning;
        let mut args: Vec<String> = vec![
            "ucprov".into(),
            "config".into(),
            "--target".into(),
            target.into(),
        ];
        let mut flag = |name: &str, value: String| {
            args.push(format!("--{name}"));
            args.push(value);
        };
        let first_sip = match &p.sip_servers {
            SipServers::Names(names) => {
                names.iter().for_each(|n| flag("sip-server", n.clone()));
                names.first().cloned()
            }
            SipServers::Addresses(addrs) => {
                addrs
                    .iter()
                    .for_each(|a| flag("sip-server-ip", a.to_string()));
                None
            }
        };
        if first_sip.as_deref() != Some(p.profile.web_fqdn.as_str()) {
            flag("web-server", p.profile.web_fqdn.clone());
        }
        if p.profile.scheme != Scheme::Https {
            flag("scheme", p.profile.scheme.to_string());
        }
        if p.profile.port != DEFAULT_PORT {
            flag("port", p.profile.port.to_string());
        }
        if p.profile.path != DEFAULT_PATH {
            flag("path", p.profile.path.clone());
        }
        for extra in &p.profile.extra {
            flag(
                "sub",
                format!(
                    "{}=0x{}",
                    extra.code,
                    HexStyle::CONTIGUOUS.format(&extra.value)
                ),
            );
        }
        for scope in &self.scopes {
            flag("scope", scope.to_string());
        }
        if let Some(name) = &self.class_name {
            flag("class-name", name.clone());
        }
        if let Some(name) = &self.interface {
            flag("interface", name.clone());
        }
        if p.compression == Compression::On {
            args.push("--compress".into());
        }
        if self.full {
            args.push("--full".into());
        }
        args.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every pair of scopes is disjoint (two CIDR blocks either nest or are disjoint, so testing
/// each one's network against the other's mask is enough).
fn check_disjoint(scopes: &[Scope]) -> Result<(), ConfgenError> {
    for (i, a) in scopes.iter().enumerate() {
        for b in &scopes[..i] {
            let (wide, narrow) = if a.prefix <= b.prefix { (a, b) } else { (b, a) };
            if wide.contains(narrow.network) {
                let why = if a == b {
                    "given twice: give each subnet once".to_string()
                } else {
                    format!("overlaps {b}: give each subnet once, without nesting")
                };
                return Err(ConfgenError::Scope {
                    value: a.to_string(),
                    why,
                });
            }
        }
    }
    Ok(())
}

/// Names go into every syntax unquoted or inside quotes, so only letters, digits and a few
/// punctuation characters are allowed.
fn check_word(name: &str, max: usize, punctuation: &[u8]) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > max {
        return Err(
            "must be 1 to the platform maximum of characters (32 for names, 15 for interfaces)",
        );
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || punctuation.contains(&b))
    {
        return Err("use ASCII letters, digits, '-', '_' and '.' only: the name is written unquoted into some syntaxes");
    }
    Ok(())
}

fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if safe {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_parses_and_derives_hosts() {
        let s: Scope = "10.1.0.0/16".parse().unwrap();
        assert_eq!(s.netmask(), Ipv4Addr::new(255, 255, 0, 0));
        assert_eq!(s.first_host(), Ipv4Addr::new(10, 1, 0, 1));
        assert_eq!(s.last_host(), Ipv4Addr::new(10, 1, 255, 254));
        assert_eq!(s.to_string(), "10.1.0.0/16");
    }

    #[test]
    fn scope_rejects_host_bits_and_bad_prefixes() {
        let e = "192.0.2.5/24".parse::<Scope>().unwrap_err().to_string();
        assert!(e.contains("the network is 192.0.2.0/24"), "{e}");
        for bad in [
            "192.0.2.0",
            "192.0.2.0/31",
            "192.0.2.0/0",
            "300.0.2.0/24",
            "x/24",
        ] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }

    #[test]
    fn command_line_is_canonical_and_quoted() {
        let mut p = Provisioning::new("pool.contoso.com", Some("web.contoso.com".into()));
        p.profile.path = "/a'b".into();
        let req = Request::new(
            &p,
            Some(Scope::PLACEHOLDER),
            None,
            Some("eth1".into()),
            false,
        )
        .unwrap();
        assert_eq!(
            req.command_line("kea"),
            r"ucprov config --target kea --sip-server pool.contoso.com --web-server web.contoso.com --path '/a'\''b' --scope 192.0.2.0/24 --interface eth1"
        );
    }

    #[test]
    fn several_scopes_are_kept_in_order_and_named_on_the_command_line() {
        let p = Provisioning::new("pool.contoso.com", None);
        let scopes = vec![
            "10.1.0.0/24".parse().unwrap(),
            "10.2.0.0/24".parse().unwrap(),
        ];
        let req = Request::with_scopes(&p, scopes.clone(), None, None, false).unwrap();
        assert_eq!(req.scopes, scopes);
        assert!(req
            .command_line("isc-dhcpd")
            .ends_with("--scope 10.1.0.0/24 --scope 10.2.0.0/24"));
    }

    #[test]
    fn repeated_or_overlapping_scopes_are_refused() {
        let p = Provisioning::new("pool.contoso.com", None);
        for (a, b, why) in [
            ("10.1.0.0/24", "10.1.0.0/24", "given twice"),
            ("10.1.0.0/16", "10.1.2.0/24", "overlaps 10.1.0.0/16"),
            ("10.1.2.0/24", "10.1.0.0/16", "overlaps 10.1.2.0/24"),
        ] {
            let scopes = vec![a.parse().unwrap(), b.parse().unwrap()];
            let e = Request::with_scopes(&p, scopes, None, None, false)
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{a} {b}: {e}");
        }
        let disjoint = vec![
            "10.1.0.0/24".parse().unwrap(),
            "10.1.1.0/24".parse().unwrap(),
        ];
        assert!(Request::with_scopes(&p, disjoint, None, None, false).is_ok());
    }

    #[test]
    fn names_that_would_break_a_syntax_are_refused() {
        let p = Provisioning::new("a.b", None);
        for bad in ["", "two words", "q\"uote", "a,b", "é"] {
            assert!(
                Request::new(&p, None, Some(bad.into()), None, false).is_err(),
                "{bad:?}"
            );
        }
        assert!(Request::new(
            &p,
            None,
            None,
            Some("veth-srv-with-long-name".into()),
            false
        )
        .is_err());
    }
}
