//! One small renderer per syntax, and the registry ([`TARGETS`]) that pairs each platform row
//! with the renderer writing its syntax. Everything shared (header, limits, scoping note, names,
//! hex) comes from the platform row and [`crate::render::Ctx`].
//!
//! Dependencies point one way: this registry names the facts ([`crate::platform`]) and the
//! renderers; renderers read the facts through [`crate::render::Ctx`]; the facts name neither.

pub mod cisco;
pub mod dnsmasq;
pub mod fortigate;
pub mod isc;
pub mod juniper;
pub mod kea;
pub mod mikrotik;
pub mod steps;
pub mod switches;
pub mod udhcpd;
pub mod windows;

use crate::platform::{self, Platform, PLATFORMS};
use crate::render::Renderer;

/// A platform row and the renderer that writes its syntax.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub platform: &'static Platform,
    pub render: Renderer,
}

const fn target(platform: &'static Platform, render: Renderer) -> Target {
    Target { platform, render }
}

/// Every target, one per row of [`PLATFORMS`] and in its order (checked at compile time).
pub const TARGETS: &[Target] = &[
    target(&platform::WINDOWS_NETSH, windows::render_netsh),
    target(&platform::WINDOWS_POWERSHELL, windows::render_powershell),
    target(&platform::ISC_DHCPD, isc::render),
    target(&platform::KEA, kea::render),
    target(&platform::DNSMASQ, dnsmasq::render),
    target(&platform::OPENWRT, dnsmasq::render_openwrt),
    target(&platform::UDHCPD, udhcpd::render),
    target(&platform::CISCO_IOS, cisco::render_ios),
    target(&platform::CISCO_IOS_XE, cisco::render_ios_xe),
    target(&platform::JUNIPER, juniper::render),
    target(&platform::MIKROTIK, mikrotik::render),
    target(&platform::FORTIGATE, fortigate::render),
    target(&platform::HUAWEI, switches::render_huawei),
    target(&platform::HPE_COMWARE, switches::render_comware),
    target(&platform::ARUBA_OS_SWITCH, switches::render_aruba),
    target(&platform::MERAKI, steps::render_meraki),
    target(&platform::PFSENSE, steps::render_pfsense),
];

const _: () = assert!(
    pairs_every_row(TARGETS, PLATFORMS),
    "TARGETS must pair every row of PLATFORMS with a renderer, in PLATFORMS order"
);

const fn pairs_every_row(targets: &[Target], platforms: &[Platform]) -> bool {
    if targets.len() != platforms.len() {
        return false;
    }
    let mut i = 0;
    while i < targets.len() {
        if !same_id(targets[i].platform.id, platforms[i].id) {
            return false;
        }
        i += 1;
    }
    true
}

const fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The target for a platform row (rows are identified by id).
pub fn for_platform(platform: &Platform) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.platform == platform)
}

/// The target for a `--target` value.
pub fn find(id: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.platform.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_its_renderer() {
        assert_eq!(TARGETS.len(), PLATFORMS.len());
        for (t, p) in TARGETS.iter().zip(PLATFORMS) {
            assert_eq!(t.platform.id, p.id);
            assert!(for_platform(p).is_some_and(|f| f.platform.id == p.id));
            assert_eq!(find(p.id).map(|f| f.platform.id), Some(p.id));
        }
        assert!(find("all").is_none());
    }

    #[test]
    fn kea_space_does_not_route_into_option_125() {
        // Kea sub-option space names must not start with vendor- (they route into option 125).
        assert!(!kea::SPACE.starts_with("vendor-"));
    }
}
