//! What `cert inspect` shows for one certificate. Thumbprints are over the certificate
//! DER, upper-case hex without separators: the form Windows' certificate dialog and
//! `certutil` show, so operators can compare them by eye.

use der::asn1::UintRef;
use der::{Decode, Reader, SliceReader};
use serde::Serialize;
use sha1::Digest;
use x509_cert::ext::pkix::BasicConstraints;

use crate::chain::days_until_expiry;
use crate::ext::{ExtendedKeyUsageInfo, KeyUsageInfo, San, UsageWarning};
use crate::verify::{P256, P384};
use crate::Cert;

const RSA: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P521: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.101.112");

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    /// Serial as upper-case hex of its DER integer bytes.
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// Negative once expired.
    pub expires_in_days: i64,
    /// From basicConstraints; `false` when the extension is absent.
    pub is_ca: bool,
    pub path_len: Option<u8>,
    pub key_type: String,
    pub key_bits: Option<u32>,
    pub self_issued: bool,
    pub sha1: String,
    pub sha256: String,
    /// Every subjectAltName entry in certificate order; empty when the extension is absent.
    pub subject_alt_names: Vec<San>,
    /// `None` when the extension is absent (which TLS reads as "any purpose").
    pub extended_key_usage: Option<ExtendedKeyUsageInfo>,
    /// `None` when the extension is absent.
    pub key_usage: Option<KeyUsageInfo>,
    /// Extensions present but undecodable; they are not shown above as if absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension_problems: Vec<String>,
    /// What this certificate's usage means for a TLS server chain (see [`crate::ext`]).
    pub tls_server_warnings: Vec<UsageWarning>,
}

pub fn summarize(cert: &Cert, now_unix: i64) -> CertSummary {
    let tbs = &cert.x509().tbs_certificate;
    let (is_ca, path_len) = basic_constraints(cert);
    let (key_type, key_bits) = key_info(cert);
    let usage = crate::ext::decode(cert);
    let subject = cert.subject();
    let self_issued = cert.is_self_issued();
    let tls_server_warnings = crate::ext::tls_server_warnings(&subject, is_ca, self_issued, &usage);
    CertSummary {
        subject,
        issuer: cert.issuer(),
        serial: hex_upper(tbs.serial_number.as_bytes()),
        not_before: tbs.validity.not_before.to_string(),
        not_after: tbs.validity.not_after.to_string(),
        expires_in_days: days_until_expiry(cert, now_unix),
        is_ca,
        path_len,
        key_type,
        key_bits,
        self_issued,
        sha1: hex_upper(&sha1::Sha1::digest(cert.der())),
        sha256: hex_upper(&sha2::Sha256::digest(cert.der())),
        subject_alt_names: usage.subject_alt_names,
        extended_key_usage: usage.extended_key_usage,
        key_usage: usage.key_usage,
        extension_problems: usage.problems,
        tls_server_warnings,
    }
}

pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn basic_constraints(cert: &Cert) -> (bool, Option<u8>) {
    let exts = cert
        .x509()
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or(&[]);
    exts.iter()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .map_or((false, None), |bc| (bc.ca, bc.path_len_constraint))
}

fn key_info(cert: &Cert) -> (String, Option<u32>) {
    let spki = &cert.x509().tbs_certificate.subject_public_key_info;
    let alg = spki.algorithm.oid;
    let key = spki.subject_public_key.raw_bytes();
    if alg == RSA {
        return ("RSA".to_owned(), rsa_modulus_bits(key));
    }
    if alg == ED25519 {
        return ("Ed25519".to_owned(), Some(256));
    }
    if alg == EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok());
        return match curve {
            Some(c) if c == P256 => ("EC P-256".to_owned(), Some(256)),
            Some(c) if c == P384 => ("EC P-384".to_owned(), Some(384)),
            Some(c) if c == P521 => ("EC P-521".to_owned(), Some(521)),
            Some(c) => (format!("EC curve {c}"), None),
            None => ("EC (unnamed curve)".to_owned(), None),
        };
    }
    (format!("unknown ({alg})"), None)
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
fn rsa_modulus_bits(key: &[u8]) -> Option<u32> {
    let mut reader = SliceReader::new(key).ok()?;
    let modulus = reader
        .sequence(|r| {
            let n = UintRef::decode(r)?;
            let _e = UintRef::decode(r)?;
            Ok(n)
        })
        .ok()?;
    let bytes = modulus.as_bytes();
    let first = *bytes.first()?;
    let len = u32::try_from(bytes.len()).ok()?;
    Some((len - 1) * 8 + (8 - first.leading_zeros()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    type R = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn summarizes_ca_and_leaf() -> R {
        let c = testkit::chain("s")?;
        let root = crate::parse(c.root.cert_pem.as_bytes(), "r")?
            .certs
            .remove(0);
        let leaf = crate::parse(c.leaf.cert_pem.as_bytes(), "l")?
            .certs
            .remove(0);
        let s = summarize(&root, 0);
        assert!(s.is_ca && s.self_issued);
        assert_eq!(s.subject, "CN=Test Root s,O=ucprov tests,C=US");
        assert_eq!(s.subject, s.issuer);
        assert_eq!((s.key_type.as_str(), s.key_bits), ("EC P-256", Some(256)));
        assert_eq!(s.sha1.len(), 40);
        assert_eq!(s.sha256.len(), 64);
        assert!(s
            .sha1
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        let l = summarize(&leaf, 0);
        assert!(!l.is_ca && !l.self_issued);
        assert_eq!(l.issuer, "CN=Test Issuing CA s,O=ucprov tests,C=US");
        Ok(())
    }

    #[test]
    fn testkit_chain_usage() -> R {
        let c = testkit::chain("u")?;
        let root = crate::parse(c.root.cert_pem.as_bytes(), "r")?
            .certs
            .remove(0);
        let leaf = crate::parse(c.leaf.cert_pem.as_bytes(), "l")?
            .certs
            .remove(0);
        let r = summarize(&root, 0);
        assert!(r.subject_alt_names.is_empty() && r.extended_key_usage.is_none());
        let ku = r.key_usage.as_ref().ok_or("root has keyUsage")?;
        assert_eq!(ku.usages, ["keyCertSign", "cRLSign"]);
        assert!(r.tls_server_warnings.is_empty());
        let l = summarize(&leaf, 0);
        assert_eq!(
            l.subject_alt_names,
            [crate::San::dns("leaf-u.example.test")]
        );
        assert!(
            l.tls_server_warnings.is_empty(),
            "no EKU, no KU: nothing enforced"
        );
        Ok(())
    }

    #[test]
    fn expires_in_days_counts_down() -> R {
        let c = testkit::chain("d")?;
        let root = crate::parse(c.root.cert_pem.as_bytes(), "r")?
            .certs
            .remove(0);
        let at_zero = summarize(&root, 0).expires_in_days;
        assert_eq!(summarize(&root, 86_400).expires_in_days, at_zero - 1);
        Ok(())
    }

    #[test]
    fn rsa_modulus_bits_from_der() {
        // SEQUENCE { INTEGER (257 bytes: 0x00 then 0x80..), INTEGER 65537 }
        let mut der = vec![0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0x80];
        der.extend([0x11; 255]);
        der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        assert_eq!(rsa_modulus_bits(&der), Some(2048));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x00]), None);
    }

    #[test]
    fn hex_is_upper_and_unseparated() {
        assert_eq!(hex_upper(&[0x0a, 0xff, 0x00]), "0AFF00");
    }
}
