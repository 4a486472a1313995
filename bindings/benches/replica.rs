//! Replica benchmarks: random-key burst lookups at 1M and 10M routes (two-pass
//! burst vs one-at-a-time vs a hashbrown map with the same hasher), updates
//! applied per second by a worker, and bytes per binding.
//!
//! `cargo bench -p bindings --bench replica -- --warm-up-time 1 --measurement-time 3`
//! Set `MOBGW_BENCH_10M=0` to skip the 10M-route group.

use bindings::{
    BindingCache, BindingCacheEntry, FastBuildHasher, FwdAction, Millis, MnIdentifier, PeerId,
    Prefix, Publisher, Replica, TableUpdate, TunnelKind,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};

const BURST: usize = 32;
/// Distinct lookup keys per iteration: far more than fit in cache.
const KEYS: usize = 1 << 16;

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Route `i`: the i-th /64 of 2001:db8:1000::/40 (a /40 holds 2^24 /64s).
fn prefix(i: u64) -> Prefix {
    let hi: u128 = (0x2001_0db8_1000_0000u128) | u128::from(i);
    Prefix::new((hi << 64).to_be_bytes(), 64).unwrap()
}

fn action(i: u64) -> FwdAction {
    FwdAction::Encap {
        peer: PeerId((i % 4096) as u32),
        tunnel: if i % 2 == 0 {
            TunnelKind::Ip6Ip6
        } else {
            TunnelKind::Gre {
                key: Some(i as u32),
            }
        },
    }
}

fn build(n: u64) -> Replica {
    let mut r = Replica::with_capacity(n as usize);
    for i in 0..n {
        r.apply(&TableUpdate::SetPrefix {
            prefix: prefix(i),
            action: action(i),
        });
    }
    r
}

/// Random destination addresses inside installed routes.
fn keys(n: u64, seed: u64) -> Vec<[u8; 16]> {
    let mut x = seed;
    (0..KEYS)
        .map(|_| {
            let mut a = prefix(xorshift(&mut x) % n).addr();
            a[8..].copy_from_slice(&xorshift(&mut x).to_be_bytes());
            a
        })
        .collect()
}

fn lookups(c: &mut Criterion, n: u64) {
    let t = Instant::now();
    let r = build(n);
    eprintln!(
        "replica with {n} routes built in {:?}; {:.1} bytes per route (slots x 32 B / routes)",
        t.elapsed(),
        r.prefix_bytes_per_entry().unwrap_or(0.0)
    );
    let ks = keys(n, 0x9E37_79B9_7F4A_7C15);
    let mut out = vec![None; BURST];

    let mut g = c.benchmark_group(group(n));
    g.throughput(Throughput::Elements(KEYS as u64));
    g.bench_function(BenchmarkId::new("burst32_two_pass", n), |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for chunk in ks.chunks(BURST) {
                r.lookup_burst(chunk, &mut out);
                hits += out.iter().filter(|o| o.is_some()).count();
            }
            assert_eq!(hits, KEYS);
            black_box(hits)
        })
    });
    g.bench_function(BenchmarkId::new("serial", n), |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for chunk in ks.chunks(BURST) {
                r.lookup_serial(chunk, &mut out);
                hits += out.iter().filter(|o| o.is_some()).count();
            }
            assert_eq!(hits, KEYS);
            black_box(hits)
        })
    });
    g.finish();
    drop(r);

    // Baseline: hashbrown with the same key shape and hasher, one at a time.
    if n <= 1_000_000 {
        let mut m: hashbrown::HashMap<(u128, u8), FwdAction, FastBuildHasher> =
            hashbrown::HashMap::with_capacity_and_hasher(n as usize, FastBuildHasher);
        for i in 0..n {
            m.insert((prefix(i).bits(), 64), action(i));
        }
        let mask: u128 = !0u128 << 64;
        let mut g = c.benchmark_group(group(n));
        g.throughput(Throughput::Elements(KEYS as u64));
        g.bench_function(BenchmarkId::new("hashbrown_serial", n), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for k in &ks {
                    let a = u128::from_be_bytes(*k) & mask;
                    hits += usize::from(m.get(&(a, 64)).is_some());
                }
                assert_eq!(hits, KEYS);
                black_box(hits)
            })
        });
        g.finish();
    }
}

