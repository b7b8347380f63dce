//! What `ucprov watch` counts, and its Prometheus text. Pure: fed datagram bytes, closed
//! exchanges and client reports, it never touches a socket, so every counter is unit-tested.
//!
//! Label values are bounded: message types, finding kinds, severities and verdicts are fixed
//! sets; servers are the first [`MAX_SERVER_LABELS`] seen, later ones count as `other`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use ucprov_inspect::capture::engine::ClosedExchange;
use ucprov_inspect::capture::report::{Exchange, Reply};
use ucprov_inspect::capture::ClientReport;
use ucprov_inspect::{Finding, Kind};
use ucprov_wire::message::{MessageType, Packet, OP_BOOTREPLY};
use ucprov_wire::profile::VENDOR_CLASS;

/// Servers named in `server` labels; the rest are summed under `other`.
pub const MAX_SERVER_LABELS: usize = 64;
/// Client hardware addresses remembered for `clients_seen_total`; past it, new ones are no
/// longer told from old ones and the counter stops (memory stays bounded on a huge mirror).
pub const MAX_TRACKED_CLIENTS: usize = 250_000;

/// Finding kinds that mean bytes on the wire are wrong, for `malformed_total`.
const MALFORMED: [Kind; 5] = [
    Kind::MalformedPacket,
    Kind::MalformedOption43,
    Kind::MalformedOption120,
    Kind::MissingEnd,
    Kind::TrailingBytes,
];

/// `snake_case` name of a serde unit enum value (the JSON spelling), for labels.
fn name_of(v: &impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".to_string(),
    }
}

/// Option 60 as a bounded label: MS-UC-Client, another class, or none.
fn vendor_label(class: Option<&[u8]>) -> &'static str {
    match class {
        Some(c) if c == VENDOR_CLASS.as_bytes() => VENDOR_CLASS,
        Some(_) => "other",
        None => "none",
    }
}

#[derive(Debug, Default, Clone)]
pub struct Metrics {
    packets: u64,
    messages: BTreeMap<&'static str, u64>,
    clients: HashSet<Vec<u8>>,
    clients_seen: u64,
    clients_in_flight: u64,
    exchanges: u64,
    informs: BTreeMap<&'static str, u64>,
    informs_unanswered: BTreeMap<&'static str, u64>,
    server_replies: BTreeMap<String, u64>,
    conflicting: u64,
    rogue: u64,
    malformed: BTreeMap<String, u64>,
    findings: BTreeMap<(&'static str, String), u64>,
    client_reports: BTreeMap<String, u64>,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics::default()
    }

    /// A packet the socket handed over (IPv4, UDP, port 67 or 68, the watched interface).
    pub fn packet(&mut self) {
        self.packets += 1;
    }

    /// A DHCP-port datagram's payload, as it arrives: its message type and client.
    pub fn datagram(&mut self, payload: &[u8]) {
        let Ok(packet) = Packet::new_checked(payload) else {
            // The engine rejects it whole: it never reaches an exchange's findings.
            *self
                .malformed
                .entry(name_of(&Kind::MalformedPacket))
                .or_default() += 1;
            *self.messages.entry("unreadable").or_default() += 1;
            return;
        };
        let kind = packet.read_options().set.message_type();
        let name = match kind {
            Some(MessageType::Other(_)) => "unknown",
            Some(t) => t.name(),
            None if packet.op() == OP_BOOTREPLY => "BOOTREPLY",
            None => "BOOTREQUEST",
        };
        *self.messages.entry(name).or_default() += 1;
        let mac = packet.hardware_address();
        if !self.clients.contains(mac) && self.clients.len() < MAX_TRACKED_CLIENTS {
            self.clients.insert(mac.to_vec());
            self.clients_seen += 1;
        }
    }

    /// Clients the engine has open now.
    pub fn set_in_flight(&mut self, n: usize) {
        self.clients_in_flight = n as u64;
    }

    fn reply(&mut self, r: &Reply) {
        let server = r.server().to_string();
        let known = self.server_replies.contains_key(&server);
        let named = self
            .server_replies
            .keys()
            .filter(|k| k.as_str() != "other")
            .count();
        let key = if known || named < MAX_SERVER_LABELS {
            server
        } else {
            "other".to_string()
        };
        *self.server_replies.entry(key).or_default() += 1;
    }

    fn finding(&mut self, f: &Finding) {
        let kind = name_of(&f.kind);
        if MALFORMED.contains(&f.kind) {
            *self.malformed.entry(kind.clone()).or_default() += 1;
        }
        *self.findings.entry((f.severity.tag(), kind)).or_default() += 1;
    }

