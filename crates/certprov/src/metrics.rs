//! Counters for the admin endpoint. Plain atomics so the hot path never locks; the
//! caller renders them next to the DHCP responder's metrics.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listener {
    Http = 0,
    Https = 1,
}

const LISTENERS: [&str; 2] = ["http", "https"];
const METHODS: [&str; 4] = ["GET", "HEAD", "POST", "other"];
const STATUSES: [u16; 6] = [200, 400, 404, 405, 413, 500];

#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[[AtomicU64; STATUSES.len()]; METHODS.len()]; LISTENERS.len()],
    body_bytes: [AtomicU64; LISTENERS.len()],
    connections: [AtomicU64; LISTENERS.len()],
    timeouts: [AtomicU64; LISTENERS.len()],
    tls_failures: AtomicU64,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn request(&self, l: Listener, method: &hyper::Method, status: u16, body: u64) {
        let m = match *method {
            hyper::Method::GET => 0,
            hyper::Method::HEAD => 1,
            hyper::Method::POST => 2,
            _ => 3,
        };
        let s = STATUSES
            .iter()
            .position(|&x| x == status)
            .unwrap_or(STATUSES.len() - 1);
        self.requests[l as usize][m][s].fetch_add(1, Ordering::Relaxed);
        self.body_bytes[l as usize].fetch_add(body, Ordering::Relaxed);
    }

    pub(crate) fn connection(&self, l: Listener) {
        self.connections[l as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn timeout(&self, l: Listener) {
        self.timeouts[l as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn tls_failure(&self) {
        self.tls_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests answered with `status` for `method` ("GET", "HEAD", "POST", "other") on
    /// `listener` ("http", "https"); for tests and health checks.
    pub fn requests(&self, listener: &str, method: &str, status: u16) -> u64 {
        let l = LISTENERS.iter().position(|&x| x == listener);
        let m = METHODS.iter().position(|&x| x == method);
        let s = STATUSES.iter().position(|&x| x == status);
        match (l, m, s) {
            (Some(l), Some(m), Some(s)) => self.requests[l][m][s].load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// Prometheus text exposition (version 0.0.4), `# HELP`/`# TYPE` included. Status 500
    /// also collects any status outside the fixed set.
    pub fn render_prometheus(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP ucprov_certprov_requests_total CertProvisioningService HTTP requests by listener, method and status.");
        let _ = writeln!(out, "# TYPE ucprov_certprov_requests_total counter");
        for (li, l) in LISTENERS.iter().enumerate() {
            for (mi, m) in METHODS.iter().enumerate() {
                for (si, s) in STATUSES.iter().enumerate() {
                    let v = self.requests[li][mi][si].load(Ordering::Relaxed);
                    if v > 0 {
                        let _ = writeln!(out, "ucprov_certprov_requests_total{{listener=\"{l}\",method=\"{m}\",status=\"{s}\"}} {v}");
                    }
                }
            }
        }
        let mut per_listener = |name: &str, help: &str, arr: &[AtomicU64; 2]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (li, l) in LISTENERS.iter().enumerate() {
                let v = arr[li].load(Ordering::Relaxed);
                let _ = writeln!(out, "{name}{{listener=\"{l}\"}} {v}");
            }
        };
        per_listener(
            "ucprov_certprov_response_body_bytes_total",
            "Response body bytes sent (HEAD sends none).",
            &self.body_bytes,
        );
        per_listener(
            "ucprov_certprov_connections_total",
            "Connections accepted.",
            &self.connections,
        );
        per_listener(
            "ucprov_certprov_connection_timeouts_total",
            "Connections closed by a handshake or lifetime timeout.",
            &self.timeouts,
        );
        let _ = writeln!(
            out,
            "# HELP ucprov_certprov_tls_handshake_failures_total TLS handshakes that failed."
        );
        let _ = writeln!(
            out,
            "# TYPE ucprov_certprov_tls_handshake_failures_total counter"
        );
        let _ = writeln!(
            out,
            "ucprov_certprov_tls_handshake_failures_total {}",
            self.tls_failures.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counted_series() {
        let m = Metrics::new();
        m.request(Listener::Http, &hyper::Method::GET, 200, 1234);
        m.request(Listener::Http, &hyper::Method::PUT, 405, 0);
        m.request(Listener::Https, &hyper::Method::GET, 418, 0);
        let text = m.render_prometheus();
        assert!(text.contains(
            "ucprov_certprov_requests_total{listener=\"http\",method=\"GET\",status=\"200\"} 1\n"
        ));
        assert!(text.contains("method=\"other\",status=\"405\"} 1\n"));
        assert!(text.contains("listener=\"https\",method=\"GET\",status=\"500\"} 1\n"));
        assert!(
            text.contains("ucprov_certprov_response_body_bytes_total{listener=\"http\"} 1234\n")
        );
        assert_eq!(m.requests("http", "GET", 200), 1);
        assert_eq!(m.requests("http", "POST", 200), 0);
    }
}
