//! The dialect-neutral model every parser produces: option definitions, option values with
//! their declared type and raw text, where they are set (global, shared network, subnet, pool,
//! class, host) and the class conditions on option 60. The evaluator ([`crate::eval`]) reads
//! only this; a dialect adds nothing but its assembly rules ([`crate::dialect::Assembly`]).

use crate::dialect::Dialect;
use crate::source::{Loc, Sources};

/// The option space of the top-level DHCPv4 options.
pub const DHCP4: &str = "dhcp4";

/// The data type a configuration declares for a value: it decides the bytes the server sends
/// for the text written, which is where typed-by-hand mistakes live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// Raw bytes (hex, or Kea `csv-format: false`).
    Binary,
    /// Text sent as its characters (ISC `text`/`string` written quoted, Kea `string`,
    /// Windows String).
    Text,
    /// An unsigned integer of this many bits (the port as `uint16`: `01 BB`, not `443`).
    Integer(u8),
    /// IPv4 address(es).
    Ipv4,
    /// A DNS name in wire form (Kea `fqdn`, ISC `domain-list`).
    Fqdn,
    /// Built from the options of another space (ISC `encapsulate`, Kea `empty` +
    /// `encapsulate`, dnsmasq `vendor:`).
    Encapsulate(String),
    /// A Kea `record` or ISC `{ … }` of these field types.
    Record(String),
    /// dnsmasq guesses the type from the text itself: how it read this one.
    Guessed(&'static str),
    /// The server's built-in definition, not written in the file.
    Builtin(&'static str),
}

impl ValueType {
    pub fn label(&self) -> String {
        match self {
            ValueType::Binary => "binary".into(),
            ValueType::Text => "text".into(),
            ValueType::Integer(bits) => format!("{bits}-bit integer"),
            ValueType::Ipv4 => "IPv4 address".into(),
            ValueType::Fqdn => "FQDN".into(),
            ValueType::Encapsulate(space) => format!("encapsulated space {space}"),
            ValueType::Record(fields) => format!("record ({fields})"),
            ValueType::Guessed(how) => format!("guessed by the server: {how}"),
            ValueType::Builtin(what) => format!("built-in definition: {what}"),
        }
    }
}

/// An option definition written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionDef {
    pub code: u8,
    pub space: String,
    pub name: String,
    pub ty: ValueType,
    pub array: bool,
    /// The class the definition belongs to (Kea class-level `option-def`), if any.
    pub class: Option<usize>,
    pub at: Loc,
}

/// What a setting puts into an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// These bytes, as the server computes them from the text and the declared type.
    Bytes(Vec<u8>),
    /// Built from the settings of this sub-option space visible to the client (ISC
    /// `vendor-option-space`, Kea `encapsulate`, dnsmasq `vendor:`).
    Encapsulate(String),
    /// An option ucprov does not compute bytes for (a type or vendor space it does not model)
    /// and that cannot be option 43, 120 or one of their sub-options: counted as present, its
    /// size unknown, and said so where a size matters.
    Unsized(String),
}

/// An option value as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    pub code: u8,
    /// [`DHCP4`], or the sub-option space.
    pub space: String,
    /// The name the file used, if it used one.
    pub name: Option<String>,
    pub declared: ValueType,
    /// The value as written (without the option name).
    pub raw: String,
    pub data: Data,
    pub at: Loc,
}

/// Where a setting (or a nested scope) sits, from least to most specific. How specific beats
/// how general is each server's own rule ([`crate::dialect::Assembly::rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Set by the server itself when nothing more specific is (dnsmasq's option 43 built
    /// from `vendor:` sub-options).
    Fallback,
    Global,
    SharedNetwork,
    Subnet,
    Pool,
    Class,
    Host,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Fallback => "server default",
            Level::Global => "global",
            Level::SharedNetwork => "shared network",
            Level::Subnet => "subnet",
            Level::Pool => "pool",
            Level::Class => "class",
            Level::Host => "host",
        }
    }
}

