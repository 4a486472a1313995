//! Update protocol between the slowpath (one writer) and the workers.
//!
//! Every change is a [`TableUpdate`] stamped with a [`Generation`] and pushed
//! by value into each worker's bounded single-producer queue. A worker calls
//! [`WorkerTables::apply_pending`] between bursts; after a batch it stores
//! the generation it reached in its own cache-padded `AtomicU64` (one store
//! per batch, never per packet). [`Publisher::visible_everywhere`] compares
//! those with a generation, so the slowpath can wait until a change is live
//! on every worker (make-before-break handover, RO activation order).
//!
//! Back-pressure policy: when a worker's queue is full the update goes to a
//! per-worker overflow list inside the publisher, in order, and is moved to
//! the queue by later `publish`/`flush` calls. Nothing is dropped, order is
//! kept, and the event is counted ([`PublisherStats::overflowed`]). Only when
//! a worker's overflow list reaches its limit (the worker is stuck) does
//! `publish` return [`Backpressure`]; then the update was given to *no*
//! worker, and the caller must retry it before publishing anything newer.

use crate::fwd::{FwdAction, Neighbor, PeerId, PeerInfo, Replica, ReplicaSnapshot, TableUpdate};
use crossbeam_queue::ArrayQueue;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Sequence number of published updates; the first update is generation 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Generation(pub u64);

/// A worker's overflow list is full: the update was not published at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("worker {worker} is not draining its update queue ({backlog} updates backlogged)")]
pub struct Backpressure {
    pub worker: usize,
    pub backlog: usize,
}

/// Counters of the publisher.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublisherStats {
    /// Updates accepted by `publish` (= the last generation).
    pub published: u64,
    /// Times an update had to wait in a worker's overflow list.
    pub overflowed: u64,
    /// `publish` calls refused with [`Backpressure`].
    pub rejected: u64,
}

/// Counters of one worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    pub updates_applied: u64,
    pub batches: u64,
}

/// Keeps two workers' atomics off one cache line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

#[derive(Debug)]
struct Shared {
    queue: ArrayQueue<(Generation, TableUpdate)>,
    applied: Padded<AtomicU64>,
    updates_applied: Padded<AtomicU64>,
}

/// The slowpath's end: publishes updates to every worker.
#[derive(Debug)]
pub struct Publisher {
    workers: Vec<Arc<Shared>>,
    overflow: Vec<VecDeque<(Generation, TableUpdate)>>,
    overflow_limit: usize,
    next: u64,
    stats: PublisherStats,
}

/// Default per-worker overflow limit.
pub const DEFAULT_OVERFLOW_LIMIT: usize = 1 << 20;

impl Publisher {
    /// `n_workers` replicas, each with a queue of `capacity` updates.
    pub fn new(n_workers: usize, capacity: usize) -> (Publisher, Vec<WorkerTables>) {
        Publisher::with_table_capacity(n_workers, capacity, 0)
    }

    /// As [`Publisher::new`], with replicas pre-sized for `prefixes` routes
    /// so that applying updates does not grow the tables.
    pub fn with_table_capacity(
        n_workers: usize,
        capacity: usize,
        prefixes: usize,
    ) -> (Publisher, Vec<WorkerTables>) {
        let mut workers = Vec::with_capacity(n_workers);
        let mut tables = Vec::with_capacity(n_workers);
        for _ in 0..n_workers {
            let shared = Arc::new(Shared {
                queue: ArrayQueue::new(capacity.max(1)),
                applied: Padded(AtomicU64::new(0)),
                updates_applied: Padded(AtomicU64::new(0)),
            });
            tables.push(WorkerTables {
                replica: Replica::with_capacity(prefixes),
                shared: Arc::clone(&shared),
                generation: Generation(0),
                stats: WorkerStats::default(),
            });
            workers.push(shared);
        }
        let publisher = Publisher {
            overflow: (0..n_workers).map(|_| VecDeque::new()).collect(),
            workers,
            overflow_limit: DEFAULT_OVERFLOW_LIMIT,
            next: 1,
            stats: PublisherStats::default(),
        };
        (publisher, tables)
    }

