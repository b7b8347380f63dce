//! `ucprov pcap`: captures built byte by byte in the test (pcap and pcapng headers, Ethernet,
//! VLAN, Linux cooked, IPv4 and UDP written by hand) around DHCP messages from the codec.
#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::Run;
use std::path::Path;
use std::process::Command;

use ucprov_wire::message::{code, DhcpMessage, MessageType, OP_BOOTREPLY};
use ucprov_wire::profile::Provisioning;

const CLIENT_MAC: [u8; 6] = [0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcc];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const ROGUE_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x66];
const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const SERVER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const ROGUE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 66);
const SEED_URL: &str = "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc";

// ---- DHCP messages, from the codec ----

fn chaddr(mac: [u8; 6]) -> [u8; 16] {
    let mut c = [0; 16];
    c[..6].copy_from_slice(&mac);
    c
}

fn inform(xid: u32, vendor_class: Option<&[u8]>) -> DhcpMessage {
    let mut options = vec![(code::MESSAGE_TYPE, vec![MessageType::Inform.to_u8()])];
    if let Some(vc) = vendor_class {
        options.push((code::VENDOR_CLASS, vc.to_vec()));
    }
    options.push((code::PARAMETER_REQUEST_LIST, vec![1, 6, 43, 120]));
    DhcpMessage {
        xid,
        ciaddr: CLIENT,
        chaddr: chaddr(CLIENT_MAC),
        options,
        ..DhcpMessage::default()
    }
}

fn ack(xid: u32, server: Ipv4Addr, p: Option<&Provisioning>) -> DhcpMessage {
    let mut options = vec![
        (code::MESSAGE_TYPE, vec![MessageType::Ack.to_u8()]),
        (code::SERVER_ID, server.octets().to_vec()),
    ];
    if let Some(p) = p {
        options.push((code::VENDOR_SPECIFIC, p.option43().unwrap()));
        options.push((code::SIP_SERVERS, p.option120().unwrap()));
    }
    DhcpMessage {
        op: OP_BOOTREPLY,
        xid,
        ciaddr: CLIENT,
        chaddr: chaddr(CLIENT_MAC),
        options,
        ..DhcpMessage::default()
    }
}

fn seed() -> Provisioning {
    Provisioning::new("lync.schertz.local", None)
}

// ---- link, IPv4 and UDP layers, by hand ----

fn checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// IPv4 (no options, DF clear) + UDP (checksum 0: "not computed", RFC 768) + payload.
fn ipv4_udp(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let total = 20 + udp_len;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&(total as u16).to_be_bytes());
    ip.extend_from_slice(&[0x12, 0x34, 0, 0, 64, 17, 0, 0]);
    ip.extend_from_slice(&src.ip().octets());
    ip.extend_from_slice(&dst.ip().octets());
    let sum = checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&src.port().to_be_bytes());
    ip.extend_from_slice(&dst.port().to_be_bytes());
    ip.extend_from_slice(&(udp_len as u16).to_be_bytes());
    ip.extend_from_slice(&[0, 0]);
    ip.extend_from_slice(payload);
    ip
}

fn ethernet(src: [u8; 6], dst: [u8; 6], vlan: Option<u16>, ip: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&src);
    if let Some(id) = vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&id.to_be_bytes());
    }
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(ip);
    f
}

/// Linux cooked v1: packet type, ARPHRD_ETHER, address length 6, address padded to 8,
/// protocol.
fn sll(src: [u8; 6], ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6];
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0, 0, 0x08, 0x00]);
    f.extend_from_slice(ip);
    f
}

/// Linux cooked v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, address
/// length, address padded to 8.
fn sll2(src: [u8; 6], ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6];
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(ip);
    f
}

const BCAST: [u8; 6] = [0xFF; 6];

fn sa(ip: Ipv4Addr, port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(ip, port)
}

/// A frame on the wire: which link type it is written for and its bytes.
struct Frame {
    usec: u32,
    bytes: Vec<u8>,
}

fn eth_frame(
    usec: u32,
    from_mac: [u8; 6],
    to_mac: [u8; 6],
    src: SocketAddrV4,
    dst: SocketAddrV4,
    m: &[u8],
) -> Frame {
    Frame {
        usec,
        bytes: ethernet(from_mac, to_mac, None, &ipv4_udp(src, dst, m)),
    }
}

