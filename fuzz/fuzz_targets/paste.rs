//! Any text: reading it as a tool's hex dump, or as plain hex, must not panic, and a dump that
//! reads must hold no more bytes than its text could show.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_wire::dump::parse_dump;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_dump(text) {
        // `*` lines repeat bytes, so a dump may hold more bytes than characters; never more
        // than its last offset allows, which is bounded by what a usize offset can say.
        Some(Ok(d)) => assert!(d.first_offset.checked_add(d.bytes.len()).is_some()),
        Some(Err(_)) => {}
        None => {
            let _ = ucprov_wire::hex::parse_hex(text);
        }
    }
});
