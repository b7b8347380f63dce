//! Order certificates by issuer/subject linkage and check the chain: exactly one
//! self-signed root (found by issuer == subject, never by position), every link's
//! signature verifies, and expiry is reported in days.

use std::collections::HashSet;

use serde::Serialize;

use crate::verify::{verify_signed_by, VerifyFailure};
use crate::{Cert, PkiError};

/// Certificates expiring within this many days get a warning; devices cache the chain
/// and an operator needs lead time to roll a CA.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ChainProblem {
    NoRoot,
    MultipleRoots {
        subjects: Vec<String>,
    },
    RootSignatureInvalid {
        subject: String,
        reason: String,
    },
    MissingIssuer {
        subject: String,
        issuer: String,
    },
    LinkSignatureInvalid {
        subject: String,
        issuer: String,
        reason: String,
    },
    Branching {
        issuer: String,
        children: Vec<String>,
    },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoRoot => write!(f, "no self-signed root (no certificate has issuer == subject); add the root CA certificate"),
            Self::MultipleRoots { subjects } => write!(f, "more than one self-signed root ({}); serve one chain per root", subjects.join(" | ")),
            Self::RootSignatureInvalid { subject, reason } => write!(f, "root `{subject}` has issuer == subject but its self-signature does not verify ({reason})"),
            Self::MissingIssuer { subject, issuer } => write!(f, "`{subject}` is issued by `{issuer}`, which is not in the input; add that CA certificate"),
            Self::LinkSignatureInvalid { subject, issuer, reason } => write!(f, "signature on `{subject}` does not verify with the key of `{issuer}` ({reason})"),
            Self::Branching { issuer, children } => write!(f, "`{issuer}` issued several certificates in the input ({}); a chain must be a single path", children.join(" | ")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ExpiryWarning {
    Expired { subject: String, days_ago: i64 },
    NotYetValid { subject: String, days_until: i64 },
    ExpiresSoon { subject: String, days_left: i64 },
}

impl std::fmt::Display for ExpiryWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Expired { subject, days_ago } => {
                write!(
                    f,
                    "`{subject}` EXPIRED {days_ago} days ago; devices will reject it"
                )
            }
            Self::NotYetValid {
                subject,
                days_until,
            } => {
                write!(
                    f,
                    "`{subject}` is not valid for another {days_until} days; check the clock"
                )
            }
            Self::ExpiresSoon { subject, days_left } => {
                write!(
                    f,
                    "`{subject}` expires in {days_left} days; plan a CA renewal"
                )
            }
        }
    }
}

/// The outcome of looking at a set of certificates as a chain. Never fails; what is
/// wrong is listed in `problems` so `cert inspect` can show it and `serve` can refuse it.
#[derive(Clone, Debug)]
pub struct ChainAnalysis {
    /// Input certificates with exact duplicates removed, in input order.
    pub certs: Vec<Cert>,
    /// Indices into `certs`, from the end-most certificate up to the root.
    pub order: Vec<usize>,
    pub root: Option<usize>,
    pub problems: Vec<ChainProblem>,
    pub expiry: Vec<ExpiryWarning>,
    pub duplicates_removed: usize,
}

pub fn analyze(input: &[Cert], now_unix: i64) -> ChainAnalysis {
    let mut seen = HashSet::new();
    let certs: Vec<Cert> = input
        .iter()
        .filter(|c| seen.insert(c.der().to_vec()))
        .cloned()
        .collect();
    let duplicates_removed = input.len() - certs.len();
    let subjects: Vec<Vec<u8>> = certs.iter().map(Cert::subject_der).collect();
    let issuers: Vec<Vec<u8>> = certs.iter().map(Cert::issuer_der).collect();
    let n = certs.len();
    let mut problems = Vec::new();

    let roots: Vec<usize> = (0..n).filter(|&i| subjects[i] == issuers[i]).collect();
    match roots.len() {
        0 => problems.push(ChainProblem::NoRoot),
        1 => {}
        _ => problems.push(ChainProblem::MultipleRoots {
            subjects: roots.iter().map(|&i| certs[i].subject()).collect(),
        }),
    }
    for &r in &roots {
        if let Err(e) = verify_signed_by(&certs[r], &certs[r]) {
            problems.push(ChainProblem::RootSignatureInvalid {
                subject: certs[r].subject(),
                reason: reason(&e),
            });
        }
    }

    // parent[i] = the certificate whose subject is i's issuer (self-issued have none).
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for i in (0..n).filter(|i| !roots.contains(i)) {
        match (0..n).find(|&j| j != i && subjects[j] == issuers[i]) {
            Some(p) => {
                parent[i] = Some(p);
                if let Err(e) = verify_signed_by(&certs[i], &certs[p]) {
                    problems.push(ChainProblem::LinkSignatureInvalid {
                        subject: certs[i].subject(),
                        issuer: certs[p].subject(),
                        reason: reason(&e),
                    });
                }
            }
            None => problems.push(ChainProblem::MissingIssuer {
                subject: certs[i].subject(),
                issuer: certs[i].issuer(),
            }),
        }
    }
    for p in 0..n {
        let children: Vec<usize> = (0..n).filter(|&c| parent[c] == Some(p)).collect();
        if children.len() > 1 {
            problems.push(ChainProblem::Branching {
                issuer: certs[p].subject(),
                children: children.iter().map(|&c| certs[c].subject()).collect(),
            });
        }
    }

    let order = link_order(&parent);
    let expiry = certs
        .iter()
        .filter_map(|c| expiry_warning(c, now_unix))
        .collect();
    ChainAnalysis {
        root: (roots.len() == 1).then(|| roots[0]),
        certs,
        order,
        problems,
        expiry,
        duplicates_removed,
    }
}

