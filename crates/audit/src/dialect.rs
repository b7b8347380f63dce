//! The dialects `audit` reads, as one table ([`DIALECTS`]): per dialect its detection, its
//! parser, and how that server assembles options 43 and 120 ([`Assembly`], data rather than
//! code, so the one evaluator in [`crate::eval`] serves every dialect). Facts and sources are in
//! docs/audit.md §2.

use core::fmt;

use ucprov_confgen::{platform, Platform};

use crate::error::{AuditError, ErrorKind};
use crate::model::{Config, Level};
use crate::source::Loader;

/// A configuration syntax `audit` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Kea,
    Isc,
    Dnsmasq,
    /// `netsh dhcp server dump` text or netsh scripts ([`crate::windows::netsh`]).
    WindowsNetsh,
    /// `Export-DhcpServer` XML ([`crate::windows::xml`]).
    WindowsXml,
    /// Cisco IOS running-config ([`crate::cisco`]).
    CiscoIos,
    /// Cisco IOS-XE running-config, told from IOS by its `option ext` lines or version.
    CiscoIosXe,
    /// MikroTik RouterOS export ([`crate::mikrotik`]).
    Mikrotik,
}

/// In which order an encapsulating server writes the sub-options it collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubOrder {
    /// Ascending code (Kea keeps options in a map ordered by code; ISC dhcpd observed so).
    ByCode,
    /// The configuration's order reversed, then an END byte (255) inside option 43 (dnsmasq
    /// `vendor:`, observed on the wire with 2.90).
    ReversedWithEnd,
}

/// How one server turns the settings reaching a client into option bytes.
#[derive(Debug, Clone, Copy)]
pub struct Assembly {
    /// Levels from least to most specific, as this server ranks them: a setting at a later
    /// level replaces one at an earlier level.
    pub precedence: &'static [Level],
    pub order: SubOrder,
    /// When two classes set one option: the first class (in configuration order) wins.
    /// Otherwise two different values at one rank are reported, never resolved by guessing.
    pub first_class_wins: bool,
    /// Whether an encapsulating option 43 with no sub-option set is still sent (empty).
    pub sends_empty_encapsulation: bool,
    /// The confgen platform row: limits, hex notation and the generator of every fix.
    pub platform: &'static Platform,
}

impl Assembly {
    /// How specific `level` is for this server (higher wins).
    pub fn rank(&self, level: Level) -> usize {
        self.precedence
            .iter()
            .position(|l| *l == level)
            .map_or(0, |p| p + 1)
    }

    /// Option 43's data from sub-options, given in configuration order.
    pub fn encapsulate(&self, subs: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut ordered: Vec<&(u8, Vec<u8>)> = subs.iter().collect();
        match self.order {
            SubOrder::ByCode => ordered.sort_by_key(|(code, _)| *code),
            SubOrder::ReversedWithEnd => ordered.reverse(),
        }
        let mut out = Vec::new();
        for (code, value) in ordered {
            // A sub-option over 255 bytes cannot be written; the parsers refuse such values.
            let len = u8::try_from(value.len()).unwrap_or(u8::MAX);
            out.push(*code);
            out.push(len);
            out.extend_from_slice(&value[..usize::from(len)]);
        }
        if self.order == SubOrder::ReversedWithEnd && !subs.is_empty() {
            out.push(255);
        }
        out
    }
}

/// Kea: host reservation > pool > subnet > shared network > class > global (ARM, "Options
/// precedence"); among classes the first one evaluated wins.
pub const KEA: Assembly = Assembly {
    precedence: &[
        Level::Fallback,
        Level::Global,
        Level::Class,
        Level::SharedNetwork,
        Level::Subnet,
        Level::Pool,
        Level::Host,
    ],
    order: SubOrder::ByCode,
    first_class_wins: true,
    sends_empty_encapsulation: true,
    platform: &platform::KEA,
};

