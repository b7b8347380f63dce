//! Anything pasted: the hex reader must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_wire::hex::parse_hex;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_hex(s);
    }
});
