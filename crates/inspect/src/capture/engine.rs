//! Requests paired with their replies, per client, as a stream.
//!
//! An exchange is one request under one `xid` from one `chaddr`; copies of it
//! (retransmissions, or a relay's forward of the same INFORM) fold into it until an answer
//! ends it. A reply belongs to the latest open exchange with its `xid`, so DORA's OFFER pairs
//! with the DISCOVER and its ACK with the REQUEST, and every reply is kept: several servers
//! answering one INFORM is exactly what the conflict rule needs to see.
//!
//! Memory follows the clients in flight, not the file: an exchange closes `window` seconds
//! (capture time) after its last packet and is judged then; an exchange identical to an
//! earlier one of the same client is folded into it as a repeat; a client closes once it has
//! been quiet for `window` and is handed out as a [`ClientReport`].

use std::collections::HashMap;

use ucprov_wire::message::{MessageType, Packet, OP_BOOTREPLY};

use super::judge;
use super::link::Datagram;
use super::report::{ClientReport, Exchange, Malformed, Reply, Request, Seen};
use super::time::Timestamp;
use crate::finding::{Finding, Kind};
use crate::message::{mac_text, ReplyInspection, RequestInspection};
use crate::option43::Vendor;

/// How many malformed datagrams and frame notes a summary lists (all are counted).
pub const KEEP_NOTES: usize = 1000;
/// Copies of one request listed by frame (all are counted).
const KEEP_COPIES: usize = 64;

/// An exchange while it may still get replies.
#[derive(Debug)]
struct Open {
    exchange: Exchange,
    last: Timestamp,
    /// An ACK or NAK (or a leasequery answer) ended it: a same-xid request is a new one.
    answered: bool,
}

#[derive(Debug)]
struct ClientState {
    seq: u64,
    mac: String,
    first_frame: u64,
    last_frame: u64,
    last: Timestamp,
    open: Vec<Open>,
    closed: Vec<Exchange>,
    unmatched: Vec<Reply>,
}

/// The pairing engine: feed it datagrams, take client reports as they close.
#[derive(Debug)]
pub struct Engine {
    window_secs: u64,
    clients: HashMap<Vec<u8>, ClientState>,
    seq: u64,
    first: Option<Timestamp>,
    now: Timestamp,
    next_sweep: Timestamp,
    ready: Vec<ClientReport>,
    /// Exchanges as they close, for live monitors; `None` unless asked for.
    closed_exchanges: Option<Vec<ClosedExchange>>,
    pub dhcp_datagrams: u64,
    pub dhcp_messages: u64,
    pub malformed_count: u64,
    pub malformed: Vec<Malformed>,
}

impl Engine {
    /// `window_secs`: how long, in capture time, an exchange waits for more replies and a
    /// quiet client stays open.
    pub fn new(window_secs: u64) -> Self {
        Engine {
            window_secs: window_secs.max(1),
            clients: HashMap::new(),
            seq: 0,
            first: None,
            now: Timestamp::default(),
            next_sweep: Timestamp::default(),
            ready: Vec::new(),
            closed_exchanges: None,
            dhcp_datagrams: 0,
            dhcp_messages: 0,
            malformed_count: 0,
            malformed: Vec::new(),
        }
    }

    /// Also hand out every exchange as it closes, judged ([`Engine::take_closed_exchanges`]):
    /// what a live monitor prints as it happens, before the client's report is due.
    pub fn with_exchange_events(mut self) -> Self {
        self.closed_exchanges = Some(Vec::new());
        self
    }

