//! Option 120 holding an IP address: typed as an address, written as one, or encoded with
//! RFC 3361 encoding 1. Lync / Skype for Business devices need the registrar's name (TLS
//! checks it), so this is an error at the configuration line.

use std::net::Ipv4Addr;

use ucprov_inspect::{Finding, Kind};
use ucprov_wire::sip_servers::ENCODING_ADDRESSES;

use super::Ctx;
use crate::fix::Want;
use crate::model::ValueType;

/// `192.0.2.10` or `192.0.2.10, 192.0.2.11`, with an optional leading encoding field (`1,`).
fn addresses(raw: &str) -> bool {
    let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
    let rest = match fields.first() {
        Some(&"1") if fields.len() > 1 => &fields[1..],
        _ => &fields[..],
    };
    !rest.is_empty() && rest.iter().all(|f| f.parse::<Ipv4Addr>().is_ok())
}

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for s in &ctx.scopes {
        let Some(o120) = s.ms().option(120) else {
            continue;
        };
        let setting = o120.settings[0];
        if seen.contains(&setting) {
            continue;
        }
        let v = &ctx.config.settings[setting].value;
        if v.declared == ValueType::Ipv4
            || addresses(&v.raw)
            || o120.bytes.first() == Some(&ENCODING_ADDRESSES)
        {
            seen.push(setting);
            let f = Finding::error(
                Kind::UnusableSipServer,
                format!("option 120 holds an IP address ({:?}): Lync / Skype for Business devices need the registrar's FQDN, because TLS checks the name", v.raw),
            )
            .field("option 120")
            .fix(ctx.fix(Want::Option120));
            out.push(ctx.at_setting(f, setting));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn addresses_in_any_form_are_found() {
        assert!(addresses("192.0.2.10") && addresses("1, 192.0.2.10, 192.0.2.11"));
        assert!(!addresses("0, lync.example.com") && !addresses("00:04:6c"));
        let c = kea_with(Some(MS_TEST), &good43(), Some("01:c0:00:02:0a"), "");
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(6));
    }
}
