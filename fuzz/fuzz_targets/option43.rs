//! Any option 43 data: the sub-option walk and the profile check must not panic, and a profile
//! that validates must encode back to bytes that decode to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_wire::profile::MsUcProfile;
use ucprov_wire::vendor::VendorOptions;

fuzz_target!(|data: &[u8]| {
    let v = VendorOptions::parse(data);
    if let Ok(p) = MsUcProfile::from_vendor_options(&v) {
        let bytes = p.option43().expect("a validated profile encodes");
        let back = MsUcProfile::from_vendor_options(&VendorOptions::parse(&bytes));
        assert_eq!(back.as_ref(), Ok(&p));
    }
});
