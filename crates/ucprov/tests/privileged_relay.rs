//! The horizontal deployment (issue 13 item 5): a relay agent forwarding every DHCP message
//! of a client subnet to two `ucprov serve` instances and to the site's real DHCP server, as
//! `ip helper-address` does on a router. The relay is ISC `dhcrelay` (Debian's
//! isc-dhcp-relay), the real server dnsmasq, each in its own network namespace:
//!
//! ```text
//!  phone 10.77.1.10 ─┐                    ┌─ rl-a 10.77.2.1 ── responder A 10.77.2.2 (2 workers)
//!                    ├─ br-dl 10.77.1.1 ──┼─ rl-b 10.77.3.1 ── responder B 10.77.3.2 (1 worker)
//!  plain (dhcpcd) ───┘    dhcrelay        └─ rl-d 10.77.4.1 ── dnsmasq     10.77.4.2 (leases)
//! ```
//!
//! The phone's INFORM gets exactly one answer from each responder, relayed back through the
//! relay (giaddr 10.77.1.1), with the bytes of 43 and 120 the profile encodes to; the plain
//! client still gets its lease from dnsmasq through the same relay. Without the broadcast bit
//! the relay loses the answers (sent to yiaddr 0.0.0.0): that is dhcrelay's, and is asserted
//! so the docs stay true.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ucprov_testkit::{artifacts_dir, exchange, require_root, require_tool, Netns, Peer};
use ucprov_wire::message::DhcpMessage;
use ucprov_wire::profile::Provisioning;

const SAFETY: Duration = Duration::from_secs(30);
const RELAY: Ipv4Addr = Ipv4Addr::new(10, 77, 1, 1);
const PHONE: Ipv4Addr = Ipv4Addr::new(10, 77, 1, 10);
const RESPONDER_A: Ipv4Addr = Ipv4Addr::new(10, 77, 2, 2);
const RESPONDER_B: Ipv4Addr = Ipv4Addr::new(10, 77, 3, 2);
const DNSMASQ: Ipv4Addr = Ipv4Addr::new(10, 77, 4, 2);
const POOL_A: &str = "pool-a.contoso.com";
const POOL_B: &str = "pool-b.contoso.com";
/// RFC 2131 §4.1: the broadcast bit of `flags`.
const BROADCAST: u16 = 0x8000;

static NEXT: AtomicU32 = AtomicU32::new(0);

