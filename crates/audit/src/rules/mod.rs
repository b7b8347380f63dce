//! One rule per configuration mistake, each in its own file with its unit test. A rule reads
//! the evaluated configuration ([`Ctx`]) and returns findings located at the line that causes
//! them, with the fix from [`crate::fix`]. The byte checks on the effective options are
//! `ucprov_inspect`'s own ([`bytes`]).

pub mod bytes;
pub mod conflicts;
pub mod consistency;
pub mod data_type;
pub mod expected;
pub mod limits;
pub mod missing120;
pub mod option120_address;
pub mod precedence;
pub mod reply_size;
pub mod scoping;
pub mod vendor_class;

#[cfg(test)]
pub(crate) mod testing;

use ucprov_inspect::Finding;
use ucprov_wire::profile::{MsUcProfile, Provisioning};
use ucprov_wire::sip_servers::{Compression, SipServers};
use ucprov_wire::vendor::VendorOptions;

use crate::dialect::{Assembly, Dialect};
use crate::eval::{clients, evaluate, Client, Effective};
use crate::fix::{self, Want};
use crate::model::Config;

/// Every client's view of one served scope; `clients[0]` is MS-UC-Client.
#[derive(Debug, Clone)]
pub struct ScopeEval {
    pub scope: usize,
    pub clients: Vec<Effective>,
}

impl ScopeEval {
    pub fn ms(&self) -> &Effective {
        &self.clients[0]
    }
}

/// What every rule reads.
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub rules: &'static Assembly,
    pub scopes: Vec<ScopeEval>,
    /// The intended profile (`--expect-*`).
    pub expect: Option<&'a Provisioning>,
    /// The profile fixes are generated for: the intended one, else the one the phones get.
    pub fix_profile: Option<Provisioning>,
    /// The class that sets the MS-UC-Client options, to name the fix's class after it.
    pub class_name: Option<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(config: &'a Config, expect: Option<&'a Provisioning>) -> Self {
        let rules = config.dialect.assembly();
        let who = clients(config);
        let scopes: Vec<ScopeEval> = config
            .served_scopes()
            .into_iter()
            .map(|scope| ScopeEval {
                scope,
                clients: who
                    .iter()
                    .map(|c| evaluate(config, rules, scope, c))
                    .collect(),
            })
            .collect();
        // The phones' own profile first; else one a near-miss client gets (a misspelt class).
        let fix_profile = expect.cloned().or_else(|| {
            scopes
                .iter()
                .find_map(|s| decoded(s.ms()))
                .or_else(|| scopes.iter().flat_map(|s| &s.clients).find_map(decoded))
        });
        let class_name = scopes.iter().find_map(|s| {
            let o43 = s.ms().option(43)?;
            o43.settings.iter().find_map(|&i| {
                let c = config.settings[i].classes.first()?;
                config.classes.get(c.class).map(|c| c.name.clone())
            })
        });
        Ctx {
            config,
            rules,
            scopes,
            expect,
            fix_profile,
            class_name,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.config.dialect
    }

    /// The finding located at setting `setting`'s line.
    pub fn at_setting(&self, f: Finding, setting: usize) -> Finding {
        match self.config.settings.get(setting) {
            Some(s) => self.at(f, s.value.at),
            None => f,
        }
    }

    pub fn at(&self, mut f: Finding, loc: crate::source::Loc) -> Finding {
        f.location = Some(self.config.sources.location(loc));
        f
    }

    /// `file:line` of a setting, for messages.
    pub fn where_(&self, setting: usize) -> String {
        self.config
            .settings
            .get(setting)
            .map_or_else(String::new, |s| {
                self.config.sources.location(s.value.at).to_string()
            })
    }

    pub fn fix(&self, want: Want) -> String {
        fix::lines(
            self.dialect(),
            self.fix_profile.as_ref(),
            self.class_name.as_deref(),
            want,
        )
    }

    pub fn scope_name(&self, scope: usize) -> String {
        self.config
            .scopes
            .get(scope)
            .map_or_else(String::new, |s| format!("{} {}", s.level.label(), s.name))
    }

    /// Whether `client` is a client other than MS-UC-Client.
    pub fn is_other(client: &Client) -> bool {
        !client.is_ms_uc()
    }
}

/// The profile an MS-UC-Client device gets, when its options decode.
fn decoded(ms: &Effective) -> Option<Provisioning> {
    let o43 = ms.option(43)?;
    let v = VendorOptions::parse(&o43.bytes);
    if v.error.is_some() {
        return None;
    }
    let profile = MsUcProfile::from_vendor_options(&v).ok()?;
    let sip = SipServers::parse(&ms.option(120)?.bytes).ok()?;
    let p = Provisioning {
        profile,
        sip_servers: sip,
        compression: Compression::Off,
    };
    p.validate().ok().map(|()| p)
}

/// A rule: the findings it makes of the evaluated configuration.
pub type Rule = fn(&Ctx) -> Vec<Finding>;

/// Every rule, in report order.
pub const RULES: &[(&str, Rule)] = &[
    ("conflicts", conflicts::check),
    ("bytes", bytes::check),
    ("data_type", data_type::check),
    ("vendor_class", vendor_class::check),
    ("precedence", precedence::check),
    ("scoping", scoping::check),
    ("missing120", missing120::check),
    ("option120_address", option120_address::check),
    ("consistency", consistency::check),
    ("limits", limits::check),
    ("reply_size", reply_size::check),
    ("expected", expected::check),
];
