//! Property: for random valid profiles, `audit` of what `ucprov config` writes for Kea, ISC
//! dhcpd and dnsmasq reports no error, and MS-UC-Client devices get exactly the bytes
//! `encode` computes (Provisioning::option43 / option120).

use proptest::prelude::*;
use ucprov_audit::source::MemFs;
use ucprov_audit::{audit, read, Dialect};
use ucprov_confgen::{generate, platform, Platform, Request, Scope};
use ucprov_wire::profile::{ExtraSubOption, Provisioning, Scheme};
use ucprov_wire::sip_servers::{Compression, SipServers};

fn fqdn() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z][a-z0-9-]{0,8}[a-z0-9]", 2..4).prop_map(|l| l.join("."))
}

fn profile() -> impl Strategy<Value = Provisioning> {
    (
        proptest::collection::vec(fqdn(), 1..3),
        proptest::option::of(fqdn()),
        any::<bool>(),
        1u16..=65535,
        "/[A-Za-z0-9/._-]{0,30}",
        proptest::collection::btree_map(
            6u8..=254,
            proptest::collection::vec(any::<u8>(), 1..12),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(sips, web, http, port, path, extra, compress)| {
            let mut p = Provisioning::new(sips[0].clone(), web);
            p.sip_servers = SipServers::Names(sips);
            if http {
                p.profile.scheme = Scheme::Http;
            }
            p.profile.port = port;
            p.profile.path = path;
            // Kea and dhcpd write sub-options in code order, so extras come in code order.
            p.profile.extra = extra
                .into_iter()
                .filter(|(c, _)| *c != 255)
                .map(|(code, value)| ExtraSubOption { code, value })
                .collect();
            p.compression = if compress {
                Compression::On
            } else {
                Compression::Off
            };
            p
        })
        .prop_filter("valid", |p| p.validate().is_ok())
}

fn check(
    platform: &'static Platform,
    dialect: Dialect,
    p: &Provisioning,
) -> Result<(), TestCaseError> {
    let scope: Scope = "10.20.0.0/24"
        .parse()
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
    let full = platform.full_config;
    let interface = full.then(|| "eth1".to_string());
    let req = Request::new(p, Some(scope), None, interface, full)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let out = generate(platform, &req).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let Some(text) = out.config else {
        // The platform cannot carry this profile (dnsmasq over 255 bytes): confgen says so.
        return Ok(());
    };
    let fs = MemFs::default().with("/conf", text.clone());
    let config =
        read(&fs, "/conf", None).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(config.dialect, dialect);
    let report = audit(&config, Some(p));
    let errors: Vec<_> = report.findings.iter().filter(|f| f.is_error()).collect();
    prop_assert!(errors.is_empty(), "{:#?}\n{}", errors, text);
    prop_assert!(!report.scopes.is_empty());
    let o43 = p
        .option43()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let o120 = p
        .option120()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let hex = |b: &[u8]| ucprov_wire::hex::HexStyle::CONTIGUOUS.format(b);
    for s in &report.scopes {
        prop_assert_eq!(
            s.option43.as_ref().map(|o| o.hex.clone()),
            Some(hex(&o43)),
            "{}",
            text
        );
        prop_assert_eq!(
            s.option120.as_ref().map(|o| o.hex.clone()),
            Some(hex(&o120)),
            "{}",
            text
        );
        // The phones' class reaches no PXE client and no client without option 60.
        for other in &s.others {
            if other.client.starts_with("PXEClient") || other.client == "no option 60" {
                prop_assert!(other.option43.is_none(), "{:?}", other);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn kea_output_audits_clean(p in profile()) {
        check(&platform::KEA, Dialect::Kea, &p)?;
    }

    #[test]
    fn isc_output_audits_clean(p in profile()) {
        check(&platform::ISC_DHCPD, Dialect::Isc, &p)?;
    }

    #[test]
    fn dnsmasq_output_audits_clean(p in profile()) {
        check(&platform::DNSMASQ, Dialect::Dnsmasq, &p)?;
    }
}
