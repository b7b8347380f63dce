//! Option 43 set where other clients get it too: the setting the phones' option 43 comes from
//! also reaches PXE clients, access points or clients without option 60 (an SCCM PXE boot
//! reads option 43 too). Lists what else each such line reaches.

use std::collections::BTreeMap;

use ucprov_confgen::platform::VciMatch;
use ucprov_inspect::{Finding, Kind, Severity};

use super::Ctx;
use crate::fix::Want;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    // Per winning setting: the other clients it reaches, and where.
    let mut reach: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for s in &ctx.scopes {
        let Some(winner) = s.ms().option(43).map(|o| o.settings[0]) else {
            continue;
        };
        for e in s.clients.iter().filter(|e| Ctx::is_other(&e.client)) {
            if e.option(43).is_some_and(|o| o.settings[0] == winner) {
                let who = format!("{} ({})", e.client.label, ctx.scope_name(s.scope));
                let list = reach.entry(winner).or_default();
                if !list.contains(&who) {
                    list.push(who);
                }
            }
        }
    }
    reach
        .into_iter()
        .map(|(setting, who)| {
            // A server that cannot match option 60 (Cisco IOS pools) cannot do better than a
            // pool of the phones' own: a warning there, as confgen's own output says.
            let (severity, way_out) = match ctx.rules.platform.vci {
                VciMatch::None => (
                    Severity::Warning,
                    "; this server cannot match option 60, so keep the phones in a voice VLAN pool of their own",
                ),
                _ => (Severity::Error, ""),
            };
            let f = Finding::new(
                severity,
                Kind::UnscopedOption43,
                format!(
                    "option 43 set here is not scoped to vendor class MS-UC-Client: it also reaches {}; PXE clients and access points read option 43 as their own{way_out}",
                    who.join(", ")
                ),
            )
            .field("option 43")
            .fix(ctx.fix(Want::Whole));
            ctx.at_setting(f, setting)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn a_global_option_43_reaches_pxe_and_everyone() {
        let c = kea_with(None, &good43(), Some(&good120()), "");
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("PXEClient"), "{}", f[0].message);
        assert!(f[0].message.contains("no option 60"), "{}", f[0].message);
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(4));
        let scoped = kea_with(Some(MS_TEST), &good43(), Some(&good120()), "");
        assert!(check(&Ctx::new(&scoped, None)).is_empty());
    }
}
