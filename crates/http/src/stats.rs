//! Counters of one listener, for tests and the admin page. Plain atomics: the hot path
//! never locks.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a connection was closed by us rather than by its client or by hyper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// No complete first request head within the header (or pressure) deadline.
    HeadTimeout,
    /// No next request head within the idle (or pressure) deadline.
    IdleTimeout,
    /// TLS handshake not finished within its deadline.
    TlsTimeout,
    /// TLS handshake failed.
    TlsFailed,
    /// The whole-life bound.
    Lifetime,
    /// Closed at the cap to make room for a new connection.
    Evicted,
}

impl Closed {
    pub const ALL: [Closed; 6] = [
        Closed::HeadTimeout,
        Closed::IdleTimeout,
        Closed::TlsTimeout,
        Closed::TlsFailed,
        Closed::Lifetime,
        Closed::Evicted,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Closed::HeadTimeout => "head_timeout",
            Closed::IdleTimeout => "idle_timeout",
            Closed::TlsTimeout => "tls_timeout",
            Closed::TlsFailed => "tls_failed",
            Closed::Lifetime => "lifetime",
            Closed::Evicted => "evicted",
        }
    }
}

/// What a listener's owner wants to hear about, besides [`Stats`] (certprov keeps its own
/// per-listener counters, for example). Every method defaults to nothing.
pub trait Observer: Send + Sync + 'static {
    fn accepted(&self) {}
    fn closed(&self, _why: Closed) {}
}

/// No observer.
impl Observer for () {}

#[derive(Debug, Default)]
pub struct Stats {
    accepted: AtomicU64,
    accept_errors: AtomicU64,
    requests: AtomicU64,
    closed: [AtomicU64; Closed::ALL.len()],
    open: AtomicU64,
}

impl Stats {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    pub fn accept_errors(&self) -> u64 {
        self.accept_errors.load(Ordering::Relaxed)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Connections open right now.
    pub fn open(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    pub fn closed(&self, why: Closed) -> u64 {
        self.closed[why as usize].load(Ordering::Relaxed)
    }

    pub(crate) fn count_accept(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_accept_error(&self) {
        self.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_closed(&self, why: Closed) {
        self.closed[why as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_open(&self, n: usize) {
        self.open
            .store(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Prometheus text (version 0.0.4) for the listener named `listener`.
    pub fn render_prometheus(&self, listener: &str) -> String {
        let mut out = String::new();
        let l = listener;
        let mut family = |name: &str, kind: &str, help: &str, lines: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, v) in lines {
                let _ = writeln!(out, "{name}{{listener=\"{l}\"{labels}}} {v}");
            }
        };
        family(
            "ucprov_http_connections_open",
            "gauge",
            "Connections open now.",
            &[(String::new(), self.open())],
        );
        family(
            "ucprov_http_connections_accepted_total",
            "counter",
            "Connections accepted.",
            &[(String::new(), self.accepted())],
        );
        family(
            "ucprov_http_accept_errors_total",
            "counter",
            "Failed accept calls (EMFILE and the like back off).",
            &[(String::new(), self.accept_errors())],
        );
        family(
            "ucprov_http_requests_total",
            "counter",
            "Requests handed to the service.",
            &[(String::new(), self.requests())],
        );
        let closed: Vec<(String, u64)> = Closed::ALL
            .iter()
            .map(|c| (format!(",reason=\"{}\"", c.label()), self.closed(*c)))
            .collect();
        family(
            "ucprov_http_connections_closed_total",
            "counter",
            "Connections closed by the server: deadlines, TLS failures, eviction at the cap.",
            &closed,
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_the_listener_label() {
        let s = Stats::new();
        s.count_accept();
        s.count_closed(Closed::Evicted);
        let text = s.render_prometheus("admin");
        assert!(text.contains("ucprov_http_connections_accepted_total{listener=\"admin\"} 1\n"));
        assert!(text.contains(
            "ucprov_http_connections_closed_total{listener=\"admin\",reason=\"evicted\"} 1\n"
        ));
        assert!(text.contains("# TYPE ucprov_http_connections_open gauge\n"));
    }
}
