//! Test support for ucprov's privileged tests: network namespaces and veth links the tests make
//! and remove themselves, peer server processes, and DHCPINFORM exchanges.
//!
//! Everything here *fails loudly*: a missing tool or missing root panics with the fix, so an
//! interop test can never pass by not running.
#![forbid(unsafe_code)]

mod http;
mod inform;
mod netns;
mod peer;
mod require;

pub use http::http_get;
pub use inform::{exchange, inform_message, inform_request, Reply};
pub use netns::{Netns, VethLink};
pub use peer::{artifacts_dir, Peer};
pub use require::{require_root, require_tool, run_tool};
