//! The DHCP half of a probe, byte by byte: the INFORM sent and each server's reply, with
//! options 43 and 120 explained by `ucprov_inspect`. Used by `probe --verbose`
//! and by `demo`.

use ucprov_probe::Report;
use ucprov_wire::message::Packet;

use ucprov_inspect::render::options as text;

/// Offset-prefixed hex, 16 bytes a line, the way packet dumps are read. Runs of all-zero
/// lines (the empty `sname` and `file` fields) collapse to `*`, as in `hexdump`.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut in_zero_run = false;
    for (i, line) in bytes.chunks(16).enumerate() {
        let zero = line.len() == 16 && line.iter().all(|&b| b == 0);
        let next_zero = bytes
            .get((i + 1) * 16..(i + 2) * 16)
            .is_some_and(|n| n.iter().all(|&b| b == 0));
        if zero && in_zero_run && next_zero {
            continue;
        }
        if zero && in_zero_run {
            out.push_str("  *\n");
        }
        in_zero_run = zero;
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("  {:04}  {}\n", i * 16, hex.join(" ")));
    }
    out
}

/// A message's options as a table, 43 and 120 broken down; or why they cannot be.
pub fn annotated_options(bytes: &[u8]) -> String {
    let packet = match Packet::new_checked(bytes) {
        Ok(p) => p,
        Err(e) => return format!("  not a DHCP message: {e}\n"),
    };
    match packet.options() {
        Ok(set) => text::options(&ucprov_inspect::options::rows_as_named(&set)),
        Err(e) => format!("  malformed options: {e}\n  fix: {}\n", e.fix()),
    }
}

/// Drops the zero padding after the end option, which only makes dumps longer.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &bytes[..end.max(240.min(bytes.len()))]
}

pub fn dhcp_bytes(report: &Report) -> String {
    let mut out = String::new();
    let d = &report.dhcp;
    out.push_str(&format!(
        "DHCPINFORM sent ({}, xid 0x{:08x}, {} bytes, zero padding not shown):\n",
        d.mode,
        d.xid,
        d.request.len()
    ));
    out.push_str(&hex_dump(trimmed(&d.request)));
    out.push('\n');
    out.push_str(&annotated_options(&d.request));
    for a in &report.servers {
        let Some(reply) = d.replies.get(a.reply_index) else {
            continue;
        };
        out.push_str(&format!(
            "\n{} from server {} ({}), {} bytes after {} ms:\n",
            a.message_type,
            a.server,
            a.source,
            reply.bytes.len(),
            reply.after_ms
        ));
        out.push_str(&hex_dump(trimmed(&reply.bytes)));
        out.push('\n');
        out.push_str(&annotated_options(&reply.bytes));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_has_offsets_and_sixteen_bytes_a_line() {
        let d = hex_dump(&[0xab; 20]);
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("  0000  ab ab"));
        assert!(lines[1].starts_with("  0016  ab ab ab ab"));
    }

    #[test]
    fn zero_runs_collapse_but_keep_their_edges() {
        let mut b = vec![1u8; 16];
        b.extend([0u8; 16 * 5]);
        b.extend([2u8; 4]);
        let d = hex_dump(&b);
        let offsets: Vec<&str> = d
            .lines()
            .map(|l| l.trim().split(' ').next().unwrap())
            .collect();
        assert_eq!(offsets, vec!["0000", "0016", "*", "0080", "0096"]);
    }

    #[test]
    fn padding_is_trimmed_but_the_header_stays() {
        let mut b = vec![1u8; 250];
        b.extend([0u8; 50]);
        assert_eq!(trimmed(&b).len(), 250);
        assert_eq!(trimmed(&[0u8; 300]).len(), 240);
    }
}
