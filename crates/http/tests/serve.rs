//! The accept loop end to end on loopback: keep-alive, pipelining, the request cap, the
//! deadlines, eviction at the cap, accept back-off and shutdown.

mod common;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use ucprov_http::{Accept, Closed, Limits, Server};

#[tokio::test]
async fn three_pipelined_requests_get_three_responses_in_order() -> R {
    let svc = start(Limits::default(), Duration::ZERO).await?;
    let mut s = TcpStream::connect(svc.addr).await?;
    s.write_all(
        b"GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\nGET /three HTTP/1.1\r\nHost: t\r\n\r\n",
    )
    .await?;
    let replies = read_replies(&mut s, 3).await?;
    let bodies: Vec<&[u8]> = replies.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(bodies, [&b"/one"[..], b"/two", b"/three"]);
    assert!(replies.iter().all(|r| r.status == 200));
    // Still open: a fourth request on the same connection is answered too.
    s.write_all(b"GET /four HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    assert_eq!(read_replies(&mut s, 1).await?[0].body, b"/four");
    assert_eq!(svc.stats.accepted(), 1);
    svc.stop().await
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_requests_gets_every_answer() -> R {
    // The handler is slow, so the client's EOF arrives while both answers are pending.
    let svc = start(Limits::default(), Duration::from_millis(50)).await?;
    let mut s = TcpStream::connect(svc.addr).await?;
    s.write_all(b"GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    s.shutdown().await?;
    let replies = read_replies(&mut s, 2).await?;
    let bodies: Vec<&[u8]> = replies.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(bodies, [&b"/one"[..], b"/two"]);
    assert!(
        closed_by_peer(&mut s).await?,
        "closed once both are answered"
    );
    svc.stop().await
}

#[tokio::test]
async fn the_last_allowed_request_says_close_and_the_connection_ends() -> R {
    let limits = Limits {
        max_requests_per_connection: 2,
        ..Limits::default()
    };
    let svc = start(limits, Duration::ZERO).await?;
    let mut s = TcpStream::connect(svc.addr).await?;
    s.write_all(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\nGET /c HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    let replies = read_replies(&mut s, 2).await?;
    assert!(!replies[0]
        .head
        .to_ascii_lowercase()
        .contains("connection: close"));
    assert!(replies[1]
        .head
        .to_ascii_lowercase()
        .contains("connection: close"));
    assert!(
        closed_by_peer(&mut s).await?,
        "third request must not be answered"
    );
    svc.stop().await
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_deadline() -> R {
    let limits = Limits {
        idle_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let svc = start(limits, Duration::ZERO).await?;
    let mut s = TcpStream::connect(svc.addr).await?;
    s.write_all(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n").await?;
    read_replies(&mut s, 1).await?;
    assert!(closed_by_peer(&mut s).await?);
    assert_eq!(svc.stats.closed(Closed::IdleTimeout), 1);
    svc.stop().await
}

#[tokio::test]
async fn a_slowloris_is_closed_after_the_head_deadline() -> R {
    let limits = Limits {
        header_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let svc = start(limits, Duration::ZERO).await?;
    let mut s = TcpStream::connect(svc.addr).await?;
    s.write_all(b"GET /a HTTP/1.1\r\nHost: t\r\n").await?;
    assert!(closed_by_peer(&mut s).await?);
    assert_eq!(svc.stats.closed(Closed::HeadTimeout), 1);
    svc.stop().await
}

#[tokio::test]
async fn at_the_cap_the_oldest_waiting_connection_makes_room() -> R {
    let limits = Limits {
        max_connections: 4,
        ..Limits::default()
    };
    let svc = start(limits, Duration::ZERO).await?;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(svc.addr).await?);
    }
    wait_until(|| svc.stats.open() == 4).await?;
    let r = tokio::time::timeout(BOUND, get(svc.addr, "/new")).await??;
    assert_eq!(r.status, 200);
    assert!(
        closed_by_peer(&mut idle[0]).await?,
        "the oldest idle one goes"
    );
    assert_eq!(svc.stats.closed(Closed::Evicted), 1);
    svc.stop().await
}

#[tokio::test]
async fn at_the_cap_with_every_connection_busy_new_ones_wait_then_get_served() -> R {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let svc = start(limits, Duration::from_millis(300)).await?;
    let addr = svc.addr;
    let a = tokio::spawn(get(addr, "/a"));
    let b = tokio::spawn(get(addr, "/b"));
    wait_until(|| svc.stats.requests() == 2).await?;
    let c = get(addr, "/c").await?;
    assert_eq!(c.body, b"/c");
    assert_eq!(a.await??.status, 200);
    assert_eq!(b.await??.status, 200);
    assert_eq!(svc.stats.closed(Closed::Evicted), 0);
    svc.stop().await
}

#[tokio::test]
async fn shutdown_answers_the_request_in_flight_and_closes_idle_ones() -> R {
    let svc = start(Limits::default(), Duration::from_millis(300)).await?;
    let _idle = TcpStream::connect(svc.addr).await?;
    let in_flight = tokio::spawn(get(svc.addr, "/slow"));
    wait_until(|| svc.stats.requests() == 1).await?;
    svc.stop().await?;
    assert_eq!(in_flight.await??.body, b"/slow");
    Ok(())
}

/// Fails the first `fail` accepts with `error`, then hands out real connections.
struct Failing {
    inner: TcpListener,
    fail: usize,
    error: i32,
    calls: Arc<AtomicUsize>,
}

impl Accept for Failing {
    type Io = TcpStream;

    async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail {
            // Yield so a loop that never backs off still lets the test run, and shows up
            // as a huge call count instead of a hang.
            tokio::task::yield_now().await;
            return Err(io::Error::from_raw_os_error(self.error));
        }
        self.inner.accept().await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

async fn failing(fail: usize, error: i32) -> Result<(Running, Arc<AtomicUsize>), E> {
    let calls = Arc::new(AtomicUsize::new(0));
    let accept = Failing {
        inner: TcpListener::bind("127.0.0.1:0").await?,
        fail,
        error,
        calls: Arc::clone(&calls),
    };
    Ok((
        common::start_with(Server::new("failing", accept, Limits::default()))?,
        calls,
    ))
}

#[tokio::test]
async fn emfile_backs_off_instead_of_spinning() -> R {
    const EMFILE: i32 = 24;
    let (svc, calls) = failing(usize::MAX, EMFILE).await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let n = calls.load(Ordering::SeqCst);
    // 5, 10, 20, 40, 80, 160 ms: seven calls in 400 ms; a spinning loop makes thousands.
    assert!((2..=12).contains(&n), "{n} accept calls in 400 ms");
    assert_eq!(svc.stats.accept_errors(), n as u64);
    svc.stop().await
}

#[tokio::test]
async fn after_emfile_clears_connections_are_served_again() -> R {
    const EMFILE: i32 = 24;
    let (svc, calls) = failing(3, EMFILE).await?;
    let r = tokio::time::timeout(BOUND, get(svc.addr, "/back")).await??;
    assert_eq!(r.body, b"/back");
    assert_eq!(svc.stats.accept_errors(), 3);
    assert!(calls.load(Ordering::SeqCst) >= 4);
    svc.stop().await
}

#[tokio::test]
async fn an_aborted_connection_is_skipped_without_waiting() -> R {
    const ECONNABORTED: i32 = 103;
    let (svc, _calls) = failing(1000, ECONNABORTED).await?;
    let r = tokio::time::timeout(BOUND, get(svc.addr, "/x")).await??;
    assert_eq!(r.status, 200);
    assert_eq!(svc.stats.accept_errors(), 1000);
    svc.stop().await
}

async fn wait_until(cond: impl Fn() -> bool) -> R {
    tokio::time::timeout(BOUND, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn at_the_end_of_its_life_a_request_in_flight_is_answered_then_the_connection_closes() -> R {
    let limits = Limits {
        connection_lifetime: Duration::from_millis(300),
        ..Limits::default()
    };
    // The answer takes 400 ms: it is still in flight when the 300 ms lifetime ends.
    let svc = start(limits, Duration::from_millis(400)).await?;
    let mut s = TcpStream::connect(svc.addr).await?;
    s.write_all(b"GET /late HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    let r = read_replies(&mut s, 1).await?;
    assert_eq!(r[0].body, b"/late");
    assert!(closed_by_peer(&mut s).await?);
    // An idle connection past its life is closed.
    let mut idle = TcpStream::connect(svc.addr).await?;
    assert!(closed_by_peer(&mut idle).await?);
    svc.stop().await
}
