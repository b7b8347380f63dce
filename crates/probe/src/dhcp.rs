//! Step 1: send a DHCPINFORM the way a Lync Phone Edition device does and collect every reply
//! that arrives within the window, from every server.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};
use ucprov_wire::hex::HexStyle;
use ucprov_wire::message::{DhcpMessage, Packet, OP_BOOTREPLY};

use crate::backoff;
use crate::iface::{self, Identity};
use crate::ProbeError;

pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;
/// What a Lync Phone Edition device asks for.
pub const DEFAULT_REQUEST_LIST: [u8; 7] = [1, 3, 6, 15, 42, 43, 120];

/// Where the INFORM goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Broadcast out of this interface (SO_BINDTODEVICE), as a phone does.
    Interface(String),
    /// Unicast to a server (or relay), e.g. across a routed network or to a lab on loopback.
    Server(SocketAddrV4),
}

/// A datagram that carried our transaction id.
#[derive(Debug, Clone, Serialize)]
pub struct RawReply {
    pub from: SocketAddr,
    /// Milliseconds after the first send.
    pub after_ms: u64,
    pub hex: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExchangeSummary {
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<Identity>,
    pub xid: u32,
    pub request_hex: String,
    #[serde(skip)]
    pub request: Vec<u8>,
    pub transmissions: usize,
    /// The local port replies were awaited on (resolves `--client-port 0`).
    pub client_port: u16,
    pub window_ms: u64,
    pub replies: Vec<RawReply>,
    /// Datagrams on our port that were not replies to this INFORM.
    pub ignored: usize,
}

pub struct DhcpConfig<'a> {
    pub target: &'a Target,
    pub client_port: u16,
    pub vendor_class: &'a [u8],
    pub request_list: &'a [u8],
    pub window: Duration,
}

/// `ciaddr` = the client's address, `chaddr` = its MAC, options 53 = INFORM, 60, 55.
pub fn build_inform(
    xid: u32,
    me: &Identity,
    vendor_class: &[u8],
    request_list: &[u8],
) -> Result<Vec<u8>, ProbeError> {
    let vendor_class = (!vendor_class.is_empty()).then_some(vendor_class);
    DhcpMessage::inform(xid, me.address, me.mac, vendor_class, request_list)
        .to_bytes()
        .map_err(|e| ProbeError::usage(format!("building the DHCPINFORM: {e}")))
}

fn random_xid() -> u32 {
    let mut b = [0u8; 4];
    let rng = ring::rand::SystemRandom::new();
    // A fixed xid only risks matching a stale reply; the window filters by time anyway.
    match ring::rand::SecureRandom::fill(&rng, &mut b) {
        Ok(()) => u32::from_be_bytes(b),
        Err(_) => 0x5543_5052,
    }
}

fn open_socket(target: &Target, client_port: u16) -> Result<UdpSocket, ProbeError> {
    let io = |what: &str, e: std::io::Error| ProbeError::env(format!("{what}: {e}"));
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| io("creating the UDP socket", e))?;
    s.set_reuse_address(true)
        .map_err(|e| io("SO_REUSEADDR", e))?;
    s.set_broadcast(true).map_err(|e| io("SO_BROADCAST", e))?;
    if let Target::Interface(name) = target {
        s.bind_device(Some(name.as_bytes())).map_err(|e| {
            ProbeError::env(format!(
                "SO_BINDTODEVICE {name}: {e}; binding to an interface needs root (CAP_NET_RAW)"
            ))
        })?;
    }
    let bind = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, client_port);
    s.bind(&bind.into()).map_err(|e| {
        let hint = if client_port < 1024 && e.kind() == ErrorKind::PermissionDenied {
            "; port 68 needs root (CAP_NET_BIND_SERVICE): run as root, or use --server with \
             --client-port above 1023 against a responder that replies to the source port"
        } else if e.kind() == ErrorKind::AddrInUse {
            "; another DHCP client (dhclient, dhcpcd, systemd-networkd) holds the port: stop it \
             or use --client-port"
        } else {
            ""
        };
        ProbeError::env(format!("binding UDP {bind}: {e}{hint}"))
    })?;
    Ok(s.into())
}

