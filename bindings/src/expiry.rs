//! Expiry for millions of entries: a calendar queue with lazy deletion.
//!
//! Deadlines fall into buckets of 64 ms kept in a `BTreeMap` (a few
//! thousand buckets even with hour-long lifetimes), so scheduling is a map
//! lookup plus a `Vec` push and expiry drains whole buckets: no per-item
//! heap sift. A refresh schedules the key again and leaves the old item; a
//! due item is checked against the entry's current deadline and skipped if
//! stale. The queue is rebuilt from the live entries when stale items
//! outnumber them, so memory stays bounded under refresh churn.

use crate::hash::FastMap;
use crate::time::Millis;
use core::hash::Hash;
use std::collections::BTreeMap;

/// log2 of the bucket width in milliseconds.
const SHIFT: u32 = 6;

#[derive(Debug, Clone)]
struct Bucket<K> {
    /// Earliest deadline in `items`.
    min: Millis,
    items: Vec<(Millis, K)>,
}

#[derive(Debug, Clone)]
pub(crate) struct ExpiryQueue<K> {
    buckets: BTreeMap<u64, Bucket<K>>,
    len: usize,
}

impl<K: Copy> Default for ExpiryQueue<K> {
    fn default() -> Self {
        ExpiryQueue {
            buckets: BTreeMap::new(),
            len: 0,
        }
    }
}

impl<K: Copy> ExpiryQueue<K> {
    /// Schedule `key` at `at`; [`Millis::NEVER`] is not scheduled.
    pub(crate) fn push(&mut self, at: Millis, key: K) {
        if at == Millis::NEVER {
            return;
        }
        let b = self.buckets.entry(at.0 >> SHIFT).or_insert(Bucket {
            min: at,
            items: Vec::new(),
        });
        b.min = b.min.min(at);
        b.items.push((at, key));
        self.len += 1;
    }

    /// Earliest scheduled deadline (possibly stale: a caller that wakes for
    /// it finds nothing and asks again).
    pub(crate) fn peek(&self) -> Option<Millis> {
        self.buckets.first_key_value().map(|(_, b)| b.min)
    }

    /// Move every item due at or before `now` into `out` (bucket order,
    /// insertion order within a bucket).
    pub(crate) fn drain_due(&mut self, now: Millis, out: &mut Vec<(Millis, K)>) {
        while let Some(mut e) = self.buckets.first_entry() {
            if e.get().min > now {
                break;
            }
            let bucket_end = ((*e.key() + 1) << SHIFT).saturating_sub(1);
            if bucket_end <= now.0 {
                let b = e.remove();
                self.len -= b.items.len();
                out.extend(b.items);
                continue;
            }
            // The bucket straddles `now`: take the due items, keep the rest.
            let b = e.get_mut();
            let before = b.items.len();
            let mut min = Millis::NEVER;
            b.items.retain(|&(t, k)| {
                if t <= now {
                    out.push((t, k));
                    false
                } else {
                    min = min.min(t);
                    true
                }
            });
            self.len -= before - b.items.len();
            if b.items.is_empty() {
                e.remove();
            } else {
                b.min = min;
            }
            break;
        }
    }

    /// Scheduled items, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Rebuild from the live `(deadline, key)` pairs when stale items
    /// dominate.
    pub(crate) fn maybe_compact(&mut self, live: usize, items: impl FnOnce() -> Vec<(Millis, K)>) {
        if self.len > 2 * live + 1024 {
            self.buckets.clear();
            self.len = 0;
            for (t, k) in items() {
                self.push(t, k);
            }
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
pub(crate) struct ExpiringMap<K: Copy + Hash + Eq, V> {
    pub(crate) map: FastMap<K, V>,
    queue: ExpiryQueue<K>,
}

impl<K: Copy + Hash + Eq, V> Default for ExpiringMap<K, V> {
    fn default() -> Self {
        ExpiringMap {
            map: FastMap::default(),
            queue: ExpiryQueue::default(),
        }
    }
}

impl<K: Copy + Hash + Eq, V: Expires> ExpiringMap<K, V> {
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
        let mut due = Vec::new();
        self.queue.drain_due(now, &mut due);
        let mut out = Vec::new();
        for (t, k) in due {
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
    fn straddling_bucket_is_split_exactly() {
        let mut q: ExpiryQueue<u32> = ExpiryQueue::default();
        for t in [70u64, 65, 100, 127, 128, 3, 1_000_000] {
            q.push(Millis(t), t as u32);
        }
        q.push(Millis::NEVER, 9);
        assert_eq!(q.len(), 7);
        assert_eq!(q.peek(), Some(Millis(3)));
        let mut out = Vec::new();
        q.drain_due(Millis(99), &mut out);
        assert_eq!(
            out,
            vec![(Millis(3), 3), (Millis(70), 70), (Millis(65), 65)]
        );
        assert_eq!(q.peek(), Some(Millis(100)));
        out.clear();
        q.drain_due(Millis(128), &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(q.peek(), Some(Millis(1_000_000)));
        assert_eq!(q.len(), 1);
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
