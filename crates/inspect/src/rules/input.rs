//! Does a profile look like a typing mistake? Values the codec accepts but a Lync / Skype for
//! Business device is unlikely to work with: an IPv4 address where a name belongs (TLS checks
//! names), a single-label name, plain HTTP, or a non-default port without HTTPS.
//!
//! What the codec already rejects is an error there and not judged again here: an IPv6
//! literal (`2001:db8::1`, `[2001:db8::1]`) has characters no host name has (`:`, `[`), so
//! `MsUcProfile::validate` and option 120's name writer refuse it.
//!
//! Every finding names the input in the library's words ([`Input::as_str`], also its
//! `field`); front-ends translate that to their flag, form label or configuration key, and
//! turn the warnings into errors when asked to be strict.

use std::net::Ipv4Addr;

use ucprov_wire::profile::{Provisioning, Scheme, DEFAULT_PORT};
use ucprov_wire::sip_servers::SipServers;

use crate::finding::{Finding, Kind};

/// The input a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// Option 43 sub-option 3.
    WebFqdn,
    /// One of option 120's names.
    Registrar,
    /// Option 43 sub-option 2.
    Scheme,
    /// Option 43 sub-option 4.
    Port,
}

impl Input {
    pub const ALL: [Input; 4] = [Input::WebFqdn, Input::Registrar, Input::Scheme, Input::Port];

    /// The name the finding's `field` carries.
    pub fn as_str(self) -> &'static str {
        match self {
            Input::WebFqdn => "web services FQDN",
            Input::Registrar => "registrar",
            Input::Scheme => "URL scheme",
            Input::Port => "port",
        }
    }

    /// The input a finding from [`profile_warnings`] is about.
    pub fn of(finding: &Finding) -> Option<Input> {
        let field = finding.field.as_deref()?;
        Input::ALL.into_iter().find(|i| i.as_str() == field)
    }
}

/// Warnings for inputs that look like mistakes, in input order: web services FQDN,
/// registrars, URL scheme, port. None for the seed profile (`lync.schertz.local`, https, 443).
///
/// When the web services FQDN is also one of the registrars (the usual case: it defaults to
/// the first), a mistake in that name is reported once, on the registrar.
pub fn profile_warnings(p: &Provisioning) -> Vec<Finding> {
    let mut out = Vec::new();
    let registrars: &[String] = match &p.sip_servers {
        SipServers::Names(names) => names,
        // Addresses chosen on purpose (option 120 encoding 1): not a name typed as an address.
        SipServers::Addresses(_) => &[],
    };
    let web = &p.profile.web_fqdn;
    let web_is_registrar = registrars.iter().any(|r| r.eq_ignore_ascii_case(web));
    if !web_is_registrar {
        out.extend(name_warning(Input::WebFqdn, web, ""));
    }
    for r in registrars {
        let also = if r.eq_ignore_ascii_case(web) {
            " (it is also the web services FQDN)"
        } else {
            ""
        };
        out.extend(name_warning(Input::Registrar, r, also));
    }
    let https = p.profile.scheme == Scheme::Https;
    if !https {
        out.push(
            Finding::warning(
                Kind::SuspiciousInput,
                format!(
                    "{:?}: the device would fetch its certificate over plain HTTP, while Lync / Skype for Business web services provision certificates over HTTPS",
                    p.profile.scheme.as_str()
                ),
            )
            .field(Input::Scheme.as_str())
            .fix("use https, the default"),
        );
    }
    if p.profile.port != DEFAULT_PORT && !https {
        out.push(
            Finding::warning(
                Kind::SuspiciousInput,
                format!(
                    "{} is not the default {DEFAULT_PORT} and the URL scheme is not https: a non-default port is expected only for HTTPS web services",
                    p.profile.port
                ),
            )
            .field(Input::Port.as_str())
            .fix(format!(
                "use https with the port the web services listen on, or keep the default {DEFAULT_PORT}"
            )),
        );
    }
    out
}

