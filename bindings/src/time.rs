//! Caller-supplied time. The tables never read a clock: every operation that
//! depends on time takes `now`, so tests are deterministic and the slowpath
//! decides what the epoch is (process start, usually).

use core::ops::{Add, Sub};
use core::time::Duration;

/// Milliseconds since an epoch chosen by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Millis(pub u64);

impl Millis {
    /// The epoch itself.
    pub const ZERO: Millis = Millis(0);
    /// A point in time that never comes (an entry that does not expire).
    pub const NEVER: Millis = Millis(u64::MAX);

    /// `self + d`, saturating at [`Millis::NEVER`].
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Millis {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Millis(self.0.saturating_add(ms))
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    #[must_use]
    pub fn saturating_since(self, earlier: Millis) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Millis {
    type Output = Millis;
    fn add(self, d: Duration) -> Millis {
        self.saturating_add(d)
    }
}

impl Sub<Millis> for Millis {
    type Output = Duration;
    fn sub(self, earlier: Millis) -> Duration {
        self.saturating_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Millis(5) + Duration::from_millis(7), Millis(12));
        assert_eq!(Millis::NEVER + Duration::from_secs(1), Millis::NEVER);
        assert_eq!(Millis(3) - Millis(10), Duration::ZERO);
        assert_eq!(Millis(10) - Millis(3), Duration::from_millis(7));
    }
}
