//! Is this a Windows DHCP server probing for rogue servers? [MS-DHCPE] §2.2.2: it broadcasts
//! DHCPINFORMs whose option 43 holds sub-option 0x5E and which carry no option 60
//! (`docs/wire.md` §3). A phone never sends that, and a Lync responder must stay silent to it.

use ucprov_wire::message::code;
use ucprov_wire::options::OptionSet;
use ucprov_wire::vendor::VendorOptions;

/// Windows' rogue-detection sub-option inside option 43.
pub const ROGUE_DETECTION_SUBOPTION: u8 = 0x5E;

/// Whether a request is a rogue-detection probe rather than a client.
pub fn is_rogue_detection(options: &OptionSet<'_>) -> bool {
    options.vendor_class().is_none()
        && options.get(code::VENDOR_SPECIFIC).is_some_and(|v| {
            VendorOptions::parse(&v)
                .get(ROGUE_DETECTION_SUBOPTION)
                .is_some()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::options::Region;

    fn set(bytes: &[u8]) -> OptionSet<'_> {
        OptionSet::walk(bytes, 0, Region::Options).set
    }

    #[test]
    fn sub_option_0x5e_without_option_60_is_a_probe() {
        assert!(is_rogue_detection(&set(&[43, 4, 0x5E, 0, 0x5F, 0])));
    }

    #[test]
    fn with_option_60_or_without_0x5e_it_is_a_client() {
        assert!(!is_rogue_detection(&set(&[
            60, 8, b'M', b'S', b'F', b'T', b' ', b'5', b'.', b'0', 43, 2, 0x5E, 0
        ])));
        assert!(!is_rogue_detection(&set(&[43, 3, 1, 1, 0])));
        assert!(!is_rogue_detection(&set(&[53, 1, 8])));
    }
}
