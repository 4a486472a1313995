//! PBU → PBA processing rate of the LMA engine with 1 million bindings:
//! decode the PBU bytes, run the engine, encode the PBA, the way the gateway
//! does it (`Lma::handle_mh`, the PBA queued in wire form).
//!
//! Each iteration also rewrites the PBU's Timestamp (it must grow, RFC 5213
//! §5.5) and its checksum, which is MAG-side work counted against the LMA.
//!
//! Initial registrations are timed in batches; after each batch (untimed) the
//! new MNs are de-registered and deleted again, so every batch starts from
//! the loaded million, as a steady-state LMA with churn would (without this
//! the cache grew by however many registrations criterion ran, to millions).

use std::hint::black_box;
use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slowpath::action::Action;
use slowpath::counters::MessageKind;
use slowpath::lma::{Lma, LmaConfig};
use slowpath::policy::LmaPolicy;
use slowpath::timers::{timestamp_from_unix_millis, Now, Time};
use slowpath::wire::{
    mh_checksum, AccessTechnologyType, BindingUpdate, BindingUpdateFlags, HandoffIndicator, MhRepr,
    MobilityOption, Timestamp,
};

const BINDINGS: usize = 1_000_000;
const UNIX0: u64 = 1_700_000_000_000;
const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
/// Offset of the MH Checksum field (RFC 6275 §6.1.1).
const CHECKSUM_AT: usize = 4;

fn mn_id(prefix: &str, i: usize) -> Vec<u8> {
    format!("{prefix}{i:08}@example.org").into_bytes()
}

fn pbu(mn: Vec<u8>, hnp: Ipv6Addr, hi: u8, ts: Timestamp) -> MhRepr {
    MhRepr::BindingUpdate(BindingUpdate {
        sequence: 1,
        flags: BindingUpdateFlags {
            ack: true,
            proxy: true,
            ..Default::default()
        },
        lifetime: 900,
        options: vec![
            MobilityOption::MnIdentifier {
                subtype: 1,
                identifier: mn,
            },
            MobilityOption::HomeNetworkPrefix {
                prefix_len: 64,
                prefix: hnp,
            },
            MobilityOption::HandoffIndicator(HandoffIndicator(hi)),
            MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
            MobilityOption::Timestamp(ts),
        ],
    })
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("marker present")
}

/// An LMA holding `BINDINGS` registrations; returns it with each MN's prefix.
fn loaded_lma() -> (Lma, Vec<Ipv6Addr>) {
    let mut config = LmaConfig::new(LMAA, "2001:db8::/32".parse().unwrap());
    // Sized for the loaded million plus the largest batch of initial
    // registrations criterion times before they are removed again.
    config.expected_bindings = 3 * BINDINGS;
    // De-registered bindings of a batch are deleted at once.
    config.min_delay_before_bce_delete = Duration::ZERO;
    let mut lma = Lma::new(config, LmaPolicy::default());
    let now = Now::new(1_000, UNIX0);
    let mut hnps = Vec::with_capacity(BINDINGS);
    for i in 0..BINDINGS {
        let msg = pbu(mn_id("mn", i), Ipv6Addr::UNSPECIFIED, 1, now.wall);
        lma.handle_message(MAG, LMAA, &msg, now);
        let mut hnp = Ipv6Addr::UNSPECIFIED;
        for a in lma.drain_actions() {
            if let Action::Send {
                message: MhRepr::BindingAck(ba),
                ..
            } = a
            {
                for o in ba.options {
                    if let MobilityOption::HomeNetworkPrefix { prefix, .. } = o {
                        hnp = prefix;
                    }
                }
            }
        }
        hnps.push(hnp);
    }
    assert_eq!(lma.len(), BINDINGS);
    (lma, hnps)
}

/// Set the Timestamp at `ts_at` and recompute the checksum.
fn stamp(buf: &mut [u8], ts_at: usize, ts: Timestamp) {
    buf[ts_at..ts_at + 8].copy_from_slice(&ts.0.to_be_bytes());
    buf[CHECKSUM_AT..CHECKSUM_AT + 2].copy_from_slice(&[0, 0]);
    let c = mh_checksum(&MAG, &LMAA, buf);
    buf[CHECKSUM_AT..CHECKSUM_AT + 2].copy_from_slice(&c.to_be_bytes());
}

