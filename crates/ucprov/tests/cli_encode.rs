//! `ucprov encode`: DHCPUtil's values byte for byte, every output form, and clear errors.

mod common;

use common::{ucprov, SEED_120, SEED_43, SUSPICIOUS};

#[test]
fn table_reproduces_the_article() {
    let r = ucprov(&["encode", "--sip-server", "lync.schertz.local"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(SEED_43));
    assert!(r.stdout.contains(SEED_120));
    assert!(r.stdout.contains("85 bytes (0x55), 170 hex characters"));
    insta::assert_snapshot!("encode_table_seed", r.stdout);
}

#[test]
fn hex_format_in_every_style() {
    let seed = [
        "encode",
        "--sip-server",
        "lync.schertz.local",
        "--format",
        "hex",
    ];
    let r = ucprov(&seed);
    assert_eq!(r.stdout, format!("43 {SEED_43}\n120 {SEED_120}\n"));
    let mut outputs = String::new();
    for style in [
        "colon",
        "spaced",
        "cisco",
        "junos",
        "powershell",
        "c-escape",
    ] {
        let mut args = seed.to_vec();
        args.extend(["--hex-style", style]);
        let r = ucprov(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        outputs.push_str(&format!("[{style}]\n{}", r.stdout));
    }
    // Values from docs/dhcp-servers.md §2, checked in the snapshot by hand.
    assert!(outputs.contains("010c.4d53.2d55.432d.436c.6965.6e74.0205"));
    assert!(outputs.contains("\\x01\\x0cMS-UC-Client\\x02\\x05https\\x03\\x12lync.schertz.local\\x04\\x03443\\x05%/CertProv"));
    insta::assert_snapshot!("encode_hex_styles", outputs);
}

#[test]
fn json_carries_every_fact() {
    let r = ucprov(&[
        "encode",
        "--sip-server",
        "lync.schertz.local",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["option43"]["hex"], SEED_43);
    assert_eq!(v["option43"]["length"], 85);
    assert_eq!(v["option120"]["hex"], SEED_120);
    assert_eq!(v["suboptions"][3]["ascii"], "443");
    assert_eq!(
        v["provisioning_url"],
        "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc"
    );
    insta::assert_snapshot!("encode_json_seed", r.stdout);
}

#[test]
fn dhcputil_output_is_reproduced() {
    let r = ucprov(&[
        "encode",
        "--sip-server",
        "lync.schertz.local",
        "--format",
        "dhcputil",
    ]);
    assert_eq!(r.code, 0);
    assert!(r
        .stdout
        .starts_with("SIP Server FQDN : lync.schertz.local\nCertificate Provisioning Service URL : https://lync.schertz.local:443/CertProv/CertProvisioningService.svc\n\nOption 120:\n00046C796E63077363686572747A056C6F63616C00\n\nVendor Class Identifier: MS-UC-Client\nOption 43 (for vendor=MS-UC-Client):\n        Full Option 43 value (Length: 170) :\n"));
    assert!(r.stdout.contains("        sub-option 4 <Port>: 343433\n"));
    insta::assert_snapshot!("encode_dhcputil_seed", r.stdout);
}

#[test]
fn dhcputil_format_refuses_what_dhcputil_cannot_do() {
    let r = ucprov(&[
        "encode",
        "--sip-server",
        "a.example",
        "--sip-server",
        "b.example",
        "--format",
        "dhcputil",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("exactly one --sip-server"),
        "{}",
        r.stderr
    );
}

#[test]
fn web_server_differs_from_sip_server() {
    let r = ucprov(&[
        "encode",
        "--sip-server",
        "pool.contoso.com",
        "--web-server",
        "webint.contoso.com",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["suboptions"][2]["ascii"], "webint.contoso.com");
    assert_eq!(v["sip_servers"]["servers"][0], "pool.contoso.com");
}

#[test]
fn limits_are_warned_about() {
    // 24 characters: one past what fits in Cisco's 180 hex characters.
    let r = ucprov(&["encode", "--sip-server", "lyncpool01.contoso.local"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("182 hex characters"));
    assert!(r
        .stdout
        .contains("Cisco IOS 15.1(3)S and later silently truncate"));
    // 23 characters fits.
    let r = ucprov(&["encode", "--sip-server", "lyncpool1.contoso.local"]);
    assert!(!r.stdout.contains("Cisco IOS"));
    // Past 255 bytes: RFC 3396.
    let label = "a".repeat(49);
    let fqdn = format!("{label}.{label}.{label}.{label}.local");
    let r = ucprov(&["encode", "--sip-server", &fqdn]);
    assert_eq!(r.code, 0);
    let expected = format!("option 43 is {} bytes", 67 + fqdn.len());
    assert!(r.stdout.contains(&expected), "{}", r.stdout);
    assert!(r.stdout.contains("RFC 3396"));
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code() {
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["encode", "--sip-server", "lync_pool.contoso.com"],
            1,
            "option 43: sub-option 3 (WebServerFqdn) \"lync_pool.contoso.com\": '_' at character 4 is not allowed",
        ),
        (
            &["encode", "--sip-server", "a.example", "--port", "65536"],
            1,
            "--port: sub-option 4 (WebServerPort) value \"65536\": the port must be 1-65535",
        ),
        (
            &["encode", "--sip-server", "a.example", "--path", "/Cërt"],
            1,
            "sub-option 5 (CertProvRelPath): byte 2 of the value is 0xC3, not printable ASCII",
        ),
        (
            &["encode", "--sip-server", "a.example", "--sub", "10"],
            2,
            "--sub \"10\": expected CODE=TEXT or CODE=0xHEX",
        ),
        (&["encode"], 2, "--sip-server <FQDN>"),
        (
            &["encode", "--sip-server", "a.example", "--scheme", "ftp"],
            2,
            "invalid value 'ftp'",
        ),
    ];
    for (args, code, needle) in cases {
        let r = ucprov(args);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(
            r.stdout.is_empty(),
            "{args:?} printed a result: {}",
            r.stdout
        );
    }
}

fn with(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(extra).copied().collect()
}

#[test]
fn suspicious_inputs_warn_in_every_format_and_fail_with_strict() {
    for &(args, flag, phrase) in SUSPICIOUS {
        let want = format!("{flag}: {phrase}");
        let r = ucprov(&with(&["encode"], args));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stdout.matches(&want).count(),
            1,
            "{args:?}: once under Warnings: {}",
            r.stdout
        );
        let section = r.stdout.split("\nWarnings:\n").nth(1).unwrap_or_default();
        assert!(
            section.contains(&format!("  - {want}")),
            "{args:?}: {}",
            r.stdout
        );

        let r = ucprov(&with(&with(&["encode"], args), &["--format", "json"]));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let hits = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| {
                w.as_str()
                    .is_some_and(|w| w.starts_with(&want) && w.contains("(fix: "))
            })
            .count();
        assert_eq!(hits, 1, "{args:?}: {}", v["warnings"]);

        let r = ucprov(&with(&with(&["encode"], args), &["--format", "hex"]));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("ucprov: warning: {want}")),
            "{args:?}: {}",
            r.stderr
        );

        let r = ucprov(&with(&with(&["encode"], args), &["--strict"]));
        assert_eq!(r.code, 1, "{args:?} --strict: {}", r.stdout);
        assert!(r.stdout.is_empty(), "{args:?} --strict: {}", r.stdout);
        assert!(
            r.stderr.contains(&format!("ucprov: error: {want}")),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("--strict: "), "{}", r.stderr);
    }
}

#[test]
fn the_seed_has_no_input_warning_and_passes_strict() {
    for extra in [
        &[][..],
        &["--web-server", "webpool.contoso.com", "--port", "4443"][..],
    ] {
        let seed = [
            "encode",
            "--sip-server",
            "lync.schertz.local",
            "--strict",
            "--format",
            "json",
        ];
        let r = ucprov(&with(&seed, extra));
        assert_eq!(r.code, 0, "{extra:?}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let suspicious = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w.as_str().is_some_and(|w| w.contains("(fix: ")))
            .count();
        assert_eq!(suspicious, 0, "{}", v["warnings"]);
    }
}

#[test]
fn ipv6_literals_are_already_errors_of_the_codec() {
    for args in [
        &["--sip-server", "2001:db8::1"][..],
        &["--sip-server", "[2001:db8::1]"][..],
        &[
            "--sip-server",
            "pool.contoso.com",
            "--web-server",
            "2001:db8::1",
        ][..],
    ] {
        let r = ucprov(&with(&["encode"], args));
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(
            r.stderr.contains("is an IPv6 address, not a host name"),
            "{args:?}: {}",
            r.stderr
        );
    }
}
