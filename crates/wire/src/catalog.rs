//! Names and meanings of the codes ucprov shows, one table each, so every renderer agrees.

/// What an option 43 sub-option means in the MS-UC-Client vendor space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubOptionInfo {
    pub code: u8,
    /// The name Windows DHCP and DHCPUtil use.
    pub name: &'static str,
    pub meaning: &'static str,
}

pub const SUBOPTIONS: &[SubOptionInfo] = &[
    SubOptionInfo {
        code: 1,
        name: "UCIdentifier",
        meaning: "UC identifier: must be MS-UC-Client",
    },
    SubOptionInfo {
        code: 2,
        name: "URLScheme",
        meaning: "scheme of the certificate provisioning URL",
    },
    SubOptionInfo {
        code: 3,
        name: "WebServerFqdn",
        meaning: "web services FQDN of the pool",
    },
    SubOptionInfo {
        code: 4,
        name: "WebServerPort",
        meaning: "web services port, ASCII digits",
    },
    SubOptionInfo {
        code: 5,
        name: "CertProvRelPath",
        meaning: "relative path of the certificate provisioning service",
    },
    SubOptionInfo {
        code: 10,
        name: "VoiceVLAN",
        meaning: "voice VLAN ID 1-4094 (AudioCodes 400HD)",
    },
    SubOptionInfo {
        code: 0x5E,
        name: "RogueDetection",
        meaning: "Windows DHCP rogue-server detection ([MS-DHCPE], MSFT 5.0 only)",
    },
    SubOptionInfo {
        code: 0x5F,
        name: "RogueDetectionReply",
        meaning: "Windows DHCP rogue-server detection reply ([MS-DHCPE], MSFT 5.0 only)",
    },
    SubOptionInfo {
        code: 220,
        name: "NAP",
        meaning: "NAP-SoH ([MS-DHCPN]): the server supports NAP",
    },
];

pub fn suboption(code: u8) -> Option<&'static SubOptionInfo> {
    SUBOPTIONS.iter().find(|s| s.code == code)
}

/// DHCP option names (RFC 2132 and successors) for the codes that show up around UC devices.
pub fn option_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "Pad",
        1 => "Subnet Mask",
        3 => "Router",
        6 => "Domain Name Server",
        12 => "Host Name",
        15 => "Domain Name",
        28 => "Broadcast Address",
        42 => "NTP Servers",
        43 => "Vendor-Specific Information",
        44 => "NetBIOS Name Server",
        50 => "Requested IP Address",
        51 => "IP Address Lease Time",
        52 => "Option Overload",
        53 => "DHCP Message Type",
        54 => "Server Identifier",
        55 => "Parameter Request List",
        57 => "Maximum DHCP Message Size",
        58 => "Renewal (T1) Time",
        59 => "Rebinding (T2) Time",
        60 => "Vendor Class Identifier",
        61 => "Client Identifier",
        66 => "TFTP Server Name",
        67 => "Bootfile Name",
        81 => "Client FQDN",
        82 => "Relay Agent Information",
        118 => "Subnet Selection",
        119 => "Domain Search",
        120 => "SIP Servers",
        121 => "Classless Static Route",
        125 => "V-I Vendor-Specific Information",
        249 => "Microsoft Classless Static Route",
        250 => "Microsoft long-option continuation",
        252 => "WPAD",
        255 => "End",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_known_foreign_ones_named() {
        for (i, a) in SUBOPTIONS.iter().enumerate() {
            assert!(SUBOPTIONS[i + 1..].iter().all(|b| b.code != a.code));
        }
        assert_eq!(suboption(220).map(|s| s.name), Some("NAP"));
        assert_eq!(suboption(10).map(|s| s.name), Some("VoiceVLAN"));
        assert_eq!(option_name(120), Some("SIP Servers"));
        assert_eq!(option_name(200), None);
    }
}