fn group(n: u64) -> String {
    if n >= 1_000_000 {
        format!("lookup_{}M", n / 1_000_000)
    } else {
        format!("lookup_{}k", n / 1000)
    }
}

/// Cache-resident table: the compute cost of a lookup without DRAM misses.
fn lookup_16k(c: &mut Criterion) {
    lookups(c, 16_000);
}

fn lookup_1m(c: &mut Criterion) {
    lookups(c, 1_000_000);
}

fn lookup_10m(c: &mut Criterion) {
    if std::env::var("MOBGW_BENCH_10M").as_deref() == Ok("0") {
        return;
    }
    lookups(c, 10_000_000);
}

/// Updates a worker applies per second: a 1M-route replica receives batches
/// of route changes (re-pointing existing routes, the handover case) and
/// applies them with `apply_pending`.
fn apply_updates(c: &mut Criterion) {
    const BATCH: usize = 4096;
    let (mut publisher, mut workers) = Publisher::with_table_capacity(1, BATCH, 1_000_000);
    for i in 0..1_000_000u64 {
        publisher
            .publish(TableUpdate::SetPrefix {
                prefix: prefix(i),
                action: action(i),
            })
            .unwrap();
        if publisher.backlog() > 0 {
            while workers[0].apply_pending(BATCH) > 0 {}
            publisher.flush();
        }
    }
    while publisher.flush() > 0 || workers[0].apply_pending(BATCH) > 0 {}
    let mut x = 42u64;
    let mut g = c.benchmark_group("apply_updates");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("set_prefix_1M_routes", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for _ in 0..BATCH {
                    let i = xorshift(&mut x) % 1_000_000;
                    publisher
                        .publish(TableUpdate::SetPrefix {
                            prefix: prefix(i),
                            action: action(i + 1),
                        })
                        .unwrap();
                }
                let t = Instant::now();
                let n = workers[0].apply_pending(BATCH);
                total += t.elapsed();
                assert_eq!(n, BATCH);
            }
            total
        })
    });
    g.bench_function("remove_insert_1M_routes", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for _ in 0..BATCH / 2 {
                    let i = xorshift(&mut x) % 1_000_000;
                    publisher
                        .publish(TableUpdate::RemovePrefix { prefix: prefix(i) })
                        .unwrap();
                    publisher
                        .publish(TableUpdate::SetPrefix {
                            prefix: prefix(i),
                            action: action(i),
                        })
                        .unwrap();
                }
                let t = Instant::now();
                let n = workers[0].apply_pending(BATCH);
                total += t.elapsed();
                assert_eq!(n, BATCH);
            }
            total
        })
    });
    g.finish();
}

/// Bytes per binding in the authoritative cache at 1M entries (printed, not
/// timed): NAI-sized MN-IDs, one /64 each, 1000 MAGs.
fn authoritative_memory(_c: &mut Criterion) {
    let mut cache = BindingCache::with_capacity(1_000_000);
    for i in 0..1_000_000u64 {
        let mn = format!("mn{i:07}@example.net");
        let mag = {
            let mut a = [0u8; 16];
            a[0] = 0xfd;
            a[14..].copy_from_slice(&((i % 1000) as u16).to_be_bytes());
            a
        };
        cache
            .insert(BindingCacheEntry::new(
                MnIdentifier::new(mn.as_bytes()),
                vec![prefix(i)],
                mag,
                PeerId((i % 1000) as u32),
                Duration::from_secs(3600),
                Millis(0),
            ))
            .unwrap();
    }
    eprintln!(
        "authoritative cache: {} entries, {:.1} bytes per binding (entry = {} B in the slab slot)",
        cache.len(),
        cache.bytes_per_entry().unwrap_or(0.0),
        std::mem::size_of::<BindingCacheEntry>()
    );
}

criterion_group!(
    benches,
    lookup_16k,
    lookup_1m,
    apply_updates,
    authoritative_memory,
    lookup_10m
);
criterion_main!(benches);
