use super::*;

fn inform() -> DhcpMessage {
    DhcpMessage::inform(
        0x1234_5678,
        Ipv4Addr::new(192, 0, 2, 10),
        [0x02, 0, 0, 0, 0, 0x10],
        Some(b"MS-UC-Client"),
        &[1, 6, 43, 120],
    )
}

#[test]
fn emit_lays_out_fields_at_their_offsets() {
    let bytes = inform().to_bytes().unwrap();
    assert_eq!(bytes.len(), MIN_MESSAGE_LEN);
    assert_eq!(&bytes[field::XID], &[0x12, 0x34, 0x56, 0x78]);
    assert_eq!(&bytes[field::CIADDR], &[192, 0, 2, 10]);
    assert_eq!(&bytes[field::MAGIC], &MAGIC_COOKIE);
    // The exact bytes from docs/peers.md §5's test client.
    let opts = &bytes[field::OPTIONS..field::OPTIONS + 24];
    assert_eq!(
        opts,
        b"\x35\x01\x08\x3C\x0CMS-UC-Client\x37\x04\x01\x06\x2B\x78\xFF"
    );
}

#[test]
fn parse_emit_round_trip() {
    let m = inform();
    let parsed = DhcpMessage::parse(&m.to_bytes().unwrap()).unwrap();
    assert_eq!(parsed, m);
    assert_eq!(parsed.message_type(), Some(MessageType::Inform));
    assert_eq!(parsed.hardware_address(), &[0x02, 0, 0, 0, 0, 0x10]);
}

#[test]
fn the_hardware_address_is_hlen_bytes_of_chaddr_clamped_to_16() {
    let mut m = inform();
    m.chaddr = [0xAB; 16];
    for (hlen, len) in [(0, 0), (6, 6), (16, 16), (17, 16), (255, 16)] {
        m.hlen = hlen;
        let bytes = m.to_bytes().unwrap();
        assert_eq!(m.hardware_address().len(), len, "hlen {hlen}");
        let borrowed = {
            let view = Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(view.hardware_address(), m.hardware_address());
            // Outlives the view: it borrows the datagram.
            view.buffer_hardware_address()
        };
        assert_eq!(borrowed, m.hardware_address());
    }
}

#[test]
fn long_option_is_split_and_joined() {
    let mut m = inform();
    m.options.push((43, vec![0x5A; 300]));
    let bytes = m.to_bytes().unwrap();
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let set = p.options().unwrap();
    assert_eq!(set.parts(43).count(), 2);
    assert_eq!(set.get(43).unwrap().len(), 300);
    assert_eq!(DhcpMessage::parse(&bytes).unwrap(), m);
}

#[test]
fn overloaded_file_and_sname_are_read_after_options() {
    let mut bytes = inform().to_bytes().unwrap();
    // Options field: 53, 52=3, 43 part one, end. file: 43 part two. sname: 43 part three.
    bytes.truncate(field::OPTIONS);
    bytes.extend_from_slice(&[53, 1, 8, 52, 1, 3, 43, 2, b'a', b'b', 255]);
    bytes[field::FILE.start..field::FILE.start + 5].copy_from_slice(&[43, 1, b'c', 255, 0]);
    bytes[field::SNAME.start..field::SNAME.start + 4].copy_from_slice(&[43, 1, b'd', 255]);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let set = p.options().unwrap();
    assert_eq!(set.get(43).as_deref(), Some(&b"abcd"[..]));
    let parts: Vec<Region> = set.parts(43).map(|i| i.region).collect();
    assert_eq!(parts, vec![Region::Options, Region::File, Region::Sname]);
}

#[test]
fn malformed_messages_are_rejected_with_offsets() {
    assert_eq!(
        Packet::new_checked(&[0u8; 100][..]).unwrap_err().kind,
        DecodeErrorKind::MessageTooShort { len: 100 }
    );
    let mut bytes = inform().to_bytes().unwrap();
    bytes[237] = 0;
    assert_eq!(
        Packet::new_checked(&bytes[..]).unwrap_err(),
        DecodeError::new(
            236,
            Field::Header,
            DecodeErrorKind::BadMagicCookie {
                found: [0x63, 0, 0x53, 0x63]
            }
        )
    );
    let mut bytes = inform().to_bytes().unwrap();
    bytes.truncate(field::OPTIONS + 3);
    assert_eq!(
        DhcpMessage::parse(&bytes).unwrap_err().kind,
        DecodeErrorKind::MissingEnd
    );
    let mut bytes = inform().to_bytes().unwrap();
    bytes.truncate(field::OPTIONS);
    bytes.extend_from_slice(&[53, 1, 8, 60, 40, b'M']);
    assert_eq!(
        DhcpMessage::parse(&bytes).unwrap_err(),
        DecodeError::new(
            244,
            Field::Option { code: 60 },
            DecodeErrorKind::LengthPastEnd {
                declared: 40,
                available: 1
            }
        )
    );
    let mut bytes = inform().to_bytes().unwrap();
    bytes.truncate(field::OPTIONS);
    bytes.extend_from_slice(&[52, 1, 7, 255]);
    assert_eq!(
        DhcpMessage::parse(&bytes).unwrap_err().kind,
        DecodeErrorKind::BadOverload
    );
}

