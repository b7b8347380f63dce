//! Shared helpers: start the service on 127.0.0.1 port 0 and talk to it with hyper.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use ucprov_certprov::{CertProv, CertProvConfig, ChainSource, Metrics};

pub type R = Result<(), Box<dyn std::error::Error + Send + Sync>>;
pub type E = Box<dyn std::error::Error + Send + Sync>;

/// Safety bound for any single network step; never a performance assertion.
pub const BOUND: Duration = Duration::from_secs(60);

pub struct Running {
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub metrics: Arc<Metrics>,
    pub warnings: Vec<String>,
    pub body: Bytes,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = tokio::time::timeout(BOUND, &mut self.task).await;
    }
}

pub fn loopback_config(chain: ChainSource) -> CertProvConfig {
    CertProvConfig {
        http_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        chain,
        ..CertProvConfig::default()
    }
}

pub async fn start(config: CertProvConfig) -> Result<Running, E> {
    let metrics = Arc::new(Metrics::new());
    let svc = CertProv::bind(config, Arc::clone(&metrics)).await?;
    let http = svc.http_addr().ok_or("no http listener")?;
    let https = svc.https_addr();
    let warnings = svc.warnings().to_vec();
    let body = svc.chain().body.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = svc
            .run(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        http,
        https,
        metrics,
        warnings,
        body,
        stop: Some(tx),
        task,
    })
}

pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

pub async fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Result<Reply, E> {
    let stream = tokio::time::timeout(BOUND, TcpStream::connect(addr)).await??;
    send(TokioIo::new(stream), addr, method, path, body).await
}

pub async fn send<I>(
    io: I,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Reply, E>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = http1::handshake::<_, Full<Bytes>>(io).await?;
    tokio::spawn(conn);
    let req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, addr.to_string())
        .body(Full::new(Bytes::copy_from_slice(body)))?;
    let resp = tokio::time::timeout(BOUND, sender.send_request(req)).await??;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = tokio::time::timeout(BOUND, resp.into_body().collect())
        .await??
        .to_bytes();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Certificates in a base64 PKCS#7 body, as a set of DER.
pub fn cert_set_of_body(body: &[u8]) -> Result<BTreeSet<Vec<u8>>, E> {
    let der = base64::engine::general_purpose::STANDARD.decode(body)?;
    let certs = ucprov_pki::pkcs7::parse_der(&der, "body")?;
    Ok(certs.iter().map(|c| c.der().to_vec()).collect())
}

pub fn cert_set_of_pems(pems: &[&str]) -> Result<BTreeSet<Vec<u8>>, E> {
    let mut set = BTreeSet::new();
    for p in pems {
        for c in ucprov_pki::parse(p.as_bytes(), "pem")?.certs {
            set.insert(c.der().to_vec());
        }
    }
    Ok(set)
}

pub fn write(dir: &Path, name: &str, data: &[u8]) -> Result<PathBuf, E> {
    let p = dir.join(name);
    std::fs::write(&p, data)?;
    Ok(p)
}
