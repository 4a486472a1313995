//! The worker loop: poll, process a burst, transmit/punt, apply table updates between bursts,
//! publish counters now and then, back off when idle.
//!
//! Generic over [`RxTx`] (the worker's RX/TX queues and its punt/inject rings), so the DPDK
//! layer plugs in its ports and rings and the tests use in-memory queues.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::counters::{Action, DropReason, PuntReason, SharedCounters};
use crate::packet::PacketBuf;
use crate::pipeline::{BurstResult, Pipeline, Verdict};
use crate::tables::FwdTables;

/// The queues and rings one worker owns.
pub trait RxTx {
    /// The packet buffer type.
    type Pkt: PacketBuf;
    /// Receive up to `max` packets, appended to `out`; returns how many.
    fn rx(&mut self, out: &mut Vec<Self::Pkt>, max: usize) -> usize;
    /// Transmit every packet of `pkts` on `port`, draining it; packets the queue does not take
    /// are freed. Returns how many were taken.
    fn tx(&mut self, port: u16, pkts: &mut Vec<Self::Pkt>) -> usize;
    /// Hand a packet to the slowpath; gives it back when the ring is full.
    fn punt(&mut self, pkt: Self::Pkt, reason: PuntReason) -> Result<(), Self::Pkt>;
    /// Take up to `max` packets the slowpath wants sent (each with its egress port set),
    /// appended to `out`; returns how many.
    fn inject(&mut self, out: &mut Vec<Self::Pkt>, max: usize) -> usize;
}

/// What the worker does when its queue is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleMode {
    /// Busy-poll forever (benchmarks, dedicated cores).
    Poll,
    /// After `spin_polls` consecutive empty polls, sleep `min_sleep`, doubling per further
    /// empty poll up to `max_sleep`; the first packet returns to full polling (labs, shared
    /// cores).
    Adaptive {
        /// Empty polls before the first sleep.
        spin_polls: u32,
        /// First sleep.
        min_sleep: Duration,
        /// Longest sleep.
        max_sleep: Duration,
    },
}

impl Default for IdleMode {
    fn default() -> Self {
        IdleMode::Adaptive {
            spin_polls: 1024,
            min_sleep: Duration::from_micros(10),
            max_sleep: Duration::from_millis(1),
        }
    }
}

/// The adaptive back-off state; deterministic, so the schedule is testable without sleeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleState {
    mode: IdleMode,
    empty: u32,
    sleep: Duration,
}

impl IdleState {
    /// Fresh state (full polling).
    pub fn new(mode: IdleMode) -> Self {
        Self {
            mode,
            empty: 0,
            sleep: Duration::ZERO,
        }
    }

    /// Record a poll that found `n` packets; returns how long to sleep before the next one.
    pub fn after_poll(&mut self, n: usize) -> Option<Duration> {
        if n > 0 {
            self.empty = 0;
            self.sleep = Duration::ZERO;
            return None;
        }
        let IdleMode::Adaptive {
            spin_polls,
            min_sleep,
            max_sleep,
        } = self.mode
        else {
            return None;
        };
        self.empty = self.empty.saturating_add(1);
        if self.empty <= spin_polls {
            return None;
        }
        self.sleep = if self.sleep.is_zero() {
            min_sleep
        } else {
            (self.sleep * 2).min(max_sleep)
        };
        Some(self.sleep)
    }
}

/// Worker loop settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Packets per RX burst.
    pub burst: usize,
    /// Number of ports (egress port ids are `0..ports`).
    pub ports: u16,
    /// Table updates applied at most per loop iteration (bounds the pause they cause).
    pub updates_per_iteration: usize,
    /// Publish the counters every this many non-empty bursts (and on every idle poll).
    pub publish_every: u32,
    /// Idle behaviour.
    pub idle: IdleMode,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            burst: 32,
            ports: 1,
            updates_per_iteration: 64,
            publish_every: 64,
            idle: IdleMode::default(),
        }
    }
}

/// The cycle source of the busy/idle accounting: the TSC on DPDK lcores
/// (`fastpath::dpdk::rdtsc`), [`monotonic_ns`] by default.
pub type Clock = fn() -> u64;

/// Nanoseconds since the first call in this process (the default [`Clock`]).
pub fn monotonic_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// One worker: its pipeline and the buffers of its loop, allocated once.
#[derive(Debug)]
pub struct Worker<T: FwdTables, P: PacketBuf> {
    pipeline: Pipeline<T>,
    cfg: WorkerConfig,
    shared: SharedCounters,
    rx: Vec<P>,
    injected: Vec<P>,
    tx: Vec<Vec<P>>,
    tx_action: Vec<Vec<(Action, usize)>>,
    result: BurstResult,
    idle: IdleState,
    since_publish: u32,
    clock: Clock,
}

impl<T: FwdTables, P: PacketBuf> Worker<T, P> {
    /// A worker publishing its counters into `shared`.
    pub fn new(pipeline: Pipeline<T>, cfg: WorkerConfig, shared: SharedCounters) -> Self {
        let burst = cfg.burst.max(1);
        let ports = usize::from(cfg.ports.max(1));
        Self {
            pipeline,
            cfg: WorkerConfig { burst, ..cfg },
            shared,
            rx: Vec::with_capacity(burst),
            injected: Vec::with_capacity(burst),
            tx: (0..ports).map(|_| Vec::with_capacity(burst)).collect(),
            tx_action: (0..ports).map(|_| Vec::with_capacity(burst)).collect(),
            result: BurstResult::with_capacity(burst),
            idle: IdleState::new(cfg.idle),
            since_publish: 0,
            clock: monotonic_ns,
        }
    }

