//! The one evaluator: for a scope and a client (its option 60), which settings reach it,
//! which of them wins per option under the server's [`Assembly`] rules, and the bytes of every
//! top-level option it receives (option 43 assembled from its sub-option space when the
//! winning setting encapsulates one).

use std::collections::BTreeMap;

use ucprov_wire::profile::VENDOR_CLASS;

use crate::dialect::Assembly;
use crate::model::{Condition, Config, Data, Level, DHCP4};

/// Option 60 of a PXE client (the Intel PXE 2.1 form every PXE ROM sends a variant of).
pub const PXE_CLIENT: &str = "PXEClient:Arch:00000:UNDI:002001";

/// A client the evaluator asks for: a label and its option 60.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub label: String,
    pub vendor_class: Option<Vec<u8>>,
}

impl Client {
    pub fn ms_uc() -> Self {
        Client {
            label: VENDOR_CLASS.into(),
            vendor_class: Some(VENDOR_CLASS.as_bytes().to_vec()),
        }
    }

    pub fn is_ms_uc(&self) -> bool {
        self.vendor_class.as_deref() == Some(VENDOR_CLASS.as_bytes())
    }
}

/// The clients worth asking about: MS-UC-Client first, a PXE client, one per other option 60
/// value the file's conditions name, and a client without option 60.
pub fn clients(config: &Config) -> Vec<Client> {
    let mut out = vec![
        Client::ms_uc(),
        Client {
            label: PXE_CLIENT.into(),
            vendor_class: Some(PXE_CLIENT.as_bytes().to_vec()),
        },
    ];
    for class in &config.classes {
        for value in class.condition.named_values() {
            if !out
                .iter()
                .any(|c| c.vendor_class.as_deref() == Some(value.as_slice()))
            {
                out.push(Client {
                    label: String::from_utf8_lossy(&value).into_owned(),
                    vendor_class: Some(value),
                });
            }
        }
    }
    out.push(Client {
        label: "no option 60".into(),
        vendor_class: None,
    });
    out
}

/// Which classes a client with `vendor_class` is in (by index of [`Config::classes`]).
pub fn memberships(config: &Config, vendor_class: Option<&[u8]>) -> Vec<bool> {
    fn member(config: &Config, vc: Option<&[u8]>, class: usize, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        config.classes.get(class).is_some_and(|c| {
            c.condition
                .eval(vc, &|other| member(config, vc, other, depth + 1))
        })
    }
    (0..config.classes.len())
        .map(|i| member(config, vendor_class, i, 0))
        .collect()
}

/// An option as the client receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    /// The option's data (no code or length).
    pub bytes: Vec<u8>,
    /// The winning setting, then (for an encapsulated option) each sub-option's setting.
    pub settings: Vec<usize>,
}

/// Two or more settings reach a client at one rank with different values, and the server's
/// choice between them is not documented: reported, never guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub code: u8,
    pub space: String,
    pub settings: Vec<usize>,
}

/// What one client receives in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub scope: usize,
    pub client: Client,
    /// Every top-level option by code.
    pub options: BTreeMap<u8, Assembled>,
    pub conflicts: Vec<Conflict>,
    /// Settings that reach the client with a value ucprov does not size ([`Data::Unsized`]).
    pub unsized_settings: Vec<usize>,
}

impl Effective {
    pub fn option(&self, code: u8) -> Option<&Assembled> {
        self.options.get(&code)
    }
}

/// The settings that reach `client` served from `scope`, whatever their rank.
pub fn visible(config: &Config, scope: usize, client: &Client) -> Vec<usize> {
    let chain = config.chain(scope);
    let classes = memberships(config, client.vendor_class.as_deref());
    config
        .settings
        .iter()
        .enumerate()
        .filter(|(_, s)| chain.contains(&s.scope))
        .filter(|(_, s)| {
            s.classes
                .iter()
                .all(|r| classes.get(r.class).copied().unwrap_or(false) != r.negated)
        })
        .map(|(i, _)| i)
        .collect()
}

