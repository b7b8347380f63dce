//! What `ucprov audit` says a client gets, checked against what ISC dhcpd 4.4.3 sends: every
//! dhcpd file of the corpus (crates/audit/tests/corpus/isc), its subnet moved onto the test
//! veth pair (dhcpd refuses `lo`), is served by the real dhcpd and asked by an MS-UC-Client
//! and a PXEClient INFORM; options 43 and 120 on the wire must be the bytes the audit reported
//! for that subnet (or absent where it reported none).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod config_interop;

use std::net::SocketAddr;
use std::process::Command;

use config_interop::*;
use serde_json::Value;
use ucprov_testkit::{require_root, require_tool, VethLink};

#[test]
#[ignore = "privileged: needs root, netns and dhcpd (isc-dhcp-server); run by scripts/test-all"]
fn audit_says_what_dhcpd_sends() {
    require_root();
    let dhcpd = require_tool("dhcpd", "isc-dhcp-server");
    let files = audit_corpus("isc", |p| !p.to_string_lossy().contains("debian-"));
    let mut compared = 0;
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = workdir(&format!("audit-isc-{stem}"));
        let conf = dir.join("dhcpd.conf");
        // Onto the veth pair's TEST-NET-1; host names dhcpd would look up at start-up become
        // addresses (the namespace has no DNS); nothing else changes.
        let text = std::fs::read_to_string(file)
            .unwrap()
            .replace(
                "subnet 10.5.5.0 netmask 255.255.255.224",
                "subnet 192.0.2.0 netmask 255.255.255.0",
            )
            .replace("range 10.5.5.26 10.5.5.30", "range 192.0.2.100 192.0.2.120")
            .replace("ns1.example.org, ns2.example.org", "192.0.2.53")
            .replace("ns1.internal.example.org", "192.0.2.53");
        write(&conf, &text);
        let test = Command::new(&dhcpd)
            .args(["-t", "-cf"])
            .arg(&conf)
            .output()
            .unwrap();
        assert!(
            test.status.success(),
            "{stem}: dhcpd -t: {}",
            String::from_utf8_lossy(&test.stderr)
        );
        let audit = Command::new(env!("CARGO_BIN_EXE_ucprov"))
            .args(["audit", "--json"])
            .arg(&conf)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&audit.stdout)
            .unwrap_or_else(|e| panic!("{stem}: {e}: {}", String::from_utf8_lossy(&audit.stderr)));
        let scope = doc["audits"][0]["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scope"] == "192.0.2.0 netmask 255.255.255.0")
            .unwrap_or_else(|| panic!("{stem}: no 192.0.2.0 scope in {doc}"))
            .clone();
        let link = VethLink::new();
        let mut server = spawn_dhcpd(&dhcpd, &link, (&conf, &dir), &format!("audit-isc-{stem}"));
        let bind: SocketAddr = (link.client_ip, 68).into();
        let to: SocketAddr = (link.server_ip, 67).into();
        let ms = ask(&link.client, bind, to, link.client_mac, MS_UC_CLIENT);
        let pxe = ask(&link.client, bind, to, link.client_mac, PXE_CLIENT);
        assert_sends_what_audit_reports(
            ("audit-isc", "dhcpd"),
            &stem,
            (&doc["audits"][0], &scope),
            (&ms, &pxe),
        );
        server.assert_running();
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} corpus files compared");
}
