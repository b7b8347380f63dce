//! The extensions that decide what a certificate may be used for and which names it is
//! valid for: subjectAltName, extendedKeyUsage and keyUsage, decoded with the x509-cert
//! types, plus the warnings a TLS *server* certificate earns from them.
//!
//! What rustls / webpki (the TLS stack of `ucprov probe`) actually enforce, from
//! rustls-webpki 0.103 `verify_cert.rs`:
//! * extendedKeyUsage: checked on the end-entity AND every intermediate of the path
//!   ("required if present"): a certificate without the extension passes; one with it must
//!   list id-kp-serverAuth, and anyExtendedKeyUsage does not count. Trust anchors are not
//!   checked. Failure is `CertificateError::InvalidPurpose`.
//! * keyUsage: ignored entirely, on end-entities and CAs alike. A server certificate whose
//!   keyUsage lacks digitalSignature passes the probe, but clients that do enforce RFC 5280
//!   §4.2.1.3 refuse it (OpenSSL's ssl_server purpose requires one of digitalSignature,
//!   keyEncipherment or keyAgreement; the handshake signature of TLS 1.3 and of every ECDHE
//!   suite needs digitalSignature; keyEncipherment alone only serves TLS 1.2 RSA key
//!   transport, which rustls does not implement).

use std::net::{Ipv4Addr, Ipv6Addr};

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5String, Utf8StringRef};
use der::Decode;
use serde::Serialize;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};

use crate::Cert;

/// The kind of one subject alternative name, serialised with its RFC 5280 GeneralName name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SanKind {
    #[serde(rename = "dNSName")]
    Dns,
    #[serde(rename = "iPAddress")]
    Ip,
    #[serde(rename = "rfc822Name")]
    Email,
    #[serde(rename = "uniformResourceIdentifier")]
    Uri,
    #[serde(rename = "directoryName")]
    DirectoryName,
    #[serde(rename = "registeredID")]
    RegisteredId,
    #[serde(rename = "otherName")]
    OtherName,
    #[serde(rename = "ediPartyName")]
    EdiPartyName,
}

impl SanKind {
    /// The prefix `openssl x509 -text` uses, so the two outputs can be compared by eye.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Dns => "DNS",
            Self::Ip => "IP",
            Self::Email => "email",
            Self::Uri => "URI",
            Self::DirectoryName => "DirName",
            Self::RegisteredId => "RID",
            Self::OtherName => "othername",
            Self::EdiPartyName => "EdiPartyName",
        }
    }
}

/// One subject alternative name. `value` is the name as text: the dNSName as written
/// (case kept), an IP address in its usual notation, a directoryName in RFC 4514 form, an
/// otherName as `OID` or `OID (UPN) value` for Microsoft's user principal name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct San {
    #[serde(rename = "type")]
    pub kind: SanKind,
    pub value: String,
}

impl San {
    pub fn dns(name: &str) -> Self {
        Self {
            kind: SanKind::Dns,
            value: name.to_owned(),
        }
    }
}

impl std::fmt::Display for San {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.prefix(), self.value)
    }
}

/// One extended key usage purpose: always the dotted OID, plus its name when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyPurpose {
    pub oid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
}

impl std::fmt::Display for KeyPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(n) => f.write_str(n),
            None => f.write_str(&self.oid),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtendedKeyUsageInfo {
    pub critical: bool,
    pub purposes: Vec<KeyPurpose>,
}

