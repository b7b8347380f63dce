//! `ucprov audit`: what an MS-UC-Client device receives from a DHCP server configuration an
//! admin already runs, and what else the same settings reach.
//!
//! Layers, dependencies pointing down:
//! - [`source`]: the files read (includes followed with depth, cycle and size limits), and a
//!   [`source::Loc`] (file, line) on every value;
//! - [`model`]: the dialect-neutral model (option definitions, values with their declared type
//!   and raw text, scopes, classes and their option 60 conditions) every parser produces;
//! - [`dialect`]: how each server assembles options 43 and 120 ([`dialect::Assembly`]: which
//!   setting wins, how sub-options are encapsulated), as data per dialect, and detection;
//! - [`eval`]: ONE evaluator for every dialect: per scope and per client (MS-UC-Client, PXE,
//!   other vendor classes seen in the file) the effective option 43 and 120 bytes;
//! - [`rules`]: one configuration-level rule per mistake, each with its unit test; the byte
//!   checks are `ucprov_inspect`'s own;
//! - [`fix`]: every fix is the dialect's own lines, taken from `ucprov_confgen`'s output;
//! - the parsers: [`kea`], [`isc`], [`dnsmasq`] (others are added beside them);
//! - [`audit`]: the report: parse, evaluate, run the rules.
//!
//! Pure except for [`source::RealFs`]; the parsers take any [`source::FileSystem`].
#![forbid(unsafe_code)]

pub mod audit;
pub mod cisco;
pub mod dialect;
pub mod dnsmasq;
pub mod error;
pub mod eval;
pub mod fix;
pub mod isc;
pub mod kea;
pub mod mikrotik;
pub mod model;
#[cfg(test)]
pub(crate) mod roundtrip;
pub mod rules;
pub mod source;
pub mod windows;

pub use audit::{audit, read, Report, ScopeReport};
pub use dialect::Dialect;
pub use error::{AuditError, ErrorKind};
pub use model::Config;
pub use source::{Loc, Located, Sources};
