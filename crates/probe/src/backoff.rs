//! RFC 2131 §4.1 retransmission: the first retransmission after 4 s, then 8 s, 16 s, … up to
//! 64 s, each randomised by ±1 s. A probe window shorter than a phone's patience scales the
//! whole schedule down, so a short `--timeout` still retransmits.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(4);
const CAP: Duration = Duration::from_secs(64);
const JITTER: Duration = Duration::from_secs(1);
/// Windows at least this long use RFC 2131's numbers unscaled.
const FULL_SCALE_WINDOW: Duration = Duration::from_secs(8);

/// When to send, as offsets from the first send (which is at zero), within `window`.
/// `jitter` returns values in [-1, 1]; it is called once per retransmission.
pub fn schedule(window: Duration, mut jitter: impl FnMut() -> f64) -> Vec<Duration> {
    let scale = if window >= FULL_SCALE_WINDOW {
        1.0
    } else {
        window.as_secs_f64() / FULL_SCALE_WINDOW.as_secs_f64()
    };
    let mut sends = vec![Duration::ZERO];
    let mut at = Duration::ZERO;
    let mut delay = FIRST;
    loop {
        let j = jitter().clamp(-1.0, 1.0) * JITTER.as_secs_f64();
        let step = ((delay.as_secs_f64() + j) * scale).max(0.0);
        at += Duration::from_secs_f64(step);
        if at >= window {
            return sends;
        }
        sends.push(at);
        delay = (delay * 2).min(CAP);
    }
}

/// A jitter source in [-1, 1] from the system's random generator (ring, already in the tree
/// for TLS). Falls back to no jitter if the generator fails, which only loses the spreading.
pub fn system_jitter() -> impl FnMut() -> f64 {
    let rng = ring::rand::SystemRandom::new();
    move || {
        let mut b = [0u8; 4];
        match ring::rand::SecureRandom::fill(&rng, &mut b) {
            Ok(()) => f64::from(u32::from_be_bytes(b)) / f64::from(u32::MAX) * 2.0 - 1.0,
            Err(_) => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[Duration]) -> Vec<f64> {
        v.iter().map(Duration::as_secs_f64).collect()
    }

    #[test]
    fn rfc_2131_doubling_without_jitter() {
        let s = schedule(Duration::from_secs(200), || 0.0);
        assert_eq!(secs(&s), vec![0.0, 4.0, 12.0, 28.0, 60.0, 124.0, 188.0]);
    }

    #[test]
    fn delays_are_capped_at_64_seconds() {
        let s = schedule(Duration::from_secs(400), || 0.0);
        let gaps: Vec<f64> = s.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()).collect();
        assert_eq!(
            gaps,
            vec![4.0, 8.0, 16.0, 32.0, 64.0, 64.0, 64.0, 64.0, 64.0]
        );
    }

    #[test]
    fn jitter_moves_each_send_by_at_most_one_second() {
        let late = schedule(Duration::from_secs(20), || 1.0);
        assert_eq!(secs(&late), vec![0.0, 5.0, 14.0]);
        let early = schedule(Duration::from_secs(20), || -5.0);
        assert_eq!(secs(&early), vec![0.0, 3.0, 10.0]);
    }

    #[test]
    fn short_windows_scale_the_schedule_down() {
        let s = schedule(Duration::from_secs(2), || 0.0);
        assert_eq!(secs(&s), vec![0.0, 1.0]);
        let s = schedule(Duration::from_secs(4), || 0.0);
        assert_eq!(secs(&s), vec![0.0, 2.0]);
    }

    #[test]
    fn system_jitter_stays_in_range() {
        let mut j = system_jitter();
        for _ in 0..100 {
            let v = j();
            assert!((-1.0..=1.0).contains(&v));
        }
    }
}
