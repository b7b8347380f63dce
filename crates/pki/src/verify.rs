//! Signature check of one certificate against its issuer's public key.
//!
//! Uses `ring`, which rcgen and rustls already bring in: one audited crypto backend for
//! generation, TLS and verification, and no RustCrypto `rsa` (its RUSTSEC-2023-0071
//! timing advisory would follow the project around even though only verification is used).

use const_oid::ObjectIdentifier;
use der::Encode;
use ring::signature::{self, VerificationAlgorithm};

use crate::Cert;

const SHA1_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
pub(crate) const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VerifyFailure {
    Unsupported(String),
    BadSignature,
}

/// Verify `child`'s signature with `issuer`'s public key.
pub(crate) fn verify_signed_by(child: &Cert, issuer: &Cert) -> Result<(), VerifyFailure> {
    let cert = child.x509();
    let sig_oid = cert.signature_algorithm.oid;
    let spki = &issuer.x509().tbs_certificate.subject_public_key_info;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let alg: &dyn VerificationAlgorithm = match (sig_oid, curve) {
        (o, _) if o == SHA1_RSA => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (o, _) if o == SHA256_RSA => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (o, _) if o == SHA384_RSA => &signature::RSA_PKCS1_2048_8192_SHA384,
        (o, _) if o == SHA512_RSA => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        (o, Some(c)) if o == ECDSA_SHA256 && c == P256 => &signature::ECDSA_P256_SHA256_ASN1,
        (o, Some(c)) if o == ECDSA_SHA256 && c == P384 => &signature::ECDSA_P384_SHA256_ASN1,
        (o, Some(c)) if o == ECDSA_SHA384 && c == P256 => &signature::ECDSA_P256_SHA384_ASN1,
        (o, Some(c)) if o == ECDSA_SHA384 && c == P384 => &signature::ECDSA_P384_SHA384_ASN1,
        (o, _) if o == ED25519 => &signature::ED25519,
        (o, _) => return Err(VerifyFailure::Unsupported(o.to_string())),
    };
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| VerifyFailure::Unsupported(format!("re-encoding tbsCertificate: {e}")))?;
    let Some(sig) = cert.signature.as_bytes() else {
        return Err(VerifyFailure::BadSignature);
    };
    let Some(key) = spki.subject_public_key.as_bytes() else {
        return Err(VerifyFailure::BadSignature);
    };
    signature::UnparsedPublicKey::new(alg, key)
        .verify(&tbs, sig)
        .map_err(|_| VerifyFailure::BadSignature)
}
