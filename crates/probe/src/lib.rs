//! `ucprov probe`: be the phone. One run does what a Lync Phone Edition device does after it
//! has an address, and reports each step with pass or fail, the reason and the fix:
//!
//! 1. **DHCP** ([`dhcp`]): DHCPINFORM with option 60 `MS-UC-Client` and option 55, broadcast
//!    on an interface or unicast to a server, RFC 2131 back-off; every reply in the window.
//! 2. **Decode** ([`decode`]): options 43 and 120 of every server through `ucprov-wire`;
//!    servers that disagree are a finding.
//! 3. **DNS** ([`dns`]): the web services FQDN and every registrar through hickory-resolver
//!    (`--dns-server` or the system's servers; `--resolve` overrides first). Without option
//!    120, the `_sipinternaltls._tcp.<domain>` SRV record Lync clients fall back to
//!    (`_sip._tls.<domain>` reported too), domain = the web FQDN's parent.
//! 4. **Root chain** ([`chain`]): plain-HTTP GET of the certificate provisioning URL, the
//!    PKCS#7 through `ucprov-pki`, root self-signed, thumbprints, optional pin.
//! 5. **TLS** ([`tls`]): the option 43 HTTPS URL and every registrar on 5061, trusting only
//!    that root, with host name checks; DNS answers that differ from the address reached
//!    fail step 3.
//! 6. **SIP** ([`sip`]): an unauthenticated `REGISTER` to each registrar over TLS; the
//!    answer must be a `401` with a `TLS-DSK` challenge whose `sts-uri` is option 43's
//!    certificate provisioning service (docs/sip.md).
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
//! | 20 | 4 | the root chain URL did not answer with HTTP 200 |
//! | 21 | 4 | the root chain is not a valid PKCS#7 with a self-signed root |
//! | 22 | 4 | the root does not match `--expect-thumbprint` |
//! | 30 | 5 | a TLS endpoint could not be reached |
//! | 31 | 5 | a TLS certificate does not chain to the downloaded root |
//! | 32 | 5 | a TLS certificate does not match its host name |
//! | 33 | 5 | a TLS handshake failed for another reason |
//! | 40 | 3 | the web services FQDN or a registrar does not resolve |
//! | 41 | 3 | no option 120 and no `_sipinternaltls._tcp` SRV record to fall back to |
//! | 42 | 3 | DNS answers differ from the address the TLS step reached |
//! | 43 | 3 | the DNS server did not answer |
//! | 50 | 6 | a registrar did not answer the REGISTER |
//! | 51 | 6 | a registrar answered with something that is not SIP |
//! | 52 | 6 | a registrar answered the REGISTER with a status other than 401 |
//! | 53 | 6 | a registrar's 401 carries no usable TLS-DSK challenge |
//! | 54 | 6 | the TLS-DSK `sts-uri` is not option 43's certificate provisioning service |
//! | 55 | 6 | a registrar could not be reached over TLS for SIP |
//!
//! Code 14 is kept for compatibility but no longer raised: without option 120 a device
//! falls back to DNS SRV, so the finding moved to step 3 (41). Codes keep their numbers
//! across the renumbering of steps (DNS became step 3). The first failing step decides the
//! code; later steps that depend on it are skipped. A test checks this table against
//! [`exit_code_table`].
#![forbid(unsafe_code)]

pub mod backoff;
pub mod chain;
pub mod decode;
pub mod dhcp;
pub mod dns;
pub mod http;
pub mod iface;
pub mod net;
pub mod report;
mod run;
pub mod sip;
pub mod step;
pub mod tls;

use std::net::SocketAddr;
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
    /// Ask this DNS server (the phones' option 6 server); None: the system's servers.
    pub dns_server: Option<SocketAddr>,
    /// The SIP domain for the SRV fallback and the REGISTER; None: the web FQDN's parent.
    pub sip_domain: Option<String>,
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
            dns_server: None,
            sip_domain: None,
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

#[cfg(test)]
mod doc_table {
    /// The crate docs' exit code table says what `exit_code_table()` says.
    #[test]
    fn the_doc_table_matches_the_vocabulary() {
        let docs = include_str!("lib.rs");
        for f in crate::Failure::ALL {
            if f == crate::Failure::Option120Missing {
                continue;
            }
            let row = format!("//! | {} | {} | ", f.exit_code(), f.step().number());
            let line = docs
                .lines()
                .find(|l| l.starts_with(&row))
                .unwrap_or_else(|| panic!("no row {row:?}"));
            assert!(
                line.replace('`', "").contains(f.describe()),
                "{line:?} vs {:?}",
                f.describe()
            );
        }
    }
}