impl ExtendedKeyUsageInfo {
    pub fn has(&self, oid: ObjectIdentifier) -> bool {
        let dotted = oid.to_string();
        self.purposes.iter().any(|p| p.oid == dotted)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyUsageInfo {
    pub critical: bool,
    /// RFC 5280 names, in bit order.
    pub usages: Vec<&'static str>,
}

impl KeyUsageInfo {
    pub fn has(&self, usage: &str) -> bool {
        self.usages.contains(&usage)
    }
}

pub const SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");

/// Names for the purposes seen on Lync / Skype for Business, Windows CA and web PKI
/// certificates. RFC 5280 / RFC 4945 short names; Microsoft ones as OpenSSL names them
/// (so `-addext extendedKeyUsage=msSmartcardLogin` reads back the same).
const PURPOSES: &[(&str, &str)] = &[
    ("1.3.6.1.5.5.7.3.1", "serverAuth"),
    ("1.3.6.1.5.5.7.3.2", "clientAuth"),
    ("1.3.6.1.5.5.7.3.3", "codeSigning"),
    ("1.3.6.1.5.5.7.3.4", "emailProtection"),
    ("1.3.6.1.5.5.7.3.5", "ipsecEndSystem"),
    ("1.3.6.1.5.5.7.3.6", "ipsecTunnel"),
    ("1.3.6.1.5.5.7.3.7", "ipsecUser"),
    ("1.3.6.1.5.5.7.3.8", "timeStamping"),
    ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
    ("1.3.6.1.5.5.7.3.17", "ipsecIKE"),
    ("2.5.29.37.0", "anyExtendedKeyUsage"),
    ("1.3.6.1.5.2.3.4", "pkInitClientAuth"),
    ("1.3.6.1.5.2.3.5", "pkInitKDC"),
    ("1.3.6.1.4.1.311.20.2.2", "msSmartcardLogin"),
    ("1.3.6.1.4.1.311.20.2.1", "msEnrollmentAgent"),
    ("1.3.6.1.4.1.311.10.3.1", "msCTLSign"),
    ("1.3.6.1.4.1.311.10.3.3", "msSGC"),
    ("1.3.6.1.4.1.311.10.3.4", "msEFS"),
    ("1.3.6.1.4.1.311.10.3.4.1", "msEFSRecovery"),
    ("1.3.6.1.4.1.311.10.3.12", "msDocumentSigning"),
    ("1.3.6.1.4.1.311.2.1.21", "msCodeInd"),
    ("1.3.6.1.4.1.311.2.1.22", "msCodeCom"),
    ("1.3.6.1.4.1.311.21.5", "msCAExchange"),
    ("1.3.6.1.4.1.311.21.6", "msKeyRecovery"),
    ("2.16.840.1.113730.4.1", "nsSGC"),
];

const UPN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");

fn purpose(oid: ObjectIdentifier) -> KeyPurpose {
    let oid = oid.to_string();
    let name = PURPOSES.iter().find(|(o, _)| *o == oid).map(|(_, n)| *n);
    KeyPurpose { oid, name }
}

const KEY_USAGES: &[(KeyUsages, &str)] = &[
    (KeyUsages::DigitalSignature, "digitalSignature"),
    (KeyUsages::NonRepudiation, "nonRepudiation"),
    (KeyUsages::KeyEncipherment, "keyEncipherment"),
    (KeyUsages::DataEncipherment, "dataEncipherment"),
    (KeyUsages::KeyAgreement, "keyAgreement"),
    (KeyUsages::KeyCertSign, "keyCertSign"),
    (KeyUsages::CRLSign, "cRLSign"),
    (KeyUsages::EncipherOnly, "encipherOnly"),
    (KeyUsages::DecipherOnly, "decipherOnly"),
];

/// The three extensions of one certificate. An extension that is present but does not
/// decode is left out and named in `problems`, so nothing is silently read as "absent".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub subject_alt_names: Vec<San>,
    pub extended_key_usage: Option<ExtendedKeyUsageInfo>,
    pub key_usage: Option<KeyUsageInfo>,
    pub problems: Vec<String>,
}

pub fn decode(cert: &Cert) -> Usage {
    let mut out = Usage::default();
    let exts = cert
        .x509()
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or(&[]);
    for e in exts {
        let bytes = e.extn_value.as_bytes();
        let id = e.extn_id;
        if id == const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME {
            match SubjectAltName::from_der(bytes) {
                Ok(san) => out.subject_alt_names = san.0.iter().map(general_name).collect(),
                Err(err) => out.problems.push(format!(
                    "subjectAltName does not decode ({err}); no name in it can match"
                )),
            }
        } else if id == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE {
            match ExtendedKeyUsage::from_der(bytes) {
                Ok(eku) => {
                    out.extended_key_usage = Some(ExtendedKeyUsageInfo {
                        critical: e.critical,
                        purposes: eku.0.iter().copied().map(purpose).collect(),
                    });
                }
                Err(err) => out
                    .problems
                    .push(format!("extendedKeyUsage does not decode ({err}); TLS clients reject such a certificate")),
            }
        } else if id == const_oid::db::rfc5280::ID_CE_KEY_USAGE {
            match KeyUsage::from_der(bytes) {
                Ok(ku) => {
                    out.key_usage = Some(KeyUsageInfo {
                        critical: e.critical,
                        usages: KEY_USAGES
                            .iter()
                            .filter(|(flag, _)| ku.0.contains(*flag))
                            .map(|(_, name)| *name)
                            .collect(),
                    });
                }
                Err(err) => out
                    .problems
                    .push(format!("keyUsage does not decode ({err})")),
            }
        }
    }
    out
}

fn ia5(s: &Ia5String) -> String {
    s.to_string()
}

fn general_name(name: &GeneralName) -> San {
    let (kind, value) = match name {
        GeneralName::DnsName(s) => (SanKind::Dns, ia5(s)),
        GeneralName::Rfc822Name(s) => (SanKind::Email, ia5(s)),
        GeneralName::UniformResourceIdentifier(s) => (SanKind::Uri, ia5(s)),
        GeneralName::IpAddress(octets) => (SanKind::Ip, ip_text(octets.as_bytes())),
        GeneralName::DirectoryName(n) => (SanKind::DirectoryName, n.to_string()),
        GeneralName::RegisteredId(oid) => (SanKind::RegisteredId, oid.to_string()),
        GeneralName::OtherName(other) => {
            let value = if other.type_id == UPN {
                match other.value.decode_as::<Utf8StringRef<'_>>() {
                    Ok(s) => format!("{} (UPN) {}", other.type_id, s.as_str()),
                    Err(_) => format!("{} (UPN, value not a UTF8String)", other.type_id),
                }
            } else {
                other.type_id.to_string()
            };
            (SanKind::OtherName, value)
        }
        GeneralName::EdiPartyName(_) => (SanKind::EdiPartyName, "(not decoded)".to_owned()),
    };
    San { kind, value }
}

