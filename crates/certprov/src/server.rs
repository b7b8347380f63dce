//! Binding and running the service.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::handler::Shared;
use crate::listener::{accept_loop, ListenerCtx};
use crate::load::{load_chain_files, now_unix, LoadedChain};
use crate::metrics::{Listener, Metrics};
use crate::state::{demo_root, demo_server, resolve_state_dir};
use crate::{tls, CertProvConfig, CertProvError, ChainSource, TlsSource};

/// A bound, ready-to-run service.
pub struct CertProv {
    http: Option<TcpListener>,
    https: Option<(TcpListener, TlsAcceptor)>,
    shared: Arc<Shared>,
    config: CertProvConfig,
    loaded: LoadedChain,
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
        let (loaded, acceptor) = tokio::task::spawn_blocking(move || prepare(&cfg))
            .await
            .map_err(|e| CertProvError::Tls(format!("preparation task failed: {e}")))??;
        for w in &loaded.warnings {
            tracing::warn!("certprov: {w}");
        }
        let http = match config.http_listen {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let https = match (config.https_listen, acceptor) {
            (Some(addr), Some(acc)) => Some((bind(addr).await?, acc)),
            _ => None,
        };
        let shared = Arc::new(Shared {
            path: config.path.clone(),
            body: loaded.body.clone(),
            max_body_bytes: config.limits.max_body_bytes,
            metrics,
        });
        Ok(Self {
            http,
            https,
            shared,
            config,
            loaded,
        })
    }

    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// The chain being served, end-most certificate first and root last.
    pub fn chain(&self) -> &LoadedChain {
        &self.loaded
    }

    pub fn warnings(&self) -> &[String] {
        &self.loaded.warnings
    }

    /// Serve until `shutdown` resolves. Open connections are dropped at shutdown; each is
    /// bounded by the lifetime limit anyway.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), CertProvError> {
        let slots = Arc::new(Semaphore::new(self.config.limits.max_connections.max(1)));
        let mut tasks = JoinSet::new();
        let ctx = |kind, tls| ListenerCtx {
            kind,
            tls,
            shared: Arc::clone(&self.shared),
            limits: self.config.limits.clone(),
            slots: Arc::clone(&slots),
        };
        if let Some(l) = self.http {
            tracing::info!(addr = ?l.local_addr().ok(), path = %self.config.path, "certprov HTTP listening");
            tasks.spawn(accept_loop(l, ctx(Listener::Http, None)));
        }
        if let Some((l, acc)) = self.https {
            tracing::info!(addr = ?l.local_addr().ok(), path = %self.config.path, "certprov HTTPS listening");
            tasks.spawn(accept_loop(l, ctx(Listener::Https, Some(acc))));
        }
        shutdown.await;
        tasks.shutdown().await;
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
fn prepare(config: &CertProvConfig) -> Result<(LoadedChain, Option<TlsAcceptor>), CertProvError> {
    let needs_demo = config.chain == ChainSource::DemoCa
        || (config.https_listen.is_some() && config.tls == TlsSource::DemoCa);
    let demo = if needs_demo {
        let dir = resolve_state_dir(config.state_dir.as_deref())?;
        let root = demo_root(&dir)?;
        if root.created {
            tracing::warn!(dir = %dir.display(), "created a new ucprov demo CA; devices must fetch the chain again");
        }
        Some((dir, root.root))
    } else {
        None
    };
    let loaded = match (&config.chain, &demo) {
        (ChainSource::Files(paths), _) => load_chain_files(paths, now_unix())?,
        (ChainSource::DemoCa, Some((_, root))) => {
            let parsed = ucprov_pki::parse(root.cert_pem.as_bytes(), "demo CA")?;
            let mut warnings = vec![format!(
                "serving the built-in \"{}\" root; configure a real CA chain for production",
                ucprov_pki::demo_ca::DEMO_LABEL
            )];
            warnings.extend(parsed.warnings.iter().map(ToString::to_string));
            LoadedChain::from_certs(&parsed.certs, warnings, now_unix())?
        }
        (ChainSource::DemoCa, None) => return Err(CertProvError::NoStateDir),
    };
    let acceptor = match (config.https_listen, &config.tls, &demo) {
        (None, _, _) => None,
        (Some(_), TlsSource::Files { cert, key }, _) => Some(tls::acceptor_from_files(cert, key)?),
        (Some(_), TlsSource::DemoCa, Some((dir, root))) => {
            let server = demo_server(dir, root, &config.web_fqdn)?;
            let name = dir.join("demo-server");
            Some(tls::acceptor(
                server.cert_pem.as_bytes(),
                &name,
                server.key_pem.as_bytes(),
                &name,
            )?)
        }
        (Some(_), TlsSource::DemoCa, None) => return Err(CertProvError::NoStateDir),
    };
    Ok((loaded, acceptor))
}
