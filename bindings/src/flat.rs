//! Open-addressing hash table for the per-worker replicas.
//!
//! Linear probing over one flat `Vec` of 32-byte slots (for 12-byte values),
//! backward-shift deletion (no tombstones, so probe lengths stay short under
//! churn). The slot count is not a power of two: the home slot is
//! `hash × n / 2^64` (Lemire's fast range), so the table can be sized to a
//! load between 1/2 (just grown) and 3/4 (grows beyond), 43–64 bytes per
//! entry, instead of doubling at powers of two. The slot index of a key is
//! computable before the slot is read, which is what the burst lookup uses
//! to issue all of a burst's memory reads before comparing any of them.

use crate::hash::hash128;

/// Stored in `tag` of a free slot; occupied slots store `tag + 1`.
const EMPTY: u8 = 0;

/// Aligned to its size so a slot never straddles two cache lines: the early
/// read of the burst lookup then brings in everything the compare needs.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Slot<V> {
    // Two u64 halves rather than a u128 keep the slot 8-aligned (32 bytes
    // instead of 48 with a 16-aligned u128).
    hi: u64,
    lo: u64,
    val: V,
    tag: u8,
}

/// Map from (128-bit key, tag) to a `Copy` value.
#[derive(Debug, Clone)]
pub(crate) struct FlatTable<V: Copy> {
    slots: Vec<Slot<V>>,
    len: usize,
    filler: V,
}

#[inline(always)]
fn split(key: u128) -> (u64, u64) {
    ((key >> 64) as u64, key as u64)
}

impl<V: Copy> FlatTable<V> {
    /// A table that holds `capacity` entries without growing. `filler` is
    /// the value written into free slots (never returned).
    pub(crate) fn with_capacity(capacity: usize, filler: V) -> Self {
        let n = (capacity.saturating_mul(4) / 3 + 1).max(16);
        FlatTable {
            slots: vec![
                Slot {
                    hi: 0,
                    lo: 0,
                    val: filler,
                    tag: EMPTY,
                };
                n
            ],
            len: 0,
            filler,
        }
    }

    #[inline(always)]
    fn next(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() {
            0
        } else {
            i + 1
        }
    }