    /// An exchange as it closes: its request, every reply and every finding.
    pub fn exchange(&mut self, closed: &ClosedExchange) {
        let e: &Exchange = &closed.exchange;
        let r = &e.request.message;
        self.exchanges += 1;
        if r.rogue_detection {
            self.rogue += 1;
        } else if r.kind == Some(MessageType::Inform) {
            let vendor = vendor_label(r.vendor_class_bytes.as_deref());
            *self.informs.entry(vendor).or_default() += 1;
            if e.replies.is_empty() {
                *self.informs_unanswered.entry(vendor).or_default() += 1;
            }
        }
        if e.findings
            .iter()
            .any(|f| f.kind == Kind::ConflictingServers)
        {
            self.conflicting += 1;
        }
        for reply in &e.replies {
            self.reply(reply);
        }
        for f in &e.findings {
            self.finding(f);
        }
    }

    /// A client's report as it closes: its verdict, and the replies no exchange held (their
    /// findings are in no closed exchange).
    pub fn client(&mut self, c: &ClientReport) {
        *self
            .client_reports
            .entry(name_of(&c.verdict_code))
            .or_default() += 1;
        for reply in &c.unmatched_replies {
            self.reply(reply);
        }
        for f in &c.reply_findings {
            self.finding(f);
        }
    }

    /// Replies from `server` so far (its own label, not `other`).
    pub fn server_replies(&self, server: Ipv4Addr) -> u64 {
        self.server_replies
            .get(&server.to_string())
            .copied()
            .unwrap_or(0)
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, u64)>| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, v) in samples {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        let plain = |v: u64| vec![(String::new(), v)];
        let labelled = |label: &str, m: &mut dyn Iterator<Item = (String, u64)>| {
            m.map(|(k, v)| (format!("{{{label}=\"{}\"}}", escape(&k)), v))
                .collect::<Vec<_>>()
        };
        family(
            "ucprov_watch_packets_total",
            "counter",
            "IPv4 UDP packets to or from port 67 or 68 received on the watched interface.",
            plain(self.packets),
        );
        family(
            "ucprov_watch_dhcp_messages_total",
            "counter",
            "DHCP messages by type (option 53; BOOTREQUEST/BOOTREPLY without it, unreadable when the header is cut).",
            labelled(
                "type",
                &mut self.messages.iter().map(|(k, v)| (k.to_string(), *v)),
            ),
        );
        family(
            "ucprov_watch_clients_seen_total",
            "counter",
            "Distinct client hardware addresses (chaddr) seen.",
            plain(self.clients_seen),
        );
        family(
            "ucprov_watch_clients_in_flight",
            "gauge",
            "Clients with an exchange or a quiet window still open.",
            plain(self.clients_in_flight),
        );
        family(
            "ucprov_watch_exchanges_total",
            "counter",
            "Request/reply exchanges closed and judged.",
            plain(self.exchanges),
        );
        family(
            "ucprov_watch_informs_total",
            "counter",
            "DHCPINFORM exchanges closed, by option 60 (MS-UC-Client, other, none); rogue-detection probes excluded.",
            labelled(
                "vendor_class",
                &mut self.informs.iter().map(|(k, v)| (k.to_string(), *v)),
            ),
        );
        let unanswered = if self.informs_unanswered.is_empty() {
            vec![(format!("{{vendor_class=\"{VENDOR_CLASS}\"}}"), 0)]
        } else {
            labelled(
                "vendor_class",
                &mut self
                    .informs_unanswered
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v)),
            )
        };
        family(
            "ucprov_watch_informs_unanswered_total",
            "counter",
            "DHCPINFORM exchanges that closed with no reply within the window.",
            unanswered,
        );
        family(
            "ucprov_watch_server_replies_total",
            "counter",
            "Replies by server (option 54, else the source address); servers past the first 64 are summed as other.",
            labelled(
                "server",
                &mut self.server_replies.iter().map(|(k, v)| (k.clone(), *v)),
            ),
        );
        family(
            "ucprov_watch_conflicting_servers_total",
            "counter",
            "Exchanges in which two servers answered one MS-UC-Client INFORM with different provisioning.",
            plain(self.conflicting),
        );
        family(
            "ucprov_watch_rogue_detection_total",
            "counter",
            "Windows DHCP rogue-detection probes seen (INFORM with option 43 sub-option 0x5E, no option 60).",
            plain(self.rogue),
        );
        family(
            "ucprov_watch_malformed_total",
            "counter",
            "Malformed messages and options, by finding kind.",
            labelled(
                "kind",
                &mut self.malformed.iter().map(|(k, v)| (k.clone(), *v)),
            ),
        );
        family(
            "ucprov_watch_findings_total",
            "counter",
            "Findings of closed exchanges and unmatched replies, by severity and kind.",
            self.findings
                .iter()
                .map(|((s, k), v)| (format!("{{severity=\"{s}\",kind=\"{}\"}}", escape(k)), *v))
                .collect(),
        );
        family(
            "ucprov_watch_client_reports_total",
            "counter",
            "Clients closed (quiet for the window), by verdict.",
            labelled(
                "verdict",
                &mut self.client_reports.iter().map(|(k, v)| (k.clone(), *v)),
            ),
        );
        out
    }
}

