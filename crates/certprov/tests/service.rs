//! The service over real loopback sockets, driven by a hyper client.

mod common;

use common::*;
use ucprov_certprov::{ChainSource, CONTENT_TYPE, DEFAULT_PATH};
use ucprov_pki::testkit;

async fn chain_service(dir: &std::path::Path) -> Result<(Running, testkit::TestChain), E> {
    let c = testkit::chain("svc")?;
    let bundle = format!("{}{}", c.root.cert_pem, c.intermediate.cert_pem);
    let path = write(dir, "chain.pem", bundle.as_bytes())?;
    let running = start(loopback_config(ChainSource::Files(vec![path]))).await?;
    Ok((running, c))
}

#[tokio::test]
async fn get_head_post_serve_the_configured_chain() -> R {
    let dir = tempfile::tempdir()?;
    let (svc, c) = chain_service(dir.path()).await?;
    let expected = cert_set_of_pems(&[&c.root.cert_pem, &c.intermediate.cert_pem])?;

    let get = request(svc.http, "GET", DEFAULT_PATH, b"").await?;
    assert_eq!(get.status, 200);
    assert_eq!(
        get.headers.get("content-type").map(|v| v.as_bytes()),
        Some(CONTENT_TYPE.as_bytes())
    );
    assert_eq!(cert_set_of_body(&get.body)?, expected);

    let post = request(svc.http, "POST", DEFAULT_PATH, b"<soap/>").await?;
    assert_eq!(post.status, 200);
    assert_eq!(cert_set_of_body(&post.body)?, expected);

    let head = request(svc.http, "HEAD", DEFAULT_PATH, b"").await?;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.headers
            .get("content-length")
            .map(|v| v.as_bytes().to_vec()),
        Some(get.body.len().to_string().into_bytes())
    );

    assert_eq!(svc.metrics.requests("http", "GET", 200), 1);
    assert_eq!(svc.metrics.requests("http", "HEAD", 200), 1);
    assert_eq!(svc.metrics.requests("http", "POST", 200), 1);
    let text = svc.metrics.render_prometheus();
    let bytes = 2 * get.body.len();
    assert!(text.contains(&format!(
        "ucprov_certprov_response_body_bytes_total{{listener=\"http\"}} {bytes}\n"
    )));
    svc.stop().await;
    Ok(())
}

#[tokio::test]
async fn other_paths_404_other_methods_405() -> R {
    let dir = tempfile::tempdir()?;
    let (svc, _) = chain_service(dir.path()).await?;
    for path in [
        "/",
        "/CertProv/",
        "/CertProv/CertProvisioningService.svc/x",
        "/favicon.ico",
    ] {
        assert_eq!(
            request(svc.http, "GET", path, b"").await?.status,
            404,
            "{path}"
        );
    }
    let put = request(svc.http, "PUT", DEFAULT_PATH, b"x").await?;
    assert_eq!(put.status, 405);
    assert_eq!(
        put.headers.get("allow").map(|v| v.as_bytes()),
        Some(&b"GET, HEAD, POST"[..])
    );
    // IIS matches paths case-insensitively and a query string does not change the path.
    let lower = request(
        svc.http,
        "GET",
        "/certprov/certprovisioningservice.svc?wsdl",
        b"",
    )
    .await?;
    assert_eq!(lower.status, 200);
    assert_eq!(svc.metrics.requests("http", "GET", 404), 4);
    svc.stop().await;
    Ok(())
}

#[tokio::test]
async fn private_key_in_bundle_is_dropped_and_never_served() -> R {
    let dir = tempfile::tempdir()?;
    let c = testkit::chain("key")?;
    let bundle = format!(
        "{}{}{}",
        c.root.key_pem, c.root.cert_pem, c.intermediate.cert_pem
    );
    let path = write(dir.path(), "bundle-with-key.pem", bundle.as_bytes())?;
    let svc = start(loopback_config(ChainSource::Files(vec![path]))).await?;
    assert!(
        svc.warnings
            .iter()
            .any(|w| w.contains("private key") && w.contains("DROPPED")),
        "no loud warning: {:?}",
        svc.warnings
    );
    let key_b64: String = c
        .root
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key_der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &key_b64)?;
    for method in ["GET", "POST"] {
        let r = request(svc.http, method, DEFAULT_PATH, b"").await?;
        assert_eq!(r.status, 200);
        let body_der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &r.body)?;
        assert!(!contains(&body_der, &key_der), "key DER in response");
        assert!(
            !contains(&r.body, key_b64.as_bytes()),
            "key base64 in response"
        );
        assert!(!contains(&r.body, b"PRIVATE KEY"));
        assert_eq!(
            cert_set_of_body(&r.body)?,
            cert_set_of_pems(&[&c.root.cert_pem, &c.intermediate.cert_pem])?
        );
    }
    svc.stop().await;
    Ok(())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn oversized_headers_rejected() -> R {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir()?;
    let (svc, _) = chain_service(dir.path()).await?;
    let mut s = tokio::net::TcpStream::connect(svc.http).await?;
    let big = "a".repeat(64 * 1024);
    let req = format!("GET {DEFAULT_PATH} HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
    // The server may close before all of it is written; that is a rejection too.
    let _ = s.write_all(req.as_bytes()).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(BOUND, s.read_to_end(&mut buf)).await?;
    let head = String::from_utf8_lossy(&buf);
    assert!(
        buf.is_empty() || head.starts_with("HTTP/1.1 431"),
        "oversized request was answered: {head:.80}"
    );
    // Still serving afterwards.
    assert_eq!(
        request(svc.http, "GET", DEFAULT_PATH, b"").await?.status,
        200
    );
    svc.stop().await;
    Ok(())
}

#[tokio::test]
async fn oversized_post_body_gets_413() -> R {
    let dir = tempfile::tempdir()?;
    let (svc, _) = chain_service(dir.path()).await?;
    let body = vec![b'x'; 256 * 1024];
    let r = request(svc.http, "POST", DEFAULT_PATH, &body).await?;
    assert_eq!(r.status, 413);
    assert_eq!(svc.metrics.requests("http", "POST", 413), 1);
    svc.stop().await;
    Ok(())
}
