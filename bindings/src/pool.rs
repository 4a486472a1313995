//! Home network prefix pools (RFC 5213 §5.3.1 step 13, §6.2: the LMA assigns
//! HNPs). A pool is one configured prefix cut into fixed-length prefixes
//! (a /48 gives 65536 /64s).
//!
//! Allocation and release are O(1) amortised: a cursor over never-used
//! prefixes, a free list of released prefixes, and a FIFO quarantine (the
//! delay is constant, so release order is expiry order). One state byte per
//! prefix up to the highest one touched guards against double allocation and
//! double release.

use crate::prefix::{mask, Prefix};
use crate::time::Millis;
use core::time::Duration;
use std::collections::VecDeque;

/// Largest number of prefixes in a pool, as a power of two (16 Mi prefixes,
/// 16 MiB of state at most).
pub const MAX_POOL_BITS: u8 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("pool /{pool_len} cannot be cut into /{assign_len} prefixes (at most 2^{max} of them)", max = MAX_POOL_BITS)]
    BadShape { pool_len: u8, assign_len: u8 },
    #[error("no free prefix left in pool {0}")]
    Exhausted(Prefix),
    #[error("{0} is not a prefix of this pool")]
    NotInPool(Prefix),
    #[error("{0} is not allocated")]
    NotAllocated(Prefix),
    #[error("{0} is already allocated")]
    InUse(Prefix),
    #[error("{0} is in quarantine")]
    Quarantined(Prefix),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum St {
    Unused = 0,
    Allocated = 1,
    Quarantined = 2,
    Free = 3,
}

/// Allocator of fixed-length prefixes out of one configured prefix.
#[derive(Debug, Clone)]
pub struct PrefixPool {
    pool: Prefix,
    assign_len: u8,
    size: u32,
    quarantine: Duration,
    /// Next never-touched index.
    cursor: u32,
    state: Vec<St>,
    free: Vec<u32>,
    waiting: VecDeque<(Millis, u32)>,
    allocated: u32,
}

impl PrefixPool {
    /// Pool of `/assign_len` prefixes out of `pool`; released prefixes come
    /// back after `quarantine`.
    pub fn new(
        pool: Prefix,
        assign_len: u8,
        quarantine: Duration,
    ) -> Result<PrefixPool, PoolError> {
        let bad = PoolError::BadShape {
            pool_len: pool.len(),
            assign_len,
        };
        if assign_len > 128 || assign_len < pool.len() || assign_len - pool.len() > MAX_POOL_BITS {
            return Err(bad);
        }
        Ok(PrefixPool {
            pool,
            assign_len,
            size: 1u32 << (assign_len - pool.len()),
            quarantine,
            cursor: 0,
            state: Vec::new(),
            free: Vec::new(),
            waiting: VecDeque::new(),
            allocated: 0,
        })
    }

    /// A pool for a configured block of any size: `assign_len` is raised to
    /// the block's length if shorter, and a block of more than
    /// 2^[`MAX_POOL_BITS`] prefixes is cut down to its first 2^`MAX_POOL_BITS`
    /// (a /32 handing out /64s allocates from its first /40).
    pub fn new_capped(
        block: Prefix,
        assign_len: u8,
        quarantine: Duration,
    ) -> Result<PrefixPool, PoolError> {
        let assign_len = assign_len.max(block.len());
        let len = block.len().max(assign_len.saturating_sub(MAX_POOL_BITS));
        let pool = Prefix::new(block.addr(), len).map_err(|_| PoolError::BadShape {
            pool_len: block.len(),
            assign_len,
        })?;
        PrefixPool::new(pool, assign_len, quarantine)
    }

    /// The configured prefix.
    pub fn pool(&self) -> Prefix {
        self.pool
    }

    /// Length of the prefixes handed out.
    pub fn assign_len(&self) -> u8 {
        self.assign_len
    }

    /// Total number of prefixes.
    pub fn capacity(&self) -> u32 {
        self.size
    }

    /// Prefixes currently allocated.
    pub fn allocated(&self) -> u32 {
        self.allocated
    }

