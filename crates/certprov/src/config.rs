use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Where Lync / Skype for Business devices look for the chain.
pub const DEFAULT_PATH: &str = "/CertProv/CertProvisioningService.svc";

/// The 200 body is base64 text of a DER PKCS#7, so it is labelled as text.
/// `application/pkcs7-mime` over HTTP denotes *binary* DER (RFC 5273, RFC 2585 use it that
/// way), so putting it on base64 would mislead browsers, `curl -o x.p7c` and openssl;
/// devices read the body regardless of the type. `us-ascii` because base64 is pure ASCII.
pub const CONTENT_TYPE: &str = "text/plain; charset=us-ascii";

/// Which certificates to serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainSource {
    /// PEM, DER, PEM bundle or PKCS#7 files; their certificates are merged and ordered.
    Files(Vec<PathBuf>),
    /// The persisted "ucprov demo CA" root, created in the state directory if absent.
    DemoCa,
}

/// The HTTPS listener's server certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsSource {
    /// PEM certificate (optionally followed by intermediates) and PEM private key. Both
    /// may name the same file.
    Files { cert: PathBuf, key: PathBuf },
    /// A server certificate for `web_fqdn` signed by the demo CA, persisted in the state dir.
    DemoCa,
}

/// Bounds that keep one client from stalling or exhausting the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Request line plus headers; larger gets 431 and the connection closes. Values below
    /// 8192 are raised to 8192, hyper's smallest read buffer.
    pub max_header_bytes: usize,
    /// POST bodies are read (devices may send one) but never used; larger gets 413.
    pub max_body_bytes: usize,
    /// From accepting (or the end of the TLS handshake) until the full request head has
    /// arrived. Idle and slowloris connections are dropped after this.
    pub header_read_timeout: Duration,
    pub tls_handshake_timeout: Duration,
    /// Hard cap on one connection's whole life, covering slow bodies and slow readers.
    pub connection_timeout: Duration,
    /// Connections being served at once. Beyond it new connections wait in the kernel's
    /// accept queue until a slot frees, which the timeouts above guarantee happens.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_bytes: 16 * 1024,
            max_body_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            connection_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertProvConfig {
    /// Plain HTTP listener; `None` disables it. Default `0.0.0.0:80`.
    pub http_listen: Option<SocketAddr>,
    /// Optional HTTPS listener (the `https://…:443/…` URL from option 43).
    pub https_listen: Option<SocketAddr>,
    /// Request path that returns the chain; matched ASCII case-insensitively like IIS.
    pub path: String,
    pub chain: ChainSource,
    pub tls: TlsSource,
    /// DNS name for the demo server certificate.
    pub web_fqdn: String,
    /// Explicit state directory; `None` means XDG (see [`crate::state::default_state_dir`]).
    pub state_dir: Option<PathBuf>,
    pub limits: Limits,
}

impl Default for CertProvConfig {
    fn default() -> Self {
        Self {
            http_listen: Some(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 80))),
            https_listen: None,
            path: DEFAULT_PATH.to_owned(),
            chain: ChainSource::DemoCa,
            tls: TlsSource::DemoCa,
            web_fqdn: "localhost".to_owned(),
            state_dir: None,
            limits: Limits::default(),
        }
    }
}
