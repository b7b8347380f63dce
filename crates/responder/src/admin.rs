//! The admin HTTP endpoint: `GET /metrics` in Prometheus text format, `GET /healthz`.
//! Metrics come from a list of sources, so other services on the same runtime (the certificate
//! provisioning service) append their own families to the same page.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::{debug, info};

/// One service's metrics, rendered as Prometheus text on each scrape.
pub type MetricsSource = Arc<dyn Fn() -> String + Send + Sync>;

pub struct Admin {
    listener: TcpListener,
    sources: Arc<Vec<MetricsSource>>,
}

impl Admin {
    pub async fn bind(addr: SocketAddr, sources: Vec<MetricsSource>) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Admin {
            listener,
            sources: Arc::new(sources),
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` resolves; open connections are dropped then.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        info!(addr = %self.local_addr()?, "admin endpoint listening");
        tokio::pin!(shutdown);
        let mut connections = JoinSet::new();
        loop {
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        debug!(error = %e, "admin accept failed");
                        continue;
                    }
                },
                // Reap finished connections so the set does not grow.
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let sources = Arc::clone(&self.sources);
            connections.spawn(async move {
                let service = service_fn(move |req| respond(req, Arc::clone(&sources)));
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    debug!(%peer, error = %e, "admin connection ended");
                }
            });
        }
        connections.shutdown().await;
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
