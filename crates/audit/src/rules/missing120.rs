//! MS-UC-Client devices that get option 43 but no option 120 cannot find their registrar;
//! a served scope where they get neither is reported once, at the scope.

use ucprov_inspect::{Finding, Kind};

use super::Ctx;
use crate::fix::Want;
use crate::model::Level;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &ctx.scopes {
        let ms = s.ms();
        let name = ctx.scope_name(s.scope);
        match (ms.option(43), ms.option(120)) {
            (Some(o43), None) => {
                let f = Finding::error(
                    Kind::MissingOptions,
                    format!("MS-UC-Client devices in {name} get option 43 but no option 120: without it they do not know their registrar"),
                )
                .field("option 120")
                .fix(ctx.fix(Want::Option120));
                out.push(ctx.at_setting(f, o43.settings[0]));
            }
            (None, None) if ctx.config.scopes[s.scope].level != Level::Host => {
                let f = Finding::error(
                    Kind::MissingOptions,
                    format!("MS-UC-Client devices in {name} get neither option 43 nor option 120"),
                )
                .fix(ctx.fix(Want::Whole));
                out.push(ctx.at(f, ctx.config.scopes[s.scope].at));
            }
            (None, Some(o120)) => {
                let f = Finding::error(
                    Kind::MissingOptions,
                    format!("MS-UC-Client devices in {name} get option 120 but no option 43: they cannot find the certificate provisioning service"),
                )
                .field("option 43")
                .fix(ctx.fix(Want::Option43));
                out.push(ctx.at_setting(f, o120.settings[0]));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn option_43_without_120_is_an_error_at_the_43_line() {
        let c = kea_with(Some(MS_TEST), &good43(), None, "");
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(5));
        assert!(check(&Ctx::new(
            &kea_with(Some(MS_TEST), &good43(), Some(&good120()), ""),
            None
        ))
        .is_empty());
    }
}
