//! The output contract every reporting command shares (docs/json.md):
//!
//! - `--json` writes one JSON document on standard output whose top-level object starts with
//!   `"schema_version": 1` ([`SCHEMA_VERSION`]);
//! - a failure under `--json` before any report was written is the error object
//!   `{"schema_version":1,"error":{"message":"…","exit_code":N}}` on standard output (and the
//!   human line on standard error); when the report was written, it is the only document and
//!   the exit code carries the verdict;
//! - a closed standard output (`| head`) ends the run quietly: [`write_stdout`] turns
//!   `BrokenPipe` into [`CliError::StdoutClosed`], which `main` ends with 0 and no message.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::cmd::Command;
use crate::exit::{CliError, CliResult};

/// The version of every command's JSON shape (pcap's included). Bumped on an incompatible
/// change: a field removed, renamed or retyped. New fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// Whether a JSON report has been written to standard output in this run: then an error is
/// not written as a second document.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// A body with `schema_version` first and the body's own fields after it.
#[derive(Serialize)]
pub struct Versioned<'a, T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

pub fn versioned<T: Serialize>(body: &T) -> Versioned<'_, T> {
    Versioned {
        schema_version: SCHEMA_VERSION,
        body,
    }
}

/// Record that this run's JSON report is (being) written to standard output.
pub fn mark_reported() {
    REPORTED.store(true, Ordering::Relaxed);
}

fn reported() -> bool {
    REPORTED.load(Ordering::Relaxed)
}

/// How a failed write to standard output ends the command.
pub fn stdout_error(e: &io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::StdoutClosed
    } else {
        CliError::env(format!("writing standard output: {e}"))
    }
}

/// Write `text` to standard output; a closed pipe is a quiet end, not a panic.
pub fn write_stdout(text: &str) -> CliResult {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| stdout_error(&e))
}

/// `body` as one pretty-printed JSON document with `schema_version` first, on standard output.
pub fn write_json<T: Serialize>(body: &T) -> CliResult {
    let mut s = serde_json::to_string_pretty(&versioned(body))
        .map_err(|e| CliError::env(format!("JSON output: {e}")))?;
    s.push('\n');
    mark_reported();
    write_stdout(&s)
}

/// The error object `--json` prints for a failure: `{"schema_version":1,"error":{…}}`.
pub fn error_json(message: &str, exit_code: u8) -> String {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        message: &'a str,
        exit_code: u8,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        error: ErrorBody<'a>,
    }
    let doc = Doc {
        error: ErrorBody { message, exit_code },
    };
    // A struct of a string and a number always serialises.
    serde_json::to_string(&versioned(&doc)).unwrap_or_default()
}

/// Report a command's failure: the human line on standard error, and under `--json` the error
/// object on standard output unless the command already wrote its report there.
pub fn report_error(e: &CliError, json: bool) {
    if matches!(e, CliError::StdoutClosed) {
        return;
    }
    eprintln!("ucprov: error: {e}");
    if json && !reported() {
        // Standard output may be closed too; nothing more can be said then.
        let _ = write_stdout(&format!("{}\n", error_json(&e.to_string(), e.code())));
    }
}

/// A command-line parse error under `--json` (usage, exit 2): the same error object. Help and
/// `--version` are not errors and keep clap's own output.
pub fn parse_error_is_json(e: &clap::Error) -> bool {
    e.use_stderr() && std::env::args_os().any(|a| a == "--json" || a == "--json-lines")
}

impl Command {
    /// Whether the command was asked for JSON output (`--json`, encode's `--format json`,
    /// pcap's `--json-lines`).
    pub fn wants_json(&self) -> bool {
        match self {
            Command::Encode(a) => a.json || a.format == crate::cmd::encode::EncodeFormat::Json,
            Command::Decode(a) => a.json,
            Command::Config(a) => a.json,
            Command::Probe(a) => a.json,
            Command::Demo(a) => a.json,
            Command::Cert(crate::cmd::cert::CertCommand::Inspect(a)) => a.json,
            Command::Serve(a) => a.json,
            Command::Pcap(a) => a.json || a.json_lines,
            Command::Audit(a) => a.json,
            Command::Apply(a) => a.json,
            // web and watch are services, not reports; new commands opt in here.
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_error_object_has_its_shape() {
        let v: serde_json::Value = serde_json::from_str(&error_json("a \"b\"", 3)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"schema_version": 1, "error": {"message": "a \"b\"", "exit_code": 3}})
        );
    }

    #[test]
    fn versioned_puts_the_version_first() {
        #[derive(Serialize)]
        struct B {
            a: u8,
        }
        let s = serde_json::to_string(&versioned(&B { a: 1 })).unwrap();
        assert_eq!(s, r#"{"schema_version":1,"a":1}"#);
    }
}
