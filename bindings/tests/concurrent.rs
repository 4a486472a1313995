//! One writer, several reader threads (each a worker with its own replica)
//! for a bounded time. Every value encodes a checksum of its key, so a
//! reader that saw an entry that was never installed, or a torn one, fails.

use bindings::{FwdAction, Generation, PeerId, Prefix, Publisher, TableUpdate, TunnelKind};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const KEYS: u32 = 4096;
const READERS: usize = 3;
const RUN: Duration = Duration::from_millis(1500);

fn prefix(i: u32) -> Prefix {
    let hi: u128 = 0x2001_0db8_1000_0000 | u128::from(i);
    Prefix::new((hi << 64).to_be_bytes(), 64).unwrap()
}

fn check(i: u32) -> u32 {
    i.wrapping_mul(0x9E37_79B9) ^ 0x5bd1_e995
}

fn action(i: u32, version: u32) -> FwdAction {
    FwdAction::Encap {
        peer: PeerId(check(i)),
        tunnel: TunnelKind::Gre {
            key: Some((version << 12) | i),
        },
    }
}

/// Verifies the key/value relation; returns the version.
fn verify(i: u32, a: FwdAction) -> u32 {
    match a {
        FwdAction::Encap {
            peer,
            tunnel: TunnelKind::Gre { key: Some(k) },
        } => {
            assert_eq!(peer, PeerId(check(i)), "torn or foreign value for key {i}");
            assert_eq!(k & 0xfff, i, "torn GRE key for key {i}");
            k >> 12
        }
        other => panic!("value never installed for key {i}: {other:?}"),
    }
}

#[test]
fn readers_never_see_torn_or_foreign_entries() {
    let (mut publisher, workers) = Publisher::new(READERS, 256);
    let stop = Arc::new(AtomicBool::new(false));
    let final_gen = Arc::new(AtomicU64::new(u64::MAX));
    let max_version = Arc::new(AtomicU64::new(0));

    let readers: Vec<_> = workers
        .into_iter()
        .enumerate()
        .map(|(r, mut w)| {
            let stop = Arc::clone(&stop);
            let final_gen = Arc::clone(&final_gen);
            let max_version = Arc::clone(&max_version);
            thread::spawn(move || {
                let mut x: u64 = 0x1234_5678 + r as u64;
                let mut keys = [[0u8; 16]; 32];
                let mut idx = [0u32; 32];
                let mut out = [None; 32];
                let mut last_gen = Generation(0);
                let mut hits = 0u64;
                let mut lookups = 0u64;
                loop {
                    w.apply_pending(64);
                    assert!(w.generation() >= last_gen, "generation went backwards");
                    last_gen = w.generation();
                    for (k, i) in keys.iter_mut().zip(idx.iter_mut()) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // One key in 8 lies outside what the writer ever installs.
                        *i = (x % u64::from(KEYS + KEYS / 8)) as u32;
                        let mut a = prefix(*i).addr();
                        a[15] = x as u8;
                        *k = a;
                    }
                    w.lookup_burst(&keys, &mut out);
                    for ((&i, o), k) in idx.iter().zip(&out).zip(&keys) {
                        lookups += 1;
                        assert_eq!(*o, w.lookup_dst(k), "burst and single lookup differ");
                        if let Some(a) = *o {
                            assert!(i < KEYS, "hit on key {i} that was never installed");
                            let v = verify(i, a);
                            assert!(u64::from(v) <= max_version.load(Ordering::Acquire));
                            hits += 1;
                        }
                    }
                    if stop.load(Ordering::Acquire)
                        && w.generation().0 >= final_gen.load(Ordering::Acquire)
                    {
                        break;
                    }
                }
                assert!(lookups > 0);
                (w.snapshot(), hits, w.stats().updates_applied)
            })
        })
        .collect();

    let start = Instant::now();
    let mut model: BTreeMap<Prefix, FwdAction> = BTreeMap::new();
    let mut x: u64 = 0xdead_beef;
    let mut version = 0u32;
    let mut waited = 0;
    while start.elapsed() < RUN {
        for _ in 0..64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % u64::from(KEYS)) as u32;
            let u = if x % 4 == 0 {
                model.remove(&prefix(i));
                TableUpdate::RemovePrefix { prefix: prefix(i) }
            } else {
                version = (version + 1) % (1 << 20);
                max_version.fetch_max(u64::from(version), Ordering::Release);
                model.insert(prefix(i), action(i, version));
                TableUpdate::SetPrefix {
                    prefix: prefix(i),
                    action: action(i, version),
                }
            };
            publisher
                .publish(u)
                .expect("default overflow limit not reached");
        }
        // Now and then wait until everything is visible everywhere, as a
        // make-before-break handover would.
        if x % 16 == 0 {
            let g = publisher.last_generation();
            let deadline = Instant::now() + Duration::from_secs(5);
            while !publisher.visible_everywhere(g) {
                publisher.flush();
                assert!(Instant::now() < deadline, "update never became visible");
                thread::yield_now();
            }
            waited += 1;
        }
    }
    let last = publisher.last_generation();
    final_gen.store(last.0, Ordering::Release);
    stop.store(true, Ordering::Release);
    let deadline = Instant::now() + Duration::from_secs(10);
    while publisher.flush() > 0 {
        assert!(Instant::now() < deadline, "workers stopped draining");
        thread::yield_now();
    }
    let mut total_hits = 0;
    for r in readers {
        let (snap, hits, applied) = r.join().expect("reader panicked");
        assert_eq!(
            snap.prefixes, model,
            "replica differs from the writer's model"
        );
        assert_eq!(applied, last.0);
        total_hits += hits;
    }
    assert!(publisher.visible_everywhere(last));
    assert!(total_hits > 0, "readers never hit anything");
    assert!(waited > 0, "the writer never waited for visibility");
}
