//! `ucprov`: provision Lync / Skype for Business devices over DHCP.
//!
//! Each subcommand lives in `cmd/`; renderers shared by several commands live in `render/`.
//! Byte-level work is always delegated to `ucprov-wire`.
#![forbid(unsafe_code)]

mod annotate;
mod cert;
mod cli;
mod cmd;
mod exit;
mod profile_args;
mod render;

use std::process::ExitCode;

use clap::Parser;

use cli::Command;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // `cert` reports its own exit codes.
    let result = match cli.command {
        Command::Cert(cmd) => return cert::run(cmd),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Encode(args) => cmd::encode::run(&args),
        Command::Decode(args) => cmd::decode::run(&args),
        Command::Config(args) => cmd::config::run(&args),
        Command::Probe(args) => cmd::probe::run(&args),
        Command::Demo(args) => cmd::demo::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ucprov: error: {e}");
            e.exit_code()
        }
    }
}
