//! A reply to an MS-UC-Client INFORM larger than the 576 bytes a client accepts unless it
//! sends option 57 (RFC 2131 §2). Counted from every option the scope sends the phones: IP
//! and UDP headers, the fixed DHCP header and cookie, options 53 and 54, the end byte, and
//! each configured option with its RFC 3396 instances (docs/audit.md §3).

use ucprov_confgen::findings::DEFAULT_MAX_MESSAGE;
use ucprov_inspect::{Finding, Kind};
use ucprov_wire::options::emitted_len;

use super::Ctx;
use crate::fix::Want;

/// IPv4 20 + UDP 8 + BOOTP header 236 + magic cookie 4 + option 53 (3) + option 54 (6) + end 1.
pub const FIXED: usize = 20 + 8 + 236 + 4 + 3 + 6 + 1;

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &ctx.scopes {
        let ms = s.ms();
        let Some(o43) = ms.option(43) else {
            continue;
        };
        let size = FIXED
            + ms.options
                .values()
                .map(|o| emitted_len(o.bytes.len()))
                .sum::<usize>();
        if size <= DEFAULT_MAX_MESSAGE {
            continue;
        }
        let codes: Vec<String> = ms.options.keys().map(u8::to_string).collect();
        let not_sized = if ms.unsized_settings.is_empty() {
            String::new()
        } else {
            format!(
                ", plus {} option(s) ucprov does not size",
                ms.unsized_settings.len()
            )
        };
        let f = Finding::warning(
            Kind::ReplySize,
            format!(
                "a reply to an MS-UC-Client INFORM in {} is up to {size} bytes (options {}{not_sized}), over the {DEFAULT_MAX_MESSAGE} a client accepts unless it sends option 57 (RFC 2131): servers may leave options out (observed: Kea 2.2 sends the whole reply, dnsmasq 2.90 left option 43 out, ISC dhcpd 4.4.3 left option 120 out). Kea sends only options the phone requests",
                ctx.scope_name(s.scope),
                codes.join(", ")
            ),
        )
        .fix(ctx.fix(Want::Option43));
        let f = ctx.at_setting(f, o43.settings[0]);
        if !out.iter().any(|x: &Finding| x.location == f.location) {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn a_long_profile_overflows_576() {
        let c = kea_with_long_registrar(40);
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(check(&Ctx::new(
            &kea_with(Some(MS_TEST), &good43(), Some(&good120()), ""),
            None
        ))
        .is_empty());
    }
}
