//! Ready-to-paste DHCP server configuration for Lync / Skype for Business devices: option 43
//! (`MS-UC-Client` sub-options) scoped to vendor class `MS-UC-Client` wherever the server can
//! match option 60, and option 120 in the same scope.
//!
//! One table of platform facts ([`platform::PLATFORMS`]) drives the shared helpers (header,
//! scoping note, limit findings); each target's syntax is a small renderer in [`targets`], and
//! the registry [`targets::TARGETS`] pairs every row with its renderer. Bytes and hex always
//! come from `ucprov-wire`. Pure: no I/O.
//!
//! Dependencies point one way, in layers: this root → the registry ([`targets`]) → the
//! renderers → the shared helpers ([`render`]) → [`findings`] and [`request`] → the facts
//! ([`platform`]) and [`error`]. The facts table imports nothing from the crate.
#![forbid(unsafe_code)]

pub mod error;
pub mod findings;
pub mod platform;
pub mod render;
pub mod request;
pub mod targets;

use ucprov_wire::profile::ProvisioningError;

pub use error::ConfgenError;

pub use findings::{
    all_limit_findings, limit_findings, reply_size_finding, Finding, Kind, Severity, TargetFinding,
};
pub use platform::{Platform, PLATFORMS};
pub use request::{Request, Scope};
pub use targets::{Target, TARGETS};

/// One target's result. `config` is `None` when a finding is an [`Severity::Error`]: the
/// target cannot carry the profile, and broken configuration is never emitted.
#[derive(Debug, Clone)]
pub struct Output {
    pub platform: &'static Platform,
    pub config: Option<String>,
    /// Most severe first.
    pub findings: Vec<Finding>,
}

impl Output {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.first().map(|f| f.severity)
    }
}

/// Generate `platform`'s configuration for `req`, with the renderer [`TARGETS`] pairs it with.
/// A row the registry does not know (one built outside [`PLATFORMS`]) gets no configuration
/// and an error finding saying so; every row of [`PLATFORMS`] is paired, checked at compile
/// time.
pub fn generate(platform: &'static Platform, req: &Request) -> Result<Output, ConfgenError> {
    let ctx = render::Ctx {
        platform,
        req,
        o43: req
            .provisioning
            .option43()
            .map_err(ProvisioningError::from)?,
        o120: req
            .provisioning
            .option120()
            .map_err(ProvisioningError::from)?,
    };
    let (text, findings) = match targets::for_platform(platform) {
        Some(target) => render::assemble(&ctx, target.render),
        None => (
            String::new(),
            vec![Finding::error(
                Kind::PlatformLimit,
                format!(
                    "no renderer is registered for target {}: add it to confgen's TARGETS",
                    platform.id
                ),
            )],
        ),
    };
    let blocked = findings.iter().any(|f| f.severity == Severity::Error);
    Ok(Output {
        platform,
        config: (!blocked).then_some(text),
        findings,
    })
}
