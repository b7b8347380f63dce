//! The decision, with no I/O: a received datagram and where it arrived, against a config
//! snapshot, gives either a DHCPACK (written into the caller's reused buffer) and its
//! destination, or the reason for silence.
//!
//! The reply follows RFC 2131 §4.3.5 and table 3: DHCPACK, same `xid`, `flags` and `chaddr`,
//! `yiaddr` 0, no lease time, option 53 then 54, then 43 and 120 if option 55 asks for them.

use std::net::{Ipv4Addr, SocketAddrV4};

use ucprov_inspect::rules::rogue::is_rogue_detection;
use ucprov_wire::message::OP_BOOTREQUEST;
use ucprov_wire::message::{code, DhcpMessage, MessageType, Packet, FLAG_BROADCAST, OP_BOOTREPLY};
use ucprov_wire::tlv::EncodeError;
use ucprov_wire::DecodeError;

use crate::config::{Config, ConfigError, MatchMode, VendorClass};
use crate::reason::Reason;

/// Where a datagram came from and how it reached us (from IP_PKTINFO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub source: SocketAddrV4,
    /// Our address the kernel would answer from (`ipi_spec_dst`): the server identifier
    /// unless one is configured.
    pub local: Ipv4Addr,
    pub ifindex: u32,
}

/// A config ready for the hot path: interface names resolved to indexes.
#[derive(Debug, Clone)]
pub struct Policy {
    pub config: Config,
    interfaces: Vec<u32>,
}

impl Policy {
    /// Resolve the configured interfaces with `lookup` (name to index). An interface that does
    /// not exist is an error, so a typo cannot silently make the server deaf.
    pub fn new(config: Config, lookup: impl Fn(&str) -> Option<u32>) -> Result<Self, ConfigError> {
        let mut interfaces = Vec::with_capacity(config.listen.interfaces.len());
        for (i, name) in config.listen.interfaces.iter().enumerate() {
            let index = lookup(name).ok_or_else(|| ConfigError::Invalid {
                field: format!("listen.interfaces[{i}]"),
                message: format!("no interface named {name:?} on this host"),
            })?;
            interfaces.push(index);
        }
        Ok(Policy { config, interfaces })
    }
}

/// What the client said, as far as it could be read; for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Client<'p> {
    /// The first `hlen` bytes of `chaddr` (at most 16), as the codec reads them.
    pub hardware_address: &'p [u8],
    pub xid: u32,
    pub ciaddr: Option<Ipv4Addr>,
    pub giaddr: Option<Ipv4Addr>,
    pub message_type: Option<MessageType>,
    /// The first option 60 instance (enough to read the class in a log).
    pub vendor_class: Option<&'p [u8]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'c> {
    /// The reply is in the caller's buffer: send it to `to`, from `from` when known.
    Reply {
        to: SocketAddrV4,
        from: Option<Ipv4Addr>,
        site: &'c str,
    },
    Ignore(Reason),
    Malformed(DecodeError),
    /// The reply could not be written. Sites are validated on load, so this means a bug.
    Encode(EncodeError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<'p, 'c> {
    pub client: Client<'p>,
    pub verdict: Verdict<'c>,
}

/// Option fields read in one pass over the options, without joining or allocating.
#[derive(Default)]
struct Seen<'p> {
    message_type: Option<u8>,
    vendor_class: Option<&'p [u8]>,
    vendor_match: VendorMatch,
    wants_43: bool,
    wants_120: bool,
    has_43: bool,
}

/// Compares option 60 with the configured class piece by piece, so a value split across
/// instances (RFC 3396) matches without being joined.
#[derive(Default)]
struct VendorMatch {
    len: usize,
    mismatch: bool,
}

impl VendorMatch {
    fn feed(&mut self, want: &[u8], piece: &[u8]) {
        let start = self.len.min(want.len());
        let end = (self.len + piece.len()).min(want.len());
        if piece[..end - start] != want[start..end] {
            self.mismatch = true;
        }
        self.len += piece.len();
    }

    fn matches(&self, class: &VendorClass) -> bool {
        match class.mode {
            MatchMode::Exact => !self.mismatch && self.len == class.value.len(),
            MatchMode::Prefix => !self.mismatch && self.len >= class.value.len(),
            MatchMode::Any => true,
        }
    }
}

/// Decide what to do with one datagram. On `Verdict::Reply`, `out` holds the reply.
pub fn decide<'p, 'c>(
    datagram: &'p [u8],
    arrival: &Arrival,
    policy: &'c Policy,
    out: &mut Vec<u8>,
) -> Outcome<'p, 'c> {
    let mut client = Client::default();
    let verdict = decide_inner(datagram, arrival, policy, out, &mut client);
    Outcome { client, verdict }
}

fn decide_inner<'p, 'c>(
    datagram: &'p [u8],
    arrival: &Arrival,
    policy: &'c Policy,
    out: &mut Vec<u8>,
    client: &mut Client<'p>,
) -> Verdict<'c> {
    let config = &policy.config;
    if !policy.interfaces.is_empty() && !policy.interfaces.contains(&arrival.ifindex) {
        return Verdict::Ignore(Reason::Interface);
    }
    let p = match Packet::new_checked(datagram) {
        Ok(p) => p,
        Err(e) => return Verdict::Malformed(e),
    };
    *client = Client {
        hardware_address: p.buffer_hardware_address(),
        xid: p.xid(),
        ciaddr: Some(p.ciaddr()),
        giaddr: Some(p.giaddr()),
        ..Client::default()
    };
    let mut seen = Seen::default();
    let want = &config.vendor_class.value;
    let visited = p.visit_buffer_options(|i| match i.code {
        code::MESSAGE_TYPE if seen.message_type.is_none() => {
            seen.message_type = i.value.first().copied();
        }
        code::VENDOR_CLASS => {
            seen.vendor_class.get_or_insert(i.value);
            seen.vendor_match.feed(want, i.value);
        }
        code::PARAMETER_REQUEST_LIST => {
            seen.wants_43 |= i.value.contains(&code::VENDOR_SPECIFIC);
            seen.wants_120 |= i.value.contains(&code::SIP_SERVERS);
        }
        code::VENDOR_SPECIFIC => seen.has_43 = true,
        _ => {}
    });
    if let Err(e) = visited {
        return Verdict::Malformed(e);
    }
    client.message_type = seen.message_type.map(MessageType::from_u8);
    client.vendor_class = seen.vendor_class;
    if let Some(reason) = silence(&p, &seen, &config.vendor_class) {
        return Verdict::Ignore(reason);
    }
    reply(&p, arrival, config, &seen, out)
}

