//! rustls server configuration from PEM files or the demo CA. The acceptor asks a
//! [`LiveCert`] for the certificate on every handshake, so a reload that swaps the
//! certificate reaches the next handshake while connections already open keep theirs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use ucprov_pki::Cert;

use crate::load::read_capped;
use crate::CertProvError;

/// A server certificate ready for handshakes, with its leaf kept for the expiry gauge.
#[derive(Debug)]
pub(crate) struct ServedCert {
    pub key: Arc<CertifiedKey>,
    pub leaf: Cert,
    /// The file it came from (or `demo CA`), the label of its metrics.
    pub source: String,
}

/// The certificate handshakes get now; [`LiveCert::swap`] replaces it whole.
#[derive(Debug)]
pub(crate) struct LiveCert(RwLock<Arc<ServedCert>>);

impl LiveCert {
    pub fn new(cert: ServedCert) -> Self {
        LiveCert(RwLock::new(Arc::new(cert)))
    }

    pub fn current(&self) -> Arc<ServedCert> {
        // A writer only ever stores a whole Arc, so a poisoned lock still holds a good one.
        match self.0.read() {
            Ok(c) => Arc::clone(&c),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    pub fn swap(&self, cert: ServedCert) {
        let new = Arc::new(cert);
        match self.0.write() {
            Ok(mut slot) => *slot = new,
            Err(p) => *p.into_inner() = new,
        }
    }
}

impl ResolvesServerCert for LiveCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.current().key))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // `ring` so the tree carries one crypto backend.
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Check a certificate PEM (leaf first, intermediates after) and a key PEM, and pair them.
pub(crate) fn served_cert(
    cert_pem: &[u8],
    cert_name: &Path,
    key_pem: &[u8],
    key_name: &Path,
    source: String,
) -> Result<ServedCert, CertProvError> {
    let cert_err = |detail: String| CertProvError::TlsCert {
        path: cert_name.to_path_buf(),
        detail,
    };
    let parsed = ucprov_pki::parse(cert_pem, &cert_name.display().to_string())
        .map_err(|e| cert_err(e.to_string()))?;
    let Some(leaf) = parsed.certs.first().cloned() else {
        return Err(cert_err(
            "holds no certificate; expected a PEM certificate, leaf first".into(),
        ));
    };
    let certs: Vec<CertificateDer<'static>> = parsed
        .certs
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| CertProvError::TlsKey {
        path: key_name.to_path_buf(),
        detail: format!("{e}; expected a PEM PKCS#8, PKCS#1 or SEC1 private key"),
    })?;
    let key = CertifiedKey::from_der(certs, key, &provider()).map_err(|e| {
        CertProvError::Tls(format!(
            "{} and {}: certificate and key do not match or are unusable: {e}",
            cert_name.display(),
            key_name.display()
        ))
    })?;
    Ok(ServedCert {
        key: Arc::new(key),
        leaf,
        source,
    })
}

pub(crate) fn served_cert_from_files(
    cert: &PathBuf,
    key: &PathBuf,
) -> Result<ServedCert, CertProvError> {
    let source = cert.display().to_string();
    served_cert(&read_capped(cert)?, cert, &read_capped(key)?, key, source)
}

/// An acceptor whose every handshake takes `live`'s certificate of the moment.
pub(crate) fn acceptor(live: Arc<LiveCert>) -> Result<TlsAcceptor, CertProvError> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| CertProvError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(live);
    Ok(TlsAcceptor::from(Arc::new(config)))
}
