//! `ucprov pcap FILE`: for every DHCP client in a capture, what it asked for and what it got.
//!
//! Three steps, one module each: [`capture`] reads records and link layers into UDP
//! datagrams, [`exchange`] pairs DHCP requests with every reply by `xid` and `chaddr`, and
//! [`report`] judges each client and renders the result.
//!
//! This lives in the binary rather than a `crates/capture` library because its findings are
//! told through `annotate` (options 43 and 120 explained, offsets and fixes), which is the
//! binary's shared renderer; a library would have to re-export or duplicate it. The capture
//! reader itself is kept free of DHCP so it could move out unchanged if a second user appears.

pub mod capture;
pub mod exchange;
pub mod report;

use std::path::PathBuf;

use clap::Args;

use crate::exit::{CliError, CliResult};

#[derive(Debug, Args)]
#[command(after_help = "\
Reads pcap (either byte order, micro- or nanosecond) and pcapng, on Ethernet (with VLAN tags),
Linux cooked (SLL, SLL2) and raw IPv4 links. Offsets in option errors count from the first byte
of the DHCP message (the UDP payload) in that frame; add the link, IP and UDP header lengths for
Wireshark's frame offsets.

Exit codes: 0 the capture was read (findings do not count unless --strict), 1 the capture is
corrupt or truncated (the report of what came before is still printed), or --strict and a client
has an error finding, 2 usage, 3 the file cannot be opened.

Examples:
  tcpdump -i eth0 -w phones.pcap 'udp port 67 or udp port 68'
  ucprov pcap phones.pcap
  ucprov pcap --client 00:04:f2:aa:bb:cc --json phones.pcapng
  ucprov pcap --strict nightly.pcap || echo 'a phone is not being provisioned'")]
pub struct PcapArgs {
    /// The capture file (pcap or pcapng).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Report only this client (chaddr); `aa:bb:cc:dd:ee:ff`, `aa-bb-…` or `aabbcc…`.
    #[arg(long, value_name = "MAC")]
    pub client: Option<String>,

    /// Emit the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Exit 1 when any client has an error finding (for monitoring).
    #[arg(long)]
    pub strict: bool,
}

/// `aa:bb:cc:dd:ee:ff` in the notations admins paste, as the report writes it.
pub fn normalise_mac(text: &str) -> Result<String, String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Err(format!(
            "--client {text:?} is not a MAC address; write it as aa:bb:cc:dd:ee:ff"
        ));
    }
    let lower = hex.to_ascii_lowercase();
    let pairs: Vec<&str> = (0..lower.len())
        .step_by(2)
        .filter_map(|i| lower.get(i..i + 2))
        .collect();
    Ok(pairs.join(":"))
}

pub fn run(args: &PcapArgs) -> CliResult {
    let filter = args
        .client
        .as_deref()
        .map(normalise_mac)
        .transpose()
        .map_err(CliError::usage)?;
    let data = std::fs::read(&args.file)
        .map_err(|e| CliError::env(format!("cannot read {}: {e}", args.file.display())))?;
    let name = args.file.display().to_string();
    let captured = capture::read(&data).map_err(|e| CliError::invalid(format!("{name}: {e}")))?;
    let exchanges = exchange::pair(&captured.datagrams, captured.first_time.unwrap_or_default());
    let report = report::build(&name, &captured, exchanges, filter.as_deref());
    if args.json {
        let s = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::env(format!("JSON output: {e}")))?;
        println!("{s}");
    } else {
        print!("{}", report::render(&report));
    }
    if let Some(e) = &captured.error {
        return Err(CliError::invalid(format!("{name}: {e}")));
    }
    if args.strict && report.any_client_error() {
        return Err(CliError::invalid(
            "--strict: at least one client has an error finding (see above)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_in_every_notation() {
        for t in ["00:04:F2:aa:bb:cc", "00-04-f2-AA-BB-CC", "0004f2aabbcc"] {
            assert_eq!(normalise_mac(t).unwrap(), "00:04:f2:aa:bb:cc");
        }
        assert!(normalise_mac("00:04:f2:aa:bb:c").is_err());
        assert!(normalise_mac("zz").is_err());
        assert!(normalise_mac("").is_err());
    }
}
