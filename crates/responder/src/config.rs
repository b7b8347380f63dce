//! The responder's configuration: one TOML file, validated whole before anything uses it, so a
//! reload either swaps in a complete, checked config or changes nothing.
//!
//! ```toml
//! server_id = "192.0.2.1"        # optional: default is the address the INFORM arrived on
//! always_send = false            # true: send 43 and 120 even when option 55 does not ask
//! admin = "127.0.0.1:9167"       # optional: Prometheus /metrics
//!
//! [listen]
//! address = "0.0.0.0"
//! port = 67
//! interfaces = ["eth0"]          # empty or absent: every interface
//! workers = 4                    # receive sockets (SO_REUSEPORT); absent: one per core
//!
//! [vendor_class]
//! value = "MS-UC-Client"
//! match = "exact"                # or "prefix", or "any" (labs: also INFORMs without 60)
//!
//! [default]                      # optional; without it, unmatched clients are ignored
//! sip_servers = ["pool.contoso.com"]
//! web_server = "web.contoso.com" # default: the first SIP server
//!
//! [[site]]
//! name = "berlin"
//! subnets = ["10.20.0.0/16"]
//! relays = ["10.20.0.1"]
//! sip_servers = ["pool-eu.contoso.com"]
//! sub = [{ code = 10, hex = "00C8" }]
//! ```

use std::net::{Ipv4Addr, SocketAddr};

use ipnet::Ipv4Net;
use serde::Deserialize;
use ucprov_wire::hex::parse_hex;
use ucprov_wire::profile::{ExtraSubOption, Provisioning, Scheme, VENDOR_CLASS};
use ucprov_wire::sip_servers::{Compression, SipServers};

use crate::site::{Site, Sites};

pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;

/// A config that cannot be used, with the field it is about.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Syntax(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The file could not be read whole (missing, too large, not text): an environment
    /// problem, not a bad config.
    #[error("{0}")]
    Read(crate::reload::ReadError),
}

