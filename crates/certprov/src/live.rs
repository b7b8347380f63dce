//! What the service serves right now — the chain's response body and the HTTPS certificate —
//! and how a reload replaces it. Loading (file reads, checks, demo CA key generation) is
//! blocking and happens in [`Reloader::prepare`], which the caller runs off the serving path;
//! [`Reloader::apply`] only swaps pointers. Each part is swapped only when it loaded whole and
//! valid, so a broken new file leaves the old one in service.

use std::fmt::Write;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use ucprov_pki::demo_ca::PemPair;

use crate::load::{load_chain_files, now_unix, LoadedChain};
use crate::state::{demo_root, demo_server, resolve_state_dir};
use crate::tls::{self, LiveCert, ServedCert};
use crate::{CertProvConfig, CertProvError, ChainSource, TlsSource};

/// The served state, shared by the handlers, the TLS acceptor and the reloader.
#[derive(Debug)]
pub(crate) struct Live {
    chain: RwLock<Arc<LoadedChain>>,
    /// `None` when the HTTPS listener is off.
    pub cert: Option<Arc<LiveCert>>,
    /// The configuration the listeners were bound with: what a reload cannot change.
    bound: CertProvConfig,
}

impl Live {
    pub fn new(bound: CertProvConfig, chain: LoadedChain, cert: Option<ServedCert>) -> Self {
        Live {
            chain: RwLock::new(Arc::new(chain)),
            cert: cert.map(|c| Arc::new(LiveCert::new(c))),
            bound,
        }
    }

