//! Windows Server DHCP, read from `netsh dhcp server dump` text ([`netsh`]) or an
//! `Export-DhcpServer` XML file ([`xml`]). Both describe the same server state, so both feed
//! one [`Builder`], which turns vendor classes, option definitions and option values at server,
//! scope and reservation level into the model (docs/dhcp-servers.md §3.6, docs/dhcp-servers.md §7.1).
//!
//! How Windows assembles option 43 for a client whose option 60 equals a vendor class's data:
//! one TLV per sub-option value set for that vendor class, the most specific level winning per
//! sub-option (reservation > scope > server). That is modelled as a class-level setting of
//! option 43 encapsulating the class's sub-option space, which outranks a plain option 43 value
//! (believed from Microsoft's description of vendor classes; which of the two Windows sends when
//! both exist is not documented, docs/dhcp-servers.md §7.1).

pub mod netsh;
pub mod xml;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ucprov_confgen::platform;
use ucprov_wire::hex::parse_hex;

use crate::dialect::{Assembly, Dialect, SubOrder};
use crate::error::{AuditError, ErrorKind};
use crate::fix::Want;
use crate::model::{
    Class, ClassRef, Condition, Config, Data, Level, OptionDef, OptionValue, Setting, ValueType,
    DHCP4,
};
use crate::source::{Loc, Sources};

/// Server < scope < reservation, and a vendor class's own option 43 above all three.
pub const WINDOWS: Assembly = Assembly {
    precedence: &[
        Level::Fallback,
        Level::Global,
        Level::Subnet,
        Level::Host,
        Level::Class,
    ],
    // Windows' sub-option order on the wire is not documented; by code is assumed and the
    // MS-UC-Client profile does not depend on it.
    order: SubOrder::ByCode,
    first_class_wins: false,
    // The class's option 43 exists only where a sub-option value reaches the client.
    sends_empty_encapsulation: false,
    platform: &platform::WINDOWS_NETSH,
};

/// The same server read from PowerShell's export: fixes are given as PowerShell lines.
pub const WINDOWS_XML: Assembly = Assembly {
    platform: &platform::WINDOWS_POWERSHELL,
    ..WINDOWS
};

/// The lines of confgen's netsh output a fix needs ([`crate::fix`]): PowerShell's output is
/// given whole (it checks before it adds, so running all of it again is the fix).
pub fn netsh_keywords(want: Want) -> Vec<String> {
    let plain = |k: &[&str]| k.iter().map(|s| s.to_string()).collect();
    match want {
        Want::Whole => Vec::new(),
        Want::VendorClass => plain(&["add class "]),
        Want::Option43 => plain(&["add class ", "Vendor=", "vendor="]),
        Want::Option120 => plain(&["optiondef 120 ", "optionvalue 120 "]),
        Want::SubOption(c) => vec![format!("optiondef {c} "), format!("optionvalue {c} ")],
    }
}

/// The sub-option space of a vendor class.
pub fn vendor_space(class: &str) -> String {
    format!("vendor class {class}")
}

/// Windows' option data types, as netsh (`BINARY`) and PowerShell (`BinaryData`) spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinType {
    Byte,
    Word,
    DWord,
    DWordDWord,
    IpAddress,
    String,
    Binary,
    Encapsulated,
    Ipv6Address,
}

