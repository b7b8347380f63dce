//! Settings of one option that reach a client at the same precedence with different values:
//! which one the server sends is not documented, so the audit says so instead of guessing.

use ucprov_inspect::{Finding, Kind};

use super::Ctx;
use crate::fix::Want;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: Vec<Vec<usize>> = Vec::new();
    for s in &ctx.scopes {
        for e in &s.clients {
            for c in &e.conflicts {
                if seen.contains(&c.settings) {
                    continue;
                }
                seen.push(c.settings.clone());
                let places: Vec<String> = c.settings.iter().map(|&i| ctx.where_(i)).collect();
                let f = Finding::error(
                    Kind::AmbiguousSetting,
                    format!(
                        "{} settings of option {} (space {}) reach {} in {} at the same precedence with different values ({}): which one {} sends is not documented, so ucprov does not guess",
                        c.settings.len(),
                        c.code,
                        c.space,
                        e.client.label,
                        ctx.scope_name(s.scope),
                        places.join(", "),
                        ctx.rules.platform.name
                    ),
                )
                .fix(ctx.fix(if c.code == 120 { Want::Option120 } else { Want::Option43 }));
                out.push(ctx.at_setting(f, c.settings[0]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn two_subnet_values_for_one_client_are_reported() {
        let c = kea(
            r#"{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "10.0.0.0/24", "option-data": [
            {"code": 120, "csv-format": false, "data": "00:01:61:00"},
            {"code": 120, "csv-format": false, "data": "00:01:62:00"}]}]}}"#,
        );
        let f = check(&Ctx::new(&c, None));
        assert!(!f.is_empty());
        assert_eq!(f[0].kind, Kind::AmbiguousSetting);
    }
}
