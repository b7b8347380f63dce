//! What `ucprov audit` says a client gets, checked against what dnsmasq 2.90 sends: every
//! dnsmasq file of the corpus (crates/audit/tests/corpus/dnsmasq), its first range moved onto
//! loopback, is served by the real dnsmasq in a fresh namespace and asked by an MS-UC-Client
//! and a PXEClient INFORM; options 43 and 120 on the wire must be the bytes the audit reported
//! for that range (or absent where it reported none). A file audit refuses, dnsmasq refuses too.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod config_interop;

use std::process::Command;
use std::time::Duration;

use config_interop::*;
use serde_json::Value;
use ucprov_testkit::{require_root, require_tool, Netns, Peer};

const RANGE: &str = "dhcp-range=192.168.0.50,192.168.0.150,255.255.255.0,12h";
const LOOPBACK: &str = "dhcp-range=127.0.0.0,static,255.0.0.0";

#[test]
#[ignore = "privileged: needs root, netns and dnsmasq; run by scripts/test-all"]
fn audit_says_what_dnsmasq_sends() {
    require_root();
    let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
    let files = audit_corpus("dnsmasq", |_| true);
    let mut compared = 0;
    for (n, file) in files.iter().enumerate() {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = workdir(&format!("audit-dnsmasq-{stem}"));
        let conf = dir.join("dnsmasq.conf");
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains(RANGE), "{stem}");
        let preamble = format!(
            "port=0\nbind-interfaces\ndhcp-alternate-port=1067,1068\nleasefile-ro\nlog-dhcp\npid-file={}\n",
            dir.join("dnsmasq.pid").display()
        );
        write(
            &conf,
            &format!("{preamble}{}", text.replace(RANGE, LOOPBACK)),
        );
        let audit = Command::new(env!("CARGO_BIN_EXE_ucprov"))
            .args(["audit", "--json"])
            .arg(&conf)
            .output()
            .unwrap();
        let test = Command::new(&dnsmasq)
            .args(["--test", "-C"])
            .arg(&conf)
            .output()
            .unwrap();
        if audit.status.code() == Some(3) {
            assert!(
                !test.status.success(),
                "{stem}: audit refuses what dnsmasq accepts: {}",
                String::from_utf8_lossy(&audit.stderr)
            );
            println!(
                "audit-dnsmasq {stem}: audit and dnsmasq --test both refuse it ({})",
                String::from_utf8_lossy(&test.stderr).trim()
            );
            compared += 1;
            continue;
        }
        assert!(
            test.status.success(),
            "{stem}: dnsmasq --test: {}",
            String::from_utf8_lossy(&test.stderr)
        );
        let doc: Value = serde_json::from_slice(&audit.stdout).unwrap();
        let scope = doc["audits"][0]["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["scope"]
                    .as_str()
                    .is_some_and(|x| x.starts_with("127.0.0.0"))
            })
            .unwrap_or_else(|| panic!("{stem}: no loopback scope in {doc}"))
            .clone();
        let ns = Netns::new("audit-dnsmasq");
        let mut server = ns.command(&dnsmasq);
        server.args(["-k", "--log-facility=-", "-C"]).arg(&conf);
        let mut server = Peer::spawn(server, &format!("audit-dnsmasq-{stem}"));
        server.wait_for_log("DHCP, static leases only", Duration::from_secs(10));
        let (bind, to) = (([127, 0, 0, 1], 1068).into(), ([127, 0, 0, 1], 1067).into());
        let mac = [0x02, 0, 0, 0, 0x46, n as u8];
        let ms = ask(&ns, bind, to, mac, MS_UC_CLIENT);
        let pxe = ask(&ns, bind, to, mac, PXE_CLIENT);
        assert_sends_what_audit_reports(
            ("audit-dnsmasq", "dnsmasq"),
            &stem,
            (&doc["audits"][0], &scope),
            (&ms, &pxe),
        );
        server.assert_running();
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} corpus files compared");
}