impl ConfigError {
    fn invalid(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ConfigError::Invalid {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// Option 60 equals the value, byte for byte (what Kea and ISC dhcpd do).
    #[default]
    Exact,
    /// Option 60 starts with the value (`MS-UC-Client-X` matches too).
    Prefix,
    /// Every INFORM, with or without option 60; Windows rogue-detection probes are still
    /// ignored. For labs and generic test clients (dhcping, nmap) that cannot send option 60.
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorClass {
    pub value: Vec<u8>,
    pub mode: MatchMode,
}

impl Default for VendorClass {
    fn default() -> Self {
        VendorClass {
            value: VENDOR_CLASS.as_bytes().to_vec(),
            mode: MatchMode::Exact,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    pub address: Ipv4Addr,
    pub port: u16,
    /// Interface names to answer on; empty means all.
    pub interfaces: Vec<String>,
    /// Receive workers, each with its own SO_REUSEPORT socket; `None`: one per core.
    pub workers: Option<usize>,
}

/// More workers than this is a typo, not a machine.
pub const MAX_WORKERS: usize = 1024;

impl Listen {
    /// The worker count in force: the configured one, else the number of cores the process
    /// may run on (1 when that cannot be read).
    pub fn worker_count(&self) -> usize {
        self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    }
}

impl Default for Listen {
    fn default() -> Self {
        Listen {
            address: Ipv4Addr::UNSPECIFIED,
            port: SERVER_PORT,
            interfaces: Vec::new(),
            workers: None,
        }
    }
}

/// A validated configuration with each site's option bytes computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: Listen,
    pub vendor_class: VendorClass,
    pub server_id: Option<Ipv4Addr>,
    pub always_send: bool,
    pub admin: Option<SocketAddr>,
    /// Where replies go: the client's port (68) and the relay's port (67). Lab and test knob:
    /// only change them to run unprivileged clients on other ports.
    pub client_port: u16,
    pub relay_port: u16,
    pub sites: Sites,
}

impl Config {
    /// The single-site case: every client gets `provisioning`.
    pub fn single_site(provisioning: Provisioning) -> Result<Self, ConfigError> {
        let site = Site::new("default", Vec::new(), Vec::new(), provisioning)
            .map_err(|e| ConfigError::invalid("profile", e))?;
        Ok(Config {
            listen: Listen::default(),
            vendor_class: VendorClass::default(),
            server_id: None,
            always_send: false,
            admin: None,
            client_port: CLIENT_PORT,
            relay_port: SERVER_PORT,
            sites: Sites {
                sites: Vec::new(),
                default: Some(site),
            },
        })
    }

    /// Parse and validate a TOML config. Errors name the field (`site[1] "berlin".web_server`).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let file: FileToml =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
        file.validate(text)
    }

    /// Whether `text` is TOML at all, before any service reads its part: a typo is then one
    /// error (with its line) rather than one per service.
    pub fn check_syntax(text: &str) -> Result<(), ConfigError> {
        toml::from_str::<toml::Table>(text)
            .map(drop)
            .map_err(|e| ConfigError::Syntax(e.to_string()))
    }

    /// Read (at most [`crate::reload::MAX_CONFIG_BYTES`]) and validate a config file.
    pub fn load(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = crate::reload::read_bounded(path, crate::reload::MAX_CONFIG_BYTES)
            .map_err(ConfigError::Read)?;
        Self::from_toml(&text)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    server_id: Option<Ipv4Addr>,
    #[serde(default)]
    always_send: bool,
    admin: Option<SocketAddr>,
    #[serde(default)]
    listen: ListenToml,
    #[serde(default)]
    vendor_class: VendorClassToml,
    #[serde(default)]
    ports: PortsToml,
    default: Option<SiteToml>,
    #[serde(default)]
    site: Vec<toml::Spanned<SiteToml>>,
    /// The certificate provisioning service's table, read by `ucprov serve` itself.
    #[serde(default, rename = "certprov")]
    _certprov: Option<serde::de::IgnoredAny>,
    /// The process's own settings (the user to run as), read by `ucprov serve` itself.
    #[serde(default, rename = "service")]
    _service: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenToml {
    address: Option<Ipv4Addr>,
    port: Option<u16>,
    #[serde(default)]
    interfaces: Vec<String>,
    workers: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorClassToml {
    value: Option<String>,
    #[serde(default, rename = "match")]
    mode: MatchMode,
}

/// Lab and test knob: the ports replies are sent to.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortsToml {
    client: Option<u16>,
    relay: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteToml {
    name: Option<String>,
    #[serde(default)]
    subnets: Vec<Ipv4Net>,
    #[serde(default)]
    relays: Vec<Ipv4Addr>,
    #[serde(default)]
    sip_servers: Vec<String>,
    web_server: Option<String>,
    scheme: Option<Scheme>,
    port: Option<u16>,
    path: Option<String>,
    #[serde(default)]
    compress: bool,
    #[serde(default)]
    sub: Vec<SubToml>,
}

/// An extra option 43 sub-option, as text or as hex (any form `ucprov decode` takes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubToml {
    code: u8,
    text: Option<String>,
    hex: Option<String>,
}

impl FileToml {
    fn validate(self, text: &str) -> Result<Config, ConfigError> {
        let listen = self.listen.validate()?;
        let vendor_class = self.vendor_class.validate()?;
        let mut sites = Vec::with_capacity(self.site.len());
        for (i, spanned) in self.site.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let s = spanned.into_inner();
            let label = format!("site[{i}]");
            let name = s
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| ConfigError::invalid(&label, "every [[site]] needs a name"))?;
            let field = format!("{label} {name:?}");
            if sites.iter().any(|o: &Site| o.name == name) {
                return Err(ConfigError::invalid(field, "duplicate site name"));
            }
            if s.subnets.is_empty() && s.relays.is_empty() {
                return Err(ConfigError::invalid(
                    field,
                    "matches no client: give subnets = [\"10.1.0.0/16\"] or relays = [\"10.1.0.1\"] (or use [default])",
                ));
            }
            let mut site = s.into_site(name, &field)?;
            site.line = line;
            sites.push(site);
        }
        let default = match self.default {
            Some(d) if !d.subnets.is_empty() || !d.relays.is_empty() || d.name.is_some() => {
                return Err(ConfigError::invalid(
                    "default",
                    "the default site takes no name, subnets or relays; it serves every client no [[site]] matches",
                ))
            }
            Some(d) => Some(d.into_site("default".into(), "default")?),
            None => None,
        };
        if sites.is_empty() && default.is_none() {
            return Err(ConfigError::invalid(
                "default",
                "no profile configured: add a [default] table or at least one [[site]]",
            ));
        }
        let ports = self.ports;
        Ok(Config {
            listen,
            vendor_class,
            server_id: self.server_id,
            always_send: self.always_send,
            admin: self.admin,
            client_port: ports.client.unwrap_or(CLIENT_PORT),
            relay_port: ports.relay.unwrap_or(SERVER_PORT),
            sites: Sites { sites, default },
        })
    }
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> Option<u32> {
    let before = text.get(..offset)?;
    u32::try_from(before.bytes().filter(|b| *b == b'\n').count() + 1).ok()
}

impl ListenToml {
    fn validate(self) -> Result<Listen, ConfigError> {
        for (i, name) in self.interfaces.iter().enumerate() {
            // IFNAMSIZ is 16 including the NUL.
            if name.is_empty() || name.len() > 15 || name.contains(['/', ' ']) {
                return Err(ConfigError::invalid(
                    format!("listen.interfaces[{i}]"),
                    format!("{name:?} is not an interface name (1-15 characters, no '/' or space)"),
                ));
            }
        }
        let workers = self.workers.map(check_workers).transpose()?;
        Ok(Listen {
            address: self.address.unwrap_or(Ipv4Addr::UNSPECIFIED),
            port: self.port.unwrap_or(SERVER_PORT),
            interfaces: self.interfaces,
            workers,
        })
    }
}

/// `[listen] workers`: 1 to [`MAX_WORKERS`].
fn check_workers(n: i64) -> Result<usize, ConfigError> {
    usize::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_WORKERS).contains(n))
        .ok_or_else(|| {
            ConfigError::invalid(
                "listen.workers",
                format!("{n} is not a worker count: give 1 to {MAX_WORKERS}, or leave it out for one per core"),
            )
        })
}

impl VendorClassToml {
    fn validate(self) -> Result<VendorClass, ConfigError> {
        let value = self.value.unwrap_or_else(|| VENDOR_CLASS.to_string());
        if value.is_empty() || value.len() > 255 {
            return Err(ConfigError::invalid(
                "vendor_class.value",
                "must be 1-255 bytes; Lync devices send MS-UC-Client",
            ));
        }
        Ok(VendorClass {
            value: value.into_bytes(),
            mode: self.mode,
        })
    }
}

impl SiteToml {
    fn into_site(self, name: String, field: &str) -> Result<Site, ConfigError> {
        let Some(first) = self.sip_servers.first() else {
            return Err(ConfigError::invalid(
                format!("{field}.sip_servers"),
                "needs at least one registrar FQDN for option 120, e.g. [\"pool.contoso.com\"]",
            ));
        };
        let web = self.web_server.clone().unwrap_or_else(|| first.clone());
        let mut p = Provisioning::new(first.clone(), Some(web));
        p.sip_servers = SipServers::Names(self.sip_servers.clone());
        p.compression = if self.compress {
            Compression::On
        } else {
            Compression::Off
        };
        if let Some(scheme) = self.scheme {
            p.profile.scheme = scheme;
        }
        if let Some(port) = self.port {
            p.profile.port = port;
        }
        if let Some(path) = self.path {
            p.profile.path = path;
        }
        for (i, sub) in self.sub.into_iter().enumerate() {
            p.profile
                .extra
                .push(sub.into_extra(&format!("{field}.sub[{i}]"))?);
        }
        Site::new(name, self.subnets, self.relays, p)
            .map_err(|e| ConfigError::invalid(field, profile_error_field(&e)))
    }
}

/// Name the TOML key a profile error is about, so `--check` points at the line to fix.
fn profile_error_field(e: &ucprov_wire::ProvisioningError) -> String {
    use ucprov_wire::ProvisioningError::*;
    let key = match e {
        SipServers(_) => "sip_servers",
        Profile(p) => match p.code() {
            Some(1) => "uc_identifier",
            Some(2) => "scheme",
            Some(3) => "web_server",
            Some(4) => "port",
            Some(5) => "path",
            _ => "sub",
        },
    };
    format!("{key}: {e}")
}

impl SubToml {
    fn into_extra(self, field: &str) -> Result<ExtraSubOption, ConfigError> {
        if (1..=5).contains(&self.code) {
            return Err(ConfigError::invalid(
                format!("{field}.code"),
                "codes 1-5 are the profile; use scheme, web_server, port or path",
            ));
        }
        let value = match (self.text, self.hex) {
            (Some(t), None) => t.into_bytes(),
            (None, Some(h)) => {
                parse_hex(&h).map_err(|e| ConfigError::invalid(format!("{field}.hex"), e))?
            }
            _ => {
                return Err(ConfigError::invalid(
                    field,
                    "give exactly one of text = \"...\" or hex = \"...\"",
                ))
            }
        };
        Ok(ExtraSubOption {
            code: self.code,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
server_id = "192.0.2.1"
always_send = true
admin = "127.0.0.1:9167"
[listen]
address = "192.0.2.1"
port = 1067
interfaces = ["veth0"]
[vendor_class]
value = "MS-UC-Client"
match = "prefix"
[ports]
client = 1068
relay = 1067
[default]
sip_servers = ["lync.schertz.local"]
[[site]]
name = "berlin"
subnets = ["10.20.0.0/16"]
relays = ["10.99.0.1"]
sip_servers = ["pool-eu.contoso.com", "dir-eu.contoso.com"]
web_server = "web-eu.contoso.com"
port = 4443
compress = true
sub = [{ code = 10, hex = "00C8" }, { code = 220, text = "NAP" }]
"#;

    #[test]
    fn full_config_parses_into_sites_with_precomputed_bytes() {
        let c = Config::from_toml(FULL).unwrap();
        assert_eq!(c.listen.port, 1067);
        assert_eq!(c.listen.interfaces, vec!["veth0"]);
        assert_eq!(c.vendor_class.mode, MatchMode::Prefix);
        assert_eq!((c.client_port, c.relay_port), (1068, 1067));
        assert!(c.always_send);
        let d = c.sites.default.as_ref().unwrap();
        assert_eq!(d.option43().len(), 85);
        let b = &c.sites.sites[0];
        assert_eq!(b.provisioning.profile.port, 4443);
        assert!(b.option43().ends_with(b"\x0A\x02\x00\xC8\xDC\x03NAP"));
    }

    #[test]
    fn defaults_are_the_registrars() {
        let c = Config::from_toml("[default]\nsip_servers = [\"a.b\"]\n").unwrap();
        assert_eq!(c.listen, Listen::default());
        assert_eq!(c.vendor_class, VendorClass::default());
        assert_eq!((c.client_port, c.relay_port), (68, 67));
        assert!(!c.always_send);
    }

    fn err(text: &str) -> String {
        Config::from_toml(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_field() {
        let e = err("[default]\nsip_servers = [\"bad_name\"]\n");
        assert!(e.starts_with("default: sip_servers:"), "{e}");
        let e = err("[default]\nsip_servers = [\"a.b\"]\nweb_server = \"x..y\"\n");
        assert!(e.starts_with("default: web_server:"), "{e}");
        let e = err("[[site]]\nname = \"x\"\nsip_servers = [\"a.b\"]\n");
        assert!(e.contains("site[0] \"x\": matches no client"), "{e}");
        let e = err(
            "[[site]]\nname = \"x\"\nrelays = [\"10.0.0.1\"]\nsip_servers = [\"a.b\"]\nsub = [{ code = 3, text = \"x\" }]\n",
        );
        assert!(e.contains("site[0] \"x\".sub[0].code"), "{e}");
        let e = err("[default]\nsip_servers = [\"a.b\"]\nsub = [{ code = 9, hex = \"ABC\" }]\n");
        assert!(e.starts_with("default.sub[0].hex"), "{e}");
        let e = err("");
        assert!(e.contains("no profile configured"), "{e}");
        let e = err("[default]\nsip_servers = []\n");
        assert!(e.starts_with("default.sip_servers"), "{e}");
        let e = err("[default]\nsip_servers = [\"a.b\"]\n[listen]\ninterfaces = [\"\"]\n");
        assert!(e.starts_with("listen.interfaces[0]"), "{e}");
    }

    #[test]
    fn workers_are_one_to_the_cap_or_one_per_core() {
        let with =
            |w: &str| format!("[default]\nsip_servers = [\"a.b\"]\n[listen]\nworkers = {w}\n");
        assert_eq!(
            Config::from_toml(&with("3")).unwrap().listen.worker_count(),
            3
        );
        for bad in ["0", "-1", "1025"] {
            let e = err(&with(bad));
            assert!(
                e.starts_with("listen.workers: ") && e.contains("1 to 1024"),
                "{e}"
            );
        }
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(Listen::default().worker_count(), cores);
    }

    #[test]
    fn typos_and_bad_types_are_syntax_errors_with_the_key() {
        let e = err("[default]\nsip_server = [\"a.b\"]\n");
        assert!(e.contains("sip_server"), "{e}");
        let e = err("server_id = \"300.1.1.1\"\n[default]\nsip_servers = [\"a.b\"]\n");
        assert!(e.contains("server_id"), "{e}");
        let e = err("[vendor_class]\nmatch = \"regex\"\n[default]\nsip_servers = [\"a.b\"]\n");
        assert!(e.contains("match"), "{e}");
    }

    #[test]
    fn sites_know_their_line() {
        let c = Config::from_toml(FULL).unwrap();
        let line = c.sites.sites[0].line.unwrap();
        assert_eq!(FULL.lines().nth(line as usize - 1), Some("[[site]]"));
    }

    #[test]
    fn the_certprov_table_is_left_to_the_certificate_service() {
        let c = Config::from_toml("[default]\nsip_servers = [\"a.b\"]\n[certprov]\nanything = 1\n");
        assert!(c.is_ok(), "{c:?}");
    }

    #[test]
    fn duplicate_site_names_are_rejected() {
        let site = "[[site]]\nname = \"x\"\nrelays = [\"10.0.0.1\"]\nsip_servers = [\"a.b\"]\n";
        let e = err(&format!("{site}{site}"));
        assert!(e.contains("duplicate site name"), "{e}");
    }
}
