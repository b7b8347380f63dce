//! The embedded demo CA: a self-signed root labelled "ucprov demo CA" and server
//! certificates signed by it. Everything comes back as PEM for the caller to persist;
//! this module never touches the file system.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use crate::PkiError;

/// Text in every demo subject so nobody mistakes it for a production CA.
pub const DEMO_LABEL: &str = "ucprov demo CA";
const ROOT_VALIDITY_DAYS: i64 = 3650;
const SERVER_VALIDITY_DAYS: i64 = 825;

/// A certificate and its private key, both PEM.
#[derive(Clone)]
pub struct PemPair {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for PemPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemPair")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The root's name and key-id method must be identical every time the issuer is rebuilt
/// from a persisted key, or server certificates would name an issuer that does not exist.
fn root_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    // Pushed most general first, so RFC 4514 output reads "CN=ucprov demo CA,O=...".
    dn.push(
        DnType::OrganizationName,
        "ucprov demo CA - not for production",
    );
    dn.push(DnType::CommonName, DEMO_LABEL);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn random_serial() -> Result<rcgen::SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| PkiError::Generate("system RNG unavailable".to_owned()))?;
    // Positive INTEGER without a leading zero byte keeps every serial 16 bytes long.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(rcgen::SerialNumber::from_slice(&bytes))
}

fn gen_err(e: rcgen::Error) -> PkiError {
    PkiError::Generate(e.to_string())
}

/// Create a new demo root CA (ECDSA P-256, 10 years).
pub fn generate_root() -> Result<PemPair, PkiError> {
    let key = KeyPair::generate().map_err(gen_err)?;
    let mut params = root_params();
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(ROOT_VALIDITY_DAYS);
    params.serial_number = Some(random_serial()?);
    let cert = params.self_signed(&key).map_err(gen_err)?;
    Ok(PemPair {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Issue a TLS server certificate for `dns_names` (first one becomes the CN) signed by
/// the demo root whose key is `root_key_pem`.
pub fn issue_server(root_key_pem: &str, dns_names: &[String]) -> Result<PemPair, PkiError> {
    let root_key = KeyPair::from_pem(root_key_pem).map_err(|e| PkiError::DemoCaKey {
        detail: e.to_string(),
    })?;
    let issuer = Issuer::new(root_params(), root_key);
    let mut params = CertificateParams::new(dns_names.to_vec()).map_err(gen_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, format!("issued by {DEMO_LABEL}"));
    dn.push(
        DnType::CommonName,
        dns_names.first().map_or("localhost", String::as_str),
    );
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(SERVER_VALIDITY_DAYS);
    params.serial_number = Some(random_serial()?);
    let key = KeyPair::generate().map_err(gen_err)?;
    let cert = params.signed_by(&key, &issuer).map_err(gen_err)?;
    Ok(PemPair {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::OrderedChain;

    type R = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn demo_root_is_labelled_and_self_signed() -> R {
        let root = generate_root()?;
        let cert = crate::parse(root.cert_pem.as_bytes(), "demo")?
            .certs
            .remove(0);
        assert!(cert.subject().contains(DEMO_LABEL));
        let chain = OrderedChain::build(&[cert], 0)?;
        assert_eq!(chain.certs().len(), 1);
        assert!(!format!("{root:?}").contains("PRIVATE KEY"));
        Ok(())
    }

    #[test]
    fn server_cert_from_reloaded_key_links_to_root() -> R {
        let root = generate_root()?;
        let names = vec!["web.example.test".to_owned()];
        let server = issue_server(&root.key_pem, &names)?;
        let server_again = issue_server(&root.key_pem, &names)?;
        for s in [&server, &server_again] {
            let certs: Vec<_> = [&s.cert_pem, &root.cert_pem]
                .iter()
                .map(|p| crate::parse(p.as_bytes(), "x").map(|mut p| p.certs.remove(0)))
                .collect::<Result<_, _>>()?;
            let chain = OrderedChain::build(&certs, 0)?;
            assert!(chain.certs()[0].subject().contains(DEMO_LABEL));
            assert!(chain.certs()[0]
                .subject()
                .starts_with("CN=web.example.test"));
        }
        assert_ne!(server.cert_pem, server_again.cert_pem);
        Ok(())
    }

    #[test]
    fn bad_root_key_is_actionable_error() {
        let err = issue_server("not a key", &["a".to_owned()]);
        assert!(matches!(err, Err(PkiError::DemoCaKey { .. })));
    }
}
