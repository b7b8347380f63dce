//! Where must a server's reply go? RFC 2131 §4.1 and §4.3.5 (`docs/wire.md` §6): to the relay
//! at `giaddr`, port 67, when the request was relayed; else to `ciaddr`, port 68, when the
//! client has an address; otherwise the RFC leaves it to the broadcast bit, and nothing is
//! checked.

use std::net::{Ipv4Addr, SocketAddrV4};

/// DHCP server and client ports (RFC 2131 §4.1).
pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;

/// The addresses the rule reads, from the request and the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub request_ciaddr: Ipv4Addr,
    pub request_giaddr: Ipv4Addr,
    pub reply_giaddr: Ipv4Addr,
    /// Where the reply came from: a relay's own forward to the client still carries giaddr.
    pub reply_source: Ipv4Addr,
}

/// Where the reply must go, or `None` when the RFC leaves it open (no ciaddr and no relay:
/// DISCOVER and the REQUEST of a new lease).
pub fn expected_destination(r: Route) -> Option<SocketAddrV4> {
    // The relay's forward carries giaddr while the client's broadcast copy does not; the
    // server copies giaddr into its reply, so either says the exchange was relayed.
    let giaddr = if r.request_giaddr.is_unspecified() {
        r.reply_giaddr
    } else {
        r.request_giaddr
    };
    if !giaddr.is_unspecified() && r.reply_source != giaddr {
        return Some(SocketAddrV4::new(giaddr, SERVER_PORT));
    }
    if !r.request_ciaddr.is_unspecified() {
        return Some(SocketAddrV4::new(r.request_ciaddr, CLIENT_PORT));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
    const RELAY: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
    const SERVER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
    const NONE: Ipv4Addr = Ipv4Addr::UNSPECIFIED;

    fn route(ciaddr: Ipv4Addr, req_gi: Ipv4Addr, rep_gi: Ipv4Addr, src: Ipv4Addr) -> Route {
        Route {
            request_ciaddr: ciaddr,
            request_giaddr: req_gi,
            reply_giaddr: rep_gi,
            reply_source: src,
        }
    }

    #[test]
    fn an_inform_reply_goes_unicast_to_ciaddr_port_68() {
        assert_eq!(
            expected_destination(route(CLIENT, NONE, NONE, SERVER)),
            Some(SocketAddrV4::new(CLIENT, CLIENT_PORT))
        );
    }

    #[test]
    fn a_relayed_reply_goes_to_the_relay_port_67() {
        let want = Some(SocketAddrV4::new(RELAY, SERVER_PORT));
        assert_eq!(
            expected_destination(route(CLIENT, RELAY, RELAY, SERVER)),
            want
        );
        // Seen only on the client side: the reply's giaddr still says it was relayed.
        assert_eq!(
            expected_destination(route(CLIENT, NONE, RELAY, SERVER)),
            want
        );
    }

    #[test]
    fn the_relays_own_forward_goes_to_the_client() {
        assert_eq!(
            expected_destination(route(CLIENT, RELAY, RELAY, RELAY)),
            Some(SocketAddrV4::new(CLIENT, CLIENT_PORT))
        );
    }

    #[test]
    fn without_ciaddr_or_relay_the_rfc_leaves_it_open() {
        assert_eq!(expected_destination(route(NONE, NONE, NONE, SERVER)), None);
    }
}
