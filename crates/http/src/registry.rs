//! The open connections of one listener and what each is doing, so the accept loop can tell
//! how full it is and, at the cap, which connection to close.
//!
//! A connection is *waiting* while it handshakes, waits for its first request head, or sits
//! idle between keep-alive requests; it is *busy* from a complete head until its response is
//! handed to hyper. Slow clients are always waiting (a slowloris never finishes its head, a
//! stalled TLS client never finishes its handshake), a normal client is waiting for one
//! round trip at most. So at the cap the oldest waiting connection is the one to close:
//! slow clients go first, and none of them can keep a new client out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::Stats;
use tokio::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    Handshake = 0,
    /// Waiting for the first request head.
    Head = 1,
    Busy = 2,
    /// Between a response and the next request head.
    Idle = 3,
    /// Chosen for eviction; closing.
    Evicted = 4,
}

impl Phase {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Phase::Handshake,
            1 => Phase::Head,
            2 => Phase::Busy,
            3 => Phase::Idle,
            _ => Phase::Evicted,
        }
    }

    pub(crate) fn waiting(self) -> bool {
        matches!(self, Phase::Handshake | Phase::Head | Phase::Idle)
    }
}

/// One connection's state, shared by its task and the accept loop.
#[derive(Debug)]
pub(crate) struct Slot {
    phase: AtomicU8,
    /// Microseconds since the registry's epoch at which `phase` was entered.
    since_us: AtomicU64,
    /// When the connection's task next looks at the phase by itself (µs since the epoch).
    wake_at_us: AtomicU64,
    /// Wakes the task early: on eviction, or when going idle sets a deadline before
    /// `wake_at_us`. In steady keep-alive traffic neither happens, so a request costs a
    /// few atomic operations and no timer.
    pub wake: Notify,
    epoch: Instant,
    /// 0–1000, fixed per connection: where its pressure deadlines fall in their range.
    pub spread: u16,
}

impl Slot {
    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Acquire))
    }

    pub fn since(&self) -> Instant {
        self.epoch + Duration::from_micros(self.since_us.load(Ordering::Acquire))
    }

    /// The task will look at the phase again at `t` unless woken first.
    pub fn wakes_at(&self, t: Instant) {
        self.wake_at_us
            .store(micros(self.epoch, t), Ordering::Release);
    }

    /// Enter [`Phase::Idle`] with `timeout` to the next head, waking the task if that
    /// deadline comes before the one it sleeps towards.
    pub fn enter_idle(&self, timeout: Duration) {
        self.enter(Phase::Idle);
        let deadline = self
            .since_us
            .load(Ordering::Acquire)
            .saturating_add(u64::try_from(timeout.as_micros()).unwrap_or(u64::MAX));
        if deadline < self.wake_at_us.load(Ordering::Acquire) {
            self.wake.notify_one();
        }
    }

    /// Enter `phase` now, unless the connection was evicted meanwhile.
    pub fn enter(&self, phase: Phase) {
        let now = micros(self.epoch, Instant::now());
        let cur = self.phase.load(Ordering::Acquire);
        if Phase::from_u8(cur) == Phase::Evicted {
            return;
        }
        self.since_us.store(now, Ordering::Release);
        // A lost race with the evictor leaves the slot evicted, which is what it asked for.
        let _ = self
            .phase
            .compare_exchange(cur, phase as u8, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Mark evicted if still waiting; true when this call did it.
    fn evict(&self) -> bool {
        let cur = self.phase.load(Ordering::Acquire);
        if !Phase::from_u8(cur).waiting() {
            return false;
        }
        let won = self
            .phase
            .compare_exchange(
                cur,
                Phase::Evicted as u8,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if won {
            self.wake.notify_one();
        }
        won
    }
}

/// A well-mixed 0–1000 from a connection number (splitmix64's finaliser), so neighbours in
/// one burst land far apart.
fn spread(id: u64) -> u16 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    u16::try_from(z % 1001).unwrap_or(500)
}

fn micros(epoch: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch).as_micros()).unwrap_or(u64::MAX)
}

#[derive(Debug)]
pub(crate) struct Registry {
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
    /// `slots.len()`, readable without the lock on every deadline check.
    count: AtomicUsize,
    /// Slots marked evicted whose task has not ended yet.
    evicting: AtomicUsize,
    next_id: AtomicU64,
    stats: Arc<Stats>,
    epoch: Instant,
    /// Woken whenever a connection ends, for an accept loop waiting at the cap.
    pub freed: Notify,
}

