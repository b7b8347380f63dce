//! Any file given to `cert inspect`, probe's chain step or CertProv's chain loader: PEM,
//! DER, base64 PKCS#7 and bundles. No panic, and everything read from it (summary,
//! extensions, host name check, chain order) is computed without one.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = ucprov_pki::parse(data, "fuzz") else {
        return;
    };
    for cert in &parsed.certs {
        let _ = ucprov_pki::summarize(cert, 0);
        let _ = ucprov_pki::ext::decode(cert);
        let _ = ucprov_pki::check_cert_host(cert, "lync.contoso.com");
    }
    let analysis = ucprov_pki::analyze(&parsed.certs, 0);
    let _ = format!("{analysis:?}");
    // What CertProv serves must read back as the same certificates.
    if let Ok(der) = ucprov_pki::pkcs7::build_der(&parsed.certs) {
        let back = ucprov_pki::pkcs7::parse_der(&der, "rebuilt");
        assert!(back.is_ok(), "a PKCS#7 we built no longer parses");
    }
});
