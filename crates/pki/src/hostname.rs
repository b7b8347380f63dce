//! The one host-name rule of ucprov (RFC 6125 §6.4, as rustls/webpki apply it), so
//! `cert inspect`, the probe and its report all say the same thing about a name.
//!
//! * A DNS host matches a subject alternative name of type dNSName, compared ASCII
//!   case-insensitively; one trailing dot on the host (an absolute name) is ignored.
//! * A wildcard is only the whole left-most label (`*.contoso.com`); it stands for exactly
//!   one non-empty label, so it never matches across dots (`a.b.contoso.com`) nor the bare
//!   parent (`contoso.com`). A wildcard followed by a single label (`*.local`, `*.com`) is
//!   public-suffix-like and matches nothing. Partial wildcards (`lync*.contoso.com`) are
//!   not honoured (RFC 6125 allows them; webpki and the CA/Browser Forum do not).
//! * An IP-address host matches only an iPAddress SAN with the same address.
//! * The subject CN is never used. RFC 6125 §6.4.4 forbids it whenever the certificate
//!   has SANs; for a certificate with none it merely tolerates it, but rustls/webpki (the
//!   probe's TLS stack) never fall back to the CN, so neither does this rule. A CN equal to
//!   the host is called out in the mismatch so the operator knows why it did not count.

use std::net::IpAddr;

use serde::Serialize;

use crate::ext::{San, SanKind};

/// The outcome of checking one host name against a certificate's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum NameCheck {
    Matched {
        host: String,
        san: San,
    },
    NotMatched {
        host: String,
        /// Every subject alternative name the certificate offers, of any type.
        offered: Vec<San>,
        /// The subject CN when it equals the host: not used, see the module docs.
        #[serde(skip_serializing_if = "Option::is_none")]
        ignored_common_name: Option<String>,
    },
}

impl NameCheck {
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Matched { .. })
    }
}

impl std::fmt::Display for NameCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Matched { host, san } => write!(f, "{host} matches SAN {san}"),
            Self::NotMatched {
                host,
                offered,
                ignored_common_name,
            } => {
                if offered.is_empty() {
                    write!(
                        f,
                        "{host} matches nothing: the certificate has no subject alternative names"
                    )?;
                } else {
                    let list: Vec<String> = offered.iter().map(ToString::to_string).collect();
                    write!(
                        f,
                        "{host} matches none of the SANs offered ({})",
                        list.join(", ")
                    )?;
                }
                if let Some(cn) = ignored_common_name {
                    write!(f, "; the subject CN {cn} is not used for the name check (RFC 6125 6.4.4; rustls/webpki and current clients only read SANs)")?;
                }
                Ok(())
            }
        }
    }
}

/// Check `host` against `sans`. `common_name` is only used to explain a mismatch.
pub fn check_host(host: &str, sans: &[San], common_name: Option<&str>) -> NameCheck {
    let matched = match host.parse::<IpAddr>() {
        Ok(ip) => sans
            .iter()
            .find(|s| s.kind == SanKind::Ip && s.value.parse::<IpAddr>().is_ok_and(|v| v == ip)),
        Err(_) => sans
            .iter()
            .find(|s| s.kind == SanKind::Dns && dns_matches(&s.value, host)),
    };
    match matched {
        Some(san) => NameCheck::Matched {
            host: host.to_owned(),
            san: san.clone(),
        },
        None => NameCheck::NotMatched {
            host: host.to_owned(),
            offered: sans.to_vec(),
            ignored_common_name: common_name
                .filter(|cn| cn.eq_ignore_ascii_case(host.strip_suffix('.').unwrap_or(host)))
                .map(str::to_owned),
        },
    }
}

/// Check `host` against a certificate: its SANs, with its CN for the explanation only.
pub fn check_cert_host(cert: &crate::Cert, host: &str) -> NameCheck {
    let usage = crate::ext::decode(cert);
    check_host(host, &usage.subject_alt_names, common_name(cert).as_deref())
}

/// The (last) commonName of the subject, if it is a string.
pub fn common_name(cert: &crate::Cert) -> Option<String> {
    use der::Decode;
    let cn = const_oid::db::rfc4519::CN;
    cert.x509()
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == cn)
        .filter_map(|atv| {
            let bytes = der::Encode::to_der(&atv.value).ok()?;
            der::asn1::Utf8StringRef::from_der(&bytes)
                .map(|s| s.as_str().to_owned())
                .or_else(|_| {
                    der::asn1::PrintableStringRef::from_der(&bytes).map(|s| s.as_str().to_owned())
                })
                .or_else(|_| {
                    der::asn1::Ia5StringRef::from_der(&bytes).map(|s| s.as_str().to_owned())
                })
                .ok()
        })
        .next_back()
}

fn labels_ok(name: &str) -> bool {
    !name.is_empty() && name.split('.').all(|l| !l.is_empty() && !l.contains('*'))
}

