//! The platform's own value limits (confgen's table: Cisco IOS truncates option hex at 180
//! characters, dnsmasq refuses over 255 bytes, …), applied to the bytes the phones get, with
//! confgen's own findings and wording.

use ucprov_confgen::findings::limit_findings;
use ucprov_inspect::Finding;

use super::Ctx;
use crate::fix::Want;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let Some(p) = ctx.fix_profile.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<Finding> = Vec::new();
    for s in &ctx.scopes {
        let ms = s.ms();
        let o43 = ms.option(43);
        let o120 = ms.option(120);
        let empty = Vec::new();
        let found = limit_findings(
            ctx.rules.platform,
            p,
            o43.map_or(&empty, |o| &o.bytes),
            o120.map_or(&empty, |o| &o.bytes),
        );
        for f in found {
            let (setting, want) = if f.field.as_deref() == Some("option 120") {
                (o120.map(|o| o.settings[0]), Want::Option120)
            } else {
                (o43.map(|o| o.settings[0]), Want::Option43)
            };
            let mut f = f.fix(ctx.fix(want));
            if let Some(i) = setting {
                f = ctx.at_setting(f, i);
            }
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;
    use ucprov_inspect::Kind;

    #[test]
    fn a_value_over_255_bytes_follows_the_platform_row() {
        let c = kea_with_long_registrar(63);
        let f = check(&Ctx::new(&c, None));
        assert!(f.iter().any(|f| f.kind == Kind::PlatformLimit), "{f:#?}");
        assert!(check(&Ctx::new(
            &kea_with(Some(MS_TEST), &good43(), Some(&good120()), ""),
            None
        ))
        .is_empty());
    }
}
