//! Requests paired with their replies, per client, as a stream.
//!
//! An exchange is one request under one `xid` from one `chaddr`; copies of it
//! (retransmissions, or a relay's forward of the same INFORM) fold into it until an answer
//! ends it. A reply belongs to the latest open exchange with its `xid`, so DORA's OFFER pairs
//! with the DISCOVER and its ACK with the REQUEST, and every reply is kept: several servers
//! answering one INFORM is exactly what the conflict rule needs to see.
//!
//! Memory and time follow the clients in flight, not the file. While an exchange is open only
//! its bytes are kept. An answered exchange (ACK, NAK) closes [`LINGER_SECS`] after its last
//! packet, time for other servers to answer too; an unanswered one waits `window` seconds
//! (capture time) for retransmissions and late replies. At close, an exchange whose bytes
//! equal an earlier one's of the same client (transaction id and `secs` aside) is counted as a
//! repeat of it without being read again; any other is read by `inspect` and judged. A client
//! closes once it has been quiet for `window` and is handed out as a [`ClientReport`].

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use ucprov_wire::message::{field, MessageType, Packet, OP_BOOTREPLY};

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
/// Distinct replies without a request kept per client (all are counted).
const KEEP_UNMATCHED: usize = 1024;
/// Seconds an answered exchange stays open for other servers' replies. Servers answer within
/// milliseconds; a client that missed the answer retransmits after 4 s (RFC 2131 §4.1), and
/// that retransmission is then a new exchange of its own.
pub const LINGER_SECS: u64 = 5;

/// One message as it arrived, kept as bytes until its exchange closes.
#[derive(Debug)]
struct Raw {
    seen: Seen,
    bytes: Vec<u8>,
    cut: Option<usize>,
}

/// What pairing needs of a request, read once as it arrives.
#[derive(Debug, PartialEq, Eq)]
struct Question {
    xid: u32,
    kind: Option<MessageType>,
    ciaddr: Ipv4Addr,
    requested: Option<Ipv4Addr>,
    vendor_class: Option<Vec<u8>>,
}

/// An exchange while it may still get replies.
#[derive(Debug)]
struct Open {
    question: Question,
    request: Raw,
    copies: Vec<u64>,
    copy_count: usize,
    replies: Vec<Raw>,
    last: Timestamp,
    /// An ACK or NAK (or a leasequery answer) ended it: a same-xid request is a new one.
    answered: bool,
}

#[cfg(test)]
#[test]
fn repeats_differ_only_in_xid_and_secs() {
    let a = [1u8; 300];
    let mut b = a;
    b[4..10].copy_from_slice(&[9; 6]);
    assert!(same_but_xid(&a, &b));
    b[10] = 0;
    assert!(!same_but_xid(&a, &b));
    assert!(!same_but_xid(&a, &a[..299]));
}

/// Whether two messages are the same but for the fields that differ between repeats: the
/// transaction id and the seconds since the client began (bytes 4 to 9).
fn same_but_xid(a: &[u8], b: &[u8]) -> bool {
    let (from, to) = (field::XID.start, field::SECS.end);
    a.len() == b.len() && a.get(..from) == b.get(..from) && a.get(to..) == b.get(to..)
}

impl Open {
    /// Whether `other` says exactly what this exchange said: every byte the judge reads.
    fn same_as(&self, other: &Open) -> bool {
        self.copy_count == other.copy_count
            && self.request.cut == other.request.cut
            && same_but_xid(&self.request.bytes, &other.request.bytes)
            && self.replies.len() == other.replies.len()
            && self.replies.iter().zip(&other.replies).all(|(a, b)| {
                a.seen.src == b.seen.src
                    && a.seen.dst == b.seen.dst
                    && a.cut == b.cut
                    && same_but_xid(&a.bytes, &b.bytes)
            })
    }

    fn last_frame(&self) -> u64 {
        self.replies
            .iter()
            .map(|r| r.seen.frame)
            .chain(self.copies.iter().copied())
            .chain([self.request.seen.frame])
            .max()
            .unwrap_or(self.request.seen.frame)
    }