/// An IPv4 literal or a single-label name where a fully qualified name belongs.
fn name_warning(input: Input, name: &str, also: &str) -> Option<Finding> {
    let (message, fix) = if name.parse::<Ipv4Addr>().is_ok() {
        (
            format!(
                "{name:?} is an IPv4 address, not a name{also}: Lync / Skype for Business devices check the server's TLS certificate against the name, and the certificate names the FQDN"
            ),
            match input {
                Input::Registrar => "give the registrar's FQDN, e.g. pool.contoso.com; non-Lync SIP phones that want addresses take option 120's address encoding",
                _ => "give the web services FQDN the certificate names, e.g. webpool.contoso.com",
            },
        )
    } else if !name.contains('.') {
        (
            format!(
                "{name:?} is a single-label name{also}: the device resolves it only with a DNS search suffix it may not have, and the TLS certificate names the FQDN"
            ),
            "give the fully qualified name, e.g. pool.contoso.com",
        )
    } else {
        return None;
    };
    Some(
        Finding::warning(Kind::SuspiciousInput, message)
            .field(input.as_str())
            .fix(fix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn prov(sip: &str, web: Option<&str>) -> Provisioning {
        Provisioning::new(sip, web.map(str::to_string))
    }

    fn inputs(p: &Provisioning) -> Vec<Input> {
        profile_warnings(p).iter().filter_map(Input::of).collect()
    }

    #[test]
    fn the_seed_profile_has_no_warning() {
        assert_eq!(
            profile_warnings(&prov("lync.schertz.local", None)),
            Vec::new()
        );
        let mut p = prov("pool.contoso.com", Some("web.contoso.com"));
        p.profile.port = 4443; // HTTPS on another port: deliberate, not a mistake
        assert!(profile_warnings(&p).is_empty());
    }

    #[test]
    fn every_finding_is_a_suspicious_input_warning_with_field_and_fix() {
        let mut p = prov("lync", Some("192.0.2.10"));
        p.profile.scheme = Scheme::Http;
        p.profile.port = 8080;
        let w = profile_warnings(&p);
        assert_eq!(w.len(), 4);
        for f in &w {
            assert_eq!(
                (f.severity, f.kind),
                (Severity::Warning, Kind::SuspiciousInput)
            );
            assert!(Input::of(f).is_some() && f.fix.is_some(), "{f:?}");
        }
        assert_eq!(
            inputs(&p),
            [Input::WebFqdn, Input::Registrar, Input::Scheme, Input::Port]
        );
    }

    #[test]
    fn an_ipv4_literal_as_web_fqdn_or_registrar() {
        let w = profile_warnings(&prov("pool.contoso.com", Some("192.0.2.10")));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].field.as_deref(), Some("web services FQDN"));
        assert!(w[0]
            .message
            .starts_with("\"192.0.2.10\" is an IPv4 address"));
        let mut p = prov("pool.contoso.com", Some("web.contoso.com"));
        p.sip_servers = SipServers::Names(vec!["pool.contoso.com".into(), "192.0.2.11".into()]);
        let w = profile_warnings(&p);
        assert_eq!(w.len(), 1);
        assert_eq!(Input::of(&w[0]), Some(Input::Registrar));
        assert!(w[0].message.contains("\"192.0.2.11\""), "{}", w[0].message);
    }

    #[test]
    fn a_name_shared_by_web_and_registrar_is_reported_once_on_the_registrar() {
        let w = profile_warnings(&prov("192.0.2.10", None));
        assert_eq!(w.len(), 1);
        assert_eq!(Input::of(&w[0]), Some(Input::Registrar));
        assert!(w[0].message.contains("also the web services FQDN"));
        let w = profile_warnings(&prov("LYNC", Some("lync")));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn a_single_label_name() {
        let w = profile_warnings(&prov("pool.contoso.com", Some("lync")));
        assert_eq!(
            inputs(&prov("pool.contoso.com", Some("lync"))),
            [Input::WebFqdn]
        );
        assert!(w[0].message.starts_with("\"lync\" is a single-label name"));
        assert_eq!(
            inputs(&prov("lync", Some("web.contoso.com"))),
            [Input::Registrar]
        );
    }

    #[test]
    fn scheme_http_and_a_non_default_port_without_https() {
        let mut p = prov("lync.schertz.local", None);
        p.profile.scheme = Scheme::Http;
        assert_eq!(inputs(&p), [Input::Scheme]);
        p.profile.port = 80;
        assert_eq!(inputs(&p), [Input::Scheme, Input::Port]);
        let port = &profile_warnings(&p)[1];
        assert!(
            port.message.starts_with("80 is not the default 443"),
            "{}",
            port.message
        );
    }

    #[test]
    fn addresses_in_option_120_are_a_choice_not_a_typo() {
        let mut p = prov("web.contoso.com", None);
        p.sip_servers = SipServers::Addresses(vec![Ipv4Addr::new(192, 0, 2, 10)]);
        assert!(profile_warnings(&p).is_empty());
    }

    #[test]
    fn ipv6_literals_are_already_codec_errors() {
        for v6 in ["2001:db8::1", "[2001:db8::1]"] {
            assert!(prov(v6, None).validate().is_err(), "{v6}");
            assert!(
                prov("pool.contoso.com", Some(v6)).validate().is_err(),
                "{v6}"
            );
        }
    }
}