/// What `client` receives when served from `scope`.
pub fn evaluate(config: &Config, rules: &Assembly, scope: usize, client: &Client) -> Effective {
    let visible = visible(config, scope, client);
    let mut conflicts = Vec::new();
    let mut options = BTreeMap::new();
    let mut unsized_settings = Vec::new();
    let codes: Vec<u8> = unique(
        visible
            .iter()
            .filter(|&&i| config.settings[i].value.space == DHCP4)
            .map(|&i| config.settings[i].value.code),
    );
    for code in codes {
        let Some(winner) = choose(config, rules, &visible, DHCP4, code, &mut conflicts) else {
            continue;
        };
        let assembled = match &config.settings[winner].value.data {
            Data::Bytes(b) => Assembled {
                bytes: b.clone(),
                settings: vec![winner],
            },
            Data::Unsized(_) => {
                unsized_settings.push(winner);
                continue;
            }
            Data::Encapsulate(space) => {
                let mut settings = vec![winner];
                let sub_codes = unique(
                    visible
                        .iter()
                        .filter(|&&i| config.settings[i].value.space == *space)
                        .map(|&i| config.settings[i].value.code),
                );
                let mut chosen: Vec<usize> = sub_codes
                    .into_iter()
                    .filter_map(|c| choose(config, rules, &visible, space, c, &mut conflicts))
                    .collect();
                chosen.sort_unstable();
                let subs: Vec<(u8, Vec<u8>)> = chosen
                    .iter()
                    .filter_map(|&i| match &config.settings[i].value.data {
                        Data::Bytes(b) => Some((config.settings[i].value.code, b.clone())),
                        // Nested encapsulation is not something option 43 profiles use, and
                        // parsers never leave a sub-option unsized_settings.
                        Data::Encapsulate(_) | Data::Unsized(_) => None,
                    })
                    .collect();
                if subs.is_empty() && !rules.sends_empty_encapsulation {
                    continue;
                }
                settings.extend(chosen);
                Assembled {
                    bytes: rules.encapsulate(&subs),
                    settings,
                }
            }
        };
        options.insert(code, assembled);
    }
    Effective {
        scope,
        client: client.clone(),
        options,
        conflicts,
        unsized_settings,
    }
}

fn unique(codes: impl Iterator<Item = u8>) -> Vec<u8> {
    let mut v: Vec<u8> = codes.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The setting that wins for `code` in `space`, by the server's precedence.
fn choose(
    config: &Config,
    rules: &Assembly,
    visible: &[usize],
    space: &str,
    code: u8,
    conflicts: &mut Vec<Conflict>,
) -> Option<usize> {
    let candidates: Vec<usize> = visible
        .iter()
        .copied()
        .filter(|&i| {
            config.settings[i].value.space == space && config.settings[i].value.code == code
        })
        .collect();
    let top = candidates.iter().map(|&i| rank(config, rules, i)).max()?;
    let best: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| rank(config, rules, i) == top)
        .collect();
    let first = *best.first()?;
    let same = best
        .iter()
        .all(|&i| config.settings[i].value.data == config.settings[first].value.data);
    let classes_only = best
        .iter()
        .all(|&i| config.settings[i].level == Level::Class);
    if same || (rules.first_class_wins && classes_only) {
        return Some(first);
    }
    conflicts.push(Conflict {
        code,
        space: space.to_string(),
        settings: best,
    });
    None
}

/// A setting's rank: its level, and among equal levels the deeper scope (a subnet nested in a
/// shared network's subnet) wins.
fn rank(config: &Config, rules: &Assembly, setting: usize) -> (usize, usize) {
    let s = &config.settings[setting];
    (rules.rank(s.level), config.chain(s.scope).len())
}

/// Whether `class`'s condition would let a client with `vendor_class` in; for messages.
pub fn admits(config: &Config, class: usize, vendor_class: Option<&[u8]>) -> bool {
    memberships(config, vendor_class)
        .get(class)
        .copied()
        .unwrap_or(false)
}

