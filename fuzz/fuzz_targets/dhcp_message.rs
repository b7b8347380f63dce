//! Any datagram: the message decoder must not panic, and what it accepts must re-emit to
//! bytes that decode to the same message (`parse(emit(m)) == m`): the responder's receive
//! path, and RFC 3396 splitting and joining agreeing with each other.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_wire::message::DhcpMessage;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = DhcpMessage::parse(data) else {
        return;
    };
    // A value the encoder refuses (no room for it, say) is an error, not a round trip.
    let Ok(bytes) = m.to_bytes() else {
        return;
    };
    match DhcpMessage::parse(&bytes) {
        Ok(again) => assert_eq!(again, m, "parse(emit(m)) != m"),
        Err(e) => panic!("re-emitted message no longer parses: {e}"),
    }
});
