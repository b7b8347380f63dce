//! A site: which clients it serves (client subnets, relay addresses) and the option 43 / 120
//! bytes they get. The bytes are computed once per config load so the hot path only copies.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use ucprov_wire::profile::{Provisioning, ProvisioningError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    /// Clients whose address (`ciaddr`, else the source address) is in one of these.
    pub subnets: Vec<Ipv4Net>,
    /// Relay agents (`giaddr`) whose clients this site serves.
    pub relays: Vec<Ipv4Addr>,
    pub provisioning: Provisioning,
    /// The 1-based line of the site's `[[site]]` table in the config file, when it came
    /// from one: findings about the site point there.
    pub line: Option<u32>,
    option43: Vec<u8>,
    option120: Vec<u8>,
}

impl Site {
    /// Validate the profile and precompute both options' data.
    pub fn new(
        name: impl Into<String>,
        subnets: Vec<Ipv4Net>,
        relays: Vec<Ipv4Addr>,
        provisioning: Provisioning,
    ) -> Result<Self, ProvisioningError> {
        // Option 120 first: the web FQDN defaults to the first SIP server, and an error is
        // clearer when it names the key the user actually wrote.
        let option120 = provisioning.option120()?;
        let option43 = provisioning.option43()?;
        Ok(Site {
            name: name.into(),
            subnets,
            relays,
            provisioning,
            line: None,
            option43,
            option120,
        })
    }

    /// Option 43's data; longer than 255 bytes when the web FQDN is long (split on emit).
    pub fn option43(&self) -> &[u8] {
        &self.option43
    }

    /// Option 120's data, encoding byte first.
    pub fn option120(&self) -> &[u8] {
        &self.option120
    }
}

/// Every site plus the default, in the order a lookup tries them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sites {
    pub sites: Vec<Site>,
    pub default: Option<Site>,
}

impl Sites {
    /// The site for a client. A relay address names its site most precisely, so an exact
    /// `giaddr` match wins; then the client's address in a site's subnets; then the relay's
    /// address in a site's subnets (a relay sits on its clients' subnet); then the default.
    /// Within each step the first site in file order wins.
    pub fn select(&self, giaddr: Ipv4Addr, client: Ipv4Addr) -> Option<&Site> {
        let relayed = !giaddr.is_unspecified();
        let by_relay = || self.sites.iter().find(|s| s.relays.contains(&giaddr));
        let in_subnet = |addr: Ipv4Addr| {
            self.sites
                .iter()
                .find(|s| s.subnets.iter().any(|n| n.contains(&addr)))
        };
        let client_known = !client.is_unspecified();
        relayed
            .then(by_relay)
            .flatten()
            .or_else(|| client_known.then(|| in_subnet(client)).flatten())
            .or_else(|| relayed.then(|| in_subnet(giaddr)).flatten())
            .or(self.default.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, subnets: &[&str], relays: &[&str]) -> Site {
        Site::new(
            name,
            subnets.iter().map(|s| s.parse().unwrap()).collect(),
            relays.iter().map(|s| s.parse().unwrap()).collect(),
            Provisioning::new(format!("{name}.contoso.com"), None),
        )
        .unwrap()
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn sites() -> Sites {
        Sites {
            sites: vec![
                site("a", &["10.1.0.0/16"], &[]),
                site("b", &["10.2.0.0/16"], &["10.1.0.1"]),
            ],
            default: Some(site("d", &[], &[])),
        }
    }

    #[test]
    fn relay_address_beats_client_subnet() {
        let s = sites();
        assert_eq!(s.select(ip("10.1.0.1"), ip("10.1.5.5")).unwrap().name, "b");
    }

    #[test]
    fn client_subnet_then_relay_subnet_then_default() {
        let s = sites();
        let none = Ipv4Addr::UNSPECIFIED;
        assert_eq!(s.select(none, ip("10.2.3.4")).unwrap().name, "b");
        assert_eq!(s.select(ip("10.1.9.9"), none).unwrap().name, "a");
        assert_eq!(s.select(none, ip("192.0.2.10")).unwrap().name, "d");
        let no_default = Sites {
            default: None,
            ..sites()
        };
        assert!(no_default.select(none, ip("192.0.2.10")).is_none());
    }

    #[test]
    fn options_are_precomputed_from_the_profile() {
        let s = site("lync.schertz", &[], &[]);
        assert_eq!(s.option43().len(), 67 + "lync.schertz.contoso.com".len());
        assert_eq!(s.option120()[0], 0);
    }
}
