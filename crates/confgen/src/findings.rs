//! Limit and scoping checks, as data: the CLI prints them, `config` refuses to emit a
//! configuration with an [`Severity::Error`], and `encode` can reuse them as warnings.

use ucprov_wire::options::emitted_len;
use ucprov_wire::profile::{Provisioning, ProvisioningError};

use crate::platform::{Overflow, Platform, VciMatch, PLATFORMS};

pub use crate::platform::OPTION_MAX;

/// Option 43 is this many bytes plus the web FQDN with the default sub-options 1, 2, 4, 5.
const FIXED_43: usize = 67;

pub use ucprov_inspect::{Finding, Kind, Severity};

/// A finding about option `code` on a target.
fn about(severity: Severity, kind: Kind, code: u8, message: String) -> Finding {
    Finding::new(severity, kind, message).field(format!("option {code}"))
}

/// The option's length limits on `platform`, checked against the encoded values.
pub fn limit_findings(
    platform: &Platform,
    p: &Provisioning,
    o43: &[u8],
    o120: &[u8],
) -> Vec<Finding> {
    [(43u8, o43), (120u8, o120)]
        .into_iter()
        .filter_map(|(code, data)| check_option(platform, p, code, data.len()))
        .collect()
}

fn check_option(platform: &Platform, p: &Provisioning, code: u8, len: usize) -> Option<Finding> {
    let limits = &platform.limits;
    let hex_chars = len * 2;
    let (max_bytes, overflow, what) = match limits.hex_chars {
        Some((max, overflow)) if hex_chars > max => (
            max / 2,
            overflow,
            format!("option {code} is {len} bytes ({hex_chars} hex characters), over the limit of {max} hex characters"),
        ),
        _ if len > OPTION_MAX => (
            OPTION_MAX,
            limits.long,
            format!("option {code} is {len} bytes, over the {OPTION_MAX} bytes one DHCP option holds"),
        ),
        _ => return None,
    };
    let (severity, consequence) = consequence(overflow, limits.source);
    let mut message = format!(
        "{what}: {consequence}. {}",
        shorten_hint(p, code, len, max_bytes)
    );
    if !limits.workaround.is_empty() {
        message.push_str(&format!("; {}", limits.workaround));
    }
    Some(about(severity, Kind::PlatformLimit, code, message))
}

fn consequence(overflow: Overflow, source: &str) -> (Severity, String) {
    match overflow {
        Overflow::SplitsRfc3396 => (
            Severity::Warning,
            format!("{source} splits it into several instances (RFC 3396); whether Lync / Skype for Business devices join them is unconfirmed"),
        ),
        Overflow::MsOption250 => (
            Severity::Warning,
            format!("{source} continues it in option 250 ([MS-DHCPE]), not RFC 3396; RFC 3396 clients and most devices do not join that"),
        ),
        Overflow::Refuses => (
            Severity::Error,
            format!("{source} rejects the value, so no configuration is generated"),
        ),
        Overflow::Truncates => (
            Severity::Error,
            format!("{source} silently truncates the value and the phones get a broken option, so no configuration is generated"),
        ),
        Overflow::Unknown => (
            Severity::Warning,
            format!("how {source} handles this is not documented; check the option on the wire (ucprov probe or a capture)"),
        ),
    }
}

/// Largest IP datagram a client accepts unless it sends option 57 (RFC 2131 §2).
pub const DEFAULT_MAX_MESSAGE: usize = 576;

/// IP and UDP headers, the fixed DHCP header with the cookie, option 53, 54 and 1 of an INFORM
/// answer, and the end byte: what a reply carries besides options 43 and 120.
const REPLY_OVERHEAD: usize = 20 + 8 + 240 + 3 + 6 + 6 + 1;