/// The option 60 condition of every class, for messages (`Equals("MS-UC-Client")` …).
pub fn describe(condition: &Condition) -> String {
    match condition {
        Condition::Always => "every client".into(),
        Condition::Never => "no client".into(),
        Condition::Present => "any option 60".into(),
        Condition::Equals(v) => format!("option 60 = \"{}\"", String::from_utf8_lossy(v)),
        Condition::Substring { offset, len, value } => format!(
            "option 60 bytes {offset}..{} = \"{}\"",
            offset + len,
            String::from_utf8_lossy(value)
        ),
        Condition::Contains(v) => format!("option 60 contains \"{}\"", String::from_utf8_lossy(v)),
        Condition::Member(c) => format!("member of class #{c}"),
        Condition::Not(c) => format!("not ({})", describe(c)),
        Condition::And(a, b) => format!("({}) and ({})", describe(a), describe(b)),
        Condition::Or(a, b) => format!("({}) or ({})", describe(a), describe(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Dialect, ISC, KEA};
    use crate::model::{Class, ClassRef, OptionValue, Setting, ValueType};
    use crate::source::Loc;

    const AT: Loc = Loc { file: 0, line: 1 };

    fn value(code: u8, space: &str, data: Data) -> OptionValue {
        OptionValue {
            code,
            space: space.into(),
            name: None,
            declared: ValueType::Binary,
            raw: String::new(),
            data,
            at: AT,
        }
    }

    /// A subnet with a PXE option 43, and an MS-UC-Client class building 43 from a space.
    fn config(dialect: Dialect) -> Config {
        let mut c = Config::new(dialect, AT);
        let subnet = c.add_scope(Level::Subnet, "10.0.0.0/24", 0, AT);
        c.classes.push(Class {
            name: "ms".into(),
            condition: Condition::Equals(b"MS-UC-Client".to_vec()),
            at: AT,
        });
        c.settings.push(Setting {
            scope: subnet,
            classes: vec![],
            level: Level::Subnet,
            value: value(43, DHCP4, Data::Bytes(vec![6, 1, 8])),
        });
        let ms = vec![ClassRef {
            class: 0,
            negated: false,
        }];
        c.settings.push(Setting {
            scope: 0,
            classes: ms.clone(),
            level: Level::Class,
            value: value(43, DHCP4, Data::Encapsulate("s".into())),
        });
        for (code, v) in [(2u8, b"https".as_slice()), (1, b"MS-UC-Client")] {
            c.settings.push(Setting {
                scope: 0,
                classes: ms.clone(),
                level: Level::Class,
                value: value(code, "s", Data::Bytes(v.to_vec())),
            });
        }
        c
    }

    #[test]
    fn isc_class_beats_subnet_and_kea_subnet_beats_class() {
        let ms = Client::ms_uc();
        let isc = evaluate(&config(Dialect::Isc), &ISC, 1, &ms);
        let o43 = isc.option(43).unwrap();
        assert_eq!(&o43.bytes[..3], &[1, 12, b'M']);
        assert_eq!(o43.settings, vec![1, 2, 3]);
        let kea = evaluate(&config(Dialect::Kea), &KEA, 1, &ms);
        assert_eq!(kea.option(43).unwrap().bytes, vec![6, 1, 8]);
        let pxe = &clients(&config(Dialect::Isc))[1];
        assert_eq!(
            evaluate(&config(Dialect::Isc), &ISC, 1, pxe)
                .option(43)
                .unwrap()
                .bytes,
            vec![6, 1, 8]
        );
    }

    #[test]
    fn two_different_values_at_one_rank_are_a_conflict() {
        let mut c = config(Dialect::Isc);
        c.settings.push(Setting {
            scope: 1,
            classes: vec![],
            level: Level::Subnet,
            value: value(43, DHCP4, Data::Bytes(vec![1])),
        });
        let pxe = &clients(&c)[1];
        let e = evaluate(&c, &ISC, 1, pxe);
        assert!(e.option(43).is_none());
        assert_eq!(e.conflicts.len(), 1);
    }
}
