//! CLI options of the certificate-provisioning service, for flattening into `serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use ucprov_certprov::{CertProvConfig, ChainSource, Limits, TlsSource, DEFAULT_PATH};

#[derive(Debug, Clone, Args)]
pub struct CertProvArgs {
    /// Plain-HTTP listen address of the CertProvisioningService.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:80")]
    pub certprov_listen: SocketAddr,
    /// Also serve HTTPS here (e.g. 0.0.0.0:443) so the option 43 https URL answers.
    #[arg(long, value_name = "ADDR")]
    pub certprov_https_listen: Option<SocketAddr>,
    /// Request path that returns the chain.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_PATH)]
    pub certprov_path: String,
    /// CA chain to serve: PEM, DER, PEM bundle or PKCS#7 files (repeatable). Without it
    /// the persisted "ucprov demo CA" is served.
    #[arg(long = "ca-chain", value_name = "FILE")]
    pub ca_chain: Vec<PathBuf>,
    /// HTTPS server certificate (PEM, leaf first). Without it a demo-CA certificate for
    /// --web-fqdn is used.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Web services FQDN, used for the demo HTTPS certificate.
    #[arg(long, value_name = "FQDN", default_value = "localhost")]
    pub web_fqdn: String,
    /// State directory for the demo CA [default: $XDG_STATE_HOME/ucprov or ~/.local/state/ucprov].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Most connections served at once; more wait in the accept queue.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    pub certprov_max_connections: usize,
    /// Seconds a client gets to send its request head.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().header_read_timeout.as_secs())]
    pub certprov_header_timeout: u64,
}

impl CertProvArgs {
    pub fn to_config(&self) -> CertProvConfig {
        let chain = if self.ca_chain.is_empty() {
            ChainSource::DemoCa
        } else {
            ChainSource::Files(self.ca_chain.clone())
        };
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ => TlsSource::DemoCa,
        };
        CertProvConfig {
            http_listen: Some(self.certprov_listen),
            https_listen: self.certprov_https_listen,
            path: self.certprov_path.clone(),
            chain,
            tls,
            web_fqdn: self.web_fqdn.clone(),
            state_dir: self.state_dir.clone(),
            limits: Limits {
                max_connections: self.certprov_max_connections,
                header_read_timeout: Duration::from_secs(self.certprov_header_timeout.max(1)),
                ..Limits::default()
            },
        }
    }
}
