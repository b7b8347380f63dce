//! Captures made by real peers (dnsmasq, Kea, ISC dhcpd, dhcpcd, dhcping, nmap and `ucprov
//! serve`, recorded by tcpdump in network namespaces; `scripts/make-captures` and
//! `tests/captures/README.md`) read by the capture reader and judged by the engine.
//!
//! Each capture's `.tshark.tsv` is tshark 4.0's view of the same file, made when the capture
//! was: every frame tshark dissects must read the same here (client MAC, xid, message type,
//! options 60, 55 and 54). `tshark_views_are_current` (a peer test) runs tshark again.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

use std::fs::File;
use std::io::BufReader;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ucprov_inspect::capture::link::{peel, Peeled};
use ucprov_inspect::capture::{Capture, ClientReport, Reader, Verdict};
use ucprov_inspect::message::mac_text;
use ucprov_inspect::Kind;
use ucprov_wire::message::Packet;

const CAPTURES: [&str; 10] = [
    "dnsmasq-inform.pcap",
    "dnsmasq-inform.pcapng",
    "dnsmasq-inform-any.pcap",
    "dnsmasq-inform-snap300.pcap",
    "kea-inform.pcap",
    "isc-inform.pcap",
    "dora-dnsmasq.pcap",
    "lpe-boot.pcap",
    "aruba-pxe-beside-phone.pcap",
    "two-servers-disagree.pcap",
];

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures")
        .join(name)
}

/// What tshark and this reader must agree on for one DHCP frame.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    frame: u64,
    mac: String,
    xid: u32,
    message_type: Option<u8>,
    vendor_class: Option<String>,
    request_list: Vec<u8>,
    server_id: Option<Ipv4Addr>,
}

/// tshark's rows, and the frames it did not dissect as DHCP (cut by the snap length).
fn tshark_rows(tsv: &str) -> (Vec<Row>, Vec<u64>) {
    let mut rows = Vec::new();
    let mut undissected = Vec::new();
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or("");
        let frame: u64 = field(0).parse().unwrap();
        if field(4).is_empty() {
            undissected.push(frame);
            continue;
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        rows.push(Row {
            frame,
            mac: field(4).to_string(),
            xid: u32::from_str_radix(field(5).trim_start_matches("0x"), 16).unwrap(),
            message_type: opt(field(6)).map(|t| t.parse().unwrap()),
            vendor_class: opt(field(7)),
            request_list: field(8)
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect(),
            server_id: opt(field(9)).map(|s| s.parse().unwrap()),
        });
    }
    (rows, undissected)
}

/// This reader's rows, and the frames it read although the snap length cut them.
fn our_rows(name: &str) -> (Vec<Row>, Vec<u64>) {
    let mut reader = Reader::new(BufReader::new(File::open(path(name)).unwrap())).unwrap();
    let mut rows = Vec::new();
    let mut cut = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        let Peeled::Dhcp(d) = peel(&record) else {
            continue;
        };
        if d.cut.is_some() {
            cut.push(d.frame);
        }
        let Ok(p) = Packet::new_checked(d.payload) else {
            continue;
        };
        let set = p.read_options().set;
        rows.push(Row {
            frame: d.frame,
            mac: mac_text(p.hardware_address()),
            xid: p.xid(),
            message_type: set.message_type().map(|t| t.to_u8()),
            vendor_class: set
                .vendor_class()
                .map(|v| String::from_utf8_lossy(&v).into_owned()),
            request_list: set.parameter_request_list().into_owned(),
            server_id: set.server_id(),
        });
    }
    (rows, cut)
}

#[test]
fn every_frame_tshark_dissects_reads_the_same() {
    for name in CAPTURES {
        let tsv = std::fs::read_to_string(path(&format!("{name}.tshark.tsv"))).unwrap();
        let (theirs, undissected) = tshark_rows(&tsv);
        let (ours, cut) = our_rows(name);
        assert!(!theirs.is_empty(), "{name}: tshark saw no DHCP");
        for t in &theirs {
            let o = ours.iter().find(|o| o.frame == t.frame);
            assert_eq!(o, Some(t), "{name}: frame {}", t.frame);
        }
        // What tshark could not dissect, the reader read as far as it went, and said so.
        for f in &undissected {
            assert!(
                cut.contains(f),
                "{name}: frame {f} is cut but not flagged: {cut:?}"
            );
        }
        let theirs_frames: Vec<u64> = theirs.iter().map(|r| r.frame).chain(undissected).collect();
        assert!(
            ours.iter().all(|o| theirs_frames.contains(&o.frame)),
            "{name}: a frame tshark does not count as DHCP"
        );
    }
}

fn clients(name: &str) -> Vec<ClientReport> {
    let mut capture = Capture::open(BufReader::new(File::open(path(name)).unwrap()), 120).unwrap();
    let mut all = Vec::new();
    loop {
        let (closed, ended) = capture.step(1000);
        all.extend(closed);
        if ended {
            break;
        }
    }
    assert!(capture.error().is_none(), "{name}: {:?}", capture.error());
    all
}

fn client<'a>(all: &'a [ClientReport], mac: &str) -> &'a ClientReport {
    all.iter()
        .find(|c| c.mac == mac)
        .unwrap_or_else(|| panic!("no client {mac}"))
}

fn errors(c: &ClientReport) -> Vec<&str> {
    c.findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| f.message.as_str())
        .collect()
}

