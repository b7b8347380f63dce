//! What the fuzz targets share: one harness for every `ucprov audit` dialect, so each
//! `audit_*` target is the dialect it reads and nothing else.

use ucprov_audit::source::MemFs;
use ucprov_audit::{audit, read, Dialect};

/// Read `data` as a `dialect` file and audit it: no panic, no hang (the file may include
/// itself by either of its names: a cycle, never a loop), an error at a line of the file or
/// at none, and every finding located inside the file.
pub fn audit_as(dialect: Dialect, data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let lines = u32::try_from(text.lines().count().max(1)).unwrap_or(u32::MAX);
    let fs = MemFs::default()
        .with("/fuzz.conf", text.clone())
        .with("/inc", text);
    match read(&fs, "/fuzz.conf", Some(dialect)) {
        Ok(config) => {
            let report = audit(&config, None);
            for f in &report.findings {
                if let Some(at) = &f.location {
                    let inside = at.line >= 1 && (at.file != "/fuzz.conf" || at.line <= lines + 1);
                    assert!(inside, "finding at line {} of {lines}: {f:?}", at.line);
                }
            }
            let _ = report.text();
        }
        Err(e) => {
            if let Some(line) = e.line {
                assert!(line >= 1 && line <= lines + 1, "error at line {line} of {lines}: {e}");
            }
        }
    }
}
