//! `ucprov serve` against real clients across a veth pair in namespaces the tests create:
//! dhcpcd, dhcping and nmap get correct answers, tshark finds the exchange clean, broadcast and
//! relayed INFORMs are answered, and every silence holds on the wire.
//!
//! Root and the peers are required: a missing one fails the test with the package to install.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::path::PathBuf;
use std::process::Output;
use std::sync::Mutex;
use std::time::Duration;
use ucprov_testkit::http_get;

use ucprov_testkit::{artifacts_dir, require_tool, Peer, VethLink};
use ucprov_wire::message::DhcpMessage;
use ucprov_wire::profile::Provisioning;
use ucprov_wire::{SipServers, VendorOptions};

/// Only a bound against a hung test; no assertion depends on it.
const SAFETY: Duration = Duration::from_secs(30);

const LYNC: &str = "[default]\nsip_servers = [\"lync.schertz.local\"]\n";
/// dhcping and nmap cannot send option 60, nor ask for 120: the lab knobs let them see it all.
const LAB: &str = "always_send = true\n[vendor_class]\nmatch = \"any\"\n[default]\nsip_servers = [\"lync.schertz.local\"]\n";

/// dhcpcd keeps per-interface state under /run/dhcpcd and every link names its client
/// interface alike, so two dhcpcd runs at once could collide.
static DHCPCD: Mutex<()> = Mutex::new(());

fn expected_43() -> Vec<u8> {
    Provisioning::new("lync.schertz.local", None)
        .option43()
        .unwrap()
}

fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Start `ucprov serve` in the server namespace with `config`; its log is an artifact.
fn serve(link: &VethLink, name: &str, config: &str) -> Peer {
    common::serve_in(&link.server, name, config)
}

fn keep(name: &str, out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(artifacts_dir().join(format!("{name}.out")), &text).unwrap();
    text
}

fn inform(xid: u32, ciaddr: Ipv4Addr, mac: [u8; 6]) -> DhcpMessage {
    ucprov_testkit::inform_message(xid, ciaddr, mac, Some(b"MS-UC-Client"), &[1, 6, 43, 120])
}

/// A UDP socket in the client namespace.
fn client_socket(link: &VethLink, addr: SocketAddrV4) -> UdpSocket {
    let socket = link.client.run(|| UdpSocket::bind(addr).unwrap());
    socket.set_broadcast(true).unwrap();
    socket.set_read_timeout(Some(SAFETY)).unwrap();
    socket
}

fn recv(socket: &UdpSocket) -> (DhcpMessage, SocketAddr) {
    let mut buf = [0u8; 2048];
    let (n, from) = socket
        .recv_from(&mut buf)
        .expect("a reply within the safety bound");
    (DhcpMessage::parse(&buf[..n]).unwrap(), from)
}

fn web_fqdn(reply: &DhcpMessage) -> Vec<u8> {
    VendorOptions::parse(reply.option(43).expect("option 43"))
        .get(3)
        .expect("sub-option 3")
        .value
        .clone()
}

#[test]
#[ignore = "privileged: needs root, netns and dhcpcd; run by scripts/test-all"]
fn dhcpcd_inform_gets_the_sip_server_name_and_option_43() {
    let dhcpcd = require_tool("dhcpcd", "dhcpcd-base");
    let link = VethLink::new();
    let mut server = serve(&link, "serve-dhcpcd", LYNC);
    let out = run_dhcpcd(&link, &dhcpcd);
    let text = keep("dhcpcd-inform", &out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("new_dhcp_message_type='5'"), "{text}");
    assert!(
        text.contains("new_dhcp_server_identifier='192.0.2.1'"),
        "{text}"
    );
    assert!(
        text.contains("new_sip_server='lync.schertz.local'"),
        "{text}"
    );
    let want = format!(
        "new_vendor_encapsulated_options='{}'",
        hex(&expected_43(), "")
    );
    assert!(text.contains(&want), "{want}\n{text}");
    // The log line is written after the send, so wait for it rather than race it.
    server.wait_for_log(
        "answered DHCPINFORM mac=02:00:00:00:00:10 ciaddr=192.0.2.10",
        SAFETY,
    );
}

/// dhcpcd in test mode (-T): sends a real INFORM for the configured address (-s), prints the
/// reply's variables, touches nothing. The config asks for 43 and 120.
fn run_dhcpcd(link: &VethLink, dhcpcd: &std::path::Path) -> Output {
    // dhcpcd refuses a config path with `..` in it (artifacts_dir() may have one).
    let dir = std::fs::canonicalize(artifacts_dir()).unwrap();
    let conf = dir.join("dhcpcd-inform.conf");
    std::fs::write(&conf, "option vendor_encapsulated_options, sip_server\n").unwrap();
    let _one_at_a_time = DHCPCD.lock().unwrap_or_else(|p| p.into_inner());
    link.client
        .command(dhcpcd)
        .arg("-f")
        .arg(&conf)
        .args(["-4", "-T", "-1", "-t", "20", "-s", "192.0.2.10/24"])
        .args(["-i", "MS-UC-Client", &link.client_if])
        .output()
        .unwrap()
}

