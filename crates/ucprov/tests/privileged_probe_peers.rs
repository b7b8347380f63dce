//! `ucprov probe --interface veth-cli` against real DHCP servers configured by `ucprov config`
//! (dnsmasq 2.90 and Kea 2.2), with the root chain served by `ucprov serve --no-dhcp`: the
//! probe finds the values `ucprov config` was given, whatever order and compression each
//! server uses, and every step passes.

mod common;
mod lab;
mod netlab;

use std::process::Command;
use std::time::Duration;

use lab::{SIP, WEB};
use netlab::{assert_passes, stdout, ucprov_bin, Pool};
use ucprov_testkit::{require_tool, Peer};

fn config(target: &str, pool: &Pool, extra: &[&str]) -> String {
    let out = Command::new(ucprov_bin())
        .args([
            "config",
            "--target",
            target,
            "--sip-server",
            SIP,
            "--web-server",
            WEB,
        ])
        .args([
            "--scope",
            "192.0.2.0/24",
            "--interface",
            &pool.link.server_if,
        ])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("run ucprov config: {e}"));
    assert!(
        out.status.success(),
        "ucprov config --target {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "privileged: needs root, netns and dnsmasq; run by scripts/test-all"]
fn probe_passes_against_dnsmasq_configured_by_ucprov_config() {
    let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
    let pool = Pool::start("dnsmasq");
    let conf = pool.state.join("dnsmasq.conf");
    // Test-only lines: no DNS, no lease file, logs to stdout.
    let preamble = format!(
        "port=0\nleasefile-ro\nlog-dhcp\npid-file={}\n",
        pool.state.join("dnsmasq.pid").display()
    );
    std::fs::write(&conf, preamble + &config("dnsmasq", &pool, &[])).unwrap();
    let mut cmd = pool.link.server.command(&dnsmasq);
    cmd.args(["-k", "--log-facility=-", "-C"]).arg(&conf);
    let mut peer = Peer::spawn(cmd, "probe-dnsmasq");
    peer.wait_for_log("DHCP, static leases only", Duration::from_secs(20));
    let out = pool.probe(&[]);
    assert_passes(&out);
    assert!(
        stdout(&out).contains("server 192.0.2.1 (from 192.0.2.1:67): DHCPACK"),
        "{}",
        stdout(&out)
    );
    peer.assert_running();
}

#[test]
#[ignore = "privileged: needs root, netns and kea-dhcp4; run by scripts/test-all"]
fn probe_passes_against_kea_configured_by_ucprov_config() {
    let kea = require_tool("kea-dhcp4", "kea-dhcp4-server");
    let pool = Pool::start("kea");
    let conf = pool.state.join("kea-dhcp4.json");
    std::fs::write(&conf, config("kea", &pool, &["--full"])).unwrap();
    let mut cmd = pool.link.server.command(&kea);
    cmd.arg("-c")
        .arg(&conf)
        .env("KEA_PIDFILE_DIR", &pool.state)
        .env("KEA_LOCKFILE_DIR", &pool.state);
    let mut peer = Peer::spawn(cmd, "probe-kea");
    peer.wait_for_log("DHCP4_STARTED", Duration::from_secs(30));
    let out = pool.probe(&[]);
    assert_passes(&out);
    peer.assert_running();
}
