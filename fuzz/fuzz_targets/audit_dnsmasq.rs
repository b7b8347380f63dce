//! Any text as a dnsmasq configuration: reading it must not panic, an error must name a line of
//! the file, and a configuration that reads must audit (every rule, every client) without
//! panicking, with every finding located inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_audit::source::{Loader, MemFs};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = u32::try_from(text.lines().count().max(1)).unwrap_or(u32::MAX);
    // The file may include itself (by either name): a cycle, never a hang.
    let fs = MemFs::default().with("/fuzz.conf", text).with("/inc", text);
    match ucprov_audit::dnsmasq::parse(&mut Loader::new(&fs), "/fuzz.conf") {
        Err(e) => assert!(e.line.map_or(true, |l| l >= 1), "{e}"),
        Ok(config) => {
            let report = ucprov_audit::audit(&config, None);
            for f in &report.findings {
                if let Some(l) = &f.location {
                    assert!(l.line >= 1 && (l.file != "/fuzz.conf" || l.line <= lines + 1), "{f:?}");
                }
            }
            let _ = report.text();
        }
    }
});
