//! Golden files for every target, reviewed by hand against docs/dhcp-servers.md §2-§3, plus
//! the limit findings for long FQDNs. The seed's values are also checked verbatim against the
//! notation strings of docs/dhcp-servers.md §2, so a snapshot cannot silently drift off them.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
use ucprov_confgen::{generate, platform, Request, Scope, Severity, PLATFORMS};
use ucprov_wire::profile::Provisioning;

const SEED_FQDN: &str = "lync.schertz.local";

/// docs/dhcp-servers.md §2, verbatim.
const SEED_43_CONTIGUOUS: &str = "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";
const SEED_43_COLON: &str = "01:0c:4d:53:2d:55:43:2d:43:6c:69:65:6e:74:02:05:68:74:74:70:73:03:12:6c:79:6e:63:2e:73:63:68:65:72:74:7a:2e:6c:6f:63:61:6c:04:03:34:34:33:05:25:2f:43:65:72:74:50:72:6f:76:2f:43:65:72:74:50:72:6f:76:69:73:69:6f:6e:69:6e:67:53:65:72:76:69:63:65:2e:73:76:63";
const SEED_43_CISCO: &str = "010c.4d53.2d55.432d.436c.6965.6e74.0205.6874.7470.7303.126c.796e.632e.7363.6865.7274.7a2e.6c6f.6361.6c04.0334.3433.0525.2f43.6572.7450.726f.762f.4365.7274.5072.6f76.6973.696f.6e69.6e67.5365.7276.6963.652e.7376.63";
const SEED_43_JUNOS: &str = "\"0x01 0x0C 0x4D 0x53 0x2D 0x55 0x43 0x2D 0x43 0x6C 0x69 0x65 0x6E 0x74 0x02 0x05 0x68 0x74 0x74 0x70 0x73 0x03 0x12 0x6C 0x79 0x6E 0x63 0x2E 0x73 0x63 0x68 0x65 0x72 0x74 0x7A 0x2E 0x6C 0x6F 0x63 0x61 0x6C 0x04 0x03 0x34 0x34 0x33 0x05 0x25 0x2F 0x43 0x65 0x72 0x74 0x50 0x72 0x6F 0x76 0x2F 0x43 0x65 0x72 0x74 0x50 0x72 0x6F 0x76 0x69 0x73 0x69 0x6F 0x6E 0x69 0x6E 0x67 0x53 0x65 0x72 0x76 0x69 0x63 0x65 0x2E 0x73 0x76 0x63\"";
const SEED_120_CONTIGUOUS: &str = "00046C796E63077363686572747A056C6F63616C00";
const SEED_120_COLON: &str = "00:04:6c:79:6e:63:07:73:63:68:65:72:74:7a:05:6c:6f:63:61:6c:00";
const SEED_120_CISCO: &str = "0004.6c79.6e63.0773.6368.6572.747a.056c.6f63.616c.00";
const SEED_120_POWERSHELL: &str = "0x00,0x04,0x6C,0x79,0x6E,0x63,0x07,0x73,0x63,0x68,0x65,0x72,0x74,0x7A,0x05,0x6C,0x6F,0x63,0x61,0x6C,0x00";
/// Sub-option 5's value as netsh takes it (docs/dhcp-servers.md §3.6).
const SEED_SUB5_NETSH: &str =
    "2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";

fn config(p: &Provisioning, target: &str, scope: Option<Scope>) -> String {
    let platform = platform::find(target).unwrap();
    let req = Request::new(p, scope, None, None, false).unwrap();
    let out = generate(platform, &req).unwrap();
    out.config
        .unwrap_or_else(|| panic!("{target}: no config: {:?}", out.findings))
}

#[test]
fn every_target_matches_its_golden_file() {
    let p = Provisioning::new(SEED_FQDN, None);
    let scope = Some("10.20.30.0/24".parse().unwrap());
    for platform in PLATFORMS {
        insta::assert_snapshot!(platform.id, config(&p, platform.id, scope));
    }
}

/// Two scopes in one run: every target that has scopes writes its class and definition lines
/// once and its pool or subnet lines per scope; udhcpd, one range per file, refuses.
#[test]
fn two_scopes_match_their_golden_files() {
    let p = Provisioning::new(SEED_FQDN, None);
    let scopes = vec![
        "10.20.30.0/24".parse().unwrap(),
        "10.20.31.0/24".parse().unwrap(),
    ];
    let req = Request::with_scopes(&p, scopes, None, None, false).unwrap();
    let mut report = String::new();
    for platform in PLATFORMS {
        let out = generate(platform, &req).unwrap();
        match out.config {
            Some(text) => {
                // The body, after the header (whose command line names both scopes).
                let body = text.split_once("\n\n").map_or("", |(_, b)| b);
                let per_scope = ["10.20.30.", "10.20.31."].map(|n| body.matches(n).count());
                report.push_str(&format!(
                    "{}: body mentions of 10.20.30.x / 10.20.31.x: {per_scope:?}\n",
                    platform.id
                ));
                // A target without scopes (an interface section, a server id) is the same file.
                if per_scope != [0, 0] {
                    insta::assert_snapshot!(format!("two_scopes_{}", platform.id), text);
                }
            }
            None => report.push_str(&format!(
                "{}: NO CONFIG: {}\n",
                platform.id, out.findings[0].message
            )),
        }
    }
    insta::assert_snapshot!("two_scopes_summary", report);
}

#[test]
fn kea_full_two_scopes_matches_its_golden_file() {
    let p = Provisioning::new(SEED_FQDN, None);
    let scopes = vec![
        "10.20.30.0/24".parse().unwrap(),
        "10.20.31.0/24".parse().unwrap(),
    ];
    let req = Request::with_scopes(&p, scopes, None, Some("eth1".into()), true).unwrap();
    let out = generate(&platform::KEA, &req).unwrap();
    insta::assert_snapshot!("kea_full_two_scopes", out.config.unwrap());
}

