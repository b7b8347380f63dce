//! The embedded demo CA: created on first start, reused later, and usable over HTTPS.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::*;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use ucprov_certprov::{ChainSource, DEFAULT_PATH};

#[tokio::test]
async fn demo_ca_is_persisted_and_reused() -> R {
    let dir = tempfile::tempdir()?;
    let mut config = loopback_config(ChainSource::DemoCa);
    config.state_dir = Some(dir.path().join("nested/state"));
    let first = start(config.clone()).await?;
    let body1 = request(first.http, "GET", DEFAULT_PATH, b"").await?.body;
    first.stop().await;
    let second = start(config).await?;
    let body2 = request(second.http, "GET", DEFAULT_PATH, b"").await?.body;
    second.stop().await;
    let (set1, set2) = (cert_set_of_body(&body1)?, cert_set_of_body(&body2)?);
    assert_eq!(set1, set2, "second start made a new demo CA");
    let root = ucprov_pki::Cert::from_der(set1.iter().next().ok_or("empty")?, "root")?;
    assert!(root.subject().contains("ucprov demo CA"));
    assert!(root.is_self_issued());
    Ok(())
}

#[tokio::test]
async fn https_listener_answers_with_demo_server_cert() -> R {
    let dir = tempfile::tempdir()?;
    let mut config = loopback_config(ChainSource::DemoCa);
    config.state_dir = Some(dir.path().to_path_buf());
    config.https_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.web_fqdn = "lyncweb.example.test".to_owned();
    let svc = start(config).await?;
    let https = svc.https.ok_or("no https listener")?;

    // Trust only what the plain-HTTP endpoint hands out, exactly as a device does.
    let plain = request(svc.http, "GET", DEFAULT_PATH, b"").await?;
    let mut roots = rustls::RootCertStore::empty();
    for der in cert_set_of_body(&plain.body)? {
        roots.add(rustls_pki_types::CertificateDer::from(der))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(https).await?;
    let tls = tokio::time::timeout(
        BOUND,
        connector.connect(ServerName::try_from("lyncweb.example.test")?, tcp),
    )
    .await??;
    let r = send(TokioIo::new(tls), https, "GET", DEFAULT_PATH, b"").await?;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, plain.body);
    assert_eq!(svc.metrics.requests("https", "GET", 200), 1);
    svc.stop().await;
    Ok(())
}