/// A reply carrying both options may not fit the 576 bytes a client accepts by default; a
/// server then leaves options out. Not tied to a platform: every RFC 2131 server has to care.
pub fn reply_size_finding(o43_len: usize, o120_len: usize) -> Option<Finding> {
    let size = REPLY_OVERHEAD + emitted_len(o43_len) + emitted_len(o120_len);
    (size > DEFAULT_MAX_MESSAGE).then(|| Finding::new(Severity::Warning, Kind::ReplySize, format!(
            "a reply with options 43 and 120 is about {size} bytes, over the {DEFAULT_MAX_MESSAGE} a client accepts unless it sends option 57 (RFC 2131): servers may leave options out (ISC dhcpd 4.4.3 sent option 43 and dropped option 120 for a 200-character FQDN, observed on the wire; Kea 2.2.0 sent the whole 760-byte reply); with one SIP server named like the web services, FQDNs of at most 109 characters avoid it"
        )))
}

/// What the admin can shorten, and to how much.
fn shorten_hint(p: &Provisioning, code: u8, len: usize, max_bytes: usize) -> String {
    if code == 43 {
        let fixed = len.saturating_sub(p.profile.web_fqdn.len());
        match max_bytes.checked_sub(fixed) {
            Some(room) if room > 0 => format!(
                "It fits with a web services FQDN (--web-server) of at most {room} characters (option 43 is {FIXED_43} + the FQDN length with the default sub-options)"
            ),
            _ => "The extra sub-options (--sub) alone exceed the limit".to_string(),
        }
    } else {
        format!("It fits when option 120 is at most {max_bytes} bytes: fewer or shorter --sip-server names (one name takes its length + 3)")
    }
}

/// What the target's vendor-class matching means for the admin, when it needs saying.
pub fn vci_finding(platform: &Platform) -> Option<Finding> {
    let (severity, message) = match platform.vci {
        VciMatch::Exact => return None,
        VciMatch::None => (
            Severity::Warning,
            format!(
                "{} cannot send option 43 only to MS-UC-Client devices: every client of the pool gets options 43 and 120, which collides with access points and other phones that read option 43. Give the Lync / Skype for Business devices a dedicated voice VLAN and pool",
                platform.name
            ),
        ),
        VciMatch::Substring | VciMatch::Prefix => (
            Severity::Note,
            format!(
                "the vendor-class match is a {}: other vendor classes containing MS-UC-Client match too",
                platform.vci.label()
            ),
        ),
        VciMatch::Unspecified => (
            Severity::Note,
            "whether the vendor-class match is exact is not documented for this platform".to_string(),
        ),
    };
    Some(about(severity, Kind::Scoping, 43, message))
}

/// A limit finding for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFinding {
    pub platform: &'static Platform,
    pub finding: Finding,
}

