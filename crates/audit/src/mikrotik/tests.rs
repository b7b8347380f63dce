//! The RouterOS parser against what `ucprov config --target mikrotik` writes, the v6 form
//! (options per network), and RouterOS's value notation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use proptest::prelude::*;
use ucprov_confgen::platform;

use crate::dialect::{detect, Dialect};
use crate::eval::{evaluate, Client};
use crate::mikrotik::value;
use crate::model::ValueType;
use crate::roundtrip::{
    arb_provisioning, arb_scopes, assert_bytes, assert_receives, generated, parse,
};

fn row() -> &'static crate::dialect::DialectRow {
    Dialect::Mikrotik.row().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn routeros_output_gives_exactly_the_encoded_bytes(p in arb_provisioning(), scopes in arb_scopes()) {
        let text = generated(&platform::MIKROTIK, &p, &scopes).unwrap();
        prop_assert_eq!(detect("x.rsc", &text).unwrap(), Dialect::Mikrotik);
        let config = parse(row(), "/x.rsc", &text).unwrap();
        assert_receives(&config, &p);
        // The v6 form: the network lines confgen leaves as comments, uncommented.
        let v6: String = text
            .lines()
            .filter(|l| !l.contains("/ip dhcp-server matcher") && !l.contains("matching-type"))
            .map(|l| l.strip_prefix("# /ip dhcp-server network set [find address=").map_or_else(
                || l.to_string(),
                |rest| {
                    let (addr, opts) = rest.split_once("] ").unwrap();
                    format!("/ip dhcp-server network\nadd address={addr} {opts}")
                },
            ))
            .collect::<Vec<_>>()
            .join("\n");
        let config = parse(row(), "/v6.rsc", &v6).unwrap();
        prop_assert_eq!(config.served_scopes().len(), scopes.len().max(1));
        // Network-wide options are unscoped by design (the audit says so): bytes only.
        assert_bytes(&config, &p);
    }
}

#[test]
fn values_follow_routeros_notation() {
    assert_eq!(
        value("0x0004'lync'0x00").unwrap(),
        (b"\x00\x04lync\x00".to_vec(), ValueType::Binary)
    );
    assert_eq!(
        value("'MS-UC-Client'").unwrap(),
        (b"MS-UC-Client".to_vec(), ValueType::Text)
    );
    assert_eq!(value("s'443'").unwrap().0, b"443".to_vec());
    assert!(value("443").unwrap_err().0.contains("v6 and v7"));
    assert!(
        value("$(NETWORK_GATEWAY)").unwrap_err().1,
        "a variable is unsupported, not a syntax error"
    );
    assert!(value("0x123").is_err());
}

#[test]
fn continuations_join_and_errors_name_the_first_line() {
    let text = "# by RouterOS 7.12\n/ip dhcp-server option\nadd code=43 name=o43 value=\\\n    0x0102\nadd code=120 name=o120 value=0x0004\n/ip dhcp-server network\nadd address=10.0.0.0/24 dhcp-option=o43,o120 gateway=10.0.0.1\n";
    let config = parse(row(), "/c.rsc", text).unwrap();
    let scope = config.served_scopes()[0];
    let e = evaluate(&config, config.dialect.assembly(), scope, &Client::ms_uc());
    assert_eq!(e.option(43).unwrap().bytes, vec![1, 2]);
    assert_eq!(config.settings[0].value.at.line, 3);
    for (text, line, needle) in [
        (
            "/ip dhcp-server network\nadd address=10.0.0.0/24 dhcp-option=nope\n",
            2,
            "\"nope\" is not defined",
        ),
        (
            "/ip dhcp-server matcher\nadd code=77 value=x option-set=s name=m\n",
            2,
            "option 60 matchers only",
        ),
        (
            "/ip dhcp-server option\nadd code=43 name=a value=443\n",
            2,
            "v6 and v7",
        ),
        ("/ip dhcp-server option\nremove numbers=0\n", 2, "remove"),
        (
            "/ip dhcp-server option\nadd code=43 name=\"a value=0x01\n",
            2,
            "unclosed",
        ),
    ] {
        let e = parse(row(), "/e.rsc", text).unwrap_err();
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
}
