//! `ucprov man [--out DIR]`: man pages rendered by clap_mangen from the parser itself
//! ([`crate::cli::command`]): `ucprov.1`, then one page per subcommand (`ucprov-encode.1`,
//! `ucprov-cert-inspect.1`, …). Without `--out`, `ucprov.1` goes to standard output.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::exit::{CliError, CliResult};

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  ucprov man | man -l -
  ucprov man --out target/man    # ucprov.1, ucprov-encode.1, ...")]
pub struct ManArgs {
    /// Write every page (ucprov.1 and one per subcommand) into DIR, created if missing, and
    /// print the paths written.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ManArgs) -> CliResult {
    // Built, so that every subcommand knows its display name (`ucprov-encode`): the title and
    // file name of its page.
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    match &args.out {
        None => super::completions::write_stdout(&render(&cmd)?),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::env(format!("--out {}: {e}", dir.display())))?;
            let mut written = Vec::new();
            write_pages(&cmd, dir, &mut written)?;
            let list: String = written
                .iter()
                .map(|p| format!("{}\n", p.display()))
                .collect();
            super::completions::write_stdout(list.as_bytes())
        }
    }
}

/// The page of `cmd`, titled in capitals as man pages are (`.TH UCPROV-ENCODE 1`), dated with
/// the build date.
fn render(cmd: &clap::Command) -> CliResult<Vec<u8>> {
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .date(env!("UCPROV_BUILD_DATE"))
        .render(&mut page)
        .map_err(|e| CliError::env(format!("rendering the man page: {e}")))?;
    Ok(page)
}

/// `cmd`'s page (`ucprov.1`), then its subcommands' (`ucprov-encode.1`, …), depth first.
fn write_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> CliResult {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let page = render(cmd)?;
    std::fs::write(&path, page).map_err(|e| CliError::env(format!("{}: {e}", path.display())))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}
