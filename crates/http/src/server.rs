//! The accept loop: cap, eviction, back-off, shutdown.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info, warn};

use crate::accept::{Accept, Backoff};
use crate::conn::{self, Ctx};
use crate::registry::{Phase, Registry};
use crate::{Limits, Observer, Stats};

/// At the cap, this share of the cap (1/32) is evicted at once, so a burst of new clients
/// costs one scan of the connections, not one each.
const EVICT_SHARE: usize = 32;

/// At the cap with every connection busy, look again this often even if no wake-up came
/// (a connection turning idle wakes nobody).
const FULL_RECHECK: Duration = Duration::from_millis(50);

/// One listener, ready to serve: `Server::new(name, listener, limits)`, optionally
/// [`Server::tls`] and [`Server::observer`], then [`Server::serve`].
pub struct Server<A: Accept> {
    name: &'static str,
    accept: A,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    stats: Arc<Stats>,
    observer: Arc<dyn Observer>,
}

impl<A: Accept> std::fmt::Debug for Server<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("name", &self.name)
            .field("addr", &self.accept.local_addr().ok())
            .field("tls", &self.tls.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<A: Accept> Server<A> {
    /// `name` labels log lines and metrics ("certprov-http", "admin", "web").
    pub fn new(name: &'static str, accept: A, limits: Limits) -> Self {
        Self {
            name,
            accept,
            tls: None,
            limits,
            stats: Arc::new(Stats::new()),
            observer: Arc::new(()),
        }
    }

    /// Serve TLS: each connection handshakes (within `tls_handshake_timeout`) first.
    pub fn tls(mut self, acceptor: TlsAcceptor) -> Self {
        self.tls = Some(acceptor);
        self
    }

    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = observer;
        self
    }

    /// The listener's counters; live while and after it serves.
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.stats)
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.accept.local_addr()
    }

    /// Serve until `shutdown` resolves; then requests in flight get `limits.grace` to be
    /// answered and whatever is left is dropped, so this always returns.
    pub async fn serve<H, F, B>(mut self, handler: H, shutdown: impl Future<Output = ()>)
    where
        H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
        F: Future<Output = Response<B>> + Send + 'static,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let registry = Arc::new(Registry::new(Arc::clone(&self.stats)));
        let ctx = Arc::new(Ctx {
            name: self.name,
            limits: self.limits.clone(),
            stats: Arc::clone(&self.stats),
            observer: Arc::clone(&self.observer),
            registry: Arc::clone(&registry),
            handler,
        });
        let (stop, stopping) = watch::channel(false);
        let mut conns = JoinSet::new();
        let mut backoff = Backoff::default();
        let cap = self.limits.cap();
        let batch = (cap / EVICT_SHARE).max(1);
        let first_phase = if self.tls.is_some() {
            Phase::Handshake
        } else {
            Phase::Head
        };
        tokio::pin!(shutdown);
        info!(listener = self.name, addr = ?self.accept.local_addr().ok(), cap, "listening");
        'accept: loop {
            while conns.try_join_next().is_some() {}
            let accepted = tokio::select! {
                () = &mut shutdown => break 'accept,
                a = self.accept.accept() => a,
            };
            let (io, _peer) = match accepted {
                Ok(a) => {
                    backoff.on_success();
                    a
                }
                Err(e) => {
                    self.stats.count_accept_error();
                    let Some(wait) = backoff.on_error(&e) else {
                        debug!(listener = self.name, error = %e, "accept: connection lost before it was taken");
                        continue;
                    };
                    if backoff.is_first() {
                        warn!(listener = self.name, error = %e, "accept failed; backing off (up to {:?}) until it succeeds", Backoff::MAX);
                    } else {
                        debug!(listener = self.name, error = %e, ?wait, "accept failed again");
                    }
                    tokio::select! {
                        () = &mut shutdown => break 'accept,
                        () = tokio::time::sleep(wait) => {}
                    }
                    continue;
                }
            };
            self.stats.count_accept();
            self.observer.accepted();
            // At the cap, make room by evicting the longest-waiting connections. When every
            // one is mid-request, hold this one (and leave the next ones in the kernel's
            // queue) until one ends or turns idle, which the lifetime bound guarantees.
            while registry.live() >= cap && registry.evict_oldest(batch) == 0 {
                let freed = registry.freed.notified();
                tokio::select! {
                    () = &mut shutdown => break 'accept,
                    () = freed => {}
                    () = tokio::time::sleep(FULL_RECHECK) => {}
                }
            }
            let guard = registry.register(first_phase);
            conns.spawn(conn::serve(
                io,
                self.tls.clone(),
                guard,
                Arc::clone(&ctx),
                stopping.clone(),
            ));
        }
        let _ = stop.send(true);
        let drained = tokio::time::timeout(self.limits.grace, async {
            while conns.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            debug!(
                listener = self.name,
                left = conns.len(),
                "connections dropped after the grace period"
            );
        }
        conns.shutdown().await;
        info!(listener = self.name, "stopped");
    }
}