/// Does the presented dNSName `presented` cover the reference host `host`?
fn dns_matches(presented: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if !labels_ok(host) {
        return false;
    }
    if let Some(parent) = presented.strip_prefix("*.") {
        // The parent needs at least two labels: `*.local` is public-suffix-like.
        if !labels_ok(parent) || !parent.contains('.') {
            return false;
        }
        return host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest.eq_ignore_ascii_case(parent));
    }
    labels_ok(presented) && presented.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(v: &str) -> San {
        San {
            kind: SanKind::Ip,
            value: v.to_owned(),
        }
    }

    #[test]
    fn exact_names_match_case_insensitively() {
        assert!(dns_matches("Lync.Contoso.COM", "lync.contoso.com"));
        assert!(dns_matches("lync.contoso.com", "LYNC.contoso.com."));
        assert!(!dns_matches("lync.contoso.com", "lync.contoso.co"));
        assert!(!dns_matches("lync.contoso.com.", "lync.contoso.com"));
        assert!(!dns_matches("", ""));
        assert!(!dns_matches("a..b", "a..b"));
    }

    #[test]
    fn wildcard_is_one_whole_left_label() {
        assert!(dns_matches("*.contoso.com", "lync.contoso.com"));
        assert!(dns_matches("*.Contoso.com", "WEB.contoso.COM"));
        assert!(
            !dns_matches("*.contoso.com", "contoso.com"),
            "not the parent"
        );
        assert!(
            !dns_matches("*.contoso.com", "a.b.contoso.com"),
            "not across dots"
        );
        assert!(
            !dns_matches("*.contoso.com", ".contoso.com"),
            "not an empty label"
        );
        assert!(!dns_matches("*.local", "lync.local"), "public-suffix-like");
        assert!(!dns_matches("*", "lync"));
        assert!(
            !dns_matches("lync*.contoso.com", "lync1.contoso.com"),
            "partial"
        );
        assert!(
            !dns_matches("*lync.contoso.com", "xlync.contoso.com"),
            "partial"
        );
        assert!(
            !dns_matches("a.*.contoso.com", "a.b.contoso.com"),
            "not left-most"
        );
        assert!(!dns_matches("*.*.contoso.com", "a.b.contoso.com"));
        assert!(
            !dns_matches("*.contoso.com", "*.contoso.com"),
            "the host is no pattern"
        );
    }

    #[test]
    fn ip_hosts_match_only_ip_sans() {
        let sans = [San::dns("10.1.2.3"), ip("10.1.2.3"), ip("::1")];
        assert_eq!(
            check_host("10.1.2.3", &sans, None),
            NameCheck::Matched {
                host: "10.1.2.3".into(),
                san: ip("10.1.2.3")
            }
        );
        assert!(check_host("0:0::1", &sans, None).is_match());
        assert!(!check_host("10.1.2.4", &sans, None).is_match());
        assert!(!check_host("10.1.2.3", &[San::dns("10.1.2.3")], None).is_match());
        assert!(!check_host("lync.contoso.com", &[ip("10.1.2.3")], None).is_match());
    }

    #[test]
    fn match_names_the_san_and_mismatch_lists_every_offer() {
        let sans = [
            San::dns("web.contoso.com"),
            San::dns("*.pool.contoso.com"),
            ip("10.0.0.1"),
        ];
        let ok = check_host("fe01.pool.contoso.com", &sans, None);
        assert_eq!(
            ok.to_string(),
            "fe01.pool.contoso.com matches SAN DNS:*.pool.contoso.com"
        );
        let bad = check_host("lync.contoso.com", &sans, Some("lync.contoso.com"));
        assert_eq!(
            bad,
            NameCheck::NotMatched {
                host: "lync.contoso.com".into(),
                offered: sans.to_vec(),
                ignored_common_name: Some("lync.contoso.com".into()),
            }
        );
        let text = bad.to_string();
        assert!(text.contains("none of the SANs offered (DNS:web.contoso.com, DNS:*.pool.contoso.com, IP:10.0.0.1)"), "{text}");
        assert!(text.contains("CN lync.contoso.com is not used"), "{text}");
    }

    #[test]
    fn cn_is_never_used_even_without_sans() -> Result<(), Box<dyn std::error::Error>> {
        let mut p = rcgen::CertificateParams::default();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "lync.contoso.com");
        let key = rcgen::KeyPair::generate()?;
        let cert = crate::Cert::from_der(p.self_signed(&key)?.der(), "t")?;
        assert_eq!(common_name(&cert).as_deref(), Some("lync.contoso.com"));
        let check = check_cert_host(&cert, "lync.contoso.com");
        assert!(!check.is_match());
        assert!(
            check.to_string().contains("no subject alternative names"),
            "{check}"
        );
        assert!(check.to_string().contains("is not used"), "{check}");
        // An unrelated CN is not mentioned.
        assert!(!check_cert_host(&cert, "other.contoso.com")
            .to_string()
            .contains("CN"));
        Ok(())
    }
}