/// The limit findings of every target for `p`, for `ucprov encode`'s warnings.
pub fn all_limit_findings(p: &Provisioning) -> Result<Vec<TargetFinding>, ProvisioningError> {
    let o43 = p.option43()?;
    let o120 = p.option120()?;
    Ok(PLATFORMS
        .iter()
        .flat_map(|platform| {
            limit_findings(platform, p, &o43, &o120)
                .into_iter()
                .map(move |finding| TargetFinding { platform, finding })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{self, find};

    /// A profile whose option 43 is 67 + `fqdn_len` bytes and option 120 `fqdn_len` + 3.
    fn profile(fqdn_len: usize) -> Provisioning {
        let mut labels = Vec::new();
        let mut left = fqdn_len;
        while left > 0 {
            let take = left.min(63);
            labels.push("a".repeat(take));
            left -= take;
            // A dot costs one character; a trailing 1-character remainder becomes its own label.
            left = left.saturating_sub(1);
        }
        let mut name = labels.join(".");
        while name.len() < fqdn_len {
            name.push('b');
        }
        assert_eq!(name.len(), fqdn_len);
        Provisioning::new(name, None)
    }

    fn worst(target: &str, fqdn_len: usize) -> Option<Severity> {
        let p = profile(fqdn_len);
        let (o43, o120) = (p.option43().unwrap(), p.option120().unwrap());
        limit_findings(find(target).unwrap(), &p, &o43, &o120)
            .iter()
            .map(|f| f.severity)
            .max()
    }

    #[test]
    fn cisco_ios_takes_23_characters_and_refuses_24() {
        assert_eq!(worst("cisco-ios", 23), None);
        assert_eq!(worst("cisco-ios", 24), Some(Severity::Error));
        let p = profile(24);
        let f = &limit_findings(
            &platform::CISCO_IOS,
            &p,
            &p.option43().unwrap(),
            &p.option120().unwrap(),
        )[0];
        assert_eq!(f.field.as_deref(), Some("option 43"));
        assert!(f.message.contains("182 hex characters"), "{}", f.message);
        assert!(f.message.contains("at most 23 characters"), "{}", f.message);
        assert!(f.message.contains("--target cisco-ios-xe"), "{}", f.message);
    }

    #[test]
    fn hex_character_limits_sit_where_the_docs_put_them() {
        // Largest web FQDN that fits: (limit / 2) - 67.
        for (target, fits) in [
            ("fortigate", 89),
            ("hpe-comware", 61),
            ("huawei", 60),
            ("cisco-ios-xe", 188),
        ] {
            assert_eq!(worst(target, fits), None, "{target} {fits}");
            assert_eq!(
                worst(target, fits + 1),
                Some(Severity::Error),
                "{target} {}",
                fits + 1
            );
        }
    }

    #[test]
    fn long_options_split_refuse_or_warn_per_server() {
        // 188 characters: option 43 is exactly 255 bytes; 189 needs a second instance.
        for target in ["dnsmasq", "udhcpd", "isc-dhcpd", "kea", "windows-netsh"] {
            assert_eq!(worst(target, 188), None, "{target}");
        }
        assert_eq!(worst("dnsmasq", 189), Some(Severity::Error));
        assert_eq!(worst("openwrt", 189), Some(Severity::Error));
        assert_eq!(worst("udhcpd", 189), Some(Severity::Error));
        assert_eq!(worst("isc-dhcpd", 189), Some(Severity::Warning));
        assert_eq!(worst("kea", 189), Some(Severity::Warning));
        assert_eq!(worst("juniper", 189), Some(Severity::Warning));
        let p = profile(189);
        let windows = limit_findings(
            &platform::WINDOWS_NETSH,
            &p,
            &p.option43().unwrap(),
            &p.option120().unwrap(),
        );
        assert!(
            windows[0].message.contains("option 250"),
            "{}",
            windows[0].message
        );
    }

    #[test]
    fn option_120_is_checked_too() {
        // 253 characters: option 120 is 256 bytes, one over.
        let p = profile(253);
        let o120 = p.option120().unwrap();
        assert_eq!(o120.len(), 256);
        let f = limit_findings(&platform::KEA, &p, &p.option43().unwrap(), &o120);
        assert!(f.iter().any(|f| f.field.as_deref() == Some("option 120")
            && f.message.contains("fewer or shorter --sip-server")));
    }

    #[test]
    fn scoping_findings_follow_the_table() {
        assert_eq!(vci_finding(&platform::ISC_DHCPD), None);
        assert_eq!(
            vci_finding(&platform::CISCO_IOS).map(|f| f.severity),
            Some(Severity::Warning)
        );
        assert!(vci_finding(&platform::UDHCPD)
            .unwrap()
            .message
            .contains("dedicated voice VLAN"));
        assert_eq!(
            vci_finding(&platform::DNSMASQ).map(|f| f.severity),
            Some(Severity::Note)
        );
    }

    #[test]
    fn replies_over_576_bytes_are_flagged_from_110_characters() {
        for (len, flagged) in [(18, false), (109, false), (110, true), (200, true)] {
            let p = profile(len);
            let f = reply_size_finding(p.option43().unwrap().len(), p.option120().unwrap().len());
            assert_eq!(f.is_some(), flagged, "{len}");
        }
    }

    #[test]
    fn all_limit_findings_names_each_target() {
        let all = all_limit_findings(&profile(24)).unwrap();
        let ids: Vec<&str> = all.iter().map(|t| t.platform.id).collect();
        assert_eq!(ids, ["cisco-ios"]);
        assert!(all_limit_findings(&profile(18)).unwrap().is_empty());
    }
}
