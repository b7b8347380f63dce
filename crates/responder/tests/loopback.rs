//! The responder on 127.0.0.1 with real UDP datagrams: answers, silences, the malformed burst,
//! relays, reload and the admin endpoint. Unprivileged: ephemeral ports only.

#![allow(clippy::unwrap_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::net::{Ipv4Addr, UdpSocket};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use ucprov_testkit::http_get;

use common::{inform, inform_message, recv_on, start, start_with, SAFETY};
use ucprov_responder::admin::{Admin, MetricsSource};
use ucprov_responder::reason::Reason;
use ucprov_wire::message::{field, DhcpMessage, MessageType};
use ucprov_wire::{SipServers, VendorOptions};

const DEFAULT: &str = "[default]\nsip_servers = [\"lync.schertz.local\"]\n";

#[test]
fn an_inform_is_answered_with_options_43_and_120() {
    let mut h = start(DEFAULT);
    h.send(&inform(7, None));
    let reply = h.recv();
    assert_eq!(reply.message_type(), Some(MessageType::Ack));
    assert_eq!(reply.xid, 7);
    assert_eq!(reply.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(reply.option(54), Some(&[127, 0, 0, 1][..]));
    let codes: Vec<u8> = reply.options.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, vec![53, 54, 43, 120]);
    let subs = VendorOptions::parse(reply.option(43).unwrap());
    assert_eq!(subs.get(3).unwrap().value, b"lync.schertz.local");
    assert_eq!(
        SipServers::parse(reply.option(120).unwrap()).unwrap(),
        SipServers::Names(vec!["lync.schertz.local".into()])
    );
    h.stop();
    assert_eq!(h.state.metrics.answered.load(Relaxed), 1);
}

fn typed(xid: u32, t: u8) -> Vec<u8> {
    let mut m = inform_message(xid, None);
    m.options[0].1 = vec![t];
    m.to_bytes().unwrap()
}

fn with_class(xid: u32, class: Option<&[u8]>, option43: Option<&[u8]>) -> Vec<u8> {
    let mut m = inform_message(xid, None);
    m.options.retain(|(c, _)| *c != 60);
    if let Some(c) = class {
        m.options.push((60, c.to_vec()));
    }
    if let Some(v) = option43 {
        m.options.push((43, v.to_vec()));
    }
    m.to_bytes().unwrap()
}

#[test]
fn every_silence_on_the_wire_is_counted_by_reason() {
    let mut h = start(DEFAULT);
    let mut bootreply = inform_message(1, None);
    bootreply.op = 2;
    let cases: Vec<(Vec<u8>, Reason)> = vec![
        (typed(1, 1), Reason::Discover),
        (typed(1, 3), Reason::Request),
        (typed(1, 4), Reason::Decline),
        (typed(1, 7), Reason::Release),
        (bootreply.to_bytes().unwrap(), Reason::BootReply),
        (
            with_class(1, None, Some(&[0x5E, 0])),
            Reason::RogueDetection,
        ),
        (with_class(1, None, None), Reason::NoVendorClass),
        (with_class(1, Some(b"MSFT 5.0"), None), Reason::VendorClass),
        (
            with_class(1, Some(b"MS-UC-Client-X"), None),
            Reason::VendorClass,
        ),
    ];
    for (i, (bytes, reason)) in cases.iter().enumerate() {
        let before = h.state.metrics.ignored(*reason);
        h.send(bytes);
        // The probe's answer arriving first proves the silent case got no answer.
        h.probe(1000 + i as u32);
        assert_eq!(h.state.metrics.ignored(*reason), before + 1, "{reason}");
    }
    h.stop();
    assert_eq!(
        h.state.metrics.ignored_total(),
        cases.len() as u64,
        "nothing else was ignored"
    );
    assert_eq!(h.state.metrics.answered.load(Relaxed), cases.len() as u64);
}

/// The malformed kinds the issue names; each is a BOOTREQUEST INFORM gone wrong.
fn malformed_kinds() -> Vec<Vec<u8>> {
    let good = inform(1, None);
    let truncated = good[..150].to_vec();
    let mut bad_cookie = good.clone();
    bad_cookie[field::MAGIC.start + 2] ^= 0xFF;
    let mut past_end = good[..field::OPTIONS].to_vec();
    past_end.extend_from_slice(&[53, 1, 8, 60, 250, b'M', b'S', 255]);
    let mut pads = good[..field::OPTIONS].to_vec();
    pads.extend_from_slice(&[53, 1, 8]);
    pads.extend(std::iter::repeat_n(0, 3000));
    let mut no_end = good[..field::OPTIONS].to_vec();
    no_end.extend_from_slice(&[53, 1, 8, 60, 12]);
    no_end.extend_from_slice(b"MS-UC-Client");
    vec![truncated, bad_cookie, past_end, pads, no_end, Vec::new()]
}

#[test]
fn a_malformed_burst_is_counted_and_every_valid_inform_answered() {
    let mut h = start(DEFAULT);
    let kinds = malformed_kinds();
    let rounds = 25u32;
    let mut sent_malformed = 0u64;
    // Valid INFORMs with thousands of pads before the options are fine and must be answered.
    let mut padded = inform_message(0, None).to_bytes().unwrap();
    padded.splice(
        field::OPTIONS..field::OPTIONS,
        std::iter::repeat_n(0u8, 2000),
    );
    for round in 0..rounds {
        for bad in &kinds {
            h.send(bad);
            sent_malformed += 1;
        }
        let xid = 5000 + round;
        if round % 2 == 0 {
            h.probe(xid);
        } else {
            let mut m = padded.clone();
            m[field::XID].copy_from_slice(&xid.to_be_bytes());
            h.send(&m);
            assert_eq!(h.recv().xid, xid);
        }
    }
    h.stop();
    let m = &h.state.metrics;
    assert_eq!(m.malformed.load(Relaxed), sent_malformed);
    assert_eq!(m.answered.load(Relaxed), u64::from(rounds));
    assert_eq!(m.received.load(Relaxed), sent_malformed + u64::from(rounds));
    assert_eq!(m.ignored_total(), 0);
}

