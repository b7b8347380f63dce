//! The engine and the judge on plain datagram values: each test builds the messages with the
//! codec and feeds them as a capture would, with no file in between.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

use std::net::{Ipv4Addr, SocketAddrV4};

use ucprov_wire::message::{code, DhcpMessage, MessageType, OP_BOOTREPLY};
use ucprov_wire::profile::Provisioning;

use super::engine::Engine;
use super::link::Datagram;
use super::report::{ClientReport, Verdict};
use super::time::Timestamp;
use crate::finding::Kind;

const PHONE: [u8; 6] = [0x00, 0x04, 0xf2, 0, 0, 0x50];
const PHONE_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 50);
const SERVER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const RESPONDER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

fn msg(op: u8, xid: u32, mac: [u8; 6], ciaddr: Ipv4Addr, options: Vec<(u8, Vec<u8>)>) -> Vec<u8> {
    let mut chaddr = [0; 16];
    chaddr[..6].copy_from_slice(&mac);
    DhcpMessage {
        op,
        xid,
        ciaddr,
        chaddr,
        options,
        ..DhcpMessage::default()
    }
    .to_bytes()
    .unwrap()
}

fn request(
    t: MessageType,
    xid: u32,
    mac: [u8; 6],
    ciaddr: Ipv4Addr,
    class: Option<&[u8]>,
    extra: Vec<(u8, Vec<u8>)>,
) -> Vec<u8> {
    let mut options = vec![(code::MESSAGE_TYPE, vec![t.to_u8()])];
    if let Some(c) = class {
        options.push((code::VENDOR_CLASS, c.to_vec()));
    }
    options.extend(extra);
    msg(1, xid, mac, ciaddr, options)
}

fn reply(
    t: MessageType,
    xid: u32,
    mac: [u8; 6],
    server: Ipv4Addr,
    extra: Vec<(u8, Vec<u8>)>,
) -> Vec<u8> {
    let mut options = vec![
        (code::MESSAGE_TYPE, vec![t.to_u8()]),
        (code::SERVER_ID, server.octets().to_vec()),
    ];
    options.extend(extra);
    msg(OP_BOOTREPLY, xid, mac, Ipv4Addr::UNSPECIFIED, options)
}

fn seed_options() -> Vec<(u8, Vec<u8>)> {
    let p = Provisioning::new("lync.schertz.local", None);
    vec![
        (code::VENDOR_SPECIFIC, p.option43().unwrap()),
        (code::SIP_SERVERS, p.option120().unwrap()),
    ]
}

const ASKS: (u8, &[u8]) = (code::PARAMETER_REQUEST_LIST, &[1, 3, 6, 15, 42, 43, 120]);

fn asks() -> (u8, Vec<u8>) {
    (ASKS.0, ASKS.1.to_vec())
}

/// A capture in the making: frames numbered, time in milliseconds.
struct Feed {
    engine: Engine,
    frame: u64,
    done: Vec<ClientReport>,
}

impl Feed {
    fn new() -> Self {
        Feed {
            engine: Engine::new(60),
            frame: 0,
            done: Vec::new(),
        }
    }

    fn at(&mut self, ms: u64, src: SocketAddrV4, dst: SocketAddrV4, bytes: &[u8]) -> &mut Self {
        self.frame += 1;
        let time = Timestamp {
            secs: 1_700_000_000 + ms / 1000,
            nanos: (ms % 1000) as u32 * 1_000_000,
        };
        self.engine.feed(&Datagram {
            frame: self.frame,
            time,
            src,
            dst,
            vlan: None,
            payload: bytes,
            cut: None,
        });
        self.done.extend(self.engine.take_ready());
        self
    }

    fn client_sends(&mut self, ms: u64, from: Ipv4Addr, bytes: &[u8]) -> &mut Self {
        self.at(
            ms,
            SocketAddrV4::new(from, 68),
            SocketAddrV4::new(Ipv4Addr::BROADCAST, 67),
            bytes,
        )
    }