fn inform_frame(usec: u32, m: &DhcpMessage) -> Frame {
    eth_frame(
        usec,
        CLIENT_MAC,
        BCAST,
        sa(CLIENT, 68),
        sa(Ipv4Addr::BROADCAST, 67),
        &m.to_bytes().unwrap(),
    )
}

fn ack_frame(usec: u32, from: Ipv4Addr, mac: [u8; 6], bytes: &[u8]) -> Frame {
    eth_frame(usec, mac, CLIENT_MAC, sa(from, 67), sa(CLIENT, 68), bytes)
}

// ---- capture files ----

const T0: u32 = 1_714_557_600; // 2024-05-01 10:00:00 UTC

/// Classic pcap, microseconds, in either byte order.
fn pcap(link: u32, frames: &[Frame], big_endian: bool) -> Vec<u8> {
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = u32b(0xA1B2_C3D4).to_vec();
    out.extend_from_slice(&u16b(2));
    out.extend_from_slice(&u16b(4));
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&u32b(65535));
    out.extend_from_slice(&u32b(link));
    for f in frames {
        out.extend_from_slice(&u32b(T0));
        out.extend_from_slice(&u32b(f.usec));
        out.extend_from_slice(&u32b(f.bytes.len() as u32));
        out.extend_from_slice(&u32b(f.bytes.len() as u32));
        out.extend_from_slice(&f.bytes);
    }
    out
}

/// pcapng, little-endian: section header, one interface (microseconds), enhanced packets.
fn pcapng(link: u16, frames: &[Frame]) -> Vec<u8> {
    let block = |kind: u32, body: &[u8]| {
        let len = (12 + body.len()) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    };
    let mut shb = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let mut out = block(0x0A0D_0D0A, &shb);
    let mut idb = link.to_le_bytes().to_vec();
    idb.extend_from_slice(&[0, 0]);
    idb.extend_from_slice(&65535u32.to_le_bytes());
    out.extend(block(1, &idb));
    for f in frames {
        let ticks = u64::from(T0) * 1_000_000 + u64::from(f.usec);
        let mut epb = 0u32.to_le_bytes().to_vec();
        epb.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ticks as u32).to_le_bytes());
        epb.extend_from_slice(&(f.bytes.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(f.bytes.len() as u32).to_le_bytes());
        epb.extend_from_slice(&f.bytes);
        while !epb.len().is_multiple_of(4) {
            epb.push(0);
        }
        out.extend(block(6, &epb));
    }
    out
}

// ---- running the binary ----

/// Write `bytes` as `name` in a fresh folder and run `ucprov pcap` there, so the report
/// names the file the same way on every machine.
fn run_on(name: &str, bytes: &[u8], extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    run_in(dir.path(), name, extra)
}

fn run_in(dir: &Path, name: &str, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .current_dir(dir)
        .arg("pcap")
        .args(extra)
        .arg(name)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout))
}

fn seed_frames() -> Vec<Frame> {
    let xid = 0x1234_5678;
    vec![
        inform_frame(0, &inform(xid, Some(b"MS-UC-Client"))),
        ack_frame(
            1500,
            SERVER,
            SERVER_MAC,
            &ack(xid, SERVER, Some(&seed())).to_bytes().unwrap(),
        ),
    ]
}

// ---- tests ----