    /// Change the per-worker overflow limit (at least 0; 0 makes every full
    /// queue an immediate [`Backpressure`]).
    pub fn set_overflow_limit(&mut self, limit: usize) {
        self.overflow_limit = limit;
    }

    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Publish one update to every worker; returns its generation.
    pub fn publish(&mut self, update: TableUpdate) -> Result<Generation, Backpressure> {
        self.flush();
        // All-or-nothing: check every worker first. This end is the only
        // producer, so a queue with room now still has room below.
        for (w, (shared, ovf)) in self.workers.iter().zip(&self.overflow).enumerate() {
            if (!ovf.is_empty() || shared.queue.is_full()) && ovf.len() >= self.overflow_limit {
                self.stats.rejected += 1;
                return Err(Backpressure {
                    worker: w,
                    backlog: ovf.len(),
                });
            }
        }
        let gen = Generation(self.next);
        self.next += 1;
        for (shared, ovf) in self.workers.iter().zip(self.overflow.iter_mut()) {
            if !ovf.is_empty() {
                ovf.push_back((gen, update));
                self.stats.overflowed += 1;
            } else if let Err(item) = shared.queue.push((gen, update)) {
                ovf.push_back(item);
                self.stats.overflowed += 1;
            }
        }
        self.stats.published += 1;
        Ok(gen)
    }

    /// Move what waits in overflow lists into queues with room; returns the
    /// number of updates still waiting. Call it from the slowpath loop while
    /// `backlog() > 0`.
    pub fn flush(&mut self) -> usize {
        let mut left = 0;
        for (shared, ovf) in self.workers.iter().zip(self.overflow.iter_mut()) {
            while let Some(&item) = ovf.front() {
                if shared.queue.push(item).is_err() {
                    break;
                }
                ovf.pop_front();
            }
            left += ovf.len();
        }
        left
    }

    /// Updates waiting in overflow lists, all workers together.
    pub fn backlog(&self) -> usize {
        self.overflow.iter().map(VecDeque::len).sum()
    }

    /// Last generation handed out (0 before the first publish).
    pub fn last_generation(&self) -> Generation {
        Generation(self.next - 1)
    }

    /// Generation worker `w` has applied.
    pub fn worker_generation(&self, w: usize) -> Option<Generation> {
        self.workers
            .get(w)
            .map(|s| Generation(s.applied.0.load(Ordering::Acquire)))
    }

    /// Updates worker `w` has applied in total (published once per batch).
    pub fn worker_updates_applied(&self, w: usize) -> Option<u64> {
        self.workers
            .get(w)
            .map(|s| s.updates_applied.0.load(Ordering::Relaxed))
    }

    /// Whether every worker has applied `gen` (and everything before it).
    pub fn visible_everywhere(&self, gen: Generation) -> bool {
        self.workers
            .iter()
            .all(|s| s.applied.0.load(Ordering::Acquire) >= gen.0)
    }

    pub fn stats(&self) -> PublisherStats {
        self.stats
    }
}

/// One worker's replica plus its end of the update queue. `Send`: built on
/// the main thread, moved to the worker lcore.
#[derive(Debug)]
pub struct WorkerTables {
    replica: Replica,
    shared: Arc<Shared>,
    generation: Generation,
    stats: WorkerStats,
}

