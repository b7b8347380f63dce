//! `ucprov probe`: be the phone. One run does what a Lync Phone Edition device does after it
//! has an address, and reports each step with pass or fail, the reason and the fix:
//!
//! 1. **DHCP** ([`dhcp`]): DHCPINFORM with option 60 `MS-UC-Client` and option 55, broadcast
//!    on an interface or unicast to a server, RFC 2131 back-off; every reply in the window.
//! 2. **Decode** ([`decode`]): options 43 and 120 of every server through `ucprov-wire`;
//!    servers that disagree are a finding.
//! 3. **Root chain** ([`chain`]): plain-HTTP GET of the certificate provisioning URL, the
//!    PKCS#7 through `ucprov-pki`, root self-signed, thumbprints, optional pin.
//! 4. **TLS** ([`tls`]): the option 43 HTTPS URL and every registrar on 5061, trusting only
//!    that root, with host name checks.
//!
//! [`run`] is synchronous and self-contained so `ucprov demo` can call it in-process next
//! to the services it started.
//!
//! # Exit codes
//!
//! | code | step | meaning |
//! |---|---|---|
//! | 0 | | every step passed |
//! | 2 | | usage: the command line is wrong |
//! | 3 | | environment: no such interface, cannot bind the DHCP client port |
//! | 10 | 1 | no DHCP server answered the DHCPINFORM |
//! | 11 | 2 | no answer carried option 43 for MS-UC-Client |
//! | 12 | 2 | option 43 or 120 (or the whole reply) is malformed |
//! | 13 | 2 | two servers answered with different options |
//! | 14 | 2 | option 120 (SIP registrar) missing |
//! | 20 | 3 | the root chain URL did not answer with HTTP 200 |
//! | 21 | 3 | the root chain is not a valid PKCS#7 with a self-signed root |
//! | 22 | 3 | the root does not match `--expect-thumbprint` |
//! | 30 | 4 | a TLS endpoint could not be reached |
//! | 31 | 4 | a TLS certificate does not chain to the downloaded root |
//! | 32 | 4 | a TLS certificate does not match its host name |
//! | 33 | 4 | a TLS handshake failed for another reason |
//!
//! The first failing step decides the code; later steps that depend on it are skipped.
#![forbid(unsafe_code)]

pub mod backoff;
pub mod chain;
pub mod decode;
pub mod dhcp;
pub mod http;
pub mod iface;
pub mod net;
pub mod report;
mod run;
pub mod step;
pub mod tls;

use std::time::Duration;

pub use chain::Thumbprint;
pub use dhcp::Target;
pub use net::{Override, ResolveMap};
pub use report::{exit_code_table, Failure, Report, Status, StepId};
pub use run::run;

pub const DEFAULT_SIP_PORT: u16 = 5061;
pub const DEFAULT_HTTP_PORT: u16 = 80;

/// Everything one probe run needs; `ucprov probe` fills it from the command line and
/// `ucprov demo` builds it in code.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    pub target: Target,
    /// Local port for DHCP replies: 68 as a phone, or any port for unprivileged labs whose
    /// responder answers the source port.
    pub client_port: u16,
    /// Option 60; empty leaves it out.
    pub vendor_class: String,
    pub request_list: Vec<u8>,
    /// How long to listen for DHCP replies (and to retransmit until the first one).
    pub timeout: Duration,
    /// Bound on each TCP connect, HTTP download and TLS handshake.
    pub io_timeout: Duration,
    pub http_port: u16,
    pub sip_port: u16,
    pub expect_thumbprint: Option<Thumbprint>,
    pub resolve: ResolveMap,
}

impl ProbeConfig {
    pub fn new(target: Target) -> Self {
        ProbeConfig {
            target,
            client_port: dhcp::CLIENT_PORT,
            vendor_class: ucprov_wire::profile::VENDOR_CLASS.to_string(),
            request_list: dhcp::DEFAULT_REQUEST_LIST.to_vec(),
            timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(10),
            http_port: DEFAULT_HTTP_PORT,
            sip_port: DEFAULT_SIP_PORT,
            expect_thumbprint: None,
            resolve: ResolveMap::default(),
        }
    }
}

/// The probe could not run at all (as opposed to a step failing).
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Exit 2.
    #[error("{0}")]
    Usage(String),
    /// Exit 3.
    #[error("{0}")]
    Environment(String),
}

impl ProbeError {
    pub fn usage(msg: impl Into<String>) -> Self {
        ProbeError::Usage(msg.into())
    }
    pub fn env(msg: impl Into<String>) -> Self {
        ProbeError::Environment(msg.into())
    }
}