impl WinType {
    pub fn parse(name: &str) -> Option<WinType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "byte" => WinType::Byte,
            "word" => WinType::Word,
            "dword" => WinType::DWord,
            "dworddword" => WinType::DWordDWord,
            "ipaddress" | "ipv4address" => WinType::IpAddress,
            "string" => WinType::String,
            "binary" | "binarydata" => WinType::Binary,
            "encapsulated" | "encapsulateddata" => WinType::Encapsulated,
            "ipv6address" => WinType::Ipv6Address,
            _ => return None,
        })
    }

    pub fn value_type(self) -> ValueType {
        match self {
            WinType::Byte => ValueType::Integer(8),
            WinType::Word => ValueType::Integer(16),
            WinType::DWord => ValueType::Integer(32),
            WinType::DWordDWord => ValueType::Integer(64),
            WinType::IpAddress => ValueType::Ipv4,
            WinType::String => ValueType::Text,
            WinType::Binary | WinType::Encapsulated => ValueType::Binary,
            WinType::Ipv6Address => ValueType::Builtin("IPv6 address"),
        }
    }

    /// The bytes Windows sends for `values` of this type. A String value is sent as its
    /// characters and a terminating NUL: Microsoft does not document it, but clients of
    /// Windows servers report it for String options (docs/dhcp-servers.md §7.1), and it is
    /// why a sub-option typed String breaks the phones ("443" arrives as 34 34 33 00).
    pub fn encode(self, values: &[String]) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        for v in values {
            match self {
                WinType::Byte => out.push(int(v, 1)? as u8),
                WinType::Word => out.extend_from_slice(&(int(v, 2)? as u16).to_be_bytes()),
                WinType::DWord => out.extend_from_slice(&(int(v, 4)? as u32).to_be_bytes()),
                WinType::DWordDWord => out.extend_from_slice(&int(v, 8)?.to_be_bytes()),
                WinType::IpAddress => {
                    let ip: Ipv4Addr = v
                        .trim()
                        .parse()
                        .map_err(|_| format!("{v:?} is not an IPv4 address"))?;
                    out.extend_from_slice(&ip.octets());
                }
                WinType::String => {
                    out.extend_from_slice(v.as_bytes());
                    out.push(0);
                }
                WinType::Binary | WinType::Encapsulated => {
                    if !v.trim().is_empty() {
                        out.extend(
                            parse_hex(v).map_err(|_| {
                                format!("{v:?} is not hex (two hex digits per byte)")
                            })?,
                        );
                    }
                }
                WinType::Ipv6Address => {
                    let ip: std::net::Ipv6Addr = v
                        .trim()
                        .parse()
                        .map_err(|_| format!("{v:?} is not an IPv6 address"))?;
                    out.extend_from_slice(&ip.octets());
                }
            }
        }
        Ok(out)
    }
}

/// A decimal or `0x` integer of at most `bytes` bytes.
fn int(text: &str, bytes: u32) -> Result<u64, String> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse::<u64>(),
    };
    let max = if bytes >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * bytes)) - 1
    };
    parsed
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("{t:?} is not a {}-byte unsigned integer", bytes))
}

/// Windows' built-in classes: name, data, vendor class ([MS-DHCPM] §3.1.1.8).
const BUILTIN_CLASSES: &[(&str, &str, bool)] = &[
    (
        "Default Routing and Remote Access Class",
        "RRAS.Microsoft",
        false,
    ),
    ("Default BOOTP Class", "BOOTP.Microsoft", false),
    (
        "Default Network Access Protection Class",
        "MSFT Quarantine",
        false,
    ),
    ("Microsoft Windows 2000 Options", "MSFT 5.0", true),
    ("Microsoft Windows 98 Options", "MSFT 98", true),
    ("Microsoft Options", "MSFT", true),
];

/// Where a value is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Server,
    /// A scope, by its network.
    Scope(Ipv4Addr),
    /// A reservation in a scope.
    Reservation(Ipv4Addr, Ipv4Addr),
}

/// One option value line or element, before it is typed.
pub struct ValueLine<'a> {
    pub at: At,
    pub code: u8,
    /// The type written on the line (netsh), or `None` to take the definition's (XML).
    pub ty: Option<WinType>,
    pub vendor: Option<&'a str>,
    pub user: Option<&'a str>,
    pub values: Vec<String>,
    pub raw: String,
    pub loc: Loc,
}

/// Builds the model from Windows' facts in any order a dump or export lists them.
pub struct Builder {
    config: Config,
    /// Scope index per network.
    scopes: BTreeMap<Ipv4Addr, usize>,
    reservations: BTreeMap<(Ipv4Addr, Ipv4Addr), usize>,
    /// Windows' own definition types, by (vendor class, code).
    types: BTreeMap<(Option<String>, u8), WinType>,
}

