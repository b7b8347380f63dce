//! Any datagram: the message decoder must not panic, and what it accepts must re-emit and
//! decode to the same message (the responder's receive path).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_wire::message::DhcpMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = DhcpMessage::parse(data) {
        if let Ok(bytes) = m.to_bytes() {
            let again = DhcpMessage::parse(&bytes).map(|a| a.options.len());
            assert!(again.is_ok(), "re-emitted message no longer parses");
        }
    }
});
