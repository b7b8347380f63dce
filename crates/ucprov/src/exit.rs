//! Exit codes and the error type every subcommand returns.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | invalid data: the input (hex, profile, config, certificate) is wrong |
//! | 2 | usage: the command line is wrong (clap's own code for usage errors) |
//! | 3 | environment: a file, socket or peer could not be used |
//!
//! `ucprov probe` adds one code per failing step (documented there). A closed standard output
//! (`ucprov pcap big.pcap | head`) is not a failure: the run ends quietly with 0.

use std::process::ExitCode;

pub const INVALID_DATA: u8 = 1;
pub const USAGE: u8 = 2;
pub const ENVIRONMENT: u8 = 3;

/// A failure a subcommand reports to the user: the message is printed as is, so it must
/// say what was wrong, where, and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    InvalidData(String),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Environment(String),
    /// A specific exit code with its message (probe's per-step codes).
    #[error("{message}")]
    Code { code: u8, message: String },
    /// Standard output was closed by the reader (`| head`): stop writing, print nothing, exit 0.
    #[error("standard output closed")]
    StdoutClosed,
}

impl CliError {
    pub fn invalid(msg: impl std::fmt::Display) -> Self {
        CliError::InvalidData(msg.to_string())
    }
    pub fn usage(msg: impl std::fmt::Display) -> Self {
        CliError::Usage(msg.to_string())
    }
    pub fn env(msg: impl std::fmt::Display) -> Self {
        CliError::Environment(msg.to_string())
    }

    /// The process exit status for this error, as a number (the JSON error object's `exit_code`).
    pub fn code(&self) -> u8 {
        match self {
            CliError::InvalidData(_) => INVALID_DATA,
            CliError::Usage(_) => USAGE,
            CliError::Environment(_) => ENVIRONMENT,
            CliError::Code { code, .. } => *code,
            CliError::StdoutClosed => 0,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
