//! `cert inspect` as a process: exit codes, bad input, and URL fetch from the service.

use std::process::{Command, Output};

type R = Result<(), Box<dyn std::error::Error>>;

fn inspect(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .arg("cert")
        .arg("inspect")
        .args(args)
        .output()
}

fn assert_clean_failure(out: &Output, expect: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("ucprov: error: "), "{err}");
    assert!(err.contains(expect), "expected `{expect}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_inputs_are_clear_errors_not_panics() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    let c = ucprov_pki::testkit::chain("cli")?;
    let b64 = ucprov_pki::pkcs7::build_base64(
        &ucprov_pki::parse(c.root.cert_pem.as_bytes(), "r")?.certs,
    )?;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty"),
        (
            "truncated.b64",
            b64.as_bytes()[..b64.len() / 2 + 1].to_vec(),
            "invalid base64",
        ),
        (
            "truncated-even.b64",
            b64.as_bytes()[..(b64.len() / 2) & !3].to_vec(),
            "not valid DER",
        ),
        (
            "notcert.der",
            vec![0x30, 0x03, 0x02, 0x01, 0x01],
            "not valid DER",
        ),
        (
            "random.bin",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            "not",
        ),
        ("huge.pem", vec![b'A'; 6 * 1024 * 1024], "limit"),
    ];
    for (name, data, expect) in cases {
        let path = d.join(name);
        std::fs::write(&path, data)?;
        let out = inspect(&[path.to_str().ok_or("path")?])?;
        assert_clean_failure(&out, expect);
    }
    // A file that cannot be read is the environment's fault (exit 3), as for every command.
    let missing = inspect(&[d.join("missing").to_str().ok_or("path")?])?;
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(3), "stderr: {err}");
    assert!(
        err.starts_with("ucprov: error: ") && err.contains("missing"),
        "{err}"
    );
    Ok(())
}

#[test]
fn usage_errors_exit_2() -> R {
    assert_eq!(inspect(&["https://example.test/"])?.status.code(), Some(2));
    assert_eq!(inspect(&["--no-such-flag"])?.status.code(), Some(2));
    Ok(())
}

#[test]
fn strict_fails_a_broken_chain_but_plain_inspect_shows_it() -> R {
    let tmp = tempfile::tempdir()?;
    let c = ucprov_pki::testkit::chain("leaf")?;
    let path = tmp.path().join("leaf.pem");
    std::fs::write(&path, &c.leaf.cert_pem)?;
    let p = path.to_str().ok_or("path")?;
    let plain = inspect(&[p])?;
    assert_eq!(plain.status.code(), Some(0));
    let text = String::from_utf8(plain.stdout)?;
    assert!(text.contains("Root:    none"), "{text}");
    assert!(text.contains("NOT valid"), "{text}");
    assert_eq!(inspect(&["--strict", p])?.status.code(), Some(1));
    Ok(())
}

#[test]
fn fetches_the_chain_from_the_service_over_http() -> R {
    let rt = tokio::runtime::Runtime::new()?;
    let tmp = tempfile::tempdir()?;
    let config = ucprov_certprov::CertProvConfig {
        http_listen: Some(([127, 0, 0, 1], 0).into()),
        state_dir: Some(tmp.path().to_path_buf()),
        ..Default::default()
    };
    let metrics = std::sync::Arc::new(ucprov_certprov::Metrics::new());
    let svc = rt.block_on(ucprov_certprov::CertProv::bind(config, metrics))?;
    let addr = svc.http_addr().ok_or("no addr")?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(svc.run(async {
        let _ = rx.await;
    }));
    let url = format!("http://{addr}{}", ucprov_certprov::DEFAULT_PATH);
    let out = inspect(&["--json", &url])?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["format"], "base64-pkcs7");
    assert!(v["certificates"][0]["subject"]
        .as_str()
        .is_some_and(|s| s.contains("ucprov demo CA")));
    let missing = inspect(&[&format!("http://{addr}/nope")])?;
    assert_clean_failure(&missing, "404");
    let _ = tx.send(());
    Ok(())
}

#[test]
fn shows_san_eku_ku_and_warns_about_a_client_only_server_cert() -> R {
    use ucprov_pki::testkit::rcgen::{
        CertificateParams, ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku,
    };
    let tmp = tempfile::tempdir()?;
    let mut leaf = CertificateParams::new(vec![
        "lync.contoso.test".to_owned(),
        "*.pool.contoso.test".to_owned(),
    ])?;
    leaf.extended_key_usages = vec![
        Eku::ClientAuth,
        Eku::Other(vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 2]),
    ];
    leaf.key_usages = vec![Ku::KeyEncipherment];
    let c = ucprov_pki::testkit::chain_with_leaf("usage", leaf)?;
    let path = tmp.path().join("chain.pem");
    std::fs::write(
        &path,
        format!(
            "{}{}{}",
            c.leaf.cert_pem, c.intermediate.cert_pem, c.root.cert_pem
        ),
    )?;
    let p = path.to_str().ok_or("path")?;
    let text = String::from_utf8(inspect(&[p])?.stdout)?;
    for want in [
        "  SAN:         DNS:lync.contoso.test, DNS:*.pool.contoso.test",
        "  EKU:         clientAuth, msSmartcardLogin\n",
        "  Key usage:   keyEncipherment (critical)",
        "  Key usage:   keyCertSign, cRLSign (critical)",
        "  EKU:         none (extension absent: any purpose)",
        "without serverAuth: as a TLS server certificate rustls/webpki (the probe) refuse it",
        "without digitalSignature",
    ] {
        assert!(text.contains(want), "expected {want:?} in:\n{text}");
    }
    let out = inspect(&["--json", p])?;
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let leaf = &v["certificates"][0];
    assert_eq!(
        leaf["subject_alt_names"][1],
        serde_json::json!({"type": "dNSName", "value": "*.pool.contoso.test"})
    );
    assert_eq!(
        leaf["extended_key_usage"]["purposes"][1],
        serde_json::json!({"oid": "1.3.6.1.4.1.311.20.2.2", "name": "msSmartcardLogin"})
    );
    assert_eq!(
        leaf["key_usage"],
        serde_json::json!({"critical": true, "usages": ["keyEncipherment"]})
    );
    let kinds: Vec<&str> = leaf["tls_server_warnings"]
        .as_array()
        .ok_or("warnings")?
        .iter()
        .filter_map(|w| w["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["no-server-auth", "no-digital-signature"]);
    assert_eq!(
        v["certificates"][2]["tls_server_warnings"],
        serde_json::json!([])
    );
    Ok(())
}