#[test]
fn a_burst_sent_without_waiting_is_answered_in_full() {
    let mut h = start(DEFAULT);
    let burst = 64u32;
    for xid in 0..burst {
        h.send(&inform(xid, None));
    }
    let mut seen: Vec<u32> = (0..burst).map(|_| h.recv().xid).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..burst).collect::<Vec<_>>());
    h.stop();
    assert_eq!(h.state.metrics.answered.load(Relaxed), u64::from(burst));
    assert_eq!(h.state.metrics.send_errors.load(Relaxed), 0);
}

#[test]
fn a_relayed_inform_goes_to_the_relay_with_its_sites_profile() {
    // The harness sends replies for clients and relays to the same port number; the relay
    // binds that port on 127.0.0.2, its own address.
    let site = "[[site]]\nname = \"branch\"\nrelays = [\"127.0.0.2\"]\nsip_servers = [\"pool-b.contoso.com\"]\nweb_server = \"web-b.contoso.com\"\n";
    let h = start(&format!("{DEFAULT}{site}"));
    let relay_port = h.client.local_addr().unwrap().port();
    let relay = UdpSocket::bind(("127.0.0.2", relay_port)).unwrap();
    relay.set_read_timeout(Some(SAFETY)).unwrap();
    relay
        .send_to(&inform(42, Some(Ipv4Addr::new(127, 0, 0, 2))), h.server)
        .unwrap();
    let reply = recv_on(&relay);
    assert_eq!(reply.xid, 42);
    assert_eq!(reply.giaddr, Ipv4Addr::new(127, 0, 0, 2));
    let subs = VendorOptions::parse(reply.option(43).unwrap());
    assert_eq!(subs.get(3).unwrap().value, b"web-b.contoso.com");
    h.shutdown();
}

#[test]
fn reload_with_a_broken_config_keeps_serving_the_old_one() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let h = start_with(DEFAULT, Some(file.path().to_path_buf()));
    std::fs::write(file.path(), "[default]\nsip_servers = [\"bad_name\"]\n").unwrap();
    let e = h.state.reload().unwrap_err().to_string();
    assert!(e.contains("sip_servers"), "{e}");
    let reply = h.probe(1);
    let subs = VendorOptions::parse(reply.option(43).unwrap());
    assert_eq!(subs.get(3).unwrap().value, b"lync.schertz.local");
    // A good file is taken, even though it names another listen port (applied at restart).
    let port = h.client.local_addr().unwrap().port();
    std::fs::write(
        file.path(),
        format!("[ports]\nclient = {port}\n[default]\nsip_servers = [\"new.contoso.com\"]\n"),
    )
    .unwrap();
    h.state.reload().unwrap();
    let reply = h.probe(2);
    let subs = VendorOptions::parse(reply.option(43).unwrap());
    assert_eq!(subs.get(3).unwrap().value, b"new.contoso.com");
    h.shutdown();
}

#[test]
fn the_admin_endpoint_serves_every_metrics_source() {
    let mut h = start(DEFAULT);
    h.send(&typed(1, 1));
    h.send(&[1, 2, 3]);
    let reply_len = h.probe(9).to_bytes().unwrap().len();
    h.stop();
    let state = Arc::clone(&h.state);
    let ours: MetricsSource = Arc::new(move || state.metrics.render_prometheus());
    let other: MetricsSource = Arc::new(|| "ucprov_certprov_requests_total 5\n".to_string());
    let admin =
        h.rt.block_on(Admin::bind(
            "127.0.0.1:0".parse().unwrap(),
            vec![ours, other],
        ))
        .unwrap();
    let addr = admin.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = h.rt.spawn(admin.run(async {
        let _ = stopped.await;
    }));
    let page = http_get(addr, "/metrics");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("ucprov_dhcp_received_total 3\n"), "{page}");
    assert!(page.contains("ucprov_dhcp_answered_total 1\n"));
    assert!(page.contains("ucprov_dhcp_malformed_total 1\n"));
    assert!(page.contains("ucprov_dhcp_ignored_total{reason=\"discover\"} 1\n"));
    let bytes_line = format!("ucprov_dhcp_reply_bytes_total {reply_len}\n");
    assert!(page.contains(&bytes_line), "{page}");
    assert!(page.contains("ucprov_certprov_requests_total 5\n"));
    assert!(http_get(addr, "/nope").starts_with("HTTP/1.1 404"));
    stop.send(()).unwrap();
    h.rt.block_on(served).unwrap().unwrap();
    h.shutdown();
}

#[test]
fn replies_are_valid_messages_of_at_least_300_bytes() {
    let h = start(DEFAULT);
    h.send(&inform(3, None));
    let mut buf = [0u8; 2048];
    let (n, from) = h.client.recv_from(&mut buf).unwrap();
    assert_eq!(from, h.server);
    assert!(n >= 300);
    DhcpMessage::parse(&buf[..n]).unwrap();
    h.shutdown();
}
