//! Capture time stamps.

use serde::Serialize;

/// Seconds and nanoseconds since the Unix epoch, as the capture recorded them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash, Serialize)]
pub struct Timestamp {
    pub secs: u64,
    pub nanos: u32,
}

impl Timestamp {
    /// Seconds from `earlier` to `self`, for the "time since the first frame" column.
    pub fn since(self, earlier: Timestamp) -> f64 {
        // In integer nanoseconds first: epoch seconds as f64 would eat the microseconds.
        (self.total_nanos() - earlier.total_nanos()) as f64 / 1e9
    }

    fn total_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// `self` plus whole seconds, saturating.
    pub fn plus_secs(self, secs: u64) -> Timestamp {
        Timestamp {
            secs: self.secs.saturating_add(secs),
            nanos: self.nanos,
        }
    }

    /// `units` ticks of `1/per_second` each, plus whole seconds of `offset`. Saturating: a
    /// corrupt stamp must show as a strange time, never as a panic.
    pub fn from_ticks(units: u64, per_second: u64, offset: i64) -> Self {
        let per_second = per_second.max(1);
        let secs = (units / per_second).saturating_add_signed(offset);
        let frac = u128::from(units % per_second) * 1_000_000_000 / u128::from(per_second);
        Timestamp {
            secs,
            nanos: u32::try_from(frac).unwrap_or(999_999_999),
        }
    }

    /// `2024-05-01 10:00:00.000000 UTC`, or the raw seconds when the stamp is out of range.
    pub fn utc(self) -> String {
        let secs = i64::try_from(self.secs).unwrap_or(i64::MAX);
        match time::OffsetDateTime::from_unix_timestamp(secs) {
            Ok(d) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06} UTC",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second(),
                self.nanos / 1000
            ),
            Err(_) => format!("{} seconds after the Unix epoch", self.secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_carry_over_and_corrupt_stamps_saturate() {
        assert_eq!(
            Timestamp::from_ticks(1_500_000, 1_000_000, 10),
            Timestamp {
                secs: 11,
                nanos: 500_000_000
            }
        );
        assert_eq!(Timestamp::from_ticks(u64::MAX, 1, i64::MAX).secs, u64::MAX);
        assert_eq!(Timestamp::default().utc(), "1970-01-01 00:00:00.000000 UTC");
        assert!(Timestamp {
            secs: u64::MAX,
            nanos: 0
        }
        .utc()
        .contains("after the Unix epoch"));
    }
}