    /// Read every message through `inspect` and judge the exchange. Only messages whose
    /// header checked are kept, so every one reads.
    fn judge(&self) -> Option<Exchange> {
        let request = read_request(&self.request)?;
        let vendor = request.vendor();
        let replies = self
            .replies
            .iter()
            .map(|r| {
                Some(Reply {
                    seen: r.seen.clone(),
                    message: read_reply(r, vendor)?,
                })
            })
            .collect::<Option<Vec<Reply>>>()?;
        let mut exchange = Exchange {
            request: Request {
                seen: self.request.seen.clone(),
                message: request,
                copies: self.copies.clone(),
            },
            replies,
            repeats: 0,
            last_repeat_frame: None,
            findings: Vec::new(),
        };
        exchange.findings = judge::exchange(&exchange);
        Some(exchange)
    }
}

fn read_request(raw: &Raw) -> Option<RequestInspection> {
    let p = Packet::new_checked(&raw.bytes[..]).ok()?;
    let mut r = RequestInspection::of(&p);
    annotate_cut(&mut r.findings, raw);
    Some(r)
}

fn read_reply(raw: &Raw, vendor: Vendor<'_>) -> Option<ReplyInspection> {
    let p = Packet::new_checked(&raw.bytes[..]).ok()?;
    let mut r = ReplyInspection::of(&p, vendor);
    annotate_cut(&mut r.findings, raw);
    Some(r)
}

/// A closed exchange as kept: the bytes of its first occurrence, read and judged only when
/// the client's report is written, and how often it happened again.
#[derive(Debug)]
struct Kept {
    first: Open,
    repeats: u64,
    last_repeat_frame: Option<u64>,
}

impl Kept {
    fn judge(self) -> Option<Exchange> {
        let mut e = self.first.judge()?;
        e.repeats = self.repeats;
        e.last_repeat_frame = self.last_repeat_frame;
        Some(e)
    }
}

#[derive(Debug)]
struct ClientState {
    seq: u64,
    mac: String,
    first_frame: u64,
    last_frame: u64,
    last: Timestamp,
    open: Vec<Open>,
    closed: Vec<Kept>,
    unmatched: Vec<Reply>,
    /// The bytes of each kept unmatched reply, to fold identical ones.
    unmatched_seen: Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)>,
    /// Unmatched replies identical to one kept, or past [`KEEP_UNMATCHED`].
    unmatched_repeats: u64,
}

impl ClientState {
    fn report(self) -> ClientReport {
        let mut report = judge::client(
            self.mac,
            self.first_frame,
            self.last_frame,
            self.closed.into_iter().filter_map(Kept::judge).collect(),
            self.unmatched,
        );
        report.unmatched_repeats = self.unmatched_repeats;
        report
    }
}

/// An exchange that has closed, with the client it belongs to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClosedExchange {
    pub mac: String,
    #[serde(flatten)]
    pub exchange: Exchange,
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
    /// Clients still to hand out after the input ended, last first.
    draining: Option<Vec<ClientState>>,
    /// Exchanges as they close, for live monitors; `None` unless asked for.
    closed_exchanges: Option<Vec<ClosedExchange>>,
    pub dhcp_datagrams: u64,
    pub dhcp_messages: u64,
    pub malformed_count: u64,
    pub malformed: Vec<Malformed>,
}

impl Engine {
    /// `window_secs`: how long, in capture time, an unanswered exchange waits for replies and
    /// a quiet client stays open.
    pub fn new(window_secs: u64) -> Self {
        Engine {
            window_secs: window_secs.max(1),
            clients: HashMap::new(),
            seq: 0,
            first: None,
            now: Timestamp::default(),
            next_sweep: Timestamp::default(),
            ready: Vec::new(),
            draining: None,
            closed_exchanges: None,
            dhcp_datagrams: 0,
            dhcp_messages: 0,
            malformed_count: 0,
            malformed: Vec::new(),
        }
    }

