//! `ucprov pcap FILE`: for every DHCP client in a capture, what it asked for and what it got.
//! The reading, pairing and judging are `ucprov_inspect::capture`'s; this adapts the command
//! line and writes the reports as they close: text, one JSON document, or JSON lines.

pub(crate) mod output;

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read};
use std::path::PathBuf;

use clap::Args;
use ucprov_inspect::capture::{Capture, CaptureError, DEFAULT_WINDOW_SECS};

use crate::exit::{CliError, CliResult};
use output::{Mode, Output};

#[derive(Debug, Args)]
#[command(after_help = "\
Reads pcap (either byte order, micro- or nanosecond, FCS bits in the link type) and pcapng, on
Ethernet (with VLAN tags), Linux cooked (SLL, SLL2) and raw IPv4 links, as a stream: memory
follows the clients in flight, not the file size. Frames cut by the snap length are read as far
as they go. Offsets in option errors count from the first byte of the DHCP message (the UDP
payload) in that frame; add the link, IP and UDP header lengths for Wireshark's frame offsets.

Option 43 is judged against the MS-UC-Client profile only in replies to MS-UC-Client requests;
an access point's or a PXE client's option 43 is shown as that vendor's. A client's verdict
reads its MS-UC-Client INFORMs when it sent any (a Lync Phone Edition device first does DHCP as
CPE-OCPHONE for its voice VLAN).

Exit codes: 0 the capture was read (findings do not count unless --strict), 1 the capture is
corrupt or truncated (the report of what came before is still printed), or --strict and a
client's verdict is a failure, 2 usage, 3 the file cannot be opened or read.

Examples:
  tcpdump -i eth0 -w phones.pcap 'udp port 67 or udp port 68'
  ucprov pcap phones.pcap
  ucprov pcap --client 00:04:f2:aa:bb:cc --json phones.pcapng
  tcpdump -i eth0 -w - 'udp port 67 or 68' | ucprov pcap --json-lines -
  ucprov pcap --strict --summary nightly.pcap || echo 'a phone is not being provisioned'")]
pub struct PcapArgs {
    /// The capture file (pcap or pcapng); `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Report only this client (chaddr); `aa:bb:cc:dd:ee:ff`, `aa-bb-…` or `aabbcc…`.
    #[arg(long, value_name = "MAC")]
    pub client: Option<String>,

    /// Emit the report as one JSON document.
    #[arg(long, conflicts_with = "json_lines")]
    pub json: bool,

    /// Emit one JSON object per client as it closes, then one for the summary.
    #[arg(long)]
    pub json_lines: bool,

    /// Print the summary table alone (with --json, client rows instead of full reports).
    #[arg(long)]
    pub summary: bool,

    /// Seconds of capture time an exchange waits for replies and a quiet client stays open.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_WINDOW_SECS)]
    pub window: u64,

    /// Exit 1 when any client's verdict is a failure (for monitoring).
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

/// Records read between two looks at the progress bar and the closed clients.
const STEP: usize = 4096;

pub fn run(args: &PcapArgs) -> CliResult {
    let filter = args
        .client
        .as_deref()
        .map(normalise_mac)
        .transpose()
        .map_err(CliError::usage)?;
    let stdin = args.file.as_os_str() == "-";
    let (input, name, size): (Box<dyn Read + Send>, String, Option<u64>) = if stdin {
        (Box::new(io::stdin()), "standard input".to_string(), None)
    } else {
        let file = File::open(&args.file)
            .map_err(|e| CliError::env(format!("cannot read {}: {e}", args.file.display())))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), args.file.display().to_string(), size)
    };
    let mut capture = Capture::open(BufReader::with_capacity(1 << 16, input), args.window)
        .map_err(|e| match e {
            CaptureError::Io { .. } => CliError::env(format!("{name}: {e}")),
            other => CliError::invalid(format!("{name}: {other}")),
        })?;
    let mode = match (args.json, args.json_lines) {
        (_, true) => Mode::JsonLines,
        (true, _) => Mode::Json,
        _ => Mode::Text,
    };
    let progress = size.filter(|_| io::stderr().is_terminal()).map(|len| {
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut out = Output::new(mode, args.summary, filter.clone());
    if mode != Mode::Text {
        // The document (or the lines) is always finished, even when the capture turns out
        // corrupt: a later error is in the exit code and on stderr, not a second document.
        crate::output::mark_reported();
    }
    loop {
        let (closed, ended) = capture.step(STEP);
        if let Some(bar) = &progress {
            bar.set_position(capture.offset());
        }
        // A closed standard output (`| head`) ends the run quietly; another write error is
        // the environment's.
        out.clients(&closed)
            .map_err(|e| crate::output::stdout_error(&e))?;
        if ended {
            break;
        }
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let summary = capture.summary(&name);
    let failing = out.failing();
    out.finish(summary)
        .map_err(|e| crate::output::stdout_error(&e))?;
    if let Some(e) = capture.error() {
        return Err(match e {
            CaptureError::Io { .. } => CliError::env(format!("{name}: {e}")),
            other => CliError::invalid(format!("{name}: {other}")),
        });
    }
    if args.strict && failing > 0 {
        return Err(CliError::invalid(format!(
            "--strict: {failing} client(s) are not provisioned as they should be (see above)"
        )));
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
