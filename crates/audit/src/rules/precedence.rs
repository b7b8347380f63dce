//! The MS-UC-Client class sets option 43, yet the phones get another setting's option 43,
//! because the server ranks that setting's scope higher (Kea: subnet and pool beat classes;
//! ISC: a host beats a class). The message names both lines and the server's rule.

use ucprov_inspect::{Finding, Kind};

use super::Ctx;
use crate::eval::visible;
use crate::fix::Want;
use crate::model::{Level, DHCP4};

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for s in &ctx.scopes {
        let ms = s.ms();
        for code in [43u8, 120] {
            let Some(winner) = ms.option(code).map(|o| o.settings[0]) else {
                continue;
            };
            let w = &ctx.config.settings[winner];
            if w.level == Level::Class {
                continue;
            }
            let losers = visible(ctx.config, s.scope, &ms.client)
                .into_iter()
                .filter(|&i| {
                    let x = &ctx.config.settings[i];
                    i != winner
                        && x.level == Level::Class
                        && x.value.space == DHCP4
                        && x.value.code == code
                        && x.value.data != w.value.data
                });
            for loser in losers {
                if seen.contains(&(loser, winner)) {
                    continue;
                }
                seen.push((loser, winner));
                let f = Finding::error(
                    Kind::UnscopedOption43,
                    format!(
                        "the MS-UC-Client class's option {code} here is never sent: the {} option {code} at {} wins, because {} ranks {} settings above class settings",
                        w.level.label(),
                        ctx.where_(winner),
                        ctx.rules.platform.name,
                        w.level.label()
                    ),
                )
                .field(format!("option {code}"))
                .fix(format!(
                    "remove option {code} from the {} {} (or move it into a class for the clients it is meant for), keeping the class:\n{}",
                    w.level.label(),
                    ctx.config.scopes.get(w.scope).map_or("", |x| x.name.as_str()),
                    ctx.fix(Want::Whole)
                ));
                out.push(ctx.at_setting(f, loser));
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
    fn kea_subnet_option_43_beats_the_class() {
        let c = kea(&format!(
            r#"{{"Dhcp4": {{
"client-classes": [{{"name": "ms", "test": "{MS_TEST}",
  "option-def": [{{"name": "vendor-encapsulated-options", "code": 43, "type": "binary"}}],
  "option-data": [
{{"name": "vendor-encapsulated-options", "csv-format": false, "data": "{}"}}]}}],
"option-def": [{{"name": "vendor-encapsulated-options", "code": 43, "type": "binary"}}],
"subnet4": [{{"id": 1, "subnet": "10.0.0.0/24", "option-data": [
  {{"name": "vendor-encapsulated-options", "csv-format": false, "data": "06:01:08"}}]}}]}}}}"#,
            good43()
        ));
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(5));
        assert!(f[0].message.contains("kea.conf:8"), "{}", f[0].message);
    }
}
