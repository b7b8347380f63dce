//! `ucprov`: provision Lync / Skype for Business devices over DHCP.
//!
//! Each subcommand lives in `cmd/`; renderers shared by several commands live in `render/`.
//! Byte-level work is always delegated to `ucprov-wire`.
#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod exit;
mod output;
mod profile_args;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if output::parse_error_is_json(&e) => {
            let _ = e.print();
            let code = u8::try_from(e.exit_code()).unwrap_or(exit::USAGE);
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid command line");
            let message = first.trim_start_matches("error: ");
            let _ = output::write_stdout(&format!("{}\n", output::error_json(message, code)));
            return ExitCode::from(code);
        }
        Err(e) => e.exit(),
    };
    let json = cli.command.wants_json();
    match cmd::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::report_error(&e, json);
            e.exit_code()
        }
    }
}
