//! Detect and parse a certificate container: PEM (one or many blocks), DER certificate,
//! DER PKCS#7 or base64 PKCS#7 (what the CertProvisioningService returns).
//!
//! Private-key PEM blocks are recognised by label and skipped without decoding their
//! body, so key material never reaches a `Cert` or any buffer this module returns.

use base64::Engine;
use serde::Serialize;

use crate::{pkcs7, Cert, PkiError};

/// A certificate chain is a few kilobytes; anything beyond this is the wrong file, and
/// capping it keeps a hostile or mistaken input from costing memory and time.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerFormat {
    /// A single PEM `CERTIFICATE` block.
    Pem,
    /// Several PEM blocks (certificates, PKCS#7, possibly keys that were dropped).
    PemBundle,
    DerCertificate,
    DerPkcs7,
    Base64Pkcs7,
    /// Base64 of a single DER certificate (no PEM armour).
    Base64Certificate,
}

impl ContainerFormat {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Pem => "PEM certificate",
            Self::PemBundle => "PEM bundle",
            Self::DerCertificate => "DER certificate",
            Self::DerPkcs7 => "DER PKCS#7 (certs-only SignedData)",
            Self::Base64Pkcs7 => "base64 PKCS#7 (certs-only SignedData)",
            Self::Base64Certificate => "base64 DER certificate",
        }
    }
}

/// Something in the input that was deliberately not used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Warning {
    /// A private key was present and has been dropped. Serving it would hand every
    /// device on the network the CA's (or server's) secret.
    PrivateKeyDropped { source_name: String, label: String },
    /// A PEM block that is neither a certificate nor a PKCS#7 (e.g. a CSR).
    PemBlockIgnored { source_name: String, label: String },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PrivateKeyDropped { source_name, label } => write!(
                f,
                "{source_name}: contains a private key (PEM `{label}`); it was DROPPED and will never be served. Keep private keys out of the chain file"
            ),
            Self::PemBlockIgnored { source_name, label } => {
                write!(f, "{source_name}: ignored PEM block `{label}` (not a certificate)")
            }
        }
    }
}

/// The result of parsing one input.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub format: ContainerFormat,
    pub certs: Vec<Cert>,
    pub warnings: Vec<Warning>,
}

/// Parse `bytes`, detecting the container format. `source_name` (a path, URL or `-`) is
/// only used in messages.
pub fn parse(bytes: &[u8], source_name: &str) -> Result<Parsed, PkiError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(PkiError::TooLarge {
            source_name: source_name.to_owned(),
            len: bytes.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let trimmed = bytes.trim_ascii();
    if trimmed.is_empty() {
        return Err(PkiError::Empty {
            source_name: source_name.to_owned(),
        });
    }
    // DER is never trimmed: its last signature byte may well be 0x20 or 0x0a.
    let parsed = if bytes.first() == Some(&0x30) {
        parse_der(bytes, source_name, false)?
    } else if contains(trimmed, b"-----BEGIN ") {
        parse_pem(trimmed, source_name)?
    } else {
        parse_base64(trimmed, source_name)?
    };
    if parsed.certs.is_empty() {
        return Err(PkiError::NoCertificates {
            source_name: source_name.to_owned(),
        });
    }
    Ok(parsed)
}

/// A DER blob is either a certificate or a ContentInfo; both start with SEQUENCE, so try
/// the certificate first and report the PKCS#7 error only if both fail and it looks like
/// a ContentInfo (its first element is an OID).
fn parse_der(der: &[u8], source_name: &str, via_base64: bool) -> Result<Parsed, PkiError> {
    let (cert_format, p7_format) = if via_base64 {
        (
            ContainerFormat::Base64Certificate,
            ContainerFormat::Base64Pkcs7,
        )
    } else {
        (ContainerFormat::DerCertificate, ContainerFormat::DerPkcs7)
    };
    if looks_like_content_info(der) {
        let certs = pkcs7::parse_der(der, source_name)?;
        return Ok(Parsed {
            format: p7_format,
            certs,
            warnings: Vec::new(),
        });
    }
    let cert = Cert::from_der(der, source_name)?;
    Ok(Parsed {
        format: cert_format,
        certs: vec![cert],
        warnings: Vec::new(),
    })
}

/// ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, ... } whereas a Certificate
/// starts SEQUENCE { SEQUENCE (tbsCertificate) ... }. Peek past the outer header.
fn looks_like_content_info(der: &[u8]) -> bool {
    let Some(&len0) = der.get(1) else {
        return false;
    };
    let header = if len0 < 0x80 {
        2
    } else {
        2 + usize::from(len0 & 0x7f)
    };
    der.get(header) == Some(&0x06)
}

fn parse_base64(text: &[u8], source_name: &str) -> Result<Parsed, PkiError> {
    let der = decode_base64(text, source_name)?;
    if der.first() != Some(&0x30) {
        return Err(PkiError::Unrecognized {
            source_name: source_name.to_owned(),
            detail: "decodes as base64 but the result is not DER".to_owned(),
        });
    }
    parse_der(&der, source_name, true)
}

fn decode_base64(text: &[u8], source_name: &str) -> Result<Vec<u8>, PkiError> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if let Some(bad) = compact
        .iter()
        .find(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
    {
        return Err(PkiError::Unrecognized {
            source_name: source_name.to_owned(),
            detail: format!(
                "not PEM, not DER, and not base64 (byte 0x{bad:02x} is outside the base64 alphabet)"
            ),
        });
    }
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| PkiError::Base64 {
            source_name: source_name.to_owned(),
            detail: e.to_string(),
        })
}

