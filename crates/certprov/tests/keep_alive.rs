//! HTTP/1.1 keep-alive and pipelining: a connection serves many requests, and requests sent
//! back to back in one write are answered in order, each with the chain.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ucprov_certprov::{ChainSource, DEFAULT_PATH};

/// Read `n` Content-Length framed responses; the error says how many arrived.
async fn read_responses(s: &mut TcpStream, n: usize) -> Result<Vec<(u16, Vec<u8>)>, E> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    while out.len() < n {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(buf[..end].to_vec())?;
            let status: u16 = head.split(' ').nth(1).ok_or("no status")?.parse()?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .ok_or("no content-length")?;
            if buf.len() >= end + 4 + len {
                out.push((status, buf[end + 4..end + 4 + len].to_vec()));
                buf.drain(..end + 4 + len);
                continue;
            }
        }
        let mut chunk = [0u8; 8192];
        let got = tokio::time::timeout(BOUND, s.read(&mut chunk)).await??;
        if got == 0 {
            return Err(format!("closed after {} of {n} responses", out.len()).into());
        }
        buf.extend_from_slice(&chunk[..got]);
    }
    Ok(out)
}

async fn demo() -> Result<(Running, tempfile::TempDir), E> {
    let dir = tempfile::tempdir()?;
    let mut config = loopback_config(ChainSource::DemoCa);
    config.state_dir = Some(dir.path().to_path_buf());
    Ok((start(config).await?, dir))
}

#[tokio::test]
async fn three_pipelined_requests_get_three_responses_in_order() -> R {
    let (svc, _dir) = demo().await?;
    let mut s = TcpStream::connect(svc.http).await?;
    // GET, a 404 and HEAD-less GET again, in one write: the order of the answers shows.
    let req = format!(
        "GET {DEFAULT_PATH} HTTP/1.1\r\nHost: t\r\n\r\nGET /nothing-here HTTP/1.1\r\nHost: t\r\n\r\nGET {DEFAULT_PATH} HTTP/1.1\r\nHost: t\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let got = read_responses(&mut s, 3).await?;
    let statuses: Vec<u16> = got.iter().map(|r| r.0).collect();
    assert_eq!(statuses, [200, 404, 200]);
    assert_eq!(got[0].1, svc.body);
    assert_eq!(got[2].1, svc.body);
    assert_eq!(svc.metrics.requests("http", "GET", 200), 2);
    assert_eq!(svc.metrics.requests("http", "GET", 404), 1);
    svc.stop().await;
    Ok(())
}

#[tokio::test]
async fn one_connection_serves_request_after_request() -> R {
    let (svc, _dir) = demo().await?;
    let mut s = TcpStream::connect(svc.http).await?;
    for _ in 0..20 {
        s.write_all(format!("GET {DEFAULT_PATH} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
            .await?;
        let got = read_responses(&mut s, 1).await?;
        assert_eq!(got[0].0, 200);
        assert_eq!(got[0].1, svc.body);
    }
    let text = svc.metrics.render_prometheus();
    assert!(
        text.contains("ucprov_certprov_connections_total{listener=\"http\"} 1\n"),
        "{text}"
    );
    svc.stop().await;
    Ok(())
}
