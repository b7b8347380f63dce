//! The one HTTP/1.1 accept loop of ucprov: the CertProvisioningService (plain and TLS), the
//! admin/metrics endpoint and `ucprov web` all serve through [`Server`].
//!
//! What every listener gets (README.md beside this crate says why each exists):
//! - hyper's HTTP/1.1 server: keep-alive, pipelined requests answered in order;
//! - a connection cap per listener, and at the cap the oldest *waiting* connection (TLS
//!   handshake, first head, idle keep-alive) is closed for the new one, so slow clients never
//!   keep a normal one out; only when all are mid-request do new ones wait in the kernel;
//! - deadlines: TLS handshake, first request head, idle between requests, whole life; cut to
//!   `pressure_timeout` once the listener is `pressure_percent` full;
//! - a cap on requests per connection (the last answer says `Connection: close`);
//! - back-off on accept errors such as EMFILE, so running out of descriptors cannot spin a core;
//! - graceful shutdown bounded by `grace`.
#![forbid(unsafe_code)]

mod accept;
mod conn;
mod limits;
mod registry;
mod server;
mod stats;

pub use accept::Accept;
pub use limits::{Limits, HYPER_MIN_BUF};
pub use server::Server;
pub use stats::{Closed, Observer, Stats};