/// The reasons to stay silent that depend only on the request.
fn silence<T: AsRef<[u8]>>(p: &Packet<T>, seen: &Seen<'_>, class: &VendorClass) -> Option<Reason> {
    match p.op() {
        OP_BOOTREQUEST => {}
        OP_BOOTREPLY => return Some(Reason::BootReply),
        _ => return Some(Reason::BadOp),
    }
    let reason = match seen.message_type.map(MessageType::from_u8) {
        None => Reason::NoMessageType,
        Some(MessageType::Inform) => return vendor_silence(p, seen, class),
        Some(MessageType::Discover) => Reason::Discover,
        Some(MessageType::Request) => Reason::Request,
        Some(MessageType::Decline) => Reason::Decline,
        Some(MessageType::Release) => Reason::Release,
        Some(_) => Reason::OtherMessageType,
    };
    Some(reason)
}

fn vendor_silence<T: AsRef<[u8]>>(
    p: &Packet<T>,
    seen: &Seen<'_>,
    class: &VendorClass,
) -> Option<Reason> {
    if seen.vendor_class.is_some() {
        return (!seen.vendor_match.matches(class)).then_some(Reason::VendorClass);
    }
    // Rare path (no option 60), so reading the options again here costs nothing that matters.
    let rogue = seen.has_43 && p.options().ok().is_some_and(|set| is_rogue_detection(&set));
    match (rogue, class.mode) {
        (true, _) => Some(Reason::RogueDetection),
        (false, MatchMode::Any) => None,
        (false, _) => Some(Reason::NoVendorClass),
    }
}

fn usable(addr: Ipv4Addr) -> bool {
    !addr.is_unspecified() && !addr.is_broadcast()
}

fn reply<'c, T: AsRef<[u8]>>(
    p: &Packet<T>,
    arrival: &Arrival,
    config: &'c Config,
    seen: &Seen<'_>,
    out: &mut Vec<u8>,
) -> Verdict<'c> {
    let (ciaddr, giaddr) = (p.ciaddr(), p.giaddr());
    let source = *arrival.source.ip();
    let mut flags = p.flags();
    // RFC 2131 §4.1: relayed replies go to the relay's server port; otherwise to ciaddr. A
    // client that left ciaddr 0 is answered at its source address, as ISC dhcpd and Kea do;
    // a relayed one gets the broadcast bit so the relay can reach a client it cannot ARP.
    let (to, client_addr) = if usable(giaddr) {
        if ciaddr.is_unspecified() {
            flags |= FLAG_BROADCAST;
        }
        (SocketAddrV4::new(giaddr, config.relay_port), ciaddr)
    } else if usable(ciaddr) {
        (SocketAddrV4::new(ciaddr, config.client_port), ciaddr)
    } else if usable(source) {
        (SocketAddrV4::new(source, config.client_port), source)
    } else {
        return Verdict::Ignore(Reason::NoClientAddress);
    };
    let Some(site) = config.sites.select(giaddr, client_addr) else {
        return Verdict::Ignore(Reason::NoSite);
    };
    let server_id = match config.server_id {
        Some(id) => id,
        None if usable(arrival.local) => arrival.local,
        None => return Verdict::Ignore(Reason::NoServerId),
    };
    let ack = [MessageType::Ack.to_u8()];
    let id = server_id.octets();
    let mut options: [(u8, &[u8]); 4] = [
        (code::MESSAGE_TYPE, &ack),
        (code::SERVER_ID, &id),
        (0, &[]),
        (0, &[]),
    ];
    let mut n = 2;
    if seen.wants_43 || config.always_send {
        options[n] = (code::VENDOR_SPECIFIC, site.option43());
        n += 1;
    }
    if seen.wants_120 || config.always_send {
        options[n] = (code::SIP_SERVERS, site.option120());
        n += 1;
    }
    let message = DhcpMessage {
        op: OP_BOOTREPLY,
        htype: p.htype(),
        hlen: p.hlen(),
        hops: 0,
        xid: p.xid(),
        secs: 0,
        flags,
        ciaddr,
        yiaddr: Ipv4Addr::UNSPECIFIED,
        siaddr: Ipv4Addr::UNSPECIFIED,
        giaddr,
        chaddr: p.chaddr(),
        sname: [0; 64],
        file: [0; 128],
        options: Vec::new(),
    };
    match message.emit_with(&options[..n], out) {
        Ok(()) => Verdict::Reply {
            to,
            from: usable(arrival.local).then_some(arrival.local),
            site: &site.name,
        },
        Err(e) => Verdict::Encode(e),
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
