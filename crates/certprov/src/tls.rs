//! rustls server configuration from PEM files or the demo CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::load::read_capped;
use crate::CertProvError;

/// Build an acceptor from a certificate PEM (leaf first, intermediates after) and a key
/// PEM. `ring` is the provider so the tree carries one crypto backend.
pub(crate) fn acceptor(
    cert_pem: &[u8],
    cert_name: &Path,
    key_pem: &[u8],
    key_name: &Path,
) -> Result<TlsAcceptor, CertProvError> {
    let parsed = ucprov_pki::parse(cert_pem, &cert_name.display().to_string()).map_err(|e| {
        CertProvError::TlsCert {
            path: cert_name.to_path_buf(),
            detail: e.to_string(),
        }
    })?;
    let certs: Vec<CertificateDer<'static>> = parsed
        .certs
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| CertProvError::TlsKey {
        path: key_name.to_path_buf(),
        detail: format!("{e}; expected a PEM PKCS#8, PKCS#1 or SEC1 private key"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CertProvError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            CertProvError::Tls(format!(
                "certificate and key do not match or are unusable: {e}"
            ))
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

pub(crate) fn acceptor_from_files(
    cert: &PathBuf,
    key: &PathBuf,
) -> Result<TlsAcceptor, CertProvError> {
    acceptor(&read_capped(cert)?, cert, &read_capped(key)?, key)
}
