//! The Cisco parser against what `ucprov config --target cisco-ios|cisco-ios-xe` writes, and
//! IOS's own behaviours: pool inheritance, the 180-digit cut, `option ext` lines joined.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use proptest::prelude::*;
use ucprov_confgen::platform;
use ucprov_wire::profile::Provisioning;

use crate::dialect::{detect, Dialect};
use crate::eval::{evaluate, Client};
use crate::model::ValueType;
use crate::roundtrip::{arb_provisioning, arb_scopes, assert_receives, generated, parse};

fn ios() -> &'static crate::dialect::DialectRow {
    Dialect::CiscoIos.row().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ios_and_ios_xe_output_gives_exactly_the_encoded_bytes(p in arb_provisioning(), scopes in arb_scopes()) {
        for (target, dialect) in [(&platform::CISCO_IOS, Dialect::CiscoIos), (&platform::CISCO_IOS_XE, Dialect::CiscoIosXe)] {
            // cisco-ios refuses a profile over its 180-digit limit: nothing to audit then.
            let Some(text) = generated(target, &p, &scopes) else { continue };
            prop_assert_eq!(detect("r.cfg", &text).unwrap(), Dialect::CiscoIos);
            let config = parse(ios(), "/r.cfg", &text).unwrap();
            prop_assert_eq!(config.dialect, dialect);
            prop_assert_eq!(config.served_scopes().len(), scopes.len().max(1));
            assert_receives(&config, &p);
        }
    }
}

fn ms_43(config: &crate::model::Config, scope: usize) -> Option<Vec<u8>> {
    evaluate(config, config.dialect.assembly(), scope, &Client::ms_uc())
        .option(43)
        .map(|a| a.bytes.clone())
}

#[test]
fn long_hex_is_cut_at_180_digits_from_15_1_on() {
    let p = Provisioning::new("lyncpool01.contoso.local", None);
    let hex: String = p
        .option43()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex.len(), 182);
    for (version, kept) in [("15.2", 90), ("12.4", 91)] {
        let text = format!("version {version}\n!\nip dhcp pool VOICE\n network 10.0.0.0 255.255.255.0\n option 43 hex {hex}\n!\nend\n");
        let config = parse(ios(), "/r.cfg", &text).unwrap();
        let scope = config.served_scopes()[0];
        assert_eq!(
            ms_43(&config, scope).unwrap().len(),
            kept,
            "version {version}"
        );
        assert_eq!(config.settings[0].value.at.line, 5);
    }
}

#[test]
fn host_pools_inherit_and_win_and_ext_lines_join() {
    let text = "\
ip dhcp pool DATA
 network 10.0.0.0 255.255.0.0
 option 43 ascii \"wide\"
 option 120 hex 0004.6c79.6e63.00
ip dhcp pool PHONE1
 host 10.0.1.5 255.255.0.0
 option ext 43 hex 0102
 option ext 43 hex 0304
interface Vlan20
 ip address 10.0.0.1 255.255.0.0
";
    let config = parse(ios(), "/r.cfg", text).unwrap();
    assert_eq!(config.dialect, Dialect::CiscoIosXe);
    let host = config
        .scopes
        .iter()
        .position(|s| s.name.contains("host 10.0.1.5"))
        .unwrap();
    let net = config
        .scopes
        .iter()
        .position(|s| s.name.contains("10.0.0.0/16"))
        .unwrap();
    assert_eq!(config.scopes[host].parent, Some(net));
    assert_eq!(ms_43(&config, host).unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(ms_43(&config, net).unwrap(), b"wide".to_vec());
    let wide = config
        .settings
        .iter()
        .find(|s| s.value.raw.contains("wide"))
        .unwrap();
    assert_eq!(
        (wide.value.declared.clone(), wide.value.at.line),
        (ValueType::Text, 3)
    );
    let e = evaluate(&config, config.dialect.assembly(), host, &Client::ms_uc());
    assert_eq!(
        e.option(120).unwrap().bytes,
        vec![0, 4, b'l', b'y', b'n', b'c', 0]
    );
}

#[test]
fn unknown_pool_commands_and_bad_values_are_errors_at_their_line() {
    for (text, line, needle) in [
        (
            "ip dhcp pool A\n network 10.0.0.0 255.0.0.0\n frobnicate 1\n",
            3,
            "frobnicate",
        ),
        ("ip dhcp pool A\n import all\n", 2, "import all"),
        ("ip dhcp pool A\n option 43 hex 0g\n", 2, "not hex"),
        (
            "ip dhcp pool A\n option 43 base64 AA==\n",
            2,
            "not hex, ascii or ip",
        ),
        ("ip dhcp pool A\n network ten\n", 2, "network ADDRESS MASK"),
    ] {
        let e = parse(ios(), "/e.cfg", text).unwrap_err();
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
}