    /// Also hand out every exchange as it closes, judged ([`Engine::take_closed_exchanges`]):
    /// what a live monitor prints as it happens, before the client's report is due. Every
    /// exchange is then read, repeats too.
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
        self.sweep();
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
            self.sweep();
            self.next_sweep = self.now.plus_secs(1);
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
                let error = match d.cut {
                    Some(cut) => snap_cut(d.payload.len(), cut).in_frame(d.frame),
                    None => Finding::from_decode(Kind::MalformedPacket, &e).in_frame(d.frame),
                };
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
        let read = packet.read_options();
        let broken = match (&read.error, d.cut) {
            (Some(e), None) => {
                Some(Finding::from_decode(Kind::MalformedPacket, e).in_frame(d.frame))
            }
            _ => None,
        };
        let kind = read.set.message_type();
        let key = packet.hardware_address();
        let raw = Raw {
            seen,
            bytes: d.payload.to_vec(),
            cut: d.cut,
        };
        if !self.clients.contains_key(key) {
            self.clients.insert(
                key.to_vec(),
                ClientState {
                    seq: self.seq,
                    mac: mac_text(key),
                    first_frame: d.frame,
                    last_frame: d.frame,
                    last: d.time,
                    open: Vec::new(),
                    closed: Vec::new(),
                    unmatched: Vec::new(),
                    unmatched_seen: Vec::new(),
                    unmatched_repeats: 0,
                },
            );
            self.seq += 1;
        }
        let Some(client) = self.clients.get_mut(key) else {
            return;
        };
        client.last_frame = d.frame;
        client.last = d.time;
        let xid = packet.xid();
        if packet.op() == OP_BOOTREPLY {
            match client.open.iter_mut().rposition(|o| o.question.xid == xid) {
                Some(i) => {
                    let o = &mut client.open[i];
                    o.answered |= ends_exchange(kind);
                    o.last = d.time;
                    o.replies.push(raw);
                }
                None => {
                    // Replies without a request fold by their bytes like exchanges do, so a
                    // capture that starts mid-way keeps one copy per distinct answer.
                    let same = |(src, dst, bytes): &(SocketAddrV4, SocketAddrV4, Vec<u8>)| {
                        *src == raw.seen.src
                            && *dst == raw.seen.dst
                            && same_but_xid(bytes, &raw.bytes)
                    };
                    if client.unmatched_seen.iter().any(same) {
                        client.unmatched_repeats += 1;
                    } else if client.unmatched.len() < KEEP_UNMATCHED {
                        let (src, dst) = (raw.seen.src, raw.seen.dst);
                        if let Some(message) = read_reply(&raw, Vendor::Unknown) {
                            client.unmatched.push(Reply {
                                seen: raw.seen,
                                message,
                            });
                            client.unmatched_seen.push((src, dst, raw.bytes));
                        }
                    } else {
                        client.unmatched_repeats += 1;
                    }
                }
            }
        } else {
            let question = Question {
                xid,
                kind,
                ciaddr: packet.ciaddr(),
                requested: match read.set.get(50).as_deref() {
                    Some([a, b, c, e]) => Some(Ipv4Addr::new(*a, *b, *c, *e)),
                    _ => None,
                },
                vendor_class: read.set.vendor_class().map(|v| v.into_owned()),
            };
            // The same question again before any answer: a retransmission or a relay's copy.
            match client
                .open
                .iter_mut()
                .rev()
                .find(|o| !o.answered && o.question == question)
            {
                Some(o) => {
                    o.copy_count += 1;
                    if o.copies.len() < KEEP_COPIES {
                        o.copies.push(d.frame);
                    }
                    o.last = d.time;
                }
                None => client.open.push(Open {
                    question,
                    request: raw,
                    copies: Vec::new(),
                    copy_count: 0,
                    replies: Vec::new(),
                    last: d.time,
                    answered: false,
                }),
            }
        }
        if let Some(error) = broken {
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

    /// The input has ended: close every exchange. Clients are then handed out by
    /// [`Engine::drain`], a few at a time, so their reports are never all in memory at once.
    pub fn end_input(&mut self) {
        let mut all: Vec<ClientState> = self.clients.drain().map(|(_, c)| c).collect();
        for c in &mut all {
            let open = std::mem::take(&mut c.open);
            for o in open {
                close(c, o, &mut self.closed_exchanges);
            }
        }
        all.sort_by_key(|c| std::cmp::Reverse(c.seq));
        self.draining = Some(all);
    }

    /// Up to `n` more client reports after [`Engine::end_input`]; empty when all are out.
    pub fn drain(&mut self, n: usize) -> Vec<ClientReport> {
        let Some(rest) = self.draining.as_mut() else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(n.min(rest.len()));
        while out.len() < n {
            let Some(c) = rest.pop() else { break };
            out.push(c.report());
        }
        out
    }

    /// Close everything and hand out every client: the input has ended.
    pub fn finish(&mut self) -> Vec<ClientReport> {
        self.end_input();
        let mut out = self.take_ready();
        out.extend(self.drain(usize::MAX));
        out
    }

    fn sweep(&mut self) {
        let now = self.now;
        let window = self.window_secs as f64;
        let events = &mut self.closed_exchanges;
        let mut done: Vec<Vec<u8>> = Vec::new();
        for (k, c) in self.clients.iter_mut() {
            let mut i = 0;
            while i < c.open.len() {
                let o = &c.open[i];
                let wait = if o.answered {
                    LINGER_SECS as f64
                } else {
                    window
                };
                if now.since(o.last) > wait {
                    let o = c.open.swap_remove(i);
                    close(c, o, events);
                } else {
                    i += 1;
                }
            }
            if c.open.is_empty() && now.since(c.last) > window {
                done.push(k.clone());
            }
        }
        let mut closed: Vec<ClientState> =
            done.iter().filter_map(|k| self.clients.remove(k)).collect();
        closed.sort_by_key(|c| c.seq);
        self.ready
            .extend(closed.into_iter().map(ClientState::report));
    }
}

/// Close one exchange: count it as a repeat of an identical earlier one, or keep it.
fn close(c: &mut ClientState, o: Open, events: &mut Option<Vec<ClosedExchange>>) {
    if let Some(events) = events.as_mut() {
        // A live monitor reports every exchange as itself, as it closes.
        if let Some(exchange) = o.judge() {
            events.push(ClosedExchange {
                mac: c.mac.clone(),
                exchange,
            });
        }
    }
    let last = o.last_frame();
    if let Some(k) = c.closed.iter_mut().find(|k| k.first.same_as(&o)) {
        k.repeats += 1;
        k.last_repeat_frame = Some(last);
        return;
    }
    // Exchanges are kept in the order they began.
    let at = c
        .closed
        .iter()
        .position(|k| k.first.request.seen.frame > o.request.seen.frame)
        .unwrap_or(c.closed.len());
    c.closed.insert(
        at,
        Kept {
            first: o,
            repeats: 0,
            last_repeat_frame: None,
        },
    );
}

/// Replies after which a client starts anew rather than waiting for more.
fn ends_exchange(kind: Option<MessageType>) -> bool {
    use MessageType::*;
    matches!(
        kind,
        Some(Ack | Nak | LeaseUnassigned | LeaseUnknown | LeaseActive | LeaseQueryDone)
    )
}

fn snap_cut(kept: usize, cut: usize) -> Finding {
    Finding::warning(
        Kind::SnapTruncated,
        format!(
            "the capture kept {kept} bytes of this DHCP message; the snap length cut the last {cut}, so it is read as far as it goes"
        ),
    )
    .at(kept)
    .fix("capture with a larger snap length (tcpdump -s 0) to see the whole message")
}

/// A message the snap length cut is not malformed: what it lost is missing, not wrong.
fn annotate_cut(findings: &mut Vec<Finding>, raw: &Raw) {
    let Some(cut) = raw.cut else { return };
    findings.retain(|f| !matches!(f.kind, Kind::MalformedPacket | Kind::MissingEnd));
    findings.push(snap_cut(raw.bytes.len(), cut));
}