    /// Exchanges closed since the last call (empty unless [`Engine::with_exchange_events`]).
    pub fn take_closed_exchanges(&mut self) -> Vec<ClosedExchange> {
        self.closed_exchanges
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Close what the window has passed, as of capture time `now`: a live reader calls this
    /// when no packet has come for a while, so quiet clients still close.
    pub fn tick(&mut self, now: Timestamp) {
        if now > self.now {
            self.now = now;
        }
        self.sweep(false);
    }

    pub fn first_time(&self) -> Option<Timestamp> {
        self.first
    }

    /// Clients still open.
    pub fn in_flight(&self) -> usize {
        self.clients.len()
    }

    fn malformed(&mut self, m: Malformed) {
        self.malformed_count += 1;
        if self.malformed.len() < KEEP_NOTES {
            self.malformed.push(m);
        }
    }

    /// Take in one datagram on a DHCP port.
    pub fn feed(&mut self, d: &Datagram<'_>) {
        self.dhcp_datagrams += 1;
        let first = *self.first.get_or_insert(d.time);
        if d.time > self.now {
            self.now = d.time;
        }
        if self.now >= self.next_sweep {
            self.sweep(false);
            self.next_sweep = self.now.plus_secs((self.window_secs / 2).max(1));
        }
        let seen = Seen {
            frame: d.frame,
            time: d.time.since(first),
            timestamp: d.time,
            src: d.src,
            dst: d.dst,
            vlan: d.vlan,
        };
        let packet = match Packet::new_checked(d.payload) {
            Ok(p) => p,
            Err(e) => {
                let mut error = Finding::from_decode(Kind::MalformedPacket, &e).in_frame(d.frame);
                if let Some(cut) = d.cut {
                    error = snap_cut(d, cut);
                }
                self.malformed(Malformed {
                    frame: d.frame,
                    src: d.src,
                    dst: d.dst,
                    mac: None,
                    error,
                });
                return;
            }
        };
        self.dhcp_messages += 1;
        let key = packet.hardware_address().to_vec();
        let seq = self.seq;
        let client = self.clients.entry(key).or_insert_with(|| ClientState {
            seq,
            mac: mac_text(packet.hardware_address()),
            first_frame: d.frame,
            last_frame: d.frame,
            last: d.time,
            open: Vec::new(),
            closed: Vec::new(),
            unmatched: Vec::new(),
        });
        if client.seq == seq {
            self.seq += 1;
        }
        client.last_frame = d.frame;
        client.last = d.time;
        let mut reported = None;
        if packet.op() == OP_BOOTREPLY {
            let xid = packet.xid();
            let owner = client
                .open
                .iter_mut()
                .rposition(|o| o.exchange.request.message.xid_value == xid);
            let vendor = owner.map_or(Vendor::Unknown, |i| {
                client.open[i].exchange.request.message.vendor()
            });
            let mut message = ReplyInspection::of(&packet, vendor);
            annotate_cut(&mut message.findings, d);
            reported = message
                .findings
                .iter()
                .find(|f| f.kind == Kind::MalformedPacket)
                .cloned();
            let reply = Reply { seen, message };
            match owner {
                Some(i) => {
                    let o = &mut client.open[i];
                    o.answered |= ends_exchange(reply.message.kind);
                    o.last = d.time;
                    o.exchange.replies.push(reply);
                }
                None => client.unmatched.push(reply),
            }
        } else {
            let mut message = RequestInspection::of(&packet);
            annotate_cut(&mut message.findings, d);
            reported = reported.or_else(|| {
                message
                    .findings
                    .iter()
                    .find(|f| f.kind == Kind::MalformedPacket)
                    .cloned()
            });
            let copy = client
                .open
                .iter_mut()
                .rev()
                .find(|o| !o.answered && same_request(&o.exchange.request.message, &message));
            match copy {
                Some(o) => {
                    if o.exchange.request.copies.len() < KEEP_COPIES {
                        o.exchange.request.copies.push(d.frame);
                    }
                    o.last = d.time;
                }
                None => client.open.push(Open {
                    exchange: Exchange {
                        request: Request {
                            seen,
                            message,
                            copies: Vec::new(),
                        },
                        replies: Vec::new(),
                        repeats: 0,
                        last_repeat_frame: None,
                        findings: Vec::new(),
                    },
                    last: d.time,
                    answered: false,
                }),
            }
        }
        if let Some(mut error) = reported {
            error.frame = Some(d.frame);
            let mac = client.mac.clone();
            self.malformed(Malformed {
                frame: d.frame,
                src: d.src,
                dst: d.dst,
                mac: Some(mac),
                error,
            });
        }
    }

    /// Client reports that have closed since the last call, in order of first appearance.
    pub fn take_ready(&mut self) -> Vec<ClientReport> {
        std::mem::take(&mut self.ready)
    }

    /// Close everything: the capture has ended.
    pub fn finish(&mut self) -> Vec<ClientReport> {
        self.sweep(true);
        self.take_ready()
    }

    fn sweep(&mut self, all: bool) {
        let horizon = self.window_secs;
        let now = self.now;
        let expired = |t: Timestamp| all || now.since(t) > horizon as f64;
        let mut done: Vec<ClientState> = Vec::new();
        let events = &mut self.closed_exchanges;
        let keys: Vec<Vec<u8>> = self
            .clients
            .iter_mut()
            .filter_map(|(k, c)| {
                let (old, fresh): (Vec<Open>, Vec<Open>) =
                    c.open.drain(..).partition(|o| expired(o.last));
                c.open = fresh;
                for o in old {
                    let judged = judge_exchange(o.exchange);
                    if let Some(events) = events.as_mut() {
                        events.push(ClosedExchange {
                            mac: c.mac.clone(),
                            exchange: judged.clone(),
                        });
                    }
                    fold(&mut c.closed, judged);
                }
                (c.open.is_empty() && expired(c.last)).then(|| k.clone())
            })
            .collect();
        for k in keys {
            if let Some(c) = self.clients.remove(&k) {
                done.push(c);
            }
        }
        done.sort_by_key(|c| c.seq);
        for c in done {
            self.ready.push(judge::client(
                c.mac,
                c.first_frame,
                c.last_frame,
                c.closed,
                c.unmatched,
            ));
        }
    }
}

/// An exchange that has closed, with the client it belongs to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClosedExchange {
    pub mac: String,
    #[serde(flatten)]
    pub exchange: Exchange,
}

