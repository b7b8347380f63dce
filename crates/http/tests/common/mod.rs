//! A tiny server under test and a raw HTTP/1.1 client that sees exactly what arrives.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use ucprov_http::{Accept, Limits, Server, Stats};

pub type R = Result<(), Box<dyn std::error::Error + Send + Sync>>;
pub type E = Box<dyn std::error::Error + Send + Sync>;

/// Safety bound for one network step; never a performance assertion.
pub const BOUND: Duration = Duration::from_secs(30);

pub struct Running {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stop and wait for `serve` to return; the error names a shutdown that never finished.
    pub async fn stop(mut self) -> R {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(BOUND, &mut self.task).await??;
        Ok(())
    }
}

/// Answers every request with its path as the body, after `delay`.
pub async fn start(limits: Limits, delay: Duration) -> Result<Running, E> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    start_delayed(Server::new("test", listener, limits), delay)
}

pub fn start_with<A: Accept>(server: Server<A>) -> Result<Running, E> {
    start_delayed(server, Duration::ZERO)
}

fn start_delayed<A: Accept>(server: Server<A>, delay: Duration) -> Result<Running, E> {
    let addr = server.local_addr()?;
    let stats = server.stats();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(
        move |req: Request<hyper::body::Incoming>| async move {
            tokio::time::sleep(delay).await;
            Response::new(Full::new(Bytes::from(req.uri().path().to_owned())))
        },
        async {
            let _ = rx.await;
        },
    ));
    Ok(Running {
        addr,
        stats,
        stop: Some(tx),
        task,
    })
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

/// Read `n` responses (Content-Length framed) from `s`, in order.
pub async fn read_replies(s: &mut TcpStream, n: usize) -> Result<Vec<Reply>, E> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    while out.len() < n {
        if let Some((reply, used)) = parse_one(&buf)? {
            buf.drain(..used);
            out.push(reply);
            continue;
        }
        let mut chunk = [0u8; 4096];
        let got = tokio::time::timeout(BOUND, s.read(&mut chunk)).await??;
        if got == 0 {
            return Err(format!("connection closed after {} of {n} responses", out.len()).into());
        }
        buf.extend_from_slice(&chunk[..got]);
    }
    Ok(out)
}

fn parse_one(buf: &[u8]) -> Result<Option<(Reply, usize)>, E> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8(buf[..end].to_vec())?;
    let status: u16 = head.split(' ').nth(1).ok_or("no status code")?.parse()?;
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .ok_or("no content-length")?;
    let start = end + 4;
    if buf.len() < start + len {
        return Ok(None);
    }
    let body = buf[start..start + len].to_vec();
    Ok(Some((Reply { status, head, body }, start + len)))
}

/// One GET on a fresh connection.
pub async fn get(addr: SocketAddr, path: &str) -> Result<Reply, E> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
        .await?;
    let mut r = read_replies(&mut s, 1).await?;
    r.pop().ok_or_else(|| "no reply".into())
}

/// True once the peer has closed `s` (read returns 0 or an error), within BOUND.
pub async fn closed_by_peer(s: &mut TcpStream) -> Result<bool, E> {
    let mut b = [0u8; 64];
    match tokio::time::timeout(BOUND, s.read(&mut b)).await? {
        Ok(0) | Err(_) => Ok(true),
        Ok(_) => Ok(false),
    }
}