    /// Account busy/idle time in units of `clock` (one read per loop iteration).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The pipeline (tables, counters).
    pub fn pipeline(&self) -> &Pipeline<T> {
        &self.pipeline
    }

    /// The pipeline, mutable.
    pub fn pipeline_mut(&mut self) -> &mut Pipeline<T> {
        &mut self.pipeline
    }

    /// One loop iteration without sleeping: apply pending table updates, send injected packets,
    /// receive and process one burst, transmit and punt. Returns the packets received.
    pub fn poll_once<Q: RxTx<Pkt = P>>(&mut self, io: &mut Q) -> usize {
        let applied = self.pipeline.apply_pending(self.cfg.updates_per_iteration);
        self.pipeline.counters_mut().table_updates(applied);

        self.injected.clear();
        if io.inject(&mut self.injected, self.cfg.burst) > 0 {
            for pkt in self.injected.drain(..) {
                let port = usize::from(pkt.port());
                match self.tx.get_mut(port) {
                    Some(q) => q.push(pkt),
                    // The slowpath named a port this worker does not have.
                    None => self
                        .pipeline
                        .counters_mut()
                        .drop_packet(DropReason::NoRoute, pkt.len()),
                }
            }
            for (port, q) in self.tx.iter_mut().enumerate() {
                if !q.is_empty() {
                    io.tx(port as u16, q);
                    q.clear();
                }
            }
        }

        self.rx.clear();
        let n = io.rx(&mut self.rx, self.cfg.burst);
        if n == 0 {
            self.pipeline.counters_mut().idle_poll();
            self.publish();
            return 0;
        }
        self.pipeline.process_burst(&mut self.rx, &mut self.result);
        for (pkt, v) in self.rx.drain(..).zip(self.result.verdicts().iter()) {
            match *v {
                Verdict::Tx { port, action } => {
                    let p = usize::from(port);
                    if let (Some(q), Some(a)) = (self.tx.get_mut(p), self.tx_action.get_mut(p)) {
                        a.push((action, pkt.len()));
                        q.push(pkt);
                    } else {
                        let len = pkt.len();
                        self.pipeline.counters_mut().tx_failed(action, len);
                    }
                }
                Verdict::Punt(reason) => {
                    let len = pkt.len();
                    if io.punt(pkt, reason).is_err() {
                        self.pipeline.counters_mut().punt_failed(reason, len);
                    }
                }
                Verdict::Drop(_) => {}
            }
        }
        for port in 0..self.tx.len() {
            if self.tx[port].is_empty() {
                continue;
            }
            let queued = self.tx[port].len();
            let sent = io.tx(port as u16, &mut self.tx[port]);
            self.tx[port].clear();
            if sent < queued {
                // The queue takes a prefix of the burst (rte_eth_tx_burst semantics).
                for &(a, len) in &self.tx_action[port][sent..] {
                    self.pipeline.counters_mut().tx_failed(a, len);
                }
            }
            self.tx_action[port].clear();
        }
        self.since_publish += 1;
        if self.since_publish >= self.cfg.publish_every {
            self.publish();
        }
        n
    }

    /// Copy the counters into the shared block.
    pub fn publish(&mut self) {
        self.shared.publish(self.pipeline.counters());
        self.since_publish = 0;
    }

    /// Loop until `stop` is set (checked once per iteration, a plain load).
    /// Each iteration's cycles (its poll, and the back-off sleep after an empty one) count as
    /// busy when it found packets, idle otherwise.
    pub fn run<Q: RxTx<Pkt = P>>(&mut self, io: &mut Q, stop: &AtomicBool) {
        let mut last = (self.clock)();
        while !stop.load(Ordering::Relaxed) {
            let n = self.poll_once(io);
            if let Some(d) = self.idle.after_poll(n) {
                std::thread::sleep(d);
            }
            let now = (self.clock)();
            self.pipeline
                .counters_mut()
                .cycles(n > 0, now.wrapping_sub(last));
            last = now;
        }
        self.publish();
    }
}

/// Run a worker over `io` until `stop` is set; the counters are published on the way out.
pub fn run_worker<Q: RxTx, T: FwdTables>(
    io: &mut Q,
    worker: &mut Worker<T, Q::Pkt>,
    stop: &AtomicBool,
) {
    worker.run(io, stop);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_mode_never_sleeps() {
        let mut s = IdleState::new(IdleMode::Poll);
        for _ in 0..10_000 {
            assert_eq!(s.after_poll(0), None);
        }
    }

    #[test]
    fn adaptive_backs_off_to_the_cap_and_resets_on_traffic() {
        let us = Duration::from_micros;
        let mut s = IdleState::new(IdleMode::Adaptive {
            spin_polls: 3,
            min_sleep: us(10),
            max_sleep: us(50),
        });
        let got: Vec<_> = (0..8).map(|_| s.after_poll(0)).collect();
        assert_eq!(
            got,
            vec![
                None,
                None,
                None,
                Some(us(10)),
                Some(us(20)),
                Some(us(40)),
                Some(us(50)),
                Some(us(50))
            ]
        );
        assert_eq!(s.after_poll(1), None);
        assert_eq!(s.after_poll(0), None, "spins again after traffic");
    }
}