struct PemBlock<'a> {
    label: String,
    body: &'a [u8],
}

fn parse_pem(text: &[u8], source_name: &str) -> Result<Parsed, PkiError> {
    let mut certs = Vec::new();
    let mut warnings = Vec::new();
    let mut cert_blocks = 0usize;
    for block in pem_blocks(text, source_name)? {
        let label = block.label.as_str();
        if label.contains("PRIVATE KEY") {
            warnings.push(Warning::PrivateKeyDropped {
                source_name: source_name.to_owned(),
                label: block.label.clone(),
            });
            continue;
        }
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" => {
                let der = decode_base64(pem_payload(block.body), source_name)?;
                certs.push(Cert::from_der(&der, source_name)?);
                cert_blocks += 1;
            }
            "PKCS7" | "CMS" => {
                let der = decode_base64(pem_payload(block.body), source_name)?;
                certs.extend(pkcs7::parse_der(&der, source_name)?);
                cert_blocks += 2;
            }
            _ => warnings.push(Warning::PemBlockIgnored {
                source_name: source_name.to_owned(),
                label: block.label.clone(),
            }),
        }
    }
    let format = if cert_blocks == 1 && warnings.is_empty() {
        ContainerFormat::Pem
    } else {
        ContainerFormat::PemBundle
    };
    Ok(Parsed {
        format,
        certs,
        warnings,
    })
}

/// Drop RFC 1421 style header lines (`Proc-Type: ...`) and the blank line after them.
fn pem_payload(body: &[u8]) -> &[u8] {
    match find(body, b"\n\n").or_else(|| find(body, b"\r\n\r\n")) {
        Some(pos) if contains(&body[..pos], b":") => &body[pos..],
        _ => body,
    }
}