fn ip(args: &[&str]) {
    let out = Command::new(require_tool("ip", "iproute2"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A veth pair `a_if` (in `a`) ↔ `b_if` (in `b`), both up; created under names unique to
/// this process so parallel tests cannot collide in the root namespace.
fn veth(a: &Netns, a_if: &str, b: &Netns, b_if: &str) {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id() % 100_000;
    let (ta, tb) = (format!("urla{pid}x{n}"), format!("urlb{pid}x{n}"));
    ip(&["link", "add", &ta, "type", "veth", "peer", "name", &tb]);
    ip(&["link", "set", &ta, "netns", a.name()]);
    ip(&["link", "set", &tb, "netns", b.name()]);
    a.ip(&["link", "set", &ta, "name", a_if]);
    b.ip(&["link", "set", &tb, "name", b_if]);
    a.ip(&["link", "set", a_if, "up"]);
    b.ip(&["link", "set", b_if, "up"]);
}

struct Lab {
    phone: Netns,
    plain: Netns,
    relay: Netns,
    a: Netns,
    b: Netns,
    dhcp: Netns,
}

impl Lab {
    fn new() -> Lab {
        require_root();
        let lab = Lab {
            phone: Netns::new("rlphone"),
            plain: Netns::new("rlplain"),
            relay: Netns::new("rlrelay"),
            a: Netns::new("rlresa"),
            b: Netns::new("rlresb"),
            dhcp: Netns::new("rldnsm"),
        };
        // The client subnet: a bridge in the relay namespace, the phone and the plain client
        // on it.
        lab.relay.ip(&["link", "add", "br-dl", "type", "bridge"]);
        lab.relay
            .ip(&["addr", "add", "10.77.1.1/24", "dev", "br-dl"]);
        lab.relay.ip(&["link", "set", "br-dl", "up"]);
        veth(&lab.phone, "ph0", &lab.relay, "rl-ph");
        veth(&lab.plain, "rlplain0", &lab.relay, "rl-pl");
        for port in ["rl-ph", "rl-pl"] {
            lab.relay.ip(&["link", "set", port, "master", "br-dl"]);
        }
        lab.phone
            .ip(&["addr", "add", "10.77.1.10/24", "dev", "ph0"]);
        lab.phone
            .ip(&["route", "add", "default", "via", "10.77.1.1"]);
        // One link per server; each server routes back through the relay.
        for (ns, relay_if, net) in [
            (&lab.a, "rl-a", 2),
            (&lab.b, "rl-b", 3),
            (&lab.dhcp, "rl-d", 4),
        ] {
            veth(&lab.relay, relay_if, ns, "up0");
            lab.relay
                .ip(&["addr", "add", &format!("10.77.{net}.1/24"), "dev", relay_if]);
            ns.ip(&["addr", "add", &format!("10.77.{net}.2/24"), "dev", "up0"]);
            ns.ip(&["route", "add", "default", "via", &format!("10.77.{net}.1")]);
        }
        lab
    }
}

fn responder_config(pool: &str, workers: u32) -> String {
    format!("admin = \"127.0.0.1:9167\"\n[listen]\nworkers = {workers}\n[default]\nsip_servers = [\"{pool}\"]\n")
}

fn dnsmasq(lab: &Lab) -> Peer {
    let bin = require_tool("dnsmasq", "dnsmasq-base");
    let dir = artifacts_dir().join(format!("relay-dnsmasq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("dnsmasq.conf");
    // port=0: no DNS; the range is the relayed subnet, which dnsmasq serves because the
    // relay's giaddr falls in it.
    std::fs::write(
        &conf,
        format!(
            "port=0\nno-resolv\nno-hosts\nlog-dhcp\npid-file=\nuser=root\ndhcp-authoritative\ndhcp-range=10.77.1.100,10.77.1.150,255.255.255.0,1h\ndhcp-leasefile={}\n",
            dir.join("leases").display()
        ),
    )
    .unwrap();
    let mut cmd = lab.dhcp.command(bin);
    cmd.args(["-k", "--log-facility=-", "-C"]).arg(&conf);
    let mut peer = Peer::spawn(cmd, "relay-dnsmasq");
    peer.wait_for_log("DHCP, IP range 10.77.1.100", SAFETY);
    peer
}

fn dhcrelay(lab: &Lab) -> Peer {
    let bin = require_tool("dhcrelay", "isc-dhcp-relay");
    let pid = artifacts_dir().join(format!("relay-dhcrelay-{}.pid", std::process::id()));
    let mut cmd = lab.relay.command(bin);
    cmd.args(["-4", "-d", "-pf"])
        .arg(&pid)
        .args(["-id", "br-dl", "-iu", "rl-a", "-iu", "rl-b", "-iu", "rl-d"])
        .args([RESPONDER_A, RESPONDER_B, DNSMASQ].map(|a| a.to_string()));
    let mut peer = Peer::spawn(cmd, "relay-dhcrelay");
    peer.wait_for_log("Sending on   Socket/fallback", SAFETY);
    peer
}

fn phone_inform(lab: &Lab, xid: u32, flags: u16) -> Vec<(SocketAddr, DhcpMessage)> {
    let mut request = ucprov_testkit::inform_message(
        xid,
        PHONE,
        [0x02, 0, 0, 0, 0x77, 0x10],
        Some(b"MS-UC-Client"),
        &[1, 3, 6, 43, 120],
    );
    request.flags = flags;
    let bytes = request.to_bytes().unwrap();
    // The wildcard: the relay sends the answers to 255.255.255.255:68.
    let replies = lab.phone.run(|| {
        exchange(
            ([0, 0, 0, 0], 68).into(),
            (Ipv4Addr::BROADCAST, 67).into(),
            &bytes,
            Duration::from_secs(3),
        )
    });
    replies
        .into_iter()
        .map(|r| (r.from, DhcpMessage::parse(&r.bytes).unwrap()))
        .filter(|(_, m)| m.xid == xid)
        .collect()
}

/// Option 54, the answering server's identifier.
fn server_id(m: &DhcpMessage) -> Option<Ipv4Addr> {
    let v: [u8; 4] = m.option(54)?.try_into().ok()?;
    Some(Ipv4Addr::from(v))
}

fn metrics(ns: &Netns) -> String {
    ns.run(|| ucprov_testkit::http_get("127.0.0.1:9167", "/metrics"))
}

fn sample(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

#[test]
#[ignore = "privileged: needs root, netns, dhcrelay (isc-dhcp-relay), dnsmasq and dhcpcd; run by scripts/test-all"]
fn a_relay_to_two_responders_and_the_real_server_gets_one_answer_from_each_and_a_lease() {
    let dhcpcd = require_tool("dhcpcd", "dhcpcd-base");
    let lab = Lab::new();
    let mut a = common::serve_in(&lab.a, "relay-responder-a", &responder_config(POOL_A, 2));
    let mut b = common::serve_in(&lab.b, "relay-responder-b", &responder_config(POOL_B, 1));
    let mut real = dnsmasq(&lab);
    let mut relay = dhcrelay(&lab);
    assert!(a.log().contains("workers=2"), "{}", a.log());

    let replies = phone_inform(&lab, 0x7713_0001, BROADCAST);
    std::fs::write(
        artifacts_dir().join("relay-phone-replies.txt"),
        format!("{replies:#?}"),
    )
    .unwrap();
    for (server, pool) in [(RESPONDER_A, POOL_A), (RESPONDER_B, POOL_B)] {
        let from_it: Vec<_> = replies
            .iter()
            .filter(|(_, m)| server_id(m) == Some(server))
            .collect();
        assert_eq!(from_it.len(), 1, "answers from {server}: {replies:#?}");
        let (from, reply) = from_it[0];
        // Relayed: the relay's own address sends it, the giaddr the relay put in stays.
        assert_eq!(*from, SocketAddr::from((RELAY, 67)), "{reply:?}");
        assert_eq!(reply.giaddr, RELAY);
        assert_eq!(reply.ciaddr, PHONE);
        assert_eq!(reply.message_type().map(|t| t.to_u8()), Some(5));
        let p = Provisioning::new(pool, None);
        assert_eq!(
            reply.option(43),
            Some(&p.option43().unwrap()[..]),
            "{server}"
        );
        assert_eq!(
            reply.option(120),
            Some(&p.option120().unwrap()[..]),
            "{server}"
        );
    }
    // dnsmasq answers INFORMs too (RFC 2131 §3.4), once, with neither 43 nor 120: nothing
    // but the responders carries a profile, and there is no fourth answer.
    let others: Vec<_> = replies
        .iter()
        .filter(|(_, m)| ![Some(RESPONDER_A), Some(RESPONDER_B)].contains(&server_id(m)))
        .collect();
    assert_eq!(others.len(), 1, "{replies:#?}");
    let (_, m) = others[0];
    assert_eq!(server_id(m), Some(DNSMASQ), "an unexpected answer: {m:?}");
    assert!(m.option(43).is_none() && m.option(120).is_none(), "{m:?}");
    // Without the broadcast bit ISC dhcrelay sends the relayed answer to yiaddr, which is
    // 0.0.0.0 in an answer to an INFORM (its log: "Forwarded BOOTREPLY ... to 0.0.0.0"): the
    // responders answer, the phone hears nothing. docs/serve.md says so.
    let unflagged = phone_inform(&lab, 0x7713_0002, 0);
    assert!(unflagged.is_empty(), "{unflagged:#?}");
    relay.wait_for_log("to 0.0.0.0", SAFETY);
    // Each responder answered both INFORMs once, summed over its workers.
    for (ns, workers) in [(&lab.a, 2), (&lab.b, 1)] {
        let m = metrics(ns);
        assert_eq!(sample(&m, "ucprov_dhcp_answered_total"), 2, "{m}");
        assert_eq!(sample(&m, "ucprov_dhcp_workers"), workers, "{m}");
        let per_worker: u64 = (0..workers)
            .map(|w| {
                sample(
                    &m,
                    &format!("ucprov_dhcp_worker_answered_total{{worker=\"{w}\"}}"),
                )
            })
            .sum();
        assert_eq!(per_worker, 2, "{m}");
    }

    // The plain client: a whole DORA through the same relay, leased by dnsmasq.
    let dir = std::fs::canonicalize(artifacts_dir()).unwrap();
    let conf = dir.join("relay-dhcpcd.conf");
    std::fs::write(&conf, "noipv6\nnoarp\n").unwrap();
    let out = lab
        .plain
        .command(&dhcpcd)
        .arg("-f")
        .arg(&conf)
        .args(["-4", "-1", "-t", "20", "-c", "/bin/true", "rlplain0"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(artifacts_dir().join("relay-dhcpcd.out"), &text).unwrap();
    assert!(out.status.success(), "dhcpcd: {text}");
    let addr = lab
        .plain
        .command("ip")
        .args(["-4", "-o", "addr", "show", "dev", "rlplain0"])
        .output()
        .unwrap();
    let addr = String::from_utf8_lossy(&addr.stdout).into_owned();
    let leased = addr
        .split_whitespace()
        .find_map(|w| w.strip_suffix("/24")?.parse::<Ipv4Addr>().ok())
        .unwrap_or_else(|| panic!("no leased address on rlplain0: {addr}\n{text}"));
    assert!(
        (100..=150).contains(&leased.octets()[3]) && leased.octets()[..3] == [10, 77, 1],
        "{leased}"
    );
    real.wait_for_log(&format!("DHCPACK(up0) {leased}"), SAFETY);
    // The responders saw the client's REQUEST (a whole DORA, or only the REQUEST when dhcpcd
    // kept the lease of an earlier run) and stayed silent, counting it.
    for ns in [&lab.a, &lab.b] {
        let m = metrics(ns);
        assert_eq!(sample(&m, "ucprov_dhcp_answered_total"), 2, "{m}");
        assert!(
            sample(&m, "ucprov_dhcp_ignored_total{reason=\"request\"}") >= 1,
            "{m}"
        );
    }
    a.assert_running();
    b.assert_running();
    relay.assert_running();
}

/// A broadcast reaches every socket of a SO_REUSEPORT group (the kernel clones it to each),
/// so with two workers a phone on the responder's own segment would get two answers unless
/// only one worker takes broadcasts. Unicasts are spread, each answered once.
#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn two_workers_answer_a_broadcast_once_and_spread_unicasts() {
    let link = ucprov_testkit::VethLink::new();
    let _server = common::serve_in(
        &link.server,
        "relay-workers-broadcast",
        &responder_config(POOL_A, 2),
    );
    let inform = |xid: u32| {
        ucprov_testkit::inform_request(
            xid,
            link.client_ip,
            link.client_mac,
            Some(b"MS-UC-Client"),
            &[43, 120],
        )
    };
    let broadcast = link.client.run(|| {
        exchange(
            (link.client_ip, 68).into(),
            (Ipv4Addr::BROADCAST, 67).into(),
            &inform(0x7713_0100),
            Duration::from_secs(2),
        )
    });
    assert_eq!(broadcast.len(), 1, "{broadcast:#?}");
    // Unicasts from 40 source ports (the answers go to port 68): the kernel's hash gives
    // both workers some.
    let answers = link.client.run(|| {
        let rx = std::net::UdpSocket::bind((link.client_ip, 68)).unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut answers = 0;
        let mut buf = [0u8; 2048];
        for n in 0..40u32 {
            let tx = std::net::UdpSocket::bind((link.client_ip, 0)).unwrap();
            tx.send_to(&inform(0x7713_0200 + n), (link.server_ip, 67))
                .unwrap();
            let (len, _) = rx.recv_from(&mut buf).expect("an answer to each unicast");
            assert_eq!(
                DhcpMessage::parse(&buf[..len]).unwrap().xid,
                0x7713_0200 + n
            );
            answers += 1;
        }
        answers
    });
    assert_eq!(answers, 40);
    let m = link
        .server
        .run(|| ucprov_testkit::http_get("127.0.0.1:9167", "/metrics"));
    assert_eq!(sample(&m, "ucprov_dhcp_received_total"), 41, "{m}");
    assert_eq!(sample(&m, "ucprov_dhcp_answered_total"), 41, "{m}");
    let per: Vec<u64> = (0..2)
        .map(|w| {
            sample(
                &m,
                &format!("ucprov_dhcp_worker_received_total{{worker=\"{w}\"}}"),
            )
        })
        .collect();
    assert_eq!(per.iter().sum::<u64>(), 41, "{m}");
    assert!(
        per.iter().all(|n| *n > 0),
        "one worker took everything: {per:?}\n{m}"
    );
}