    /// Prefixes in quarantine.
    pub fn quarantined(&self) -> usize {
        self.waiting.len()
    }

    fn prefix_at(&self, i: u32) -> Prefix {
        let shift = 128 - u32::from(self.assign_len);
        let bits = self.pool.bits() | (u128::from(i) << shift);
        // Cannot fail: assign_len ≤ 128 was checked in `new`.
        Prefix::new(bits.to_be_bytes(), self.assign_len).unwrap_or(self.pool)
    }

    fn index_of(&self, p: &Prefix) -> Option<u32> {
        if p.len() != self.assign_len || !self.pool.contains(&p.addr()) {
            return None;
        }
        let shift = 128 - u32::from(self.assign_len);
        let i = (p.bits() & !mask(self.pool.len())) >> shift;
        u32::try_from(i).ok()
    }

    fn st(&self, i: u32) -> St {
        self.state.get(i as usize).copied().unwrap_or(St::Unused)
    }

    fn set(&mut self, i: u32, s: St) {
        let i = i as usize;
        if self.state.len() <= i {
            self.state.resize(i + 1, St::Unused);
        }
        self.state[i] = s;
    }

    fn promote(&mut self, now: Millis) {
        while let Some(&(t, i)) = self.waiting.front() {
            if t > now {
                break;
            }
            self.waiting.pop_front();
            if self.st(i) == St::Quarantined {
                self.set(i, St::Free);
                self.free.push(i);
            }
        }
    }

    /// Allocate one prefix. Never-used prefixes are handed out before
    /// released ones so that a prefix is reused as late as possible.
    pub fn allocate(&mut self, now: Millis) -> Result<Prefix, PoolError> {
        self.promote(now);
        while self.cursor < self.size {
            let i = self.cursor;
            self.cursor += 1;
            if self.st(i) == St::Unused {
                self.set(i, St::Allocated);
                self.allocated += 1;
                return Ok(self.prefix_at(i));
            }
        }
        while let Some(i) = self.free.pop() {
            // Entries claimed since their release are stale here.
            if self.st(i) == St::Free {
                self.set(i, St::Allocated);
                self.allocated += 1;
                return Ok(self.prefix_at(i));
            }
        }
        Err(PoolError::Exhausted(self.pool))
    }

    /// Mark a specific prefix allocated (static bindings, state restored
    /// after a restart).
    pub fn claim(&mut self, p: Prefix, now: Millis) -> Result<(), PoolError> {
        self.promote(now);
        let i = self.index_of(&p).ok_or(PoolError::NotInPool(p))?;
        match self.st(i) {
            St::Allocated => Err(PoolError::InUse(p)),
            St::Quarantined => Err(PoolError::Quarantined(p)),
            St::Unused | St::Free => {
                self.set(i, St::Allocated);
                self.allocated += 1;
                Ok(())
            }
        }
    }

    /// Give a prefix back; it becomes allocatable after the quarantine.
    pub fn release(&mut self, p: Prefix, now: Millis) -> Result<(), PoolError> {
        let i = self.index_of(&p).ok_or(PoolError::NotInPool(p))?;
        if self.st(i) != St::Allocated {
            return Err(PoolError::NotAllocated(p));
        }
        self.set(i, St::Quarantined);
        self.allocated -= 1;
        self.waiting.push_back((now + self.quarantine, i));
        Ok(())
    }

    /// Whether `p` is currently allocated from this pool.
    pub fn is_allocated(&self, p: &Prefix) -> bool {
        self.index_of(p)
            .is_some_and(|i| self.st(i) == St::Allocated)
    }

