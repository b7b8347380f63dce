//! Accept loop and per-connection limits. A shared semaphore caps concurrent connections;
//! every connection has a head-read deadline (hyper's header_read_timeout, which starts
//! before the first byte, so idle sockets are dropped too), a TLS handshake deadline and
//! an overall lifetime, so no client can hold a slot for long.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use crate::handler::{handle, Shared};
use crate::metrics::Listener;
use crate::Limits;

/// hyper refuses read buffers smaller than this.
const HYPER_MIN_BUF: usize = 8192;

pub(crate) struct ListenerCtx {
    pub kind: Listener,
    pub tls: Option<TlsAcceptor>,
    pub shared: Arc<Shared>,
    pub limits: Limits,
    pub slots: Arc<Semaphore>,
}

/// Runs until the task is aborted; dropping it drops (aborts) every connection task.
pub(crate) async fn accept_loop(listener: TcpListener, ctx: ListenerCtx) {
    let ctx = Arc::new(ctx);
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        // Take the slot before accepting: at the cap, new clients wait in the kernel's
        // accept queue instead of being accepted and starved.
        let Ok(permit) = ctx.slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "certprov accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        ctx.shared.metrics.connection(ctx.kind);
        tracing::debug!(%peer, listener = ?ctx.kind, "certprov connection");
        let ctx = Arc::clone(&ctx);
        conns.spawn(async move {
            let _permit = permit;
            serve_connection(stream, &ctx).await;
        });
    }
}

async fn serve_connection(stream: TcpStream, ctx: &ListenerCtx) {
    let _ = stream.set_nodelay(true);
    let limits = &ctx.limits;
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(HYPER_MIN_BUF))
        // One request per connection: devices fetch once, and it bounds what an idle
        // keep-alive client can hold.
        .keep_alive(false);
    let shared = Arc::clone(&ctx.shared);
    let kind = ctx.kind;
    let svc = service_fn(move |req| handle(req, Arc::clone(&shared), kind));
    let metrics = &ctx.shared.metrics;
    let work = async {
        match &ctx.tls {
            None => builder.serve_connection(TokioIo::new(stream), svc).await,
            Some(acceptor) => {
                let tls = match timeout(limits.tls_handshake_timeout, acceptor.accept(stream)).await
                {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        metrics.tls_failure();
                        tracing::debug!(error = %e, "TLS handshake failed");
                        return Ok(());
                    }
                    Err(_) => {
                        metrics.timeout(kind);
                        return Ok(());
                    }
                };
                builder.serve_connection(TokioIo::new(tls), svc).await
            }
        }
    };
    match timeout(limits.connection_timeout, work).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(error = %e, "certprov connection ended with error"),
        Err(_) => metrics.timeout(kind),
    }
}
