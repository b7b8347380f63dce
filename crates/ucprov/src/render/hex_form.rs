//! The `--hex-style` flag: which notation hex values are printed in.

use clap::ValueEnum;
use ucprov_wire::hex::{c_escape, HexStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum HexForm {
    /// 010C4D53… (DHCPUtil, netsh, Kea, udhcpd, Meraki, FortiGate)
    #[default]
    Contiguous,
    /// 01:0c:4d:53… (dnsmasq, ISC dhcpd, pfSense, OpenWrt)
    Colon,
    /// 01 0C 4D 53…
    Spaced,
    /// 010c.4d53… (Cisco IOS)
    Cisco,
    /// "0x01 0x0C …" (Junos byte-stream)
    Junos,
    /// 0x01,0x0C,… (PowerShell byte arrays)
    Powershell,
    /// \x01\x0cMS-UC-Client… (systemd, C with care)
    CEscape,
}

impl HexForm {
    pub fn format(self, bytes: &[u8]) -> String {
        match self {
            HexForm::Contiguous => HexStyle::CONTIGUOUS.format(bytes),
            HexForm::Colon => HexStyle::COLON.format(bytes),
            HexForm::Spaced => HexStyle::SPACED.format(bytes),
            HexForm::Cisco => HexStyle::CISCO.format(bytes),
            HexForm::Junos => format!("\"{}\"", HexStyle::JUNOS.format(bytes)),
            HexForm::Powershell => HexStyle::POWERSHELL.format(bytes),
            HexForm::CEscape => c_escape(bytes),
        }
    }
}
