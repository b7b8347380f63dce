use std::net::{Ipv4Addr, SocketAddr};

use ucprov_wire::message::{code, DhcpMessage, OP_BOOTREPLY};
use ucprov_wire::profile::{sip_option, MsUcProfile};
use ucprov_wire::Compression;

use super::*;
use crate::dhcp::RawReply;

fn reply(server: [u8; 4], options: Vec<(u8, Vec<u8>)>) -> RawReply {
    let mut all = vec![
        (code::MESSAGE_TYPE, vec![5]),
        (code::SERVER_ID, server.to_vec()),
    ];
    all.extend(options);
    let bytes = DhcpMessage {
        op: OP_BOOTREPLY,
        xid: 1,
        options: all,
        ..DhcpMessage::default()
    }
    .to_bytes()
    .unwrap();
    RawReply {
        from: SocketAddr::from((server, 67)),
        after_ms: 0,
        hex: String::new(),
        bytes,
    }
}

fn lync(web: &str, sip: &str) -> Vec<(u8, Vec<u8>)> {
    vec![
        (43, MsUcProfile::new(web).option43().unwrap()),
        (
            120,
            sip_option(&[sip.to_string()], Compression::Off).unwrap(),
        ),
    ]
}

#[test]
fn one_good_server_passes_and_is_chosen() {
    let answers = group(&[reply([192, 0, 2, 1], lync("web.test", "pool.test"))]);
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].server_id, Some(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(answers[0].registrars, vec!["pool.test"]);
    assert_eq!(
        answers[0].provisioning_url.as_deref(),
        Some("https://web.test:443/CertProv/CertProvisioningService.svc")
    );
    let v = judge(&answers);
    assert_eq!(v.chosen, Some(0));
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[test]
fn retransmitted_replies_are_one_server() {
    let r = reply([192, 0, 2, 1], lync("web.test", "pool.test"));
    let answers = group(&[r.clone(), r]);
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].replies, 2);
}

#[test]
fn servers_that_disagree_are_a_conflict_naming_both_and_the_field() {
    let answers = group(&[
        reply([192, 0, 2, 1], lync("web.test", "pool.test")),
        reply([192, 0, 2, 2], lync("rogue.test", "pool.test")),
    ]);
    let v = judge(&answers);
    assert_eq!(v.chosen, Some(0));
    assert_eq!(v.problems.len(), 1);
    let p = &v.problems[0];
    assert_eq!(p.kind, Failure::ConflictingServers);
    assert!(
        p.message.contains("192.0.2.1 and 192.0.2.2"),
        "{}",
        p.message
    );
    assert!(
        p.message
            .contains("sub-option 3 (WebServerFqdn): \"web.test\" vs \"rogue.test\""),
        "{}",
        p.message
    );
}

#[test]
fn order_and_end_byte_differences_are_not_a_conflict() {
    // dnsmasq sends the sub-options in reverse order with a trailing 0xFF and compresses 120.
    let profile = MsUcProfile::new("web.test");
    let mut reversed = Vec::new();
    for (c, v) in profile.suboptions().into_iter().rev() {
        reversed.push(c);
        reversed.push(u8::try_from(v.len()).unwrap());
        reversed.extend(v);
    }
    reversed.push(255);
    let names = vec!["pool.test".to_string(), "sip.pool.test".to_string()];
    let answers = group(&[
        reply(
            [192, 0, 2, 1],
            vec![
                (43, profile.option43().unwrap()),
                (120, sip_option(&names, Compression::Off).unwrap()),
            ],
        ),
        reply(
            [192, 0, 2, 2],
            vec![
                (43, reversed),
                (120, sip_option(&names, Compression::On).unwrap()),
            ],
        ),
    ]);
    let v = judge(&answers);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[test]
fn a_plain_dhcp_server_without_43_is_not_a_conflict() {
    let answers = group(&[
        reply(
            [192, 0, 2, 5],
            vec![(code::DNS_SERVERS, vec![192, 0, 2, 53])],
        ),
        reply([192, 0, 2, 1], lync("web.test", "pool.test")),
    ]);
    let v = judge(&answers);
    assert_eq!(v.chosen, Some(1));
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[test]
fn no_option_43_anywhere_is_missing() {
    let answers = group(&[reply(
        [192, 0, 2, 5],
        vec![(code::ROUTER, vec![192, 0, 2, 1])],
    )]);
    let v = judge(&answers);
    assert_eq!(v.chosen, None);
    assert_eq!(v.problems[0].kind, Failure::Option43Missing);
}

#[test]
fn a_wrong_sub_option_length_is_malformed_at_its_byte() {
    let mut data = MsUcProfile::new("web.test").option43().unwrap();
    // Sub-option 1 starts at 0; its length byte, at 1, claims more than the option holds.
    data[1] = 0xF0;
    let r = reply([192, 0, 2, 1], vec![(43, data)]);
    let answers = group(&[r]);
    let v = judge(&answers);
    assert_eq!(v.chosen, None);
    let p = &v.problems[0];
    assert_eq!(p.kind, Failure::Malformed);
    // Options 53 (3 bytes) and 54 (6 bytes) start at 240, so 43's data starts at byte 251
    // and the error names the length byte itself.
    assert!(
        p.message.contains(
            "option 43: byte 252: sub-option 1: length 240 (0xF0) runs past the end: only 73 bytes remain (offsets count from the first byte of the reply)"
        ),
        "{}",
        p.message
    );
}

#[test]
fn option_120_missing_is_left_to_the_dns_srv_fallback() {
    let answers = group(&[reply(
        [192, 0, 2, 1],
        vec![(43, MsUcProfile::new("web.test").option43().unwrap())],
    )]);
    let v = judge(&answers);
    // The device looks up _sipinternaltls._tcp instead (step 3 fails with 41 without it).
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.chosen, Some(0));
}
