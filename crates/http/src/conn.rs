//! One connection: the TLS handshake (if any), then hyper's HTTP/1.1 server with keep-alive
//! and pipelining, watched by deadlines read from the connection's [`Slot`].
//!
//! hyper parses, keeps connections alive and answers pipelined requests in order; what it
//! lacks is a distinct idle deadline, a request cap and eviction, which live here. The
//! watcher sleeps until the current phase's deadline and then re-reads the phase; it is woken
//! early only by eviction or by an idle deadline earlier than the one it sleeps towards.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, CONNECTION};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::time::{sleep_until, Duration, Instant};
use tokio_rustls::TlsAcceptor;
use tracing::debug;

use crate::registry::{Phase, Registry, Slot, SlotGuard};
use crate::{Closed, Limits, Observer, Stats, HYPER_MIN_BUF};

/// An evicted connection that has answered before gets this long to flush that answer.
const EVICTED_FLUSH: Duration = Duration::from_secs(1);

/// What every connection of a listener shares.
pub(crate) struct Ctx<H> {
    pub name: &'static str,
    pub limits: Limits,
    pub stats: Arc<Stats>,
    pub observer: Arc<dyn Observer>,
    pub registry: Arc<Registry>,
    pub handler: H,
}

impl<H> Ctx<H> {
    fn close(&self, why: Closed) {
        self.stats.count_closed(why);
        self.observer.closed(why);
    }

    fn pressure(&self) -> bool {
        self.limits.under_pressure(self.registry.live())
    }
}

pub(crate) async fn serve<IO, H, F, B>(
    io: IO,
    tls: Option<TlsAcceptor>,
    guard: SlotGuard,
    ctx: Arc<Ctx<H>>,
    mut shutdown: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let slot = Arc::clone(&guard.slot);
    let end = Instant::now() + ctx.limits.connection_lifetime;
    match tls {
        None => http(io, &slot, &ctx, &mut shutdown, end).await,
        Some(acceptor) => {
            let wait = ctx.limits.wait(
                ctx.limits.tls_handshake_timeout,
                ctx.pressure(),
                slot.spread,
            );
            let deadline = (slot.since() + wait).min(end);
            let handshake = acceptor.accept(io);
            tokio::pin!(handshake);
            let stream = loop {
                if slot.phase() == Phase::Evicted {
                    return ctx.close(Closed::Evicted);
                }
                tokio::select! {
                    biased;
                    done = &mut handshake => match done {
                        Ok(s) => break s,
                        Err(e) => {
                            debug!(listener = ctx.name, error = %e, "TLS handshake failed");
                            return ctx.close(Closed::TlsFailed);
                        }
                    },
                    () = slot.wake.notified() => {}
                    () = sleep_until(deadline) => return ctx.close(Closed::TlsTimeout),
                    _ = shutdown.wait_for(|s| *s) => return,
                }
            };
            slot.enter(Phase::Head);
            http(stream, &slot, &ctx, &mut shutdown, end).await;
        }
    }
    drop(guard);
}

async fn http<IO, H, F, B>(
    io: IO,
    slot: &Arc<Slot>,
    ctx: &Arc<Ctx<H>>,
    shutdown: &mut watch::Receiver<bool>,
    end: Instant,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let limits = &ctx.limits;
    let mut builder = http1::Builder::new();
    builder
        // The watcher below enforces every deadline; hyper's own head timer would only cost
        // a timer reset per request (and needs a timer set, or hyper warns per connection).
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true)
        // A client that sends its requests and then shuts down its side (`printf … | nc -N`,
        // scripts) still gets every answer; without this hyper closed on the read EOF and
        // dropped the response in flight (found by the certprov_request fuzz target).
        .half_close(true)
        // Not `pipeline_flush(true)`: with it, hyper 1.12 dropped the held responses when a
        // pipelined batch ran past the request cap (tests/serve.rs, the request-cap test).
        .pipeline_flush(false)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(HYPER_MIN_BUF));
    let served = Arc::new(AtomicU32::new(0));
    let svc = {
        let served = Arc::clone(&served);
        let slot = Arc::clone(slot);
        let ctx = Arc::clone(ctx);
        service_fn(move |req| {
            slot.enter(Phase::Busy);
            ctx.stats.count_request();
            let n = served.fetch_add(1, Ordering::Relaxed).saturating_add(1);
            let last = n >= ctx.limits.max_requests_per_connection;
            let answer = (ctx.handler)(req);
            let slot = Arc::clone(&slot);
            let ctx = Arc::clone(&ctx);
            async move {
                let mut resp = answer.await;
                if last {
                    // hyper closes after writing a response that says so.
                    resp.headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("close"));
                }
                slot.enter_idle(ctx.limits.wait(
                    ctx.limits.idle_timeout,
                    ctx.pressure(),
                    slot.spread,
                ));
                Ok::<_, Infallible>(resp)
            }
        })
    };
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    let mut draining = false;
    let mut overtime = false;
    let mut end = end;
    // Set once evicted after a response: hyper may still be writing it.
    let mut evicted_by: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let phase = slot.phase();
        let (deadline, why) = match phase {
            Phase::Evicted if served.load(Ordering::Relaxed) == 0 => {
                return ctx.close(Closed::Evicted)
            }
            // Idle as far as we know, but the answer may be in hyper's buffer: let hyper
            // finish it and close, within a short bound.
            Phase::Evicted => {
                let by = *evicted_by.get_or_insert_with(|| {
                    conn.as_mut().graceful_shutdown();
                    draining = true;
                    now + EVICTED_FLUSH
                });
                (by, Closed::Evicted)
            }
            Phase::Head => (
                slot.since() + limits.wait(limits.header_timeout, ctx.pressure(), slot.spread),
                Closed::HeadTimeout,
            ),
            Phase::Idle => (
                slot.since() + limits.wait(limits.idle_timeout, ctx.pressure(), slot.spread),
                Closed::IdleTimeout,
            ),
            // Busy: only the lifetime bounds it; going idle wakes us (`enter_idle`).
            Phase::Busy | Phase::Handshake => (end, Closed::Lifetime),
        };
        if now >= end {
            if phase != Phase::Busy || overtime {
                return ctx.close(Closed::Lifetime);
            }
            // Mid-request at the end of its life: no new request, and this one gets one
            // more lifetime to finish (a keep-alive connection may start a long upload late).
            overtime = true;
            draining = true;
            conn.as_mut().graceful_shutdown();
            end = now + limits.connection_lifetime;
            continue;
        }
        if now >= deadline && why != Closed::Lifetime {
            return ctx.close(why);
        }
        let wake_at = deadline.min(end);
        slot.wakes_at(wake_at);
        tokio::select! {
            biased;
            done = conn.as_mut() => {
                if let Err(e) = done {
                    debug!(listener = ctx.name, error = %e, "connection ended with an error");
                }
                if evicted_by.is_some() {
                    ctx.close(Closed::Evicted);
                }
                return;
            }
            () = slot.wake.notified() => {}
            () = sleep_until(wake_at) => {}
            _ = shutdown.wait_for(|s| *s), if !draining => {
                // Idle connections close now, a request in flight is answered first.
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
