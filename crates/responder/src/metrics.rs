//! Counters for the responder, lock-free on the hot path, rendered as Prometheus text.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{OnceLock, RwLock};

use crate::reason::Reason;

#[derive(Debug, Default)]
pub struct Metrics {
    pub received: AtomicU64,
    pub answered: AtomicU64,
    pub malformed: AtomicU64,
    pub reply_bytes: AtomicU64,
    pub send_errors: AtomicU64,
    ignored: [AtomicU64; Reason::ALL.len()],
    /// Answers per site name. A site that leaves the config keeps its count (counters never
    /// go back), one that joins gets an entry on its first answer.
    by_site: RwLock<BTreeMap<String, AtomicU64>>,
    /// Per receive worker, set once when the sockets are bound: the totals above are their
    /// sums; these show an operator how the kernel spread the load.
    workers: OnceLock<Box<[WorkerCounts]>>,
}

/// One of a worker's counters, for rendering them in a loop.
type WorkerCounter = fn(&WorkerCounts) -> &AtomicU64;

#[derive(Debug, Default)]
pub struct WorkerCounts {
    pub received: AtomicU64,
    pub answered: AtomicU64,
}

impl Metrics {
    /// Make room for `n` workers' counters; the first call wins (the sockets are bound once).
    pub fn set_workers(&self, n: usize) {
        let _ = self
            .workers
            .set((0..n).map(|_| WorkerCounts::default()).collect());
    }

    /// Worker `i`'s counters (`None` before [`Metrics::set_workers`] or past its count).
    pub fn worker(&self, i: usize) -> Option<&WorkerCounts> {
        self.workers.get().and_then(|w| w.get(i))
    }

    pub fn ignore(&self, reason: Reason) {
        self.ignored[reason.index()].fetch_add(1, Relaxed);
    }

    pub fn ignored(&self, reason: Reason) -> u64 {
        self.ignored[reason.index()].load(Relaxed)
    }

    pub fn ignored_total(&self) -> u64 {
        self.ignored.iter().map(|c| c.load(Relaxed)).sum()
    }

    pub fn answer(&self, site: &str, bytes: usize) {
        self.answered.fetch_add(1, Relaxed);
        self.reply_bytes.fetch_add(bytes as u64, Relaxed);
        // The shared read lock is the hot path; the write lock only on a site's first answer.
        if let Ok(sites) = self.by_site.read() {
            if let Some(n) = sites.get(site) {
                n.fetch_add(1, Relaxed);
                return;
            }
        }
        let mut sites = match self.by_site.write() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        sites
            .entry(site.to_string())
            .or_default()
            .fetch_add(1, Relaxed);
    }

    /// Answers given with `site`'s profile.
    pub fn answered_by(&self, site: &str) -> u64 {
        self.by_site
            .read()
            .ok()
            .and_then(|s| s.get(site).map(|n| n.load(Relaxed)))
            .unwrap_or(0)
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
        ];
        for (name, help, counter) in simple {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Relaxed));
        }
        let workers = self.workers.get().map_or(&[][..], |w| &w[..]);
        let name = "ucprov_dhcp_workers";
        let _ = writeln!(
            out,
            "# HELP {name} Receive workers (SO_REUSEPORT sockets) serving DHCP.\n# TYPE {name} gauge\n{name} {}",
            workers.len()
        );
        let per_worker: [(&str, &str, WorkerCounter); 2] = [
            (
                "ucprov_dhcp_worker_received_total",
                "Datagrams each receive worker handled (a broadcast only by worker 0).",
                |w| &w.received,
            ),
            (
                "ucprov_dhcp_worker_answered_total",
                "DHCPINFORMs each receive worker answered.",
                |w| &w.answered,
            ),
        ];
        for (name, help, counter) in per_worker {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (i, w) in workers.iter().enumerate() {
                let _ = writeln!(out, "{name}{{worker=\"{i}\"}} {}", counter(w).load(Relaxed));
            }
        }
        let name = "ucprov_dhcp_ignored_total";
        let _ = writeln!(
            out,
            "# HELP {name} Datagrams left unanswered, by reason.\n# TYPE {name} counter"
        );
        for r in Reason::ALL {
            let _ = writeln!(out, "{name}{{reason=\"{r}\"}} {}", self.ignored(r));
        }
        let name = "ucprov_dhcp_answered_by_site_total";
        let _ = writeln!(
            out,
            "# HELP {name} DHCPINFORMs answered, by the site whose profile they got.\n# TYPE {name} counter"
        );
        if let Ok(sites) = self.by_site.read() {
            for (site, n) in sites.iter() {
                let _ = writeln!(
                    out,
                    "{name}{{site=\"{}\"}} {}",
                    label(site),
                    n.load(Relaxed)
                );
            }
        }
        out
    }
}

/// `ucprov_build_info{version,revision} 1`: which build is running, for dashboards that
/// compare hosts.
pub fn build_info(version: &str, revision: &str) -> String {
    let name = "ucprov_build_info";
    format!(
        "# HELP {name} The running build: its version and git revision.\n# TYPE {name} gauge\n{name}{{version=\"{}\",revision=\"{}\"}} 1\n",
        label(version),
        label(revision)
    )
}

/// A Prometheus label value: backslash, double quote and newline escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_counter_and_every_reason() {
        let m = Metrics::default();
        m.received.fetch_add(3, Relaxed);
        m.answer("berlin", 300);
        m.answer("default", 10);
        m.ignore(Reason::Discover);
        m.ignore(Reason::Discover);
        m.set_workers(2);
        m.set_workers(5);
        m.worker(1).unwrap().answered.fetch_add(4, Relaxed);
        assert!(m.worker(2).is_none());
        let text = m.render_prometheus();
        assert!(text.contains("ucprov_dhcp_workers 2\n"));
        assert!(text.contains("ucprov_dhcp_worker_answered_total{worker=\"0\"} 0\n"));
        assert!(text.contains("ucprov_dhcp_worker_answered_total{worker=\"1\"} 4\n"));
        assert!(text.contains("ucprov_dhcp_received_total 3\n"));
        assert!(text.contains("ucprov_dhcp_answered_total 2\n"));
        assert!(text.contains("ucprov_dhcp_reply_bytes_total 310\n"));
        assert!(text.contains("ucprov_dhcp_answered_by_site_total{site=\"berlin\"} 1\n"));
        assert!(text.contains("ucprov_dhcp_answered_by_site_total{site=\"default\"} 1\n"));
        assert_eq!(m.answered_by("berlin"), 1);
        assert_eq!(m.answered_by("nowhere"), 0);
        assert!(text.contains("ucprov_dhcp_ignored_total{reason=\"discover\"} 2\n"));
        assert!(text.contains("ucprov_dhcp_ignored_total{reason=\"rogue_detection\"} 0\n"));
        assert_eq!(m.ignored_total(), 2);
        // Every sample line is `name{labels} value`; HELP and TYPE precede each family.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').unwrap();
            value.parse::<u64>().unwrap();
        }
    }

    #[test]
    fn build_info_is_one_gauge_with_escaped_labels() {
        assert_eq!(
            build_info("0.1.0", "1a2b3c4"),
            "# HELP ucprov_build_info The running build: its version and git revision.\n# TYPE ucprov_build_info gauge\nucprov_build_info{version=\"0.1.0\",revision=\"1a2b3c4\"} 1\n"
        );
        assert!(build_info("1", "a\"b").contains("revision=\"a\\\"b\""));
        assert!(Metrics::default()
            .render_prometheus()
            .contains("# TYPE ucprov_dhcp_answered_by_site_total counter\n"));
    }
}
