//! Binding and running the service.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use ucprov_http::{Server, Stats};

use crate::handler::Shared;
use crate::listener;
use crate::live::{self, Live, Reloader};
use crate::load::LoadedChain;
use crate::metrics::{Listener, Metrics};
use crate::{tls, CertProvConfig, CertProvError};

/// A bound, ready-to-run service.
pub struct CertProv {
    http: Option<Server<TcpListener>>,
    https: Option<Server<TcpListener>>,
    shared: Arc<Shared>,
    config: CertProvConfig,
    live: Arc<Live>,
    warnings: Vec<String>,
}

impl std::fmt::Debug for CertProv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertProv")
            .field("http", &self.http_addr())
            .field("https", &self.https_addr())
            .field("path", &self.config.path)
            .finish_non_exhaustive()
    }
}

impl CertProv {
    /// Load and check the chain (creating the demo CA if configured), prepare TLS and bind
    /// the listeners. Warnings (dropped private keys, expiry) are logged at WARN and
    /// returned by [`CertProv::warnings`].
    pub async fn bind(
        config: CertProvConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, CertProvError> {
        if !config.path.starts_with('/') {
            return Err(CertProvError::BadPath(config.path.clone()));
        }
        if config.http_listen.is_none() && config.https_listen.is_none() {
            return Err(CertProvError::NoListeners);
        }
        let cfg = config.clone();
        let (live, acceptor) = tokio::task::spawn_blocking(move || prepare(&cfg))
            .await
            .map_err(|e| CertProvError::Tls(format!("preparation task failed: {e}")))??;
        let live = Arc::new(live);
        let warnings = live.chain().warnings.clone();
        for w in &warnings {
            tracing::warn!("certprov: {w}");
        }
        let server =
            |kind, l, tls| listener::server(kind, l, tls, &config.limits, Arc::clone(&metrics));
        let http = match config.http_listen {
            Some(addr) => Some(server(Listener::Http, bind(addr).await?, None)),
            None => None,
        };
        let https = match (config.https_listen, acceptor) {
            (Some(addr), Some(acc)) => Some(server(Listener::Https, bind(addr).await?, Some(acc))),
            _ => None,
        };
        let shared = Arc::new(Shared {
            path: config.path.clone(),
            live: Arc::clone(&live),
            max_body_bytes: config.limits.max_body_bytes,
            metrics,
        });
        Ok(Self {
            http,
            https,
            shared,
            config,
            live,
            warnings,
        })
    }

    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The accept loop's counters of the plain-HTTP listener (open connections, evictions,
    /// deadlines), live while the service runs.
    pub fn http_stats(&self) -> Option<Arc<Stats>> {
        self.http.as_ref().map(Server::stats)
    }

    pub fn https_stats(&self) -> Option<Arc<Stats>> {
        self.https.as_ref().map(Server::stats)
    }

    /// Both listeners' `ucprov_http_*` families, for the admin page.
    pub fn render_http_prometheus(&self) -> impl Fn() -> String + Send + Sync + 'static {
        let stats: Vec<(&'static str, Arc<Stats>)> = [
            (listener::name(Listener::Http), self.http_stats()),
            (listener::name(Listener::Https), self.https_stats()),
        ]
        .into_iter()
        .filter_map(|(n, s)| Some((n, s?)))
        .collect();
        move || stats.iter().map(|(n, s)| s.render_prometheus(n)).collect()
    }

    /// The chain being served, end-most certificate first and root last.
    pub fn chain(&self) -> Arc<LoadedChain> {
        self.live.chain()
    }

    /// The chain's warnings at startup.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// A handle that renews the chain and the HTTPS certificate while the service runs.
    pub fn reloader(&self) -> Reloader {
        Reloader(Arc::clone(&self.live))
    }

    /// Serve until `shutdown` resolves; then requests in flight get the loop's grace period
    /// and the rest are dropped, so this always returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), CertProvError> {
        let (stop, stopping) = watch::channel(false);
        let stopped = move || {
            let mut s = stopping.clone();
            async move {
                let _ = s.wait_for(|v| *v).await;
            }
        };
        let mut tasks = JoinSet::new();
        let path = &self.config.path;
        for (kind, server) in [(Listener::Http, self.http), (Listener::Https, self.https)] {
            let Some(server) = server else { continue };
            let addr = server
                .local_addr()
                .map_or("-".to_string(), |a| a.to_string());
            // Tests and operators wait for these two lines; keep their wording.
            match kind {
                Listener::Http => tracing::info!(%addr, %path, "certprov HTTP listening"),
                Listener::Https => tracing::info!(%addr, %path, "certprov HTTPS listening"),
            }
            tasks.spawn(listener::serve(
                server,
                kind,
                Arc::clone(&self.shared),
                stopped(),
            ));
        }
        shutdown.await;
        let _ = stop.send(true);
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}

/// `CertProv::bind` then `run`: for callers that do not need the bound addresses.
pub async fn run(
    config: CertProvConfig,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), CertProvError> {
    CertProv::bind(config, metrics).await?.run(shutdown).await
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, CertProvError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| CertProvError::Bind { addr, source })
}

/// Blocking part of startup: file reads and (first run) key generation.
fn prepare(config: &CertProvConfig) -> Result<(Live, Option<TlsAcceptor>), CertProvError> {
    let (chain, cert) = live::load_all(config)?;
    let live = Live::new(config.clone(), chain, cert);
    let acceptor = match &live.cert {
        Some(cert) => Some(tls::acceptor(Arc::clone(cert))?),
        None => None,
    };
    Ok((live, acceptor))
}
