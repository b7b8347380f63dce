//! DHCP messages out of datagrams, and requests paired with their replies.
//!
//! A transaction is one request message type under one `xid` from one `chaddr`; copies of
//! it (retransmissions, or the relay's forward of the same INFORM) fold into it. A reply
//! belongs to the latest transaction with its `xid` and `chaddr` seen before it, so DORA's
//! OFFER pairs with the DISCOVER and its ACK with the REQUEST. Every reply is kept: several
//! servers answering one INFORM is exactly what a rogue check needs to see.

use std::net::{Ipv4Addr, SocketAddrV4};

use serde::Serialize;
use ucprov_wire::message::{code, MessageType, Packet, OP_BOOTREPLY};
use ucprov_wire::options::{OptionSet, Region};
use ucprov_wire::vendor::VendorOptions;

use super::capture::{Datagram, Timestamp};
use crate::annotate::{self, Finding, Option120Report, Option43Report};

/// Microsoft's rogue-detection sub-option inside option 43 ([MS-DHCPE] §2.2.2).
pub const ROGUE_DETECTION_SUB: u8 = 0x5E;

/// Where and when a message was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub frame: u64,
    /// Seconds since the capture's first frame.
    pub time: f64,
    pub timestamp: Timestamp,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
}

/// A client's message.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub seen: Seen,
    pub message_type: String,
    pub xid: String,
    pub ciaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_class: Option<String>,
    pub parameter_request_list: Vec<u8>,
    pub asks_43: bool,
    pub asks_120: bool,
    /// Option 43 carries sub-option 0x5E and there is no option 60: a Windows DHCP server
    /// looking for rogue servers, not a phone.
    pub rogue_detection: bool,
    /// Frames that carried the same message again (retransmissions, relay forwards).
    pub copies: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<Finding>,
    #[serde(skip)]
    pub kind: Option<MessageType>,
}

/// A server's message.
#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    pub seen: Seen,
    pub message_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Ipv4Addr>,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    pub has_43: bool,
    pub has_120: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option43: Option<Option43Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option120: Option<Option120Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    pub registrars: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<Finding>,
}

impl Reply {
    /// Who answered: the server identifier when given, else the source address.
    pub fn server(&self) -> Ipv4Addr {
        self.server_id.unwrap_or(*self.seen.src.ip())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    pub request: Request,
    pub replies: Vec<Reply>,
}

/// Everything one client hardware address did.
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    pub mac: String,
    pub transactions: Vec<Transaction>,
    /// Replies to this client whose request is not in the capture.
    pub unmatched_replies: Vec<Reply>,
    #[serde(skip)]
    xids: Vec<u32>,
}

/// A datagram on the DHCP ports that the codec rejected.
#[derive(Debug, Clone, Serialize)]
pub struct Malformed {
    pub frame: u64,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    pub error: Finding,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Exchanges {
    pub clients: Vec<Client>,
    pub malformed: Vec<Malformed>,
    pub dhcp_messages: usize,
}

pub fn mac_text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn type_name(t: Option<MessageType>) -> String {
    match t {
        Some(MessageType::Other(v)) => format!("message type {v}"),
        Some(t) => t.name().to_string(),
        None => "BOOTP (no option 53)".to_string(),
    }
}

/// Pair every DHCP message in `datagrams` into per-client transactions.
pub fn pair(datagrams: &[Datagram<'_>], first: Timestamp) -> Exchanges {
    let mut out = Exchanges::default();
    for d in datagrams {
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
                out.malformed.push(Malformed {
                    frame: d.frame,
                    src: d.src,
                    dst: d.dst,
                    mac: None,
                    error: Finding::from_decode(&e),
                });
                continue;
            }
        };
        out.dhcp_messages += 1;
        let mac = mac_text(packet.hardware_address());
        // A bad option still leaves the header and the options before it readable, and
        // those say whose message it was and what it carried.
        let (set, error) = match packet.options() {
            Ok(set) => (set, None),
            Err(e) => {
                let walk = OptionSet::walk(&d.payload[240..], 240, Region::Options);
                (walk.set, Some(e))
            }
        };
        let decode_error = error.as_ref().map(Finding::from_decode);
        if let Some(e) = &decode_error {
            out.malformed.push(Malformed {
                frame: d.frame,
                src: d.src,
                dst: d.dst,
                mac: Some(mac.clone()),
                error: e.clone(),
            });
        }
        let kind = match set.get(code::MESSAGE_TYPE).as_deref() {
            Some([t]) => Some(MessageType::from_u8(*t)),
            _ => None,
        };
        let xid = packet.xid();
        let client = match out.clients.iter().position(|c| c.mac == mac) {
            Some(i) => &mut out.clients[i],
            None => {
                out.clients.push(Client {
                    mac: mac.clone(),
                    transactions: Vec::new(),
                    unmatched_replies: Vec::new(),
                    xids: Vec::new(),
                });
                let last = out.clients.len() - 1;
                &mut out.clients[last]
            }
        };
        if packet.op() == OP_BOOTREPLY {
            let reply = reply(&packet, &set, seen, kind, decode_error);
            let owner = client
                .xids
                .iter()
                .rposition(|x| *x == xid)
                .map(|i| &mut client.transactions[i]);
            match owner {
                Some(t) => t.replies.push(reply),
                None => client.unmatched_replies.push(reply),
            }
        } else {
            let same = client
                .xids
                .iter()
                .zip(&client.transactions)
                .rposition(|(x, t)| *x == xid && t.request.kind == kind);
            match same {
                Some(i) => client.transactions[i].request.copies.push(d.frame),
                None => {
                    client.xids.push(xid);
                    client.transactions.push(Transaction {
                        request: request(&packet, &set, seen, kind, decode_error),
                        replies: Vec::new(),
                    });
                }
            }
        }
    }
    out
}

