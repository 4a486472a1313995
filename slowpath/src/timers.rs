//! Caller-supplied time for the sans-IO engines, RFC 5213 §9 / RFC 6275 §12
//! timer defaults, and a small deadline queue.
//!
//! The engines own no clock: every call carries a [`Now`], which pairs a
//! monotonic [`Time`] (for timers) with the time of day (for the Timestamp
//! option, RFC 5213 §5.5, which needs real time-of-day).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use crate::wire::Timestamp;

/// A monotonic instant: milliseconds since an arbitrary, caller-chosen epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub u64);

impl Time {
    /// `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating at the far future.
    pub fn saturating_add(self, d: Duration) -> Time {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Time(self.0.saturating_add(ms))
    }

    /// Time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: Time) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

/// The clock reading passed with every engine call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time, drives every timer.
    pub mono: Time,
    /// Time of day, used only for Timestamp options (RFC 5213 §5.5, §8.8).
    pub wall: Timestamp,
}

impl Now {
    /// A reading from a monotonic millisecond count and a Unix time in milliseconds.
    pub fn new(mono_ms: u64, unix_ms: u64) -> Now {
        Now {
            mono: Time(mono_ms),
            wall: timestamp_from_unix_millis(unix_ms),
        }
    }
}

/// The 48.16 fixed-point Timestamp (seconds since 1970, RFC 5213 §8.8) for a
/// Unix time in milliseconds.
pub fn timestamp_from_unix_millis(unix_ms: u64) -> Timestamp {
    let secs = unix_ms / 1000;
    let frac = (unix_ms % 1000) * 65536 / 1000;
    Timestamp((secs << 16) | frac)
}

/// The absolute difference of two Timestamps, as a [`Duration`].
pub fn timestamp_distance(a: Timestamp, b: Timestamp) -> Duration {
    let units = a.0.abs_diff(b.0);
    // 1 unit = 1/65536 s; split to avoid overflow for distant values.
    let secs = units >> 16;
    let frac = units & 0xffff;
    Duration::from_secs(secs) + Duration::from_nanos(frac * 1_000_000_000 / 65536)
}

/// RFC 5213 §9 and RFC 6275 §12 defaults used by PMIPv6.
pub mod defaults {
    use std::time::Duration;

    /// MinDelayBeforeBCEDelete (RFC 5213 §9.1).
    pub const MIN_DELAY_BEFORE_BCE_DELETE: Duration = Duration::from_millis(10_000);
    /// MaxDelayBeforeNewBCEAssign (RFC 5213 §9.1).
    pub const MAX_DELAY_BEFORE_NEW_BCE_ASSIGN: Duration = Duration::from_millis(1_500);
    /// TimestampValidityWindow (RFC 5213 §9.1).
    pub const TIMESTAMP_VALIDITY_WINDOW: Duration = Duration::from_millis(300);
    /// INITIAL_BINDACK_TIMEOUT (RFC 6275 §12; RFC 5213 §6.9.4).
    pub const INITIAL_BINDACK_TIMEOUT: Duration = Duration::from_secs(1);
    /// MAX_BINDACK_TIMEOUT (RFC 6275 §12; RFC 5213 §6.9.4).
    pub const MAX_BINDACK_TIMEOUT: Duration = Duration::from_secs(32);
}

/// A min-queue of `(deadline, key)` with lazy cancellation.
///
/// Entries are never removed early: the owner re-checks on expiry whether the
/// key still has that deadline (a generation or stored deadline), which keeps
/// rescheduling O(log n) with no search. Stale entries drain as time passes.
#[derive(Debug, Clone)]
pub struct DeadlineQueue<K: Ord> {
    heap: BinaryHeap<Reverse<(Time, K)>>,
}

impl<K: Ord> Default for DeadlineQueue<K> {
    fn default() -> Self {
        DeadlineQueue {
            heap: BinaryHeap::new(),
        }
    }
}

impl<K: Ord + Copy> DeadlineQueue<K> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedule `key` at `at`.
    pub fn push(&mut self, at: Time, key: K) {
        self.heap.push(Reverse((at, key)));
    }

    /// The earliest deadline (possibly a stale one).
    pub fn peek(&self) -> Option<Time> {
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Pop the earliest entry if it is due at `now`.
    pub fn pop_due(&mut self, now: Time) -> Option<(Time, K)> {
        match self.heap.peek() {
            Some(Reverse((t, _))) if *t <= now => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }

    /// Number of entries, stale ones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether the queue holds no entry.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_matches_reference_vector() {
        // pmip-wire.md §1.11: 1700000000.5 -> 0x6553f1008000.
        assert_eq!(
            timestamp_from_unix_millis(1_700_000_000_500),
            Timestamp(0x6553_f100_8000)
        );
    }

    #[test]
    fn timestamp_distance_is_symmetric_and_in_millis() {
        let a = timestamp_from_unix_millis(1_000_000);
        let b = timestamp_from_unix_millis(1_000_300);
        let d = timestamp_distance(a, b);
        assert_eq!(d, timestamp_distance(b, a));
        assert!(d >= Duration::from_micros(299_900) && d <= Duration::from_micros(300_100));
    }

    #[test]
    fn deadline_queue_pops_in_order_and_only_when_due() {
        let mut q = DeadlineQueue::new();
        q.push(Time(30), 3u32);
        q.push(Time(10), 1);
        q.push(Time(20), 2);
        assert_eq!(q.peek(), Some(Time(10)));
        assert_eq!(q.pop_due(Time(5)), None);
        assert_eq!(q.pop_due(Time(25)), Some((Time(10), 1)));
        assert_eq!(q.pop_due(Time(25)), Some((Time(20), 2)));
        assert_eq!(q.pop_due(Time(25)), None);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn time_add_saturates() {
        assert_eq!(
            Time(u64::MAX - 1).saturating_add(Duration::from_secs(1)),
            Time(u64::MAX)
        );
        assert_eq!(Time(5).since(Time(9)), Duration::ZERO);
    }
}
