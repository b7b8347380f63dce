//! Why no configuration could be generated at all.

use ucprov_wire::profile::ProvisioningError;

/// Why no configuration could be generated at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfgenError {
    #[error(transparent)]
    Profile(#[from] ProvisioningError),
    #[error("--scope {value:?}: {why}")]
    Scope { value: String, why: String },
    #[error("--class-name {value:?}: {why}")]
    ClassName { value: String, why: &'static str },
    #[error("--interface {value:?}: {why}")]
    Interface { value: String, why: &'static str },
}