impl Builder {
    /// A builder that knows Windows' built-in classes ([MS-DHCPM] §3.1.1.8: their data is
    /// documented, their display names are build dependent, so a class the file lists under
    /// the same name replaces the built-in one).
    pub fn new(dialect: Dialect, sources: Sources, at: Loc) -> Self {
        let mut config = Config::new(dialect, at);
        config.sources = sources;
        let mut b = Builder {
            config,
            scopes: BTreeMap::new(),
            reservations: BTreeMap::new(),
            types: BTreeMap::new(),
        };
        for (name, data, vendor) in BUILTIN_CLASSES {
            b.class(name, data.as_bytes().to_vec(), *vendor, at);
        }
        b
    }

    pub fn error(
        &self,
        loc: Loc,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> AuditError {
        self.config
            .sources
            .error(ErrorKind::Syntax, loc, message, fix)
    }

    pub fn set_sources(&mut self, sources: Sources) {
        self.config.sources = sources;
    }

    /// A vendor class (`vendor`) or user class. A user class matches option 77, which an
    /// MS-UC-Client device does not send, so its condition is [`Condition::Never`].
    pub fn class(&mut self, name: &str, data: Vec<u8>, vendor: bool, loc: Loc) {
        let condition = if vendor {
            Condition::Equals(data)
        } else {
            Condition::Never
        };
        match self.config.class_named(name) {
            Some(i) => {
                self.config.classes[i].condition = condition;
                self.config.classes[i].at = loc;
            }
            None => self.config.classes.push(Class {
                name: name.to_string(),
                condition,
                at: loc,
            }),
        }
    }

    pub fn definition(
        &mut self,
        code: u8,
        name: &str,
        ty: WinType,
        array: bool,
        vendor: Option<&str>,
        loc: Loc,
    ) {
        let space = vendor.map_or_else(|| DHCP4.to_string(), vendor_space);
        self.types.insert((vendor.map(str::to_string), code), ty);
        self.config
            .defs
            .retain(|d| !(d.space == space && d.code == code));
        self.config.defs.push(OptionDef {
            code,
            space,
            name: name.to_string(),
            ty: ty.value_type(),
            array,
            class: None,
            at: loc,
        });
    }

    pub fn scope(&mut self, network: Ipv4Addr, mask: Ipv4Addr, loc: Loc) -> usize {
        if let Some(&i) = self.scopes.get(&network) {
            return i;
        }
        let prefix = u32::from(mask).leading_ones();
        let i = self
            .config
            .add_scope(Level::Subnet, format!("{network}/{prefix}"), 0, loc);
        self.scopes.insert(network, i);
        i
    }

    pub fn reservation(&mut self, scope: Ipv4Addr, ip: Ipv4Addr, loc: Loc) -> usize {
        if let Some(&i) = self.reservations.get(&(scope, ip)) {
            return i;
        }
        let parent = self.scope_index(scope, loc);
        let i = self
            .config
            .add_scope(Level::Host, format!("reservation {ip}"), parent, loc);
        self.reservations.insert((scope, ip), i);
        i
    }

    /// The scope of `network`. A script (such as `ucprov config` writes) sets values in
    /// scopes the server already has, so a scope the file never adds is the server's own,
    /// named by its network alone (its mask is not in the file).
    fn scope_index(&mut self, network: Ipv4Addr, loc: Loc) -> usize {
        if let Some(&i) = self.scopes.get(&network) {
            return i;
        }
        let i = self
            .config
            .add_scope(Level::Subnet, format!("scope {network}"), 0, loc);
        self.scopes.insert(network, i);
        i
    }

    fn class_ref(&self, name: &str, what: &str, loc: Loc) -> Result<ClassRef, AuditError> {
        self.config
            .class_named(name)
            .map(|class| ClassRef {
                class,
                negated: false,
            })
            .ok_or_else(|| {
                self.error(
                    loc,
                    format!("{what} class {name:?} is not defined in the file"),
                    "keep the dump or export whole: classes are listed before the values that use them",
                )
            })
    }

    /// An option value. Its type is the line's own (netsh) or the definition's (XML).
    pub fn value(&mut self, v: ValueLine<'_>) -> Result<(), AuditError> {
        let key = (v.vendor.map(str::to_string), v.code);
        let ty = match v.ty.or_else(|| self.types.get(&key).copied()) {
            Some(ty) => ty,
            None => {
                let whose = v
                    .vendor
                    .map_or(String::new(), |c| format!(" of vendor class {c}"));
                return Err(self.error(
                    v.loc,
                    format!("option {}{whose} has a value but no definition", v.code),
                    "export the whole server (Export-DhcpServer writes every definition)",
                ));
            }
        };
        let bytes = ty.encode(&v.values).map_err(|why| {
            self.error(
                v.loc,
                format!("option {} value: {why}", v.code),
                "write the value in the option's type",
            )
        })?;
        let (scope, level) = match v.at {
            At::Server => (0, Level::Global),
            At::Scope(n) => (self.scope_index(n, v.loc), Level::Subnet),
            At::Reservation(s, ip) => (self.reservation(s, ip, v.loc), Level::Host),
        };
        let mut classes = Vec::new();
        if let Some(user) = v.user {
            classes.push(self.class_ref(user, "user", v.loc)?);
        }
        let space = match v.vendor {
            Some(vendor) => {
                classes.push(self.class_ref(vendor, "vendor", v.loc)?);
                vendor_space(vendor)
            }
            None => DHCP4.to_string(),
        };
        let name = self
            .config
            .def(&space, v.code, None)
            .map(|d| d.name.clone());
        // A later line for the same option at the same place replaces the earlier one.
        self.remove(scope, &space, v.code, &classes);
        self.config.settings.push(Setting {
            scope,
            classes,
            level,
            value: OptionValue {
                code: v.code,
                space,
                name,
                declared: ty.value_type(),
                raw: v.raw,
                data: Data::Bytes(bytes),
                at: v.loc,
            },
        });
        Ok(())
    }

    /// `delete optionvalue`: the value at that place goes.
    pub fn delete_value(
        &mut self,
        at: At,
        code: u8,
        vendor: Option<&str>,
        user: Option<&str>,
        loc: Loc,
    ) -> Result<(), AuditError> {
        let scope = match at {
            At::Server => 0,
            At::Scope(n) => self.scope_index(n, loc),
            At::Reservation(s, ip) => self.reservation(s, ip, loc),
        };
        let mut classes = Vec::new();
        if let Some(u) = user {
            classes.push(self.class_ref(u, "user", loc)?);
        }
        let space = match vendor {
            Some(c) => {
                classes.push(self.class_ref(c, "vendor", loc)?);
                vendor_space(c)
            }
            None => DHCP4.to_string(),
        };
        self.remove(scope, &space, code, &classes);
        Ok(())
    }

    fn remove(&mut self, scope: usize, space: &str, code: u8, classes: &[ClassRef]) {
        self.config.settings.retain(|s| {
            !(s.scope == scope
                && s.value.space == space
                && s.value.code == code
                && s.classes == classes)
        });
    }

    /// The model, with option 43 built from each vendor class that has sub-option values.
    pub fn finish(mut self) -> Config {
        let mut vendors: Vec<usize> = Vec::new();
        for s in &self.config.settings {
            if s.value.space != DHCP4 {
                if let Some(r) = s.classes.last() {
                    if !vendors.contains(&r.class) {
                        vendors.push(r.class);
                    }
                }
            }
        }
        for class in vendors {
            let Some(c) = self.config.classes.get(class) else {
                continue;
            };
            let (name, at) = (c.name.clone(), c.at);
            self.config.settings.push(Setting {
                scope: 0,
                classes: vec![ClassRef {
                    class,
                    negated: false,
                }],
                level: Level::Class,
                value: OptionValue {
                    code: 43,
                    space: DHCP4.into(),
                    name: Some("Vendor Specific Info".into()),
                    declared: ValueType::Encapsulate(vendor_space(&name)),
                    raw: format!("built by Windows from the sub-options of vendor class {name}"),
                    data: Data::Encapsulate(vendor_space(&name)),
                    at,
                },
            });
        }
        self.config
    }
}
