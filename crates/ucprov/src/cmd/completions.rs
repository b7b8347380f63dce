//! `ucprov completions SHELL`: a shell completion script, rendered by clap_complete from the
//! parser itself ([`crate::cli::command`]), so it completes exactly what `--help` lists.

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

use crate::exit::{CliError, CliResult};

#[derive(Debug, Args)]
#[command(after_help = "\
Install (the Debian package does this for you):
  ucprov completions bash > /usr/share/bash-completion/completions/ucprov
  ucprov completions zsh  > /usr/share/zsh/vendor-completions/_ucprov
  ucprov completions fish > /usr/share/fish/vendor_completions.d/ucprov.fish
Or for the current shell only:
  source <(ucprov completions bash)")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> CliResult {
    let mut cmd = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "ucprov", &mut script);
    write_stdout(&script)
}

/// Write all of `bytes` to standard output; a reader that went away (`| head`) is no error.
pub(crate) fn write_stdout(bytes: &[u8]) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::env(format!("standard output: {e}"))),
    }
}