fn request(
    packet: &Packet<&[u8]>,
    set: &OptionSet<'_>,
    seen: Seen,
    kind: Option<MessageType>,
    decode_error: Option<Finding>,
) -> Request {
    let prl = set
        .get(code::PARAMETER_REQUEST_LIST)
        .map(|v| v.into_owned())
        .unwrap_or_default();
    let vendor_class = set
        .get(code::VENDOR_CLASS)
        .map(|v| String::from_utf8_lossy(&v).into_owned());
    let rogue_detection = vendor_class.is_none()
        && set
            .get(code::VENDOR_SPECIFIC)
            .is_some_and(|v| VendorOptions::parse(&v).get(ROGUE_DETECTION_SUB).is_some());
    Request {
        seen,
        message_type: type_name(kind),
        xid: format!("0x{:08x}", packet.xid()),
        ciaddr: packet.ciaddr(),
        giaddr: packet.giaddr(),
        vendor_class,
        asks_43: prl.contains(&code::VENDOR_SPECIFIC),
        asks_120: prl.contains(&code::SIP_SERVERS),
        parameter_request_list: prl,
        rogue_detection,
        copies: Vec::new(),
        decode_error,
        kind,
    }
}

fn reply(
    packet: &Packet<&[u8]>,
    set: &OptionSet<'_>,
    seen: Seen,
    kind: Option<MessageType>,
    decode_error: Option<Finding>,
) -> Reply {
    let server_id = match set.get(code::SERVER_ID).as_deref() {
        Some([a, b, c, d]) => Some(Ipv4Addr::new(*a, *b, *c, *d)),
        _ => None,
    };
    let mut option43 = None;
    let mut option120 = None;
    // The shared annotator gives offsets in the DHCP message, which is what the user
    // looks up in Wireshark's bytes pane for that frame.
    for row in annotate::options(set) {
        if let Some(r) = row.option43 {
            option43 = Some(r);
        }
        if let Some(r) = row.option120 {
            option120 = Some(r);
        }
    }
    let provisioning_url = option43.as_ref().and_then(|r| r.provisioning_url.clone());
    let registrars = option120
        .as_ref()
        .map(|r| r.servers.iter().map(|s| s.server.clone()).collect())
        .unwrap_or_default();
    Reply {
        seen,
        message_type: type_name(kind),
        server_id,
        ciaddr: packet.ciaddr(),
        yiaddr: packet.yiaddr(),
        giaddr: packet.giaddr(),
        has_43: option43.is_some(),
        has_120: option120.is_some(),
        option43,
        option120,
        provisioning_url,
        registrars,
        decode_error,
    }
}

/// Where RFC 2131 §4.3.5 (INFORM) and §4.1 say `reply` to `request` must go: the relay at
/// `giaddr`, port 67, when relayed, else `ciaddr`, port 68. `None` when the rules leave it
/// open (no ciaddr and no relay: DISCOVER and the REQUEST of a new lease).
pub fn expected_destination(request: &Request, reply: &Reply) -> Option<SocketAddrV4> {
    // The relay's forward carries giaddr while the client's broadcast copy does not; the
    // server copies giaddr into its reply, so either says the exchange was relayed.
    let giaddr = if request.giaddr.is_unspecified() {
        reply.giaddr
    } else {
        request.giaddr
    };
    // The relay's own forward to the client still carries giaddr, but comes from the relay.
    if !giaddr.is_unspecified() && *reply.seen.src.ip() != giaddr {
        return Some(SocketAddrV4::new(giaddr, super::capture::SERVER_PORT));
    }
    if !request.ciaddr.is_unspecified() {
        return Some(SocketAddrV4::new(
            request.ciaddr,
            super::capture::CLIENT_PORT,
        ));
    }
    None
}