    fn server_sends(&mut self, ms: u64, server: Ipv4Addr, to: Ipv4Addr, bytes: &[u8]) -> &mut Self {
        self.at(
            ms,
            SocketAddrV4::new(server, 67),
            SocketAddrV4::new(to, 68),
            bytes,
        )
    }

    fn finish(mut self) -> Vec<ClientReport> {
        self.done.extend(self.engine.finish());
        self.done
    }
}

fn errors(c: &ClientReport) -> Vec<String> {
    c.findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| f.message.clone())
        .collect()
}

/// A phone's documented boot: DHCP as CPE-OCPHONE for the voice VLAN, then MS-UC-Client
/// INFORMs answered by a responder beside the DHCP server (docs/wire.md §7).
fn lpe_boot(feed: &mut Feed) {
    let vlan = (code::VENDOR_SPECIFIC, b"VLAN-A:20".to_vec());
    let (u, b) = (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
    feed.client_sends(
        0,
        u,
        &request(
            MessageType::Discover,
            1,
            PHONE,
            u,
            Some(b"CPE-OCPHONE"),
            vec![asks()],
        ),
    )
    .server_sends(
        5,
        SERVER,
        b,
        &reply(MessageType::Offer, 1, PHONE, SERVER, vec![vlan.clone()]),
    )
    .client_sends(
        10,
        u,
        &request(
            MessageType::Request,
            1,
            PHONE,
            u,
            Some(b"CPE-OCPHONE"),
            vec![asks(), (50, PHONE_IP.octets().to_vec())],
        ),
    )
    .server_sends(
        15,
        SERVER,
        b,
        &reply(MessageType::Ack, 1, PHONE, SERVER, vec![vlan]),
    )
    .client_sends(
        2000,
        PHONE_IP,
        &request(
            MessageType::Inform,
            2,
            PHONE,
            PHONE_IP,
            Some(b"MS-UC-Client"),
            vec![asks()],
        ),
    )
    // The site's DHCP server answers the INFORM too, without 43/120: that is normal.
    .server_sends(
        2003,
        SERVER,
        PHONE_IP,
        &reply(MessageType::Ack, 2, PHONE, SERVER, vec![]),
    )
    .server_sends(
        2004,
        RESPONDER,
        PHONE_IP,
        &reply(MessageType::Ack, 2, PHONE, RESPONDER, seed_options()),
    );
}

#[test]
fn the_lync_phone_edition_boot_is_one_provisioned_device() {
    let mut feed = Feed::new();
    lpe_boot(&mut feed);
    let clients = feed.finish();
    assert_eq!(clients.len(), 1);
    let c = &clients[0];
    assert_eq!(c.verdict_code, Verdict::Provisioned);
    assert_eq!(c.vendor_classes, ["CPE-OCPHONE", "MS-UC-Client"]);
    assert_eq!(c.requests, 3);
    assert!(errors(c).is_empty(), "{:#?}", c.findings);
    // The VLAN option 43 the DHCP server sent to CPE-OCPHONE is that vendor's, not a profile.
    let offer = &c.exchanges[0].replies[0].message;
    assert!(!offer.read_as_ms_uc());
    assert_eq!(
        c.provisioning_url.as_deref(),
        Some("https://lync.schertz.local:443/CertProv/CertProvisioningService.svc")
    );
}

#[test]
fn an_access_point_and_a_pxe_client_beside_a_phone_are_not_errors() {
    let mut feed = Feed::new();
    lpe_boot(&mut feed);
    let (u, b) = (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
    let ap = [0x02, 0, 0, 0, 0, 0x61];
    let pxe = [0x02, 0, 0, 0, 0, 0x62];
    feed.client_sends(
        3000,
        u,
        &request(
            MessageType::Discover,
            7,
            ap,
            u,
            Some(b"ArubaAP"),
            vec![(55, vec![1, 3, 43])],
        ),
    )
    .server_sends(
        3001,
        SERVER,
        b,
        &reply(
            MessageType::Offer,
            7,
            ap,
            SERVER,
            vec![(43, vec![0xC0, 0, 2, 1])],
        ),
    )
    .client_sends(
        3100,
        u,
        &request(
            MessageType::Discover,
            8,
            pxe,
            u,
            Some(b"PXEClient:Arch:00000:UNDI:002001"),
            vec![(55, vec![1, 3, 43, 60])],
        ),
    )
    .server_sends(
        3101,
        SERVER,
        b,
        &reply(
            MessageType::Offer,
            8,
            pxe,
            SERVER,
            vec![(43, vec![6, 1, 2, 255])],
        ),
    );
    let clients = feed.finish();
    assert_eq!(clients.len(), 3);
    for c in &clients {
        assert!(!c.verdict_code.is_failure(), "{}: {}", c.mac, c.verdict);
        assert!(errors(c).is_empty(), "{}: {:#?}", c.mac, c.findings);
    }
    assert_eq!(clients[1].verdict_code, Verdict::NotMsUcClient);
    let ap43 = clients[1]
        .findings
        .iter()
        .find(|f| f.kind == Kind::OtherVendorOption43)
        .unwrap();
    assert!(
        ap43.message.contains("Aruba access point"),
        "{}",
        ap43.message
    );
}

#[test]
fn a_release_carries_no_option_60_and_that_is_no_finding() {
    let mut feed = Feed::new();
    feed.client_sends(
        0,
        PHONE_IP,
        &request(MessageType::Release, 9, PHONE, PHONE_IP, None, vec![]),
    );
    let c = &feed.finish()[0];
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    assert_eq!(c.exchanges[0].request.message.message_type, "DHCPRELEASE");
}

#[test]
fn a_request_after_a_nak_under_the_same_xid_is_a_new_request() {
    let (u, b) = (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
    let mut feed = Feed::new();
    let old = Ipv4Addr::new(198, 51, 100, 9);
    feed.client_sends(
        0,
        u,
        &request(
            MessageType::Request,
            5,
            PHONE,
            u,
            None,
            vec![(50, old.octets().to_vec())],
        ),
    )
    .server_sends(
        1,
        SERVER,
        b,
        &reply(MessageType::Nak, 5, PHONE, SERVER, vec![]),
    )
    .client_sends(
        2,
        u,
        &request(
            MessageType::Request,
            5,
            PHONE,
            u,
            None,
            vec![(50, old.octets().to_vec())],
        ),
    );
    let c = &feed.finish()[0];
    assert_eq!(c.exchanges.len(), 2, "{:#?}", c.exchanges);
    assert!(c.exchanges.iter().all(|e| e.request.copies.is_empty()));
}

#[test]
fn a_retransmission_before_any_answer_is_a_copy() {
    let mut feed = Feed::new();
    let inform = request(
        MessageType::Inform,
        3,
        PHONE,
        PHONE_IP,
        Some(b"MS-UC-Client"),
        vec![asks()],
    );
    feed.client_sends(0, PHONE_IP, &inform)
        .client_sends(4000, PHONE_IP, &inform);
    let c = &feed.finish()[0];
    assert_eq!(c.exchanges.len(), 1);
    assert_eq!(c.exchanges[0].request.copies, [2]);
    assert_eq!(c.verdict_code, Verdict::NoReply);
    assert!(errors(c)[0].contains("sent 2 times"), "{:?}", errors(c));
}

#[test]
fn leasequeries_are_named_and_paired() {
    let relay = Ipv4Addr::new(198, 51, 100, 1);
    let mut feed = Feed::new();
    feed.at(
        0,
        SocketAddrV4::new(relay, 67),
        SocketAddrV4::new(SERVER, 67),
        &request(
            MessageType::LeaseQuery,
            11,
            PHONE,
            Ipv4Addr::UNSPECIFIED,
            None,
            vec![],
        ),
    )
    .at(
        1,
        SocketAddrV4::new(SERVER, 67),
        SocketAddrV4::new(relay, 67),
        &reply(MessageType::LeaseActive, 11, PHONE, SERVER, vec![]),
    );
    let c = &feed.finish()[0];
    let e = &c.exchanges[0];
    assert_eq!(e.request.message.message_type, "DHCPLEASEQUERY");
    assert_eq!(e.replies[0].message.message_type, "DHCPLEASEACTIVE");
    assert!(errors(c).is_empty(), "{:#?}", c.findings);
}

#[test]
fn identical_exchanges_fold_into_one_with_a_count() {
    let mut feed = Feed::new();
    for i in 0..4u32 {
        let ms = u64::from(i) * 40_000;
        feed.client_sends(
            ms,
            PHONE_IP,
            &request(
                MessageType::Inform,
                100 + i,
                PHONE,
                PHONE_IP,
                Some(b"MS-UC-Client"),
                vec![asks()],
            ),
        )
        .server_sends(
            ms + 2,
            RESPONDER,
            PHONE_IP,
            &reply(MessageType::Ack, 100 + i, PHONE, RESPONDER, seed_options()),
        );
    }
    let c = &feed.finish()[0];
    assert_eq!(c.exchanges.len(), 1);
    assert_eq!(c.exchanges[0].repeats, 3);
    assert_eq!((c.requests, c.answered), (4, 4));
    assert_eq!(c.exchanges[0].last_repeat_frame, Some(8));
}

#[test]
fn a_quiet_client_is_reported_before_the_capture_ends() {
    let mut feed = Feed::new();
    let other = [0x02, 0, 0, 0, 0, 0x77];
    feed.client_sends(
        0,
        PHONE_IP,
        &request(
            MessageType::Inform,
            1,
            PHONE,
            PHONE_IP,
            Some(b"MS-UC-Client"),
            vec![asks()],
        ),
    )
    .client_sends(
        200_000,
        Ipv4Addr::new(192, 0, 2, 77),
        &request(
            MessageType::Inform,
            2,
            other,
            Ipv4Addr::new(192, 0, 2, 77),
            Some(b"MS-UC-Client"),
            vec![asks()],
        ),
    );
    assert_eq!(
        feed.done.len(),
        1,
        "the first client closed when the window passed"
    );
    assert_eq!(feed.done[0].mac, "00:04:f2:00:00:50");
    assert_eq!(feed.engine.in_flight(), 1);
    assert_eq!(feed.finish().len(), 2);
}

#[test]
fn servers_that_differ_only_in_case_agree_and_a_different_fqdn_conflicts() {
    let upper = Provisioning::new("LYNC.schertz.local", None);
    let rogue = Provisioning::new("rogue.example.test", None);
    for (other, conflict) in [(upper, false), (rogue, true)] {
        let mut feed = Feed::new();
        let o = vec![
            (43, other.option43().unwrap()),
            (120, other.option120().unwrap()),
        ];
        feed.client_sends(
            0,
            PHONE_IP,
            &request(
                MessageType::Inform,
                1,
                PHONE,
                PHONE_IP,
                Some(b"MS-UC-Client"),
                vec![asks()],
            ),
        )
        .server_sends(
            1,
            RESPONDER,
            PHONE_IP,
            &reply(MessageType::Ack, 1, PHONE, RESPONDER, seed_options()),
        )
        .server_sends(
            2,
            SERVER,
            PHONE_IP,
            &reply(MessageType::Ack, 1, PHONE, SERVER, o),
        );
        let c = &feed.finish()[0];
        let conflicts = c
            .findings
            .iter()
            .filter(|f| f.kind == Kind::ConflictingServers)
            .count();
        assert_eq!(conflicts, usize::from(conflict), "{:#?}", c.findings);
        assert_eq!(c.verdict_code == Verdict::ServersDisagree, conflict);
    }
}

#[test]
fn a_misspelt_vendor_class_is_a_warning_and_another_vendors_inform_a_note() {
    for (class, severity) in [
        (&b"MSUCClient"[..], crate::Severity::Warning),
        (&b"Polycom-VVX"[..], crate::Severity::Note),
    ] {
        let mut feed = Feed::new();
        feed.client_sends(
            0,
            PHONE_IP,
            &request(
                MessageType::Inform,
                1,
                PHONE,
                PHONE_IP,
                Some(class),
                vec![asks()],
            ),
        );
        let c = &feed.finish()[0];
        let f = c
            .findings
            .iter()
            .find(|f| f.kind == Kind::OtherVendorClass)
            .unwrap();
        assert_eq!(f.severity, severity);
    }
}