#[test]
#[ignore = "privileged: needs root, netns and dhcping; run by scripts/test-all"]
fn dhcping_inform_is_answered_with_43_and_120_on_the_wire() {
    let dhcping = require_tool("dhcping", "dhcping");
    let link = VethLink::new();
    let _server = serve(&link, "serve-dhcping", LAB);
    let mac = link
        .client_mac
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    let out = link
        .client
        .command(dhcping)
        .args([
            "-i",
            "-c",
            "192.0.2.10",
            "-s",
            "192.0.2.1",
            "-h",
            &mac,
            "-V",
        ])
        .output()
        .unwrap();
    let text = keep("dhcping", &out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Got answer from: 192.0.2.1"), "{text}");
    assert!(text.contains("DHCP message type: 5 (DHCPACK)"), "{text}");
    assert!(text.contains("option 43"), "{text}");
    assert!(text.contains("option 120"), "{text}");
    // dhcping dumps the reply as hex, 16 bytes a line; rejoin it and look for both options.
    let dump = text
        .lines()
        .filter(|l| {
            !l.trim().is_empty()
                && l.split_whitespace()
                    .all(|w| w.len() == 2 && w.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let dump = dump.split_whitespace().collect::<Vec<_>>().join(" ");
    let o43 = expected_43();
    let want43 = format!("2b {:02x} {}", o43.len(), hex(&o43, " "));
    assert!(dump.contains(&want43), "{want43}\n{dump}");
    let o120 = Provisioning::new("lync.schertz.local", None)
        .option120()
        .unwrap();
    let want120 = format!("78 {:02x} {}", o120.len(), hex(&o120, " "));
    assert!(dump.contains(&want120), "{want120}\n{dump}");
}

#[test]
#[ignore = "privileged: needs root, netns and nmap; run by scripts/test-all"]
fn nmap_dhcp_discover_prints_our_option_43() {
    let nmap = require_tool("nmap", "nmap");
    let link = VethLink::new();
    let _server = serve(&link, "serve-nmap", LAB);
    let out = link
        .client
        .command(nmap)
        .args(["-n", "-Pn", "-sU", "-p", "67", "--script", "dhcp-discover"])
        .args(["-e", &link.client_if, "192.0.2.1"])
        .output()
        .unwrap();
    let text = keep("nmap-dhcp-discover", &out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("DHCP Message Type: DHCPACK"), "{text}");
    assert!(text.contains("Server Identifier: 192.0.2.1"), "{text}");
    // nmap shows option 43 as an escaped string: every sub-option's code, length and value.
    let want = "Vendor Specific Information: \\x01\\x0CMS-UC-Client\\x02\\x05https\\x03\\x12lync.schertz.local\\x04\\x03443\\x05%/CertProv/CertProvisioningService.svc";
    assert!(text.contains(want), "{text}");
}

fn tshark(args: &[&str]) -> String {
    let out = std::process::Command::new(require_tool("tshark", "tshark"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "privileged: needs root, netns, tshark and dhcpcd; run by scripts/test-all"]
fn tshark_finds_the_exchange_clean_and_shows_our_options() {
    let tshark_bin = require_tool("tshark", "tshark");
    let dhcpcd = require_tool("dhcpcd", "dhcpcd-base");
    let link = VethLink::new();
    let _server = serve(&link, "serve-tshark", LYNC);
    let pcap: PathBuf = artifacts_dir().join("serve-exchange.pcap");
    let _ = std::fs::remove_file(&pcap);
    // Three frames: dhcpcd's INFORM, our ACK, then a truncated DHCP datagram that proves the
    // oracle does flag malformed packets.
    let mut capture = link.server.command(tshark_bin);
    capture
        .args([
            "-i",
            &link.server_if,
            "-f",
            "udp port 67 or udp port 68",
            "-c",
            "3",
            "-w",
        ])
        .arg(&pcap);
    let mut capture = Peer::spawn(capture, "tshark-capture");
    capture.wait_for_log("Capturing on", SAFETY);
    let out = run_dhcpcd(&link, &dhcpcd);
    assert!(out.status.success(), "{}", keep("dhcpcd-tshark", &out));
    let control = client_socket(&link, SocketAddrV4::new(link.client_ip, 68));
    let truncated = inform(9, link.client_ip, link.client_mac)
        .to_bytes()
        .unwrap();
    control
        .send_to(&truncated[..100], (link.server_ip, 67))
        .unwrap();
    capture.wait_for_log("3 packets captured", SAFETY);
    let pcap = pcap.to_str().unwrap();

    let flagged = tshark(&[
        "-r",
        pcap,
        "-Y",
        "_ws.malformed || _ws.expert",
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]);
    assert_eq!(
        flagged.split_whitespace().collect::<Vec<_>>(),
        vec!["3"],
        "only the control frame is malformed"
    );

    let fields = tshark(&[
        "-r",
        pcap,
        "-Y",
        "dhcp.option.dhcp == 5",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "dhcp.option.type",
        "-e",
        "dhcp.option.value",
        "-e",
        "dhcp.option.sip_server.name",
        "-e",
        "dhcp.ip.your",
        "-e",
        "udp.dstport",
    ]);
    let row: Vec<&str> = fields.trim().split('|').collect();
    assert_eq!(row.len(), 5, "{fields}");
    assert!(row[0].starts_with("53,54,43,120"), "{fields}");
    let values: Vec<&str> = row[1].split(',').collect();
    assert_eq!(values[2], hex(&expected_43(), ""), "{fields}");
    assert_eq!(row[2], "lync.schertz.local");
    assert_eq!(row[3], "0.0.0.0");
    assert_eq!(row[4], "68");

    let verbose = tshark(&["-r", pcap, "-V", "-Y", "dhcp.option.dhcp == 5"]);
    std::fs::write(artifacts_dir().join("serve-exchange.txt"), &verbose).unwrap();
    assert!(verbose.contains("Option: (120) SIP Servers"), "{verbose}");
    assert!(
        verbose.contains("SIP Server Name: lync.schertz.local"),
        "{verbose}"
    );
    assert!(
        verbose.contains("Option: (43) Vendor-Specific Information"),
        "{verbose}"
    );
    assert!(!verbose.contains("Option: (51)"), "no lease time");
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn a_broadcast_inform_across_the_veth_is_answered_unicast() {
    let link = VethLink::new();
    let mut server = serve(&link, "serve-broadcast", LYNC);
    let client = client_socket(&link, SocketAddrV4::new(link.client_ip, 68));
    let request = inform(0xB0AD, link.client_ip, link.client_mac);
    client
        .send_to(&request.to_bytes().unwrap(), (Ipv4Addr::BROADCAST, 67))
        .unwrap();
    let (reply, from) = recv(&client);
    assert_eq!(reply.xid, 0xB0AD);
    assert_eq!(from, SocketAddr::from((link.server_ip, 67)));
    assert_eq!(reply.option(54), Some(&link.server_ip.octets()[..]));
    assert_eq!(web_fqdn(&reply), b"lync.schertz.local");
    server.wait_for_log("to=192.0.2.10:68 decision=\"ack\"", SAFETY);
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn a_relayed_inform_is_answered_to_the_relay_with_the_sites_profile() {
    let link = VethLink::new();
    let config = format!(
        "{LYNC}[[site]]\nname = \"branch\"\nrelays = [\"192.0.2.20\"]\nsip_servers = [\"pool-b.contoso.com\"]\nweb_server = \"web-b.contoso.com\"\n"
    );
    let _server = serve(&link, "serve-relay", &config);
    // The relay agent is a second address on the client side, talking server port to port.
    let relay_ip = Ipv4Addr::new(192, 0, 2, 20);
    link.client
        .ip(&["addr", "add", "192.0.2.20/24", "dev", &link.client_if]);
    let relay = client_socket(&link, SocketAddrV4::new(relay_ip, 67));
    let mut request = inform(0x4E1A, Ipv4Addr::new(10, 9, 3, 4), [2, 0, 0, 0, 0, 0x77]);
    request.giaddr = relay_ip;
    request.hops = 1;
    relay
        .send_to(&request.to_bytes().unwrap(), (link.server_ip, 67))
        .unwrap();
    let (reply, from) = recv(&relay);
    assert_eq!(from, SocketAddr::from((link.server_ip, 67)));
    assert_eq!(reply.xid, 0x4E1A);
    assert_eq!(reply.giaddr, relay_ip);
    assert_eq!(reply.ciaddr, Ipv4Addr::new(10, 9, 3, 4));
    assert_eq!(web_fqdn(&reply), b"web-b.contoso.com");
    assert_eq!(
        SipServers::parse(reply.option(120).unwrap()).unwrap(),
        SipServers::Names(vec!["pool-b.contoso.com".into()])
    );
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn every_silence_holds_on_the_wire_and_is_counted() {
    let link = VethLink::new();
    let config = format!("admin = \"127.0.0.1:9167\"\n{LYNC}");
    let _server = serve(&link, "serve-silence", &config);
    let client = client_socket(&link, SocketAddrV4::new(link.client_ip, 68));
    let to = (link.server_ip, 67);
    let base = || inform(1, link.client_ip, link.client_mac);
    let with = |f: &dyn Fn(&mut DhcpMessage)| {
        let mut m = base();
        f(&mut m);
        m.to_bytes().unwrap()
    };
    let set_type = |t: u8| move |m: &mut DhcpMessage| m.options[0].1 = vec![t];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("discover", with(&set_type(1))),
        ("request", with(&set_type(3))),
        ("decline", with(&set_type(4))),
        ("release", with(&set_type(7))),
        ("bootreply", with(&|m| m.op = 2)),
        (
            "rogue_detection",
            with(&|m| {
                m.options.retain(|(c, _)| *c != 60);
                m.options.push((43, vec![0x5E, 0x00]));
            }),
        ),
        (
            "no_vendor_class",
            with(&|m| m.options.retain(|(c, _)| *c != 60)),
        ),
        (
            "vendor_class",
            with(&|m| m.options[1].1 = b"MSFT 5.0".to_vec()),
        ),
    ];
    for (i, (reason, bytes)) in cases.iter().enumerate() {
        client.send_to(bytes, to).unwrap();
        // The probe's answer arriving first proves the case before it was not answered.
        let xid = 100 + i as u32;
        client
            .send_to(
                &inform(xid, link.client_ip, link.client_mac)
                    .to_bytes()
                    .unwrap(),
                to,
            )
            .unwrap();
        let (reply, _) = recv(&client);
        assert_eq!(reply.xid, xid, "{reason} was answered");
    }
    client.send_to(&[0x01, 0x01, 0x06], to).unwrap();
    let last = inform(999, link.client_ip, link.client_mac);
    client.send_to(&last.to_bytes().unwrap(), to).unwrap();
    assert_eq!(recv(&client).0.xid, 999);
    let page = link.server.run(|| http_get("127.0.0.1:9167", "/metrics"));
    std::fs::write(artifacts_dir().join("serve-silence.metrics"), &page).unwrap();
    for (reason, _) in &cases {
        let line = format!("ucprov_dhcp_ignored_total{{reason=\"{reason}\"}} 1\n");
        assert!(page.contains(&line), "{line}\n{page}");
    }
    assert!(page.contains("ucprov_dhcp_malformed_total 1\n"), "{page}");
    assert!(
        page.contains(&format!(
            "ucprov_dhcp_received_total {}\n",
            2 * cases.len() + 2
        )),
        "{page}"
    );
}

/// Poll the admin page until `line` shows up; a bound against a hang, not a timed assertion.
fn wait_for_metric(link: &VethLink, line: &str) -> String {
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        let page = link.server.run(|| http_get("127.0.0.1:9167", "/metrics"));
        if page.contains(line) {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{line} never appeared:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn the_interface_filter_holds_on_the_wire_and_a_sighup_changes_it() {
    let link = VethLink::new();
    let head = "admin = \"127.0.0.1:9167\"\n";
    let lo_only = format!("{head}[listen]\ninterfaces = [\"lo\"]\n{LYNC}");
    let mut server = serve(&link, "serve-interfaces", &lo_only);
    let client = client_socket(&link, SocketAddrV4::new(link.client_ip, 68));
    let request = inform(0x1F, link.client_ip, link.client_mac)
        .to_bytes()
        .unwrap();
    client.send_to(&request, (link.server_ip, 67)).unwrap();
    // Once the counter moved the INFORM was decided, and an ignored INFORM sends nothing.
    wait_for_metric(&link, "ucprov_dhcp_ignored_total{reason=\"interface\"} 1\n");
    client.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1500];
    let nothing = client.recv_from(&mut buf).unwrap_err();
    assert_eq!(nothing.kind(), std::io::ErrorKind::WouldBlock);
    client.set_nonblocking(false).unwrap();

    let config = artifacts_dir().join("serve-interfaces.toml");
    let veth = format!(
        "{head}[listen]\ninterfaces = [\"{}\"]\n{LYNC}",
        link.server_if
    );
    std::fs::write(&config, veth).unwrap();
    let kill = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    server.wait_for_log("configuration reloaded", SAFETY);
    client.send_to(&request, (link.server_ip, 67)).unwrap();
    assert_eq!(recv(&client).0.xid, 0x1F);

    std::fs::write(
        &config,
        "[listen]\ninterfaces = [\"nosuchif9\"]\n[default]\nsip_servers = [\"a.b\"]\n",
    )
    .unwrap();
    let kill = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    server.wait_for_log("reload rejected", SAFETY);
    assert!(server.log().contains("nosuchif9"), "{}", server.log());
    client.send_to(&request, (link.server_ip, 67)).unwrap();
    assert_eq!(
        recv(&client).0.xid,
        0x1F,
        "the previous config still serves"
    );
}
