//! Any text as a `ucprov audit` windows xml file, through its reader and the whole audit
//! (the harness and what it checks: `ucprov_fuzz::audit_as`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ucprov_fuzz::audit_as(ucprov_audit::Dialect::WindowsXml, data);
});
