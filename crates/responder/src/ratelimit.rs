//! Per-reason rate limiting of the "ignored" log line. The counters already say everything
//! (`ucprov_dhcp_ignored_total{reason}`), so a flood of DISCOVERs or rogue-detection probes
//! must not turn into a flood of log: the first datagram of each reason is logged in full,
//! then at most one summary line per reason per interval says how many were left out.

use std::time::{Duration, Instant};

use crate::reason::Reason;

/// At most one full line and one summary line per reason in this time.
pub const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// What to do with one ignored datagram's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Write it. `suppressed` lines of this reason were left out before it (write that too).
    Log { suppressed: u64 },
    /// Leave it out; it is counted for the next summary.
    Suppress,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// When the current window began: the last full or summary line.
    opened: Option<Instant>,
    suppressed: u64,
}

#[derive(Debug)]
pub struct LogLimiter {
    interval: Duration,
    slots: [Slot; Reason::ALL.len()],
}

impl Default for LogLimiter {
    fn default() -> Self {
        LogLimiter::new(LOG_INTERVAL)
    }
}

impl LogLimiter {
    pub fn new(interval: Duration) -> Self {
        LogLimiter {
            interval,
            slots: [Slot::default(); Reason::ALL.len()],
        }
    }

    /// Decide one line of `reason` at `now`.
    pub fn admit(&mut self, reason: Reason, now: Instant) -> Gate {
        let interval = self.interval;
        let slot = &mut self.slots[reason.index()];
        match slot.opened {
            Some(t) if now.saturating_duration_since(t) < interval => {
                slot.suppressed += 1;
                Gate::Suppress
            }
            _ => {
                let suppressed = std::mem::take(&mut slot.suppressed);
                slot.opened = Some(now);
                Gate::Log { suppressed }
            }
        }
    }

    /// Summaries due at `now`: each reason whose window has ended with lines left out, and
    /// how many. Its window restarts, so a steady flood yields one summary per interval.
    pub fn due(&mut self, now: Instant) -> Vec<(Reason, u64)> {
        let interval = self.interval;
        let mut out = Vec::new();
        for (reason, slot) in Reason::ALL.iter().zip(self.slots.iter_mut()) {
            let ended = slot
                .opened
                .is_some_and(|t| now.saturating_duration_since(t) >= interval);
            if ended && slot.suppressed > 0 {
                out.push((*reason, std::mem::take(&mut slot.suppressed)));
                slot.opened = Some(now);
            }
        }
        out
    }

    /// Every count still left out, window ended or not: the last word at shutdown.
    pub fn flush(&mut self) -> Vec<(Reason, u64)> {
        let mut out = Vec::new();
        for (reason, slot) in Reason::ALL.iter().zip(self.slots.iter_mut()) {
            if slot.suppressed > 0 {
                out.push((*reason, std::mem::take(&mut slot.suppressed)));
            }
        }
        out
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_first_of_each_reason_is_logged_then_the_rest_are_summarised() {
        let mut l = LogLimiter::new(10 * S);
        let t0 = Instant::now();
        assert_eq!(l.admit(Reason::Discover, t0), Gate::Log { suppressed: 0 });
        assert_eq!(l.admit(Reason::Discover, t0 + S), Gate::Suppress);
        assert_eq!(l.admit(Reason::Discover, t0 + 2 * S), Gate::Suppress);
        // Another reason has its own window.
        assert_eq!(
            l.admit(Reason::RogueDetection, t0 + 2 * S),
            Gate::Log { suppressed: 0 }
        );
        assert!(l.due(t0 + 9 * S).is_empty());
        assert_eq!(l.due(t0 + 10 * S), vec![(Reason::Discover, 2)]);
        // The summary opened a new window: the next one is left out again.
        assert_eq!(l.admit(Reason::Discover, t0 + 11 * S), Gate::Suppress);
        assert_eq!(l.flush(), vec![(Reason::Discover, 1)]);
        assert!(l.flush().is_empty());
        assert_eq!(l.admit(Reason::Discover, t0 + 12 * S), Gate::Suppress);
        // A line after a quiet window carries the count left out before it.
        assert_eq!(
            l.admit(Reason::Discover, t0 + 21 * S),
            Gate::Log { suppressed: 1 }
        );
    }

    #[test]
    fn a_million_ignored_datagrams_make_a_handful_of_lines() {
        let mut l = LogLimiter::new(10 * S);
        let t0 = Instant::now();
        let mut lines = 0u64;
        let mut accounted = 0u64;
        // One million DISCOVERs over 100 s, with a summary tick every second.
        for i in 0..1_000_000u64 {
            let now = t0 + Duration::from_micros(i * 100);
            if let Gate::Log { suppressed } = l.admit(Reason::Discover, now) {
                lines += 1 + u64::from(suppressed > 0);
                accounted += 1 + suppressed;
            }
            if i % 10_000 == 0 {
                for (_, n) in l.due(now) {
                    lines += 1;
                    accounted += n;
                }
            }
        }
        for (_, n) in l.due(t0 + 200 * S) {
            lines += 1;
            accounted += n;
        }
        // At most a full line and a summary per 10 s window: 100 s make at most 22 lines,
        // where every datagram used to make one.
        assert!(lines <= 22, "{lines} lines");
        // Nothing is lost: every datagram is a line or part of a summary's count.
        assert_eq!(accounted, 1_000_000);
    }
}
