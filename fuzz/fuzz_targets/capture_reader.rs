//! Any file: the capture reader, link layers, pairing and judging must not panic, must end,
//! and must count no more DHCP messages than it read records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_inspect::capture::Capture;

fuzz_target!(|data: &[u8]| {
    let Ok(mut capture) = Capture::open(data, 60) else {
        return;
    };
    let mut reports = 0usize;
    loop {
        let (closed, ended) = capture.step(64);
        reports += closed.len();
        if ended {
            break;
        }
    }
    let summary = capture.summary("fuzz");
    assert!(summary.dhcp_messages <= summary.dhcp_datagrams);
    assert!(summary.dhcp_datagrams <= summary.frames);
    assert_eq!(summary.clients, reports as u64);
});