#[test]
fn seed_exchange_text_report() {
    let r = run_on("seed.pcap", &pcap(1, &seed_frames(), false), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("pcap_seed_report", r.stdout);
}

#[test]
fn seed_exchange_json_says_what_the_text_says() {
    let r = run_on("seed.pcap", &pcap(1, &seed_frames(), false), &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    let c = &v["clients"][0];
    assert_eq!(c["mac"], "00:04:f2:aa:bb:cc");
    assert_eq!(c["vendor_classes"][0], "MS-UC-Client");
    assert_eq!(c["verdict"], "provisioned");
    assert_eq!(c["provisioning_url"], SEED_URL);
    assert_eq!(c["registrars"][0], "lync.schertz.local");
    assert_eq!(c["servers"][0], "192.0.2.1");
    let t = &c["exchanges"][0];
    assert_eq!(t["request"]["message_type"], "DHCPINFORM");
    assert_eq!(t["request"]["asks_43"], true);
    assert_eq!(t["request"]["asks_120"], true);
    assert_eq!(t["replies"][0]["seen"]["frame"], 2);
    assert_eq!(t["replies"][0]["seen"]["dst"], "192.0.2.10:68");
    assert_eq!(v["summary"]["dhcp_messages"], 2);
    assert_eq!(
        v["summary"]["first_frame_utc"],
        "2024-05-01 10:00:00.000000 UTC"
    );
}

#[test]
fn big_endian_pcap_and_pcapng_read_the_same() {
    for (name, bytes) in [
        ("be.pcap", pcap(1, &seed_frames(), true)),
        ("seed.pcapng", pcapng(1, &seed_frames())),
    ] {
        let r = run_on(name, &bytes, &["--json"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["clients"][0]["provisioning_url"], SEED_URL, "{name}");
        assert_eq!(
            v["clients"][0]["exchanges"][0]["replies"][0]["seen"]["time"], 0.0015,
            "{name}"
        );
    }
}

#[test]
fn two_servers_answering_differently_is_a_conflict() {
    let xid = 7;
    let rogue = Provisioning::new("rogue.example.test", None);
    let frames = vec![
        inform_frame(0, &inform(xid, Some(b"MS-UC-Client"))),
        ack_frame(
            900,
            ROGUE,
            ROGUE_MAC,
            &ack(xid, ROGUE, Some(&rogue)).to_bytes().unwrap(),
        ),
        ack_frame(
            1500,
            SERVER,
            SERVER_MAC,
            &ack(xid, SERVER, Some(&seed())).to_bytes().unwrap(),
        ),
        // The site's ordinary DHCP server answers too, without 43/120: that is no conflict.
        ack_frame(
            1600,
            Ipv4Addr::new(192, 0, 2, 2),
            SERVER_MAC,
            &ack(xid, Ipv4Addr::new(192, 0, 2, 2), None)
                .to_bytes()
                .unwrap(),
        ),
    ];
    let r = run_on("rogue.pcap", &pcap(1, &frames, false), &[]);
    assert_eq!(
        r.code, 0,
        "findings do not change the exit code: {}",
        r.stderr
    );
    assert!(r.stdout.contains("servers disagree"), "{}", r.stdout);
    assert!(r.stdout.contains("servers 192.0.2.66 and 192.0.2.1 answer the same DHCPINFORM differently: option 43 sub-option 3 (WebServerFqdn): rogue.example.test (frame 2) vs lync.schertz.local (frame 3)"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("option 120: rogue.example.test (frame 2) vs lync.schertz.local (frame 3)"),
        "{}",
        r.stdout
    );
    // The plain server's missing 43 is a note: another reply carries it.
    assert!(r.stdout.contains("note: DHCPACK from 192.0.2.2 has no option 43 although the client asked; another server's reply carries it"), "{}", r.stdout);
    // The phone would take the first reply: the rogue's.
    let v = json(&run_on("rogue.pcap", &pcap(1, &frames, false), &["--json"]));
    assert_eq!(
        v["clients"][0]["provisioning_url"],
        "https://rogue.example.test:443/CertProv/CertProvisioningService.svc"
    );
    assert_eq!(v["clients"][0]["servers"].as_array().unwrap().len(), 3);
    let strict = run_on("rogue.pcap", &pcap(1, &frames, false), &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stderr.contains("--strict"), "{}", strict.stderr);
}

#[test]
fn unanswered_inform_is_an_error_finding() {
    let frames = vec![
        inform_frame(0, &inform(9, Some(b"MS-UC-Client"))),
        inform_frame(4_000, &inform(9, Some(b"MS-UC-Client"))),
    ];
    let r = run_on("silent.pcap", &pcap(1, &frames, false), &["--json"]);
    assert_eq!(r.code, 0);
    let c = &json(&r)["clients"][0];
    assert_eq!(c["verdict"], "no reply");
    assert_eq!(c["requests"], 1, "a retransmission is the same transaction");
    assert_eq!(c["answered"], 0);
    assert_eq!(c["exchanges"][0]["request"]["copies"][0], 2);
    let f = &c["findings"][0];
    assert_eq!(f["kind"], "no_reply");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["message"],
        "DHCPINFORM (xid 0x00000009) got no reply in the capture, though it was sent 2 times"
    );
    let strict = run_on("silent.pcap", &pcap(1, &frames, false), &["--strict"]);
    assert_eq!(strict.code, 1);
}

#[test]
fn wrong_length_byte_in_option_43_is_named_at_its_offset_in_the_reply() {
    let mut bytes = ack(3, SERVER, Some(&seed())).to_bytes().unwrap();
    // Options: 53 at 240 (3 bytes), 54 at 243 (6 bytes), 43 at 249: its length byte is 250.
    assert_eq!(&bytes[249..251], &[43, 85]);
    // Five bytes short, as a truncating DHCP server would: sub-option 5 (code at
    // 251 + 14 + 7 + 20 + 5 = 297, length byte at 298) then claims 37 bytes where 32 remain.
    bytes[250] = 80;
    let frames = vec![
        inform_frame(0, &inform(3, Some(b"MS-UC-Client"))),
        ack_frame(700, SERVER, SERVER_MAC, &bytes),
    ];
    let r = run_on("short43.pcap", &pcap(1, &frames, false), &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = &json(&r)["clients"][0];
    assert_eq!(c["verdict"], "bad option 43");
    let bad43: Vec<&serde_json::Value> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "malformed_option43")
        .collect();
    assert!(!bad43.is_empty(), "{:#}", c["findings"]);
    assert_eq!(bad43[0]["severity"], "error");
    assert_eq!(bad43[0]["frame"], 2);
    assert_eq!(bad43[0]["offset"], 298, "{:#}", bad43[0]);
    let text = bad43[0]["message"].as_str().unwrap();
    assert!(text.contains("byte 298: sub-option 5: length 37"), "{text}");
    assert!(text.contains("sub-option 5"), "{text}");
}

#[test]
fn rfc3396_split_option_43_is_joined() {
    // A web FQDN over 188 characters pushes option 43 past 255 bytes (docs/wire.md §1).
    let long = format!(
        "{}.pool.example.test",
        "a".repeat(60) + "." + &"b".repeat(60) + "." + &"c".repeat(60)
    );
    let p = Provisioning::new("lync.schertz.local", Some(long.clone()));
    let bytes = ack(5, SERVER, Some(&p)).to_bytes().unwrap();
    let frames = vec![
        inform_frame(0, &inform(5, Some(b"MS-UC-Client"))),
        ack_frame(800, SERVER, SERVER_MAC, &bytes),
    ];
    let r = run_on("split.pcap", &pcap(1, &frames, false), &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = &json(&r)["clients"][0];
    assert_eq!(
        c["provisioning_url"],
        format!("https://{long}:443/CertProv/CertProvisioningService.svc")
    );
    assert_eq!(c["verdict"], "provisioned");
    let f = c["findings"].as_array().unwrap();
    assert!(
        f.iter().any(|f| f["severity"] == "note"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("joined from 2 instances")),
        "{f:#?}"
    );
}

#[test]
fn linux_cooked_captures_v1_and_v2() {
    let msgs = [
        (
            CLIENT_MAC,
            sa(CLIENT, 68),
            sa(Ipv4Addr::BROADCAST, 67),
            inform(1, Some(b"MS-UC-Client")).to_bytes().unwrap(),
        ),
        (
            SERVER_MAC,
            sa(SERVER, 67),
            sa(CLIENT, 68),
            ack(1, SERVER, Some(&seed())).to_bytes().unwrap(),
        ),
    ];
    for (link, name, wrap) in [
        (113u32, "sll.pcap", sll as fn([u8; 6], &[u8]) -> Vec<u8>),
        (276, "sll2.pcap", sll2),
    ] {
        let frames: Vec<Frame> = msgs
            .iter()
            .enumerate()
            .map(|(i, (mac, s, d, m))| Frame {
                usec: i as u32 * 1000,
                bytes: wrap(*mac, &ipv4_udp(*s, *d, m)),
            })
            .collect();
        let r = run_on(name, &pcap(link, &frames, false), &["--json"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["clients"][0]["provisioning_url"], SEED_URL, "{name}");
        assert_eq!(v["summary"]["dhcp_messages"], 2, "{name}");
    }
}

#[test]
fn vlan_tagged_frames_are_followed_and_the_tag_shown() {
    let m = inform(2, Some(b"MS-UC-Client")).to_bytes().unwrap();
    let a = ack(2, SERVER, Some(&seed())).to_bytes().unwrap();
    let frames = vec![
        Frame {
            usec: 0,
            bytes: ethernet(
                CLIENT_MAC,
                BCAST,
                Some(20),
                &ipv4_udp(sa(CLIENT, 68), sa(Ipv4Addr::BROADCAST, 67), &m),
            ),
        },
        Frame {
            usec: 10,
            bytes: ethernet(
                SERVER_MAC,
                CLIENT_MAC,
                Some(20),
                &ipv4_udp(sa(SERVER, 67), sa(CLIENT, 68), &a),
            ),
        },
    ];
    let r = run_on("vlan.pcap", &pcap(1, &frames, false), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("VLAN 20"), "{}", r.stdout);
    assert!(r.stdout.contains(SEED_URL), "{}", r.stdout);
}

#[test]
fn truncated_capture_reports_what_came_before_and_exits_1() {
    let mut bytes = pcap(1, &seed_frames(), false);
    let first_record_end = 24 + 16 + seed_frames()[0].bytes.len();
    bytes.truncate(first_record_end + 16 + 40);
    let r = run_on("cut.pcap", &bytes, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "cut.pcap: record 2 at byte {first_record_end} is cut short"
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    // The INFORM before the cut is still reported.
    assert!(r.stdout.contains("00:04:f2:aa:bb:cc"), "{}", r.stdout);
    assert!(r.stdout.contains("The capture stops early"), "{}", r.stdout);
}

#[test]
fn not_a_capture_exits_1_and_a_missing_file_exits_3() {
    let r = run_on("notes.txt", b"hello world", &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("not a pcap or pcapng file: it starts with 68656C6C"),
        "{}",
        r.stderr
    );
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), "absent.pcap", &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("cannot read absent.pcap"), "{}", r.stderr);
    let r = run_on(
        "seed.pcap",
        &pcap(1, &seed_frames(), false),
        &["--client", "nonsense"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn client_filter_keeps_one_phone() {
    let mut other = inform(11, Some(b"MS-UC-Client"));
    other.chaddr = chaddr([0x02, 0, 0, 0, 0, 0x99]);
    let mut frames = seed_frames();
    frames.push(inform_frame(3000, &other));
    let all = json(&run_on("two.pcap", &pcap(1, &frames, false), &["--json"]));
    assert_eq!(all["clients"].as_array().unwrap().len(), 2);
    let one = json(&run_on(
        "two.pcap",
        &pcap(1, &frames, false),
        &["--json", "--client", "02-00-00-00-00-99"],
    ));
    let clients = one["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["mac"], "02:00:00:00:00:99");
    assert_eq!(clients[0]["verdict"], "no reply");
}

#[test]
fn windows_rogue_detection_inform_is_called_out() {
    let mut probe = inform(21, None);
    probe.options.push((code::VENDOR_SPECIFIC, vec![0x5E, 0]));
    let frames = vec![inform_frame(0, &probe)];
    let r = run_on("probe.pcap", &pcap(1, &frames, false), &["--json"]);
    let c = &json(&r)["clients"][0];
    assert_eq!(c["verdict"], "rogue-detection probe");
    assert_eq!(c["exchanges"][0]["request"]["rogue_detection"], true);
    let kinds: Vec<&str> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["rogue_detection"],
        "no vendor-class or no-reply noise"
    );
}

#[test]
fn client_without_option_60_is_flagged() {
    let frames = vec![
        inform_frame(0, &inform(31, None)),
        ack_frame(
            500,
            SERVER,
            SERVER_MAC,
            &ack(31, SERVER, Some(&seed())).to_bytes().unwrap(),
        ),
    ];
    let c = json(&run_on("novc.pcap", &pcap(1, &frames, false), &["--json"]))["clients"][0].clone();
    assert!(c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "no_vendor_class" && f["severity"] == "warning"));
}

#[test]
fn replies_to_the_wrong_place_per_rfc2131() {
    let xid = 41;
    let a = ack(xid, SERVER, Some(&seed())).to_bytes().unwrap();
    let frames = vec![
        inform_frame(0, &inform(xid, Some(b"MS-UC-Client"))),
        // Broadcast although ciaddr is set: a warning. To port 67: an error.
        eth_frame(
            100,
            SERVER_MAC,
            BCAST,
            sa(SERVER, 67),
            sa(Ipv4Addr::BROADCAST, 68),
            &a,
        ),
        eth_frame(
            200,
            SERVER_MAC,
            CLIENT_MAC,
            sa(SERVER, 67),
            sa(CLIENT, 67),
            &a,
        ),
    ];
    let v = json(&run_on("dest.pcap", &pcap(1, &frames, false), &["--json"]));
    let wrong: Vec<(String, u64)> = v["clients"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "wrong_destination")
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["frame"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        wrong,
        vec![("warning".to_string(), 2), ("error".to_string(), 3)]
    );
    // The broadcast to port 68 still reaches the phone: it is provisioned, and the reply to
    // port 67 stays an error finding of its exchange.
    assert_eq!(v["clients"][0]["verdict"], "provisioned");

    // When the only reply goes where the phone cannot hear it, the phone is not provisioned.
    let frames = vec![
        inform_frame(0, &inform(xid, Some(b"MS-UC-Client"))),
        eth_frame(
            200,
            SERVER_MAC,
            CLIENT_MAC,
            sa(SERVER, 67),
            sa(CLIENT, 67),
            &a,
        ),
    ];
    let v = json(&run_on("dest1.pcap", &pcap(1, &frames, false), &["--json"]));
    assert_eq!(
        v["clients"][0]["verdict"], "misdirected reply",
        "{:#}",
        v["clients"][0]["findings"]
    );

    // Relayed: the reply must go to giaddr, port 67.
    let mut relayed = inform(42, Some(b"MS-UC-Client"));
    relayed.giaddr = Ipv4Addr::new(192, 0, 2, 254);
    let mut back = ack(42, SERVER, Some(&seed()));
    back.giaddr = relayed.giaddr;
    let frames = vec![
        eth_frame(
            0,
            SERVER_MAC,
            SERVER_MAC,
            sa(relayed.giaddr, 67),
            sa(SERVER, 67),
            &relayed.to_bytes().unwrap(),
        ),
        eth_frame(
            100,
            SERVER_MAC,
            CLIENT_MAC,
            sa(SERVER, 67),
            sa(CLIENT, 68),
            &back.to_bytes().unwrap(),
        ),
    ];
    let v = json(&run_on("relay.pcap", &pcap(1, &frames, false), &["--json"]));
    let f = v["clients"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "wrong_destination")
        .cloned()
        .expect("a misdirected relayed reply");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("RFC 2131 §4.1 says 192.0.2.254:67 (to the relay at giaddr)"),
        "{f:#}"
    );
}

#[test]
fn malformed_dhcp_packets_are_counted_with_frame_and_codec_error() {
    let good = inform(51, Some(b"MS-UC-Client")).to_bytes().unwrap();
    let other = inform(52, Some(b"MS-UC-Client")).to_bytes().unwrap();
    let frames = vec![
        eth_frame(
            0,
            CLIENT_MAC,
            BCAST,
            sa(CLIENT, 68),
            sa(Ipv4Addr::BROADCAST, 67),
            &good[..100],
        ),
        eth_frame(
            10,
            CLIENT_MAC,
            BCAST,
            sa(CLIENT, 68),
            sa(Ipv4Addr::BROADCAST, 67),
            &good[..244],
        ),
        // Whole options without the end option: a warning on the message, not malformed.
        eth_frame(
            20,
            CLIENT_MAC,
            BCAST,
            sa(CLIENT, 68),
            sa(Ipv4Addr::BROADCAST, 67),
            &other[..243],
        ),
    ];
    let r = run_on("bad.pcap", &pcap(1, &frames, false), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Malformed DHCP packets: 2"),
        "{}",
        r.stdout
    );
    let v = json(&run_on("bad.pcap", &pcap(1, &frames, false), &["--json"]));
    let m = v["summary"]["malformed"].as_array().unwrap();
    assert_eq!(m[0]["frame"], 1);
    assert!(
        m[0].get("mac").is_none(),
        "a 100-byte message has no readable chaddr"
    );
    assert_eq!(m[1]["frame"], 2);
    assert_eq!(m[1]["mac"], "00:04:f2:aa:bb:cc");
    assert_eq!(m[1]["error"]["offset"], 243, "{:#}", m[1]);
    assert_eq!(m.len(), 2, "{m:#?}");
    let c = &v["clients"][0];
    let missing_end: Vec<&serde_json::Value> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "missing_end")
        .collect();
    assert_eq!(missing_end.len(), 1, "{:#}", c["findings"]);
    assert_eq!(missing_end[0]["severity"], "warning");
    assert_eq!(missing_end[0]["frame"], 3);
}

// ---- real captures, the streaming outputs, and the JSON contract ----

fn capture_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../inspect/tests/captures")
        .join(name)
}

fn run_args(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let all: Vec<&str> = ["pcap"].into_iter().chain(args.iter().copied()).collect();
    common::ucprov_bytes(&all, stdin)
}

#[test]
fn an_access_point_and_a_pxe_client_beside_a_provisioned_phone_pass_strict() {
    let file = capture_path("aruba-pxe-beside-phone.pcap");
    let r = run_args(&["--strict", file.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Aruba access point"), "{}", r.stdout);
    assert!(!r.stdout.contains("error:"), "{}", r.stdout);
}

#[test]
fn the_real_lync_phone_edition_boot_reads_as_one_provisioned_phone() {
    let file = capture_path("lpe-boot.pcap");
    let v = json(&run_args(&["--json", file.to_str().unwrap()], None));
    let clients = v["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["verdict"], "provisioned");
    assert_eq!(
        clients[0]["vendor_classes"],
        serde_json::json!(["CPE-OCPHONE", "MS-UC-Client"])
    );
}

#[test]
fn standard_input_json_lines_and_summary() {
    let bytes = pcap(1, &seed_frames(), false);
    let r = run_args(&["--json-lines", "-"], Some(&bytes));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert_eq!(lines[0]["record"], "client");
    assert_eq!(lines[0]["schema_version"], 1);
    assert_eq!(lines[0]["verdict"], "provisioned");
    assert_eq!(lines[1]["record"], "summary");
    assert_eq!(lines[1]["file"], "standard input");
    assert_eq!(lines[1]["dhcp_messages"], 2);

    let r = run_args(&["--summary", "-"], Some(&bytes));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("Capture standard input: pcap"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("DHCPINFORM frame 1"), "{}", r.stdout);
    assert!(r.stdout.contains("provisioned"), "{}", r.stdout);
}

/// Rejects an object that spells a key twice, at any depth: `serde_json::Value` would keep
/// only the last, so this reads the text itself.
struct NoDuplicates;

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = NoDuplicates;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<NoDuplicates, A::Error> {
                let mut seen = std::collections::HashSet::new();
                while let Some(k) = m.next_key::<String>()? {
                    if !seen.insert(k.clone()) {
                        return Err(serde::de::Error::custom(format!("key {k:?} twice")));
                    }
                    m.next_value::<NoDuplicates>()?;
                }
                Ok(NoDuplicates)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<NoDuplicates, A::Error> {
                while s.next_element::<NoDuplicates>()?.is_some() {}
                Ok(NoDuplicates)
            }
            fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
        }
        d.deserialize_any(V)
    }
}

#[test]
fn json_spells_every_key_once_per_object() {
    for name in [
        "lpe-boot.pcap",
        "two-servers-disagree.pcap",
        "aruba-pxe-beside-phone.pcap",
        "dnsmasq-inform-snap300.pcap",
    ] {
        let file = capture_path(name);
        let r = run_args(&["--json", file.to_str().unwrap()], None);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        if let Err(e) = serde_json::from_str::<NoDuplicates>(&r.stdout) {
            panic!("{name}: {e}");
        }
        let r = run_args(&["--json-lines", file.to_str().unwrap()], None);
        for line in r.stdout.lines() {
            if let Err(e) = serde_json::from_str::<NoDuplicates>(line) {
                panic!("{name} (json lines): {e}");
            }
        }
    }
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    // 2,000 phones: megabytes of report, far more than a pipe buffer holds.
    let mut frames = Vec::new();
    for i in 0..2000u32 {
        let mut m = inform(i, Some(b"MS-UC-Client"));
        m.chaddr[4..6].copy_from_slice(&(i as u16).to_be_bytes());
        frames.push(inform_frame(i * 10, &m));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.pcap");
    std::fs::write(&file, pcap(1, &frames, false)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(["pcap", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then hang up, as `| head -c1` does.
    let mut out = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    out.read_exact(&mut one).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
}
