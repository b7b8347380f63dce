//! Certs-only PKCS#7 (CMS SignedData with no signers): build and parse.
//!
//! Built without the `crls` field, the same shape as `openssl crl2pkcs7 -nocrl`; the
//! certificate SET is DER-sorted, so compare outputs by certificate set, never by bytes.

use base64::Engine;
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerInfos};
use const_oid::db::rfc5911::{ID_DATA, ID_SIGNED_DATA};
use der::asn1::SetOfVec;
use der::{Any, Decode, Encode};

use crate::{Cert, PkiError};

/// DER ContentInfo(SignedData) carrying `certs`.
pub fn build_der(certs: &[Cert]) -> Result<Vec<u8>, PkiError> {
    let enc = |detail: der::Error| PkiError::Encode {
        what: "PKCS#7".to_owned(),
        detail: detail.to_string(),
    };
    let choices: Vec<CertificateChoices> = certs
        .iter()
        .map(|c| CertificateChoices::Certificate(c.x509().clone()))
        .collect();
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::default(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(choices).map_err(enc)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::default()),
    };
    let content = Any::from_der(&signed.to_der().map_err(enc)?).map_err(enc)?;
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content,
    }
    .to_der()
    .map_err(enc)
}

/// Base64 of [`build_der`], one line without breaks: the form .NET's
/// `Convert.ToBase64String` produces, which is what the Lync service's clients expect.
pub fn build_base64(certs: &[Cert]) -> Result<String, PkiError> {
    Ok(base64::engine::general_purpose::STANDARD.encode(build_der(certs)?))
}

/// Certificates from a DER ContentInfo(SignedData). Non-X.509 certificate choices
/// (attribute certificates) are skipped since they cannot be part of a CA chain.
pub fn parse_der(der: &[u8], source_name: &str) -> Result<Vec<Cert>, PkiError> {
    let der_err = |what: &str, e: der::Error| PkiError::Der {
        source_name: source_name.to_owned(),
        what: what.to_owned(),
        detail: e.to_string(),
    };
    crate::bounds::check(der, "PKCS#7", source_name)?;
    let info = ContentInfo::from_der(der).map_err(|e| der_err("PKCS#7 ContentInfo", e))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(PkiError::NotSignedData {
            source_name: source_name.to_owned(),
            oid: info.content_type.to_string(),
        });
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| der_err("PKCS#7 SignedData", e))?;
    let mut certs = Vec::new();
    for choice in signed
        .certificates
        .map(|s| s.0.into_vec())
        .unwrap_or_default()
    {
        if let CertificateChoices::Certificate(c) = choice {
            certs.push(Cert::from_parsed(c, source_name)?);
        }
    }
    if certs.is_empty() {
        return Err(PkiError::NoCertificates {
            source_name: source_name.to_owned(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;
    use std::collections::BTreeSet;

    type R = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn round_trip_preserves_certificate_set() -> R {
        let c = testkit::chain("p")?;
        let certs: Vec<Cert> = [&c.leaf, &c.intermediate, &c.root]
            .iter()
            .map(|p| crate::parse(p.cert_pem.as_bytes(), "x").map(|mut p| p.certs.remove(0)))
            .collect::<Result<_, _>>()?;
        let back = parse_der(&build_der(&certs)?, "p7")?;
        let set = |v: &[Cert]| v.iter().map(|c| c.der().to_vec()).collect::<BTreeSet<_>>();
        assert_eq!(set(&certs), set(&back));
        assert_eq!(back.len(), 3);
        Ok(())
    }

    #[test]
    fn base64_is_single_line() -> R {
        let c = testkit::chain("q")?;
        let cert = crate::parse(c.root.cert_pem.as_bytes(), "x")?
            .certs
            .remove(0);
        let b64 = build_base64(&[cert])?;
        assert!(!b64.contains('\n') && !b64.is_empty());
        Ok(())
    }

    #[test]
    fn signed_data_without_certificates_rejected() -> R {
        let der = build_der(&[])?;
        assert!(matches!(
            parse_der(&der, "empty"),
            Err(PkiError::NoCertificates { .. })
        ));
        Ok(())
    }
}
