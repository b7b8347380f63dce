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

    /// `normal`, or under `pressure` the pressure deadline when that is shorter. The pressure
    /// deadline is spread over 0.75–1.25× `pressure_timeout` by `spread` (0–1000, fixed per
    /// connection): connections accepted in one burst then do not all close in one burst and
    /// come back in one, which under a flood queued a normal client behind hundreds of them.
    pub(crate) fn wait(&self, normal: Duration, pressure: bool, spread: u16) -> Duration {
        if pressure {
            let permille = 750 + u32::from(spread.min(1000)) / 2;
            normal.min(self.pressure_timeout * permille / 1000)
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
    fn pressure_only_ever_shortens_a_deadline_and_spreads_it() {
        let l = Limits::default();
        let ten = Duration::from_secs(10);
        assert_eq!(l.wait(ten, false, 0), ten);
        assert_eq!(l.wait(ten, true, 0), l.pressure_timeout * 3 / 4);
        assert_eq!(l.wait(ten, true, 500), l.pressure_timeout);
        assert_eq!(l.wait(ten, true, 1000), l.pressure_timeout * 5 / 4);
        assert_eq!(l.wait(ten, true, u16::MAX), l.pressure_timeout * 5 / 4);
        let short = Duration::from_millis(300);
        assert_eq!(l.wait(short, true, 1000), short);
    }
}
