//! `ucprov config --target kea --full` against Kea 2.2 on loopback in a fresh namespace
//! (docs/peers.md §6.2): checked with `kea-dhcp4 -t`, every profile including the 267-byte
//! option 43 (RFC 3396 split) decodes to the encoded profile, another vendor class gets nothing.

mod config_interop;

use std::time::Duration;

use config_interop::*;
use ucprov_testkit::{require_root, require_tool, Netns, Peer};

#[test]
#[ignore = "privileged: needs root, netns and kea-dhcp4; run by scripts/test-all"]
fn kea_serves_the_generated_config() {
    require_root();
    let kea = require_tool("kea-dhcp4", "kea-dhcp4-server");
    for case in cases() {
        let dir = workdir(&format!("kea-{}", case.name));
        let conf = dir.join("kea-dhcp4.json");
        let out = ucprov_config(
            "kea",
            &case.fqdn,
            &["--full", "--scope", "127.0.0.0/8", "--interface", "lo"],
        );
        // Loopback gets no raw-socket traffic: the one test-only change is UDP sockets
        // (docs/peers.md §6.2).
        let text = generated(&out);
        assert_eq!(text.matches("\"dhcp-socket-type\": \"raw\"").count(), 1);
        write(
            &conf,
            &text.replace(
                "\"dhcp-socket-type\": \"raw\"",
                "\"dhcp-socket-type\": \"udp\"",
            ),
        );
        let env = [
            ("KEA_PIDFILE_DIR", dir.clone()),
            ("KEA_LOCKFILE_DIR", dir.clone()),
        ];
        let mut check = std::process::Command::new(&kea);
        check.arg("-t").arg(&conf).envs(env.clone());
        check_with(check, "kea-dhcp4 -t");

        let ns = Netns::new("kea");
        let mut server = ns.command(&kea);
        server
            .arg("-c")
            .arg(&conf)
            .args(["-p", "1067", "-P", "1068"])
            .envs(env);
        let mut peer = Peer::spawn(server, &format!("config-kea-{}", case.name));
        peer.wait_for_log("DHCP4_STARTED", Duration::from_secs(20));
        let (bind, to) = (([127, 0, 0, 1], 1068).into(), ([127, 0, 0, 1], 1067).into());
        let mac = [0x02, 0, 0, 0, 0, 0x43];
        let p = case.provisioning();
        let seen = assert_provisions(&ask(&ns, bind, to, mac, MS_UC_CLIENT), &p);
        if case.is_long() {
            assert!(
                seen.o43_parts.len() > 1,
                "Kea must split the 267-byte option 43 (RFC 3396)"
            );
        }
        assert_not_provisioned(&ask(&ns, bind, to, mac, OTHER));
        peer.assert_running();
        summary("kea", &case, &seen, "vendor class Other: no 43/120");
    }
}

#[test]
#[ignore = "privileged: needs kea-dhcp4; run by scripts/test-all"]
fn kea_accepts_the_multi_scope_config() {
    let kea = require_tool("kea-dhcp4", "kea-dhcp4-server");
    let dir = workdir("kea-two-scopes");
    let conf = dir.join("kea-dhcp4.json");
    let mut extra = TWO_SCOPES.to_vec();
    extra.extend(["--full", "--interface", "lo"]);
    let text = generated(&ucprov_config("kea", "lync.schertz.local", &extra));
    assert_eq!(text.matches("\"subnet\": ").count(), 2, "{text}");
    assert_eq!(text.matches("\"client-classes\"").count(), 1, "{text}");
    // The same test-only change as above: UDP sockets on loopback.
    write(
        &conf,
        &text.replace(
            "\"dhcp-socket-type\": \"raw\"",
            "\"dhcp-socket-type\": \"udp\"",
        ),
    );
    let mut check = std::process::Command::new(&kea);
    check.arg("-t").arg(&conf).envs([
        ("KEA_PIDFILE_DIR", dir.clone()),
        ("KEA_LOCKFILE_DIR", dir.clone()),
    ]);
    check_with(check, "kea-dhcp4 -t");
    println!(
        "interop kea two scopes: kea-dhcp4 -t accepts 2 subnet4 entries (ids 1, 2), one class"
    );
}
