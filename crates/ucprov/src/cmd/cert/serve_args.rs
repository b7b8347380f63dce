//! CLI options of the certificate-provisioning service, for flattening into `serve`. Each
//! overrides the same key of the `[certprov]` table in `serve --config`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use ucprov_certprov::CertProvSettings;

#[derive(Debug, Clone, Args)]
pub struct CertProvArgs {
    /// Plain-HTTP listen address of the CertProvisioningService [default: 0.0.0.0:80].
    /// Overrides [certprov] listen.
    #[arg(long, value_name = "ADDR")]
    pub certprov_listen: Option<SocketAddr>,
    /// Also serve HTTPS here (e.g. 0.0.0.0:443) so the option 43 https URL answers.
    /// Overrides [certprov] https_listen.
    #[arg(long, value_name = "ADDR")]
    pub certprov_https_listen: Option<SocketAddr>,
    /// Request path that returns the chain [default: /CertProv/CertProvisioningService.svc].
    /// Overrides [certprov] path.
    #[arg(long, value_name = "PATH")]
    pub certprov_path: Option<String>,
    /// CA chain to serve: PEM, DER, PEM bundle or PKCS#7 files (repeatable). Without it (and
    /// without [certprov] ca_chain) the persisted "ucprov demo CA" is served.
    #[arg(long = "ca-chain", value_name = "FILE")]
    pub ca_chain: Vec<PathBuf>,
    /// HTTPS server certificate (PEM, leaf first). Without it a demo-CA certificate for
    /// --web-fqdn is used. Overrides [certprov] tls_cert.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS private key (PEM). Overrides [certprov] tls_key.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Web services FQDN, used for the demo HTTPS certificate [default: localhost].
    /// Overrides [certprov] web_fqdn.
    #[arg(long, value_name = "FQDN")]
    pub web_fqdn: Option<String>,
    /// State directory for the demo CA [default: $XDG_STATE_HOME/ucprov or ~/.local/state/ucprov].
    /// Overrides [certprov] state_dir.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Most connections served at once; more wait in the accept queue [default: 1024].
    /// Overrides [certprov] max_connections.
    #[arg(long, value_name = "N")]
    pub certprov_max_connections: Option<usize>,
    /// Seconds a client gets to send its request head [default: 10]. Overrides
    /// [certprov] header_timeout.
    #[arg(long, value_name = "SECS")]
    pub certprov_header_timeout: Option<u64>,
}

impl CertProvArgs {
    /// The settings the flags give; unset ones leave the file's (or the default) in place.
    pub fn to_settings(&self) -> CertProvSettings {
        CertProvSettings {
            listen: self.certprov_listen,
            https_listen: self.certprov_https_listen,
            path: self.certprov_path.clone(),
            ca_chain: self.ca_chain.clone(),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            web_fqdn: self.web_fqdn.clone(),
            state_dir: self.state_dir.clone(),
            max_connections: self.certprov_max_connections,
            header_timeout: self.certprov_header_timeout,
        }
    }
}