/// An iPAddress SAN is 4 or 16 bytes; anything else is shown as hex and never matches.
fn ip_text(b: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        return Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(b) {
        return Ipv6Addr::from(v6).to_string();
    }
    format!(
        "invalid ({} bytes: {})",
        b.len(),
        crate::summary::hex_upper(b)
    )
}

/// Why a certificate is a poor TLS server certificate. Only end-entity (non-CA)
/// certificates get the key-usage warnings; the EKU one also applies to intermediates,
/// because webpki checks EKU on every certificate of the path below the trust anchor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UsageWarning {
    /// extendedKeyUsage present without serverAuth: rustls/webpki refuse the server.
    NoServerAuth {
        subject: String,
        is_ca: bool,
        purposes: Vec<String>,
    },
    /// keyUsage present with none of digitalSignature, keyEncipherment, keyAgreement.
    NoTlsKeyUsage {
        subject: String,
        usages: Vec<String>,
    },
    /// keyUsage present with keyEncipherment/keyAgreement but no digitalSignature.
    NoDigitalSignature {
        subject: String,
        usages: Vec<String>,
    },
}

impl std::fmt::Display for UsageWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoServerAuth { subject, is_ca: false, purposes } => write!(
                f,
                "`{subject}` has extendedKeyUsage {} without serverAuth: as a TLS server certificate rustls/webpki (the probe) refuse it (InvalidPurpose), and so do OpenSSL and Windows clients; reissue it with serverAuth (1.3.6.1.5.5.7.3.1) or without the extension",
                purposes.join(", ")
            ),
            Self::NoServerAuth { subject, is_ca: true, purposes } => write!(
                f,
                "intermediate CA `{subject}` has extendedKeyUsage {} without serverAuth: rustls/webpki check EKU on every certificate below the trust anchor, so no TLS server certificate issued under it is accepted; anyExtendedKeyUsage does not count for webpki",
                purposes.join(", ")
            ),
            Self::NoTlsKeyUsage { subject, usages } => write!(
                f,
                "`{subject}` has keyUsage {} with none of digitalSignature, keyEncipherment, keyAgreement: clients that enforce keyUsage (OpenSSL's ssl_server purpose, Windows) refuse it as a TLS server; rustls/webpki ignore keyUsage, so the probe alone does not catch this",
                usages.join(", ")
            ),
            Self::NoDigitalSignature { subject, usages } => write!(
                f,
                "`{subject}` has keyUsage {} without digitalSignature: TLS 1.3 and every ECDHE suite sign the handshake with this key, so only TLS 1.2 RSA key transport remains (not offered by rustls, disabled on current phones and servers); clients that enforce keyUsage refuse it; rustls/webpki ignore keyUsage, so the probe alone does not catch this",
                usages.join(", ")
            ),
        }
    }
}

