//! One module per subcommand. Each exposes an `Args` struct and a `run` function; the
//! [`Command`] enum names them and [`run`] dispatches. The top-level parser (`crate::cli`)
//! names [`Command`]; nothing here names the parser.

pub mod apply;
pub mod audit;
pub mod cert;
pub mod completions;
pub mod config;
pub mod decode;
pub mod demo;
pub mod encode;
pub mod man;
pub mod pcap;
pub mod probe;
pub mod serve;
pub mod watch;
pub mod web;

use clap::Subcommand;

use crate::exit::CliResult;

// Every subcommand, one variant each with its own `Args` struct (a plain comment: clap would
// read a doc comment here as help text).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute options 43 and 120 for a pool, like DHCPUtil.exe, in every output form.
    Encode(encode::EncodeArgs),
    /// Decode a hex dump of option 43, option 120 or a run of DHCP options, annotated.
    Decode(decode::DecodeArgs),
    /// Ready-to-paste DHCP server configuration, scoped to vendor class MS-UC-Client where the
    /// server can match option 60, with each platform's limits checked.
    Config(config::ConfigArgs),
    /// Be the phone: DHCPINFORM, options 43/120, root chain download, TLS; a pass/fail
    /// report per step.
    Probe(probe::ProbeArgs),
    /// The whole system on loopback: responder, certificate service and a probe against
    /// them, printed step by step. No root, no configuration.
    Demo(demo::DemoArgs),
    /// Certificate tools: inspect a PEM, DER or PKCS#7 file, standard input or a plain-HTTP URL.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Run the services UC devices use: the DHCPINFORM responder (options 43 and 120, per
    /// site) and the certificate provisioning service over HTTP(S).
    // Boxed: the certprov flags make it much larger than the other variants.
    Serve(Box<serve::ServeArgs>),
    /// Read a pcap/pcapng capture: for every phone, what it asked for (option 60, option 55),
    /// which servers answered, options 43 and 120 decoded and checked, and what went wrong.
    Pcap(pcap::PcapArgs),
    /// A local web page that does what encode, decode and config do, for those who would
    /// rather click than type. Loopback only by default.
    Web(web::WebArgs),
    /// Watch live traffic (a SPAN port or a switch mirror) with `pcap`'s engine: findings
    /// as exchanges close, and Prometheus metrics. Needs CAP_NET_RAW.
    Watch(watch::WatchArgs),
    /// Read the DHCP server configuration already in use (Kea, ISC dhcpd, dnsmasq, …, or a
    /// running Kea) and say what MS-UC-Client devices get from it, with every mistake's line
    /// and fix.
    Audit(audit::AuditArgs),
    /// Merge the profile into a running Kea through its Control Agent, keeping every other
    /// class and option; prints the diff, changes nothing when already applied.
    Apply(apply::ApplyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completions(completions::CompletionsArgs),
    /// Write the man pages (ucprov.1 and one per subcommand) to a directory, or ucprov.1 to
    /// standard output.
    Man(man::ManArgs),
}

pub fn run(command: Command) -> CliResult {
    match command {
        Command::Encode(args) => encode::run(&args),
        Command::Decode(args) => decode::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Probe(args) => probe::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Cert(cmd) => cert::run(cmd),
        Command::Serve(args) => serve::run(&args),
        Command::Pcap(args) => pcap::run(&args),
        Command::Web(args) => web::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Apply(args) => apply::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}