#[test]
fn visit_options_sees_raw_instances_without_joining() {
    let mut m = inform();
    m.options.push((43, vec![0x5A; 300]));
    let bytes = m.to_bytes().unwrap();
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let mut seen = Vec::new();
    p.visit_options(|i| seen.push((i.code, i.value.len(), i.offset)))
        .unwrap();
    let codes: Vec<u8> = seen.iter().map(|s| s.0).collect();
    assert_eq!(codes, vec![53, 60, 55, 43, 43]);
    assert_eq!((seen[3].1, seen[4].1), (255, 45));
    assert_eq!(seen[0].2, field::OPTIONS);
}

#[test]
fn visit_options_rejects_what_options_rejects() {
    for tail in [
        &[53, 1, 8][..],                // no end option
        &[53, 1, 8, 60, 40, b'M'][..],  // length past the end
        &[52, 1, 7, 255][..],           // bad overload value
        &[52, 1, 1, 52, 1, 1, 255][..], // overload split into two bytes
    ] {
        let mut bytes = inform().to_bytes().unwrap();
        bytes.truncate(field::OPTIONS);
        bytes.extend_from_slice(tail);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        let visited = p.visit_options(|_| {});
        assert!(visited.is_err(), "{tail:?}");
        assert_eq!(visited.err(), p.options().err());
    }
}

#[test]
fn emit_with_appends_borrowed_options_after_owned_ones() {
    let m = inform();
    let mut with = Vec::new();
    m.emit_with(&[(54, &[192, 0, 2, 1]), (43, &[0x5A; 300])], &mut with)
        .unwrap();
    let mut owned = m.clone();
    owned.options.push((54, vec![192, 0, 2, 1]));
    owned.options.push((43, vec![0x5A; 300]));
    assert_eq!(with, owned.to_bytes().unwrap());
}

#[test]
fn thousands_of_pads_are_fine() {
    let mut bytes = inform().to_bytes().unwrap();
    bytes.truncate(field::OPTIONS);
    bytes.extend(std::iter::repeat_n(0, 5000));
    bytes.extend_from_slice(&[53, 1, 8, 255]);
    assert_eq!(
        DhcpMessage::parse(&bytes).unwrap().message_type(),
        Some(MessageType::Inform)
    );
}

proptest::proptest! {
    #[test]
    fn any_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..700)) {
        let _ = DhcpMessage::parse(&data);
    }

    #[test]
    fn any_bytes_after_cookie_never_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let mut bytes = inform().to_bytes().unwrap();
        bytes.truncate(field::OPTIONS);
        bytes.extend_from_slice(&tail);
        if let Ok(m) = DhcpMessage::parse(&bytes) {
            // Whatever parses re-emits and parses to the same message.
            let again = DhcpMessage::parse(&m.to_bytes().unwrap()).unwrap();
            proptest::prop_assert_eq!(again, m);
        }
    }
}

#[test]
fn every_message_type_round_trips_and_has_its_rfc_name() {
    for v in 0..=u8::MAX {
        let t = MessageType::from_u8(v);
        assert_eq!(t.to_u8(), v);
        match v {
            1..=18 => assert!(t.name().starts_with("DHCP"), "{v}: {}", t.name()),
            _ => assert_eq!(t.to_string(), format!("message type {v}")),
        }
    }
    assert_eq!(MessageType::from_u8(10).name(), "DHCPLEASEQUERY");
    assert_eq!(MessageType::from_u8(13).to_string(), "DHCPLEASEACTIVE");
    assert!(MessageType::LeaseQuery.is_request());
    assert!(!MessageType::LeaseActive.is_request());
}

#[test]
fn typed_reads_of_the_options_judges_ask_about() {
    let mut m = inform();
    m.options.push((code::SERVER_ID, vec![192, 0, 2, 1]));
    let bytes = m.to_bytes().unwrap();
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let set = p.options().unwrap();
    assert_eq!(set.message_type(), Some(MessageType::Inform));
    assert_eq!(set.server_id(), Some(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(set.vendor_class().as_deref(), Some(&b"MS-UC-Client"[..]));
    assert!(set.requests(code::VENDOR_SPECIFIC) && set.requests(code::SIP_SERVERS));
    assert!(!set.requests(code::LEASE_TIME));
    // A one-byte server id is no server id, not a panic or a guess.
    let mut odd = inform();
    odd.options.push((code::SERVER_ID, vec![192]));
    let bytes = odd.to_bytes().unwrap();
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.options().unwrap().server_id(), None);
}

#[test]
fn set_xid_rewrites_only_the_transaction_id() {
    let mut bytes = inform().to_bytes().unwrap();
    let before = bytes.clone();
    let mut p = Packet::new_checked(&mut bytes[..]).unwrap();
    p.set_xid(0xDEAD_BEEF);
    assert_eq!(p.xid(), 0xDEAD_BEEF);
    assert_eq!(bytes[field::XID], [0xDE, 0xAD, 0xBE, 0xEF]);
    assert_eq!(bytes[..4], before[..4]);
    assert_eq!(bytes[8..], before[8..]);
}

#[test]
fn read_options_keeps_what_a_message_without_end_carried() {
    let mut bytes = inform().to_bytes().unwrap();
    // Cut the end option and the padding after it.
    let end = bytes.iter().rposition(|b| *b == END).unwrap();
    bytes.truncate(end);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert!(p.options().is_err());
    let read = p.read_options();
    assert!(read.missing_end);
    assert_eq!(read.error, None);
    assert_eq!(read.set.message_type(), Some(MessageType::Inform));
    // A cut option is an error, with the options before it kept.
    bytes.truncate(bytes.len() - 3);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let read = p.read_options();
    assert!(read.error.is_some());
    assert_eq!(read.set.message_type(), Some(MessageType::Inform));
}
