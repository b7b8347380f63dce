//! SAN / EKU / KU decoding on a certificate OpenSSL itself makes (RSA, OpenSSL's own DER
//! encoder), not only on rcgen's. Peer group: `cargo test -p ucprov-pki -- --ignored`.
//! A missing openssl is a failure with the package to install, never a skip.

use std::process::Command;

type R = Result<(), Box<dyn std::error::Error>>;

#[test]
#[ignore = "peer: needs openssl"]
fn decodes_an_openssl_made_certificate() -> R {
    let dir = tempfile::tempdir()?;
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-subj", "/C=US/O=ucprov peer/CN=lync.contoso.com",
            "-keyout", "k.pem", "-out", "c.pem",
            "-addext",
            "subjectAltName=DNS:lync.contoso.com,DNS:*.pool.contoso.com,IP:10.0.0.5,IP:2001:db8::5,email:admin@contoso.com,URI:sip:pool.contoso.com,RID:1.2.3.4",
            "-addext",
            "extendedKeyUsage=serverAuth,clientAuth,codeSigning,emailProtection,timeStamping,OCSPSigning,msSmartcardLogin,1.3.6.1.4.1.99999.1",
            "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement",
        ])
        .current_dir(dir.path())
        .output()
        .map_err(|e| format!("cannot run openssl ({e}); install it: apt-get install openssl"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let pem = std::fs::read(dir.path().join("c.pem"))?;
    let cert = ucprov_pki::parse(&pem, "c.pem")?.certs.remove(0);
    let s = ucprov_pki::summarize(&cert, 0);
    let sans: Vec<String> = s
        .subject_alt_names
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        sans,
        [
            "DNS:lync.contoso.com",
            "DNS:*.pool.contoso.com",
            "IP:10.0.0.5",
            "IP:2001:db8::5",
            "email:admin@contoso.com",
            "URI:sip:pool.contoso.com",
            "RID:1.2.3.4",
        ]
    );
    let eku = s.extended_key_usage.ok_or("no extendedKeyUsage decoded")?;
    assert!(!eku.critical);
    let names: Vec<String> = eku.purposes.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "serverAuth",
            "clientAuth",
            "codeSigning",
            "emailProtection",
            "timeStamping",
            "OCSPSigning",
            "msSmartcardLogin",
            "1.3.6.1.4.1.99999.1",
        ]
    );
    let ku = s.key_usage.ok_or("no keyUsage decoded")?;
    assert!(ku.critical);
    assert_eq!(
        ku.usages,
        ["digitalSignature", "keyEncipherment", "keyAgreement"]
    );
    assert!(
        s.extension_problems.is_empty(),
        "{:?}",
        s.extension_problems
    );
    assert_eq!((s.key_type.as_str(), s.key_bits), ("RSA", Some(2048)));

    let ok = ucprov_pki::check_cert_host(&cert, "FE1.pool.contoso.com");
    assert_eq!(
        ok.to_string(),
        "FE1.pool.contoso.com matches SAN DNS:*.pool.contoso.com"
    );
    assert!(ucprov_pki::check_cert_host(&cert, "10.0.0.5").is_match());
    let bad = ucprov_pki::check_cert_host(&cert, "a.b.pool.contoso.com");
    assert!(
        bad.to_string().contains(
            "none of the SANs offered (DNS:lync.contoso.com, DNS:*.pool.contoso.com, IP:10.0.0.5"
        ),
        "{bad}"
    );
    Ok(())
}
