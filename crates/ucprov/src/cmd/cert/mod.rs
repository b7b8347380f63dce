//! `ucprov cert …`, and the flags of the certificate-provisioning part of `ucprov serve`.

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

pub fn run(cmd: CertCommand) -> crate::exit::CliResult {
    match cmd {
        CertCommand::Inspect(args) => run_inspect(args),
    }
}
