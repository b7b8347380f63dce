//! Certificate handling for ucprov, free of I/O and async: callers hand in bytes and get
//! parsed certificates, an ordered and checked chain, a certs-only PKCS#7, human summaries,
//! or freshly generated demo CA material as PEM strings to persist themselves.
//!
//! Private keys are never retained: [`container::parse`] recognises private-key PEM blocks,
//! drops them without decoding their contents and reports a [`container::Warning`].
#![forbid(unsafe_code)]

mod bounds;
pub mod cert;
pub mod chain;
pub mod container;
pub mod demo_ca;
mod error;
pub mod ext;
pub mod hostname;
pub mod pkcs7;
pub mod summary;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
mod verify;

pub use bounds::MAX_SET_ELEMENTS;
pub use cert::Cert;
pub use chain::{analyze, ChainAnalysis, ChainProblem, ExpiryWarning, OrderedChain};
pub use container::{parse, ContainerFormat, Parsed, Warning, MAX_INPUT_BYTES};
pub use error::PkiError;
pub use ext::{
    tls_server_warnings, ExtendedKeyUsageInfo, KeyPurpose, KeyUsageInfo, San, SanKind, UsageWarning,
};
pub use hostname::{check_cert_host, check_host, NameCheck};
pub use summary::{summarize, CertSummary};
