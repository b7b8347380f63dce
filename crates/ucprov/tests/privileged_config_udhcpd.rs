//! `ucprov config --target udhcpd` against busybox udhcpd on a veth pair (raw L2 replies to
//! chaddr; docs/peers.md §6.4). udhcpd has no config checker and no vendor-class matching:
//! the test proves the "every client gets it" note as well as the bytes.

mod config_interop;

use std::net::SocketAddr;
use std::time::Duration;

use config_interop::*;
use ucprov_testkit::{require_root, require_tool, Peer, VethLink};
use ucprov_wire::message::Packet;

#[test]
#[ignore = "privileged: needs root, netns and busybox (udhcpd applet); run by scripts/test-all"]
fn udhcpd_serves_the_generated_config() {
    require_root();
    let busybox = require_tool("busybox", "busybox");
    for case in cases() {
        let out = ucprov_config(
            "udhcpd",
            &case.fqdn,
            &["--scope", "192.0.2.0/24", "--interface", "veth-srv"],
        );
        if case.is_long() {
            assert_refused(&out, "udhcpd");
            println!("interop udhcpd {}: ucprov refuses (limit finding: udhcpd takes at most 255 bytes per option)", case.name);
            continue;
        }
        let dir = workdir(&format!("udhcpd-{}", case.name));
        let conf = dir.join("udhcpd.conf");
        // Test-only lines: keep udhcpd's files in the scratch directory.
        let files = format!(
            "lease_file {}\npidfile {}\n",
            dir.join("udhcpd.leases").display(),
            dir.join("udhcpd.pid").display()
        );
        write(&conf, &format!("{}{files}", generated(&out)));

        let link = VethLink::new();
        assert_eq!(link.server_if, "veth-srv");
        let mut server = link.server.command(&busybox);
        server.args(["udhcpd", "-f"]).arg(&conf);
        let mut peer = Peer::spawn(server, &format!("config-udhcpd-{}", case.name));
        peer.wait_for_log("started", Duration::from_secs(10));
        let bind: SocketAddr = (link.client_ip, 68).into();
        let to: SocketAddr = (link.server_ip, 67).into();
        let p = case.provisioning();
        let seen = assert_provisions(
            &ask(&link.client, bind, to, link.client_mac, MS_UC_CLIENT),
            &p,
        );
        let other = ask(&link.client, bind, to, link.client_mac, OTHER);
        let other_has_43 = Packet::new_checked(&other.bytes[..])
            .unwrap()
            .options()
            .unwrap()
            .contains(43);
        assert!(
            other_has_43,
            "udhcpd was expected to send option 43 to every client (no VCI matching)"
        );
        peer.assert_running();
        summary(
            "udhcpd",
            &case,
            &seen,
            "vendor class Other: gets 43 too (no VCI, as the output warns)",
        );
    }
}
