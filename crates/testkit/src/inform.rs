//! Build a DHCPINFORM the way a Lync device does, and collect every reply to it.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use ucprov_wire::message::DhcpMessage;

/// A DHCPINFORM: `ciaddr`, `chaddr` = `mac`, option 53 = 8, option 60 when given, option 55.
pub fn inform_request(
    xid: u32,
    ciaddr: Ipv4Addr,
    mac: [u8; 6],
    vendor_class: Option<&[u8]>,
    requested: &[u8],
) -> Vec<u8> {
    inform_message(xid, ciaddr, mac, vendor_class, requested)
        .to_bytes()
        .unwrap_or_else(|e| panic!("building the INFORM: {e}"))
}

/// [`inform_request`] before encoding, for tests that change a field first.
pub fn inform_message(
    xid: u32,
    ciaddr: Ipv4Addr,
    mac: [u8; 6],
    vendor_class: Option<&[u8]>,
    requested: &[u8],
) -> DhcpMessage {
    DhcpMessage::inform(xid, ciaddr, mac, vendor_class, requested)
}

/// A datagram received in answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub from: SocketAddr,
    pub bytes: Vec<u8>,
}

/// Bind `bind`, send `request` to `to`, and collect every datagram that arrives within
/// `window`. Call inside `Netns::run` to exchange inside a namespace.
pub fn exchange(bind: SocketAddr, to: SocketAddr, request: &[u8], window: Duration) -> Vec<Reply> {
    let socket = UdpSocket::bind(bind).unwrap_or_else(|e| panic!("bind {bind}: {e}"));
    socket
        .set_broadcast(true)
        .unwrap_or_else(|e| panic!("SO_BROADCAST: {e}"));
    socket
        .send_to(request, to)
        .unwrap_or_else(|e| panic!("send to {to}: {e}"));
    let deadline = Instant::now() + window;
    let mut replies = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        socket
            .set_read_timeout(Some(left))
            .unwrap_or_else(|e| panic!("set timeout: {e}"));
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => replies.push(Reply {
                from,
                bytes: buf[..n].to_vec(),
            }),
            Err(_) => break,
        }
    }
    replies
}
