//! Limit and scoping checks, as data: the CLI prints them, `config` refuses to emit a
//! configuration with an [`Severity::Error`], and `encode` can reuse them as warnings.

use core::fmt;

use ucprov_wire::profile::{Provisioning, ProvisioningError};

use crate::platform::{Overflow, Platform, VciMatch, PLATFORMS};

/// Option data a single DHCP option holds; longer values need RFC 3396 splitting.
pub const OPTION_MAX: usize = 255;

/// Option 43 is this many bytes plus the web FQDN with the default sub-options 1, 2, 4, 5.
const FIXED_43: usize = 67;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the configuration works as generated.
    Info,
    /// The configuration is emitted, but something may not work as the admin expects.
    Warning,
    /// The target cannot carry this profile; no configuration is emitted.
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The option the finding is about, if one.
    pub option: Option<u8>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.label(), self.message)
    }
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
            format!("option {code} is {len} bytes ({hex_chars} hex characters), over the {max} hex characters {} takes", limits.source),
        ),
        _ if len > OPTION_MAX => (
            OPTION_MAX,
            limits.long,
            format!("option {code} is {len} bytes, over the {OPTION_MAX} one DHCP option holds"),
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
    Some(Finding {
        severity,
        option: Some(code),
        message,
    })
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
            Severity::Info,
            format!(
                "the vendor-class match is a {}: other vendor classes containing MS-UC-Client match too",
                platform.vci.label()
            ),
        ),
        VciMatch::Unspecified => (
            Severity::Info,
            "whether the vendor-class match is exact is not documented for this platform".to_string(),
        ),
    };
    Some(Finding {
        severity,
        option: Some(43),
        message,
    })
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