impl WorkerTables {
    /// Apply at most `max` pending updates; returns how many were applied.
    /// Call between bursts, never inside one.
    pub fn apply_pending(&mut self, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            let Some((gen, u)) = self.shared.queue.pop() else {
                break;
            };
            self.replica.apply(&u);
            self.generation = gen;
            n += 1;
        }
        if n > 0 {
            self.stats.updates_applied += n as u64;
            self.stats.batches += 1;
            self.shared
                .updates_applied
                .0
                .store(self.stats.updates_applied, Ordering::Relaxed);
            // Release: a reader of `applied` sees this batch's table writes
            // ordered before it (the tables are this thread's anyway).
            self.shared
                .applied
                .0
                .store(self.generation.0, Ordering::Release);
        }
        n
    }

    /// Updates waiting in the queue.
    pub fn pending(&self) -> usize {
        self.shared.queue.len()
    }

    /// See [`Replica::lookup_dst`].
    #[inline]
    pub fn lookup_dst(&self, dst: &[u8; 16]) -> Option<FwdAction> {
        self.replica.lookup_dst(dst)
    }

    /// See [`Replica::lookup_burst`].
    #[inline]
    pub fn lookup_burst(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]) {
        self.replica.lookup_burst(keys, out);
    }

    /// See [`Replica::tunnel_peer`].
    #[inline]
    pub fn tunnel_peer(&self, outer_src: &[u8; 16]) -> Option<PeerInfo> {
        self.replica.tunnel_peer(outer_src)
    }

    /// See [`Replica::peer`].
    #[inline]
    pub fn peer(&self, id: PeerId) -> Option<PeerInfo> {
        self.replica.peer(id)
    }

    /// See [`Replica::source_allowed`].
    #[inline]
    pub fn source_allowed(&self, inner_src: &[u8; 16], peer: PeerId) -> bool {
        self.replica.source_allowed(inner_src, peer)
    }

    /// See [`Replica::neighbor`].
    #[inline]
    pub fn neighbor(&self, addr: &[u8; 16]) -> Option<Neighbor> {
        self.replica.neighbor(addr)
    }

    /// Generation of the last applied update.
    pub fn generation(&self) -> Generation {
        self.generation
    }

    pub fn stats(&self) -> WorkerStats {
        self.stats
    }

    /// The replica itself (read-only).
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Plain-map copy of the replica.
    pub fn snapshot(&self) -> ReplicaSnapshot {
        self.replica.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fwd::TunnelKind;
    use crate::prefix::Prefix;

    fn route(i: u32) -> TableUpdate {
        TableUpdate::SetPrefix {
            prefix: Prefix::new((u128::from(i) << 64).to_be_bytes(), 64).unwrap(),
            action: FwdAction::Encap {
                peer: PeerId(i),
                tunnel: TunnelKind::Ip6Ip6,
            },
        }
    }

    fn assert_send<T: Send>() {}

    #[test]
    fn worker_tables_are_send() {
        assert_send::<WorkerTables>();
        assert_send::<Publisher>();
    }

    #[test]
    fn generations_become_visible_after_apply() {
        let (mut p, mut w) = Publisher::new(2, 8);
        let g1 = p.publish(route(1)).unwrap();
        let g2 = p.publish(route(2)).unwrap();
        assert_eq!((g1, g2), (Generation(1), Generation(2)));
        assert!(!p.visible_everywhere(g1));
        assert_eq!(w[0].apply_pending(1), 1);
        assert_eq!(w[0].generation(), g1);
        assert!(!p.visible_everywhere(g1));
        assert_eq!(w[1].apply_pending(10), 2);
        assert!(!p.visible_everywhere(g2));
        assert!(p.visible_everywhere(g1));
        assert_eq!(w[0].apply_pending(10), 1);
        assert!(p.visible_everywhere(g2));
        assert_eq!(w[0].stats().updates_applied, 2);
        assert_eq!(p.worker_updates_applied(1), Some(2));
        assert_eq!(w[0].snapshot(), w[1].snapshot());
        assert_eq!(w[0].apply_pending(10), 0);
    }

    #[test]
    fn full_queue_overflows_in_order_then_rejects_at_limit() {
        let (mut p, mut w) = Publisher::new(1, 2);
        p.set_overflow_limit(3);
        for i in 0..5 {
            p.publish(route(i)).unwrap();
        }
        assert_eq!(p.backlog(), 3);
        assert_eq!(p.stats().overflowed, 3);
        let err = p.publish(route(9)).unwrap_err();
        assert_eq!(
            err,
            Backpressure {
                worker: 0,
                backlog: 3
            }
        );
        assert_eq!(p.stats().rejected, 1);
        assert_eq!(p.last_generation(), Generation(5));
        // The worker drains, the publisher refills, order is kept.
        let mut applied = 0;
        while p.backlog() > 0 || w[0].pending() > 0 {
            applied += w[0].apply_pending(1);
            p.flush();
        }
        assert_eq!(applied, 5);
        assert!(p.visible_everywhere(Generation(5)));
        assert_eq!(w[0].replica().prefix_count(), 5);
        assert_eq!(p.publish(route(9)).unwrap(), Generation(6));
    }
}
