//! The worker loop over in-memory queues: TX grouping per port, punts, full rings, injected
//! packets, table updates applied between bursts, counter publication, the stop flag.

use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bindings::{
    FwdAction, Neighbor, PeerId, PeerInfo, Prefix, Publisher, TableUpdate, TunnelKind, WorkerTables,
};
use fastpath::counters::{Action, DropReason, PuntReason, SharedCounters};
use fastpath::frame::FrameSpec;
use fastpath::packet::{PacketBuf, VecPacket};
use fastpath::pipeline::{MagConfig, Pipeline, PipelineConfig, PortConfig, Role};
use fastpath::route::{NextHop, Route, RouteTable};
use fastpath::worker::{run_worker, IdleMode, RxTx, Worker, WorkerConfig};

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

#[derive(Default)]
struct MemIo {
    rx: VecDeque<VecPacket>,
    sent: Vec<(u16, VecPacket)>,
    punted: Vec<(PuntReason, VecPacket)>,
    inject: VecDeque<VecPacket>,
    tx_room: usize,
    punt_room: usize,
    stop_when_empty: Option<Arc<AtomicBool>>,
}

impl RxTx for MemIo {
    type Pkt = VecPacket;
    fn rx(&mut self, out: &mut Vec<VecPacket>, max: usize) -> usize {
        let n = max.min(self.rx.len());
        out.extend(self.rx.drain(..n));
        if n == 0 {
            if let Some(s) = &self.stop_when_empty {
                s.store(true, Ordering::Relaxed);
            }
        }
        n
    }
    fn tx(&mut self, port: u16, pkts: &mut Vec<VecPacket>) -> usize {
        let take = pkts.len().min(self.tx_room);
        self.tx_room -= take;
        for p in pkts.drain(..).take(take) {
            self.sent.push((port, p));
        }
        take
    }
    fn punt(&mut self, pkt: VecPacket, reason: PuntReason) -> Result<(), VecPacket> {
        if self.punt_room == 0 {
            return Err(pkt);
        }
        self.punt_room -= 1;
        self.punted.push((reason, pkt));
        Ok(())
    }
    fn inject(&mut self, out: &mut Vec<VecPacket>, max: usize) -> usize {
        let n = max.min(self.inject.len());
        out.extend(self.inject.drain(..n));
        n
    }
}

const LMAA: &str = "2001:db8:100::1";
const MAG1: &str = "2001:db8:100::2";
const CN: &str = "2001:db8:200::50";
const MN1: &str = "2001:db8:1000:1::10";

fn setup() -> (Publisher, Worker<WorkerTables, VecPacket>, SharedCounters) {
    let (mut publisher, mut tables) = Publisher::new(1, 256);
    let wt = tables.remove(0);
    for u in [
        TableUpdate::SetPeer(PeerInfo {
            id: PeerId(1),
            addr: a(MAG1).octets(),
        }),
        TableUpdate::SetNeighbor {
            addr: a(MAG1).octets(),
            neighbor: Neighbor {
                mac: [2, 0, 0, 0, 0, 2],
                port: 0,
            },
        },
        TableUpdate::SetNeighbor {
            addr: a("2001:db8:200::fe").octets(),
            neighbor: Neighbor {
                mac: [2, 0, 0, 0, 0, 0xfe],
                port: 1,
            },
        },
    ] {
        publisher.publish(u).unwrap();
    }
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
    let cfg = PipelineConfig {
        role: Role::Lma,
        local_addrs: vec![a(LMAA)],
        tunnel_src: a(LMAA),
        tunnel_hop_limit: 64,
        ports: vec![port, port],
        routes,
        mag: MagConfig {
            local_routing: false,
            lma: None,
        },
    };
    let pipeline = Pipeline::new(cfg, wt).unwrap();
    let shared = SharedCounters::new();
    let worker = Worker::new(
        pipeline,
        WorkerConfig {
            burst: 8,
            ports: 2,
            updates_per_iteration: 64,
            publish_every: 1000,
            idle: IdleMode::Poll,
        },
        shared.clone(),
    );
    (publisher, worker, shared)
}

fn bind_mn1(p: &mut Publisher) {
    p.publish(TableUpdate::SetPrefix {
        prefix: Prefix::new(a(MN1).octets(), 64).unwrap(),
        action: FwdAction::Encap {
            peer: PeerId(1),
            tunnel: TunnelKind::Ip6Ip6,
        },
    })
    .unwrap();
}