#[test]
fn kea_full_matches_its_golden_file() {
    let p = Provisioning::new(SEED_FQDN, None);
    let req = Request::new(
        &p,
        Some("10.20.30.0/24".parse().unwrap()),
        None,
        Some("eth1".into()),
        true,
    )
    .unwrap();
    let out = generate(&platform::KEA, &req).unwrap();
    insta::assert_snapshot!("kea_full", out.config.unwrap());
}

#[test]
fn seed_values_are_the_documented_strings() {
    let p = Provisioning::new(SEED_FQDN, None);
    let expect: &[(&str, &[&str])] = &[
        (
            "windows-netsh",
            &[SEED_120_CONTIGUOUS, SEED_SUB5_NETSH, "\"MS-UC-Client\" 1"],
        ),
        (
            "windows-powershell",
            &[SEED_120_POWERSHELL, "-Type BinaryData"],
        ),
        (
            "isc-dhcpd",
            &[SEED_120_COLON, "\"lync.schertz.local\"", "authoritative;"],
        ),
        (
            "kea",
            &[
                SEED_120_COLON,
                "\"csv-format\": false",
                "\"encapsulate\": \"ms-uc-client\"",
            ],
        ),
        (
            "dnsmasq",
            &[
                &format!("dhcp-option=tag:lync,43,{SEED_43_COLON}\n"),
                &format!("dhcp-option=tag:lync,120,{SEED_120_COLON}\n"),
            ],
        ),
        ("openwrt", &[&format!("'tag:lync,43,{SEED_43_COLON}'")]),
        (
            "udhcpd",
            &[
                &format!("opt 43 {SEED_43_CONTIGUOUS}\n"),
                &format!("opt 120 {SEED_120_CONTIGUOUS}\n"),
            ],
        ),
        (
            "cisco-ios",
            &[
                &format!(" option 43 hex {SEED_43_CISCO}\n"),
                &format!(" option 120 hex {SEED_120_CISCO}\n"),
            ],
        ),
        (
            "cisco-ios-xe",
            &[&format!(" option ext 43 hex {SEED_43_CISCO}\n")],
        ),
        (
            "juniper",
            &[&format!("option 43 byte-stream {SEED_43_JUNOS}\n")],
        ),
        (
            "mikrotik",
            &[
                &format!("value=0x{SEED_43_CONTIGUOUS}\n"),
                &format!("value=0x{SEED_120_CONTIGUOUS}\n"),
            ],
        ),
        (
            "fortigate",
            &[
                &format!("set value \"{SEED_43_CONTIGUOUS}\"\n"),
                "set vci-string \"MS-UC-Client\"",
            ],
        ),
        (
            "huawei",
            &[&format!(" option 43 hex {SEED_43_CONTIGUOUS}\n")],
        ),
        (
            "hpe-comware",
            &[
                &format!(" option 43 hex {SEED_43_CONTIGUOUS}\n"),
                "option 60 ascii \"MS-UC-Client\"",
            ],
        ),
        (
            "aruba-os-switch",
            &[&format!(" option 43 hex {SEED_43_CONTIGUOUS}\n")],
        ),
        (
            "meraki",
            &[&format!("   {SEED_43_CONTIGUOUS}\n"), "Type Hex"],
        ),
        (
            "pfsense",
            &[&format!("   {SEED_43_COLON}\n"), "Type String"],
        ),
    ];
    assert_eq!(expect.len(), PLATFORMS.len(), "every target is checked");
    for (target, needles) in expect {
        let text = config(&p, target, None);
        for needle in *needles {
            assert!(text.contains(needle), "{target} lacks {needle:?}:\n{text}");
        }
    }
}

#[test]
fn every_file_says_how_to_regenerate_it() {
    let p = Provisioning::new(SEED_FQDN, None);
    for platform in PLATFORMS {
        let text = config(&p, platform.id, None);
        let first_lines: Vec<&str> = text.lines().take(2).collect();
        assert!(
            first_lines[1].ends_with(&format!(
                "ucprov config --target {} --sip-server {SEED_FQDN}",
                platform.id
            )),
            "{}: {first_lines:?}",
            platform.id
        );
        assert!(text.contains("Option 43: 85 bytes (170 hex characters)"));
        assert!(text.contains("Option 120: 21 bytes (42 hex characters)"));
    }
}

/// What each target says about a profile: every finding, and whether a config came out.
fn findings_report(p: &Provisioning) -> String {
    let req = Request::new(p, Some("10.20.30.0/24".parse().unwrap()), None, None, false).unwrap();
    let mut report = String::new();
    for platform in PLATFORMS {
        let out = generate(platform, &req).unwrap();
        report.push_str(&format!(
            "{}: {}\n",
            platform.id,
            if out.config.is_some() {
                "config"
            } else {
                "NO CONFIG"
            }
        ));
        for f in out
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
        {
            report.push_str(&format!("  {f}\n"));
        }
    }
    report
}

#[test]
fn findings_for_a_24_character_fqdn() {
    let p = Provisioning::new("lyncpool01.contoso.local", None);
    insta::assert_snapshot!("findings_fqdn24", findings_report(&p));
}

#[test]
fn findings_for_a_200_character_fqdn() {
    let long = format!(
        "{}.{}.{}.pool.com",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63)
    );
    assert_eq!(long.len(), 200);
    let p = Provisioning::new(long, None);
    insta::assert_snapshot!("findings_fqdn200", findings_report(&p));
}