/// A global, shared-network, subnet, pool or host scope. Index 0 of [`Config::scopes`] is the
/// global scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub level: Level,
    /// `192.0.2.0/24`, a pool range, a host name, `global`.
    pub name: String,
    pub parent: Option<usize>,
    pub at: Loc,
}

/// A condition on the client's option 60 (vendor class identifier), as a class or tag tests
/// it. Only what ucprov can evaluate exactly is representable; parsers refuse the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// No condition: every client (a Kea class without `test`, used by reference).
    Always,
    /// Never (a class only reachable in ways ucprov does not model, e.g. Kea `only-if-required`).
    Never,
    /// Option 60 is present.
    Present,
    /// Option 60 equals these bytes exactly.
    Equals(Vec<u8>),
    /// `substring(option 60, offset, len) == value` (ISC and Kea semantics: a shorter option
    /// gives a shorter substring).
    Substring {
        offset: usize,
        len: usize,
        value: Vec<u8>,
    },
    /// Option 60 contains these bytes anywhere (dnsmasq `dhcp-vendorclass`, `dhcp-match`).
    Contains(Vec<u8>),
    /// Membership of another class (Kea `member('…')`, dnsmasq tag sets).
    Member(usize),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

/// A class, tag or vendor class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub condition: Condition,
    /// Where the condition is written (the `match if`, `test` or `dhcp-vendorclass` line).
    pub at: Loc,
}

/// One class reference a setting depends on (dnsmasq `tag:!x` is a negated one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassRef {
    pub class: usize,
    pub negated: bool,
}

/// An option value set in a scope, for clients in every listed class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub scope: usize,
    pub classes: Vec<ClassRef>,
    /// How specific the setting is (the scope's level, or [`Level::Class`] when set in a class).
    pub level: Level,
    pub value: OptionValue,
}

/// A whole configuration, as one dialect's parser read it.
#[derive(Debug, Clone)]
pub struct Config {
    pub dialect: Dialect,
    pub sources: Sources,
    pub defs: Vec<OptionDef>,
    pub scopes: Vec<Scope>,
    pub classes: Vec<Class>,
    pub settings: Vec<Setting>,
}

impl Config {
    /// An empty configuration with its global scope at `at`.
    pub fn new(dialect: Dialect, at: Loc) -> Self {
        Config {
            dialect,
            sources: Sources::default(),
            defs: Vec::new(),
            scopes: vec![Scope {
                level: Level::Global,
                name: "global".into(),
                parent: None,
                at,
            }],
            classes: Vec::new(),
            settings: Vec::new(),
        }
    }

    pub fn add_scope(
        &mut self,
        level: Level,
        name: impl Into<String>,
        parent: usize,
        at: Loc,
    ) -> usize {
        self.scopes.push(Scope {
            level,
            name: name.into(),
            parent: Some(parent),
            at,
        });
        self.scopes.len() - 1
    }

    pub fn class_named(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.name == name)
    }

    /// The scope and its ancestors, the scope first.
    pub fn chain(&self, scope: usize) -> Vec<usize> {
        let mut out = vec![scope];
        let mut at = scope;
        while let Some(p) = self.scopes.get(at).and_then(|s| s.parent) {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            at = p;
        }
        out
    }

    /// The scopes a client is served from: every subnet, pool and host, or the global scope
    /// when there is none.
    pub fn served_scopes(&self) -> Vec<usize> {
        let inner: Vec<usize> = (0..self.scopes.len())
            .filter(|&i| {
                matches!(
                    self.scopes[i].level,
                    Level::Subnet | Level::Pool | Level::Host
                )
            })
            .collect();
        if inner.is_empty() {
            vec![0]
        } else {
            inner
        }
    }

    /// The definition of `code` in `space` visible to a class's settings (class-level first).
    pub fn def(&self, space: &str, code: u8, class: Option<usize>) -> Option<&OptionDef> {
        self.defs
            .iter()
            .filter(|d| d.space == space && d.code == code)
            .find(|d| d.class.is_some() && d.class == class)
            .or_else(|| {
                self.defs
                    .iter()
                    .find(|d| d.space == space && d.code == code && d.class.is_none())
            })
    }

    pub fn def_named(&self, space: &str, name: &str, class: Option<usize>) -> Option<&OptionDef> {
        self.defs
            .iter()
            .filter(|d| d.space == space && d.name == name)
            .find(|d| d.class.is_some() && d.class == class)
            .or_else(|| {
                self.defs
                    .iter()
                    .find(|d| d.space == space && d.name == name && d.class.is_none())
            })
    }
}

