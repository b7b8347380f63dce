//! Counters for the responder, lock-free on the hot path, rendered as Prometheus text.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::reason::Reason;

#[derive(Debug, Default)]
pub struct Metrics {
    pub received: AtomicU64,
    pub answered: AtomicU64,
    pub malformed: AtomicU64,
    pub reply_bytes: AtomicU64,
    pub send_errors: AtomicU64,
    pub reloads: AtomicU64,
    pub reload_failures: AtomicU64,
    ignored: [AtomicU64; Reason::ALL.len()],
}

impl Metrics {
    pub fn ignore(&self, reason: Reason) {
        self.ignored[reason.index()].fetch_add(1, Relaxed);
    }

    pub fn ignored(&self, reason: Reason) -> u64 {
        self.ignored[reason.index()].load(Relaxed)
    }

    pub fn ignored_total(&self) -> u64 {
        self.ignored.iter().map(|c| c.load(Relaxed)).sum()
    }

    pub fn answer(&self, bytes: usize) {
        self.answered.fetch_add(1, Relaxed);
        self.reply_bytes.fetch_add(bytes as u64, Relaxed);
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn render_prometheus(&self) -> String {
        let mut out = String::with_capacity(2048);
        let simple = [
            (
                "ucprov_dhcp_received_total",
                "Datagrams received on the DHCP socket.",
                &self.received,
            ),
            (
                "ucprov_dhcp_answered_total",
                "DHCPINFORMs answered with a DHCPACK.",
                &self.answered,
            ),
            (
                "ucprov_dhcp_malformed_total",
                "Datagrams dropped because they are not a well-formed DHCP message.",
                &self.malformed,
            ),
            (
                "ucprov_dhcp_reply_bytes_total",
                "Bytes of DHCP payload sent in replies.",
                &self.reply_bytes,
            ),
            (
                "ucprov_dhcp_send_errors_total",
                "Replies the kernel refused to send.",
                &self.send_errors,
            ),
            (
                "ucprov_config_reloads_total",
                "Configurations reloaded and in use.",
                &self.reloads,
            ),
            (
                "ucprov_config_reload_failures_total",
                "Reloads rejected; the previous configuration kept serving.",
                &self.reload_failures,
            ),
        ];
        for (name, help, counter) in simple {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Relaxed));
        }
        let name = "ucprov_dhcp_ignored_total";
        let _ = writeln!(
            out,
            "# HELP {name} Datagrams left unanswered, by reason.\n# TYPE {name} counter"
        );
        for r in Reason::ALL {
            let _ = writeln!(out, "{name}{{reason=\"{r}\"}} {}", self.ignored(r));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_counter_and_every_reason() {
        let m = Metrics::default();
        m.received.fetch_add(3, Relaxed);
        m.answer(300);
        m.ignore(Reason::Discover);
        m.ignore(Reason::Discover);
        let text = m.render_prometheus();
        assert!(text.contains("ucprov_dhcp_received_total 3\n"));
        assert!(text.contains("ucprov_dhcp_answered_total 1\n"));
        assert!(text.contains("ucprov_dhcp_reply_bytes_total 300\n"));
        assert!(text.contains("ucprov_dhcp_ignored_total{reason=\"discover\"} 2\n"));
        assert!(text.contains("ucprov_dhcp_ignored_total{reason=\"rogue_detection\"} 0\n"));
        assert_eq!(m.ignored_total(), 2);
        // Every sample line is `name{labels} value`; HELP and TYPE precede each family.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').unwrap();
            value.parse::<u64>().unwrap();
        }
    }
}
