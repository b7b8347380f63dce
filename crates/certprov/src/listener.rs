//! CertProv's listeners on the shared accept loop (`ucprov-http`): the service's [`Limits`]
//! become one loop's limits per listener, and the loop's events feed CertProv's counters.
//!
//! Each listener (plain and TLS) has its own cap of `max_connections`, so clients stalling
//! in the TLS handshake cannot take the slots plain-HTTP devices need. At the cap the loop
//! closes the connection that has waited longest (handshake, head or idle keep-alive), so
//! slow clients never keep a device out.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use ucprov_http::{Closed, Observer, Server};

use crate::handler::{handle, Shared};
use crate::metrics::{Listener, Metrics};
use crate::Limits;

/// The loop's limits for one CertProv listener. Idle time between keep-alive requests and
/// requests per connection are not CertProv settings; the loop's defaults apply.
pub(crate) fn loop_limits(limits: &Limits) -> ucprov_http::Limits {
    ucprov_http::Limits {
        max_connections: limits.max_connections,
        header_timeout: limits.header_read_timeout,
        tls_handshake_timeout: limits.tls_handshake_timeout,
        connection_lifetime: limits.connection_timeout,
        max_header_bytes: limits.max_header_bytes,
        ..ucprov_http::Limits::default()
    }
}

/// The listener named for logs and `ucprov_http_*` metrics.
pub(crate) fn name(kind: Listener) -> &'static str {
    match kind {
        Listener::Http => "certprov-http",
        Listener::Https => "certprov-https",
    }
}

pub(crate) fn server(
    kind: Listener,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: &Limits,
    metrics: Arc<Metrics>,
) -> Server<TcpListener> {
    let server = Server::new(name(kind), listener, loop_limits(limits))
        .observer(Arc::new(Counters { kind, metrics }));
    match tls {
        Some(acceptor) => server.tls(acceptor),
        None => server,
    }
}

/// Serve `shared`'s routes on `server` until `shutdown`.
pub(crate) async fn serve(
    server: Server<TcpListener>,
    kind: Listener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    server
        .serve(move |req| handle(req, Arc::clone(&shared), kind), shutdown)
        .await;
}

/// The loop's events as CertProv's own counters (`ucprov_certprov_*`).
struct Counters {
    kind: Listener,
    metrics: Arc<Metrics>,
}

impl Observer for Counters {
    fn accepted(&self) {
        self.metrics.connection(self.kind);
    }

    fn closed(&self, why: Closed) {
        match why {
            Closed::TlsFailed => self.metrics.tls_failure(),
            // `ucprov_certprov_connection_timeouts_total` counts handshake and lifetime
            // timeouts; head, idle and eviction closes are in `ucprov_http_*`.
            Closed::TlsTimeout | Closed::Lifetime => self.metrics.timeout(self.kind),
            Closed::HeadTimeout | Closed::IdleTimeout | Closed::Evicted => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certprov_limits_carry_over_and_the_rest_are_the_loops_defaults() {
        let l = Limits {
            max_connections: 7,
            ..Limits::default()
        };
        let got = loop_limits(&l);
        assert_eq!(got.max_connections, 7);
        assert_eq!(got.header_timeout, l.header_read_timeout);
        assert_eq!(got.connection_lifetime, l.connection_timeout);
        assert_eq!(
            got.max_requests_per_connection,
            ucprov_http::Limits::default().max_requests_per_connection
        );
    }
}