impl Condition {
    /// Whether a client sending `vendor_class` as option 60 (or none) satisfies the condition;
    /// `member` answers for other classes.
    pub fn eval(&self, vendor_class: Option<&[u8]>, member: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Condition::Always => true,
            Condition::Never => false,
            Condition::Present => vendor_class.is_some(),
            Condition::Equals(v) => vendor_class == Some(v.as_slice()),
            Condition::Substring { offset, len, value } => vendor_class.is_some_and(|vc| {
                let start = (*offset).min(vc.len());
                let end = start.saturating_add(*len).min(vc.len());
                &vc[start..end] == value.as_slice()
            }),
            Condition::Contains(v) => vendor_class
                .is_some_and(|vc| v.is_empty() || vc.windows(v.len()).any(|w| w == v.as_slice())),
            Condition::Member(c) => member(*c),
            Condition::Not(c) => !c.eval(vendor_class, member),
            Condition::And(a, b) => a.eval(vendor_class, member) && b.eval(vendor_class, member),
            Condition::Or(a, b) => a.eval(vendor_class, member) || b.eval(vendor_class, member),
        }
    }

    /// Option 60 values the condition names (samples for the clients the evaluator tries).
    pub fn named_values(&self) -> Vec<Vec<u8>> {
        match self {
            Condition::Equals(v) | Condition::Contains(v) => vec![v.clone()],
            Condition::Substring {
                offset: 0, value, ..
            } => vec![value.clone()],
            Condition::Not(c) => c.named_values(),
            Condition::And(a, b) | Condition::Or(a, b) => {
                let mut v = a.named_values();
                v.extend(b.named_values());
                v
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_member(_: usize) -> bool {
        false
    }

    #[test]
    fn conditions_evaluate_like_the_servers() {
        let ms = Some(b"MS-UC-Client".as_slice());
        let longer = Some(b"MS-UC-Client-X".as_slice());
        let exact = Condition::Equals(b"MS-UC-Client".to_vec());
        assert!(exact.eval(ms, &no_member) && !exact.eval(longer, &no_member));
        let prefix = Condition::Substring {
            offset: 0,
            len: 12,
            value: b"MS-UC-Client".to_vec(),
        };
        assert!(prefix.eval(ms, &no_member) && prefix.eval(longer, &no_member));
        assert!(!prefix.eval(Some(b"MS-UC"), &no_member) && !prefix.eval(None, &no_member));
        let sub = Condition::Contains(b"MS-UC-Client".to_vec());
        assert!(sub.eval(Some(b"xxMS-UC-Clientyy"), &no_member));
        let not = Condition::Not(Box::new(exact.clone()));
        assert!(not.eval(None, &no_member) && !not.eval(ms, &no_member));
    }

    #[test]
    fn chains_run_from_the_scope_to_global() {
        let at = Loc { file: 0, line: 1 };
        let mut c = Config::new(Dialect::Kea, at);
        let s = c.add_scope(Level::Subnet, "10.0.0.0/24", 0, at);
        let p = c.add_scope(Level::Pool, "10.0.0.10-10.0.0.20", s, at);
        assert_eq!(c.chain(p), vec![p, s, 0]);
        assert_eq!(c.served_scopes(), vec![s, p]);
    }
}
