//! `ucprov`: provision Lync / Skype for Business devices over DHCP.
//!
//! Each subcommand lives in `cmd/`; renderers shared by several commands live in `render/`.
//! Byte-level work is always delegated to `ucprov-wire`.
#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod exit;
mod profile_args;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ucprov: error: {e}");
            e.exit_code()
        }
    }
}
