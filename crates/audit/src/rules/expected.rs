//! With `--expect-sip-server` / `--expect-web-server`: every difference between what the
//! phones get and the intended profile, sub-option by sub-option and registrar by registrar.

use ucprov_inspect::option120;
use ucprov_inspect::{Finding, Kind};
use ucprov_wire::catalog;
use ucprov_wire::hex::ascii_preview;
use ucprov_wire::vendor::VendorOptions;

use super::Ctx;
use crate::fix::Want;
use crate::model::DHCP4;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let Some(p) = ctx.expect else {
        return Vec::new();
    };
    let (Ok(want43), Ok(want120)) = (p.option43(), p.option120()) else {
        return Vec::new();
    };
    let mut out: Vec<Finding> = Vec::new();
    let mut push = |f: Finding| {
        if !out.contains(&f) {
            out.push(f);
        }
    };
    for s in &ctx.scopes {
        let ms = s.ms();
        let scope = ctx.scope_name(s.scope);
        match ms.option(43) {
            None => push(ctx.at(
                Finding::error(Kind::ProfileMismatch, format!("MS-UC-Client devices in {scope} get no option 43; the intended profile has {}", p.profile.provisioning_url()))
                    .fix(ctx.fix(Want::Whole)),
                ctx.config.scopes[s.scope].at,
            )),
            Some(o) if o.bytes != want43 && VendorOptions::parse(&o.bytes).error.is_some() => push(ctx.at_setting(
                Finding::error(Kind::ProfileMismatch, format!("the phones' option 43 does not decode (see its error), so it is not the intended profile {}", p.profile.provisioning_url()))
                    .field("option 43")
                    .fix(ctx.fix(Want::Option43)),
                o.settings[0],
            )),
            Some(o) if o.bytes != want43 => {
                let got = VendorOptions::parse(&o.bytes);
                let want = VendorOptions::parse(&want43);
                let mut codes: Vec<u8> = got.items.iter().chain(&want.items).map(|x| x.code).collect();
                codes.sort_unstable();
                codes.dedup();
                let mut any = false;
                for code in codes {
                    let (g, w) = (got.get(code).map(|x| &x.value), want.get(code).map(|x| &x.value));
                    if g == w {
                        continue;
                    }
                    any = true;
                    let show = |v: Option<&Vec<u8>>| v.map_or("nothing".to_string(), |v| format!("\"{}\"", ascii_preview(v)));
                    let name = catalog::suboption(code).map_or("sub-option", |x| x.name);
                    let setting = o
                        .settings
                        .iter()
                        .copied()
                        .find(|&i| ctx.config.settings[i].value.space != DHCP4 && ctx.config.settings[i].value.code == code)
                        .unwrap_or(o.settings[0]);
                    push(ctx.at_setting(
                        Finding::error(Kind::ProfileMismatch, format!("sub-option {code} ({name}): the phones get {} where the intended profile has {}", show(g), show(w)))
                            .field(format!("sub-option {code}"))
                            .fix(ctx.fix(Want::SubOption(code))),
                        setting,
                    ));
                }
                if !any {
                    push(ctx.at_setting(
                        Finding::error(Kind::ProfileMismatch, "option 43 has the intended sub-options, but in another order or framing than the intended profile's bytes")
                            .field("option 43")
                            .fix(ctx.fix(Want::Option43)),
                        o.settings[0],
                    ));
                }
            }
            Some(_) => {}
        }
        if let Some(o) = ms.option(120) {
            if o.bytes != want120 {
                let got = option120::inspect(&o.bytes, 0).registrars();
                let want = option120::inspect(&want120, 0).registrars();
                push(
                    ctx.at_setting(
                        Finding::error(
                            Kind::ProfileMismatch,
                            format!(
                                "option 120 names {} where the intended profile names {}",
                                if got.is_empty() {
                                    "no usable registrar".to_string()
                                } else {
                                    got.join(", ")
                                },
                                want.join(", ")
                            ),
                        )
                        .field("option 120")
                        .fix(ctx.fix(Want::Option120)),
                        o.settings[0],
                    ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;
    use ucprov_wire::profile::Provisioning;

    #[test]
    fn every_difference_from_the_intended_profile_is_named() {
        let c = kea_with(Some(MS_TEST), &good43(), Some(&good120()), "");
        let same = Provisioning::new("lync.example.com", None);
        assert!(check(&Ctx::new(&c, Some(&same))).is_empty());
        let other = Provisioning::new("pool.example.com", Some("web.example.com".into()));
        let f = check(&Ctx::new(&c, Some(&other)));
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("sub-option 3") && f[0].message.contains("web.example.com"));
        assert!(f[1].message.contains("pool.example.com"));
        assert!(
            f[1].fix
                .as_deref()
                .is_some_and(|x| x.contains("70:6f:6f:6c")),
            "{:?}",
            f[1].fix
        );
    }
}