    /// Distance from `from` forward to `to`, wrapping.
    #[inline(always)]
    fn dist(&self, from: usize, to: usize) -> usize {
        if to >= from {
            to - from
        } else {
            to + self.slots.len() - from
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of slots (for the memory accounting in the benches).
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    pub(crate) const fn slot_size() -> usize {
        core::mem::size_of::<Slot<V>>()
    }

    /// First slot probed for `key`.
    #[inline(always)]
    pub(crate) fn home(&self, key: u128, tag: u8) -> usize {
        ((u128::from(hash128(key, tag)) * self.slots.len() as u128) >> 64) as usize
    }

    /// Reads the slot at `idx` and returns its tag byte; the caller folds
    /// it into a value that is kept alive, so the load is issued early.
    #[inline(always)]
    pub(crate) fn touch(&self, idx: usize) -> u8 {
        self.slots.get(idx).map_or(0, |s| s.tag)
    }

    /// Hints the slot at `idx` into the cache without waiting for it, and
    /// the next slot when it starts another cache line (a probe run that
    /// continues past the home slot then finds that line in flight too).
    #[inline(always)]
    pub(crate) fn prefetch<H: crate::fwd::Prefetch>(&self, idx: usize) {
        if let Some(s) = self.slots.get(idx) {
            H::prefetch(s);
            // Slots are 32-aligned: the second half of a 64-byte line.
            if (s as *const Slot<V> as usize) & 32 != 0 {
                if let Some(t) = self.slots.get(idx + 1) {
                    H::prefetch(t);
                }
            }
        }
    }

    /// Probe from `idx` (which must be `home(key, tag)`).
    #[inline(always)]
    pub(crate) fn get_from(&self, mut idx: usize, key: u128, tag: u8) -> Option<V> {
        let (hi, lo) = split(key);
        let t = tag.wrapping_add(1);
        loop {
            let s = self.slots.get(idx)?;
            if s.tag == EMPTY {
                return None;
            }
            if s.hi == hi && s.lo == lo && s.tag == t {
                return Some(s.val);
            }
            idx = self.next(idx);
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self, key: u128, tag: u8) -> Option<V> {
        self.get_from(self.home(key, tag), key, tag)
    }

    /// Insert or replace; returns the previous value.
    pub(crate) fn insert(&mut self, key: u128, tag: u8, val: V) -> Option<V> {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let (hi, lo) = split(key);
        let t = tag.wrapping_add(1);
        let mut idx = self.home(key, tag);
        loop {
            let s = &mut self.slots[idx];
            if s.tag == EMPTY {
                *s = Slot {
                    hi,
                    lo,
                    val,
                    tag: t,
                };
                self.len += 1;
                return None;
            }
            if s.hi == hi && s.lo == lo && s.tag == t {
                return Some(core::mem::replace(&mut s.val, val));
            }
            idx = self.next(idx);
        }
    }

    /// Remove; returns the value that was there.
    pub(crate) fn remove(&mut self, key: u128, tag: u8) -> Option<V> {
        let (hi, lo) = split(key);
        let t = tag.wrapping_add(1);
        let mut i = self.home(key, tag);
        loop {
            let s = self.slots[i];
            if s.tag == EMPTY {
                return None;
            }
            if s.hi == hi && s.lo == lo && s.tag == t {
                break;
            }
            i = self.next(i);
        }
        let old = self.slots[i].val;
        // Backward-shift: move later members of the probe run into the hole
        // when their home position is not inside (hole, their position].
        let mut j = i;
        loop {
            j = self.next(j);
            let s = self.slots[j];
            if s.tag == EMPTY {
                break;
            }
            let k = self.home(
                (u128::from(s.hi) << 64) | u128::from(s.lo),
                s.tag.wrapping_sub(1),
            );
            if self.dist(k, j) >= self.dist(i, j) {
                self.slots[i] = s;
                i = j;
            }
        }
        self.slots[i] = Slot {
            hi: 0,
            lo: 0,
            val: self.filler,
            tag: EMPTY,
        };
        self.len -= 1;
        Some(old)
    }

    pub(crate) fn clear(&mut self) {
        for s in &mut self.slots {
            s.tag = EMPTY;
            s.val = self.filler;
        }
        self.len = 0;
    }

    fn grow(&mut self) {
        // Load 1/2 after growing.
        let n = (self.len * 2).max(16);
        let old = core::mem::replace(
            &mut self.slots,
            vec![
                Slot {
                    hi: 0,
                    lo: 0,
                    val: self.filler,
                    tag: EMPTY,
                };
                n
            ],
        );
        self.len = 0;
        for s in old {
            if s.tag != EMPTY {
                self.insert(
                    (u128::from(s.hi) << 64) | u128::from(s.lo),
                    s.tag.wrapping_sub(1),
                    s.val,
                );
            }
        }
    }

    /// Every entry as `(key, tag, value)`.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, u8, V)> + '_ {
        self.slots.iter().filter(|s| s.tag != EMPTY).map(|s| {
            (
                (u128::from(s.hi) << 64) | u128::from(s.lo),
                s.tag.wrapping_sub(1),
                s.val,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn insert_get_remove_against_std() {
        let mut t = FlatTable::with_capacity(4, 0u32);
        let mut m = HashMap::new();
        // Deterministic pseudo-random sequence with many collisions (small
        // key space) to exercise backward shift across the wrap-around.
        let mut x: u64 = 0x1234_5678;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = u128::from(x % 512) << 64;
            let tag = (x >> 20) as u8 % 3;
            if x % 3 == 0 {
                assert_eq!(t.remove(key, tag), m.remove(&(key, tag)));
            } else {
                assert_eq!(t.insert(key, tag, step), m.insert((key, tag), step));
            }
            assert_eq!(t.len(), m.len());
        }
        for (&(k, tag), &v) in &m {
            assert_eq!(t.get(k, tag), Some(v));
        }
        assert_eq!(t.iter().count(), m.len());
        t.clear();
        assert!(t.is_empty());
        assert_eq!(t.get(0, 0), None);
    }

    #[test]
    fn slot_is_compact() {
        assert_eq!(FlatTable::<[u32; 3]>::slot_size(), 32);
    }

    #[test]
    fn sequential_prefixes_probe_like_random_keys() {
        // /64s handed out in order from one pool differ in a few bits of the
        // high word only. With a random hash, linear probing at load α
        // expects (1 + 1/(1-α))/2 - 1 extra probes per hit (Knuth); a weak
        // hash forms long runs and exceeds it.
        let mut t = FlatTable::with_capacity(100_000, 0u32);
        let base: u128 = 0x2001_0db8_1000_0000u128 << 64;
        for i in 0..100_000u128 {
            t.insert(base | (i << 64), 64, 0);
        }
        let mut total = 0usize;
        let mut max = 0usize;
        for i in 0..100_000u128 {
            let k = base | (i << 64);
            let mut idx = t.home(k, 64);
            let mut d = 0;
            while !(t.slots[idx].hi == (k >> 64) as u64 && t.slots[idx].tag == 65) {
                idx = t.next(idx);
                d += 1;
            }
            total += d;
            max = max.max(d);
        }
        let avg = total as f64 / 100_000.0;
        let alpha = 100_000.0 / t.slot_count() as f64;
        let expected = (1.0 + 1.0 / (1.0 - alpha)) / 2.0 - 1.0;
        assert!(
            avg < expected * 1.2,
            "average extra probes {avg}, random hash {expected}"
        );
        assert!(max < 1000, "longest probe {max}");
    }
}
