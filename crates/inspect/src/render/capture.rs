//! A capture's report as text: one block per client as it closes, then the summary.

use crate::capture::report::{ClientReport, ClientRow, Exchange, Reply, Summary};
use crate::capture::Format;
use crate::finding;
use crate::render::{options, Table};

fn indent(text: &str, by: &str) -> String {
    let mut out = String::new();
    for l in text.lines() {
        if !l.is_empty() {
            out.push_str(by);
            out.push_str(l);
        }
        out.push('\n');
    }
    out
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

fn joined<T: ToString>(items: &[T]) -> String {
    if items.is_empty() {
        return "-".into();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary table: one row per client.
pub fn table(rows: &[ClientRow]) -> String {
    let mut t = Table::new([
        "Client MAC",
        "Frames",
        "Vendor class",
        "Requests",
        "Answered",
        "Servers",
        "Provisioning URL",
        "Verdict",
    ]);
    for c in rows {
        t.row([
            c.mac.clone(),
            format!("{}-{}", c.first_frame, c.last_frame),
            joined(&c.vendor_classes),
            c.requests.to_string(),
            c.answered.to_string(),
            joined(&c.servers),
            c.provisioning_url.clone().unwrap_or_else(|| "-".into()),
            c.verdict.clone(),
        ]);
    }
    t.render()
}

/// The capture's totals and what was skipped, then the table.
pub fn summary(s: &Summary, rows: &[ClientRow], filter: Option<&str>) -> String {
    let format = match s.format {
        Format::Pcap => "pcap",
        Format::Pcapng => "pcapng",
    };
    let links = if s.link_types.is_empty() {
        "no interfaces".to_string()
    } else {
        s.link_types.join(", ")
    };
    let mut out = format!(
        "Capture {}: {format} ({links}), {} frames, {} DHCP datagrams, {} DHCP messages",
        s.file, s.frames, s.dhcp_datagrams, s.dhcp_messages
    );
    if let Some(t) = &s.first_frame_utc {
        out.push_str(&format!("; first frame {t}"));
    }
    out.push('\n');
    if let Some(f) = filter {
        out.push_str(&format!("Only client {f}.\n"));
    }
    out.push('\n');
    if rows.is_empty() {
        out.push_str(match filter {
            Some(_) => "No DHCP client with that MAC address in this capture.\n",
            None => "No DHCP client in this capture.\n",
        });
    } else {
        out.push_str(&table(rows));
        out.push_str(&format!(
            "\n{} {}, {} not provisioned as they should be. Offsets count from the first byte of the DHCP message (the UDP payload) in the frame named.\n",
            rows.len(),
            if rows.len() == 1 { "client" } else { "clients" },
            s.failing_clients
        ));
    }
    if s.malformed_count > 0 {
        out.push_str(&format!(
            "\nMalformed DHCP packets: {}\n",
            s.malformed_count
        ));
        for m in &s.malformed {
            let who = m
                .mac
                .as_ref()
                .map(|x| format!(" (client {x})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  frame {} {} -> {}{who}: {}\n",
                m.frame, m.src, m.dst, m.error.message
            ));
        }
        if s.malformed_count > s.malformed.len() as u64 {
            out.push_str(&format!(
                "  … and {} more\n",
                s.malformed_count - s.malformed.len() as u64
            ));
        }
    }
    if s.frame_note_count > 0 {
        out.push_str(&format!(
            "\nFrames not followed to a DHCP payload: {}\n",
            s.frame_note_count
        ));
        for n in &s.frame_notes {
            out.push_str(&format!("  frame {}: {}\n", n.frame, n.message));
        }
    }
    for u in &s.unsupported_link_types {
        out.push_str(&format!(
            "\n{} frames on {} skipped: this reader follows Ethernet, Linux cooked (SLL, SLL2) and raw IP\n",
            u.frames, u.name
        ));
    }
    if let Some(e) = &s.capture_error {
        out.push_str(&format!("\nThe capture stops early: {e}\n"));
    }
    out
}

/// One client: its exchanges, each with its findings under it.
pub fn client(c: &ClientReport) -> String {
    let mut out = format!("Client {}: {}\n", c.mac, c.verdict);
    for e in &c.exchanges {
        out.push_str(&exchange(e));
    }
    if !c.unmatched_replies.is_empty() {
        out.push_str("\n  Replies without a request in the capture:\n");
        for reply in &c.unmatched_replies {
            out.push_str(&render_reply(reply));
        }
        if c.unmatched_repeats > 0 {
            out.push_str(&format!(
                "    and {} more replies identical to one above\n",
                c.unmatched_repeats
            ));
        }
        out.push_str(&finding::render(&c.reply_findings, "    "));
    }
    out
}

fn exchange(e: &Exchange) -> String {
    let r = &e.request;
    let m = &r.message;
    let vlan = r
        .seen
        .vlan
        .map(|v| format!("  VLAN {v}"))
        .unwrap_or_default();
    let mut out = format!(
        "\n  {} frame {}  +{:.6}s  {} -> {}  xid {}{vlan}\n",
        m.message_type, r.seen.frame, r.seen.time, r.seen.src, r.seen.dst, m.xid
    );
    if !r.copies.is_empty() {
        out.push_str(&format!("    sent again in frames {}\n", joined(&r.copies)));
    }
    if e.repeats > 0 {
        out.push_str(&format!(
            "    the same exchange {} more time{}, last in frame {}\n",
            e.repeats,
            if e.repeats == 1 { "" } else { "s" },
            e.last_repeat_frame
                .map_or_else(|| "-".to_string(), |f| f.to_string())
        ));
    }
    let giaddr = if m.giaddr.is_unspecified() {
        String::new()
    } else {
        format!(", giaddr {}", m.giaddr)
    };
    let class = m
        .vendor_class
        .as_ref()
        .map(|v| format!("\"{v}\""))
        .unwrap_or_else(|| "none".into());
    let rogue = if m.rogue_detection {
        "; Windows rogue-detection probe"
    } else {
        ""
    };
    out.push_str(&format!(
        "    ciaddr {}{giaddr}, vendor class {class}, asks for {} (43: {}, 120: {}){rogue}\n",
        m.ciaddr,
        codes(&m.parameter_request_list),
        yes(m.asks_43),
        yes(m.asks_120),
    ));
    if e.replies.is_empty() {
        out.push_str("    no reply\n");
    }
    for reply in &e.replies {
        out.push_str(&render_reply(reply));
    }
    if !e.findings.is_empty() {
        out.push('\n');
        out.push_str(&finding::render(&e.findings, "    "));
    }
    out
}

fn render_reply(reply: &Reply) -> String {
    let m = &reply.message;
    let no_id = if m.server_id.is_some() {
        ""
    } else {
        " (no server id; source address)"
    };
    let mut out = format!(
        "    reply frame {}  +{:.6}s  {} from {}{no_id}  {} -> {}  option 43: {}, option 120: {}\n",
        reply.seen.frame,
        reply.seen.time,
        m.message_type,
        reply.server(),
        reply.seen.src,
        reply.seen.dst,
        yes(m.has_43),
        yes(m.has_120),
    );
    if let Some(url) = &m.provisioning_url {
        out.push_str(&format!("      Provisioning URL: {url}\n"));
    }
    if !m.registrars.is_empty() {
        out.push_str(&format!(
            "      Registrars (option 120): {}\n",
            m.registrars.join(", ")
        ));
    }
    if let Some(r) = &m.option43 {
        out.push('\n');
        out.push_str(&indent(
            &strip_findings(options::option43(r), &r.findings),
            "      ",
        ));
    }
    if let Some(r) = &m.option120 {
        out.push('\n');
        out.push_str(&indent(
            &strip_findings(options::option120(r), &r.findings),
            "      ",
        ));
    }
    out
}

/// The option tables without their findings: in a capture report those are listed once,
/// under the exchange, with the frame they came from.
fn strip_findings(text: String, findings: &[crate::Finding]) -> String {
    let tail = options::findings(findings);
    text.strip_suffix(&tail).map(str::to_string).unwrap_or(text)
}