/// The warnings for one certificate considered as part of a TLS server chain. A
/// self-issued certificate (a root: the trust anchor, which webpki does not check) gets
/// none; a CA gets only the EKU one.
pub fn tls_server_warnings(
    subject: &str,
    is_ca: bool,
    self_issued: bool,
    usage: &Usage,
) -> Vec<UsageWarning> {
    let mut out = Vec::new();
    if self_issued {
        return out;
    }
    if let Some(eku) = &usage.extended_key_usage {
        if !eku.has(SERVER_AUTH) {
            out.push(UsageWarning::NoServerAuth {
                subject: subject.to_owned(),
                is_ca,
                purposes: eku.purposes.iter().map(ToString::to_string).collect(),
            });
        }
    }
    if is_ca {
        return out;
    }
    if let Some(ku) = &usage.key_usage {
        let usages = || ku.usages.iter().map(|u| (*u).to_owned()).collect();
        if !ku.has("digitalSignature") {
            if ku.has("keyEncipherment") || ku.has("keyAgreement") {
                out.push(UsageWarning::NoDigitalSignature {
                    subject: subject.to_owned(),
                    usages: usages(),
                });
            } else {
                out.push(UsageWarning::NoTlsKeyUsage {
                    subject: subject.to_owned(),
                    usages: usages(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        CertificateParams, ExtendedKeyUsagePurpose as Eku, KeyPair, KeyUsagePurpose as Ku,
        OtherNameValue, SanType,
    };

    type R = Result<(), Box<dyn std::error::Error>>;

    fn make(params: CertificateParams) -> Result<Cert, Box<dyn std::error::Error>> {
        let key = KeyPair::generate()?;
        let c = params.self_signed(&key)?;
        Ok(Cert::from_der(c.der(), "t")?)
    }

    #[test]
    fn decodes_every_san_kind_eku_and_ku() -> R {
        let mut p = CertificateParams::new(vec!["Lync.Contoso.com".to_owned()])?;
        p.subject_alt_names.extend([
            SanType::IpAddress("10.1.2.3".parse()?),
            SanType::IpAddress("fe80::1".parse()?),
            SanType::Rfc822Name("admin@contoso.com".try_into()?),
            SanType::URI("sip:pool.contoso.com".try_into()?),
            SanType::OtherName((
                vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 3],
                OtherNameValue::Utf8String("phone@contoso.com".into()),
            )),
        ]);
        p.extended_key_usages = vec![
            Eku::ServerAuth,
            Eku::ClientAuth,
            Eku::CodeSigning,
            Eku::EmailProtection,
            Eku::TimeStamping,
            Eku::OcspSigning,
            Eku::Other(vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 2]),
            Eku::Other(vec![1, 2, 3, 4, 5]),
        ];
        p.key_usages = vec![Ku::DigitalSignature, Ku::KeyEncipherment];
        let u = decode(&make(p)?);
        let shown: Vec<String> = u
            .subject_alt_names
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "DNS:Lync.Contoso.com",
                "IP:10.1.2.3",
                "IP:fe80::1",
                "email:admin@contoso.com",
                "URI:sip:pool.contoso.com",
                "othername:1.3.6.1.4.1.311.20.2.3 (UPN) phone@contoso.com",
            ]
        );
        let eku = u.extended_key_usage.ok_or("no eku")?;
        let names: Vec<String> = eku.purposes.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "serverAuth",
                "clientAuth",
                "codeSigning",
                "emailProtection",
                "timeStamping",
                "OCSPSigning",
                "msSmartcardLogin",
                "1.2.3.4.5",
            ]
        );
        assert_eq!(eku.purposes[7].name, None);
        assert!(eku.has(SERVER_AUTH));
        let ku = u.key_usage.ok_or("no ku")?;
        assert_eq!(ku.usages, ["digitalSignature", "keyEncipherment"]);
        assert!(ku.critical, "rcgen marks keyUsage critical");
        assert!(u.problems.is_empty());
        Ok(())
    }

    #[test]
    fn absent_extensions_are_none_not_empty() -> R {
        let mut p = CertificateParams::default();
        p.distinguished_name.push(rcgen::DnType::CommonName, "bare");
        let u = decode(&make(p)?);
        assert_eq!(u, Usage::default());
        Ok(())
    }

    #[test]
    fn server_warnings_follow_what_clients_enforce() -> R {
        let mut p = CertificateParams::new(vec!["a.contoso.com".to_owned()])?;
        p.extended_key_usages = vec![Eku::ClientAuth];
        p.key_usages = vec![Ku::KeyEncipherment];
        let u = decode(&make(p)?);
        let w = tls_server_warnings("CN=a", false, false, &u);
        assert!(
            matches!(&w[..], [UsageWarning::NoServerAuth { is_ca: false, purposes, .. }, UsageWarning::NoDigitalSignature { .. }] if purposes == &["clientAuth"]),
            "{w:?}"
        );
        assert!(w[0].to_string().contains("rustls/webpki"));
        assert!(w[1].to_string().contains("ignore keyUsage"));

        let mut p = CertificateParams::new(vec!["b.contoso.com".to_owned()])?;
        p.key_usages = vec![Ku::ContentCommitment];
        let u = decode(&make(p)?);
        assert!(matches!(
            &tls_server_warnings("CN=b", false, false, &u)[..],
            [UsageWarning::NoTlsKeyUsage { .. }]
        ));
        // A CA only gets the EKU warning; a root (self-issued) gets none at all.
        assert!(tls_server_warnings("CN=b", true, false, &u).is_empty());
        let mut p = CertificateParams::default();
        p.extended_key_usages = vec![Eku::EmailProtection];
        let u = decode(&make(p)?);
        assert!(matches!(
            &tls_server_warnings("CN=ca", true, false, &u)[..],
            [UsageWarning::NoServerAuth { is_ca: true, .. }]
        ));
        assert!(tls_server_warnings("CN=ca", true, true, &u).is_empty());

        // No EKU and no KU at all: nothing to warn about (webpki and RFC 5280 accept it).
        let p = CertificateParams::new(vec!["c.contoso.com".to_owned()])?;
        assert!(tls_server_warnings("CN=c", false, false, &decode(&make(p)?)).is_empty());
        Ok(())
    }

    #[test]
    fn odd_ip_lengths_are_shown_not_parsed() {
        assert_eq!(ip_text(&[1, 2, 3]), "invalid (3 bytes: 010203)");
        assert_eq!(ip_text(&[127, 0, 0, 1]), "127.0.0.1");
    }
}
