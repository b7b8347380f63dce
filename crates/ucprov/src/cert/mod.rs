//! `ucprov cert …` and the certificate-provisioning part of `ucprov serve`.

mod fetch;
mod inspect;
mod serve_args;

pub use inspect::{run_inspect, InspectArgs};
pub use serve_args::CertProvArgs;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Show the certificates in a PEM / DER / PKCS#7 file, stdin or plain-HTTP URL.
    Inspect(InspectArgs),
}

/// Exit codes shared by the `cert` subcommands.
pub mod exit {
    pub const OK: u8 = 0;
    /// Unreadable or invalid input, or (with --strict) a broken chain.
    pub const INVALID_DATA: u8 = 1;
    pub const USAGE: u8 = 2;
}

pub fn run(cmd: CertCommand) -> std::process::ExitCode {
    match cmd {
        CertCommand::Inspect(args) => run_inspect(args),
    }
}
