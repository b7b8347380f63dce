//! Kea `kea-dhcp4.conf` (or a Control Agent `config-get` answer) into the model: global and
//! class `option-def`, `option-data` at global, class, shared-network, subnet, pool and
//! reservation level, and client classes with their `test` (docs/audit.md §2.1).

pub mod expr;
pub mod json;
pub mod merge;
pub mod values;

use std::collections::BTreeSet;

use crate::dialect::Dialect;
use crate::error::{AuditError, ErrorKind};
use crate::model::{
    Class, ClassRef, Condition, Config, Data, Level, OptionDef, OptionValue, Setting, ValueType,
    DHCP4,
};
use crate::source::{Loader, Loc};

use json::{Node, Value};
use values::KeaType;

/// A Kea configuration says so in its top-level key.
pub fn detect(text: &str) -> Option<&'static str> {
    text.contains("\"Dhcp4\"")
        .then_some("a \"Dhcp4\" JSON object")
}

/// Read the file `name` and what it includes.
pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let root = json::read(loader, name)?;
    build(loader, &root)
}

/// Read a text that is not a file: a configuration, or a Control Agent answer to
/// `config-get` (`[{"result": 0, "arguments": {"Dhcp4": …}}]`, shown as `name`).
pub fn parse_text(loader: &mut Loader, name: &str, text: String) -> Result<Config, AuditError> {
    let root = json::read_text(loader, name, text)?;
    let answer = match &root.value {
        Value::Array(items) if items.len() == 1 => &items[0],
        _ => &root,
    };
    match answer.get("arguments") {
        Some(args) => build(loader, args),
        None => build(loader, answer),
    }
}

struct Builder<'l, 'fs> {
    loader: &'l Loader<'fs>,
    config: Config,
    /// Kea types of `config.defs`, index for index.
    types: Vec<KeaType>,
    /// Spaces whose options can end up in option 43: computed strictly, never left not_sized.
    strict_spaces: BTreeSet<String>,
}

fn build(loader: &mut Loader, root: &Node) -> Result<Config, AuditError> {
    let Some(dhcp4) = root.get("Dhcp4") else {
        return Err(loader.sources.error(
            ErrorKind::Syntax,
            root.at,
            "no \"Dhcp4\" object at the top level",
            "audit the kea-dhcp4 configuration (the file with \"Dhcp4\": { … })",
        ));
    };
    let sources = loader.sources.clone();
    let mut b = Builder {
        loader,
        config: Config::new(Dialect::Kea, dhcp4.at),
        types: Vec::new(),
        strict_spaces: BTreeSet::from([values::BUILTIN_43_SPACE.to_string()]),
    };
    b.collect_strict(dhcp4);
    for def in list(dhcp4, "option-def") {
        b.def(def, None)?;
    }
    for class in list(dhcp4, "client-classes") {
        b.class(class)?;
    }
    b.options(dhcp4, 0, None, Level::Global)?;
    b.reservations(dhcp4, 0)?;
    for net in list(dhcp4, "shared-networks") {
        let name = net
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("shared network");
        let scope = b.config.add_scope(Level::SharedNetwork, name, 0, net.at);
        b.restricted(net)?;
        b.options(net, scope, None, Level::SharedNetwork)?;
        for subnet in list(net, "subnet4") {
            b.subnet(subnet, scope)?;
        }
    }
    for subnet in list(dhcp4, "subnet4") {
        b.subnet(subnet, 0)?;
    }
    let mut config = b.config;
    config.sources = sources;
    Ok(config)
}

fn list<'n>(node: &'n Node, key: &str) -> &'n [Node] {
    node.get(key).and_then(Node::as_array).unwrap_or(&[])
}

