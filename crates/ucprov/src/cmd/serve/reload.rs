//! SIGHUP for `serve`: re-read the one configuration file and renew what both services serve.
//!
//! The file, the CA chain and the HTTPS certificate are read and checked on a detached thread
//! with a size bound (`MAX_CONFIG_BYTES`) and a time bound (`RELOAD_TIMEOUT`), so a FIFO or a
//! hung mount in their place never delays an answer nor holds shutdown
//! (`ucprov_responder::reload`). What comes back is applied only when whole: a configuration
//! file that does not parse or check changes nothing; a chain or certificate file that does not
//! load keeps the previous one of that part in service. Each refusal is one log line naming the
//! file, what is wrong and the fix.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::{error, info, warn};
use ucprov_certprov::{CertProvSettings, Prepared, Reloader};
use ucprov_responder::config::Config;
use ucprov_responder::policy::Policy;
use ucprov_responder::reload::{
    off_thread, read_bounded, serve_reloads, Readers, ReloadMetrics, MAX_CONFIG_BYTES,
    RELOAD_TIMEOUT,
};
use ucprov_responder::state::{interface_index, State};

/// Everything a reload renews.
pub(super) struct Reload {
    /// `None` when the configuration came from flags: only the certificate files the flags
    /// name are read again.
    pub path: Option<PathBuf>,
    pub dhcp: Option<Arc<State>>,
    /// The running certificate service and the flags that override the file's table.
    pub certprov: Option<(Reloader, CertProvSettings)>,
    pub metrics: Arc<ReloadMetrics>,
    pub readers: Readers,
}

/// What the reload thread read and checked, ready to swap in.
struct Loaded {
    dhcp: Option<Policy>,
    certprov: Option<Prepared>,
    /// The file has a `[certprov]` table.
    certprov_table: bool,
}

const REJECTED: &str = "configuration reload rejected; still serving the previous configuration";

impl Reload {
    /// One reload per SIGHUP (coalesced while one is pending) until `shutdown`.
    pub async fn serve(
        self,
        hup: tokio::signal::unix::Signal,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> io::Result<()> {
        let me = Arc::new(self);
        serve_reloads(hup, shutdown, move || {
            let me = Arc::clone(&me);
            async move { me.once().await }
        })
        .await;
        Ok(())
    }

    async fn once(&self) {
        if self.path.is_none() && self.certprov.is_none() {
            error!("SIGHUP: nothing to reload: the configuration came from command-line flags; start with --config FILE to reload it");
            self.metrics.record(false);
            return;
        }
        // Without a file, the flags' chain and certificate files are still read again.
        let path = self.path.clone();
        let shown = path.as_ref().map_or("command-line flags".to_string(), |p| {
            p.display().to_string()
        });
        info!(path = %shown, "SIGHUP: reloading");
        let want_dhcp = self.dhcp.is_some() && path.is_some();
        let certprov = self.certprov.clone();
        let job = move || load(path.as_deref(), want_dhcp, certprov);
        let ok = match off_thread(&self.readers, &shown, RELOAD_TIMEOUT, job).await {
            Err(e) => {
                error!(path = %shown, error = %e, "{REJECTED}");
                false
            }
            Ok(Err(e)) => {
                error!(path = %shown, error = %one_line(&e), "{REJECTED}");
                false
            }
            Ok(Ok(loaded)) => self.apply(&shown, loaded),
        };
        self.metrics.record(ok);
    }

    /// Swap in what loaded; true when every part did.
    fn apply(&self, path: &str, loaded: Loaded) -> bool {
        let mut ok = true;
        match (&self.dhcp, loaded.dhcp) {
            (Some(state), Some(policy)) => {
                let r = state.install(policy);
                info!(path, sites = r.sites, "configuration reloaded");
                if r.listen_changed {
                    warn!(
                        path,
                        "listen address or port changed: takes effect at the next start"
                    );
                }
                if r.admin_changed {
                    warn!(
                        path,
                        "admin address changed: takes effect at the next start"
                    );
                }
            }
            (Some(_), None) => info!(path, "DHCP configuration from flags: unchanged"),
            _ => info!(path, "configuration reloaded"),
        }
        match (&self.certprov, loaded.certprov) {
            (Some((reloader, _)), Some(prepared)) => {
                let applied = reloader.apply(prepared);
                for what in &applied.reloaded {
                    info!(path, "certprov: {what} reloaded");
                }
                for w in &applied.warnings {
                    warn!("certprov: {w}");
                }
                for e in &applied.errors {
                    ok = false;
                    error!(error = %one_line(&e.to_string()), "certprov reload rejected; still serving the previous one (fix the file and send SIGHUP again)");
                }
                for note in &applied.restart_only {
                    warn!(path, "{note}: takes effect at the next start");
                }
            }
            (None, _) if loaded.certprov_table => warn!(
                path,
                "[certprov]: the certificate service is not running; it starts at the next start"
            ),
            _ => {}
        }
        ok
    }
}

/// The blocking part, on the reload thread: read the file once (when there is one), check it
/// whole, load the certificate files it (or the flags) name. Errors are whole log lines: the
/// file, what, the fix.
fn load(
    path: Option<&Path>,
    want_dhcp: bool,
    certprov: Option<(Reloader, CertProvSettings)>,
) -> Result<Loaded, String> {
    let mut dhcp = None;
    let mut table = None;
    if let Some(path) = path {
        let text = read_bounded(path, MAX_CONFIG_BYTES).map_err(|e| e.to_string())?;
        let shown = path.display();
        // One syntax check for the whole file, so a typo is one error, not one per service.
        Config::check_syntax(&text).map_err(|e| format!("{shown}: {e}"))?;
        if want_dhcp {
            let policy = Config::from_toml(&text).and_then(|c| Policy::new(c, interface_index));
            dhcp = Some(policy.map_err(|e| format!("{shown}: {e}"))?);
        }
        let base = path.parent().unwrap_or(Path::new(""));
        table = CertProvSettings::from_toml(&text, base).map_err(|e| format!("{shown}: {e}"))?;
    }
    let certprov_table = table.is_some();
    let certprov = match certprov {
        Some((reloader, flags)) => {
            let config = table
                .unwrap_or_default()
                .overridden_by(flags)
                .to_config()
                .map_err(|e| e.to_string())?;
            Some(reloader.prepare(config))
        }
        None => None,
    };
    Ok(Loaded {
        dhcp,
        certprov,
        certprov_table,
    })
}

/// A message as one log line: TOML errors quote the offending line under a header, which a
/// journal would split into lines that no longer say which reload they belong to.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "|")
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_error_becomes_one_line_with_its_line_number_and_key() {
        let e = Config::from_toml("[default]\nsip_servers = [\"a.b\"]\nalways_sendd = true\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains('\n'), "toml's own message spans lines: {e}");
        let line = one_line(&e);
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.contains("line 3") && line.contains("always_sendd"),
            "{line}"
        );
    }
}
