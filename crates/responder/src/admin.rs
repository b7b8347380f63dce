//! The admin HTTP endpoint: `GET /metrics` in Prometheus text format, `GET /healthz`.
//! Metrics come from a list of sources, so other services on the same runtime (the certificate
//! provisioning service) append their own families to the same page.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use ucprov_http::{Limits, Server, Stats};

/// One service's metrics, rendered as Prometheus text on each scrape.
pub type MetricsSource = Arc<dyn Fn() -> String + Send + Sync>;

/// The admin listener's limits: a few scrapers and health checks, never a crowd. At the cap
/// the longest-idle connection makes room (the shared loop), so 1,100 idle clients hold 64
/// descriptors, not every one the process has (issue 13).
pub fn limits() -> Limits {
    Limits {
        max_connections: 64,
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(30),
        connection_lifetime: Duration::from_secs(120),
        ..Limits::default()
    }
}

pub struct Admin {
    server: Server<TcpListener>,
    sources: Arc<Vec<MetricsSource>>,
}

impl Admin {
    pub async fn bind(addr: SocketAddr, sources: Vec<MetricsSource>) -> io::Result<Self> {
        Self::bind_with(addr, sources, limits()).await
    }

    /// [`Admin::bind`] with other limits (tests use a small cap).
    pub async fn bind_with(
        addr: SocketAddr,
        sources: Vec<MetricsSource>,
        limits: Limits,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Admin {
            server: Server::new("admin", listener, limits),
            sources: Arc::new(sources),
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.server.local_addr()
    }

    /// The accept loop's counters (open connections, evictions, deadlines).
    pub fn stats(&self) -> Arc<Stats> {
        self.server.stats()
    }

    /// Serve until `shutdown` resolves, on the shared accept loop (`ucprov-http`). The page
    /// ends with the admin listener's own `ucprov_http_*` families.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let own = self.server.stats();
        let mut sources = Arc::unwrap_or_clone(self.sources);
        sources.push(Arc::new(move || own.render_prometheus("admin")));
        let sources = Arc::new(sources);
        self.server
            .serve(
                move |req| {
                    let sources = Arc::clone(&sources);
                    async move {
                        match respond(req, sources).await {
                            Ok(r) => r,
                            Err(never) => match never {},
                        }
                    }
                },
                shutdown,
            )
            .await;
        Ok(())
    }
}

async fn respond(
    req: Request<Incoming>,
    sources: Arc<Vec<MetricsSource>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => {
            let mut text = String::new();
            for source in sources.iter() {
                text.push_str(&source());
            }
            (
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                text,
            )
        }
        (&Method::GET, "/healthz") => (StatusCode::OK, "text/plain", "ok\n".to_string()),
        (_, "/metrics" | "/healthz") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "use GET\n".to_string(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found: try /metrics\n".to_string(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    Ok(response)
}
