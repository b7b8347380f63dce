//! `ucprov probe`: be the phone on a live network and report what it sees, step by step.
//! The work is in `ucprov-probe`; this module parses flags and renders.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use clap::{ArgGroup, Args};
use ucprov_probe::{Override, ProbeConfig, ProbeError, Report, ResolveMap, Target, Thumbprint};

use crate::exit::{CliError, CliResult};
use crate::render::walkthrough;

fn after_help() -> String {
    format!(
        "Exit codes (the first failing step decides):\n{}\n\
Examples:\n  \
ucprov probe --interface eth0\n  \
ucprov probe --server 192.0.2.1 --resolve lyncweb.contoso.com:192.0.2.20 --json\n  \
ucprov probe --interface eth0 --expect-thumbprint 'a1 b2 …' --timeout 20\n  \
ucprov probe --interface eth0 --dns-server 192.0.2.53 --sip-domain contoso.com",
        ucprov_probe::exit_code_table()
    )
}

#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("where").required(true).args(["interface", "server"])),
    after_help = after_help()
)]
pub struct ProbeArgs {
    /// Broadcast the DHCPINFORM out of this interface (SO_BINDTODEVICE; needs root).
    #[arg(long, value_name = "IF")]
    pub interface: Option<String>,

    /// Unicast the DHCPINFORM to this server (port 67 unless given).
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_server)]
    pub server: Option<SocketAddrV4>,

    /// Local UDP port for replies. Servers answer port 68; another port suits unprivileged
    /// labs whose responder answers the source port. 0 picks any free port.
    #[arg(long, default_value_t = 68, value_name = "PORT")]
    pub client_port: u16,

    /// Option 60; an empty string leaves it out (devices always send MS-UC-Client).
    #[arg(long, default_value = "MS-UC-Client", value_name = "TEXT")]
    pub vendor_class: String,

    /// Option 55, the options to ask for.
    #[arg(
        long,
        default_value = "1,3,6,15,42,43,120",
        value_name = "CODES",
        value_delimiter = ','
    )]
    pub request_list: Vec<u8>,

    /// Seconds to listen for DHCP replies; retransmits (RFC 2131 back-off) until answered.
    #[arg(long, default_value_t = 10.0, value_name = "S", value_parser = parse_seconds)]
    pub timeout: f64,

    /// Port of the plain-HTTP root chain download (devices use 80).
    #[arg(long, default_value_t = 80, value_name = "PORT")]
    pub http_port: u16,

    /// Port of the registrars' SIP over TLS.
    #[arg(long, default_value_t = 5061, value_name = "PORT")]
    pub sip_port: u16,

    /// Pin the root: its SHA-1 or SHA-256 thumbprint (colons, spaces and case ignored).
    #[arg(long, value_name = "HEX", value_parser = |s: &str| s.parse::<Thumbprint>())]
    pub expect_thumbprint: Option<Thumbprint>,

    /// Use this address for HOST, as curl does (HOST:IP or HOST:PORT:IP); repeatable.
    #[arg(long, value_name = "HOST:IP", value_parser = |s: &str| s.parse::<Override>())]
    pub resolve: Vec<Override>,

    /// Ask this DNS server in step 3 (the phones' DHCP option 6 server), and connect to the
    /// addresses it gives; the system's configured servers otherwise. `--resolve` still wins.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_dns_server)]
    pub dns_server: Option<SocketAddr>,

    /// SIP domain for the DNS SRV fallback (without option 120) and the REGISTER's
    /// Request-URI; default: the web services FQDN's parent (web.contoso.com -> contoso.com).
    #[arg(long, value_name = "DOMAIN")]
    pub sip_domain: Option<String>,

    /// Also print the INFORM and each reply byte by byte, options 43 and 120 annotated.
    #[arg(long, short)]
    pub verbose: bool,

    /// Emit the report as JSON (same content, for scripts).
    #[arg(long)]
    pub json: bool,
}

fn parse_server(text: &str) -> Result<SocketAddrV4, String> {
    if let Ok(ip) = text.parse::<Ipv4Addr>() {
        return Ok(SocketAddrV4::new(ip, ucprov_probe::dhcp::SERVER_PORT));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not an IPv4 address or IPv4:PORT"))
}

fn parse_dns_server(text: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = text
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not an IP address, IPv4:PORT or [IPv6]:PORT"))
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err(format!("{text:?}: expected seconds between 0 and 3600")),
    }
}

impl ProbeArgs {
    pub fn to_config(&self) -> CliResult<ProbeConfig> {
        let target = match (&self.interface, self.server) {
            (Some(name), None) => Target::Interface(name.clone()),
            (None, Some(server)) => Target::Server(server),
            _ => {
                return Err(CliError::usage(
                    "give exactly one of --interface and --server",
                ))
            }
        };
        let mut cfg = ProbeConfig::new(target);
        cfg.client_port = self.client_port;
        cfg.vendor_class = self.vendor_class.clone();
        cfg.request_list = self.request_list.clone();
        cfg.timeout = Duration::from_secs_f64(self.timeout);
        cfg.http_port = self.http_port;
        cfg.sip_port = self.sip_port;
        cfg.expect_thumbprint = self.expect_thumbprint.clone();
        cfg.resolve = ResolveMap::new(self.resolve.clone());
        cfg.dns_server = self.dns_server;
        cfg.sip_domain = self
            .sip_domain
            .as_ref()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase());
        Ok(cfg)
    }
}

pub fn probe_error(e: ProbeError) -> CliError {
    match e {
        ProbeError::Usage(m) => CliError::usage(m),
        ProbeError::Environment(m) => CliError::env(m),
    }
}

/// The exit status for a finished report: 0, or the failing step's code with its message.
pub fn verdict(report: &Report) -> CliResult {
    match report.steps.iter().find_map(|s| s.problems.first()) {
        None => Ok(()),
        Some(p) => Err(CliError::Code {
            code: report.exit_code,
            message: format!("probe failed: {}", p.message),
        }),
    }
}

pub fn run(args: &ProbeArgs) -> CliResult {
    let cfg = args.to_config()?;
    let report = ucprov_probe::run(&cfg).map_err(probe_error)?;
    if args.json {
        crate::output::write_json(&report)?;
    } else {
        let mut text = String::new();
        if args.verbose {
            text.push_str(&walkthrough::dhcp_bytes(&report));
        }
        text.push_str(&report.render_text());
        crate::output::write_stdout(&text)?;
    }
    verdict(&report)
}
