//! Scopes that give MS-UC-Client devices different options 43 or 120: usually a scope edited
//! by hand and forgotten. Each differing scope is named against the first one.

use ucprov_inspect::option120;
use ucprov_inspect::option43::{self, Vendor};
use ucprov_inspect::{Finding, Kind};

use super::Ctx;
use crate::fix::Want;
use crate::model::Level;

/// What the phones make of option `code`'s bytes, for the message.
fn meaning(code: u8, bytes: &[u8]) -> String {
    if code == 43 {
        option43::inspect(bytes, 0, None, Vendor::MsUcClient)
            .provisioning_url
            .unwrap_or_else(|| format!("{} bytes that do not decode", bytes.len()))
    } else {
        let r = option120::inspect(bytes, 0);
        if r.servers.is_empty() {
            format!("{} bytes that do not decode", bytes.len())
        } else {
            r.registrars().join(", ")
        }
    }
}

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for code in [43u8, 120] {
        let values: Vec<(usize, &crate::eval::Assembled)> = ctx
            .scopes
            .iter()
            .filter(|s| ctx.config.scopes[s.scope].level != Level::Host)
            .filter_map(|s| s.ms().option(code).map(|o| (s.scope, o)))
            .collect();
        let Some((first_scope, first)) = values.first().copied() else {
            continue;
        };
        for (scope, o) in values.iter().skip(1) {
            // The same settings give the same bytes; an option built from sub-options (a
            // Windows vendor class, an ISC option space) can share its first setting and still
            // differ in a sub-option set per scope, which is then the line to point at.
            if o.bytes == first.bytes || o.settings == first.settings {
                continue;
            }
            let differs = o
                .settings
                .iter()
                .copied()
                .find(|i| !first.settings.contains(i))
                .unwrap_or(o.settings[0]);
            let f = Finding::warning(
                Kind::InconsistentScopes,
                format!(
                    "MS-UC-Client devices in {} get option {code} = {} (set here), but in {} {} (set at {})",
                    ctx.scope_name(*scope),
                    meaning(code, &o.bytes),
                    ctx.scope_name(first_scope),
                    meaning(code, &first.bytes),
                    ctx.where_(first.settings[0])
                ),
            )
            .field(format!("option {code}"))
            .fix(ctx.fix(if code == 43 { Want::Option43 } else { Want::Option120 }));
            out.push(ctx.at_setting(f, differs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn two_subnets_with_different_registrars_are_named() {
        let other = hex(
            &ucprov_wire::profile::Provisioning::new("other.example.com", None)
                .option120()
                .unwrap(),
        );
        let c = kea(&format!(
            r#"{{"Dhcp4": {{"subnet4": [
{{"id": 1, "subnet": "10.0.0.0/24", "option-data": [{{"code": 120, "csv-format": false, "data": "{}"}}]}},
{{"id": 2, "subnet": "10.0.1.0/24", "option-data": [{{"code": 120, "csv-format": false, "data": "{other}"}}]}}]}}}}"#,
            good120()
        ));
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("other.example.com") && f[0].message.contains("lync.example.com")
        );
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(3));
    }
}
