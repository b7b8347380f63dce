//! `ucprov watch --interface IF`: `ucprov pcap`'s engine on live traffic. The capture, the
//! counting and the metrics endpoint are `ucprov_watch`'s; this adapts the command line.

use std::net::SocketAddr;

use clap::Args;
use ucprov_watch::{WatchConfig, DEFAULT_WINDOW_SECS};

use crate::exit::{CliError, CliResult};

#[derive(Debug, Args)]
#[command(after_help = "\
Watches one interface (a SPAN port, a switch mirror, or the phones' own segment) with a packet
socket: the kernel hands over only IPv4 UDP to or from port 67 or 68 on that interface (a BPF
filter). Each request/reply exchange is printed when it closes, a window after its last packet:
one line for the exchange and one per finding, or with --json-lines one JSON object per
exchange. A mirror port sees other hosts' frames only in promiscuous mode
(`ip link set IF promisc on`). Needs CAP_NET_RAW (root).

Metrics (--metrics): ucprov_watch_packets_total, ucprov_watch_dhcp_messages_total{type},
ucprov_watch_clients_seen_total, ucprov_watch_informs_unanswered_total{vendor_class},
ucprov_watch_server_replies_total{server}, ucprov_watch_conflicting_servers_total,
ucprov_watch_rogue_detection_total, ucprov_watch_malformed_total{kind},
ucprov_watch_findings_total{severity,kind}, and more; GET /metrics and /healthz.

Stops on SIGINT (Ctrl-C) or SIGTERM, after judging what is still open.

Exit codes: 0 stopped by a signal, 2 usage, 3 the interface does not exist, the packet socket
cannot be opened (no CAP_NET_RAW) or the metrics address cannot be bound.

Examples:
  ucprov watch --interface eth1
  ucprov watch --interface eth1 --metrics 127.0.0.1:9468 --json-lines | jq .findings
  ip link set eth1 promisc on && ucprov watch --interface eth1 --window 30")]
pub struct WatchArgs {
    /// The interface to watch, e.g. the one a switch mirrors the phones' VLAN to.
    #[arg(long, short = 'i', value_name = "IF")]
    pub interface: String,

    /// Serve Prometheus metrics on this address (`GET /metrics`), e.g. 127.0.0.1:9468.
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics: Option<SocketAddr>,

    /// Emit one JSON object per exchange as it closes, instead of text lines.
    #[arg(long)]
    pub json_lines: bool,

    /// Seconds an exchange waits for more replies, and a quiet client stays open.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_WINDOW_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub window: u64,
}

pub fn run(args: &WatchArgs) -> CliResult {
    let cfg = WatchConfig {
        interface: args.interface.clone(),
        window_secs: args.window,
        metrics: args.metrics,
        json_lines: args.json_lines,
    };
    ucprov_watch::run(&cfg, std::io::stdout().lock()).map_err(CliError::env)
}