fn pkt(frame: &[u8]) -> VecPacket {
    VecPacket::new(frame)
}

#[test]
fn binding_published_between_bursts_takes_effect_on_the_next_burst() {
    let (mut publisher, mut worker, _) = setup();
    let mut io = MemIo {
        tx_room: usize::MAX,
        punt_room: usize::MAX,
        ..MemIo::default()
    };
    let to_mn = FrameSpec::new(a(CN), a(MN1)).udp(1, 2, &[0; 8]);
    io.rx.push_back(pkt(&to_mn));
    worker.poll_once(&mut io);
    // Not bound yet: routed toward the default gateway (port 1).
    assert_eq!(io.sent.len(), 1);
    assert_eq!(io.sent[0].0, 1);

    bind_mn1(&mut publisher);
    io.rx.push_back(pkt(&to_mn));
    worker.poll_once(&mut io);
    assert_eq!(io.sent.len(), 2);
    assert_eq!(io.sent[1].0, 0, "encapsulated toward MAG1 on port 0");
    let c = worker.pipeline().counters();
    assert_eq!(c.packets(Action::Forward), 1);
    assert_eq!(c.packets(Action::Encap), 1);
    assert!(c.table_updates_applied() >= 4);
    assert!(publisher.worker_generation(0).unwrap() >= publisher.last_generation());
}

#[test]
fn full_tx_queue_and_punt_ring_turn_into_counted_drops() {
    let (mut publisher, mut worker, shared) = setup();
    bind_mn1(&mut publisher);
    let mut io = MemIo {
        tx_room: 3,
        punt_room: 1,
        ..MemIo::default()
    };
    let to_mn = FrameSpec::new(a(CN), a(MN1)).udp(1, 2, &[0; 8]);
    let echo = FrameSpec::new(a(CN), a(LMAA)).icmpv6(128, 0, &[0; 8]);
    for _ in 0..5 {
        io.rx.push_back(pkt(&to_mn));
    }
    io.rx.push_back(pkt(&echo));
    io.rx.push_back(pkt(&echo));
    assert_eq!(worker.poll_once(&mut io), 7);
    assert_eq!(io.sent.len(), 3);
    assert_eq!(io.punted.len(), 1);
    assert_eq!(io.punted[0].0, PuntReason::Echo);
    worker.publish();
    let c = shared.snapshot();
    assert_eq!(c.packets(Action::Encap), 3);
    assert_eq!(c.drops(DropReason::TxFull), 2);
    assert_eq!(c.punts(PuntReason::Echo), 1);
    assert_eq!(c.drops(DropReason::PuntFull), 1);
    assert_eq!(c.rx_packets(), 7);
}

#[test]
fn injected_packets_go_out_on_their_port() {
    let (_, mut worker, _) = setup();
    let mut io = MemIo {
        tx_room: usize::MAX,
        punt_room: usize::MAX,
        ..MemIo::default()
    };
    let ra = FrameSpec::new(a("fe80::1"), a("ff02::1")).icmpv6(134, 0, &[0; 12]);
    let mut p = pkt(&ra);
    p.set_port(1);
    io.inject.push_back(p);
    assert_eq!(worker.poll_once(&mut io), 0);
    assert_eq!(io.sent.len(), 1);
    assert_eq!(io.sent[0].0, 1);
    assert_eq!(io.sent[0].1.data(), &ra[..]);
}

#[test]
fn run_worker_stops_on_the_flag_and_publishes() {
    let (mut publisher, mut worker, shared) = setup();
    bind_mn1(&mut publisher);
    let stop = Arc::new(AtomicBool::new(false));
    let mut io = MemIo {
        tx_room: usize::MAX,
        punt_room: usize::MAX,
        stop_when_empty: Some(stop.clone()),
        ..MemIo::default()
    };
    let to_mn = FrameSpec::new(a(CN), a(MN1)).udp(1, 2, &[0; 8]);
    for _ in 0..20 {
        io.rx.push_back(pkt(&to_mn));
    }
    run_worker(&mut io, &mut worker, &stop);
    assert_eq!(io.sent.len(), 20);
    let c = shared.snapshot();
    assert_eq!(c.packets(Action::Encap), 20);
    assert_eq!(c.bursts(), 3, "bursts of 8: 8 + 8 + 4");
    assert!(c.idle_polls() >= 1);
}
