//! Pipeline throughput with `VecPacket`: 64-byte IPv6/UDP frames in bursts of 32, a replica with
//! 1M random /64 bindings over 64 MAGs.
//!
//! * `downlink_encap`: CN → random bound HNP, IPv6-in-IPv6 encapsulation toward the MAG.
//! * `uplink_decap`: MAG → LMA tunnel packets, decapsulation, RFC 5213 §5.6.2 source check,
//!   routed to the core.
//! * `downlink_encap_1k`, `uplink_decap_1k`: the same with 1024 bindings (the replica fits in
//!   cache), to separate the pipeline's own cost from the replica's memory stalls.
//! * `refill_only`: the per-burst packet refill alone (copying 32 template frames back into
//!   the buffers, what a NIC would do), to subtract from the two above.
//!
//! `cargo bench -p fastpath --bench pipeline -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::net::Ipv6Addr;

use bindings::{FwdAction, Neighbor, PeerId, PeerInfo, Prefix, Replica, TableUpdate, TunnelKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fastpath::counters::Action;
use fastpath::frame::FrameSpec;
use fastpath::packet::{VecPacket, DEFAULT_HEADROOM};
use fastpath::pipeline::{BurstResult, MagConfig, Pipeline, PipelineConfig, PortConfig, Role};
use fastpath::route::{NextHop, Route, RouteTable};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const BINDINGS: usize = 1_000_000;
const MAGS: u32 = 64;
const BURST: usize = 32;
const TEMPLATES: usize = 8192;
/// 14 Ethernet + 40 IPv6 + 8 UDP + 2 payload = 64 octets.
const UDP_PAYLOAD: usize = 2;

fn lmaa() -> Ipv6Addr {
    "2001:db8:100::1".parse().unwrap()
}

fn mag_addr(i: u32) -> Ipv6Addr {
    Ipv6Addr::from((0x2001_0db8_0100_0000u128 << 64) | u128::from(0x1000 + i))
}

fn hnp(p: u32) -> u128 {
    (0x2001_0db8u128 << 96) | (u128::from(p) << 64)
}

/// Replica with `bindings` random /64s; returns it with the prefix ids and their MAGs.
fn setup(bindings: usize) -> (Pipeline<Replica>, Vec<(u32, u32)>) {
    let mut rng = StdRng::seed_from_u64(0x006d_6f62_6777);
    let mut r = Replica::with_capacity(bindings);
    for m in 0..MAGS {
        r.apply(&TableUpdate::SetPeer(PeerInfo {
            id: PeerId(m),
            addr: mag_addr(m).octets(),
        }));
        r.apply(&TableUpdate::SetNeighbor {
            addr: mag_addr(m).octets(),
            neighbor: Neighbor {
                mac: [2, 0, 0, 0, 1, m as u8],
                port: 0,
            },
        });
    }
    r.apply(&TableUpdate::SetNeighbor {
        addr: "2001:db8:200::fe".parse::<Ipv6Addr>().unwrap().octets(),
        neighbor: Neighbor {
            mac: [2, 0, 0, 0, 2, 0xfe],
            port: 1,
        },
    });
    let mut bound = Vec::with_capacity(bindings);
    while bound.len() < bindings {
        let p: u32 = rng.gen();
        let m = rng.gen_range(0..MAGS);
        let prefix = Prefix::new(hnp(p).to_be_bytes(), 64).expect("64 <= 128");
        r.apply(&TableUpdate::SetPrefix {
            prefix,
            action: FwdAction::Encap {
                peer: PeerId(m),
                tunnel: TunnelKind::Ip6Ip6,
            },
        });
        bound.push((p, m));
    }
    // Later duplicates overwrite earlier ones; keep the surviving (prefix, MAG) pairs only.
    let mut last = std::collections::HashMap::with_capacity(bindings);
    for &(p, m) in &bound {
        last.insert(p, m);
    }
    let bound: Vec<(u32, u32)> = last.into_iter().collect();
    let mut routes = RouteTable::new();
    routes.insert(
        Route::new(
            "2001:db8:100::".parse().unwrap(),
            64,
            NextHop { port: 0, via: None },
        )
        .unwrap(),
    );
    routes.insert(
        Route::new(
            Ipv6Addr::UNSPECIFIED,
            0,
            NextHop {
                port: 1,
                via: Some("2001:db8:200::fe".parse().unwrap()),
            },
        )
        .unwrap(),
    );
    let port = PortConfig {
        mac: [2, 0xaa, 0, 0, 0, 0],
        mtu: 1500,
    };
    let cfg = PipelineConfig {
        role: Role::Lma,
        local_addrs: vec![lmaa()],
        tunnel_src: lmaa(),
        tunnel_hop_limit: 64,
        ports: vec![port, port],
        routes,
        mag: MagConfig {
            local_routing: false,
            lma: None,
        },
    };
    (Pipeline::new(cfg, r).expect("valid config"), bound)
}

fn host(rng: &mut StdRng, p: u32) -> Ipv6Addr {
    Ipv6Addr::from(hnp(p) | u128::from(rng.gen::<u64>() | 1))
}

fn templates(bound: &[(u32, u32)]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut rng = StdRng::seed_from_u64(7);
    let cn: Ipv6Addr = "2001:db8:200::50".parse().unwrap();
    let down: Vec<Vec<u8>> = (0..TEMPLATES)
        .map(|_| {
            let (p, _) = bound[rng.gen_range(0..bound.len())];
            FrameSpec::new(cn, host(&mut rng, p)).udp(4000, 5000, &[0; UDP_PAYLOAD])
        })
        .collect();
    let up: Vec<Vec<u8>> = (0..TEMPLATES)
        .map(|_| {
            let (p, m) = bound[rng.gen_range(0..bound.len())];
            let inner = FrameSpec::new(host(&mut rng, p), cn).udp(4000, 5000, &[0; UDP_PAYLOAD]);
            FrameSpec::new(mag_addr(m), lmaa()).tunnel(&inner, None)
        })
        .collect();
    assert_eq!(down[0].len(), 64);
    (down, up)
}

fn refill(pkts: &mut [VecPacket], templates: &[Vec<u8>], next: &mut usize) {
    for p in pkts.iter_mut() {
        p.reset(DEFAULT_HEADROOM, &templates[*next], 0);
        *next = (*next + 1) % TEMPLATES;
    }
}

fn bench_pipeline(c: &mut Criterion) {
    let mut pkts: Vec<VecPacket> = (0..BURST).map(|_| VecPacket::new(&[0; 256])).collect();
    let mut out = BurstResult::with_capacity(BURST);
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(BURST as u64));
    for (n, suffix) in [(BINDINGS, ""), (1024, "_1k")] {
        let (mut pipeline, bound) = setup(n);
        let (down, up) = templates(&bound);
        if n == BINDINGS {
            let mut next = 0;
            group.bench_function("refill_only", |b| {
                b.iter(|| {
                    refill(&mut pkts, &down, &mut next);
                    black_box(&pkts);
                })
            });
        }
        let mut next = 0;
        group.bench_function(format!("downlink_encap{suffix}"), |b| {
            b.iter(|| {
                refill(&mut pkts, &down, &mut next);
                pipeline.process_burst(&mut pkts, &mut out);
                black_box(out.verdicts());
            })
        });
        let mut next = 0;
        group.bench_function(format!("uplink_decap{suffix}"), |b| {
            b.iter(|| {
                refill(&mut pkts, &up, &mut next);
                pipeline.process_burst(&mut pkts, &mut out);
                black_box(out.verdicts());
            })
        });
        let cnt = pipeline.counters();
        // Every packet must have taken the measured path.
        assert_eq!(cnt.packets(Action::Drop) + cnt.packets(Action::Punt), 0);
        eprintln!(
            "{n} bindings: encap {} decap {}",
            cnt.packets(Action::Encap),
            cnt.packets(Action::Decap),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