fn judge_exchange(mut exchange: Exchange) -> Exchange {
    exchange.findings = judge::exchange(&exchange);
    exchange
}

/// Keep a judged exchange, or fold it into an identical earlier one.
fn fold(closed: &mut Vec<Exchange>, exchange: Exchange) {
    let last = exchange
        .replies
        .iter()
        .map(|r| r.seen.frame)
        .chain(exchange.request.copies.iter().copied())
        .chain([exchange.request.seen.frame])
        .max();
    if let Some(earlier) = closed.iter_mut().find(|e| judge::same_shape(e, &exchange)) {
        earlier.repeats += 1 + exchange.repeats;
        earlier.last_repeat_frame = last;
        return;
    }
    closed.push(exchange);
}

/// Whether `b` is the same request as `a` sent again: same type and xid, and the same
/// question (address asked for, client address, vendor class). A REQUEST after a NAK or a
/// second leasequery under one xid asks something new.
fn same_request(a: &RequestInspection, b: &RequestInspection) -> bool {
    a.xid_value == b.xid_value
        && a.kind == b.kind
        && a.ciaddr == b.ciaddr
        && a.requested_address == b.requested_address
        && a.vendor_class_bytes == b.vendor_class_bytes
}

/// Replies after which a client starts anew rather than waiting for more.
fn ends_exchange(kind: Option<MessageType>) -> bool {
    use MessageType::*;
    matches!(
        kind,
        Some(Ack | Nak | LeaseUnassigned | LeaseUnknown | LeaseActive | LeaseQueryDone)
    )
}

fn snap_cut(d: &Datagram<'_>, cut: usize) -> Finding {
    Finding::warning(
        Kind::SnapTruncated,
        format!(
            "the capture kept {} bytes of this DHCP message; the snap length cut the last {cut}, so it is read as far as it goes",
            d.payload.len()
        ),
    )
    .in_frame(d.frame)
    .at(d.payload.len())
    .fix("capture with a larger snap length (tcpdump -s 0) to see the whole message")
}

/// A message the snap length cut is not malformed: what it lost is missing, not wrong.
fn annotate_cut(findings: &mut Vec<Finding>, d: &Datagram<'_>) {
    let Some(cut) = d.cut else { return };
    findings.retain(|f| !matches!(f.kind, Kind::MalformedPacket | Kind::MissingEnd));
    findings.push(snap_cut(d, cut));
}
