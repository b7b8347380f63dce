//! Step 3: DNS. The names a device looks up: the web services FQDN of option 43 and every
//! registrar of option 120, or, without option 120, the `_sipinternaltls._tcp.<domain>` SRV
//! record Lync clients fall back to (and `_sip._tls.<domain>`, reported). Asked through
//! hickory-resolver, of `--dns-server` or of the system's configured servers
//! (`/etc/resolv.conf`, never `/etc/hosts`: a phone has none). `--resolve` overrides come
//! first and are reported as such; a name they cover is not asked of DNS at all.
//!
//! The probe itself is synchronous; each lookup runs on a small current-thread tokio
//! runtime owned by [`Resolver`].

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver as Hickory, TokioResolver};
use serde::Serialize;

/// hickory's DNS message types, for callers that answer queries (the demo's in-process
/// DNS server) without a dependency of their own.
pub use hickory_resolver::proto;

/// Where an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A `--resolve` entry: DNS was not asked.
    Override,
    /// The name is an IP literal.
    Literal,
    /// A DNS answer (A and AAAA).
    Dns,
}

#[derive(Debug, Clone, Serialize)]
pub struct NameAnswer {
    pub role: String,
    pub name: String,
    pub source: Source,
    pub addresses: Vec<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SrvAnswer {
    pub query: String,
    pub records: Vec<SrvRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the DNS step asked and heard, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DnsResult {
    /// "192.0.2.1:53", "the system resolver (…)", or "not asked" when every name was
    /// overridden.
    pub server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub names: Vec<NameAnswer>,
    pub srv: Vec<SrvAnswer>,
}

/// Why a lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// NXDOMAIN or no records of the type: the name (or record) does not exist.
    NotFound(String),
    /// No usable answer from the server: timeout, refused, SERVFAIL, no server configured.
    Silent(String),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NotFound(m) | LookupError::Silent(m) => f.write_str(m),
        }
    }
}

/// A stub resolver: hickory on a private current-thread runtime.
pub struct Resolver {
    rt: tokio::runtime::Runtime,
    inner: TokioResolver,
    /// Who is asked, for messages.
    pub server: String,
}

/// `name.` so search domains never apply: the device asks for the name it was given.
fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn classify(name: &str, what: &str, e: &hickory_resolver::net::NetError) -> LookupError {
    if e.is_nx_domain() || e.is_no_records_found() {
        LookupError::NotFound(format!("{name}: no {what} record ({e})"))
    } else {
        LookupError::Silent(format!("{name}: no answer to the {what} query: {e}"))
    }
}

impl Resolver {
    /// Ask `server` (UDP then TCP, port as given), or the system's configured servers.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Resolver, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the DNS runtime: {e}"))?;
        let (mut builder, text) = match server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                (
                    Hickory::builder_with_config(
                        ResolverConfig::from_name_servers(vec![ns]),
                        TokioRuntimeProvider::default(),
                    ),
                    addr.to_string(),
                )
            }
            None => {
                let (config, options) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| format!("no system DNS configuration (/etc/resolv.conf): {e}"))?;
                let servers: Vec<String> = config
                    .name_servers()
                    .iter()
                    .map(|n| n.ip.to_string())
                    .collect();
                let mut b = Hickory::builder_with_config(config, TokioRuntimeProvider::default());
                *b.options_mut() = options;
                (
                    b,
                    format!(
                        "the system resolver ({})",
                        if servers.is_empty() {
                            "no servers in /etc/resolv.conf".to_string()
                        } else {
                            servers.join(", ")
                        }
                    ),
                )
            }
        };
        let opts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 1;
        opts.use_hosts_file = ResolveHosts::Never;
        let inner = builder
            .build()
            .map_err(|e| format!("cannot build the resolver: {e}"))?;
        Ok(Resolver {
            rt,
            inner,
            server: text,
        })
    }

    /// A and AAAA addresses of `name`.
    pub fn ip(&self, name: &str) -> Result<Vec<IpAddr>, LookupError> {
        let q = absolute(name);
        let found = self
            .rt
            .block_on(self.inner.lookup_ip(q.as_str()))
            .map_err(|e| classify(name, "A/AAAA", &e))?;
        let mut addrs: Vec<IpAddr> = found.iter().collect();
        addrs.dedup();
        if addrs.is_empty() {
            return Err(LookupError::NotFound(format!("{name}: no A/AAAA record")));
        }
        Ok(addrs)
    }

    /// SRV records of `name`, by priority then weight (heaviest first).
    pub fn srv(&self, name: &str) -> Result<Vec<SrvRecord>, LookupError> {
        let q = absolute(name);
        let found = self
            .rt
            .block_on(self.inner.srv_lookup(q.as_str()))
            .map_err(|e| classify(name, "SRV", &e))?;
        let mut out: Vec<SrvRecord> = found
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::SRV(s) => Some(SrvRecord {
                    priority: s.priority,
                    weight: s.weight,
                    port: s.port,
                    target: s.target.to_ascii().trim_end_matches('.').to_string(),
                }),
                _ => None,
            })
            .collect();
        out.sort_by_key(|r| (r.priority, std::cmp::Reverse(r.weight)));
        if out.is_empty() {
            return Err(LookupError::NotFound(format!("{name}: no SRV record")));
        }
        Ok(out)
    }
}

/// The domain Lync clients query SRV records in. A phone takes it from the user's sign-in
/// address; before sign-in the probe has no user, so it uses the web services FQDN's parent
/// (`web.contoso.com` -> `contoso.com`). None for a single-label name.
pub fn parent_domain(fqdn: &str) -> Option<String> {
    let name = fqdn.trim_end_matches('.');
    let (_, parent) = name.split_once('.')?;
    if parent.is_empty() {
        None
    } else {
        Some(parent.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_srv_domain_is_the_parent_of_the_web_fqdn() {
        assert_eq!(
            parent_domain("Web.Contoso.test.").as_deref(),
            Some("contoso.test")
        );
        assert_eq!(parent_domain("lync").as_deref(), None);
        assert_eq!(parent_domain("lync.").as_deref(), None);
        assert_eq!(absolute("a.test"), "a.test.");
        assert_eq!(absolute("a.test."), "a.test.");
    }

    /// A real lookup against a closed loopback port: no server, so a clear "no answer".
    #[test]
    fn a_server_that_is_not_there_is_silent_not_missing() {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        drop(sock);
        let r = Resolver::new(Some(addr), Duration::from_millis(300)).unwrap();
        match r.ip("web.contoso.test") {
            Err(LookupError::Silent(m)) => assert!(m.contains("web.contoso.test"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