/// Walk up from every certificate that issued nothing; whatever is left (only possible
/// with an issuer cycle) goes last so every certificate still appears once.
fn link_order(parent: &[Option<usize>]) -> Vec<usize> {
    let n = parent.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let is_parent: HashSet<usize> = parent.iter().flatten().copied().collect();
    for leaf in (0..n).filter(|i| !is_parent.contains(i)) {
        let mut cur = Some(leaf);
        while let Some(i) = cur {
            if placed[i] {
                break;
            }
            placed[i] = true;
            order.push(i);
            cur = parent[i];
        }
    }
    order.extend((0..n).filter(|&i| !placed[i]));
    order
}

fn reason(e: &VerifyFailure) -> String {
    match e {
        VerifyFailure::Unsupported(alg) => format!("unsupported signature algorithm {alg}"),
        VerifyFailure::BadSignature => "bad signature".to_owned(),
    }
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// Whole days from `now` to `not_after`, rounded down; negative once expired.
pub fn days_until_expiry(cert: &Cert, now_unix: i64) -> i64 {
    let not_after = unix(&cert.x509().tbs_certificate.validity.not_after);
    (not_after.saturating_sub(now_unix)).div_euclid(86_400)
}

fn expiry_warning(cert: &Cert, now_unix: i64) -> Option<ExpiryWarning> {
    let validity = &cert.x509().tbs_certificate.validity;
    let not_before = unix(&validity.not_before);
    let days_left = days_until_expiry(cert, now_unix);
    if days_left < 0 {
        Some(ExpiryWarning::Expired {
            subject: cert.subject(),
            days_ago: -days_left,
        })
    } else if not_before > now_unix {
        Some(ExpiryWarning::NotYetValid {
            subject: cert.subject(),
            days_until: (not_before - now_unix).div_euclid(86_400),
        })
    } else if days_left < EXPIRY_WARNING_DAYS {
        Some(ExpiryWarning::ExpiresSoon {
            subject: cert.subject(),
            days_left,
        })
    } else {
        None
    }
}

/// A checked chain: exactly one verified self-signed root, every link verified.
#[derive(Clone, Debug)]
pub struct OrderedChain {
    certs: Vec<Cert>,
    expiry: Vec<ExpiryWarning>,
}

impl OrderedChain {
    /// Check `certs` and order them end-most first, root last. Fails with every problem
    /// found, not just the first, so one run tells the operator all there is to fix.
    pub fn build(certs: &[Cert], now_unix: i64) -> Result<Self, PkiError> {
        let analysis = analyze(certs, now_unix);
        if !analysis.problems.is_empty() {
            return Err(PkiError::Chain {
                problems: analysis.problems,
            });
        }
        Ok(Self {
            certs: analysis
                .order
                .iter()
                .map(|&i| analysis.certs[i].clone())
                .collect(),
            expiry: analysis.expiry,
        })
    }

    pub fn certs(&self) -> &[Cert] {
        &self.certs
    }

    pub fn root(&self) -> Option<&Cert> {
        self.certs.last()
    }

    pub fn expiry_warnings(&self) -> &[ExpiryWarning] {
        &self.expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    type R = Result<(), Box<dyn std::error::Error>>;

    fn cert(pem: &str) -> Result<Cert, PkiError> {
        crate::container::parse(pem.as_bytes(), "t").map(|mut p| p.certs.remove(0))
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
    }

    #[test]
    fn orders_shuffled_chain_leaf_to_root() -> R {
        let c = testkit::chain("o")?;
        let (root, int, leaf) = (
            cert(&c.root.cert_pem)?,
            cert(&c.intermediate.cert_pem)?,
            cert(&c.leaf.cert_pem)?,
        );
        let chain = OrderedChain::build(&[root.clone(), leaf.clone(), int.clone()], now())?;
        assert_eq!(chain.certs(), &[leaf, int, root.clone()]);
        assert_eq!(chain.root(), Some(&root));
        Ok(())
    }

    #[test]
    fn root_only_is_a_chain() -> R {
        let c = testkit::chain("r")?;
        let root = cert(&c.root.cert_pem)?;
        let a = analyze(&[root.clone(), root], now());
        assert_eq!(a.root, Some(0));
        assert!(a.problems.is_empty());
        assert_eq!(a.duplicates_removed, 1);
        Ok(())
    }

    #[test]
    fn missing_root_and_issuer_reported() -> R {
        let c = testkit::chain("m")?;
        let a = analyze(&[cert(&c.leaf.cert_pem)?], now());
        assert!(a.problems.contains(&ChainProblem::NoRoot));
        assert!(a
            .problems
            .iter()
            .any(|p| matches!(p, ChainProblem::MissingIssuer { .. })));
        Ok(())
    }

    #[test]
    fn two_roots_rejected() -> R {
        let (a, b) = (testkit::chain("x")?, testkit::chain("y")?);
        let err = OrderedChain::build(&[cert(&a.root.cert_pem)?, cert(&b.root.cert_pem)?], now());
        assert!(
            matches!(err, Err(PkiError::Chain { problems }) if matches!(problems[..], [ChainProblem::MultipleRoots { .. }]))
        );
        Ok(())
    }

    #[test]
    fn same_names_different_key_fails_link_signature() -> R {
        // Two chains with the same tag have identical names but different keys, so the
        // linkage by name holds while the signature must not.
        let (a, b) = (testkit::chain("same")?, testkit::chain("same")?);
        let an = analyze(
            &[cert(&a.intermediate.cert_pem)?, cert(&b.root.cert_pem)?],
            now(),
        );
        assert!(matches!(
            an.problems[..],
            [ChainProblem::LinkSignatureInvalid { .. }]
        ));
        Ok(())
    }

    #[test]
    fn tampered_root_signature_detected() -> R {
        let c = testkit::chain("t")?;
        let mut der = cert(&c.root.cert_pem)?.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 0x01;
        let root = Cert::from_der(&der, "t")?;
        let a = analyze(&[root], now());
        assert!(matches!(
            a.problems[..],
            [ChainProblem::RootSignatureInvalid { .. }]
        ));
        Ok(())
    }

    #[test]
    fn branching_reported() -> R {
        let c = testkit::chain("br")?;
        let a = analyze(
            &[
                cert(&c.root.cert_pem)?,
                cert(&c.intermediate.cert_pem)?,
                cert(&c.leaf.cert_pem)?,
            ],
            now(),
        );
        assert!(a.problems.is_empty());
        // a second leaf under the same intermediate
        let mut leaf2 = rcgen::CertificateParams::new(vec!["other.example.test".to_owned()])
            .map_err(|e| PkiError::Generate(e.to_string()))?;
        leaf2.distinguished_name = rcgen::DistinguishedName::new();
        leaf2
            .distinguished_name
            .push(rcgen::DnType::CommonName, "other");
        let int_key = rcgen::KeyPair::from_pem(&c.intermediate.key_pem)
            .map_err(|e| PkiError::Generate(e.to_string()))?;
        let mut int_params = rcgen::CertificateParams::default();
        int_params.distinguished_name = rcgen::DistinguishedName::new();
        for (t, v) in [
            (rcgen::DnType::CountryName, "US"),
            (rcgen::DnType::OrganizationName, "ucprov tests"),
            (rcgen::DnType::CommonName, "Test Issuing CA br"),
        ] {
            int_params.distinguished_name.push(t, v);
        }
        let issuer = rcgen::Issuer::new(int_params, int_key);
        let k = rcgen::KeyPair::generate().map_err(|e| PkiError::Generate(e.to_string()))?;
        let other = leaf2
            .signed_by(&k, &issuer)
            .map_err(|e| PkiError::Generate(e.to_string()))?;
        let a = analyze(
            &[
                cert(&c.root.cert_pem)?,
                cert(&c.intermediate.cert_pem)?,
                cert(&c.leaf.cert_pem)?,
                cert(&other.pem())?,
            ],
            now(),
        );
        assert!(matches!(a.problems[..], [ChainProblem::Branching { .. }]));
        assert_eq!(a.order.len(), 4);
        Ok(())
    }

    #[test]
    fn expiry_warnings_by_days() -> R {
        let c = testkit::chain("e")?;
        let root = cert(&c.root.cert_pem)?;
        let not_after = unix(&root.x509().tbs_certificate.validity.not_after);
        let soon = analyze(std::slice::from_ref(&root), not_after - 10 * 86_400);
        assert!(matches!(
            soon.expiry[..],
            [ExpiryWarning::ExpiresSoon { days_left: 10, .. }]
        ));
        let late = analyze(std::slice::from_ref(&root), not_after + 5 * 86_400 + 1);
        assert!(matches!(
            late.expiry[..],
            [ExpiryWarning::Expired { days_ago: 6, .. }]
        ));
        let early = analyze(&[root], 0);
        assert!(matches!(
            early.expiry[..],
            [ExpiryWarning::NotYetValid { .. }]
        ));
        Ok(())
    }
}
