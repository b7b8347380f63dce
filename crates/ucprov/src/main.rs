//! `ucprov`'s entry point: parse the command line, run the subcommand, report its outcome
//! (the library in `lib.rs` does the work).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ucprov::{cli, cmd, exit, output};

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
