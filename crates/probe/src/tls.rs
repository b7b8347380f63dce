//! Step 4: TLS to the option 43 HTTPS URL and to each option 120 registrar, trusting ONLY
//! the root downloaded in step 3, exactly as a freshly provisioned device does. Failures are
//! told apart: not reachable, not chained to that root, or the wrong name.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore};
use serde::Serialize;
use ucprov_pki::{summarize, Cert};

use crate::chain::now_unix;
use crate::net::ResolveMap;
use crate::step::{Failure, Problem};

#[derive(Debug, Clone, Serialize)]
pub struct TlsTarget {
    /// "web services (option 43)" or "registrar (option 120)".
    pub role: String,
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsCheck {
    #[serde(flatten)]
    pub target: TlsTarget,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<SocketAddr>,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Subjects of the certificates the server sent, its own first.
    pub presented: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// A client config whose only trust anchor is `root_der`.
pub fn client_config(root_der: &[u8]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(root_der.to_vec()))
        .map_err(|e| format!("the downloaded root cannot be a trust anchor: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn presented(conn: &ClientConnection) -> Vec<String> {
    conn.peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| match Cert::from_der(c.as_ref(), "peer") {
            Ok(cert) => {
                let s = summarize(&cert, now_unix());
                format!("{} (issuer {})", s.subject, s.issuer)
            }
            Err(e) => format!("undecodable certificate: {e}"),
        })
        .collect()
}

/// Connect, handshake, and classify the outcome.
pub fn check(
    target: TlsTarget,
    config: &Arc<ClientConfig>,
    resolve: &ResolveMap,
    timeout: Duration,
) -> TlsCheck {
    let mut out = TlsCheck {
        target,
        address: None,
        ok: false,
        protocol: None,
        presented: Vec::new(),
        problem: None,
    };
    let t = out.target.clone();
    let at = format!("{} {}:{}", t.role, t.host, t.port);
    let unreachable = |e: String| {
        Problem::new(
            Failure::TlsUnreachable,
            format!("{at}: {e}"),
            format!(
                "make {}:{} reachable from the phone network (DNS, firewall, the service listening); for labs without DNS use --resolve {}:IP",
                t.host, t.port, t.host
            ),
        )
    };
    let name = match ServerName::try_from(t.host.clone()) {
        Ok(n) => n,
        Err(e) => {
            out.problem = Some(Problem::new(
                Failure::TlsHandshake,
                format!("{at}: {:?} is not a usable TLS server name: {e}", t.host),
                "publish a DNS name in options 43 and 120",
            ));
            return out;
        }
    };
    let conn = match resolve.connect(&t.host, t.port, timeout) {
        Ok(c) => c,
        Err(e) => {
            out.problem = Some(unreachable(e));
            return out;
        }
    };
    out.address = Some(conn.address);
    let mut tcp = conn.stream;
    if let Err(e) = tcp
        .set_read_timeout(Some(timeout))
        .and_then(|()| tcp.set_write_timeout(Some(timeout)))
    {
        out.problem = Some(unreachable(e.to_string()));
        return out;
    }
    let mut tls = match ClientConnection::new(Arc::clone(config), name) {
        Ok(c) => c,
        Err(e) => {
            out.problem = Some(Problem::new(
                Failure::TlsHandshake,
                format!("{at}: {e}"),
                "report this as a ucprov bug",
            ));
            return out;
        }
    };
    while tls.is_handshaking() {
        if let Err(e) = tls.complete_io(&mut tcp) {
            out.presented = presented(&tls);
            out.problem = Some(classify(&at, &t, &e));
            return out;
        }
    }
    out.presented = presented(&tls);
    out.protocol = tls.protocol_version().map(|v| format!("{v:?}"));
    out.ok = true;
    out
}

fn classify(at: &str, t: &TlsTarget, e: &std::io::Error) -> Problem {
    let tls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match tls_error {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => Problem::new(
            Failure::TlsNameMismatch,
            format!("{at}: the certificate chains to the root but is not valid for {}: {}", t.host, e),
            format!(
                "issue the server certificate with {} in its subject alternative names (the name the device was given in option {})",
                t.host,
                if t.role.contains("120") { "120" } else { "43" }
            ),
        ),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        )) => Problem::new(
            Failure::TlsNotChained,
            format!(
                "{at}: the certificate does not chain to the root downloaded in step 3 ({e}); the device will refuse it"
            ),
            "issue the server certificate from the CA whose chain the provisioning service serves, and send the intermediates in the TLS handshake; or serve that server's root chain",
        ),
        Some(rustls::Error::InvalidCertificate(other)) => Problem::new(
            Failure::TlsNotChained,
            format!("{at}: the certificate is not acceptable: {other:?}"),
            "renew the server certificate from the CA whose root the provisioning service serves",
        ),
        Some(other) => Problem::new(
            Failure::TlsHandshake,
            format!("{at}: TLS handshake failed: {other}"),
            "check that the port speaks TLS (5061 for SIP over TLS, the option 43 port for HTTPS) with TLS 1.2 or 1.3",
        ),
        None if matches!(
            e.kind(),
            ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
        ) => Problem::new(
            Failure::TlsHandshake,
            format!("{at}: the server did not complete a TLS handshake: {e}"),
            "check that the port speaks TLS (5061 for SIP over TLS, the option 43 port for HTTPS)",
        ),
        None => Problem::new(
            Failure::TlsUnreachable,
            format!("{at}: {e}"),
            format!("make {}:{} reachable from the phone network", t.host, t.port),
        ),
    }
}
