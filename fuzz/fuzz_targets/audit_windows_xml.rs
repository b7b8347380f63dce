//! Any text read as Export-DhcpServer XML: the reader and the whole audit must not panic and must end; an
//! error names a line of the file (or none), never one past its end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_audit::source::MemFs;
use ucprov_audit::{audit, read, Dialect};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let lines = text.lines().count().max(1) as u32;
    let fs = MemFs::default().with("/fuzz", text);
    match read(&fs, "/fuzz", Some(Dialect::WindowsXml)) {
        Ok(config) => {
            let report = audit(&config, None);
            for f in &report.findings {
                if let Some(at) = &f.location {
                    assert!(at.line >= 1 && at.line <= lines, "finding at line {} of {lines}", at.line);
                }
            }
        }
        Err(e) => {
            if let Some(line) = e.line {
                assert!(line >= 1 && line <= lines + 1, "error at line {line} of {lines}: {e}");
            }
        }
    }
});
