//! A pasted frame: find the DHCP message inside an Ethernet, IPv4 or UDP frame, and say what
//! was stripped to get there. Only a frame whose layers all read and whose UDP datagram is
//! on a DHCP port and holds a DHCP header counts; anything else is not a frame here.

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use serde::Serialize;
use ucprov_wire::message::Packet;

use crate::rules::destination::{CLIENT_PORT, SERVER_PORT};

/// The DHCP message found in a frame, and the layers around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stripped {
    /// Where the DHCP message starts in the pasted bytes.
    pub dhcp_offset: usize,
    /// The layers removed, outermost first, each with its length: `Ethernet II (14 bytes)`.
    pub layers: Vec<String>,
}

const UDP_HEADER: usize = 8;

fn dhcp_port(p: u16) -> bool {
    p == SERVER_PORT || p == CLIENT_PORT
}

/// The layers of `bytes` down to a DHCP message, when it is such a frame.
pub fn dhcp_in(bytes: &[u8]) -> Option<Stripped> {
    let found = [
        ("Ethernet II", SlicedPacket::from_ethernet(bytes).ok()),
        ("", SlicedPacket::from_ip(bytes).ok()),
    ]
    .into_iter()
    .find_map(|(link, p)| layers(bytes, link, p?));
    found.or_else(|| udp_only(bytes))
}

fn layers(bytes: &[u8], link: &str, p: SlicedPacket<'_>) -> Option<Stripped> {
    let Some(TransportSlice::Udp(udp)) = &p.transport else {
        return None;
    };
    if !dhcp_port(udp.source_port()) && !dhcp_port(udp.destination_port()) {
        return None;
    }
    let payload = udp.payload();
    Packet::new_checked(payload).ok()?;
    let dhcp_offset = payload.as_ptr() as usize - bytes.as_ptr() as usize;
    let Some(NetSlice::Ipv4(ip)) = &p.net else {
        return None;
    };
    let h = ip.header();
    let ip_start = h.slice().as_ptr() as usize - bytes.as_ptr() as usize;
    let mut out = Vec::new();
    if !link.is_empty() {
        let vlan_bytes = ip_start.saturating_sub(14);
        out.push(format!("{link} (14 bytes)"));
        if vlan_bytes > 0 {
            out.push(format!("802.1Q tags ({vlan_bytes} bytes)"));
        }
    }
    out.push(format!(
        "IPv4 {} -> {} ({} bytes)",
        h.source_addr(),
        h.destination_addr(),
        h.slice().len()
    ));
    out.push(format!(
        "UDP {} -> {} ({UDP_HEADER} bytes)",
        udp.source_port(),
        udp.destination_port()
    ));
    Some(Stripped {
        dhcp_offset,
        layers: out,
    })
}

/// A bare UDP datagram: 8 header bytes whose length field is the datagram's.
fn udp_only(bytes: &[u8]) -> Option<Stripped> {
    let h = bytes.get(..UDP_HEADER)?;
    let (src, dst) = (
        u16::from_be_bytes([h[0], h[1]]),
        u16::from_be_bytes([h[2], h[3]]),
    );
    let len = usize::from(u16::from_be_bytes([h[4], h[5]]));
    if len != bytes.len() || !(dhcp_port(src) && dhcp_port(dst)) {
        return None;
    }
    Packet::new_checked(&bytes[UDP_HEADER..]).ok()?;
    Some(Stripped {
        dhcp_offset: UDP_HEADER,
        layers: vec![format!("UDP {src} -> {dst} ({UDP_HEADER} bytes)")],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::message::DhcpMessage;

    fn dhcp() -> Vec<u8> {
        DhcpMessage::inform(
            1,
            [192, 0, 2, 10].into(),
            [2, 0, 0, 0, 0, 1],
            Some(b"MS-UC-Client"),
            &[43, 120],
        )
        .to_bytes()
        .unwrap_or_default()
    }

    fn udp(payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&68u16.to_be_bytes());
        v.extend_from_slice(&67u16.to_be_bytes());
        v.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(payload);
        v
    }

    fn ipv4(payload: &[u8]) -> Vec<u8> {
        let total = (20 + payload.len()) as u16;
        let mut v = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 10, 255, 255, 255, 255,
        ];
        v[2..4].copy_from_slice(&total.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn each_layer_is_stripped_and_named() {
        let m = dhcp();
        let eth = [
            vec![0xff; 6],
            vec![2, 0, 0, 0, 0, 1],
            vec![8, 0],
            ipv4(&udp(&m)),
        ]
        .concat();
        let s = dhcp_in(&eth).unwrap_or_else(|| panic!("no DHCP in the frame"));
        assert_eq!(s.dhcp_offset, 42);
        assert_eq!(
            s.layers,
            [
                "Ethernet II (14 bytes)",
                "IPv4 192.0.2.10 -> 255.255.255.255 (20 bytes)",
                "UDP 68 -> 67 (8 bytes)"
            ]
        );
        assert_eq!(dhcp_in(&ipv4(&udp(&m))).map(|s| s.dhcp_offset), Some(28));
        assert_eq!(dhcp_in(&udp(&m)).map(|s| s.dhcp_offset), Some(8));
    }

    #[test]
    fn a_bare_message_or_another_port_is_not_a_frame() {
        let m = dhcp();
        assert_eq!(dhcp_in(&m), None);
        let mut other = udp(&m);
        other[0..2].copy_from_slice(&53u16.to_be_bytes());
        assert_eq!(dhcp_in(&other), None);
    }
}
