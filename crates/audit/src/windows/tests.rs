//! The Windows parsers against what `ucprov config` writes (netsh directly; the XML as
//! `Export-DhcpServer` would write it after the PowerShell script ran), and against the dump
//! and export forms of public examples (tests/corpus/windows-*).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use proptest::prelude::*;
use ucprov_confgen::platform;
use ucprov_confgen::Scope;
use ucprov_wire::profile::Provisioning;

use crate::dialect::{detect, Dialect};
use crate::eval::{evaluate, Client, PXE_CLIENT};
use crate::model::{Level, ValueType, DHCP4};
use crate::roundtrip::{arb_provisioning, arb_scopes, assert_receives, generated, parse};

fn row(d: Dialect) -> &'static crate::dialect::DialectRow {
    d.row().unwrap()
}

/// The `Export-DhcpServer` XML of a server after ucprov's PowerShell script ran on it: every
/// Add/Set line becomes the element the export writes for it (test-only; the script's own
/// syntax stays in confgen).
fn export_of(ps: &str, scopes: &[Scope]) -> String {
    let arg = |line: &str, name: &str| -> Option<String> {
        let at = line.find(&format!("-{name} "))? + name.len() + 2;
        let rest = &line[at..];
        Some(match rest.strip_prefix('"') {
            Some(q) => q[..q.find('"').unwrap()].to_string(),
            None => rest.split_whitespace().next().unwrap().to_string(),
        })
    };
    let (mut classes, mut defs, mut server) = (String::new(), String::new(), String::new());
    let mut per_scope = vec![String::new(); scopes.len()];
    for line in ps.lines().map(str::trim) {
        if line.starts_with("Add-DhcpServerv4Class") {
            let data: String = arg(line, "Data")
                .unwrap()
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect();
            classes += &format!(
                "      <Class>\n        <Name>{}</Name>\n        <Type>Vendor</Type>\n        <Data>0x{data}</Data>\n        <Description>{}</Description>\n      </Class>\n",
                arg(line, "Name").unwrap(),
                arg(line, "Description").unwrap()
            );
        } else if line.starts_with("Add-DhcpServerv4OptionDefinition") {
            defs += &format!(
                "      <OptionDefinition>\n        <Name>{}</Name>\n        <OptionId>{}</OptionId>\n        <Type>{}</Type>\n        <MultiValued>false</MultiValued>\n        <VendorClass>{}</VendorClass>\n      </OptionDefinition>\n",
                arg(line, "Name").unwrap(),
                arg(line, "OptionId").unwrap(),
                arg(line, "Type").unwrap(),
                arg(line, "VendorClass").unwrap_or_default()
            );
        } else if line.starts_with("Set-DhcpServerv4OptionValue") {
            let values: String = arg(line, "Value")
                .unwrap()
                .split(',')
                .map(|v| format!("<Value>{v}</Value>"))
                .collect();
            let v = format!(
                "          <OptionValue>\n            <OptionId>{}</OptionId>\n            {values}\n            <VendorClass>{}</VendorClass>\n            <UserClass />\n          </OptionValue>\n",
                arg(line, "OptionId").unwrap(),
                arg(line, "VendorClass").unwrap_or_default()
            );
            match arg(line, "ScopeId") {
                Some(id) => {
                    let i = scopes
                        .iter()
                        .position(|s| s.network.to_string() == id)
                        .unwrap();
                    per_scope[i] += &v;
                }
                None => server += &v,
            }
        }
    }
    let scopes_xml: String = scopes
        .iter()
        .zip(&per_scope)
        .map(|(s, v)| {
            format!(
                "      <Scope>\n        <ScopeId>{}</ScopeId>\n        <Name>phones</Name>\n        <SubnetMask>{}</SubnetMask>\n        <StartRange>{}</StartRange>\n        <EndRange>{}</EndRange>\n        <OptionValues>\n{v}        </OptionValues>\n      </Scope>\n",
                s.network,
                s.netmask(),
                s.lease_start(),
                s.last_host()
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DHCPServer xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <MajorVersion>10</MajorVersion>\n  <IPv4>\n    <Classes>\n{classes}    </Classes>\n    <OptionDefinitions>\n{defs}    </OptionDefinitions>\n    <OptionValues>\n{server}    </OptionValues>\n    <Scopes>\n{scopes_xml}    </Scopes>\n  </IPv4>\n</DHCPServer>\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn netsh_output_gives_exactly_the_encoded_bytes(p in arb_provisioning(), scopes in arb_scopes()) {
        let text = generated(&platform::WINDOWS_NETSH, &p, &scopes).unwrap();
        prop_assert_eq!(detect("x.cmd", &text).unwrap(), Dialect::WindowsNetsh);
        let config = parse(row(Dialect::WindowsNetsh), "/x.cmd", &text).unwrap();
        prop_assert_eq!(config.served_scopes().len(), scopes.len().max(1));
        assert_receives(&config, &p);
    }

    #[test]
    fn exported_powershell_result_gives_exactly_the_encoded_bytes(p in arb_provisioning(), scopes in arb_scopes()) {
        let ps = generated(&platform::WINDOWS_POWERSHELL, &p, &scopes).unwrap();
        let xml = export_of(&ps, &scopes);
        prop_assert_eq!(detect("x.xml", &xml).unwrap(), Dialect::WindowsXml);
        let config = parse(row(Dialect::WindowsXml), "/x.xml", &xml).unwrap();
        assert_receives(&config, &p);
    }
}

fn seed() -> Provisioning {
    Provisioning::new("lync.schertz.local", None)
}

#[test]
fn values_are_typed_and_located_at_their_line() {
    let text = generated(
        &platform::WINDOWS_NETSH,
        &seed(),
        &["10.20.30.0/24".parse().unwrap()],
    )
    .unwrap();
    let config = parse(row(Dialect::WindowsNetsh), "/s.cmd", &text).unwrap();
    let sub4 = config
        .settings
        .iter()
        .find(|s| s.value.code == 4 && s.value.space != DHCP4)
        .unwrap();
    assert_eq!(sub4.value.declared, ValueType::Binary);
    assert_eq!(sub4.level, Level::Subnet);
    let line = text.lines().nth(sub4.value.at.line as usize - 1).unwrap();
    assert!(
        line.contains("set optionvalue 4 Binary vendor=MSUCClient 343433"),
        "{line}"
    );
    assert_eq!(sub4.value.name.as_deref(), Some("WebServerPort"));
}

#[test]
fn a_dump_with_a_string_port_and_scope_wide_43_reads_as_windows_would_send_it() {
    // The dump form (Dhcp Server \\HOST …, hex class data with b), a String sub-option 4 and
    // a plain option 43 for the whole scope: PXE clients get that one, the phones their class's.
    let dump = r#"
# ==============================================================
#  Add Class
Dhcp Server \\dhcp01 Add Class "MSUCClient" "UC Vendor Class Id" 4d532d55432d436c69656e74 1 b
Dhcp Server \\dhcp01 Add Optiondef 1 "UCIdentifier" BINARY 0 vendor="MSUCClient" comment="UC Identifier"
Dhcp Server \\dhcp01 Add Optiondef 4 "WebServerPort" STRING 0 vendor="MSUCClient" comment="Web Server Port" ""
Dhcp Server \\dhcp01 add scope 10.20.30.0 255.255.255.0 "Voice" ""
Dhcp Server \\dhcp01 Scope 10.20.30.0 set state 1
Dhcp Server \\dhcp01 Scope 10.20.30.0 Add iprange 10.20.30.10 10.20.30.200
Dhcp Server \\dhcp01 Scope 10.20.30.0 set optionvalue 43 BINARY "010203"
Dhcp Server \\dhcp01 set optionvalue 1 BINARY vendor="MSUCClient" "4d532d55432d436c69656e74"
Dhcp Server \\dhcp01 Scope 10.20.30.0 set optionvalue 4 STRING vendor="MSUCClient" "443"
"#;
    let config = parse(row(Dialect::WindowsNetsh), "/dump.txt", dump).unwrap();
    let scope = config.served_scopes()[0];
    let rules = config.dialect.assembly();
    let ms = evaluate(&config, rules, scope, &Client::ms_uc());
    let o43 = ms.option(43).unwrap();
    // String adds Windows' terminating NUL: the port arrives as "443\0".
    assert_eq!(o43.bytes, b"\x01\x0cMS-UC-Client\x04\x04443\x00".to_vec());
    let port = config.settings.iter().find(|s| s.value.code == 4).unwrap();
    assert_eq!(
        (port.value.declared.clone(), port.value.at.line),
        (ValueType::Text, 12)
    );
    let pxe = Client {
        label: PXE_CLIENT.into(),
        vendor_class: Some(PXE_CLIENT.as_bytes().to_vec()),
    };
    assert_eq!(
        evaluate(&config, rules, scope, &pxe)
            .option(43)
            .unwrap()
            .bytes,
        vec![1, 2, 3]
    );
}

#[test]
fn unknown_commands_and_policies_are_errors_at_their_line() {
    for (text, line, needle) in [
        (
            "netsh dhcp server add class A \"c\" \"d\" 1\nnetsh dhcp server frobnicate x\n",
            2,
            "frobnicate",
        ),
        (
            "Dhcp Server \\\\h v4 add policy P 1 1 \"\" 1\n",
            1,
            "policies",
        ),
        (
            "netsh dhcp server set optionvalue 1 BINARY vendor=Nope 00\n",
            1,
            "\"Nope\" is not defined",
        ),
        (
            "netsh dhcp server set optionvalue 300 BINARY 00\n",
            1,
            "not an option code",
        ),
        (
            "netsh dhcp server set optionvalue 4 WORD 70000\n",
            1,
            "2-byte",
        ),
    ] {
        let e = parse(row(Dialect::WindowsNetsh), "/e.cmd", text).unwrap_err();
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
}

#[test]
fn xml_errors_name_their_line() {
    let e = parse(
        row(Dialect::WindowsXml),
        "/e.xml",
        "<DHCPServer><IPv4>\n<Classes>\n</IPv4>",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    let policy = "<DHCPServer>\n<IPv4>\n<Policies>\n<Policy><Name>p</Name></Policy>\n</Policies>\n</IPv4>\n</DHCPServer>";
    let e = parse(row(Dialect::WindowsXml), "/p.xml", policy).unwrap_err();
    assert_eq!(
        (e.line, e.kind),
        (Some(4), crate::ErrorKind::Unsupported),
        "{e}"
    );
    let undefined = "<DHCPServer>\n<IPv4>\n<OptionValues>\n<OptionValue><OptionId>120</OptionId><Value>0x00</Value></OptionValue>\n</OptionValues>\n</IPv4>\n</DHCPServer>";
    let e = parse(row(Dialect::WindowsXml), "/u.xml", undefined).unwrap_err();
    assert!(e.to_string().contains("no definition"), "{e}");
    assert_eq!(e.line, Some(4));
}
