//! The hot path does not allocate: a counting global allocator around `process_burst` on every
//! path (encap, decap, re-encap, routed, punt, drop) and around the worker's `poll_once`.

use std::alloc::System;
use std::net::Ipv6Addr;

use bindings::{FwdAction, Neighbor, PeerId, PeerInfo, Prefix, Replica, TableUpdate, TunnelKind};
use fastpath::counters::{PuntReason, SharedCounters};
use fastpath::frame::FrameSpec;
use fastpath::packet::{VecPacket, DEFAULT_HEADROOM};
use fastpath::pipeline::{BurstResult, MagConfig, Pipeline, PipelineConfig, PortConfig, Role};
use fastpath::route::{NextHop, Route, RouteTable};
use fastpath::worker::{IdleMode, RxTx, Worker, WorkerConfig};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// The instrumented allocator counts process-wide, so everything is measured in one test.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn pipeline() -> Pipeline<Replica> {
    let mut r = Replica::with_capacity(16);
    for (id, addr) in [(1, "2001:db8:100::2"), (2, "2001:db8:100::3")] {
        r.apply(&TableUpdate::SetPeer(PeerInfo {
            id: PeerId(id),
            addr: a(addr).octets(),
        }));
        r.apply(&TableUpdate::SetNeighbor {
            addr: a(addr).octets(),
            neighbor: Neighbor {
                mac: [2, 0, 0, 0, 0, id as u8],
                port: 0,
            },
        });
    }
    for (p, id, tunnel) in [
        ("2001:db8:1000:1::", 1, TunnelKind::Ip6Ip6),
        ("2001:db8:1000:2::", 2, TunnelKind::Gre { key: Some(5) }),
    ] {
        r.apply(&TableUpdate::SetPrefix {
            prefix: Prefix::new(a(p).octets(), 64).unwrap(),
            action: FwdAction::Encap {
                peer: PeerId(id),
                tunnel,
            },
        });
    }
    r.apply(&TableUpdate::SetNeighbor {
        addr: a("2001:db8:200::fe").octets(),
        neighbor: Neighbor {
            mac: [2, 0, 0, 0, 0, 0xfe],
            port: 1,
        },
    });
    let mut routes = RouteTable::new();
    routes.insert(Route::new(a("2001:db8:100::"), 64, NextHop { port: 0, via: None }).unwrap());
    routes.insert(
        Route::new(
            Ipv6Addr::UNSPECIFIED,
            0,
            NextHop {
                port: 1,
                via: Some(a("2001:db8:200::fe")),
            },
        )
        .unwrap(),
    );
    let port = PortConfig {
        mac: [2, 0xaa, 0, 0, 0, 0],
        mtu: 1500,
    };
    Pipeline::new(
        PipelineConfig {
            role: Role::Lma,
            local_addrs: vec![a("2001:db8:100::1")],
            tunnel_src: a("2001:db8:100::1"),
            tunnel_hop_limit: 64,
            ports: vec![port, port],
            routes,
            mag: MagConfig {
                local_routing: false,
                lma: None,
            },
        },
        r,
    )
    .unwrap()
}

fn frames() -> Vec<Vec<u8>> {
    let cn = a("2001:db8:200::50");
    let lmaa = a("2001:db8:100::1");
    let mn1 = a("2001:db8:1000:1::1");
    let mn2 = a("2001:db8:1000:2::1");
    vec![
        FrameSpec::new(cn, mn1).udp(1, 2, &[0; 2]),
        FrameSpec::new(cn, mn2).udp(1, 2, &[0; 2]),
        FrameSpec::new(a("2001:db8:100::2"), lmaa)
            .tunnel(&FrameSpec::new(mn1, cn).udp(1, 2, &[0; 2]), None),
        FrameSpec::new(a("2001:db8:100::2"), lmaa)
            .tunnel(&FrameSpec::new(mn1, mn2).udp(1, 2, &[0; 2]), None),
        FrameSpec::new(a("2001:db8:100::2"), lmaa)
            .tunnel(&FrameSpec::new(mn2, cn).udp(1, 2, &[0; 2]), None),
        FrameSpec::new(cn, a("2001:db8:300::1")).udp(1, 2, &[0; 2]),
        FrameSpec::new(cn, lmaa).icmpv6(128, 0, &[0; 8]),
        FrameSpec::new(cn, mn1).hop_limit(1).udp(1, 2, &[0; 2]),
        vec![0u8; 20],
    ]
}

fn process_burst_does_not_allocate() {
    let mut p = pipeline();
    let templates = frames();
    let mut pkts: Vec<VecPacket> = (0..64).map(|_| VecPacket::new(&[0; 256])).collect();
    let mut out = BurstResult::with_capacity(64);
    for round in 0..3 {
        for (i, pkt) in pkts.iter_mut().enumerate() {
            pkt.reset(DEFAULT_HEADROOM, &templates[i % templates.len()], 0);
        }
        let region = Region::new(GLOBAL);
        p.process_burst(&mut pkts, &mut out);
        let st = region.change();
        assert_eq!((st.allocations, st.reallocations), (0, 0), "round {round}");
    }
    assert_eq!(out.len(), 64);
}

struct Loop {
    templates: Vec<Vec<u8>>,
    pool: Vec<VecPacket>,
    next: usize,
    sent: u64,
}

impl RxTx for Loop {
    type Pkt = VecPacket;
    fn rx(&mut self, out: &mut Vec<VecPacket>, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            let Some(mut p) = self.pool.pop() else { break };
            p.reset(DEFAULT_HEADROOM, &self.templates[self.next], 0);
            self.next = (self.next + 1) % self.templates.len();
            out.push(p);
            n += 1;
        }
        n
    }
    fn tx(&mut self, _port: u16, pkts: &mut Vec<VecPacket>) -> usize {
        let n = pkts.len();
        self.sent += n as u64;
        self.pool.append(pkts);
        n
    }
    fn punt(&mut self, pkt: VecPacket, _r: PuntReason) -> Result<(), VecPacket> {
        self.pool.push(pkt);
        Ok(())
    }
    fn inject(&mut self, _out: &mut Vec<VecPacket>, _max: usize) -> usize {
        0
    }
}

fn worker_iteration_does_not_allocate() {
    let mut w = Worker::new(
        pipeline(),
        WorkerConfig {
            burst: 32,
            ports: 2,
            updates_per_iteration: 8,
            publish_every: 2,
            idle: IdleMode::Poll,
        },
        SharedCounters::new(),
    );
    let mut io = Loop {
        templates: frames(),
        pool: (0..256).map(|_| VecPacket::new(&[0; 256])).collect(),
        next: 0,
        sent: 0,
    };
    // Dropped packets leave the pool; give it enough for the measured rounds.
    w.poll_once(&mut io);
    let region = Region::new(GLOBAL);
    for _ in 0..4 {
        w.poll_once(&mut io);
    }
    let st = region.change();
    assert_eq!((st.allocations, st.reallocations), (0, 0));
    assert!(io.sent > 0);
}

#[test]
fn hot_path_does_not_allocate() {
    process_burst_does_not_allocate();
    worker_iteration_does_not_allocate();
}
