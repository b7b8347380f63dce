//! Any option 120 data, compression pointers included: no panic, no endless loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_wire::sip_servers::parse_detail;

fuzz_target!(|data: &[u8]| {
    let _ = parse_detail(data);
});
