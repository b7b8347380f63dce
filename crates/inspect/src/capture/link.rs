//! From a packet record down to the UDP datagram on a DHCP port. Link, VLAN, IPv4 and UDP
//! headers are peeled by `etherparse` in its lax mode, so a frame the snap length cut is read
//! as far as it goes and says so, rather than being dropped. Nothing here reads DHCP.

use std::net::SocketAddrV4;

use etherparse::{EtherType, LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use pcap_parser::Linktype;
use serde::Serialize;

use super::reader::Record;
use super::time::Timestamp;
use crate::rules::destination::{CLIENT_PORT, SERVER_PORT};

/// Linux cooked v1 (SLL) header: 16 bytes, the EtherType in its last two.
const SLL_HEADER_LEN: usize = 16;
/// Linux cooked v2 (SLL2) header: 20 bytes, the EtherType in its first two.
const SLL2_HEADER_LEN: usize = 20;

/// A UDP datagram to or from a DHCP port, with where and when it was seen.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    pub frame: u64,
    pub time: Timestamp,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    /// The innermost 802.1Q tag, when the frame carried one.
    pub vlan: Option<u16>,
    pub payload: &'a [u8],
    /// Bytes of the datagram the snap length cut off, when it did.
    pub cut: Option<usize>,
}

/// A frame that could not be followed down to UDP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameNote {
    pub frame: u64,
    pub message: String,
}

/// What one record held, for the DHCP reader.
#[derive(Debug)]
pub enum Peeled<'a> {
    Dhcp(Datagram<'a>),
    /// Not UDP on a DHCP port: counted, not reported.
    Other,
    /// A link type this reader does not follow.
    Unsupported(u16),
    /// Possibly DHCP, but unreadable: said why.
    Note(FrameNote),
}

/// Human name of a link type number, for the report.
pub fn link_type_name(lt: u16) -> String {
    match i32::from(lt) {
        x if x == Linktype::ETHERNET.0 => "Ethernet".into(),
        x if x == Linktype::LINUX_SLL.0 => "Linux cooked (SLL)".into(),
        x if x == Linktype::LINUX_SLL2.0 => "Linux cooked v2 (SLL2)".into(),
        x if x == Linktype::RAW.0 => "raw IP".into(),
        x if x == Linktype::IPV4.0 => "raw IPv4".into(),
        _ => format!("link type {lt}"),
    }
}

fn ether_type_at(data: &[u8], at: usize) -> Option<EtherType> {
    let b = data.get(at..at + 2)?;
    Some(EtherType(u16::from_be_bytes([b[0], b[1]])))
}

/// Follow `record` down to a DHCP-port datagram.
pub fn peel<'a>(record: &Record<'a>) -> Peeled<'a> {
    let frame = record.frame;
    let whole = record.original_len <= record.data.len();
    let mut data = record.data;
    // The FCS trails only a frame captured whole; a cut frame lost it already.
    if whole && record.fcs_len > 0 && data.len() >= record.fcs_len {
        data = &data[..data.len() - record.fcs_len];
    }
    let note = |message: String| Peeled::Note(FrameNote { frame, message });
    let cooked = |header: usize, at: usize, name: &str| match ether_type_at(data, at) {
        Some(t) if data.len() >= header => Ok(LaxSlicedPacket::from_ether_type(t, &data[header..])),
        _ => Err(format!(
            "{} bytes: shorter than the {header}-byte Linux cooked ({name}) header",
            data.len()
        )),
    };
    let sliced = match i32::from(record.link) {
        x if x == Linktype::ETHERNET.0 => {
            LaxSlicedPacket::from_ethernet(data).map_err(|e| format!("Ethernet header: {e}"))
        }
        x if x == Linktype::LINUX_SLL.0 => cooked(SLL_HEADER_LEN, 14, "SLL"),
        x if x == Linktype::LINUX_SLL2.0 => cooked(SLL2_HEADER_LEN, 0, "SLL2"),
        x if x == Linktype::RAW.0 || x == Linktype::IPV4.0 => {
            LaxSlicedPacket::from_ip(data).map_err(|e| format!("IP header: {e}"))
        }
        _ => return Peeled::Unsupported(record.link),
    };
    let packet = match sliced {
        Ok(p) => p,
        Err(e) => return note(format!("link/IP/UDP headers could not be read: {e}")),
    };
    let vlan = packet.link_exts.iter().rev().find_map(|x| match x {
        LaxLinkExtSlice::Vlan(v) => Some(v.vlan_identifier().value()),
        _ => None,
    });
    let Some(LaxNetSlice::Ipv4(ip)) = &packet.net else {
        return Peeled::Other;
    };
    let header = ip.header();
    let payload = ip.payload();
    if payload.fragmented {
        // Only UDP fragments can hold DHCP; etherparse leaves the transport unread.
        if header.protocol() == etherparse::IpNumber::UDP {
            return note(format!(
                "IPv4 fragment {} -> {} (id {}, offset {} bytes): fragments are not reassembled, so a DHCP message split across them is not decoded",
                header.source_addr(),
                header.destination_addr(),
                header.identification(),
                u32::from(header.fragments_offset().value()) * 8,
            ));
        }
        return Peeled::Other;
    }
    let Some(TransportSlice::Udp(udp)) = &packet.transport else {
        if header.protocol() == etherparse::IpNumber::UDP && !whole {
            return note(format!(
                "captured {} of {} bytes (snap length): the UDP header was cut off",
                record.data.len(),
                record.original_len
            ));
        }
        return Peeled::Other;
    };
    let (sport, dport) = (udp.source_port(), udp.destination_port());
    let dhcp_port = |p: u16| p == SERVER_PORT || p == CLIENT_PORT;
    if !dhcp_port(sport) && !dhcp_port(dport) {
        return Peeled::Other;
    }
    let payload_bytes = udp.payload();
    let declared = usize::from(udp.length()).saturating_sub(8);
    let cut = (payload.incomplete || payload_bytes.len() < declared)
        .then(|| declared.saturating_sub(payload_bytes.len()))
        .filter(|n| *n > 0);
    Peeled::Dhcp(Datagram {
        frame,
        time: record.time,
        src: SocketAddrV4::new(header.source_addr(), sport),
        dst: SocketAddrV4::new(header.destination_addr(), dport),
        vlan,
        payload: payload_bytes,
        cut,
    })
}
