//! Any datagram: reading it as a request and as a reply (for every way option 43 can be
//! meant) must not panic, and every finding's offset must point inside the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_inspect::{ReplyInspection, RequestInspection, Vendor};
use ucprov_wire::message::Packet;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let _ = RequestInspection::of(&p);
    for vendor in [
        Vendor::MsUcClient,
        Vendor::Unknown,
        Vendor::Other(None),
        Vendor::Other(Some(b"ArubaAP")),
    ] {
        let r = ReplyInspection::of(&p, vendor);
        for f in r.all_findings() {
            if let Some(offset) = f.offset {
                // Offsets in a joined value count from its start; it is never longer than the message.
                assert!(
                    offset <= data.len(),
                    "finding at {offset} past {}: {}",
                    data.len(),
                    f.message
                );
            }
        }
        assert_eq!(
            r.provisioned(),
            r.profile().is_some() && !r.registrars.is_empty()
        );
    }
});
