//! `ucprov pcap` on real captures: `ucprov serve` answers an INFORM across a veth pair in
//! namespaces the tests create, tcpdump records it on the client side, and the report must name
//! the client, the server, option 43's URL and option 120's registrar, and count the same DHCP
//! frames as tshark.
//!
//! Root, tcpdump and tshark are required: a missing one fails the test with the package to
//! install.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ucprov_testkit::{artifacts_dir, exchange, inform_request, require_tool, Peer, VethLink};

/// Only a bound against a hung test; no assertion depends on it.
const SAFETY: Duration = Duration::from_secs(30);

const LYNC: &str = "[default]\nsip_servers = [\"lync.schertz.local\"]\n";
const URL: &str = "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc";

fn serve(link: &VethLink, name: &str) -> Peer {
    common::serve_in(&link.server, name, LYNC)
}

/// Poll a peer's log without asserting it still runs: tcpdump is meant to exit on its own.
fn wait_for(peer: &Peer, needle: &str) {
    let start = Instant::now();
    while start.elapsed() < SAFETY {
        if peer.log().contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("log never said {needle:?}:\n{}", peer.log());
}

/// Capture two frames (the INFORM and the ACK) with tcpdump in the client namespace, on
/// `interface` or else the client's veth, while a DHCPINFORM is exchanged with `ucprov serve`.
fn capture_exchange(name: &str, interface: Option<&str>) -> (VethLink, PathBuf) {
    let tcpdump = require_tool("tcpdump", "tcpdump");
    let link = VethLink::new();
    let _server = serve(&link, &format!("{name}-serve"));
    let pcap = artifacts_dir().join(format!("{name}.pcap"));
    let _ = std::fs::remove_file(&pcap);
    let interface = interface.unwrap_or(&link.client_if).to_string();
    let mut command = link.client.command(tcpdump);
    // -U writes each packet as it comes; -Z root keeps write access to the artifacts folder.
    command
        .args(["-n", "-U", "-Z", "root", "-c", "2", "-i", &interface, "-w"])
        .arg(&pcap)
        .args(["udp port 67 or udp port 68"]);
    let capture = Peer::spawn(command, &format!("{name}-tcpdump"));
    wait_for(&capture, "listening on");
    let request = inform_request(
        0x7063_6170,
        link.client_ip,
        link.client_mac,
        Some(b"MS-UC-Client"),
        &[1, 6, 43, 120],
    );
    let bind = SocketAddr::V4(SocketAddrV4::new(link.client_ip, 68));
    let to = SocketAddr::V4(SocketAddrV4::new(link.server_ip, 67));
    let replies = link
        .client
        .run(move || exchange(bind, to, &request, Duration::from_secs(2)));
    assert_eq!(replies.len(), 1, "ucprov serve answers the INFORM once");
    wait_for(&capture, "2 packets captured");
    (link, pcap)
}

fn ucprov_pcap(pcap: &Path) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(["pcap", "--json", "--strict"])
        .arg(pcap)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

/// Frames tshark decodes as DHCP.
fn tshark_dhcp_frames(pcap: &Path) -> Vec<u64> {
    let out = std::process::Command::new(require_tool("tshark", "tshark"))
        .arg("-r")
        .arg(pcap)
        .args(["-Y", "dhcp", "-T", "fields", "-e", "frame.number"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

fn assert_report(name: &str, link: &VethLink, pcap: &Path, link_type: &str) {
    let report = ucprov_pcap(pcap);
    std::fs::write(
        artifacts_dir().join(format!("{name}.json")),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
    assert_eq!(report["summary"]["link_types"][0], link_type, "{report:#}");
    let clients = report["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1, "{report:#}");
    let c = &clients[0];
    assert_eq!(c["mac"], "02:00:00:00:00:10");
    assert_eq!(c["vendor_classes"][0], "MS-UC-Client");
    assert_eq!(c["servers"][0], link.server_ip.to_string());
    assert_eq!(c["provisioning_url"], URL);
    assert_eq!(c["registrars"][0], "lync.schertz.local");
    assert_eq!(c["verdict"], "provisioned", "{report:#}");
    let reply = &c["exchanges"][0]["replies"][0];
    assert_eq!(reply["seen"]["dst"], "192.0.2.10:68");
    assert_eq!(reply["server_id"], "192.0.2.1");

    let ours: Vec<u64> = c["exchanges"][0]["request"]["seen"]["frame"]
        .as_u64()
        .into_iter()
        .chain(reply["seen"]["frame"].as_u64())
        .collect();
    assert_eq!(report["summary"]["dhcp_messages"], 2);
    assert_eq!(
        tshark_dhcp_frames(pcap),
        ours,
        "tshark sees the same DHCP frames"
    );
}

#[test]
#[ignore = "privileged: needs root, netns, tcpdump; run by scripts/test-all"]
fn tcpdump_capture_of_serve_on_ethernet() {
    let (link, pcap) = capture_exchange("pcap-ethernet", None);
    assert_report("pcap-ethernet", &link, &pcap, "Ethernet");
}

#[test]
#[ignore = "privileged: needs root, netns, tcpdump; run by scripts/test-all"]
fn tcpdump_capture_of_serve_on_any_interface_is_linux_cooked() {
    // `-i any` records Linux cooked headers (SLL2 with libpcap 1.10, SLL before it).
    let (link, pcap) = capture_exchange("pcap-any", Some("any"));
    let report = ucprov_pcap(&pcap);
    let kind = report["summary"]["link_types"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with("Linux cooked"), "{report:#}");
    assert_report("pcap-any", &link, &pcap, &kind);
}