    /// Whether `p` belongs to this pool.
    pub fn contains(&self, p: &Prefix) -> bool {
        self.index_of(p).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn pool48() -> PrefixPool {
        let base: [u8; 16] = "2001:db8:1000::"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets();
        PrefixPool::new(Prefix::new(base, 48).unwrap(), 64, Duration::from_secs(10)).unwrap()
    }

    #[test]
    fn a_48_gives_65536_distinct_64s_then_exhausts() {
        let mut p = pool48();
        assert_eq!(p.capacity(), 65536);
        let mut seen = HashSet::new();
        for _ in 0..65536 {
            let x = p.allocate(Millis(0)).unwrap();
            assert!(p.pool().contains(&x.addr()));
            assert_eq!(x.len(), 64);
            assert!(seen.insert(x));
        }
        assert!(matches!(
            p.allocate(Millis(0)),
            Err(PoolError::Exhausted(_))
        ));
    }

    #[test]
    fn quarantine_delays_reuse() {
        let p = PrefixPool::new(pool48().pool(), 63, Duration::from_secs(10)).unwrap();
        assert_eq!(p.capacity(), 32768);
        let mut p = {
            let base = p.pool();
            PrefixPool::new(
                Prefix::new(base.addr(), 62).unwrap(),
                64,
                Duration::from_secs(10),
            )
            .unwrap()
        };
        let all: Vec<_> = (0..4).map(|_| p.allocate(Millis(0)).unwrap()).collect();
        p.release(all[1], Millis(100)).unwrap();
        assert_eq!(
            p.release(all[1], Millis(100)),
            Err(PoolError::NotAllocated(all[1]))
        );
        assert_eq!(
            p.claim(all[1], Millis(200)),
            Err(PoolError::Quarantined(all[1]))
        );
        assert!(p.allocate(Millis(10_099)).is_err());
        assert_eq!(p.allocate(Millis(10_100)), Ok(all[1]));
        assert_eq!(p.claim(all[2], Millis(0)), Err(PoolError::InUse(all[2])));
        let outside = Prefix::new([0xfe; 16], 64).unwrap();
        assert_eq!(
            p.release(outside, Millis(0)),
            Err(PoolError::NotInPool(outside))
        );
        assert_eq!(p.allocated(), 4);
    }

    #[test]
    fn claimed_prefixes_are_skipped() {
        let mut p = pool48();
        let third = {
            let mut probe = pool48();
            probe.allocate(Millis(0)).unwrap();
            probe.allocate(Millis(0)).unwrap();
            probe.allocate(Millis(0)).unwrap()
        };
        p.claim(third, Millis(0)).unwrap();
        let got: Vec<_> = (0..3).map(|_| p.allocate(Millis(0)).unwrap()).collect();
        assert!(!got.contains(&third));
        assert!(p.is_allocated(&third));
    }

    #[test]
    fn capped_pool_takes_the_first_prefixes_of_a_large_block() {
        let block = Prefix::new(pool48().pool().addr(), 32).unwrap();
        let mut p = PrefixPool::new_capped(block, 64, Duration::ZERO).unwrap();
        assert_eq!(p.pool().len(), 64 - MAX_POOL_BITS);
        assert_eq!(p.capacity(), 1 << MAX_POOL_BITS);
        assert_eq!(p.allocate(Millis(0)).unwrap().addr(), block.addr());
        // A short assign length is raised to the block's; a small block is kept whole.
        let small = PrefixPool::new_capped(pool48().pool(), 40, Duration::ZERO).unwrap();
        assert_eq!((small.pool(), small.assign_len()), (pool48().pool(), 48));
        assert!(PrefixPool::new_capped(block, 129, Duration::ZERO).is_err());
    }

    #[test]
    fn zero_quarantine_reuses_at_once() {
        let base = pool48().pool();
        let mut p = PrefixPool::new(base, 48, Duration::ZERO).unwrap();
        let only = p.allocate(Millis(5)).unwrap();
        assert!(p.allocate(Millis(5)).is_err());
        p.release(only, Millis(5)).unwrap();
        assert_eq!(p.allocate(Millis(5)), Ok(only));
    }

    #[test]
    fn bad_shapes_are_refused() {
        let base = pool48().pool();
        assert!(PrefixPool::new(base, 40, Duration::ZERO).is_err());
        assert!(PrefixPool::new(base, 129, Duration::ZERO).is_err());
        assert!(PrefixPool::new(Prefix::new([0; 16], 16).unwrap(), 64, Duration::ZERO).is_err());
    }
}
