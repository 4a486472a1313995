//! Expiry for millions of entries: a binary heap of (deadline, key) with lazy
//! deletion. A refresh pushes a new item and leaves the old one; when an item
//! comes due it is checked against the entry's current deadline and skipped
//! if stale. The heap is rebuilt from the live entries when stale items
//! outnumber them, so memory stays bounded under refresh churn.

use crate::hash::FastMap;
use crate::time::Millis;
use core::hash::Hash;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone)]
pub(crate) struct ExpiryQueue<K: Ord> {
    heap: BinaryHeap<Reverse<(Millis, K)>>,
}

impl<K: Ord + Copy> Default for ExpiryQueue<K> {
    fn default() -> Self {
        ExpiryQueue {
            heap: BinaryHeap::new(),
        }
    }
}

impl<K: Ord + Copy> ExpiryQueue<K> {
    /// Schedule `key` at `at`; [`Millis::NEVER`] is not scheduled.
    pub(crate) fn push(&mut self, at: Millis, key: K) {
        if at != Millis::NEVER {
            self.heap.push(Reverse((at, key)));
        }
    }

    /// Earliest scheduled deadline (possibly stale: a caller that wakes for
    /// it finds nothing and asks again).
    pub(crate) fn peek(&self) -> Option<Millis> {
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Next item due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Millis) -> Option<(Millis, K)> {
        match self.heap.peek() {
            Some(Reverse((t, _))) if *t <= now => self.heap.pop().map(|Reverse(x)| x),
            _ => None,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.heap.capacity()
    }

    /// Rebuild from the live `(deadline, key)` pairs when stale items
    /// dominate.
    pub(crate) fn maybe_compact(&mut self, live: usize, items: impl FnOnce() -> Vec<(Millis, K)>) {
        if self.heap.len() > 2 * live + 1024 {
            let v: Vec<Reverse<(Millis, K)>> = items()
                .into_iter()
                .filter(|(t, _)| *t != Millis::NEVER)
                .map(Reverse)
                .collect();
            self.heap = BinaryHeap::from(v);
        }
    }
}

/// Something with a deadline.
pub trait Expires {
    /// When the entry expires ([`Millis::NEVER`] for never).
    fn expires_at(&self) -> Millis;
}

/// A map whose entries expire at their own deadline.
#[derive(Debug, Clone)]
pub(crate) struct ExpiringMap<K: Ord + Copy + Hash, V> {
    pub(crate) map: FastMap<K, V>,
    queue: ExpiryQueue<K>,
}

impl<K: Ord + Copy + Hash, V> Default for ExpiringMap<K, V> {
    fn default() -> Self {
        ExpiringMap {
            map: FastMap::default(),
            queue: ExpiryQueue::default(),
        }
    }
}

impl<K: Ord + Copy + Hash, V: Expires> ExpiringMap<K, V> {
    pub(crate) fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.queue.push(v.expires_at(), k);
        let old = self.map.insert(k, v);
        self.compact();
        old
    }

    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }

    /// Change an entry in place; its deadline may change.
    pub(crate) fn modify<R>(&mut self, k: &K, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let v = self.map.get_mut(k)?;
        let before = v.expires_at();
        let r = f(v);
        let after = v.expires_at();
        if after != before {
            self.queue.push(after, *k);
            self.compact();
        }
        Some(r)
    }

    pub(crate) fn remove(&mut self, k: &K) -> Option<V> {
        self.map.remove(k)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn next_expiry(&self) -> Option<Millis> {
        self.queue.peek()
    }

    /// Remove and return every entry whose deadline is `<= now`.
    pub(crate) fn expire(&mut self, now: Millis) -> Vec<(K, V)> {
        let mut out = Vec::new();
        while let Some((t, k)) = self.queue.pop_due(now) {
            if self.map.get(&k).is_some_and(|v| v.expires_at() == t) {
                if let Some(v) = self.map.remove(&k) {
                    out.push((k, v));
                }
            }
        }
        out
    }

    fn compact(&mut self) {
        let map = &self.map;
        self.queue.maybe_compact(map.len(), || {
            map.iter().map(|(k, v)| (v.expires_at(), *k)).collect()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct E(Millis);
    impl Expires for E {
        fn expires_at(&self) -> Millis {
            self.0
        }
    }

    #[test]
    fn refresh_moves_deadline_and_stale_items_are_skipped() {
        let mut m: ExpiringMap<u32, E> = ExpiringMap::default();
        m.insert(1, E(Millis(10)));
        m.insert(2, E(Millis(20)));
        m.insert(3, E(Millis::NEVER));
        m.modify(&1, |e| e.0 = Millis(30));
        assert_eq!(m.next_expiry(), Some(Millis(10)));
        assert!(m.expire(Millis(15)).is_empty());
        assert_eq!(m.expire(Millis(20)), vec![(2, E(Millis(20)))]);
        assert_eq!(m.expire(Millis(100)), vec![(1, E(Millis(30)))]);
        assert_eq!(m.len(), 1);
        m.remove(&3);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn churn_keeps_heap_bounded() {
        let mut m: ExpiringMap<u32, E> = ExpiringMap::default();
        for i in 0..100 {
            m.insert(i, E(Millis(1)));
        }
        for t in 2..200u64 {
            for i in 0..100 {
                m.modify(&i, |e| e.0 = Millis(t));
            }
        }
        assert!(m.queue.len() <= 2 * 100 + 1024 + 1);
        assert_eq!(m.expire(Millis(198)).len(), 0);
        assert_eq!(m.expire(Millis(199)).len(), 100);
    }
}
