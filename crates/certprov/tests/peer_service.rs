//! The service against real peers: curl fetches with GET, HEAD and POST, and openssl
//! parses the base64-decoded body. Certificate SETS are compared, never PKCS#7 bytes.
//! Run with `cargo test -p ucprov-certprov -- --ignored` (scripts/test-all does).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use common::*;
use ucprov_certprov::{ChainSource, DEFAULT_PATH};
use ucprov_pki::testkit;

/// Run a peer tool; a missing tool is a FAILURE with an install hint, never a skip.
fn run(tool: &str, args: &[&str], dir: &Path) -> Result<Vec<u8>, E> {
    Ok(ucprov_testkit::run_tool(tool, "openssl curl", args, dir)?)
}

/// Certificates openssl prints from a DER PKCS#7, as a set of DER.
fn openssl_print_certs(p7_der: &[u8], dir: &Path) -> Result<BTreeSet<Vec<u8>>, E> {
    std::fs::write(dir.join("body.p7b"), p7_der)?;
    let pem = run(
        "openssl",
        &["pkcs7", "-inform", "DER", "-in", "body.p7b", "-print_certs"],
        dir,
    )?;
    let text = String::from_utf8(pem)?;
    assert!(
        text.contains("subject="),
        "openssl printed no certificates: {text}"
    );
    let certs = ucprov_pki::parse(text.as_bytes(), "openssl -print_certs")?.certs;
    Ok(certs.iter().map(|c| c.der().to_vec()).collect())
}

async fn chain_service(
    dir: &Path,
    with_key: bool,
) -> Result<(Running, BTreeSet<Vec<u8>>, String), E> {
    let c = testkit::chain("peer")?;
    let key = if with_key {
        c.intermediate.key_pem.clone()
    } else {
        String::new()
    };
    let bundle = format!("{}{key}{}", c.intermediate.cert_pem, c.root.cert_pem);
    let path = write(dir, "chain.pem", bundle.as_bytes())?;
    let svc = start(loopback_config(ChainSource::Files(vec![path]))).await?;
    let expected = cert_set_of_pems(&[&c.root.cert_pem, &c.intermediate.cert_pem])?;
    Ok((svc, expected, c.intermediate.key_pem))
}

fn curl(dir: &Path, args: &[&str]) -> Result<Vec<u8>, E> {
    let mut all = vec!["--silent", "--show-error", "--fail", "--max-time", "30"];
    all.extend_from_slice(args);
    run("curl", &all, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "peer: needs openssl/curl; run by scripts/test-all"]
async fn curl_get_head_post_and_openssl_parses_the_body() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path().to_path_buf();
    let (svc, expected, _) = chain_service(&d, false).await?;
    let url = format!("http://{}{DEFAULT_PATH}", svc.http);
    let d2 = d.clone();
    tokio::task::spawn_blocking(move || -> Result<(), E> {
        let d = d2;
        let get = curl(&d, &[&url])?;
        let der = base64::engine::general_purpose::STANDARD.decode(&get)?;
        assert_eq!(openssl_print_certs(&der, &d)?, expected);

        let post = curl(
            &d,
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: text/xml",
                "--data",
                "<x/>",
                &url,
            ],
        )?;
        let der = base64::engine::general_purpose::STANDARD.decode(&post)?;
        assert_eq!(openssl_print_certs(&der, &d)?, expected);

        let head = String::from_utf8(curl(&d, &["--head", &url])?)?;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("content-length: {}", get.len())),
            "{head}"
        );

        let other = Command::new("curl")
            .args([
                "--silent",
                "--output",
                "/dev/null",
                "--write-out",
                "%{http_code}",
                "--max-time",
                "30",
            ])
            .arg(url.replace("CertProvisioningService.svc", "Other.svc"))
            .output()?;
        assert_eq!(String::from_utf8_lossy(&other.stdout), "404");
        Ok(())
    })
    .await??;
    assert_eq!(svc.metrics.requests("http", "HEAD", 200), 1);
    svc.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "peer: needs openssl/curl; run by scripts/test-all"]
async fn key_in_bundle_never_reaches_curl() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path().to_path_buf();
    let (svc, expected, key_pem) = chain_service(&d, true).await?;
    assert!(
        svc.warnings.iter().any(|w| w.contains("DROPPED")),
        "{:?}",
        svc.warnings
    );
    let url = format!("http://{}{DEFAULT_PATH}", svc.http);
    let d2 = d.clone();
    tokio::task::spawn_blocking(move || -> Result<(), E> {
        let body = curl(&d2, &[&url])?;
        let der = base64::engine::general_purpose::STANDARD.decode(&body)?;
        let key_b64: String = key_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let key_der = base64::engine::general_purpose::STANDARD.decode(key_b64.as_bytes())?;
        assert!(!der.windows(key_der.len()).any(|w| w == key_der.as_slice()));
        assert_eq!(openssl_print_certs(&der, &d2)?, expected);
        Ok(())
    })
    .await??;
    svc.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "peer: needs openssl/curl; run by scripts/test-all"]
async fn curl_over_https_trusting_only_the_served_root() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path().to_path_buf();
    let mut config = loopback_config(ChainSource::DemoCa);
    config.state_dir = Some(d.join("state"));
    config.https_listen = Some(([127, 0, 0, 1], 0).into());
    config.web_fqdn = "lyncweb.example.test".to_owned();
    let svc = start(config).await?;
    let https = svc.https.ok_or("no https")?;
    let http_url = format!("http://{}{DEFAULT_PATH}", svc.http);
    let https_url = format!(
        "https://lyncweb.example.test:{}{DEFAULT_PATH}",
        https.port()
    );
    let resolve = format!("lyncweb.example.test:{}:127.0.0.1", https.port());
    tokio::task::spawn_blocking(move || -> Result<(), E> {
        let body = curl(&d, &[&http_url])?;
        std::fs::write(
            d.join("chain.p7b"),
            base64::engine::general_purpose::STANDARD.decode(&body)?,
        )?;
        run(
            "openssl",
            &[
                "pkcs7",
                "-inform",
                "DER",
                "-in",
                "chain.p7b",
                "-print_certs",
                "-out",
                "ca.pem",
            ],
            &d,
        )?;
        let over_tls = curl(
            &d,
            &["--cacert", "ca.pem", "--resolve", &resolve, &https_url],
        )?;
        assert_eq!(over_tls, body);
        Ok(())
    })
    .await??;
    svc.stop().await;
    Ok(())
}
