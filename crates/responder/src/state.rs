//! The live configuration and counters, shared by the receive loop, the reload signal and the
//! admin endpoint. A reload builds and checks a whole new [`Policy`] first and swaps it in
//! with one pointer store, so the loop sees either the old config or the new one, never a mix.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::config::{Config, ConfigError};
use crate::metrics::Metrics;
use crate::policy::Policy;

/// Resolve an interface name to its index on this host.
pub fn interface_index(name: &str) -> Option<u32> {
    nix::net::if_::if_nametoindex(name).ok()
}

#[derive(Debug)]
pub struct State {
    policy: RwLock<Arc<Policy>>,
    pub metrics: Metrics,
    /// The file `reload` reads; `None` when the config came from flags.
    path: Option<PathBuf>,
}

/// What a successful reload changed that needs a restart to take effect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reloaded {
    pub sites: usize,
    pub listen_changed: bool,
    pub admin_changed: bool,
}

impl State {
    pub fn new(policy: Policy, path: Option<PathBuf>) -> Self {
        State {
            policy: RwLock::new(Arc::new(policy)),
            metrics: Metrics::default(),
            path,
        }
    }

    /// The config in force. Cheap: one reference count increment.
    pub fn current(&self) -> Arc<Policy> {
        match self.policy.read() {
            Ok(p) => Arc::clone(&p),
            // A writer only ever stores a complete Arc, so a poisoned lock still holds one.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// Read and check the config file into a policy, touching nothing that serves. Blocking
    /// and bounded in size ([`crate::reload::MAX_CONFIG_BYTES`]) but not in time: run it with
    /// [`crate::reload::off_thread`].
    pub fn load(&self) -> Result<Policy, ConfigError> {
        let Some(path) = &self.path else {
            return Err(ConfigError::Invalid {
                field: "--config".into(),
                message:
                    "the configuration came from command-line flags; there is no file to reload"
                        .into(),
            });
        };
        Policy::new(Config::load(path)?, interface_index)
    }

    /// Swap in a checked policy. Listening sockets and the admin address are bound once, so
    /// changes to them are reported and take effect at the next start.
    pub fn install(&self, policy: Policy) -> Reloaded {
        let old = self.current();
        let reloaded = Reloaded {
            sites: policy.config.sites.sites.len(),
            listen_changed: old.config.listen.address != policy.config.listen.address
                || old.config.listen.port != policy.config.listen.port
                || old.config.listen.workers != policy.config.listen.workers,
            admin_changed: old.config.admin != policy.config.admin,
        };
        let new = Arc::new(policy);
        match self.policy.write() {
            Ok(mut slot) => *slot = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
        reloaded
    }

    /// [`State::load`] then [`State::install`], blocking: for callers that own the thread.
    pub fn reload(&self) -> Result<Reloaded, ConfigError> {
        self.load().map(|p| self.install(p))
    }

    /// Check `config` and swap it in.
    pub fn replace(&self, config: Config) -> Result<Reloaded, ConfigError> {
        Ok(self.install(Policy::new(config, interface_index)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const GOOD: &str = "[default]\nsip_servers = [\"old.contoso.com\"]\n";

    fn state_with(text: &str) -> (State, tempfile::NamedTempFile) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let policy = Policy::new(Config::from_toml(text).unwrap(), |_| None).unwrap();
        (State::new(policy, Some(file.path().to_path_buf())), file)
    }

    fn web(state: &State) -> String {
        web_of(&state.current())
    }

    fn web_of(p: &Policy) -> String {
        p.config
            .sites
            .default
            .as_ref()
            .unwrap()
            .provisioning
            .profile
            .web_fqdn
            .clone()
    }

    #[test]
    fn a_broken_config_keeps_the_old_one() {
        let (state, file) = state_with(GOOD);
        std::fs::write(file.path(), "[default]\nsip_servers = [\"bad_name\"]\n").unwrap();
        let e = state.reload().unwrap_err().to_string();
        assert!(e.contains("sip_servers"), "{e}");
        assert_eq!(web(&state), "old.contoso.com");
        std::fs::write(file.path(), "not toml [").unwrap();
        assert!(state.reload().is_err());
        std::fs::remove_file(file.path()).unwrap();
        assert!(state.reload().is_err());
        assert_eq!(web(&state), "old.contoso.com");
    }

    #[test]
    fn a_good_config_is_swapped_in_and_reports_restart_only_changes() {
        let (state, file) = state_with(GOOD);
        let before = state.current();
        std::fs::write(
            file.path(),
            "[listen]\nport = 1067\n[default]\nsip_servers = [\"new.contoso.com\"]\n",
        )
        .unwrap();
        let r = state.reload().unwrap();
        assert!(r.listen_changed && !r.admin_changed);
        assert_eq!(web(&state), "new.contoso.com");
        // Whoever held the old snapshot still sees a whole, unchanged config.
        assert_eq!(web_of(&before), "old.contoso.com");
    }

    #[test]
    fn an_unknown_interface_is_rejected_on_reload() {
        let (state, file) = state_with(GOOD);
        std::fs::write(
            file.path(),
            format!("[listen]\ninterfaces = [\"nosuchif0\"]\n{GOOD}"),
        )
        .unwrap();
        let e = state.reload().unwrap_err().to_string();
        assert!(e.contains("nosuchif0"), "{e}");
    }

    #[test]
    fn flag_configs_cannot_be_reloaded() {
        let policy = Policy::new(Config::from_toml(GOOD).unwrap(), |_| None).unwrap();
        let state = State::new(policy, None);
        assert!(state
            .reload()
            .unwrap_err()
            .to_string()
            .contains("no file to reload"));
    }
}
