//! `ucprov config --target dnsmasq` against dnsmasq 2.90 on loopback in a fresh namespace
//! (docs/peers.md §6.1): checked with `dnsmasq --test`, answered INFORM decodes to the
//! encoded profile, another vendor class gets nothing, and the 200-character FQDN is refused by
//! ucprov exactly where dnsmasq itself refuses it.

mod config_interop;

use std::time::Duration;

use config_interop::*;
use ucprov_testkit::{require_root, require_tool, Netns, Peer};
use ucprov_wire::hex::HexStyle;

/// Test-only lines: no DNS, alternate ports so nothing real is touched, no lease file.
fn preamble(dir: &std::path::Path) -> String {
    format!(
        "port=0\nbind-interfaces\ndhcp-alternate-port=1067,1068\nleasefile-ro\nlog-dhcp\npid-file={}\n",
        dir.join("dnsmasq.pid").display()
    )
}

#[test]
#[ignore = "privileged: needs root, netns and dnsmasq; run by scripts/test-all"]
fn dnsmasq_serves_the_generated_config() {
    require_root();
    let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
    for case in cases() {
        let dir = workdir(&format!("dnsmasq-{}", case.name));
        let conf = dir.join("dnsmasq.conf");
        let out = ucprov_config(
            "dnsmasq",
            &case.fqdn,
            &["--scope", "127.0.0.0/8", "--interface", "lo"],
        );
        let p = case.provisioning();
        if case.is_long() {
            assert_refused(&out, "dnsmasq");
            // The refusal mirrors dnsmasq's own: the raw 43 line it would need fails its checker.
            let line = format!(
                "dhcp-option=43,{}\n",
                HexStyle::COLON.format(&p.option43().unwrap())
            );
            write(&conf, &format!("{}{line}", preamble(&dir)));
            let check = std::process::Command::new(&dnsmasq)
                .args(["--test", "-C"])
                .arg(&conf)
                .output()
                .unwrap();
            assert!(
                !check.status.success(),
                "dnsmasq accepted a 267-byte option"
            );
            assert!(String::from_utf8_lossy(&check.stderr).contains("dhcp-option too long"));
            println!("interop dnsmasq {}: ucprov refuses (limit finding); dnsmasq --test agrees: \"dhcp-option too long\"", case.name);
            continue;
        }
        write(&conf, &format!("{}{}", preamble(&dir), generated(&out)));
        let mut check = std::process::Command::new(&dnsmasq);
        check.args(["--test", "-C"]).arg(&conf);
        check_with(check, "dnsmasq --test");

        let ns = Netns::new("dnsmasq");
        let mut server = ns.command(&dnsmasq);
        server.args(["-k", "--log-facility=-", "-C"]).arg(&conf);
        let mut peer = Peer::spawn(server, &format!("config-dnsmasq-{}", case.name));
        peer.wait_for_log("DHCP, static leases only", Duration::from_secs(10));
        let (bind, to) = (([127, 0, 0, 1], 1068).into(), ([127, 0, 0, 1], 1067).into());
        let mac = [0x02, 0, 0, 0, 0, 0x42];
        let seen = assert_provisions(&ask(&ns, bind, to, mac, MS_UC_CLIENT), &p);
        assert_not_provisioned(&ask(&ns, bind, to, mac, OTHER));
        peer.assert_running();
        summary("dnsmasq", &case, &seen, "vendor class Other: no 43/120");
    }
}

#[test]
#[ignore = "privileged: needs dnsmasq; run by scripts/test-all"]
fn dnsmasq_accepts_the_multi_scope_config() {
    let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
    let dir = workdir("dnsmasq-two-scopes");
    let conf = dir.join("dnsmasq.conf");
    let mut extra = TWO_SCOPES.to_vec();
    extra.extend(["--interface", "lo"]);
    let text = generated(&ucprov_config("dnsmasq", "lync.schertz.local", &extra));
    assert_eq!(text.matches("\ndhcp-range=").count(), 2, "{text}");
    assert_eq!(text.matches("\ndhcp-vendorclass=").count(), 1, "{text}");
    write(&conf, &format!("{}{text}", preamble(&dir)));
    let mut check = std::process::Command::new(&dnsmasq);
    check.args(["--test", "-C"]).arg(&conf);
    check_with(check, "dnsmasq --test");
    println!(
        "interop dnsmasq two scopes: dnsmasq --test accepts 2 dhcp-range lines, one vendor class"
    );
}