fn pem_blocks<'a>(text: &'a [u8], source_name: &str) -> Result<Vec<PemBlock<'a>>, PkiError> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, BEGIN) {
        let after_begin = &rest[start + BEGIN.len()..];
        let Some(label_end) = find(after_begin, b"-----") else {
            return Err(PkiError::Unrecognized {
                source_name: source_name.to_owned(),
                detail: "malformed PEM BEGIN line".to_owned(),
            });
        };
        let label = String::from_utf8_lossy(&after_begin[..label_end]).into_owned();
        let body_start = &after_begin[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = find(body_start, end_marker.as_bytes()) else {
            return Err(PkiError::PemUnterminated {
                source_name: source_name.to_owned(),
                label,
            });
        };
        blocks.push(PemBlock {
            label,
            body: &body_start[..end],
        });
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(blocks)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    type R = Result<(), Box<dyn std::error::Error>>;

    fn der_of(pem: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        Ok(parse(pem.as_bytes(), "t")?.certs.remove(0).der().to_vec())
    }

    #[test]
    fn single_pem_is_pem() -> R {
        let c = testkit::chain("a")?;
        let p = parse(c.root.cert_pem.as_bytes(), "root.pem")?;
        assert_eq!(p.format, ContainerFormat::Pem);
        assert_eq!(p.certs.len(), 1);
        assert!(p.warnings.is_empty());
        Ok(())
    }

    #[test]
    fn bundle_with_key_drops_key_and_warns() -> R {
        let c = testkit::chain("b")?;
        let text = format!(
            "junk before\n{}{}{}",
            c.intermediate.cert_pem, c.root.key_pem, c.root.cert_pem
        );
        let p = parse(text.as_bytes(), "bundle.pem")?;
        assert_eq!(p.format, ContainerFormat::PemBundle);
        assert_eq!(p.certs.len(), 2);
        assert!(matches!(
            &p.warnings[..],
            [Warning::PrivateKeyDropped { label, .. }] if label == "PRIVATE KEY"
        ));
        Ok(())
    }

    #[test]
    fn der_certificate_detected() -> R {
        let c = testkit::chain("c")?;
        let der = der_of(&c.root.cert_pem)?;
        let p = parse(&der, "root.der")?;
        assert_eq!(p.format, ContainerFormat::DerCertificate);
        assert_eq!(p.certs[0].der(), &der[..]);
        Ok(())
    }

    #[test]
    fn der_ending_in_whitespace_byte_is_not_trimmed() -> R {
        // Regenerate until the signature's last byte is ASCII whitespace (about 1 in 50).
        for i in 0..2000 {
            let c = testkit::chain(&format!("ws{i}"))?;
            let der = der_of(&c.root.cert_pem)?;
            if der.last().is_some_and(u8::is_ascii_whitespace) {
                assert_eq!(parse(&der, "ws.der")?.certs[0].der(), &der[..]);
                return Ok(());
            }
        }
        Err("no certificate ending in a whitespace byte was generated".into())
    }

    #[test]
    fn der_and_base64_pkcs7_detected() -> R {
        let c = testkit::chain("d")?;
        let certs = vec![
            Cert::from_der(&der_of(&c.root.cert_pem)?, "t")?,
            Cert::from_der(&der_of(&c.intermediate.cert_pem)?, "t")?,
        ];
        let der = crate::pkcs7::build_der(&certs)?;
        let p = parse(&der, "p7b")?;
        assert_eq!(p.format, ContainerFormat::DerPkcs7);
        assert_eq!(p.certs.len(), 2);
        let b64 = crate::pkcs7::build_base64(&certs)?;
        let p = parse(format!("{b64}\r\n").as_bytes(), "body")?;
        assert_eq!(p.format, ContainerFormat::Base64Pkcs7);
        assert_eq!(p.certs.len(), 2);
        Ok(())
    }

    #[test]
    fn pem_pkcs7_block_accepted() -> R {
        let c = testkit::chain("e")?;
        let cert = Cert::from_der(&der_of(&c.root.cert_pem)?, "t")?;
        let der = crate::pkcs7::build_der(&[cert])?;
        let pem = der::pem::encode_string("PKCS7", der::pem::LineEnding::LF, &der)
            .map_err(|e| e.to_string())?;
        let p = parse(pem.as_bytes(), "p7.pem")?;
        assert_eq!(p.certs.len(), 1);
        Ok(())
    }

    #[test]
    fn empty_and_whitespace_rejected() {
        assert!(matches!(parse(b"", "e"), Err(PkiError::Empty { .. })));
        assert!(matches!(
            parse(b" \n\t\r\n", "e"),
            Err(PkiError::Empty { .. })
        ));
    }

    #[test]
    fn oversized_rejected_before_parsing() {
        let big = vec![b'A'; MAX_INPUT_BYTES + 1];
        let err = parse(&big, "big.bin");
        assert!(matches!(err, Err(PkiError::TooLarge { len, .. }) if len == MAX_INPUT_BYTES + 1));
    }

    #[test]
    fn truncated_base64_is_a_base64_or_der_error() -> R {
        let c = testkit::chain("f")?;
        let cert = Cert::from_der(&der_of(&c.root.cert_pem)?, "t")?;
        let b64 = crate::pkcs7::build_base64(&[cert])?;
        // Cut mid-quantum (invalid base64 length) and on a quantum boundary (valid base64,
        // truncated DER): both must be clean errors.
        let odd = &b64[..b64.len() / 2 + 1];
        let even = &b64[..(b64.len() / 2) & !3];
        for cut in [odd, even] {
            let err = parse(cut.as_bytes(), "cut").err().map(|e| e.to_string());
            assert!(err.is_some(), "truncated input accepted");
        }
        assert!(matches!(
            parse(odd.as_bytes(), "cut"),
            Err(PkiError::Base64 { .. })
        ));
        assert!(matches!(
            parse(even.as_bytes(), "cut"),
            Err(PkiError::Der { .. })
        ));
        Ok(())
    }

    #[test]
    fn non_certificate_der_rejected() {
        // SEQUENCE { INTEGER 1 }: valid DER, not a certificate.
        let err = parse(&[0x30, 0x03, 0x02, 0x01, 0x01], "x.der");
        assert!(matches!(err, Err(PkiError::Der { what, .. }) if what == "certificate"));
    }

    #[test]
    fn non_signed_data_pkcs7_rejected() {
        // ContentInfo { id-data, [0] NULL }
        let der = [
            0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0,
            0x02, 0x05, 0x00,
        ];
        assert!(matches!(
            parse(&der, "d"),
            Err(PkiError::NotSignedData { .. })
        ));
    }

    #[test]
    fn unterminated_pem_rejected() {
        let err = parse(b"-----BEGIN CERTIFICATE-----\nMIIB\n", "p");
        assert!(matches!(err, Err(PkiError::PemUnterminated { .. })));
    }

    #[test]
    fn key_only_pem_has_no_certificates() -> R {
        let c = testkit::chain("g")?;
        let err = parse(c.root.key_pem.as_bytes(), "key.pem");
        assert!(matches!(err, Err(PkiError::NoCertificates { .. })));
        Ok(())
    }

    #[test]
    fn text_outside_base64_alphabet_rejected() {
        let err = parse(b"hello, world!", "t");
        assert!(matches!(err, Err(PkiError::Unrecognized { .. })));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = parse(&bytes, "fuzz");
        }

        #[test]
        fn arbitrary_der_like_bytes_never_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut bytes = vec![0x30, 0x82];
            bytes.extend(tail);
            let _ = parse(&bytes, "fuzz");
        }

        #[test]
        fn arbitrary_pem_bodies_never_panic(body in "[A-Za-z0-9+/=\n -]{0,600}", label in "[A-Z ]{0,20}") {
            let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            let _ = parse(text.as_bytes(), "fuzz");
        }
    }
}
