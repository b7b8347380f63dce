//! The effective options 43 and 120 an MS-UC-Client device gets, judged by the same checks as
//! `ucprov decode` (`ucprov_inspect::option43::inspect`, `option120::inspect`): nothing here
//! re-implements them; this rule only places their findings at the configuration line.

use ucprov_inspect::option120;
use ucprov_inspect::option43::{self, Vendor};
use ucprov_inspect::{Finding, Kind, Severity};
use ucprov_wire::sip_servers::ENCODING_ADDRESSES;
use ucprov_wire::vendor::VendorOptions;

use super::Ctx;
use crate::fix::Want;
use crate::model::DHCP4;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &ctx.scopes {
        let ms = s.ms();
        if let Some(o43) = ms.option(43) {
            let r = option43::inspect(&o43.bytes, 0, None, Vendor::MsUcClient);
            for f in r
                .findings
                .into_iter()
                .filter(|f| f.severity >= Severity::Warning)
            {
                // The sub-option holding the finding's first byte, else the one its field names
                // (`sub-option 3 (WebServerFqdn)`: the code is the first word).
                let walked = VendorOptions::parse(&o43.bytes);
                let code = f
                    .offset
                    .and_then(|at| {
                        walked
                            .items
                            .iter()
                            .find(|s| s.offset <= at && at < s.offset + 2 + s.value.len())
                            .map(|s| s.code)
                    })
                    .or_else(|| {
                        f.field
                            .as_deref()
                            .and_then(|x| x.strip_prefix("sub-option "))
                            .and_then(|c| c.split_whitespace().next())
                            .and_then(|c| c.parse::<u8>().ok())
                    });
                let setting = code
                    .and_then(|c| {
                        o43.settings.iter().copied().find(|&i| {
                            let v = &ctx.config.settings[i].value;
                            v.space != DHCP4 && v.code == c
                        })
                    })
                    .unwrap_or(o43.settings[0]);
                let want = code.map_or(Want::Option43, Want::SubOption);
                out.push(located(ctx, f, 43, o43.bytes.len(), setting, want));
            }
        }
        if let Some(o120) = ms.option(120) {
            let r = option120::inspect(&o120.bytes, 0);
            // An address list is the option120_address rule's, with the configuration's cause.
            let addresses = o120.bytes.first() == Some(&ENCODING_ADDRESSES);
            for f in r
                .findings
                .into_iter()
                .filter(|f| f.severity >= Severity::Warning)
                .filter(|f| !(addresses && f.kind == Kind::UnusableSipServer))
            {
                out.push(located(
                    ctx,
                    f,
                    120,
                    o120.bytes.len(),
                    o120.settings[0],
                    Want::Option120,
                ));
            }
        }
    }
    out
}

fn located(ctx: &Ctx, f: Finding, code: u8, len: usize, setting: usize, want: Want) -> Finding {
    let message = format!(
        "option {code} as MS-UC-Client devices get it ({len} bytes): {}",
        f.message
    );
    ctx.at_setting(Finding { message, ..f }, setting)
        .fix(ctx.fix(want))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn a_miscounted_length_is_found_at_its_line() {
        // Sub-option 1 claims 13 bytes instead of 12.
        let bad = good43().replacen("01:0c", "01:0d", 1);
        let c = kea_with(Some(MS_TEST), &bad, Some(&good120()), "");
        let f = check(&Ctx::new(&c, None));
        assert!(!f.is_empty());
        assert!(
            f.iter()
                .all(|f| f.location.as_ref().is_some_and(|l| l.line == 5)),
            "{f:#?}"
        );
        assert!(f[0]
            .message
            .starts_with("option 43 as MS-UC-Client devices get it"));
    }

    #[test]
    fn the_encoded_profile_passes() {
        let c = kea_with(Some(MS_TEST), &good43(), Some(&good120()), "");
        assert!(check(&Ctx::new(&c, None)).is_empty());
    }
}
