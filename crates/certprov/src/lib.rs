//! The CertProvisioningService: after DHCP a Lync / Skype for Business device fetches
//! `http://<web fqdn>/CertProv/CertProvisioningService.svc` over plain HTTP (it cannot
//! trust TLS yet) and gets the root CA chain as base64 certs-only PKCS#7.
//!
//! [`CertProv::bind`] loads and checks the chain, binds the listeners and reports the
//! bound addresses (bind port 0 in tests); [`CertProv::run`] serves until `shutdown`
//! resolves. Counters live in a [`Metrics`] the caller owns, so they can be rendered on
//! the shared admin endpoint next to the DHCP responder's.
#![forbid(unsafe_code)]

mod config;
mod error;
mod handler;
mod listener;
mod live;
mod load;
mod metrics;
mod server;
pub mod state;
mod tls;

pub use config::{
    CertProvConfig, CertProvSettings, ChainSource, Limits, TlsSource, CONTENT_TYPE, DEFAULT_PATH,
};
pub use error::CertProvError;
pub use live::{check_files, Applied, Prepared, Reloader};
pub use load::{load_chain_files, LoadedChain};
pub use metrics::Metrics;
pub use server::{run, CertProv};
