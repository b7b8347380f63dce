//! Name resolution with curl-style `--resolve` overrides, and TCP connects with a deadline.
//! Labs often have no DNS for the pool's FQDNs; the override map lets the probe reach them
//! without touching /etc/hosts.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde::Serialize;

/// One `--resolve` entry: `HOST:IP`, or curl's `HOST:PORT:IP` to pin a single port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    pub host: String,
    pub port: Option<u16>,
    pub address: IpAddr,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveMap {
    pub entries: Vec<Override>,
    /// Never fall back to the system resolver: set when the DNS step asked `--dns-server`
    /// and its answers were added as entries, so every connection uses that server's view.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_system: bool,
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("--resolve {text:?}: expected HOST:IP or HOST:PORT:IP");
        let (host, rest) = text.split_once(':').ok_or_else(bad)?;
        if host.is_empty() {
            return Err(bad());
        }
        let ip = |s: &str| {
            s.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
        };
        if let Ok(address) = ip(rest) {
            return Ok(Override {
                host: host.to_ascii_lowercase(),
                port: None,
                address,
            });
        }
        let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
        Ok(Override {
            host: host.to_ascii_lowercase(),
            port: Some(port.parse().map_err(|_| bad())?),
            address: ip(addr).map_err(|_| bad())?,
        })
    }
}

impl ResolveMap {
    pub fn new(entries: Vec<Override>) -> Self {
        ResolveMap {
            entries,
            no_system: false,
        }
    }

    /// Is there an entry for `host` (any port)?
    pub fn covers(&self, host: &str) -> bool {
        let wanted = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries
            .iter()
            .any(|o| o.host.trim_end_matches('.') == wanted)
    }

    /// Addresses for `host:port`: overrides first (port-specific before any-port; every
    /// entry of the winning kind, in order), then an IP literal, then the system resolver.
    pub fn lookup(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let wanted = host.trim_end_matches('.').to_ascii_lowercase();
        let named: Vec<&Override> = self
            .entries
            .iter()
            .filter(|o| o.host.trim_end_matches('.') == wanted)
            .collect();
        for exact in [true, false] {
            let hits: Vec<SocketAddr> = named
                .iter()
                .filter(|o| {
                    if exact {
                        o.port == Some(port)
                    } else {
                        o.port.is_none()
                    }
                })
                .map(|o| SocketAddr::new(o.address, port))
                .collect();
            if !hits.is_empty() {
                return Ok(hits);
            }
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        if self.no_system {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} did not resolve in the DNS step (the system resolver is not asked when --dns-server is given)"),
            ));
        }
        let found: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
        if found.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} resolved to no address"),
            ));
        }
        Ok(found)
    }

    /// Connect to the first address of `host:port` that accepts within `timeout`.
    pub fn connect(&self, host: &str, port: u16, timeout: Duration) -> Result<Connected, String> {
        let addrs = self
            .lookup(host, port)
            .map_err(|e| format!("cannot resolve {host}: {e}"))?;
        let mut last = String::new();
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(stream) => return Ok(Connected { stream, address: a }),
                Err(e) => last = format!("connect to {a}: {e}"),
            }
        }
        Err(last)
    }
}

pub struct Connected {
    pub stream: TcpStream,
    pub address: SocketAddr,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curl_forms() {
        let o: Override = "Pool.Example.test:127.0.0.1".parse().unwrap();
        assert_eq!((o.host.as_str(), o.port), ("pool.example.test", None));
        let o: Override = "web.test:5061:[::1]".parse().unwrap();
        assert_eq!(o.port, Some(5061));
        assert_eq!(o.address, "::1".parse::<IpAddr>().unwrap());
        assert!("web.test".parse::<Override>().is_err());
        assert!(":127.0.0.1".parse::<Override>().is_err());
        assert!("web.test:80:nope".parse::<Override>().is_err());
    }

    #[test]
    fn port_specific_entries_win_and_others_fall_through() {
        let map = ResolveMap::new(vec![
            "a.test:127.0.0.2".parse().unwrap(),
            "a.test:443:127.0.0.3".parse().unwrap(),
            "b.test:80:127.0.0.4".parse().unwrap(),
        ]);
        let ip = |h: &str, p| map.lookup(h, p).unwrap()[0].ip().to_string();
        assert_eq!(ip("a.test", 443), "127.0.0.3");
        assert_eq!(ip("A.test.", 80), "127.0.0.2");
        assert_eq!(ip("b.test", 80), "127.0.0.4");
        assert_eq!(ip("127.0.0.9", 1), "127.0.0.9");
    }
}
