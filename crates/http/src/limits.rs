//! What one listener allows a connection. The defaults suit the CertProvisioningService: a
//! phone sends one small GET and reads a few KiB, so every deadline can be short.

use std::time::Duration;

/// hyper refuses read buffers smaller than this.
pub const HYPER_MIN_BUF: usize = 8192;

/// Bounds for one listener. Caps are per listener, so a flood on one (stalled TLS handshakes
/// on the HTTPS port, say) never takes the slots of another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open connections on this listener. At the cap, the oldest connection that is not in
    /// the middle of a request (handshaking, waiting for a head, idle between requests) is
    /// closed to make room; only when every connection is busy do new ones wait in the
    /// kernel's accept queue.
    pub max_connections: usize,
    /// From accept (or the end of the TLS handshake) to the end of the first request head.
    pub header_timeout: Duration,
    /// From accept to the end of the TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// From the end of one response to the end of the next request head (keep-alive).
    pub idle_timeout: Duration,
    /// Requests on one connection; the last one is answered with `Connection: close`.
    pub max_requests_per_connection: u32,
    /// A connection's life, covering slow bodies and clients that stop reading. After it the
    /// connection takes no new request; one in flight gets one more lifetime to finish.
    pub connection_lifetime: Duration,
    /// Request line plus headers; hyper answers 431 beyond it and closes.
    pub max_header_bytes: usize,
    /// Occupancy (percent of `max_connections`) from which the three waiting deadlines
    /// above are cut to `pressure_timeout`.
    pub pressure_percent: u8,
    pub pressure_timeout: Duration,
    /// At shutdown, requests in flight get this long to finish; idle connections close at once.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(15),
            // nginx's default `keepalive_requests`, so the benchmark compares like with like.
            max_requests_per_connection: 1000,
            connection_lifetime: Duration::from_secs(60),
            max_header_bytes: 16 * 1024,
            pressure_percent: 75,
            pressure_timeout: Duration::from_secs(2),
            grace: Duration::from_secs(5),
        }
    }
}

impl Limits {
    /// True when `open` connections put the listener under pressure.
    pub(crate) fn under_pressure(&self, open: usize) -> bool {
        let threshold = self
            .max_connections
            .saturating_mul(usize::from(self.pressure_percent))
            / 100;
        open >= threshold.max(1)
    }

    /// `normal`, or the pressure deadline when that is shorter and `pressure` holds.
    pub(crate) fn wait(&self, normal: Duration, pressure: bool) -> Duration {
        if pressure {
            normal.min(self.pressure_timeout)
        } else {
            normal
        }
    }

    pub(crate) fn cap(&self) -> usize {
        self.max_connections.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressure_starts_at_the_configured_share_of_the_cap() {
        let l = Limits {
            max_connections: 100,
            pressure_percent: 75,
            ..Limits::default()
        };
        assert!(!l.under_pressure(74));
        assert!(l.under_pressure(75));
        let tiny = Limits {
            max_connections: 1,
            pressure_percent: 50,
            ..Limits::default()
        };
        assert!(!tiny.under_pressure(0));
        assert!(tiny.under_pressure(1));
    }

    #[test]
    fn pressure_only_ever_shortens_a_deadline() {
        let l = Limits::default();
        assert_eq!(
            l.wait(Duration::from_secs(10), false),
            Duration::from_secs(10)
        );
        assert_eq!(l.wait(Duration::from_secs(10), true), l.pressure_timeout);
        assert_eq!(
            l.wait(Duration::from_millis(300), true),
            Duration::from_millis(300)
        );
    }
}