/// Send the INFORM, retransmit per RFC 2131 until the first reply, and listen until the
/// window closes: every server that answers is collected.
pub fn exchange(cfg: &DhcpConfig<'_>) -> Result<ExchangeSummary, ProbeError> {
    let (me, to, mode) = match cfg.target {
        Target::Interface(name) => (
            iface::of_interface(name)?,
            SocketAddrV4::new(Ipv4Addr::BROADCAST, SERVER_PORT),
            format!("broadcast on {name}"),
        ),
        Target::Server(server) => (
            iface::towards(*server)?,
            *server,
            format!("unicast to {server}"),
        ),
    };
    let socket = open_socket(cfg.target, cfg.client_port)?;
    let xid = random_xid();
    let request = build_inform(xid, &me, cfg.vendor_class, cfg.request_list)?;
    let sends = backoff::schedule(cfg.window, backoff::system_jitter());
    let start = Instant::now();
    let deadline = start + cfg.window;
    let mut summary = ExchangeSummary {
        mode,
        client: Some(me),
        xid,
        request_hex: HexStyle::CONTIGUOUS.format(&request),
        transmissions: 0,
        client_port: socket.local_addr().map_or(cfg.client_port, |a| a.port()),
        window_ms: u64::try_from(cfg.window.as_millis()).unwrap_or(u64::MAX),
        ..ExchangeSummary::default()
    };
    let mut buf = vec![0u8; 65_536];
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        // Phones stop retransmitting once answered; the window stays open for other servers.
        if summary.replies.is_empty() {
            if let Some(due) = sends.get(summary.transmissions).map(|d| start + *d) {
                if now >= due {
                    socket
                        .send_to(&request, to)
                        .map_err(|e| ProbeError::env(format!("sending to {to}: {e}")))?;
                    summary.transmissions += 1;
                    continue;
                }
            }
        }
        let next_send = sends
            .get(summary.transmissions)
            .filter(|_| summary.replies.is_empty())
            .map_or(deadline, |d| (start + *d).min(deadline));
        let wait = next_send
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        socket
            .set_read_timeout(Some(wait))
            .map_err(|e| ProbeError::env(format!("setting the read timeout: {e}")))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                let bytes = &buf[..n];
                if is_reply_to(bytes, xid) {
                    summary.replies.push(RawReply {
                        from,
                        after_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
                        hex: HexStyle::CONTIGUOUS.format(bytes),
                        bytes: bytes.to_vec(),
                    });
                } else {
                    summary.ignored += 1;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // ICMP port unreachable from a unicast target surfaces here; keep listening.
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(ProbeError::env(format!("receiving DHCP replies: {e}"))),
        }
    }
    summary.request = request;
    Ok(summary)
}

/// A BOOTREPLY with our xid. The rest of the packet may be malformed: that is reported in
/// step 2 rather than silently dropped.
fn is_reply_to(bytes: &[u8], xid: u32) -> bool {
    Packet::new_checked(bytes).is_ok_and(|p| p.op() == OP_BOOTREPLY && p.xid() == xid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::message::{code, MessageType};

    fn me() -> Identity {
        Identity {
            interface: Some("veth-cli".into()),
            address: Ipv4Addr::new(192, 0, 2, 10),
            mac: [2, 0, 0, 0, 0, 0x10],
        }
    }

    #[test]
    fn inform_looks_like_a_lync_phone() {
        let bytes = build_inform(7, &me(), b"MS-UC-Client", &DEFAULT_REQUEST_LIST).unwrap();
        let m = DhcpMessage::parse(&bytes).unwrap();
        assert_eq!(m.message_type(), Some(MessageType::Inform));
        assert_eq!(m.ciaddr, Ipv4Addr::new(192, 0, 2, 10));
        assert_eq!(m.hardware_address(), &[2, 0, 0, 0, 0, 0x10]);
        assert_eq!(m.option(code::VENDOR_CLASS), Some(&b"MS-UC-Client"[..]));
        assert_eq!(
            m.option(code::PARAMETER_REQUEST_LIST),
            Some(&[1, 3, 6, 15, 42, 43, 120][..])
        );
        assert_eq!(m.xid, 7);
    }

    #[test]
    fn empty_vendor_class_leaves_option_60_out() {
        let bytes = build_inform(7, &me(), b"", &[43]).unwrap();
        let m = DhcpMessage::parse(&bytes).unwrap();
        assert_eq!(m.option(code::VENDOR_CLASS), None);
    }

    #[test]
    fn only_replies_with_our_xid_count() {
        let mut reply = DhcpMessage {
            op: OP_BOOTREPLY,
            xid: 42,
            ..DhcpMessage::default()
        };
        reply.options.push((code::MESSAGE_TYPE, vec![5]));
        let bytes = reply.to_bytes().unwrap();
        assert!(is_reply_to(&bytes, 42));
        assert!(!is_reply_to(&bytes, 43));
        let request = build_inform(42, &me(), b"MS-UC-Client", &[43]).unwrap();
        assert!(!is_reply_to(&request, 42));
        assert!(!is_reply_to(&bytes[..100], 42));
    }
}
