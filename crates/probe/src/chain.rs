//! Step 3: download the root chain as the device does (plain HTTP), decode the PKCS#7 with
//! `ucprov-pki`, check that the root is self-signed and the links verify, print thumbprints,
//! and compare the root with a pinned thumbprint.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use ucprov_pki::{analyze, summarize, CertSummary, ContainerFormat};

use crate::http;
use crate::net::ResolveMap;
use crate::step::{Failure, Problem, Step};

/// A pinned root thumbprint, SHA-1 (40 hex digits, what Windows shows) or SHA-256 (64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thumbprint(String);

impl std::str::FromStr for Thumbprint {
    type Err = String;

    /// Colons, spaces and case are ignored: certutil, Windows' dialog and openssl all
    /// format thumbprints differently.
    fn from_str(text: &str) -> Result<Self, String> {
        let hex: String = text
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '\u{200e}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) || !matches!(hex.len(), 40 | 64) {
            return Err(format!(
                "{text:?} is not a thumbprint: expected 40 (SHA-1) or 64 (SHA-256) hex digits"
            ));
        }
        Ok(Thumbprint(hex))
    }
}

impl Thumbprint {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, cert: &CertSummary) -> bool {
        self.0 == cert.sha1 || self.0 == cert.sha256
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    pub role: &'static str,
    #[serde(flatten)]
    pub summary: CertSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainResult {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    pub body_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// End-most certificate first, root last.
    pub certs: Vec<CertInfo>,
    #[serde(skip)]
    pub root_der: Option<Vec<u8>>,
}

pub struct ChainTarget<'a> {
    pub url: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub path: &'a str,
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Run step 3 into `step`; the result carries the root for step 4 when the chain is good.
pub fn check(
    t: &ChainTarget<'_>,
    resolve: &ResolveMap,
    timeout: Duration,
    pin: Option<&Thumbprint>,
    step: &mut Step,
) -> ChainResult {
    let mut r = ChainResult {
        url: t.url.to_string(),
        address: None,
        status_line: None,
        body_bytes: 0,
        format: None,
        certs: Vec::new(),
        root_der: None,
    };
    step.summary = format!("GET {}", t.url);
    // One deadline over connect and download; the parse after it is bounded by the
    // certificate and set counts `ucprov-pki` refuses past, not by time.
    let deadline = Instant::now() + timeout;
    let unreachable_fix = format!(
        "make the certificate provisioning service answer plain HTTP on port {} at {} (ucprov serve does); check DNS for {} and the firewall",
        t.port, t.path, t.host
    );
    let conn = match resolve.connect(t.host, t.port, timeout) {
        Ok(c) => c,
        Err(e) => {
            step.fail(Problem::new(
                Failure::ChainUnreachable,
                format!("{}: {e}", t.url),
                unreachable_fix,
            ));
            return r;
        }
    };
    r.address = Some(conn.address);
    let url = http::Url {
        text: t.url.to_string(),
        host: t.host.to_string(),
        port: t.port,
        path: t.path.to_string(),
    };
    // A socket timeout of zero is refused by the OS: the last millisecond still times out.
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    let resp = match http::get(conn.stream, &url, left, http::MAX_BODY) {
        Ok(resp) => resp,
        Err(e) => {
            step.fail(Problem::new(
                Failure::ChainUnreachable,
                format!("{e} (from {})", conn.address),
                unreachable_fix,
            ));
            return r;
        }
    };
    r.status_line = Some(resp.status_line.clone());
    r.body_bytes = resp.body.len();
    let body = match resp.into_body(t.url) {
        Ok(body) => body,
        Err(e) => {
            step.fail(Problem::new(
                Failure::ChainUnreachable,
                e.to_string(),
                format!(
                    "the device fetches exactly {}; serve the root chain there (a 404 usually means the path in option 43 sub-option 5 is wrong)",
                    t.path
                ),
            ));
            return r;
        }
    };
    step.details.push(format!(
        "{} ({}): {}, {} bytes",
        t.url,
        conn.address,
        r.status_line.as_deref().unwrap_or_default(),
        r.body_bytes
    ));
    let invalid_fix = "serve the root CA chain as base64 of a certs-only PKCS#7 (`ucprov serve --ca-chain root.pem`, or `openssl crl2pkcs7 -nocrl -certfile root.pem -outform DER | base64 -w0`)";
    let parsed = match ucprov_pki::parse(&body, t.url) {
        Ok(p) => p,
        Err(e) => {
            step.fail(Problem::new(
                Failure::ChainInvalid,
                format!("the body is not a certificate chain: {e}"),
                invalid_fix,
            ));
            return r;
        }
    };
    r.format = Some(parsed.format.describe());
    let now = now_unix();
    let analysis = analyze(&parsed.certs, now);
    let root = analysis.root;
    for &i in &analysis.order {
        let summary = summarize(&analysis.certs[i], now);
        let role = if Some(i) == root {
            "root"
        } else if summary.is_ca {
            "intermediate"
        } else {
            "end entity"
        };
        r.certs.push(CertInfo { role, summary });
    }
    for (n, c) in r.certs.iter().enumerate() {
        step.details.push(format!(
            "#{} {}: {}{}",
            n + 1,
            c.role,
            c.summary.subject,
            if c.summary.self_issued {
                ", self-signed"
            } else {
                ""
            }
        ));
        step.details.push(format!(
            "     issuer {}, valid until {}",
            c.summary.issuer, c.summary.not_after
        ));
        step.details
            .push(format!("     SHA-1   {}", c.summary.sha1));
        step.details
            .push(format!("     SHA-256 {}", c.summary.sha256));
    }
    for w in &analysis.expiry {
        step.notes.push(w.to_string());
    }
    if parsed.format != ContainerFormat::Base64Pkcs7 {
        step.fail(Problem::new(
            Failure::ChainInvalid,
            format!(
                "the body is a {}; devices expect base64 PKCS#7 (certs-only SignedData)",
                parsed.format.describe()
            ),
            invalid_fix,
        ));
    }
    for p in &analysis.problems {
        step.fail(Problem::new(
            Failure::ChainInvalid,
            format!("the chain is broken: {p}"),
            "serve the complete chain up to a self-signed root, and nothing else",
        ));
    }
    if let Some(i) = root {
        let root_summary = summarize(&analysis.certs[i], now);
        if let Some(pin) = pin {
            if pin.matches(&root_summary) {
                step.details
                    .push(format!("root matches --expect-thumbprint {}", pin.as_str()));
            } else {
                step.fail(Problem::new(
                    Failure::ThumbprintMismatch,
                    format!(
                        "the root served is {} (SHA-1 {}, SHA-256 {}), not the pinned {}",
                        root_summary.subject,
                        root_summary.sha1,
                        root_summary.sha256,
                        pin.as_str()
                    ),
                    "the service hands devices a different root than you expect: check which chain the service at this URL serves (and that no other server answers for this name), or update the pin",
                ));
            }
        }
        r.root_der = Some(analysis.certs[i].der().to_vec());
    }
    if step.problems.is_empty() {
        step.summary = format!(
            "{}, root {} is self-signed",
            crate::step::plural(r.certs.len(), "certificate"),
            r.certs.last().map_or("?", |c| c.summary.subject.as_str())
        );
    } else if step
        .problems
        .iter()
        .all(|p| p.kind == Failure::ThumbprintMismatch)
    {
        step.summary = "root does not match the pinned thumbprint".into();
    } else {
        step.summary = "the chain cannot be used".into();
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_ignore_colons_spaces_and_case() {
        let a: Thumbprint = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01"
            .parse()
            .unwrap();
        let b: Thumbprint = "ABCDEF0123456789ABCDEF0123456789 ABCDEF01".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str().len(), 40);
        assert!("ABCD".parse::<Thumbprint>().is_err());
        assert!("zz".repeat(20).parse::<Thumbprint>().is_err());
        assert!("00".repeat(32).parse::<Thumbprint>().is_ok());
    }

    #[test]
    fn a_pin_matches_either_hash() {
        let summary = CertSummary {
            subject: "CN=r".into(),
            issuer: "CN=r".into(),
            serial: "01".into(),
            not_before: String::new(),
            not_after: String::new(),
            expires_in_days: 10,
            is_ca: true,
            path_len: None,
            key_type: "EC".into(),
            key_bits: None,
            self_issued: true,
            sha1: "11".repeat(20),
            sha256: "22".repeat(32),
            ..Default::default()
        };
        let sha1: Thumbprint = "11".repeat(20).parse().unwrap();
        let sha256: Thumbprint = "22".repeat(32).to_lowercase().parse().unwrap();
        let other: Thumbprint = "33".repeat(20).parse().unwrap();
        assert!(sha1.matches(&summary));
        assert!(sha256.matches(&summary));
        assert!(!other.matches(&summary));
    }
}
