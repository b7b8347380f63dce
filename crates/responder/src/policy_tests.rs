use std::net::{Ipv4Addr, SocketAddrV4};

use ucprov_wire::message::{field, DhcpMessage, Packet, FLAG_BROADCAST, OP_BOOTREPLY};
use ucprov_wire::VendorOptions;

use super::*;
use crate::config::Config;

const BASE: &str = r#"
[ports]
client = 68
relay = 67
[default]
sip_servers = ["lync.schertz.local"]
[[site]]
name = "relayed"
relays = ["10.9.0.1"]
subnets = ["10.9.0.0/16"]
sip_servers = ["pool-b.contoso.com"]
web_server = "web-b.contoso.com"
"#;

fn policy(extra: &str) -> Policy {
    let config = Config::from_toml(&format!("{extra}\n{BASE}")).unwrap();
    Policy::new(config, |_| Some(2)).unwrap()
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn arrival() -> Arrival {
    Arrival {
        source: SocketAddrV4::new(ip("192.0.2.10"), 68),
        local: ip("192.0.2.1"),
        ifindex: 2,
    }
}

const MAC: [u8; 6] = [0x02, 0x00, 0x5E, 0x00, 0x00, 0x10];

fn inform() -> DhcpMessage {
    let mut chaddr = [0; 16];
    chaddr[..6].copy_from_slice(&MAC);
    DhcpMessage {
        xid: 0xDEAD_BEEF,
        flags: 0,
        ciaddr: ip("192.0.2.10"),
        chaddr,
        options: vec![
            (53, vec![8]),
            (60, b"MS-UC-Client".to_vec()),
            (55, vec![1, 6, 43, 120]),
        ],
        ..DhcpMessage::default()
    }
}

fn with_option(mut m: DhcpMessage, code: u8, value: Option<Vec<u8>>) -> DhcpMessage {
    m.options.retain(|(c, _)| *c != code);
    if let Some(v) = value {
        m.options.push((code, v));
    }
    m
}

fn run(m: &DhcpMessage, p: &Policy, a: &Arrival) -> (Verdict<'static>, Vec<u8>) {
    run_bytes(&m.to_bytes().unwrap(), p, a)
}

fn run_bytes(bytes: &[u8], p: &Policy, a: &Arrival) -> (Verdict<'static>, Vec<u8>) {
    let mut out = Vec::new();
    let verdict = decide(bytes, a, p, &mut out).verdict;
    // Site names are leaked so tests can keep verdicts past the policy's lifetime.
    let verdict = match verdict {
        Verdict::Reply { to, from, site } => Verdict::Reply {
            to,
            from,
            site: Box::leak(site.to_string().into_boxed_str()),
        },
        Verdict::Ignore(r) => Verdict::Ignore(r),
        Verdict::Malformed(e) => Verdict::Malformed(e),
        Verdict::Encode(e) => Verdict::Encode(e),
    };
    (verdict, out)
}

fn ignored(m: &DhcpMessage, p: &Policy, a: &Arrival) -> Reason {
    match run(m, p, a).0 {
        Verdict::Ignore(r) => r,
        other => panic!("expected silence, got {other:?}"),
    }
}

fn codes(reply: &[u8]) -> Vec<u8> {
    let p = Packet::new_checked(reply).unwrap();
    let mut codes = Vec::new();
    p.visit_options(|i| codes.push(i.code)).unwrap();
    codes
}

#[test]
fn inform_gets_an_ack_per_rfc2131_4_3_5() {
    let p = policy("");
    let mut request = inform();
    request.flags = FLAG_BROADCAST;
    request.secs = 9;
    request.hops = 1;
    let (verdict, out) = run(&request, &p, &arrival());
    assert_eq!(
        verdict,
        Verdict::Reply {
            to: SocketAddrV4::new(ip("192.0.2.10"), 68),
            from: Some(ip("192.0.2.1")),
            site: "default",
        }
    );
    let reply = DhcpMessage::parse(&out).unwrap();
    assert_eq!(reply.op, OP_BOOTREPLY);
    assert_eq!(reply.xid, 0xDEAD_BEEF);
    assert_eq!(reply.flags, FLAG_BROADCAST);
    assert_eq!(reply.chaddr, request.chaddr);
    assert_eq!(reply.ciaddr, ip("192.0.2.10"));
    assert_eq!(reply.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!((reply.hops, reply.secs), (0, 0));
    assert_eq!(codes(&out), vec![53, 54, 43, 120]);
    assert_eq!(reply.option(53), Some(&[5][..]));
    assert_eq!(reply.option(54), Some(&[192, 0, 2, 1][..]));
    assert_eq!(reply.option(51), None);
    let site = p.config.sites.default.as_ref().unwrap();
    assert_eq!(reply.option(43), Some(site.option43()));
    assert_eq!(reply.option(120), Some(site.option120()));
    assert!(out.len() >= 300);
}

#[test]
fn option_55_decides_what_goes_in() {
    let p = policy("");
    for (prl, want) in [
        (vec![1, 6], vec![53, 54]),
        (vec![120], vec![53, 54, 120]),
        (vec![43], vec![53, 54, 43]),
        (vec![120, 43], vec![53, 54, 43, 120]),
    ] {
        let (_, out) = run(&with_option(inform(), 55, Some(prl)), &p, &arrival());
        assert_eq!(codes(&out), want);
    }
    let (_, out) = run(&with_option(inform(), 55, None), &p, &arrival());
    assert_eq!(codes(&out), vec![53, 54]);
    let forced = policy("always_send = true");
    let (_, out) = run(&with_option(inform(), 55, None), &forced, &arrival());
    assert_eq!(codes(&out), vec![53, 54, 43, 120]);
}

#[test]
fn option_55_split_in_two_instances_is_read_whole() {
    let p = policy("");
    let mut m = with_option(inform(), 55, Some(vec![1, 43]));
    m.options.push((12, b"phone".to_vec()));
    let mut bytes = m.to_bytes().unwrap();
    // A second, non-adjacent 55 instance carrying 120 (RFC 3396 §5).
    let end = bytes.iter().rposition(|&b| b == 255).unwrap();
    bytes.splice(end..end, [55, 1, 120]);
    let (_, out) = run_bytes(&bytes, &p, &arrival());
    assert_eq!(codes(&out), vec![53, 54, 43, 120]);
}

#[test]
fn every_silence_has_its_reason() {
    let p = policy("");
    let a = arrival();
    let typed = |t: u8| with_option(inform(), 53, Some(vec![t]));
    assert_eq!(ignored(&typed(1), &p, &a), Reason::Discover);
    assert_eq!(ignored(&typed(3), &p, &a), Reason::Request);
    assert_eq!(ignored(&typed(4), &p, &a), Reason::Decline);
    assert_eq!(ignored(&typed(7), &p, &a), Reason::Release);
    assert_eq!(ignored(&typed(2), &p, &a), Reason::OtherMessageType);
    assert_eq!(ignored(&typed(200), &p, &a), Reason::OtherMessageType);
    let none = with_option(inform(), 53, None);
    assert_eq!(ignored(&none, &p, &a), Reason::NoMessageType);
    let mut reply = inform();
    reply.op = OP_BOOTREPLY;
    assert_eq!(ignored(&reply, &p, &a), Reason::BootReply);
    let mut odd = inform();
    odd.op = 7;
    assert_eq!(ignored(&odd, &p, &a), Reason::BadOp);
    let no_class = with_option(inform(), 60, None);
    assert_eq!(ignored(&no_class, &p, &a), Reason::NoVendorClass);
    for other in [
        &b"MSFT 5.0"[..],
        b"MS-UC-Client-X",
        b"MS-UC-Clien",
        b"ms-uc-client",
    ] {
        let m = with_option(inform(), 60, Some(other.to_vec()));
        assert_eq!(ignored(&m, &p, &a), Reason::VendorClass, "{other:?}");
    }
}

#[test]
fn windows_rogue_detection_inform_is_ignored() {
    let p = policy("");
    // [MS-DHCPE] §2.2.2: sub-option 0x5E in option 43, no option 60.
    let m = with_option(
        with_option(inform(), 60, None),
        43,
        Some(vec![0x5E, 0x00, 0x5F, 0x04, 0, 0, 0, 0]),
    );
    assert_eq!(ignored(&m, &p, &arrival()), Reason::RogueDetection);
    let other_43 = with_option(with_option(inform(), 60, None), 43, Some(vec![1, 1, 1]));
    assert_eq!(ignored(&other_43, &p, &arrival()), Reason::NoVendorClass);
}

#[test]
fn prefix_mode_and_split_option_60() {
    let p = policy("[vendor_class]\nmatch = \"prefix\"");
    let m = with_option(inform(), 60, Some(b"MS-UC-Client-X".to_vec()));
    assert!(matches!(run(&m, &p, &arrival()).0, Verdict::Reply { .. }));
    let short = with_option(inform(), 60, Some(b"MS-UC".to_vec()));
    assert_eq!(ignored(&short, &p, &arrival()), Reason::VendorClass);
    // Exact mode, option 60 in two instances: "MS-UC-" + "Client".
    let exact = policy("");
    let mut bytes = with_option(inform(), 60, Some(b"MS-UC-".to_vec()))
        .to_bytes()
        .unwrap();
    let end = bytes.iter().rposition(|&b| b == 255).unwrap();
    bytes.splice(end..end, *b"\x3C\x06Client");
    assert!(matches!(
        run_bytes(&bytes, &exact, &arrival()).0,
        Verdict::Reply { .. }
    ));
}

#[test]
fn interface_filter() {
    let config = Config::from_toml(&format!("[listen]\ninterfaces = [\"veth0\"]\n{BASE}")).unwrap();
    let p = Policy::new(config.clone(), |n| (n == "veth0").then_some(7)).unwrap();
    assert_eq!(ignored(&inform(), &p, &arrival()), Reason::Interface);
    let on_it = Arrival {
        ifindex: 7,
        ..arrival()
    };
    assert!(matches!(
        run(&inform(), &p, &on_it).0,
        Verdict::Reply { .. }
    ));
    let e = Policy::new(config, |_| None).unwrap_err().to_string();
    assert!(
        e.contains("listen.interfaces[0]") && e.contains("veth0"),
        "{e}"
    );
}

#[test]
fn relayed_inform_goes_to_the_relay_with_the_relay_site() {
    let p = policy("");
    let mut m = inform();
    m.giaddr = ip("10.9.0.1");
    m.ciaddr = ip("10.9.3.4");
    let a = Arrival {
        source: SocketAddrV4::new(ip("10.9.0.1"), 67),
        ..arrival()
    };
    let (verdict, out) = run(&m, &p, &a);
    assert_eq!(
        verdict,
        Verdict::Reply {
            to: SocketAddrV4::new(ip("10.9.0.1"), 67),
            from: Some(ip("192.0.2.1")),
            site: "relayed",
        }
    );
    let reply = DhcpMessage::parse(&out).unwrap();
    assert_eq!(reply.giaddr, ip("10.9.0.1"));
    assert_eq!(reply.flags, 0);
    let sub3 = VendorOptions::parse(reply.option(43).unwrap());
    assert_eq!(sub3.get(3).unwrap().value, b"web-b.contoso.com");
    // Relayed with ciaddr 0: the broadcast bit lets the relay reach the client.
    m.ciaddr = Ipv4Addr::UNSPECIFIED;
    let (_, out) = run(&m, &p, &a);
    assert_eq!(DhcpMessage::parse(&out).unwrap().flags, FLAG_BROADCAST);
}

#[test]
fn ciaddr_zero_uses_the_source_address_or_stays_silent() {
    let p = policy("");
    let mut m = inform();
    m.ciaddr = Ipv4Addr::UNSPECIFIED;
    let (verdict, _) = run(&m, &p, &arrival());
    assert!(
        matches!(verdict, Verdict::Reply { to, .. } if to == SocketAddrV4::new(ip("192.0.2.10"), 68))
    );
    let nowhere = Arrival {
        source: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68),
        ..arrival()
    };
    assert_eq!(ignored(&m, &p, &nowhere), Reason::NoClientAddress);
}

#[test]
fn reply_ports_follow_the_lab_knob() {
    let p = Policy::new(
        Config::from_toml(
            "[ports]\nclient = 1068\nrelay = 1067\n[default]\nsip_servers = [\"a.b\"]",
        )
        .unwrap(),
        |_| None,
    )
    .unwrap();
    let (verdict, _) = run(&inform(), &p, &arrival());
    assert!(matches!(verdict, Verdict::Reply { to, .. } if to.port() == 1068));
    let mut m = inform();
    m.giaddr = ip("10.9.0.1");
    let (verdict, _) = run(&m, &p, &arrival());
    assert!(matches!(verdict, Verdict::Reply { to, .. } if to.port() == 1067));
}

#[test]
fn server_id_configured_or_from_the_arrival_address() {
    let p = policy("server_id = \"198.51.100.7\"");
    let (_, out) = run(&inform(), &p, &arrival());
    assert_eq!(
        DhcpMessage::parse(&out).unwrap().option(54),
        Some(&[198, 51, 100, 7][..])
    );
    let unknown = Arrival {
        local: Ipv4Addr::UNSPECIFIED,
        ..arrival()
    };
    assert_eq!(
        ignored(&inform(), &policy(""), &unknown),
        Reason::NoServerId
    );
}

#[test]
fn no_site_without_a_default() {
    let config = Config::from_toml(
        "[[site]]\nname = \"only\"\nsubnets = [\"10.0.0.0/8\"]\nsip_servers = [\"a.b\"]",
    )
    .unwrap();
    let p = Policy::new(config, |_| None).unwrap();
    assert_eq!(ignored(&inform(), &p, &arrival()), Reason::NoSite);
}

#[test]
fn long_option_43_is_split_per_rfc3396() {
    let label = "w".repeat(60);
    let web = format!("{label}.{label}.{label}.contoso.com");
    let config = Config::from_toml(&format!(
        "[default]\nsip_servers = [\"pool.contoso.com\"]\nweb_server = \"{web}\""
    ))
    .unwrap();
    let p = Policy::new(config, |_| None).unwrap();
    let (_, out) = run(&inform(), &p, &arrival());
    let packet = Packet::new_checked(&out[..]).unwrap();
    let set = packet.options().unwrap();
    let parts: Vec<usize> = set.parts(43).map(|i| i.value.len()).collect();
    assert_eq!(parts, vec![255, 67 + web.len() - 255]);
    let joined = set.get(43).unwrap();
    assert_eq!(
        VendorOptions::parse(&joined).get(3).unwrap().value,
        web.as_bytes()
    );
}

#[test]
fn malformed_datagrams_are_reported_not_answered() {
    let p = policy("");
    let good = inform().to_bytes().unwrap();
    let mut bad_cookie = good.clone();
    bad_cookie[field::MAGIC.start] = 0;
    let mut past_end = good[..field::OPTIONS].to_vec();
    past_end.extend_from_slice(&[53, 1, 8, 60, 200, b'M']);
    let mut no_end = good[..field::OPTIONS].to_vec();
    no_end.extend_from_slice(&[53, 1, 8, 60, 12]);
    no_end.extend_from_slice(b"MS-UC-Client");
    for bytes in [
        &good[..100],
        &bad_cookie[..],
        &past_end[..],
        &no_end[..],
        &[][..],
    ] {
        let mut out = Vec::new();
        let outcome = decide(bytes, &arrival(), &p, &mut out);
        assert!(
            matches!(outcome.verdict, Verdict::Malformed(_)),
            "{:?}",
            outcome.verdict
        );
    }
}

#[test]
fn thousands_of_pads_still_get_an_answer() {
    let p = policy("");
    let good = inform().to_bytes().unwrap();
    let mut padded = good[..field::OPTIONS].to_vec();
    padded.extend(std::iter::repeat_n(0, 3000));
    padded.extend_from_slice(&good[field::OPTIONS..]);
    assert!(matches!(
        run_bytes(&padded, &p, &arrival()).0,
        Verdict::Reply { .. }
    ));
}

#[test]
fn the_client_is_described_for_the_log() {
    let p = policy("");
    let mut out = Vec::new();
    let bytes = inform().to_bytes().unwrap();
    let c = decide(&bytes, &arrival(), &p, &mut out).client;
    assert_eq!(c.hardware_address, &MAC);
    assert_eq!(c.xid, 0xDEAD_BEEF);
    assert_eq!(c.ciaddr, Some(ip("192.0.2.10")));
    assert_eq!(c.message_type, Some(MessageType::Inform));
    assert_eq!(c.vendor_class, Some(&b"MS-UC-Client"[..]));
}

#[test]
fn a_hardware_length_above_16_is_clamped_for_the_log() {
    let p = policy("");
    let mut out = Vec::new();
    let bytes = DhcpMessage {
        hlen: 200,
        ..inform()
    }
    .to_bytes()
    .unwrap();
    let c = decide(&bytes, &arrival(), &p, &mut out).client;
    assert_eq!(c.hardware_address.len(), 16);
    assert_eq!(&c.hardware_address[..6], &MAC);
}

#[test]
fn the_reply_buffer_is_reused() {
    let p = policy("");
    let bytes = inform().to_bytes().unwrap();
    let mut out = Vec::with_capacity(1500);
    let before = out.as_ptr();
    for _ in 0..3 {
        decide(&bytes, &arrival(), &p, &mut out);
    }
    assert_eq!(out.as_ptr(), before);
}

#[test]
fn match_any_answers_without_option_60_but_not_rogue_detection() {
    let p = policy("[vendor_class]\nmatch = \"any\"");
    let no_class = with_option(inform(), 60, None);
    assert!(matches!(
        run(&no_class, &p, &arrival()).0,
        Verdict::Reply { .. }
    ));
    let other = with_option(inform(), 60, Some(b"MSFT 5.0".to_vec()));
    assert!(matches!(
        run(&other, &p, &arrival()).0,
        Verdict::Reply { .. }
    ));
    let rogue = with_option(no_class, 43, Some(vec![0x5E, 0]));
    assert_eq!(ignored(&rogue, &p, &arrival()), Reason::RogueDetection);
    assert_eq!(ignored(&typed_discover(), &p, &arrival()), Reason::Discover);
}

fn typed_discover() -> DhcpMessage {
    with_option(inform(), 53, Some(vec![1]))
}
