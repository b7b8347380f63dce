//! `ucprov config --target isc-dhcpd` against ISC dhcpd 4.4.3 on a veth pair (it refuses `lo`;
//! docs/peers.md §6.3): checked with `dhcpd -t -cf`, every profile including the 267-byte
//! option 43 (RFC 3396 split) decodes to the encoded profile, another vendor class gets nothing.

mod config_interop;

use std::net::SocketAddr;

use config_interop::*;
use ucprov_testkit::{require_root, require_tool, VethLink};

#[test]
#[ignore = "privileged: needs root, netns and dhcpd (isc-dhcp-server); run by scripts/test-all"]
fn isc_dhcpd_serves_the_generated_config() {
    require_root();
    let dhcpd = require_tool("dhcpd", "isc-dhcp-server");
    for case in cases() {
        let dir = workdir(&format!("isc-{}", case.name));
        let conf = dir.join("dhcpd.conf");
        let out = ucprov_config("isc-dhcpd", &case.fqdn, &["--scope", "192.0.2.0/24"]);
        write(&conf, &generated(&out));
        let mut check = std::process::Command::new(&dhcpd);
        check.args(["-t", "-cf"]).arg(&conf);
        check_with(check, "dhcpd -t -cf");

        let link = VethLink::new();
        let mut peer = spawn_dhcpd(
            &dhcpd,
            &link,
            (&conf, &dir),
            &format!("config-isc-{}", case.name),
        );
        let bind: SocketAddr = (link.client_ip, 68).into();
        let to: SocketAddr = (link.server_ip, 67).into();
        let p = case.provisioning();
        let mut note = String::new();
        if case.is_long() {
            // Without option 57 a client takes 576 bytes (RFC 2131); dhcpd then leaves 120 out,
            // and ucprov's output warns about exactly that.
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("over the 576 a client accepts unless it sends option 57"),
                "{stderr}"
            );
            let reply = ask(&link.client, bind, to, link.client_mac, MS_UC_CLIENT);
            let size = assert_only_option43(&reply, &p);
            note = format!("asked with option 57 = 1500 (without it: {size} byte datagram, option 43 whole, option 120 left out, as warned); ");
        }
        let max_size = case.is_long().then_some(MAX_SIZE_1500);
        let reply = ask_with(
            &link.client,
            bind,
            to,
            link.client_mac,
            MS_UC_CLIENT,
            max_size,
        );
        let seen = assert_provisions(&reply, &p);
        if case.is_long() {
            assert!(
                seen.o43_parts.len() > 1,
                "dhcpd must split the 267-byte option 43 (RFC 3396)"
            );
        }
        assert_not_provisioned(&ask(&link.client, bind, to, link.client_mac, OTHER));
        peer.assert_running();
        summary(
            "isc-dhcpd",
            &case,
            &seen,
            &format!("{note}vendor class Other: no 43/120"),
        );
    }
}

#[test]
#[ignore = "privileged: needs dhcpd (isc-dhcp-server); run by scripts/test-all"]
fn isc_dhcpd_accepts_the_multi_scope_config() {
    let dhcpd = require_tool("dhcpd", "isc-dhcp-server");
    let dir = workdir("isc-two-scopes");
    let conf = dir.join("dhcpd.conf");
    let text = generated(&ucprov_config(
        "isc-dhcpd",
        "lync.schertz.local",
        &TWO_SCOPES,
    ));
    assert_eq!(text.matches("\nsubnet ").count(), 2, "{text}");
    assert_eq!(text.matches("\nclass ").count(), 1, "{text}");
    write(&conf, &text);
    let mut check = std::process::Command::new(&dhcpd);
    check.args(["-t", "-cf"]).arg(&conf);
    check_with(check, "dhcpd -t -cf");
    println!("interop isc-dhcpd two scopes: dhcpd -t accepts 2 subnets, one class");
}
