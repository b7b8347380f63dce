//! Who the probe is on the wire: the interface's IPv4 address (`ciaddr`) and MAC (`chaddr`).

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};

use nix::ifaddrs::getifaddrs;
use serde::Serialize;

use crate::ProbeError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub interface: Option<String>,
    pub address: Ipv4Addr,
    pub mac: [u8; 6],
}

impl Identity {
    pub fn mac_text(&self) -> String {
        self.mac
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// The first IPv4 address and the MAC of interface `name`.
pub fn of_interface(name: &str) -> Result<Identity, ProbeError> {
    let mut address = None;
    let mut mac = None;
    let mut seen = false;
    for ifa in getifaddrs().map_err(|e| ProbeError::env(format!("listing interfaces: {e}")))? {
        if ifa.interface_name != name {
            continue;
        }
        seen = true;
        let Some(a) = ifa.address else { continue };
        if let Some(v4) = a.as_sockaddr_in() {
            address = address.or(Some(v4.ip()));
        }
        if let Some(link) = a.as_link_addr() {
            mac = mac.or(link.addr());
        }
    }
    if !seen {
        return Err(ProbeError::env(format!(
            "no interface named {name:?}; `ip -br link` lists them"
        )));
    }
    let address = address.ok_or_else(|| {
        ProbeError::env(format!(
            "interface {name} has no IPv4 address; a DHCPINFORM needs one in ciaddr (RFC 2131 §4.4.3)"
        ))
    })?;
    Ok(Identity {
        interface: Some(name.to_string()),
        address,
        mac: mac.unwrap_or([0; 6]),
    })
}

/// The identity the kernel would use to reach `server`: the route's source address, and the
/// MAC of the interface that holds it (zero for loopback).
pub fn towards(server: SocketAddrV4) -> Result<Identity, ProbeError> {
    // A connected UDP socket sends nothing; it only asks the routing table for a source.
    let probe = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| s.connect(server).map(|()| s))
        .and_then(|s| s.local_addr())
        .map_err(|e| ProbeError::env(format!("no route to {server}: {e}")))?;
    let address = match probe.ip() {
        std::net::IpAddr::V4(a) => a,
        std::net::IpAddr::V6(_) => {
            return Err(ProbeError::env(format!(
                "{server}: the route has no IPv4 source address"
            )))
        }
    };
    let mut owner = None;
    for ifa in getifaddrs().map_err(|e| ProbeError::env(format!("listing interfaces: {e}")))? {
        if ifa
            .address
            .as_ref()
            .and_then(|a| a.as_sockaddr_in())
            .is_some_and(|a| a.ip() == address)
        {
            owner = Some(ifa.interface_name.clone());
            break;
        }
    }
    let mac = match &owner {
        Some(name) => of_interface(name).map(|i| i.mac).unwrap_or([0; 6]),
        None => [0; 6],
    };
    Ok(Identity {
        interface: owner,
        address,
        mac,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_by_name_and_by_route() {
        let lo = of_interface("lo").unwrap();
        assert_eq!(lo.address, Ipv4Addr::LOCALHOST);
        let to = towards(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 67)).unwrap();
        assert_eq!(to.address, Ipv4Addr::LOCALHOST);
        assert_eq!(to.interface.as_deref(), Some("lo"));
    }

    #[test]
    fn unknown_interface_names_the_fix() {
        let e = of_interface("nonexistent-if0").unwrap_err().to_string();
        assert!(e.contains("ip -br link"), "{e}");
    }
}