/// A label value as Prometheus text wants it: `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddrV4;
    use ucprov_inspect::capture::link::Datagram;
    use ucprov_inspect::capture::time::Timestamp;
    use ucprov_inspect::capture::Engine;
    use ucprov_wire::message::{code, DhcpMessage};
    use ucprov_wire::profile::Provisioning;

    const PHONE: [u8; 6] = [0x02, 0, 0, 0, 0, 0x10];

    fn inform(xid: u32, mac: [u8; 6], vendor: Option<&[u8]>) -> Vec<u8> {
        DhcpMessage::inform(
            xid,
            Ipv4Addr::new(192, 0, 2, 10),
            mac,
            vendor,
            &[1, 43, 120],
        )
        .to_bytes()
        .unwrap_or_default()
    }

    fn ack(xid: u32, mac: [u8; 6], server: [u8; 4], sip: &str) -> Vec<u8> {
        let p = Provisioning::new(sip, None);
        let mut chaddr = [0; 16];
        chaddr[..6].copy_from_slice(&mac);
        DhcpMessage {
            op: OP_BOOTREPLY,
            xid,
            chaddr,
            ciaddr: Ipv4Addr::new(192, 0, 2, 10),
            options: vec![
                (code::MESSAGE_TYPE, vec![5]),
                (code::SERVER_ID, server.to_vec()),
                (code::VENDOR_SPECIFIC, p.option43().unwrap_or_default()),
                (code::SIP_SERVERS, p.option120().unwrap_or_default()),
            ],
            ..DhcpMessage::default()
        }
        .to_bytes()
        .unwrap_or_default()
    }

    /// `(seconds, source, source port, destination, destination port, bytes)`.
    type Sent = (u64, [u8; 4], u16, [u8; 4], u16, Vec<u8>);

    /// Feed `(seconds, src, dst, bytes)` through the engine and the counters, as `run` does,
    /// then close everything.
    fn watch(datagrams: &[Sent]) -> (Metrics, Vec<ClosedExchange>) {
        let mut engine = Engine::new(2).with_exchange_events();
        let mut m = Metrics::new();
        let mut closed = Vec::new();
        for (i, (t, src, sport, dst, dport, bytes)) in datagrams.iter().enumerate() {
            m.packet();
            m.datagram(bytes);
            engine.feed(&Datagram {
                frame: i as u64 + 1,
                time: Timestamp {
                    secs: 1_000 + t,
                    nanos: 0,
                },
                src: SocketAddrV4::new((*src).into(), *sport),
                dst: SocketAddrV4::new((*dst).into(), *dport),
                vlan: None,
                payload: bytes,
                cut: None,
            });
        }
        let reports = engine.finish();
        for e in engine.take_closed_exchanges() {
            m.exchange(&e);
            closed.push(e);
        }
        for c in &reports {
            m.client(c);
        }
        (m, closed)
    }

    const CLIENT: [u8; 4] = [192, 0, 2, 10];
    const S1: [u8; 4] = [192, 0, 2, 1];
    const S2: [u8; 4] = [192, 0, 2, 2];
    const BCAST: [u8; 4] = [255, 255, 255, 255];

    #[test]
    fn two_servers_answering_differently_count_as_a_conflict() {
        let (m, closed) = watch(&[
            (
                0,
                CLIENT,
                68,
                BCAST,
                67,
                inform(1, PHONE, Some(b"MS-UC-Client")),
            ),
            (0, S1, 67, CLIENT, 68, ack(1, PHONE, S1, "pool.contoso.com")),
            (
                0,
                S2,
                67,
                CLIENT,
                68,
                ack(1, PHONE, S2, "lync.schertz.local"),
            ),
        ]);
        assert_eq!(closed.len(), 1);
        assert_eq!(m.server_replies(S1.into()), 1);
        assert_eq!(m.server_replies(S2.into()), 1);
        let text = m.render();
        for line in [
            "ucprov_watch_packets_total 3",
            "ucprov_watch_dhcp_messages_total{type=\"DHCPINFORM\"} 1",
            "ucprov_watch_dhcp_messages_total{type=\"DHCPACK\"} 2",
            "ucprov_watch_clients_seen_total 1",
            "ucprov_watch_server_replies_total{server=\"192.0.2.1\"} 1",
            "ucprov_watch_server_replies_total{server=\"192.0.2.2\"} 1",
            "ucprov_watch_conflicting_servers_total 1",
            "ucprov_watch_informs_total{vendor_class=\"MS-UC-Client\"} 1",
            "ucprov_watch_informs_unanswered_total{vendor_class=\"MS-UC-Client\"} 0",
            "ucprov_watch_findings_total{severity=\"error\",kind=\"conflicting_servers\"} 1",
            "ucprov_watch_client_reports_total{verdict=\"servers_disagree\"} 1",
            "# TYPE ucprov_watch_clients_in_flight gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }

    #[test]
    fn an_inform_nobody_answers_is_counted_by_vendor_class() {
        let (m, _) = watch(&[
            (
                0,
                CLIENT,
                68,
                BCAST,
                67,
                inform(1, PHONE, Some(b"MS-UC-Client")),
            ),
            (
                0,
                CLIENT,
                68,
                BCAST,
                67,
                inform(2, [2, 0, 0, 0, 0, 0x99], Some(b"Other")),
            ),
            (
                0,
                CLIENT,
                68,
                BCAST,
                67,
                inform(3, [2, 0, 0, 0, 0, 0x98], None),
            ),
        ]);
        let text = m.render();
        for line in [
            "ucprov_watch_informs_unanswered_total{vendor_class=\"MS-UC-Client\"} 1",
            "ucprov_watch_informs_unanswered_total{vendor_class=\"other\"} 1",
            "ucprov_watch_informs_unanswered_total{vendor_class=\"none\"} 1",
            "ucprov_watch_clients_seen_total 3",
            "ucprov_watch_findings_total{severity=\"error\",kind=\"no_reply\"} 3",
            "ucprov_watch_conflicting_servers_total 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }

    #[test]
    fn malformed_bytes_are_counted_by_kind() {
        // A cut header never reaches an exchange; a broken option 43 does, as a finding.
        let mut bad43 = ack(1, PHONE, S1, "pool.contoso.com");
        let at = bad43
            .windows(4)
            .position(|w| w == [1, 12, b'M', b'S'])
            .unwrap_or(0);
        bad43[at + 1] = 0x60; // sub-option 1's length now runs past option 43's end
        let (m, _) = watch(&[
            (0, CLIENT, 68, BCAST, 67, vec![1, 1, 6]),
            (
                0,
                CLIENT,
                68,
                BCAST,
                67,
                inform(1, PHONE, Some(b"MS-UC-Client")),
            ),
            (0, S1, 67, CLIENT, 68, bad43),
        ]);
        let text = m.render();
        assert!(
            text.contains("ucprov_watch_malformed_total{kind=\"malformed_packet\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("ucprov_watch_malformed_total{kind=\"malformed_option43\"}"),
            "{text}"
        );
        assert!(text.contains("ucprov_watch_dhcp_messages_total{type=\"unreadable\"} 1"));
    }

    #[test]
    fn server_labels_are_capped_and_rogue_probes_are_not_informs() {
        let mut m = Metrics::new();
        let mut engine = Engine::new(1).with_exchange_events();
        for n in 0..(MAX_SERVER_LABELS as u32 + 6) {
            let server = (0xc000_0200u32 + 1 + n).to_be_bytes();
            let bytes = ack(n, PHONE, server, "pool.contoso.com");
            engine.feed(&Datagram {
                frame: u64::from(n) + 1,
                time: Timestamp { secs: 5, nanos: 0 },
                src: SocketAddrV4::new(server.into(), 67),
                dst: SocketAddrV4::new(CLIENT.into(), 68),
                vlan: None,
                payload: &bytes,
                cut: None,
            });
        }
        let mut probe =
            DhcpMessage::inform(99, Ipv4Addr::UNSPECIFIED, [2, 0, 0, 0, 0, 1], None, &[]);
        probe
            .options
            .push((code::VENDOR_SPECIFIC, vec![0x5E, 0, 0x5F, 0]));
        let probe = probe.to_bytes().unwrap_or_default();
        engine.feed(&Datagram {
            frame: 100,
            time: Timestamp { secs: 5, nanos: 0 },
            src: SocketAddrV4::new(S1.into(), 67),
            dst: SocketAddrV4::new(BCAST.into(), 67),
            vlan: None,
            payload: &probe,
            cut: None,
        });
        let reports = engine.finish();
        for e in engine.take_closed_exchanges() {
            m.exchange(&e);
        }
        for c in &reports {
            m.client(c);
        }
        let text = m.render();
        assert!(
            text.contains("ucprov_watch_rogue_detection_total 1"),
            "{text}"
        );
        assert!(!text.contains("ucprov_watch_informs_total{"), "{text}");
        let labels = text
            .lines()
            .filter(|l| l.starts_with("ucprov_watch_server_replies_total{"))
            .count();
        assert_eq!(labels, MAX_SERVER_LABELS + 1, "{text}");
        assert!(text.contains("ucprov_watch_server_replies_total{server=\"other\"} 6"));
        assert!(text.contains("ucprov_watch_client_reports_total{verdict=\"reply_only\"} 1"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
