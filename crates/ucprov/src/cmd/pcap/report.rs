//! Per-client verdicts and findings from paired exchanges, and their text rendering. The JSON
//! form is the same structs serialised, so both outputs always say the same thing.

use std::net::Ipv4Addr;

use serde::Serialize;
use ucprov_wire::message::MessageType;
use ucprov_wire::profile::VENDOR_CLASS;

use super::capture::{link_type_name, Capture, FrameNote, Timestamp};
use super::exchange::{expected_destination, Client, Exchanges, Malformed, Reply, Transaction};
use crate::annotate::{self, Finding, Severity};
use crate::render::table::Table;

/// What a finding is about, for filtering in JSON and for the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ConflictingServers,
    MalformedPacket,
    MalformedOption43,
    MalformedOption120,
    NoReply,
    MissingOptions,
    WrongDestination,
    NoVendorClass,
    OtherVendorClass,
    RogueDetection,
    UnmatchedReply,
}

impl Kind {
    /// The verdict a client gets when this is its worst error; earlier wins.
    const VERDICT_ORDER: [Kind; 7] = [
        Kind::ConflictingServers,
        Kind::MalformedOption43,
        Kind::MalformedOption120,
        Kind::MalformedPacket,
        Kind::NoReply,
        Kind::MissingOptions,
        Kind::WrongDestination,
    ];

