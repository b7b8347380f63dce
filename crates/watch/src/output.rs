//! What `ucprov watch` prints as exchanges close: text lines (one for the exchange, one per
//! finding), or one JSON object per exchange.

use std::io::{self, Write};
use std::net::Ipv4Addr;

use serde::Serialize;
use ucprov_inspect::capture::engine::ClosedExchange;
use ucprov_inspect::capture::report::Exchange;
use ucprov_inspect::capture::ClientReport;

/// Servers that answered, in order of their first reply.
pub fn servers(e: &Exchange) -> Vec<Ipv4Addr> {
    let mut out: Vec<Ipv4Addr> = Vec::new();
    for r in &e.replies {
        if !out.contains(&r.server()) {
            out.push(r.server());
        }
    }
    out
}

/// One JSON line: the closed exchange as `ucprov pcap --json` writes exchanges, plus when,
/// and who answered.
#[derive(Serialize)]
struct ExchangeLine<'a> {
    event: &'static str,
    time: String,
    servers: Vec<Ipv4Addr>,
    #[serde(flatten)]
    closed: &'a ClosedExchange,
}

/// The exchange's lines: `TIME MAC frame N TYPE xid X (vendor class): replies`, then
/// `TIME MAC frame N SEVERITY KIND MESSAGE` per finding.
pub fn text(closed: &ClosedExchange) -> String {
    let e = &closed.exchange;
    let r = &e.request;
    let time = r.seen.timestamp.utc();
    let mac = &closed.mac;
    let vendor = r
        .message
        .vendor_class
        .as_deref()
        .map_or_else(|| "no option 60".to_string(), |v| format!("\"{v}\""));
    let answered = match servers(e).as_slice() {
        [] => "no reply".to_string(),
        list => format!(
            "{} repl{} from {}",
            e.replies.len(),
            if e.replies.len() == 1 { "y" } else { "ies" },
            list.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let copies = if r.copies.is_empty() {
        String::new()
    } else {
        format!(", sent {} times", r.copies.len() + 1)
    };
    let mut out = format!(
        "{time}  {mac}  frame {}  {} xid {} ({vendor}{copies}): {answered}\n",
        r.seen.frame, r.message.message_type, r.message.xid
    );
    for f in &e.findings {
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "{time}  {mac}  frame {}  {}  {kind}  {}\n",
            f.frame.unwrap_or(r.seen.frame),
            f.severity.tag(),
            f.message
        ));
    }
    out
}

pub fn json_line(closed: &ClosedExchange) -> String {
    let line = ExchangeLine {
        event: "exchange",
        time: closed.exchange.request.seen.timestamp.utc(),
        servers: servers(&closed.exchange),
        closed,
    };
    let mut s = serde_json::to_string(&line).unwrap_or_default();
    s.push('\n');
    s
}

/// A client that closed, in text mode: its verdict.
pub fn client_text(c: &ClientReport) -> String {
    let servers = if c.servers.is_empty() {
        "no server".to_string()
    } else {
        c.servers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "client {} closed: {} ({} requests, {} answered; {servers})\n",
        c.mac, c.verdict, c.requests, c.answered
    )
}

/// Where lines go, and in which form.
pub struct Output<W> {
    out: W,
    json: bool,
}

impl<W: Write> Output<W> {
    pub fn new(out: W, json: bool) -> Self {
        Output { out, json }
    }

    pub fn exchange(&mut self, closed: &ClosedExchange) -> io::Result<()> {
        let s = if self.json {
            json_line(closed)
        } else {
            text(closed)
        };
        self.out.write_all(s.as_bytes())
    }

    pub fn client(&mut self, c: &ClientReport) -> io::Result<()> {
        if self.json {
            return Ok(());
        }
        self.out.write_all(client_text(c).as_bytes())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
