//! Differential tests against dhcproto, an independent DHCP implementation, wherever both
//! define the result: single-instance options, and long options split by one and joined by the
//! other. (dhcproto keeps only the last of two non-adjacent instances and stops silently at a
//! malformed option, so those cases are not compared; our own tests cover them.)
#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::net::Ipv4Addr;

use dhcproto::v4::{self, Decodable, Decoder, DhcpOption, Encodable, Encoder, OptionCode};
use proptest::prelude::*;
use ucprov_wire::message::{code, DhcpMessage, Packet};
use ucprov_wire::profile::Provisioning;

fn ours_inform(option43: Vec<u8>, option120: Vec<u8>) -> DhcpMessage {
    let mut chaddr = [0; 16];
    chaddr[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x10]);
    DhcpMessage {
        xid: 0xCAFE_F00D,
        ciaddr: Ipv4Addr::new(192, 0, 2, 10),
        chaddr,
        options: vec![
            (code::MESSAGE_TYPE, vec![8]),
            (code::VENDOR_CLASS, b"MS-UC-Client".to_vec()),
            (code::PARAMETER_REQUEST_LIST, vec![1, 6, 43, 120]),
            (code::VENDOR_SPECIFIC, option43),
            (code::SIP_SERVERS, option120),
        ],
        ..DhcpMessage::default()
    }
}

fn theirs(bytes: &[u8]) -> v4::Message {
    v4::Message::decode(&mut Decoder::new(bytes)).expect("dhcproto decodes our message")
}

fn vendor_bytes(m: &v4::Message) -> Vec<u8> {
    match m.opts().get(OptionCode::VendorExtensions) {
        Some(DhcpOption::VendorExtensions(v)) => v.clone(),
        other => panic!("no option 43 in dhcproto's view: {other:?}"),
    }
}

fn unknown_bytes(m: &v4::Message, code: u8) -> Vec<u8> {
    match m.opts().get(OptionCode::Unknown(code)) {
        Some(DhcpOption::Unknown(u)) => u.data().to_vec(),
        other => panic!("no option {code} in dhcproto's view: {other:?}"),
    }
}

#[test]
fn dhcproto_reads_our_seed_inform_identically() {
    let p = Provisioning::new("lync.schertz.local", None);
    let m = ours_inform(p.option43().unwrap(), p.option120().unwrap());
    let bytes = m.to_bytes().unwrap();
    let t = theirs(&bytes);
    assert_eq!(t.xid(), m.xid);
    assert_eq!(t.ciaddr(), m.ciaddr);
    assert_eq!(t.chaddr(), &m.chaddr[..6]);
    assert_eq!(t.opts().msg_type(), Some(v4::MessageType::Inform));
    assert_eq!(
        t.opts().get(OptionCode::ClassIdentifier),
        Some(&DhcpOption::ClassIdentifier(b"MS-UC-Client".to_vec()))
    );
    assert_eq!(vendor_bytes(&t), p.option43().unwrap());
    assert_eq!(unknown_bytes(&t, 120), p.option120().unwrap());
}

#[test]
fn we_join_what_dhcproto_splits() {
    // A 200-character web FQDN makes option 43 267 bytes: dhcproto splits it per RFC 3396.
    let label = "a".repeat(49);
    let fqdn = format!("{label}.{label}.{label}.{label}.co"); // 199 chars
    let p = Provisioning::new(fqdn, None);
    let long43 = p.option43().unwrap();
    assert!(long43.len() > 255);
    let mut msg = v4::Message::default();
    msg.set_xid(7);
    msg.opts_mut()
        .insert(DhcpOption::MessageType(v4::MessageType::Ack));
    msg.opts_mut()
        .insert(DhcpOption::VendorExtensions(long43.clone()));
    let mut bytes = Vec::new();
    msg.encode(&mut Encoder::new(&mut bytes)).unwrap();
    let ours = Packet::new_checked(&bytes[..]).unwrap();
    let set = ours.options().unwrap();
    assert!(set.parts(43).count() >= 2, "dhcproto should have split it");
    assert_eq!(set.get(43).unwrap().as_ref(), &long43[..]);
}

proptest! {
    #[test]
    fn both_decoders_agree_on_our_messages(
        o43 in proptest::collection::vec(any::<u8>(), 0..255),
        o120 in proptest::collection::vec(any::<u8>(), 1..255),
    ) {
        let m = ours_inform(o43.clone(), o120.clone());
        let bytes = m.to_bytes().unwrap();
        let t = theirs(&bytes);
        prop_assert_eq!(vendor_bytes(&t), o43);
        prop_assert_eq!(unknown_bytes(&t, 120), o120);
        prop_assert_eq!(DhcpMessage::parse(&bytes).unwrap(), m);
    }

    #[test]
    fn we_agree_with_dhcproto_on_its_messages(
        o43 in proptest::collection::vec(any::<u8>(), 1..700),
        xid in any::<u32>(),
    ) {
        let mut msg = v4::Message::default();
        msg.set_xid(xid);
        msg.opts_mut().insert(DhcpOption::MessageType(v4::MessageType::Inform));
        msg.opts_mut().insert(DhcpOption::VendorExtensions(o43.clone()));
        let mut bytes = Vec::new();
        msg.encode(&mut Encoder::new(&mut bytes)).unwrap();
        let ours = DhcpMessage::parse(&bytes).unwrap();
        prop_assert_eq!(ours.xid, xid);
        prop_assert_eq!(ours.option(code::VENDOR_SPECIFIC), Some(&o43[..]));
        prop_assert_eq!(ours.option(code::MESSAGE_TYPE), Some(&[8u8][..]));
    }
}