impl Registry {
    pub fn new(stats: Arc<Stats>) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            count: AtomicUsize::new(0),
            evicting: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            stats,
            epoch: Instant::now(),
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        // A panic while holding this lock leaves the map consistent (single inserts and
        // removes), so a poisoned lock is still usable.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn open(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Register a new connection in `phase`; dropping the guard unregisters it.
    pub fn register(self: &Arc<Self>, phase: Phase) -> SlotGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            phase: AtomicU8::new(phase as u8),
            since_us: AtomicU64::new(micros(self.epoch, Instant::now())),
            wake_at_us: AtomicU64::new(u64::MAX),
            wake: Notify::new(),
            epoch: self.epoch,
            spread: spread(id),
        });
        {
            let mut slots = self.lock();
            slots.insert(id, Arc::clone(&slot));
            self.count.store(slots.len(), Ordering::Release);
            self.stats.set_open(slots.len());
        }
        SlotGuard {
            registry: Arc::clone(self),
            id,
            slot,
        }
    }

    /// Connections open and not yet told to close: what counts against the cap.
    pub fn live(&self) -> usize {
        self.open()
            .saturating_sub(self.evicting.load(Ordering::Acquire))
    }

    /// Evict up to `n` of the connections that have been waiting longest, in one scan;
    /// returns how many. Evicting a few at once lets a burst of new clients in without a
    /// scan each (1,024 slots scanned per accept cost a normal GET 250 ms under a flood).
    pub fn evict_oldest(&self, n: usize) -> usize {
        let slots = self.lock();
        let mut waiting: Vec<(u64, &Arc<Slot>)> = slots
            .values()
            .filter(|s| s.phase().waiting())
            .map(|s| (s.since_us.load(Ordering::Acquire), s))
            .collect();
        let n = n.min(waiting.len());
        if n == 0 {
            return 0;
        }
        if n < waiting.len() {
            waiting.select_nth_unstable_by_key(n - 1, |w| w.0);
        }
        // One may turn busy between the scan and the mark; it is then simply skipped.
        let done = waiting[..n].iter().filter(|w| w.1.evict()).count();
        self.evicting.fetch_add(done, Ordering::AcqRel);
        done
    }
}

/// A registered connection; unregisters on drop, however the task ends.
#[derive(Debug)]
pub(crate) struct SlotGuard {
    registry: Arc<Registry>,
    id: u64,
    pub slot: Arc<Slot>,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        {
            let mut slots = self.registry.lock();
            slots.remove(&self.id);
            if self.slot.phase() == Phase::Evicted {
                self.registry.evicting.fetch_sub(1, Ordering::AcqRel);
            }
            self.registry.count.store(slots.len(), Ordering::Release);
            self.registry.stats.set_open(slots.len());
        }
        self.registry.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_cover_the_range_evenly() {
        let mut buckets = [0u32; 10];
        for id in 0..10_000 {
            let s = spread(id);
            assert!(s <= 1000);
            buckets[usize::from(s.min(999) / 100)] += 1;
        }
        assert!(
            buckets.iter().all(|&n| (800..1200).contains(&n)),
            "{buckets:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiting_connection_is_evicted_never_a_busy_one() {
        let reg = Arc::new(Registry::new(Arc::new(Stats::new())));
        let busy_old = reg.register(Phase::Busy);
        tokio::time::advance(Duration::from_secs(1)).await;
        let slowloris = reg.register(Phase::Head);
        tokio::time::advance(Duration::from_secs(1)).await;
        let idle = reg.register(Phase::Head);
        idle.slot.enter_idle(Duration::from_secs(5));
        assert_eq!(reg.open(), 3);
        assert_eq!(reg.evict_oldest(1), 1);
        assert_eq!(slowloris.slot.phase(), Phase::Evicted);
        assert_eq!((reg.open(), reg.live()), (3, 2));
        assert_eq!(busy_old.slot.phase(), Phase::Busy);
        assert_eq!(idle.slot.phase(), Phase::Idle);
        // An evicted slot stays evicted even if its task reports progress late.
        slowloris.slot.enter(Phase::Busy);
        assert_eq!(slowloris.slot.phase(), Phase::Evicted);
        assert_eq!(reg.evict_oldest(5), 1);
        assert_eq!(idle.slot.phase(), Phase::Evicted);
        assert_eq!(reg.evict_oldest(1), 0);
        drop(slowloris);
        drop(idle);
        assert_eq!((reg.open(), reg.live()), (1, 1));
    }
}
