//! `ucprov probe --interface veth-cli` against `ucprov serve` across a veth link: the phone's
//! broadcast INFORM, the responder's unicast ACK to port 68, the chain and TLS all pass. Then
//! a second, misconfigured responder on the same link is reported as a second server with a
//! conflict finding.

mod common;
mod lab;
mod netlab;

use std::time::Duration;

use lab::{SIP, WEB};
use netlab::{assert_passes, stdout, ucprov_bin, Pool};
use ucprov_testkit::Peer;

fn responder(pool: &Pool, name: &str, web: &str, server_id: &str) -> Peer {
    let mut cmd = pool.link.server.command(ucprov_bin());
    cmd.args(["serve", "--sip-server", SIP, "--web-server", web])
        .args([
            "--interface",
            &pool.link.server_if,
            "--server-id",
            server_id,
        ]);
    let mut peer = Peer::spawn(cmd, name);
    peer.wait_for_log("DHCPINFORM responder listening", Duration::from_secs(20));
    peer
}

#[test]
#[ignore = "privileged: needs root, netns and ucprov serve; run by scripts/test-all"]
fn probe_passes_against_ucprov_serve_across_a_veth_link() {
    let pool = Pool::start("serve");
    let mut serve = responder(&pool, "probe-serve-responder", WEB, "192.0.2.1");
    let out = pool.probe(&[]);
    assert_passes(&out);
    let text = stdout(&out);
    assert!(
        text.contains("broadcast on veth-cli")
            && text.contains("from 192.0.2.10 (02:00:00:00:00:10)"),
        "{text}"
    );
    assert!(
        text.contains("[1] DHCP                PASS  1 server answered"),
        "{text}"
    );
    assert!(
        text.contains("server 192.0.2.1 (from 192.0.2.1:67): DHCPACK"),
        "{text}"
    );
    serve.assert_running();
}

#[test]
#[ignore = "privileged: needs root, netns and ucprov serve; run by scripts/test-all"]
fn two_servers_answering_differently_are_reported_as_two_with_a_finding() {
    let pool = Pool::start("two");
    let _good = responder(&pool, "probe-two-good", WEB, "192.0.2.1");
    // Same link, SO_REUSEADDR: both get the broadcast; the rogue says another web server.
    let _rogue = responder(&pool, "probe-two-rogue", "rogue.lab.test", "192.0.2.2");
    let out = pool.probe(&[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(13), "{text}");
    assert!(
        text.contains("[1] DHCP                PASS  2 servers answered"),
        "{text}"
    );
    assert!(
        text.contains("server 192.0.2.1 (from 192.0.2.1:67)"),
        "{text}"
    );
    assert!(
        text.contains("server 192.0.2.2 (from 192.0.2.1:67)"),
        "{text}"
    );
    assert!(
        text.contains("answer differently: option 43 sub-option 3 (WebServerFqdn):"),
        "{text}"
    );
    assert!(text.contains("rogue.lab.test"), "{text}");
    assert!(
        text.contains("Result: FAIL at step 2 (Options 43 and 120), exit 13"),
        "{text}"
    );
}
