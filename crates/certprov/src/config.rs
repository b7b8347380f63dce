use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::CertProvError;

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

/// The service's settings as the `[certprov]` table of `serve.toml` or the command-line flags
/// give them: every field optional, so flags can override the file key by key.
///
/// ```toml
/// [certprov]
/// listen = "0.0.0.0:80"                   # plain HTTP, what devices fetch
/// https_listen = "0.0.0.0:443"            # optional
/// ca_chain = ["/etc/ucprov/ca-chain.pem"]  # absent: the persisted demo CA
/// tls_cert = "/etc/ucprov/web.pem"         # with tls_key; absent: a demo-CA certificate
/// tls_key = "/etc/ucprov/web.key"
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertProvSettings {
    pub listen: Option<SocketAddr>,
    pub https_listen: Option<SocketAddr>,
    pub path: Option<String>,
    #[serde(default)]
    pub ca_chain: Vec<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub web_fqdn: Option<String>,
    pub state_dir: Option<PathBuf>,
    pub max_connections: Option<usize>,
    /// Seconds a client gets to send its request head.
    pub header_timeout: Option<u64>,
}

/// Only the `[certprov]` table; the rest of the file belongs to the DHCP responder.
#[derive(serde::Deserialize)]
struct ServeFile {
    certprov: Option<CertProvSettings>,
}

impl CertProvSettings {
    /// The `[certprov]` table of a serve configuration, `None` when it has none. Relative
    /// paths are taken relative to `base` (the configuration file's directory), so the file
    /// means the same whatever directory the service starts in.
    pub fn from_toml(text: &str, base: &std::path::Path) -> Result<Option<Self>, CertProvError> {
        let file: ServeFile =
            toml::from_str(text).map_err(|e| CertProvError::Settings(e.to_string()))?;
        let Some(mut s) = file.certprov else {
            return Ok(None);
        };
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        s.ca_chain.iter_mut().for_each(rebase);
        for p in [&mut s.tls_cert, &mut s.tls_key, &mut s.state_dir]
            .into_iter()
            .flatten()
        {
            rebase(p);
        }
        Ok(Some(s))
    }

    /// These settings with every field `over` sets taking its place (flags over the file).
    pub fn overridden_by(self, over: CertProvSettings) -> Self {
        let pair = if over.tls_cert.is_some() || over.tls_key.is_some() {
            (over.tls_cert, over.tls_key)
        } else {
            (self.tls_cert, self.tls_key)
        };
        CertProvSettings {
            listen: over.listen.or(self.listen),
            https_listen: over.https_listen.or(self.https_listen),
            path: over.path.or(self.path),
            ca_chain: if over.ca_chain.is_empty() {
                self.ca_chain
            } else {
                over.ca_chain
            },
            // The pair goes together: a certificate from one source and a key from another
            // would not match.
            tls_cert: pair.0,
            tls_key: pair.1,
            web_fqdn: over.web_fqdn.or(self.web_fqdn),
            state_dir: over.state_dir.or(self.state_dir),
            max_connections: over.max_connections.or(self.max_connections),
            header_timeout: over.header_timeout.or(self.header_timeout),
        }
    }

    /// The service configuration, defaults filled in.
    pub fn to_config(&self) -> Result<CertProvConfig, CertProvError> {
        let d = CertProvConfig::default();
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            (None, None) => TlsSource::DemoCa,
            (Some(_), None) => {
                return Err(CertProvError::Settings(
                    "certprov.tls_cert is set without certprov.tls_key: give both (they may name the same file)".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(CertProvError::Settings(
                    "certprov.tls_key is set without certprov.tls_cert: give both (they may name the same file)".into(),
                ))
            }
        };
        let path = self.path.clone().unwrap_or(d.path);
        if !path.starts_with('/') {
            return Err(CertProvError::BadPath(path));
        }
        Ok(CertProvConfig {
            http_listen: self.listen.or(d.http_listen),
            https_listen: self.https_listen,
            path,
            chain: if self.ca_chain.is_empty() {
                ChainSource::DemoCa
            } else {
                ChainSource::Files(self.ca_chain.clone())
            },
            tls,
            web_fqdn: self.web_fqdn.clone().unwrap_or(d.web_fqdn),
            state_dir: self.state_dir.clone(),
            limits: Limits {
                max_connections: self.max_connections.unwrap_or(d.limits.max_connections),
                header_read_timeout: self
                    .header_timeout
                    .map_or(d.limits.header_read_timeout, |s| {
                        Duration::from_secs(s.max(1))
                    }),
                ..d.limits
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const FILE: &str = "[default]\nsip_servers = [\"a.b\"]\n\n[certprov]\nlisten = \"127.0.0.1:8080\"\nhttps_listen = \"127.0.0.1:8443\"\nca_chain = [\"chain.pem\", \"/etc/ucprov/extra.pem\"]\ntls_cert = \"web.pem\"\ntls_key = \"web.key\"\n";

    #[test]
    fn the_table_is_read_with_paths_relative_to_the_file() {
        let s = CertProvSettings::from_toml(FILE, Path::new("/etc/ucprov"))
            .unwrap()
            .unwrap();
        assert_eq!(
            s.ca_chain,
            [
                PathBuf::from("/etc/ucprov/chain.pem"),
                PathBuf::from("/etc/ucprov/extra.pem")
            ]
        );
        let c = s.to_config().unwrap();
        assert_eq!(c.http_listen, Some(([127, 0, 0, 1], 8080).into()));
        assert_eq!(
            c.tls,
            TlsSource::Files {
                cert: "/etc/ucprov/web.pem".into(),
                key: "/etc/ucprov/web.key".into()
            }
        );
        assert_eq!(
            CertProvSettings::from_toml("[default]\n", Path::new("/")).unwrap(),
            None
        );
    }

    #[test]
    fn flags_override_the_file_key_by_key() {
        let file = CertProvSettings::from_toml(FILE, Path::new("/etc/ucprov"))
            .unwrap()
            .unwrap();
        let flags = CertProvSettings {
            listen: Some(([0, 0, 0, 0], 80).into()),
            tls_cert: Some("/other.pem".into()),
            tls_key: Some("/other.key".into()),
            ..CertProvSettings::default()
        };
        let c = file.overridden_by(flags).to_config().unwrap();
        assert_eq!(c.http_listen, Some(([0, 0, 0, 0], 80).into()));
        assert_eq!(c.https_listen, Some(([127, 0, 0, 1], 8443).into()));
        assert_eq!(
            c.tls,
            TlsSource::Files {
                cert: "/other.pem".into(),
                key: "/other.key".into()
            }
        );
        assert_eq!(
            c.chain,
            ChainSource::Files(vec![
                "/etc/ucprov/chain.pem".into(),
                "/etc/ucprov/extra.pem".into()
            ])
        );
    }

    #[test]
    fn errors_name_the_key_and_the_line() {
        let e = CertProvSettings::from_toml("[certprov]\nlisten = \"nowhere\"\n", Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("listen"), "{e}");
        let e = CertProvSettings::from_toml("[certprov]\ntls_crt = \"x\"\n", Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("tls_crt"), "{e}");
        let half = CertProvSettings {
            tls_cert: Some("a.pem".into()),
            ..CertProvSettings::default()
        };
        let e = half.to_config().unwrap_err().to_string();
        assert!(e.contains("certprov.tls_key"), "{e}");
    }
}
