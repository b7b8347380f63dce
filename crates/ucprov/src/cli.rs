//! The command line: one variant per subcommand, each with its own `Args` struct in `cmd/`.

use clap::{Parser, Subcommand};

use crate::cmd;

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
#[command(name = "ucprov", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute options 43 and 120 for a pool, like DHCPUtil.exe, in every output form.
    Encode(cmd::encode::EncodeArgs),
    /// Decode a hex dump of option 43, option 120 or a run of DHCP options, annotated.
    Decode(cmd::decode::DecodeArgs),
    /// Ready-to-paste DHCP server configuration, scoped to vendor class MS-UC-Client where the
    /// server can match option 60, with each platform's limits checked.
    Config(cmd::config::ConfigArgs),
    /// Be the phone: DHCPINFORM, options 43/120, root chain download, TLS; a pass/fail
    /// report per step.
    Probe(cmd::probe::ProbeArgs),
    /// The whole system on loopback: responder, certificate service and a probe against
    /// them, printed step by step. No root, no configuration.
    Demo(cmd::demo::DemoArgs),
    /// Certificate tools: inspect a PEM, DER or PKCS#7 file, standard input or a plain-HTTP URL.
    #[command(subcommand)]
    Cert(cmd::cert::CertCommand),
    /// Run the services UC devices use: the DHCPINFORM responder (options 43 and 120, per
    /// site) and the certificate provisioning service over HTTP(S).
    // Boxed: the certprov flags make it much larger than the other variants.
    Serve(Box<cmd::serve::ServeArgs>),
    /// Read a pcap/pcapng capture: for every phone, what it asked for (option 60, option 55),
    /// which servers answered, options 43 and 120 decoded and checked, and what went wrong.
    Pcap(cmd::pcap::PcapArgs),
    /// A local web page that does what encode, decode and config do, for those who would
    /// rather click than type. Loopback only by default.
    Web(cmd::web::WebArgs),
}
