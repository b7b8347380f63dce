//! Sites that earlier sites always win. [`Sites::select`] tries sites in file order: an exact
//! relay (`giaddr`) match first, then the client's or the relay's address in a site's subnets.
//! So a relay an earlier site already lists, or a subnet inside earlier sites' subnets, never
//! selects the later site; when all of a site's relays and subnets are taken so, the site can
//! never match at all. A later subnet that merely contains an earlier one still serves the
//! rest of its addresses, but not the shared ones: an overlap worth a warning.

use ipnet::Ipv4Net;
use ucprov_inspect::finding::{Finding, Kind};

use crate::site::{Site, Sites};

/// Findings about the order of `sites`, located in `file` (as the user named it).
pub fn site_findings(sites: &Sites, file: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, site) in sites.sites.iter().enumerate() {
        let earlier = &sites.sites[..i];
        out.extend(findings_for(site, i, earlier, file));
    }
    out
}

fn label(site: &Site, index: usize) -> String {
    format!("site[{index}] {:?}", site.name)
}

fn locate(f: Finding, site: &Site, file: &str) -> Finding {
    match site.line {
        Some(line) => f.located(file, line),
        None => f,
    }
}

fn findings_for(site: &Site, index: usize, earlier: &[Site], file: &str) -> Vec<Finding> {
    let me = label(site, index);
    let relay_owner = |r| earlier.iter().find(|e| e.relays.contains(r));
    let union = Ipv4Net::aggregate(&earlier.iter().flat_map(|e| e.subnets.clone()).collect());
    let covered = |n: &Ipv4Net| union.iter().any(|u| u.contains(n));
    let taken_relays: Vec<_> = site
        .relays
        .iter()
        .filter_map(|r| relay_owner(r).map(|o| (r, o)))
        .collect();
    let taken_subnets: Vec<_> = site.subnets.iter().filter(|n| covered(n)).collect();
    let whole =
        taken_relays.len() == site.relays.len() && taken_subnets.len() == site.subnets.len();
    let mut out = Vec::new();
    if whole {
        let winners: Vec<String> = earlier
            .iter()
            .filter(|e| {
                site.relays.iter().any(|r| e.relays.contains(r))
                    || site
                        .subnets
                        .iter()
                        .any(|n| e.subnets.iter().any(|m| m.contains(n) || n.contains(m)))
            })
            .map(|e| format!("{:?}", e.name))
            .collect();
        let f = Finding::error(
            Kind::ShadowedSite,
            format!(
                "{me} can never match: earlier site(s) {} already take every relay and subnet it lists",
                winners.join(", ")
            ),
        )
        .field(me.clone())
        .fix("move the site above the one that wins, or narrow that site's subnets or relays");
        out.push(locate(f, site, file));
        return out;
    }
    for (relay, owner) in taken_relays {
        let f = Finding::warning(
            Kind::ShadowedSite,
            format!(
                "{me}: relay {relay} is also listed by the earlier site {:?}, which gets its clients",
                owner.name
            ),
        )
        .field(format!("{me}.relays"))
        .fix("list each relay in one site only");
        out.push(locate(f, site, file));
    }
    for n in taken_subnets {
        let f = Finding::warning(
            Kind::ShadowedSite,
            format!("{me}: subnet {n} lies inside earlier sites' subnets, which get its clients"),
        )
        .field(format!("{me}.subnets"))
        .fix("remove the subnet here, or move this site above the one that covers it");
        out.push(locate(f, site, file));
    }
    for n in site.subnets.iter().filter(|n| !covered(n)) {
        for e in earlier {
            for m in e.subnets.iter().filter(|m| n.contains(*m)) {
                let f = Finding::warning(
                    Kind::OverlappingSubnets,
                    format!(
                        "{me}: subnet {n} overlaps {m} of the earlier site {:?}: clients in {m} get {:?}, the rest of {n} get {:?}",
                        e.name, e.name, site.name
                    ),
                )
                .field(format!("{me}.subnets"))
                .fix("split the subnet so no address is in two sites, if that is not intended");
                out.push(locate(f, site, file));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use ucprov_inspect::finding::Severity;

    fn findings(sites: &str) -> Vec<Finding> {
        let c = Config::from_toml(sites).unwrap();
        site_findings(&c.sites, "serve.toml")
    }

    fn site(name: &str, keys: &str) -> String {
        format!("[[site]]\nname = \"{name}\"\n{keys}\nsip_servers = [\"a.b\"]\n")
    }

    #[test]
    fn a_site_inside_an_earlier_one_can_never_match() {
        let text = format!(
            "{}{}",
            site("wide", "subnets = [\"10.0.0.0/16\"]"),
            site("narrow", "subnets = [\"10.0.1.0/24\"]")
        );
        let f = findings(&text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].severity, f[0].kind),
            (Severity::Error, Kind::ShadowedSite)
        );
        assert!(
            f[0].message.contains("site[1] \"narrow\" can never match"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("\"wide\""), "{}", f[0].message);
        let at = f[0].location.as_ref().unwrap();
        assert_eq!((at.file.as_str(), at.line), ("serve.toml", 5));
    }

    #[test]
    fn subnets_covered_only_by_several_earlier_sites_together_are_shadowed_too() {
        let text = format!(
            "{}{}{}",
            site("low", "subnets = [\"10.0.0.0/25\"]"),
            site("high", "subnets = [\"10.0.0.128/25\"]"),
            site("all", "subnets = [\"10.0.0.0/24\"]")
        );
        let f = findings(&text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].is_error() && f[0].message.contains("\"all\" can never match"));
    }

    #[test]
    fn a_shared_relay_or_a_covered_subnet_alone_is_a_warning() {
        let text = format!(
            "{}{}",
            site("a", "relays = [\"10.9.0.1\"]\nsubnets = [\"10.1.0.0/16\"]"),
            site(
                "b",
                "relays = [\"10.9.0.1\", \"10.9.0.2\"]\nsubnets = [\"10.1.2.0/24\"]"
            )
        );
        let f = findings(&text);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f
            .iter()
            .all(|f| f.severity == Severity::Warning && f.kind == Kind::ShadowedSite));
        assert!(f[0].message.contains("relay 10.9.0.1"), "{}", f[0].message);
        assert!(
            f[1].message.contains("subnet 10.1.2.0/24"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn a_later_wider_subnet_overlaps_and_disjoint_sites_say_nothing() {
        let text = format!(
            "{}{}",
            site("branch", "subnets = [\"10.0.1.0/24\"]"),
            site("region", "subnets = [\"10.0.0.0/16\"]")
        );
        let f = findings(&text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].severity, f[0].kind),
            (Severity::Warning, Kind::OverlappingSubnets)
        );
        assert!(
            f[0].message
                .contains("clients in 10.0.1.0/24 get \"branch\""),
            "{}",
            f[0].message
        );
        let text = format!(
            "{}{}",
            site("a", "subnets = [\"10.0.0.0/24\"]\nrelays = [\"10.0.0.1\"]"),
            site("b", "subnets = [\"10.0.1.0/24\"]\nrelays = [\"10.0.1.1\"]")
        );
        assert!(findings(&text).is_empty());
    }
}
