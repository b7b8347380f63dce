//! The services `demo` runs on loopback: the DHCPINFORM responder, the certificate
//! provisioning service (HTTP and HTTPS, demo CA) and a registrar TLS listener standing in
//! for a Lync pool's SIP port. Every port is ephemeral, so no root and no clash.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use ucprov_certprov::state::{demo_root, demo_server};
use ucprov_certprov::{CertProv, CertProvConfig, ChainSource, TlsSource};
use ucprov_responder::config::Config;
use ucprov_responder::policy::Policy;
use ucprov_responder::server::Responder;
use ucprov_responder::state::{interface_index, State};
use ucprov_wire::profile::Provisioning;

use crate::exit::{CliError, CliResult};

pub const WEB_FQDN: &str = "ucprov-demo.test";
pub const SIP_FQDN: &str = "sip.ucprov-demo.test";

/// Where everything listens, for the walk-through and the probe's config.
pub struct Addresses {
    pub dhcp: SocketAddr,
    pub client_port: u16,
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub registrar: SocketAddr,
}

pub struct Services {
    pub addresses: Addresses,
    stop: watch::Sender<bool>,
    tasks: JoinSet<Result<(), String>>,
}

fn stopped(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// A free loopback UDP port for the probe's replies. The responder sends replies to a fixed
/// client port, so the port is chosen here and handed to both sides.
fn free_udp_port() -> CliResult<u16> {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .map_err(|e| CliError::env(format!("no free UDP port on 127.0.0.1: {e}")))
}

fn tls_acceptor(cert_pem: &str, key_pem: &str) -> CliResult<TlsAcceptor> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::env(format!("registrar certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| CliError::env(format!("registrar key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::env(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| CliError::env(format!("registrar TLS: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accept TLS handshakes until stopped; a SIP client would speak after the handshake, the
/// probe only needs the certificate.
async fn registrar(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    tokio::pin!(stop);
    loop {
        let (tcp, _) = tokio::select! {
            () = &mut stop => return Ok(()),
            a = listener.accept() => a.map_err(|e| format!("registrar accept: {e}"))?,
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // A failed handshake is the client's business (the probe reports it).
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp))
                .await;
        });
    }
}

impl Services {
    pub async fn start(state_dir: &Path) -> CliResult<Services> {
        let (stop, rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let certprov = CertProv::bind(
            CertProvConfig {
                http_listen: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
                https_listen: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
                chain: ChainSource::DemoCa,
                tls: TlsSource::DemoCa,
                web_fqdn: WEB_FQDN.to_string(),
                state_dir: Some(state_dir.to_path_buf()),
                ..CertProvConfig::default()
            },
            Arc::new(ucprov_certprov::Metrics::new()),
        )
        .await
        .map_err(|e| CliError::env(format!("certificate provisioning service: {e}")))?;
        let (Some(http), Some(https)) = (certprov.http_addr(), certprov.https_addr()) else {
            return Err(CliError::env(
                "certificate provisioning service has no listeners",
            ));
        };
        let s = stopped(&rx);
        tasks.spawn(async move { certprov.run(s).await.map_err(|e| e.to_string()) });

        let root = demo_root(state_dir).map_err(|e| CliError::env(e.to_string()))?;
        let sip = demo_server(state_dir, &root.root, SIP_FQDN)
            .map_err(|e| CliError::env(e.to_string()))?;
        let acceptor = tls_acceptor(&sip.cert_pem, &sip.key_pem)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| CliError::env(format!("registrar listener: {e}")))?;
        let registrar_addr = listener
            .local_addr()
            .map_err(|e| CliError::env(e.to_string()))?;
        tasks.spawn(registrar(listener, acceptor, stopped(&rx)));

        let client_port = free_udp_port()?;
        let mut provisioning = Provisioning::new(SIP_FQDN, Some(WEB_FQDN.to_string()));
        // Option 43 carries the HTTPS port; on loopback it is the ephemeral one.
        provisioning.profile.port = https.port();
        let mut config = Config::single_site(provisioning).map_err(CliError::invalid)?;
        config.listen.address = Ipv4Addr::LOCALHOST;
        config.listen.port = 0;
        config.client_port = client_port;
        let policy = Policy::new(config, interface_index).map_err(CliError::invalid)?;
        let responder = Responder::bind(Arc::new(State::new(policy, None)))
            .map_err(|e| CliError::env(format!("DHCP responder: {e}")))?;
        let dhcp = responder
            .local_addr()
            .map_err(|e| CliError::env(e.to_string()))?;
        let s = stopped(&rx);
        tasks.spawn(async move { responder.run(s).await.map_err(|e| e.to_string()) });

        Ok(Services {
            addresses: Addresses {
                dhcp,
                client_port,
                http,
                https,
                registrar: registrar_addr,
            },
            stop,
            tasks,
        })
    }

    /// Stop every service and wait for each; any that failed is reported.
    pub async fn stop(mut self) -> CliResult {
        let _ = self.stop.send(true);
        let mut failed = Vec::new();
        while let Some(done) = self.tasks.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failed.push(e),
                Err(e) => failed.push(format!("a service task failed: {e}")),
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(CliError::env(failed.join("; ")))
        }
    }
}