/// ISC dhcpd: statements run global → shared network → subnet → pool → class → host, each
/// later scope overriding (dhcpd.conf(5), "SCOPE"; server/dhcp.c).
pub const ISC: Assembly = Assembly {
    precedence: &[
        Level::Fallback,
        Level::Global,
        Level::SharedNetwork,
        Level::Subnet,
        Level::Pool,
        Level::Class,
        Level::Host,
    ],
    order: SubOrder::ByCode,
    first_class_wins: false,
    sends_empty_encapsulation: false,
    platform: &platform::ISC_DHCPD,
};

/// dnsmasq: a tagged `dhcp-option` beats an untagged one; `vendor:` sub-options build option
/// 43 only when no `dhcp-option` 43 reaches the client (src/rfc2131.c, do_options).
pub const DNSMASQ: Assembly = Assembly {
    precedence: &[Level::Fallback, Level::Global, Level::Class],
    order: SubOrder::ReversedWithEnd,
    first_class_wins: false,
    sends_empty_encapsulation: false,
    platform: &platform::DNSMASQ,
};

/// Parse the file `name` (and what it includes) into the model.
pub type Parse = fn(&mut Loader, &str) -> Result<Config, AuditError>;

/// Why a text looks like this dialect, or `None`.
pub type Detect = fn(&str) -> Option<&'static str>;

/// One row per dialect.
#[derive(Clone, Copy)]
pub struct DialectRow {
    pub dialect: Dialect,
    /// `--dialect` value.
    pub id: &'static str,
    pub name: &'static str,
    pub detect: Detect,
    pub parse: Parse,
    pub assembly: &'static Assembly,
}

impl fmt::Debug for DialectRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// Every dialect's row; each parser adds its own.
pub const DIALECTS: &[DialectRow] = &[
    DialectRow {
        dialect: Dialect::Kea,
        id: "kea",
        name: "ISC Kea DHCPv4 (kea-dhcp4.conf, or config-get through the Control Agent)",
        detect: crate::kea::detect,
        parse: crate::kea::parse,
        assembly: &KEA,
    },
    DialectRow {
        dialect: Dialect::Isc,
        id: "isc",
        name: "ISC DHCP server (dhcpd.conf)",
        detect: crate::isc::detect,
        parse: crate::isc::parse,
        assembly: &ISC,
    },
    DialectRow {
        dialect: Dialect::Dnsmasq,
        id: "dnsmasq",
        name: "dnsmasq (dnsmasq.conf, conf-file, conf-dir)",
        detect: crate::dnsmasq::detect,
        parse: crate::dnsmasq::parse,
        assembly: &DNSMASQ,
    },
    DialectRow {
        dialect: Dialect::WindowsNetsh,
        id: "windows-netsh",
        name: "Windows Server DHCP (netsh dhcp server dump, netsh scripts)",
        detect: crate::windows::netsh::detect,
        parse: crate::windows::netsh::parse,
        assembly: &crate::windows::WINDOWS,
    },
    DialectRow {
        dialect: Dialect::WindowsXml,
        id: "windows-xml",
        name: "Windows Server DHCP (Export-DhcpServer XML)",
        detect: crate::windows::xml::detect,
        parse: crate::windows::xml::parse,
        assembly: &crate::windows::WINDOWS_XML,
    },
    DialectRow {
        dialect: Dialect::CiscoIos,
        id: "cisco-ios",
        name: "Cisco IOS / IOS-XE running-config (ip dhcp pool)",
        detect: crate::cisco::detect,
        parse: crate::cisco::parse,
        assembly: &crate::cisco::IOS,
    },
    DialectRow {
        dialect: Dialect::CiscoIosXe,
        id: "cisco-ios-xe",
        name: "Cisco IOS-XE running-config (ip dhcp pool, option ext)",
        detect: crate::cisco::detect_none,
        parse: crate::cisco::parse,
        assembly: &crate::cisco::IOS_XE,
    },
    DialectRow {
        dialect: Dialect::Mikrotik,
        id: "mikrotik",
        name: "MikroTik RouterOS export (/ip dhcp-server option, option sets, matchers)",
        detect: crate::mikrotik::detect,
        parse: crate::mikrotik::parse,
        assembly: &crate::mikrotik::ROUTEROS,
    },
];

