//! Step 4: TLS to the option 43 HTTPS URL and to each option 120 registrar, trusting ONLY
//! the root downloaded in step 3, exactly as a freshly provisioned device does. Failures are
//! told apart: not reachable, not chained to that root, or the wrong name.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
    SignatureScheme,
};
use serde::Serialize;
use ucprov_pki::{check_cert_host, summarize, Cert, CertSummary, NameCheck};

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
    /// Subjects of the certificates the server sent, its own first, with the server's
    /// subject alternative names, extended key usage and key usage and the name check.
    pub presented: Vec<String>,
    /// The server's own certificate, as `cert inspect` shows it (also when the handshake
    /// failed on it: the verifier records what it was shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<CertSummary>,
    /// The host name against the server certificate's SANs (`ucprov_pki::hostname`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_check: Option<NameCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// A client config whose only trust anchor is `root_der`. Verification is rustls' own
/// webpki verifier, unchanged; it is wrapped only to record the chain it was shown.
pub fn client_config(root_der: &[u8]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(root_der.to_vec()))
        .map_err(|e| format!("the downloaded root cannot be a trust anchor: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|e| format!("the downloaded root cannot be a trust anchor: {e}"))?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Recording { inner }))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

thread_local! {
    /// The chain the verifier was last shown on this thread. rustls keeps the peer's
    /// certificates only after they verified; to name the SANs of a rejected certificate
    /// `check` reads them here. The verifier runs inside `complete_io`, on the calling
    /// thread, so each `check` sees its own handshake's chain.
    static SHOWN: RefCell<Option<Vec<CertificateDer<'static>>>> = const { RefCell::new(None) };
}

/// rustls' webpki verifier, recording the chain before deciding on it.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        SHOWN.with(|s| *s.borrow_mut() = Some(chain));
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Fill `presented`, `server_certificate` and `name_check` from the chain the server sent:
/// rustls' record after a verified handshake, the verifier's otherwise.
fn record_presented(out: &mut TlsCheck, conn: &ClientConnection) {
    let shown = SHOWN.with(|s| s.borrow_mut().take());
    let chain: Vec<CertificateDer<'static>> = match conn.peer_certificates() {
        Some(certs) => certs.iter().map(|c| c.clone().into_owned()).collect(),
        None => shown.unwrap_or_default(),
    };
    let now = now_unix();
    for (i, der) in chain.iter().enumerate() {
        let cert = match Cert::from_der(der.as_ref(), "peer") {
            Ok(cert) => cert,
            Err(e) => {
                out.presented.push(format!("undecodable certificate: {e}"));
                continue;
            }
        };
        let s = summarize(&cert, now);
        let mut line = format!("{} (issuer {})", s.subject, s.issuer);
        if i == 0 {
            let sans: Vec<String> = s
                .subject_alt_names
                .iter()
                .map(ToString::to_string)
                .collect();
            line.push_str(&if sans.is_empty() {
                "; no SAN".to_owned()
            } else {
                format!("; SAN {}", sans.join(", "))
            });
        }
        match &s.extended_key_usage {
            Some(e) => {
                let p: Vec<String> = e.purposes.iter().map(ToString::to_string).collect();
                line.push_str(&format!("; EKU {}", p.join(", ")));
            }
            None if i == 0 => line.push_str("; no EKU (any purpose)"),
            None => {}
        }
        if i == 0 {
            match &s.key_usage {
                Some(k) => line.push_str(&format!("; KU {}", k.usages.join(", "))),
                None => line.push_str("; no KU"),
            }
            let check = check_cert_host(&cert, &out.target.host);
            line.push_str(&format!("; {check}"));
            out.name_check = Some(check);
        }
        for w in &s.tls_server_warnings {
            line.push_str(&format!("; WARNING {w}"));
        }
        out.presented.push(line);
        if i == 0 {
            out.server_certificate = Some(s);
        }
    }
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
        server_certificate: None,
        name_check: None,
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
    SHOWN.with(|s| s.borrow_mut().take());
    while tls.is_handshaking() {
        if let Err(e) = tls.complete_io(&mut tcp) {
            record_presented(&mut out, &tls);
            out.problem = Some(classify(&at, &t, &e, out.name_check.as_ref()));
            return out;
        }
    }
    record_presented(&mut out, &tls);
    out.protocol = tls.protocol_version().map(|v| format!("{v:?}"));
    out.ok = true;
    out
}

fn classify(at: &str, t: &TlsTarget, e: &std::io::Error, names: Option<&NameCheck>) -> Problem {
    let tls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match tls_error {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => Problem::new(
            Failure::TlsNameMismatch,
            match names {
                Some(n) => format!("{at}: the certificate chains to the root but is not valid for {}: {n}", t.host),
                None => format!("{at}: the certificate chains to the root but is not valid for {}: {}", t.host, e),
            },
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
        Some(rustls::Error::InvalidCertificate(
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
        )) => Problem::new(
            Failure::TlsNotChained,
            format!("{at}: a certificate of the chain has an extendedKeyUsage without serverAuth, so it may not authenticate a TLS server ({e}); the device will refuse it"),
            "reissue the server certificate (and any intermediate with an extendedKeyUsage) with serverAuth (1.3.6.1.5.5.7.3.1) in its extended key usage",
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

#[cfg(test)]
mod cert_name_tests {
    //! The host-name check and certificate reporting against a real rustls server on
    //! loopback, with chains from the pki testkit.
    use super::*;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::PrivateKeyDer;
    use ucprov_pki::testkit::rcgen::{
        CertificateParams, ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku,
    };
    use ucprov_pki::testkit::{chain_with_leaf, TestChain};

    type R = Result<(), Box<dyn std::error::Error>>;

    fn pem_der(pem: &str) -> Result<CertificateDer<'static>, Box<dyn std::error::Error>> {
        Ok(CertificateDer::from_pem_slice(pem.as_bytes())?)
    }

    /// A TLS server on 127.0.0.1 that sends leaf + intermediate and serves handshakes
    /// until the test ends.
    fn serve(c: &TestChain) -> Result<u16, Box<dyn std::error::Error>> {
        let certs = vec![
            pem_der(&c.leaf.cert_pem)?,
            pem_der(&c.intermediate.cert_pem)?,
        ];
        let key = PrivateKeyDer::from_pem_slice(c.leaf.key_pem.as_bytes())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(certs, key)?,
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        std::thread::spawn(move || {
            for mut tcp in listener.incoming().flatten() {
                if let Ok(mut conn) = rustls::ServerConnection::new(Arc::clone(&config)) {
                    while conn.is_handshaking() {
                        if conn.complete_io(&mut tcp).is_err() {
                            break;
                        }
                    }
                    let _ = conn.complete_io(&mut tcp);
                }
            }
        });
        Ok(port)
    }

    fn probe(c: &TestChain, host: &str, port: u16) -> Result<TlsCheck, Box<dyn std::error::Error>> {
        let root = pem_der(&c.root.cert_pem)?;
        let config = client_config(root.as_ref())?;
        let resolve = ResolveMap::new(vec![format!("{host}:127.0.0.1").parse()?]);
        let target = TlsTarget {
            role: "web services (option 43)".into(),
            host: host.into(),
            port,
        };
        Ok(check(target, &config, &resolve, Duration::from_secs(5)))
    }

    fn leaf(names: &[&str]) -> Result<CertificateParams, Box<dyn std::error::Error>> {
        let mut p =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())?;
        p.extended_key_usages = vec![Eku::ServerAuth, Eku::ClientAuth];
        p.key_usages = vec![Ku::DigitalSignature, Ku::KeyEncipherment];
        Ok(p)
    }

    #[test]
    fn pass_names_the_san_that_matched_and_shows_usage() -> R {
        let c = chain_with_leaf("pass", leaf(&["web.contoso.test", "*.pool.contoso.test"])?)?;
        let port = serve(&c)?;
        let r = probe(&c, "fe1.pool.contoso.test", port)?;
        assert!(r.ok, "{:?}", r.problem);
        let line = &r.presented[0];
        assert!(
            line.contains("SAN DNS:web.contoso.test, DNS:*.pool.contoso.test"),
            "{line}"
        );
        assert!(line.contains("EKU serverAuth, clientAuth"), "{line}");
        assert!(
            line.contains("KU digitalSignature, keyEncipherment"),
            "{line}"
        );
        assert!(
            line.contains("fe1.pool.contoso.test matches SAN DNS:*.pool.contoso.test"),
            "{line}"
        );
        assert!(r.name_check.as_ref().is_some_and(NameCheck::is_match));
        assert_eq!(
            r.presented.len(),
            2,
            "leaf and intermediate: {:?}",
            r.presented
        );
        Ok(())
    }

    #[test]
    fn mismatch_names_the_sans_offered() -> R {
        let c = chain_with_leaf("mm", leaf(&["web.contoso.test", "*.pool.contoso.test"])?)?;
        let port = serve(&c)?;
        // Not across dots: rustls and the pki rule agree.
        let r = probe(&c, "a.b.pool.contoso.test", port)?;
        assert!(!r.ok);
        let p = r.problem.as_ref().ok_or("no problem")?;
        assert_eq!(p.kind, Failure::TlsNameMismatch, "{p:?}");
        assert!(
            p.message.contains("a.b.pool.contoso.test matches none of the SANs offered (DNS:web.contoso.test, DNS:*.pool.contoso.test)"),
            "{}",
            p.message
        );
        assert!(
            !r.presented.is_empty(),
            "the rejected chain is still reported"
        );
        assert!(r.server_certificate.is_some());
        Ok(())
    }

    #[test]
    fn eku_without_server_auth_is_named() -> R {
        let mut p = leaf(&["web.contoso.test"])?;
        p.extended_key_usages = vec![Eku::ClientAuth];
        let c = chain_with_leaf("eku", p)?;
        let port = serve(&c)?;
        let r = probe(&c, "web.contoso.test", port)?;
        let problem = r
            .problem
            .as_ref()
            .ok_or("rustls must refuse a clientAuth-only server")?;
        assert_eq!(problem.kind, Failure::TlsNotChained);
        assert!(
            problem.message.contains("without serverAuth"),
            "{}",
            problem.message
        );
        assert!(r.presented[0].contains("WARNING"), "{}", r.presented[0]);
        Ok(())
    }
}