    pub fn chain(&self) -> Arc<LoadedChain> {
        // A writer only ever stores a whole Arc, so a poisoned lock still holds a good one.
        match self.chain.read() {
            Ok(c) => Arc::clone(&c),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    /// The 200 response body: one reference count, no copy.
    pub fn body(&self) -> Bytes {
        self.chain().body.clone()
    }

    fn swap_chain(&self, chain: LoadedChain) {
        let new = Arc::new(chain);
        match self.chain.write() {
            Ok(mut slot) => *slot = new,
            Err(p) => *p.into_inner() = new,
        }
    }
}

/// The demo CA's directory and root, when the chain or the HTTPS certificate comes from it.
type Demo = Option<(PathBuf, PemPair)>;

fn demo(config: &CertProvConfig) -> Result<Demo, CertProvError> {
    let needs = config.chain == ChainSource::DemoCa
        || (config.https_listen.is_some() && config.tls == TlsSource::DemoCa);
    if !needs {
        return Ok(None);
    }
    let dir = resolve_state_dir(config.state_dir.as_deref())?;
    let root = demo_root(&dir)?;
    if root.created {
        tracing::warn!(dir = %dir.display(), "created a new ucprov demo CA; devices must fetch the chain again");
    }
    Ok(Some((dir, root.root)))
}

fn load_chain(config: &CertProvConfig, demo: &Demo) -> Result<LoadedChain, CertProvError> {
    match (&config.chain, demo) {
        (ChainSource::Files(paths), _) => load_chain_files(paths, now_unix()),
        (ChainSource::DemoCa, Some((_, root))) => {
            let parsed = ucprov_pki::parse(root.cert_pem.as_bytes(), "demo CA")?;
            let mut warnings = vec![format!(
                "serving the built-in \"{}\" root; configure a real CA chain for production",
                ucprov_pki::demo_ca::DEMO_LABEL
            )];
            warnings.extend(parsed.warnings.iter().map(ToString::to_string));
            let mut loaded = LoadedChain::from_certs(&parsed.certs, warnings, now_unix())?;
            loaded.source = "demo CA".into();
            Ok(loaded)
        }
        (ChainSource::DemoCa, None) => Err(CertProvError::NoStateDir),
    }
}

fn load_cert(config: &CertProvConfig, demo: &Demo) -> Result<Option<ServedCert>, CertProvError> {
    match (config.https_listen, &config.tls, demo) {
        (None, _, _) => Ok(None),
        (Some(_), TlsSource::Files { cert, key }, _) => {
            tls::served_cert_from_files(cert, key).map(Some)
        }
        (Some(_), TlsSource::DemoCa, Some((dir, root))) => {
            let server = demo_server(dir, root, &config.web_fqdn)?;
            let name = dir.join("demo-server");
            tls::served_cert(
                server.cert_pem.as_bytes(),
                &name,
                server.key_pem.as_bytes(),
                &name,
                "demo CA".into(),
            )
            .map(Some)
        }
        (Some(_), TlsSource::DemoCa, None) => Err(CertProvError::NoStateDir),
    }
}

/// Blocking part of startup: every part must load.
pub(crate) fn load_all(
    config: &CertProvConfig,
) -> Result<(LoadedChain, Option<ServedCert>), CertProvError> {
    let demo = demo(config)?;
    Ok((load_chain(config, &demo)?, load_cert(config, &demo)?))
}

/// What `serve --check` verifies without side effects: the chain and HTTPS files load and
/// agree. The demo CA is neither read nor created. Returns what will be served, one line each.
pub fn check_files(config: &CertProvConfig) -> Result<Vec<String>, CertProvError> {
    let mut out = Vec::new();
    match &config.chain {
        ChainSource::Files(paths) => {
            let chain = load_chain_files(paths, now_unix())?;
            out.push(format!(
                "chain from {}: {} certificate(s)",
                chain.source,
                chain.chain.certs().len()
            ));
            out.extend(chain.warnings.iter().map(|w| format!("warning: {w}")));
        }
        ChainSource::DemoCa => out.push("chain: the demo CA (created on first start)".into()),
    }
    match (config.https_listen, &config.tls) {
        (None, _) => {}
        (Some(_), TlsSource::Files { cert, key }) => {
            let served = tls::served_cert_from_files(cert, key)?;
            out.push(format!(
                "HTTPS certificate {} for {}",
                served.source,
                served.leaf.subject()
            ));
        }
        (Some(_), TlsSource::DemoCa) => out.push(format!(
            "HTTPS certificate: issued by the demo CA for {}",
            config.web_fqdn
        )),
    }
    Ok(out)
}

/// A handle that reloads a running service's chain and HTTPS certificate.
#[derive(Debug, Clone)]
pub struct Reloader(pub(crate) Arc<Live>);

/// What [`Reloader::prepare`] loaded; each part on its own, so one broken file does not keep
/// the other part from being renewed.
#[derive(Debug)]
pub struct Prepared {
    config: CertProvConfig,
    chain: Result<LoadedChain, CertProvError>,
    /// `None` when the HTTPS listener is off in the new configuration.
    cert: Option<Result<ServedCert, CertProvError>>,
}

/// What [`Reloader::apply`] did, for one log line each.
#[derive(Debug, Default)]
pub struct Applied {
    /// Parts now in service (`chain from a.pem: 2 certificate(s)`).
    pub reloaded: Vec<String>,
    /// Parts that failed to load; the previous one keeps serving.
    pub errors: Vec<CertProvError>,
    /// Operator notes from the new chain (dropped private keys, expiry).
    pub warnings: Vec<String>,
    /// Settings that changed but take effect only at the next start.
    pub restart_only: Vec<String>,
}

impl Reloader {
    /// Read and check the chain and certificate `config` names. Blocking, bounded only by
    /// the files' own size caps: the caller runs it where a hung read cannot stall serving.
    pub fn prepare(&self, config: CertProvConfig) -> Prepared {
        let demo = match demo(&config) {
            Ok(d) => d,
            Err(e) => {
                // One error, reported once, not once per part that needed the demo CA.
                return Prepared {
                    config,
                    chain: Err(e),
                    cert: None,
                };
            }
        };
        let chain = load_chain(&config, &demo);
        let cert = load_cert(&config, &demo).transpose();
        Prepared {
            config,
            chain,
            cert,
        }
    }

    /// Swap in every part that loaded; say which settings need a restart.
    pub fn apply(&self, prepared: Prepared) -> Applied {
        let live = &self.0;
        let mut out = Applied::default();
        let new = &prepared.config;
        match prepared.chain {
            Ok(chain) => {
                out.warnings.extend(chain.warnings.iter().cloned());
                out.reloaded.push(format!(
                    "chain from {}: {} certificate(s)",
                    chain.source,
                    chain.chain.certs().len()
                ));
                live.swap_chain(chain);
            }
            Err(e) => out.errors.push(e),
        }
        match (prepared.cert, &live.cert) {
            (Some(Ok(cert)), Some(slot)) => {
                out.reloaded
                    .push(format!("HTTPS certificate from {}", cert.source));
                slot.swap(cert);
            }
            (Some(Err(e)), Some(_)) => out.errors.push(e),
            // HTTPS turned on or off: the listener is bound once.
            _ => {}
        }
        out.restart_only = restart_only(&live.bound, new);
        out
    }

    /// The chain's response body now in service.
    pub fn body(&self) -> Bytes {
        self.0.body()
    }

    /// `ucprov_certprov_certificate_expiry_days`: whole days until each served certificate
    /// expires (negative once expired), labelled with its role, subject and source file.
    pub fn render_prometheus(&self) -> String {
        let now = now_unix();
        let chain = self.0.chain();
        let mut rows: Vec<(&str, String, String, i64)> = Vec::new();
        for cert in chain.chain.certs() {
            rows.push((
                "chain",
                cert.subject(),
                chain.source.clone(),
                ucprov_pki::chain::days_until_expiry(cert, now),
            ));
        }
        let served = self.0.cert.as_ref().map(|c| c.current());
        if let Some(c) = &served {
            rows.push((
                "https",
                c.leaf.subject(),
                c.source.clone(),
                ucprov_pki::chain::days_until_expiry(&c.leaf, now),
            ));
        }
        render_expiry(&rows)
    }
}

/// The settings a running service cannot change: its sockets and its routing.
fn restart_only(bound: &CertProvConfig, new: &CertProvConfig) -> Vec<String> {
    let mut out = Vec::new();
    let addr = |a: Option<std::net::SocketAddr>| a.map_or("off".to_string(), |a| a.to_string());
    if bound.http_listen != new.http_listen {
        out.push(format!(
            "certprov.listen changed from {} to {}",
            addr(bound.http_listen),
            addr(new.http_listen)
        ));
    }
    if bound.https_listen != new.https_listen {
        out.push(format!(
            "certprov.https_listen changed from {} to {}",
            addr(bound.https_listen),
            addr(new.https_listen)
        ));
    }
    if bound.path != new.path {
        out.push(format!(
            "certprov.path changed from {} to {}",
            bound.path, new.path
        ));
    }
    if bound.limits != new.limits {
        out.push("certprov connection limits changed".into());
    }
    out
}

/// Prometheus label values escape backslash, double quote and newline.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render_expiry(rows: &[(&str, String, String, i64)]) -> String {
    let name = "ucprov_certprov_certificate_expiry_days";
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP {name} Whole days until a served certificate expires; negative once expired."
    );
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (role, subject, source, days) in rows {
        let _ = writeln!(
            out,
            "{name}{{role=\"{role}\",subject=\"{}\",source=\"{}\"}} {days}",
            label(subject),
            label(source)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_pki::demo_ca;

    type R = Result<(), Box<dyn std::error::Error>>;

    /// A root in `dir` as the chain file and a server certificate it issued as the HTTPS pair.
    fn files(
        dir: &std::path::Path,
        tag: &str,
    ) -> Result<CertProvConfig, Box<dyn std::error::Error>> {
        let root = demo_ca::generate_root()?;
        let server = demo_ca::issue_server(&root.key_pem, &[format!("{tag}.example.test")])?;
        let (chain, cert, key) = (
            dir.join("chain.pem"),
            dir.join("tls.pem"),
            dir.join("tls.key"),
        );
        std::fs::write(&chain, &root.cert_pem)?;
        std::fs::write(&cert, &server.cert_pem)?;
        std::fs::write(&key, &server.key_pem)?;
        Ok(CertProvConfig {
            http_listen: Some(([127, 0, 0, 1], 0).into()),
            https_listen: Some(([127, 0, 0, 1], 0).into()),
            chain: ChainSource::Files(vec![chain]),
            tls: TlsSource::Files { cert, key },
            ..CertProvConfig::default()
        })
    }

    fn reloader(config: &CertProvConfig) -> Result<Reloader, CertProvError> {
        let (chain, cert) = load_all(config)?;
        Ok(Reloader(Arc::new(Live::new(config.clone(), chain, cert))))
    }

    fn leaf_der(r: &Reloader) -> Vec<u8> {
        r.0.cert
            .as_ref()
            .map(|c| c.current().leaf.der().to_vec())
            .unwrap_or_default()
    }

    #[test]
    fn a_renewed_pair_is_swapped_in_and_a_broken_one_keeps_the_old() -> R {
        let dir = tempfile::tempdir()?;
        let config = files(dir.path(), "old")?;
        let r = reloader(&config)?;
        let (old_body, old_leaf) = (r.body(), leaf_der(&r));
        files(dir.path(), "new")?;
        let applied = r.apply(r.prepare(config.clone()));
        assert!(applied.errors.is_empty(), "{:?}", applied.errors);
        assert_eq!(applied.reloaded.len(), 2, "{:?}", applied.reloaded);
        assert!(applied.restart_only.is_empty());
        assert_ne!(r.body(), old_body);
        let new_leaf = leaf_der(&r);
        assert_ne!(new_leaf, old_leaf);
        // A truncated certificate: one error naming the file; chain and certificate stay.
        let TlsSource::Files { cert, .. } = &config.tls else {
            return Err("files".into());
        };
        std::fs::write(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n")?;
        let body = r.body();
        let applied = r.apply(r.prepare(config.clone()));
        assert_eq!(applied.errors.len(), 1, "{:?}", applied.errors);
        assert!(
            applied.errors[0].to_string().contains("tls.pem"),
            "{}",
            applied.errors[0]
        );
        assert_eq!(leaf_der(&r), new_leaf);
        assert_eq!(
            r.body(),
            body,
            "the chain, which loaded, was swapped for an equal one"
        );
        // The expiry gauge names both roles.
        let text = r.render_prometheus();
        assert!(text.contains("role=\"chain\""), "{text}");
        assert!(text.contains("role=\"https\""), "{text}");
        Ok(())
    }

    #[test]
    fn expiry_lines_escape_their_labels() {
        let rows = [
            (
                "chain",
                "CN=Root \"A\"".to_string(),
                "/etc/a.pem".to_string(),
                365,
            ),
            ("https", "CN=web".to_string(), "c:\\x".to_string(), -2),
        ];
        let text = render_expiry(&rows);
        assert!(text.contains("# TYPE ucprov_certprov_certificate_expiry_days gauge\n"));
        assert!(text.contains(
            "ucprov_certprov_certificate_expiry_days{role=\"chain\",subject=\"CN=Root \\\"A\\\"\",source=\"/etc/a.pem\"} 365\n"
        ));
        assert!(text.contains("source=\"c:\\\\x\"} -2\n"), "{text}");
    }

    #[test]
    fn listener_changes_are_restart_only() {
        let a = CertProvConfig::default();
        let mut b = a.clone();
        assert!(restart_only(&a, &b).is_empty());
        b.https_listen = Some(([127, 0, 0, 1], 8443).into());
        b.chain = ChainSource::Files(vec!["x.pem".into()]);
        let notes = restart_only(&a, &b);
        assert_eq!(
            notes,
            ["certprov.https_listen changed from off to 127.0.0.1:8443"]
        );
    }
}
