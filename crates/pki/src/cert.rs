//! One parsed X.509 certificate together with its exact DER, so thumbprints and set
//! comparisons always use the bytes as received.

use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::PkiError;

/// A certificate: the DER as given plus its decoded form.
#[derive(Clone, Debug)]
pub struct Cert {
    der: Vec<u8>,
    parsed: Certificate,
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Cert {}

impl Cert {
    /// Decode one DER certificate. Trailing bytes are an error (strict DER), so a
    /// certificate followed by junk is not silently accepted.
    pub fn from_der(der: &[u8], source_name: &str) -> Result<Self, PkiError> {
        crate::bounds::check(der, "certificate", source_name)?;
        let parsed = Certificate::from_der(der).map_err(|e| PkiError::Der {
            source_name: source_name.to_owned(),
            what: "certificate".to_owned(),
            detail: e.to_string(),
        })?;
        Ok(Self {
            der: der.to_vec(),
            parsed,
        })
    }

    /// Wrap a certificate decoded from inside another structure (PKCS#7); its DER is
    /// re-encoded, which is byte-identical because the decoder only accepts DER.
    pub(crate) fn from_parsed(parsed: Certificate, source_name: &str) -> Result<Self, PkiError> {
        let der = parsed.to_der().map_err(|e| PkiError::Der {
            source_name: source_name.to_owned(),
            what: "certificate inside PKCS#7".to_owned(),
            detail: e.to_string(),
        })?;
        Ok(Self { der, parsed })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn x509(&self) -> &Certificate {
        &self.parsed
    }

    /// DER of the subject name, for linkage by exact name match.
    pub fn subject_der(&self) -> Vec<u8> {
        self.parsed
            .tbs_certificate
            .subject
            .to_der()
            .unwrap_or_default()
    }

    /// DER of the issuer name.
    pub fn issuer_der(&self) -> Vec<u8> {
        self.parsed
            .tbs_certificate
            .issuer
            .to_der()
            .unwrap_or_default()
    }

    /// RFC 4514 string of the subject (most specific RDN first, like `openssl -nameopt RFC2253`).
    pub fn subject(&self) -> String {
        self.parsed.tbs_certificate.subject.to_string()
    }

    pub fn issuer(&self) -> String {
        self.parsed.tbs_certificate.issuer.to_string()
    }

    /// Issuer == subject. This is "self-issued"; whether the self-signature verifies is a
    /// separate check in [`crate::chain`].
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }

    /// PEM text of the certificate.
    pub fn to_pem(&self) -> String {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.der)
            .unwrap_or_default()
    }
}