impl Dialect {
    pub fn row(self) -> Option<&'static DialectRow> {
        DIALECTS.iter().find(|r| r.dialect == self)
    }

    pub fn id(self) -> &'static str {
        match self {
            Dialect::Kea => "kea",
            Dialect::Isc => "isc",
            Dialect::Dnsmasq => "dnsmasq",
            Dialect::WindowsNetsh => "windows-netsh",
            Dialect::WindowsXml => "windows-xml",
            Dialect::CiscoIos => "cisco-ios",
            Dialect::CiscoIosXe => "cisco-ios-xe",
            Dialect::Mikrotik => "mikrotik",
        }
    }

    pub fn assembly(self) -> &'static Assembly {
        match self {
            Dialect::Kea => &KEA,
            Dialect::Isc => &ISC,
            Dialect::Dnsmasq => &DNSMASQ,
            Dialect::WindowsNetsh => &crate::windows::WINDOWS,
            Dialect::WindowsXml => &crate::windows::WINDOWS_XML,
            Dialect::CiscoIos => &crate::cisco::IOS,
            Dialect::CiscoIosXe => &crate::cisco::IOS_XE,
            Dialect::Mikrotik => &crate::mikrotik::ROUTEROS,
        }
    }

    pub fn from_id(id: &str) -> Option<Dialect> {
        DIALECTS.iter().find(|r| r.id == id).map(|r| r.dialect)
    }
}

/// The dialect of `text` (the first file, named `name`): exactly one row must claim it.
pub fn detect(name: &str, text: &str) -> Result<Dialect, AuditError> {
    let claims: Vec<(&DialectRow, &str)> = DIALECTS
        .iter()
        .filter_map(|r| (r.detect)(text).map(|why| (r, why)))
        .collect();
    let ids = || DIALECTS.iter().map(|r| r.id).collect::<Vec<_>>().join(", ");
    match claims.as_slice() {
        [(row, _)] => Ok(row.dialect),
        [] => Err(AuditError::new(
            ErrorKind::Dialect,
            name,
            None,
            "the dialect cannot be told from the content: no line looks like any dialect ucprov reads",
            format!("give --dialect (one of {})", ids()),
        )),
        many => Err(AuditError::new(
            ErrorKind::Dialect,
            name,
            None,
            format!(
                "the content fits several dialects: {}",
                many.iter()
                    .map(|(r, why)| format!("{} ({why})", r.id))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            format!("give --dialect (one of {})", ids()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_has_one_row() {
        for d in DIALECTS.iter().map(|r| r.dialect) {
            assert_eq!(d.row().map(|r| r.dialect), Some(d));
            assert_eq!(Dialect::from_id(d.id()), Some(d));
        }
    }

    #[test]
    fn precedence_follows_each_server() {
        assert!(KEA.rank(Level::Subnet) > KEA.rank(Level::Class));
        assert!(ISC.rank(Level::Class) > ISC.rank(Level::Subnet));
        assert!(DNSMASQ.rank(Level::Class) > DNSMASQ.rank(Level::Global));
        assert!(DNSMASQ.rank(Level::Global) > DNSMASQ.rank(Level::Fallback));
    }

    #[test]
    fn encapsulation_orders_like_the_server() {
        let subs = vec![(2u8, b"b".to_vec()), (1u8, b"a".to_vec())];
        assert_eq!(KEA.encapsulate(&subs), vec![1, 1, b'a', 2, 1, b'b']);
        assert_eq!(
            DNSMASQ.encapsulate(&subs),
            vec![1, 1, b'a', 2, 1, b'b', 255]
        );
        let subs = vec![(1u8, b"a".to_vec()), (2u8, b"b".to_vec())];
        assert_eq!(
            DNSMASQ.encapsulate(&subs),
            vec![2, 1, b'b', 1, 1, b'a', 255]
        );
    }

    #[test]
    fn detection_names_every_claim_or_asks_for_the_dialect() {
        let e = detect("x", "nothing here").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Dialect);
        assert!(e.fix.contains("--dialect"), "{e}");
    }
}