    fn verdict(self) -> &'static str {
        match self {
            Kind::ConflictingServers => "servers disagree",
            Kind::MalformedOption43 => "bad option 43",
            Kind::MalformedOption120 => "bad option 120",
            Kind::MalformedPacket => "malformed packet",
            Kind::NoReply => "no reply",
            Kind::MissingOptions => "no 43/120",
            Kind::WrongDestination => "misdirected reply",
            Kind::NoVendorClass | Kind::OtherVendorClass => "not MS-UC-Client",
            Kind::RogueDetection => "rogue-detection probe",
            Kind::UnmatchedReply => "reply only",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientFinding {
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientReport {
    pub mac: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_class: Option<String>,
    pub requests: usize,
    pub answered: usize,
    pub servers: Vec<Ipv4Addr>,
    /// From the first reply that carries a valid option 43: what the device would use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    pub registrars: Vec<String>,
    pub verdict: String,
    pub findings: Vec<ClientFinding>,
    #[serde(flatten)]
    pub detail: Client,
}

impl ClientReport {
    pub fn has_error(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.finding.severity == Severity::Error)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UnsupportedLink {
    pub link_type: u16,
    pub frames: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PcapReport {
    pub file: String,
    pub format: super::capture::Format,
    pub link_types: Vec<String>,
    pub frames: u64,
    /// UDP datagrams to or from port 67 or 68.
    pub dhcp_datagrams: usize,
    /// Of those, the ones with a readable DHCP header.
    pub dhcp_messages: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_frame_utc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_filter: Option<String>,
    pub clients: Vec<ClientReport>,
    pub malformed: Vec<Malformed>,
    pub frame_notes: Vec<FrameNote>,
    pub unsupported_link_types: Vec<UnsupportedLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_error: Option<String>,
}

impl PcapReport {
    pub fn any_client_error(&self) -> bool {
        self.clients.iter().any(ClientReport::has_error)
    }
}

pub fn build(
    file: &str,
    capture: &Capture<'_>,
    exchanges: Exchanges,
    filter: Option<&str>,
) -> PcapReport {
    let clients: Vec<ClientReport> = exchanges
        .clients
        .into_iter()
        .filter(|c| filter.is_none_or(|f| c.mac == f))
        .map(client_report)
        .collect();
    let malformed = exchanges
        .malformed
        .into_iter()
        .filter(|m| filter.is_none_or(|f| m.mac.as_deref() == Some(f)))
        .collect();
    PcapReport {
        file: file.to_string(),
        format: capture.format,
        link_types: capture
            .link_types
            .iter()
            .map(|l| link_type_name(*l))
            .collect(),
        frames: capture.frames,
        dhcp_datagrams: capture.datagrams.len(),
        dhcp_messages: exchanges.dhcp_messages,
        first_frame_utc: capture.first_time.map(utc),
        client_filter: filter.map(str::to_string),
        clients,
        malformed,
        frame_notes: capture.notes.clone(),
        unsupported_link_types: capture
            .unsupported
            .iter()
            .map(|(l, n)| UnsupportedLink {
                link_type: *l,
                frames: *n,
            })
            .collect(),
        capture_error: capture.error.as_ref().map(ToString::to_string),
    }
}

fn utc(t: Timestamp) -> String {
    let secs = i64::try_from(t.secs).unwrap_or(i64::MAX);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06} UTC",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            t.nanos / 1000
        ),
        Err(_) => format!("{} seconds after the Unix epoch", t.secs),
    }
}

fn finding(
    kind: Kind,
    severity: Severity,
    frame: Option<u64>,
    message: String,
    fix: Option<&str>,
) -> ClientFinding {
    ClientFinding {
        kind,
        frame,
        finding: Finding {
            severity,
            offset: None,
            message,
            fix: fix.map(str::to_string),
        },
    }
}

fn client_report(client: Client) -> ClientReport {
    let mut findings = Vec::new();
    for t in &client.transactions {
        transaction_findings(t, &mut findings);
    }
    for r in &client.unmatched_replies {
        findings.push(finding(
            Kind::UnmatchedReply,
            Severity::Note,
            Some(r.seen.frame),
            format!(
                "{} from {} has no request in the capture (the capture started after it, or the request went another way)",
                r.message_type,
                r.server()
            ),
            None,
        ));
        reply_option_findings(r, &mut findings);
    }
    dedupe_vendor_class(&mut findings);

    let phone_requests: Vec<&Transaction> = client
        .transactions
        .iter()
        .filter(|t| !t.request.rogue_detection)
        .collect();
    let vendor_class = client
        .transactions
        .iter()
        .find_map(|t| t.request.vendor_class.clone());
    let mut servers: Vec<Ipv4Addr> = Vec::new();
    for r in client
        .transactions
        .iter()
        .flat_map(|t| &t.replies)
        .chain(&client.unmatched_replies)
    {
        if !servers.contains(&r.server()) {
            servers.push(r.server());
        }
    }
    // Devices take the first reply that carries an FQDN (REFERENCE §4).
    let first_provisioning = client
        .transactions
        .iter()
        .flat_map(|t| &t.replies)
        .chain(&client.unmatched_replies)
        .find(|r| r.provisioning_url.is_some());
    let provisioning_url = first_provisioning.and_then(|r| r.provisioning_url.clone());
    let registrars = client
        .transactions
        .iter()
        .flat_map(|t| &t.replies)
        .chain(&client.unmatched_replies)
        .find(|r| !r.registrars.is_empty())
        .map(|r| r.registrars.clone())
        .unwrap_or_default();

    let worst_error = Kind::VERDICT_ORDER.iter().find(|k| {
        findings
            .iter()
            .any(|f| f.kind == **k && f.finding.severity == Severity::Error)
    });
    let verdict = if let Some(k) = worst_error {
        k.verdict().to_string()
    } else if phone_requests.is_empty() && !client.transactions.is_empty() {
        Kind::RogueDetection.verdict().to_string()
    } else if client.transactions.is_empty() {
        Kind::UnmatchedReply.verdict().to_string()
    } else if provisioning_url.is_some() {
        "provisioned".to_string()
    } else if vendor_class.as_deref() != Some(VENDOR_CLASS) {
        Kind::NoVendorClass.verdict().to_string()
    } else {
        "no provisioning".to_string()
    };
    ClientReport {
        mac: client.mac.clone(),
        vendor_class,
        requests: client.transactions.len(),
        answered: client
            .transactions
            .iter()
            .filter(|t| !t.replies.is_empty())
            .count(),
        servers,
        provisioning_url,
        registrars,
        verdict,
        findings,
        detail: client,
    }
}

/// A phone sends the same vendor class every time: say a missing one once, at its first frame.
fn dedupe_vendor_class(findings: &mut Vec<ClientFinding>) {
    let mut seen: Vec<(Kind, String)> = Vec::new();
    findings.retain(|f| {
        if !matches!(f.kind, Kind::NoVendorClass | Kind::OtherVendorClass) {
            return true;
        }
        let key = (f.kind, f.finding.message.clone());
        if seen.contains(&key) {
            return false;
        }
        seen.push(key);
        true
    });
}

fn transaction_findings(t: &Transaction, out: &mut Vec<ClientFinding>) {
    let r = &t.request;
    let frame = Some(r.seen.frame);
    if let Some(e) = &r.decode_error {
        out.push(packet_error(r.seen.frame, "request", e));
    }
    if r.rogue_detection {
        out.push(finding(
            Kind::RogueDetection,
            Severity::Note,
            frame,
            format!(
                "{} with option 43 sub-option 0x5E and no option 60: a Windows DHCP server probing for rogue DHCP servers, not a phone",
                r.message_type
            ),
            None,
        ));
        for reply in t.replies.iter().filter(|x| x.has_43) {
            out.push(finding(
                Kind::RogueDetection,
                Severity::Warning,
                Some(reply.seen.frame),
                format!(
                    "{} answered the rogue-detection probe with option 43; a Lync responder must stay silent to these",
                    reply.server()
                ),
                Some("answer only DHCPINFORMs whose option 60 is MS-UC-Client"),
            ));
        }
        for reply in &t.replies {
            reply_option_findings(reply, out);
        }
        return;
    }
    match r.vendor_class.as_deref() {
        None => out.push(finding(
            Kind::NoVendorClass,
            Severity::Warning,
            frame,
            "the client sends no option 60; responders that match vendor class MS-UC-Client will not answer it".into(),
            Some("Lync / Skype for Business phones send MS-UC-Client; check the device's provisioning mode"),
        )),
        Some(VENDOR_CLASS) => {}
        Some(other) => out.push(finding(
            Kind::OtherVendorClass,
            Severity::Warning,
            frame,
            format!("vendor class (option 60) is \"{other}\", not \"{VENDOR_CLASS}\" (case-sensitive); MS-UC-Client responders will not answer it"),
            None,
        )),
    }
    let expects_reply = matches!(
        r.kind,
        Some(MessageType::Inform | MessageType::Discover | MessageType::Request)
    );
    if t.replies.is_empty() && expects_reply {
        let inform = r.kind == Some(MessageType::Inform);
        out.push(finding(
            Kind::NoReply,
            if inform { Severity::Error } else { Severity::Warning },
            frame,
            format!(
                "{} (xid {}) got no reply in the capture{}",
                r.message_type,
                r.xid,
                if r.copies.is_empty() {
                    String::new()
                } else {
                    format!(", though it was sent {} times", r.copies.len() + 1)
                }
            ),
            inform.then_some(
                "is a responder listening on this subnet, or an ip helper-address pointing at one? (`ucprov probe` tests from here)",
            ),
        ));
    }
    let wanted: [(u8, bool, Has); 2] = [
        (43, r.asks_43, |x| x.has_43),
        (120, r.asks_120, |x| x.has_120),
    ];
    for (code, asked, has) in wanted {
        if !asked {
            continue;
        }
        let someone_sent = t.replies.iter().any(has);
        for reply in t.replies.iter().filter(|x| !has(x)) {
            out.push(finding(
                Kind::MissingOptions,
                if someone_sent { Severity::Note } else { Severity::Error },
                Some(reply.seen.frame),
                if someone_sent {
                    format!("{} from {} has no option {code} although the client asked; another server's reply carries it", reply.message_type, reply.server())
                } else {
                    format!("{} from {} has no option {code} although the client asked, and no other reply carries it", reply.message_type, reply.server())
                },
                (!someone_sent).then_some("scope option 43/120 to vendor class MS-UC-Client on this server (`ucprov config`), or run `ucprov serve`"),
            ));
        }
    }
    for reply in &t.replies {
        reply_option_findings(reply, out);
        destination_finding(t, reply, out);
    }
    conflict_findings(t, out);
}

fn packet_error(frame: u64, what: &str, e: &Finding) -> ClientFinding {
    ClientFinding {
        kind: Kind::MalformedPacket,
        frame: Some(frame),
        finding: Finding {
            message: format!(
                "the {what} in frame {frame} is malformed: {} (offset in the DHCP message)",
                e.message
            ),
            ..e.clone()
        },
    }
}

/// Problems inside options 43 and 120 of one reply, offsets in that reply's DHCP message.
fn reply_option_findings(reply: &Reply, out: &mut Vec<ClientFinding>) {
    let frame = reply.seen.frame;
    if let Some(e) = &reply.decode_error {
        out.push(packet_error(frame, "reply", e));
    }
    let server = reply.server();
    let reports = [
        (
            Kind::MalformedOption43,
            43,
            reply.option43.as_ref().map(|r| &r.findings),
        ),
        (
            Kind::MalformedOption120,
            120,
            reply.option120.as_ref().map(|r| &r.findings),
        ),
    ];
    for (kind, code, found) in reports {
        for f in found.into_iter().flatten() {
            out.push(ClientFinding {
                kind,
                frame: Some(frame),
                finding: Finding {
                    message: format!(
                        "option {code} from {server} (frame {frame}, offsets in its DHCP message): {}",
                        f.message
                    ),
                    ..f.clone()
                },
            });
        }
    }
}

fn destination_finding(t: &Transaction, reply: &Reply, out: &mut Vec<ClientFinding>) {
    let Some(want) = expected_destination(&t.request, reply) else {
        return;
    };
    let got = reply.seen.dst;
    if got == want {
        return;
    }
    let broadcast_to_client = got.ip().is_broadcast() && got.port() == want.port();
    out.push(finding(
        Kind::WrongDestination,
        if broadcast_to_client {
            Severity::Warning
        } else {
            Severity::Error
        },
        Some(reply.seen.frame),
        format!(
            "{} from {} went to {got}; RFC 2131 §4.3.5 says {want} ({})",
            reply.message_type,
            reply.server(),
            if *want.ip() == t.request.ciaddr {
                "unicast to the client's ciaddr"
            } else {
                "to the relay at giaddr"
            }
        ),
        Some(if broadcast_to_client {
            "most clients still hear a broadcast, but a relay or a switch may not forward it; reply unicast"
        } else {
            "the client will not receive this reply; fix the server's reply path"
        }),
    ));
}

/// Whether a reply carries an option.
type Has = fn(&Reply) -> bool;
/// What a reply's option tells the phone, in words.
type Says = fn(&Reply) -> String;

fn says_43(r: &Reply) -> String {
    r.provisioning_url
        .clone()
        .unwrap_or_else(|| "a malformed option 43".to_string())
}

fn says_120(r: &Reply) -> String {
    if r.registrars.is_empty() {
        "a malformed option 120".to_string()
    } else {
        r.registrars.join(", ")
    }
}

/// Two servers that both send 43 (or 120) but with different content: one is a rogue, or a
/// stale configuration, and which one a phone uses depends on which reply lands first.
fn conflict_findings(t: &Transaction, out: &mut Vec<ClientFinding>) {
    let checks: [(u8, Has, Says); 2] =
        [(43, |r| r.has_43, says_43), (120, |r| r.has_120, says_120)];
    for (code, has, say) in checks {
        let mut claims: Vec<(Ipv4Addr, String, u64)> = Vec::new();
        for r in t.replies.iter().filter(|r| has(r)) {
            if !claims.iter().any(|(s, _, _)| *s == r.server()) {
                claims.push((r.server(), say(r), r.seen.frame));
            }
        }
        let first = claims.first().map(|c| c.1.clone());
        if claims.iter().all(|c| Some(&c.1) == first.as_ref()) {
            continue;
        }
        let list: Vec<String> = claims
            .iter()
            .map(|(s, v, f)| format!("{s} (frame {f}) says {v}"))
            .collect();
        out.push(finding(
            Kind::ConflictingServers,
            Severity::Error,
            claims.first().map(|c| c.2),
            format!(
                "servers answer the same {} with different option {code}: {}; the phone uses whichever lands first",
                t.request.message_type,
                list.join("; ")
            ),
            Some("find the server that should not answer (a rogue or stale scope) and remove its MS-UC-Client options"),
        ));
    }
}

pub fn render(r: &PcapReport) -> String {
    let mut out = format!(
        "Capture {}: {} ({}), {} frames, {} DHCP datagrams, {} DHCP messages",
        r.file,
        match r.format {
            super::capture::Format::Pcap => "pcap",
            super::capture::Format::Pcapng => "pcapng",
        },
        if r.link_types.is_empty() {
            "no interfaces".to_string()
        } else {
            r.link_types.join(", ")
        },
        r.frames,
        r.dhcp_datagrams,
        r.dhcp_messages
    );
    if let Some(t) = &r.first_frame_utc {
        out.push_str(&format!("; first frame {t}"));
    }
    out.push('\n');
    if let Some(f) = &r.client_filter {
        out.push_str(&format!("Only client {f}.\n"));
    }
    out.push('\n');
    if r.clients.is_empty() {
        out.push_str(match &r.client_filter {
            Some(_) => "No DHCP client with that MAC address in this capture.\n",
            None => "No DHCP client in this capture.\n",
        });
    } else {
        let mut t = Table::new([
            "Client MAC",
            "Vendor class",
            "Requests",
            "Answered",
            "Servers",
            "Provisioning URL",
            "Verdict",
        ]);
        for c in &r.clients {
            t.row([
                c.mac.clone(),
                c.vendor_class.clone().unwrap_or_else(|| "-".into()),
                c.requests.to_string(),
                c.answered.to_string(),
                if c.servers.is_empty() {
                    "-".to_string()
                } else {
                    c.servers
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                c.provisioning_url.clone().unwrap_or_else(|| "-".into()),
                c.verdict.clone(),
            ]);
        }
        out.push_str(&t.render());
        out.push_str("\nOffsets count from the first byte of the DHCP message (the UDP payload) in the frame named.\n");
    }
    for c in &r.clients {
        out.push('\n');
        out.push_str(&render_client(c));
    }
    if !r.malformed.is_empty() {
        out.push_str(&format!(
            "\nMalformed DHCP packets: {}\n",
            r.malformed.len()
        ));
        for m in &r.malformed {
            out.push_str(&format!(
                "  frame {} {} -> {}{}: {}\n",
                m.frame,
                m.src,
                m.dst,
                m.mac
                    .as_ref()
                    .map(|x| format!(" (client {x})"))
                    .unwrap_or_default(),
                m.error.message
            ));
        }
    }
    if !r.frame_notes.is_empty() {
        out.push_str(&format!(
            "\nFrames not followed to a DHCP payload: {}\n",
            r.frame_notes.len()
        ));
        for n in &r.frame_notes {
            out.push_str(&format!("  frame {}: {}\n", n.frame, n.message));
        }
    }
    for u in &r.unsupported_link_types {
        out.push_str(&format!(
            "\n{} frames on {} skipped: this reader follows Ethernet, Linux cooked (SLL, SLL2) and raw IP\n",
            u.frames,
            link_type_name(u.link_type)
        ));
    }
    if let Some(e) = &r.capture_error {
        out.push_str(&format!("\nThe capture stops early: {e}\n"));
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn codes(list: &[u8]) -> String {
    if list.is_empty() {
        return "nothing (no option 55)".into();
    }
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn render_client(c: &ClientReport) -> String {
    let mut out = format!("Client {}: {}\n", c.mac, c.verdict);
    for t in &c.detail.transactions {
        let r = &t.request;
        out.push_str(&format!(
            "\n  {} frame {}  +{:.6}s  {} -> {}  xid {}{}\n",
            r.message_type,
            r.seen.frame,
            r.seen.time,
            r.seen.src,
            r.seen.dst,
            r.xid,
            r.seen
                .vlan
                .map(|v| format!("  VLAN {v}"))
                .unwrap_or_default()
        ));
        if !r.copies.is_empty() {
            out.push_str(&format!(
                "    sent again in frames {}\n",
                r.copies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push_str(&format!(
            "    ciaddr {}{}, vendor class {}, asks for {} (43: {}, 120: {}){}\n",
            r.ciaddr,
            if r.giaddr.is_unspecified() {
                String::new()
            } else {
                format!(", giaddr {}", r.giaddr)
            },
            r.vendor_class
                .as_ref()
                .map(|v| format!("\"{v}\""))
                .unwrap_or_else(|| "none".into()),
            codes(&r.parameter_request_list),
            yes(r.asks_43),
            yes(r.asks_120),
            if r.rogue_detection {
                "; Windows rogue-detection probe"
            } else {
                ""
            }
        ));
        if t.replies.is_empty() {
            out.push_str("    no reply\n");
        }
        for reply in &t.replies {
            out.push_str(&render_reply(reply));
        }
    }
    if !c.detail.unmatched_replies.is_empty() {
        out.push_str("\n  Replies without a request in the capture:\n");
        for reply in &c.detail.unmatched_replies {
            out.push_str(&render_reply(reply));
        }
    }
    if !c.findings.is_empty() {
        out.push_str("\n  Findings:\n");
        for f in &c.findings {
            let tag = match f.finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            out.push_str(&format!("  {tag}: {}\n", f.finding.message));
            if let Some(fix) = &f.finding.fix {
                out.push_str(&format!("    fix: {fix}\n"));
            }
        }
    }
    out
}

fn render_reply(reply: &Reply) -> String {
    let mut out = format!(
        "    reply frame {}  +{:.6}s  {} from {}{}  {} -> {}  option 43: {}, option 120: {}\n",
        reply.seen.frame,
        reply.seen.time,
        reply.message_type,
        reply.server(),
        match reply.server_id {
            Some(_) => "",
            None => " (no server id; source address)",
        },
        reply.seen.src,
        reply.seen.dst,
        yes(reply.has_43),
        yes(reply.has_120),
    );
    if let Some(url) = &reply.provisioning_url {
        out.push_str(&format!("      Provisioning URL: {url}\n"));
    }
    if !reply.registrars.is_empty() {
        out.push_str(&format!(
            "      Registrars (option 120): {}\n",
            reply.registrars.join(", ")
        ));
    }
    if let Some(r) = &reply.option43 {
        out.push('\n');
        out.push_str(&indent(&annotate::render_option43(r), "      "));
    }
    if let Some(r) = &reply.option120 {
        out.push('\n');
        out.push_str(&indent(&annotate::render_option120(r), "      "));
    }
    out
}