#[test]
fn a_real_lync_phone_edition_boot_is_one_provisioned_device() {
    let all = clients("lpe-boot.pcap");
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert_eq!(c.verdict_code, Verdict::Provisioned, "{:#?}", c.findings);
    assert_eq!(c.vendor_classes, ["CPE-OCPHONE", "MS-UC-Client"]);
    assert!(errors(c).is_empty(), "{:#?}", c.findings);
}

#[test]
fn an_access_point_and_a_pxe_client_beside_a_phone_are_no_failure() {
    let all = clients("aruba-pxe-beside-phone.pcap");
    assert_eq!(all.len(), 3);
    for c in &all {
        assert!(
            !c.verdict_code.is_failure(),
            "{}: {}: {:#?}",
            c.mac,
            c.verdict,
            c.findings
        );
        assert!(errors(c).is_empty(), "{}: {:#?}", c.mac, c.findings);
    }
    assert_eq!(
        client(&all, "02:00:00:00:00:63").verdict_code,
        Verdict::Provisioned
    );
    let ap = client(&all, "02:00:00:00:00:61");
    assert!(
        ap.findings.iter().any(
            |f| f.kind == Kind::OtherVendorOption43 && f.message.contains("Aruba access point")
        ),
        "{:#?}",
        ap.findings
    );
}

#[test]
fn every_server_dialect_provisions_the_dhcpcd_phone() {
    for (name, mac) in [
        ("dnsmasq-inform.pcap", "02:00:00:00:00:10"),
        ("dnsmasq-inform.pcapng", "02:00:00:00:00:10"),
        ("dnsmasq-inform-any.pcap", "02:00:00:00:00:10"),
        ("kea-inform.pcap", "02:00:00:00:00:20"),
        ("isc-inform.pcap", "02:00:00:00:00:30"),
    ] {
        let all = clients(name);
        let c = client(&all, mac);
        assert_eq!(
            c.verdict_code,
            Verdict::Provisioned,
            "{name}: {:#?}",
            c.findings
        );
        assert_eq!(
            c.provisioning_url.as_deref(),
            Some("https://web.contoso.com:443/CertProv/CertProvisioningService.svc"),
            "{name}"
        );
        assert_eq!(c.registrars, ["pool.contoso.com"], "{name}");
    }
}

#[test]
fn two_servers_that_disagree_are_named() {
    let all = clients("two-servers-disagree.pcap");
    let c = &all[0];
    assert_eq!(
        c.verdict_code,
        Verdict::ServersDisagree,
        "{:#?}",
        c.findings
    );
    let f = c
        .findings
        .iter()
        .find(|f| f.kind == Kind::ConflictingServers)
        .unwrap();
    assert!(
        f.message.contains("192.0.2.1") && f.message.contains("192.0.2.2"),
        "{}",
        f.message
    );
    assert!(f.message.contains("web-b.contoso.com"), "{}", f.message);
}

#[test]
fn a_dora_and_release_raise_nothing_about_vendor_classes() {
    let all = clients("dora-dnsmasq.pcap");
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert_eq!(c.verdict_code, Verdict::NotMsUcClient);
    let types: Vec<&str> = c
        .exchanges
        .iter()
        .map(|e| e.request.message.message_type.as_str())
        .collect();
    assert_eq!(types, ["DHCPDISCOVER", "DHCPREQUEST", "DHCPRELEASE"]);
    assert!(
        c.findings
            .iter()
            .all(|f| !matches!(f.kind, Kind::NoVendorClass | Kind::OtherVendorClass)),
        "{:#?}",
        c.findings
    );
}

#[test]
fn frames_cut_by_the_snap_length_are_read_as_far_as_they_go() {
    let all = clients("dnsmasq-inform-snap300.pcap");
    let phone = client(&all, "02:00:00:00:00:10");
    assert!(
        phone.findings.iter().any(|f| f.kind == Kind::SnapTruncated),
        "{:#?}",
        phone.findings
    );
    for c in &all {
        assert!(
            c.findings.iter().all(|f| f.kind != Kind::MalformedPacket),
            "{}: {:#?}",
            c.mac,
            c.findings
        );
    }
}

/// Peer test: tshark, run now on every capture, still says what the committed view says.
#[test]
#[ignore = "peer: needs tshark (apt install tshark); run with cargo test -- --ignored"]
fn tshark_views_are_current() {
    let tshark = ucprov_testkit::require_tool("tshark", "tshark");
    for name in CAPTURES {
        let out = std::process::Command::new(&tshark)
            .arg("-r")
            .arg(path(name))
            .args(["-T", "fields", "-E", "header=y", "-E", "separator=/t"])
            .args([
                "-e",
                "frame.number",
                "-e",
                "eth.src",
                "-e",
                "ip.src",
                "-e",
                "ip.dst",
                "-e",
                "dhcp.hw.mac_addr",
                "-e",
                "dhcp.id",
            ])
            .args([
                "-e",
                "dhcp.option.dhcp",
                "-e",
                "dhcp.option.vendor_class_id",
                "-e",
                "dhcp.option.request_list_item",
                "-e",
                "dhcp.option.dhcp_server_id",
                "-Y",
                "dhcp",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let now = String::from_utf8_lossy(&out.stdout);
        let committed = std::fs::read_to_string(path(&format!("{name}.tshark.tsv"))).unwrap();
        assert_eq!(tshark_rows(&now), tshark_rows(&committed), "{name}");
    }
}
