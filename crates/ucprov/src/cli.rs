//! The top-level parser. The subcommands ([`cmd::Command`]) and their dispatch live in `cmd/`;
//! this module names them and nothing in `cmd/` names this module, so the dependency points
//! one way: `cli` → `cmd`. The one exception is [`command`], which `completions` and `man` call
//! to render this very parser (so they cannot drift from `--help`).

use clap::{CommandFactory, Parser};

use crate::cmd;

/// `ucprov --version`: `0.1.0 (git abc123456789, built 2026-12-01)`; see build.rs.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("UCPROV_GIT_REV"),
    ", built ",
    env!("UCPROV_BUILD_DATE"),
    ")"
);

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 invalid data, 2 usage, 3 environment (file, socket, peer).

Examples:
  ucprov encode --sip-server lync.schertz.local
  ucprov decode 2B5A010C4D532D55432D436C69656E74...
  ucprov decode --as option120 00046C796E63077363686572747A056C6F63616C00
  ucprov pcap phones.pcap
  ucprov web";

/// Provision Lync / Skype for Business devices over DHCP: compute, decode, configure, serve and
/// probe options 43 and 120 and the certificate provisioning service.
#[derive(Debug, Parser)]
#[command(name = "ucprov", version = VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: cmd::Command,
}

/// The whole parser as clap sees it: what `--help`, the completions and the man pages render.
pub fn command() -> clap::Command {
    Cli::command()
}
