//! Idle and slow clients must not keep a real request from being served.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::AsyncWriteExt;
use ucprov_certprov::{ChainSource, Limits, DEFAULT_PATH};

async fn demo_service(limits: Limits) -> Result<(Running, tempfile::TempDir), E> {
    let dir = tempfile::tempdir()?;
    let mut config = loopback_config(ChainSource::DemoCa);
    config.state_dir = Some(dir.path().to_path_buf());
    config.limits = limits;
    Ok((start(config).await?, dir))
}

#[tokio::test]
async fn three_hundred_idle_connections_do_not_block_a_request() -> R {
    let (svc, _dir) = demo_service(Limits::default()).await?;
    let mut idle = Vec::with_capacity(300);
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(svc.http).await?);
    }
    // Half of them start a request and stall mid-header (slowloris).
    for s in idle.iter_mut().step_by(2) {
        s.write_all(b"GET /CertProv/CertProvisioningService.svc HTTP/1.1\r\nHost: x\r\n")
            .await?;
    }
    let r = request(svc.http, "GET", DEFAULT_PATH, b"").await?;
    assert_eq!(r.status, 200);
    assert!(!cert_set_of_body(&r.body)?.is_empty());
    drop(idle);
    svc.stop().await;
    Ok(())
}

#[tokio::test]
async fn idle_connections_beyond_the_cap_are_evicted_by_timeout() -> R {
    let limits = Limits {
        max_connections: 4,
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let (svc, _dir) = demo_service(limits).await?;
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(tokio::net::TcpStream::connect(svc.http).await?);
    }
    // Every slot is taken by a silent client; the head-read timeout must free them.
    let r = tokio::time::timeout(BOUND, request(svc.http, "GET", DEFAULT_PATH, b"")).await??;
    assert_eq!(r.status, 200);
    drop(idle);
    svc.stop().await;
    Ok(())
}
