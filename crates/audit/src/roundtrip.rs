//! Test support for the dialects that read what `ucprov config` writes: random valid
//! profiles and scopes, the configuration confgen generates for them, and the check that the
//! parsed configuration gives an MS-UC-Client device exactly the bytes `encode` computes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use proptest::prelude::*;
use ucprov_confgen::{generate, Platform, Request, Scope};
use ucprov_wire::profile::{ExtraSubOption, Provisioning, Scheme};

use crate::dialect::DialectRow;
use crate::error::AuditError;
use crate::eval::{evaluate, Client};
use crate::model::Config;
use crate::source::{Loader, MemFs};

/// A valid provisioning: a SIP name, a web FQDN (the same or another), any port, scheme and printable
/// path, and up to two site-specific sub-options (in ascending code order).
pub fn arb_provisioning() -> impl Strategy<Value = Provisioning> {
    const FQDN: &str = "[a-z]([a-z0-9-]{0,12}[a-z0-9])?(\\.[a-z]([a-z0-9-]{0,12}[a-z0-9])?){1,3}";
    (
        FQDN,
        proptest::option::of(FQDN),
        1u16..=65535,
        prop_oneof![Just(Scheme::Https), Just(Scheme::Http)],
        "/[!-~]{0,40}",
        proptest::collection::vec(
            (6u8..=254, proptest::collection::vec(any::<u8>(), 1..24)),
            0..3,
        ),
    )
        .prop_map(|(sip, web, port, scheme, path, mut extra)| {
            // Ascending codes: a server that orders sub-options by code (or whose order is not
            // documented, docs/dhcp-servers.md §7.1) then sends exactly the bytes encode computes.
            extra.sort_by_key(|(code, _)| *code);
            let mut p = Provisioning::new(sip, web);
            p.profile.port = port;
            p.profile.scheme = scheme;
            p.profile.path = path;
            for (code, value) in extra {
                if p.profile.extra.iter().all(|e| e.code != code) {
                    p.profile.extra.push(ExtraSubOption { code, value });
                }
            }
            p
        })
}

/// Zero to three distinct /24 scopes in 10.0.0.0/8.
pub fn arb_scopes() -> impl Strategy<Value = Vec<Scope>> {
    proptest::collection::btree_set((0u8..=255, 0u8..=255), 0..4).prop_map(|set| {
        set.into_iter()
            .map(|(a, b)| format!("10.{a}.{b}.0/24").parse().unwrap())
            .collect()
    })
}

/// What confgen writes for `platform`, or `None` when the profile is over its limits.
pub fn generated(
    platform: &'static Platform,
    p: &Provisioning,
    scopes: &[Scope],
) -> Option<String> {
    let req = Request::with_scopes(p, scopes.to_vec(), None, None, false).unwrap();
    generate(platform, &req).unwrap().config
}

/// Parse `text` as the dialect of `row`, as file `name`.
pub fn parse(row: &DialectRow, name: &str, text: &str) -> Result<Config, AuditError> {
    let fs = MemFs::default().with(name, text);
    let mut loader = Loader::new(&fs);
    (row.parse)(&mut loader, name)
}

/// In every scope the configuration serves, an MS-UC-Client device gets exactly the
/// profile's option 43 and option 120, with no conflict left unresolved, and the audit against
/// that profile reports no error.
pub fn assert_receives(config: &Config, p: &Provisioning) {
    let report = crate::audit::audit(config, Some(p));
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == ucprov_inspect::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", config.dialect.id());
    assert_bytes(config, p);
}

/// [`assert_receives`] without the audit: for configurations ucprov does not write as such
/// (RouterOS v6's per-network form is a comment in confgen's output).
pub fn assert_bytes(config: &Config, p: &Provisioning) {
    let rules = config.dialect.assembly();
    let o43 = p.option43().unwrap();
    let o120 = p.option120().unwrap();
    for scope in config.served_scopes() {
        let e = evaluate(config, rules, scope, &Client::ms_uc());
        let name = &config.scopes[scope].name;
        assert!(e.conflicts.is_empty(), "scope {name}: {:?}", e.conflicts);
        assert_eq!(
            e.option(43).map(|a| a.bytes.clone()),
            Some(o43.clone()),
            "scope {name}: option 43"
        );
        assert_eq!(
            e.option(120).map(|a| a.bytes.clone()),
            Some(o120.clone()),
            "scope {name}: option 120"
        );
    }
}