impl Builder<'_, '_> {
    fn err(
        &self,
        at: Loc,
        kind: ErrorKind,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> AuditError {
        self.loader.sources.error(kind, at, message, fix)
    }

    fn collect_strict(&mut self, dhcp4: &Node) {
        let mut defs: Vec<&Node> = list(dhcp4, "option-def").iter().collect();
        for class in list(dhcp4, "client-classes") {
            defs.extend(list(class, "option-def"));
        }
        for d in defs {
            if d.get("code").and_then(Node::as_u64) == Some(43) {
                if let Some(space) = d.get("encapsulate").and_then(Node::as_str) {
                    self.strict_spaces.insert(space.to_string());
                }
            }
        }
    }

    fn string<'n>(&self, node: &'n Node, key: &str, what: &str) -> Result<&'n str, AuditError> {
        node.get(key).and_then(Node::as_str).ok_or_else(|| {
            self.err(
                node.at,
                ErrorKind::Syntax,
                format!("{what} without a \"{key}\" string"),
                format!("add \"{key}\""),
            )
        })
    }

    fn def(&mut self, node: &Node, class: Option<usize>) -> Result<(), AuditError> {
        let name = self.string(node, "name", "an option-def")?.to_string();
        let code = node
            .get("code")
            .and_then(Node::as_u64)
            .and_then(|c| u8::try_from(c).ok())
            .filter(|c| (1..=254).contains(c))
            .ok_or_else(|| {
                self.err(
                    node.at,
                    ErrorKind::Syntax,
                    format!("option-def {name:?} needs a \"code\" of 1-254"),
                    "add the option code",
                )
            })?;
        let ty = self.string(node, "type", "an option-def")?.to_string();
        let kt = KeaType {
            ty: ty.clone(),
            array: node.get("array").and_then(Node::as_bool).unwrap_or(false),
            record: node
                .get("record-types")
                .and_then(Node::as_str)
                .map(|r| r.split(',').map(|t| t.trim().to_string()).collect())
                .unwrap_or_default(),
            encapsulate: node
                .get("encapsulate")
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        };
        let space = node
            .get("space")
            .and_then(Node::as_str)
            .unwrap_or(DHCP4)
            .to_string();
        self.config.defs.push(OptionDef {
            code,
            space,
            name,
            ty: value_type(&kt),
            array: kt.array,
            class,
            at: node.at,
        });
        self.types.push(kt);
        Ok(())
    }

    fn class(&mut self, node: &Node) -> Result<(), AuditError> {
        let name = self.string(node, "name", "a client class")?.to_string();
        for key in ["only-if-required", "only-in-additional-list"] {
            if node.get(key).and_then(Node::as_bool) == Some(true) {
                return Err(self.err(node.at, ErrorKind::Unsupported, format!("class {name:?} is {key}: which clients get it depends on require-client-classes, which ucprov does not evaluate"), "audit a copy without the flag, or give the class a test"));
            }
        }
        let (condition, at) = match node.get("test") {
            Some(test) => {
                let text = test.as_str().ok_or_else(|| {
                    self.err(
                        test.at,
                        ErrorKind::Syntax,
                        "\"test\" must be a string",
                        "quote the expression",
                    )
                })?;
                let known: Vec<String> =
                    self.config.classes.iter().map(|c| c.name.clone()).collect();
                let resolve = |n: &str| -> Result<Condition, String> {
                    if let Some(i) = known.iter().position(|k| k == n) {
                        Ok(Condition::Member(i))
                    } else if n == "ALL" {
                        Ok(Condition::Always)
                    } else if let Some(vc) = n.strip_prefix("VENDOR_CLASS_") {
                        Ok(Condition::Equals(vc.as_bytes().to_vec()))
                    } else {
                        Err(format!("member('{n}'): not a class defined above, and not ALL or VENDOR_CLASS_…; KNOWN, UNKNOWN and the like depend on host reservations ucprov does not evaluate"))
                    }
                };
                let c = expr::parse(text, &resolve).map_err(|why| {
                    self.err(test.at, ErrorKind::Unsupported, format!("class {name:?}: test {text:?} cannot be evaluated: {why}"), "write the option 60 test as option[vendor-class-identifier].text == '…' or substring(option[60].hex,0,N) == '…'")
                })?;
                (c, test.at)
            }
            // Kea puts every client in VENDOR_CLASS_<option 60> by itself; a class without a
            // test is otherwise only assigned by host reservations.
            None => match name.strip_prefix("VENDOR_CLASS_") {
                Some(vc) => (Condition::Equals(vc.as_bytes().to_vec()), node.at),
                None => (Condition::Never, node.at),
            },
        };
        self.config.classes.push(Class {
            name,
            condition,
            at,
        });
        let idx = self.config.classes.len() - 1;
        for def in list(node, "option-def") {
            self.def(def, Some(idx))?;
        }
        self.options(node, 0, Some(idx), Level::Class)
    }

    fn restricted(&self, node: &Node) -> Result<(), AuditError> {
        for key in ["client-class", "require-client-classes", "client-classes"] {
            if let Some(v) = node.get(key) {
                let empty = matches!(&v.value, Value::String(s) if s.is_empty())
                    || matches!(&v.value, Value::Array(a) if a.is_empty());
                if !empty {
                    return Err(self.err(v.at, ErrorKind::Unsupported, format!("\"{key}\" limits which clients this scope serves; ucprov does not evaluate scope restrictions"), "audit a copy without it"));
                }
            }
        }
        Ok(())
    }

    fn subnet(&mut self, node: &Node, parent: usize) -> Result<(), AuditError> {
        let name = self.string(node, "subnet", "a subnet4 entry")?.to_string();
        let scope = self.config.add_scope(Level::Subnet, name, parent, node.at);
        self.restricted(node)?;
        self.options(node, scope, None, Level::Subnet)?;
        for pool in list(node, "pools") {
            let range = self.string(pool, "pool", "a pool")?.to_string();
            let p = self.config.add_scope(Level::Pool, range, scope, pool.at);
            self.restricted(pool)?;
            self.options(pool, p, None, Level::Pool)?;
        }
        self.reservations(node, scope)
    }

    fn reservations(&mut self, node: &Node, parent: usize) -> Result<(), AuditError> {
        for r in list(node, "reservations") {
            let id = [
                "hw-address",
                "client-id",
                "duid",
                "circuit-id",
                "flex-id",
                "hostname",
            ]
            .iter()
            .find_map(|k| r.get(k).and_then(Node::as_str).map(|v| format!("{k} {v}")))
            .unwrap_or_else(|| "reservation".into());
            if r.get("client-classes")
                .and_then(Node::as_array)
                .is_some_and(|a| !a.is_empty())
            {
                return Err(self.err(r.at, ErrorKind::Unsupported, "a reservation assigning client classes: ucprov does not evaluate class assignment by reservation", "audit a copy without \"client-classes\" in reservations"));
            }
            let scope = self.config.add_scope(Level::Host, id, parent, r.at);
            self.options(r, scope, None, Level::Host)?;
        }
        Ok(())
    }

    fn options(
        &mut self,
        node: &Node,
        scope: usize,
        class: Option<usize>,
        level: Level,
    ) -> Result<(), AuditError> {
        for o in list(node, "option-data") {
            if o.get("never-send").and_then(Node::as_bool) == Some(true) {
                continue;
            }
            let value = self.value(o, class)?;
            self.config.settings.push(Setting {
                scope,
                classes: class
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
        Ok(())
    }

    /// The definition an option-data entry uses: class-level, global, or built in.
    fn find_def(
        &self,
        space: &str,
        name: Option<&str>,
        code: Option<u8>,
        class: Option<usize>,
    ) -> Option<(String, u8, KeaType)> {
        let found = self
            .config
            .defs
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.space == space
                    && name.is_none_or(|n| n == d.name)
                    && code.is_none_or(|c| c == d.code)
            })
            .filter(|(_, d)| d.class.is_none() || d.class == class)
            .max_by_key(|(_, d)| d.class.is_some());
        if let Some((i, d)) = found {
            return self
                .types
                .get(i)
                .map(|t| (d.name.clone(), d.code, t.clone()));
        }
        if space == DHCP4 {
            return values::standard(name, code).map(|(n, c, t)| (n.to_string(), c, t));
        }
        None
    }

    fn value(&self, o: &Node, class: Option<usize>) -> Result<OptionValue, AuditError> {
        let at = o.at;
        let name = o.get("name").and_then(Node::as_str);
        let code = match o.get("code") {
            Some(c) => Some(
                c.as_u64()
                    .and_then(|c| u8::try_from(c).ok())
                    .filter(|c| (1..=254).contains(c))
                    .ok_or_else(|| {
                        self.err(
                            c.at,
                            ErrorKind::Syntax,
                            "\"code\" must be 1-254",
                            "write the option code as a number",
                        )
                    })?,
            ),
            None => None,
        };
        if name.is_none() && code.is_none() {
            return Err(self.err(
                at,
                ErrorKind::Syntax,
                "an option-data entry with neither \"name\" nor \"code\"",
                "add the option's name or code",
            ));
        }
        let space = o
            .get("space")
            .and_then(Node::as_str)
            .unwrap_or(DHCP4)
            .to_string();
        let csv = o.get("csv-format").and_then(Node::as_bool).unwrap_or(true);
        let raw = o
            .get("data")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let def = self.find_def(&space, name, code, class);
        let label = name.map_or_else(|| format!("code {}", code.unwrap_or(0)), str::to_string);
        let strict = (space == DHCP4
            && matches!(code.or(def.as_ref().map(|d| d.1)), Some(43 | 120)))
            || self.strict_spaces.contains(&space);
        let not_sized = |why: String| -> Result<OptionValue, AuditError> {
            Ok(OptionValue {
                code: code.unwrap_or(0),
                space: space.clone(),
                name: name.map(str::to_string),
                declared: ValueType::Binary,
                raw: raw.clone(),
                data: Data::Unsized(why),
                at,
            })
        };
        let Some((def_name, def_code, kt)) = def else {
            if !csv {
                if let Some(code) = code {
                    let bytes = values::binary(&raw).map_err(|why| {
                        self.err(
                            at,
                            ErrorKind::Syntax,
                            format!("option {label}: {why}"),
                            "write the data as hex (01:02:03) or 'quoted text'",
                        )
                    })?;
                    return Ok(OptionValue {
                        code,
                        space,
                        name: name.map(str::to_string),
                        declared: ValueType::Binary,
                        raw,
                        data: Data::Bytes(bytes),
                        at,
                    });
                }
            }
            if !strict {
                return not_sized(format!(
                    "no definition of {label} in space {space} known to ucprov"
                ));
            }
            return Err(self.err(at, ErrorKind::Syntax, format!("option {label} in space {space} has no definition: Kea refuses it with csv-format true"), "add an option-def, or give \"code\" with \"csv-format\": false and hex data"));
        };
        if code.is_some_and(|c| c != def_code) {
            return Err(self.err(
                at,
                ErrorKind::Syntax,
                format!(
                    "option {label}: code {} does not match the definition's {def_code}",
                    code.unwrap_or(0)
                ),
                "give the name or the code, not both",
            ));
        }
        let builtin43 = space == DHCP4
            && def_code == 43
            && kt.encapsulate.as_deref() == Some(values::BUILTIN_43_SPACE)
            && !self.config.defs.iter().any(|d| {
                d.space == DHCP4 && d.code == 43 && (d.class.is_none() || d.class == class)
            });
        let (declared, data) = if !csv {
            let bytes = values::binary(&raw).map_err(|why| {
                self.err(
                    at,
                    ErrorKind::Syntax,
                    format!("option {label}: {why}"),
                    "write the data as hex (01:02:03) or 'quoted text'",
                )
            })?;
            let declared = if builtin43 {
                ValueType::Builtin("Kea's last-resort option 43 definition (empty, encapsulating vendor-encapsulated-options-space)")
            } else {
                ValueType::Binary
            };
            (declared, Data::Bytes(bytes))
        } else if kt.ty == "empty" {
            match &kt.encapsulate {
                Some(s) if raw.trim().is_empty() => (ValueType::Encapsulate(s.clone()), Data::Encapsulate(s.clone())),
                Some(_) => return Err(self.err(at, ErrorKind::Syntax, format!("option {label}: its definition is empty (built from sub-options), yet \"data\" is given"), "remove \"data\" to send the sub-options, or set \"csv-format\": false with hex data and an option-def of type binary")),
                None => (ValueType::Binary, Data::Bytes(Vec::new())),
            }
        } else {
            match values::csv(&kt, &raw) {
                Ok(bytes) => (value_type(&kt), Data::Bytes(bytes)),
                Err(why) if !strict => return not_sized(why),
                Err(why) => return Err(self.err(at, ErrorKind::Syntax, format!("option {label} (type {}): {why}", kt.ty), "correct the data for the definition's type, or use \"csv-format\": false with hex")),
            }
        };
        if let Data::Bytes(b) = &data {
            if strict && space != DHCP4 && b.len() > 255 {
                return Err(self.err(
                    at,
                    ErrorKind::Syntax,
                    format!(
                        "sub-option {label} is {} bytes; a sub-option holds at most 255",
                        b.len()
                    ),
                    "shorten the value",
                ));
            }
        }
        Ok(OptionValue {
            code: def_code,
            space,
            name: Some(def_name),
            declared,
            raw,
            data,
            at,
        })
    }
}

fn value_type(kt: &KeaType) -> ValueType {
    match kt.ty.as_str() {
        "binary" => ValueType::Binary,
        "string" => ValueType::Text,
        "uint8" | "int8" => ValueType::Integer(8),
        "uint16" | "int16" => ValueType::Integer(16),
        "uint32" | "int32" => ValueType::Integer(32),
        "ipv4-address" => ValueType::Ipv4,
        "fqdn" => ValueType::Fqdn,
        "record" => ValueType::Record(kt.record.join(", ")),
        "empty" => match &kt.encapsulate {
            Some(s) => ValueType::Encapsulate(s.clone()),
            None => ValueType::Binary,
        },
        _ => ValueType::Record(kt.ty.clone()),
    }
}

#[cfg(test)]
mod tests;