/// Writes `n` as the 8 digits at `at`.
fn set_digits(buf: &mut [u8], at: usize, n: usize) {
    let mut v = n;
    for d in buf[at..at + 8].iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Decode, process, encode; returns the PBA status.
fn round_trip(lma: &mut Lma, bytes: &[u8], now: Now) -> u8 {
    lma.handle_mh(MAG, LMAA, bytes, now).expect("PBU decodes");
    let mut status = u8::MAX;
    while let Some(a) = lma.poll_action() {
        if let Action::SendBytes { bytes, .. } = a {
            status = MessageKind::status_of_wire(&bytes);
            black_box(bytes);
        }
    }
    status
}

fn bench(c: &mut Criterion) {
    let (mut lma, hnps) = loaded_lma();
    let base = timestamp_from_unix_millis(UNIX0).0;
    let marker = Timestamp(0x0123_4567_89ab_cdef);

    // Refreshes of existing bindings (HI 5, assigned prefix).
    let mut refreshes: Vec<Vec<u8>> = (0..BINDINGS)
        .map(|i| pbu(mn_id("mn", i), hnps[i], 5, marker).to_bytes(&MAG, &LMAA))
        .collect();
    let ts_at = find(&refreshes[0], &marker.0.to_be_bytes());
    let ts_at_refresh = ts_at;
    let mut k: u64 = 0;
    let mut group = c.benchmark_group("lma_1m_bindings");
    group.throughput(Throughput::Elements(1));
    group.bench_function("refresh_pbu_to_pba", |b| {
        b.iter(|| {
            k += 1;
            // The wall clock advances 1/65536 s per message; every PBU is fresh.
            let now = Now {
                mono: Time(2_000),
                wall: Timestamp(base + k),
            };
            let buf = &mut refreshes[(k as usize) % BINDINGS];
            stamp(buf, ts_at, now.wall);
            let status = round_trip(&mut lma, buf, now);
            debug_assert_eq!(status, 0);
            black_box(status)
        })
    });

    // Initial registrations of new MNs on top of the loaded cache.
    let template = pbu(mn_id("nw", 0), Ipv6Addr::UNSPECIFIED, 1, marker).to_bytes(&MAG, &LMAA);
    let id_at = find(&template, b"nw00000000@") + 2;
    let ts_at = find(&template, &marker.0.to_be_bytes());
    let mut buf = template.clone();
    // Their de-registrations (lifetime 0, HI 3: found by MN-ID, §5.4.1.3).
    let mut dereg = pbu(mn_id("nw", 0), Ipv6Addr::UNSPECIFIED, 3, marker);
    if let MhRepr::BindingUpdate(bu) = &mut dereg {
        bu.lifetime = 0;
    }
    let mut dereg = dereg.to_bytes(&MAG, &LMAA);
    assert_eq!(find(&dereg, b"nw00000000@") + 2, id_at);
    let mut n: usize = 0;
    group.bench_function("initial_pbu_to_pba", |b| {
        b.iter_custom(|iters| {
            let first = n + 1;
            let start = Instant::now();
            for _ in 0..iters {
                n += 1;
                k += 1;
                let now = Now {
                    mono: Time(2_000),
                    wall: Timestamp(base + k),
                };
                set_digits(&mut buf, id_at, n);
                stamp(&mut buf, ts_at, now.wall);
                let status = round_trip(&mut lma, &buf, now);
                debug_assert_eq!(status, 0);
                black_box(status);
            }
            let elapsed = start.elapsed();
            for m in first..=n {
                k += 1;
                let now = Now {
                    mono: Time(2_000),
                    wall: Timestamp(base + k),
                };
                set_digits(&mut dereg, id_at, m);
                stamp(&mut dereg, ts_at, now.wall);
                assert_eq!(round_trip(&mut lma, &dereg, now), 0, "de-registration");
            }
            lma.handle_timeout(Now {
                mono: Time(2_000),
                wall: Timestamp(base + k),
            });
            lma.drain_actions().for_each(drop);
            assert_eq!(lma.len(), BINDINGS);
            elapsed
        })
    });
    // For scale: the codec alone (decode a refresh PBU, encode a PBA), no engine.
    let pba = {
        let now = Now::new(3_000, UNIX0 + 5_000);
        let mut b = refreshes[7].clone();
        stamp(&mut b, ts_at_refresh, now.wall);
        let msg = MhRepr::from_bytes(&b, &MAG, &LMAA).expect("decodes");
        lma.handle_message(MAG, LMAA, &msg, now);
        lma.drain_actions()
            .find_map(|a| match a {
                Action::Send { message, .. } => Some(message),
                _ => None,
            })
            .expect("a PBA")
    };
    let one = refreshes[7].clone();
    group.bench_function("codec_only_decode_pbu_encode_pba", |b| {
        b.iter(|| {
            let msg = MhRepr::from_bytes(black_box(&one), &MAG, &LMAA).expect("decodes");
            black_box(&msg);
            black_box(pba.to_bytes(&LMAA, &MAG))
        })
    });
    group.finish();
    assert_eq!(lma.len(), BINDINGS);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
