//! The worker loop's busy/idle cycle accounting (`mobgw_worker_busy_ratio`, cycles per
//! packet): one clock read per iteration; an iteration that found packets counts as busy,
//! an empty poll (and the back-off after it) as idle. A fake clock makes it exact.

use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bindings::{Neighbor, Publisher, TableUpdate};
use fastpath::counters::{PuntReason, SharedCounters};
use fastpath::frame::FrameSpec;
use fastpath::packet::VecPacket;
use fastpath::pipeline::{MagConfig, Pipeline, PipelineConfig, PortConfig, Role};
use fastpath::route::{NextHop, Route, RouteTable};
use fastpath::worker::{IdleMode, RxTx, Worker, WorkerConfig};

/// Advances by 100 per read.
static CLOCK: AtomicU64 = AtomicU64::new(0);

fn fake_clock() -> u64 {
    CLOCK.fetch_add(100, Ordering::Relaxed)
}

/// Hands out its packets a burst at a time, then stops the worker at the first empty poll.
struct Bursts {
    rx: VecDeque<VecPacket>,
    stop: Arc<AtomicBool>,
    sent: usize,
}

impl RxTx for Bursts {
    type Pkt = VecPacket;
    fn rx(&mut self, out: &mut Vec<VecPacket>, max: usize) -> usize {
        let n = max.min(self.rx.len());
        out.extend(self.rx.drain(..n));
        if n == 0 {
            self.stop.store(true, Ordering::Relaxed);
        }
        n
    }
    fn tx(&mut self, _port: u16, pkts: &mut Vec<VecPacket>) -> usize {
        let n = pkts.len();
        self.sent += n;
        pkts.clear();
        n
    }
    fn punt(&mut self, pkt: VecPacket, _reason: PuntReason) -> Result<(), VecPacket> {
        Err(pkt)
    }
    fn inject(&mut self, _out: &mut Vec<VecPacket>, _max: usize) -> usize {
        0
    }
}

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

#[test]
fn busy_and_idle_cycles_follow_the_iterations() {
    let (mut publisher, mut tables) = Publisher::new(1, 16);
    publisher
        .publish(TableUpdate::SetNeighbor {
            addr: a("2001:db8:200::fe").octets(),
            neighbor: Neighbor {
                mac: [2, 0, 0, 0, 0, 0xfe],
                port: 1,
            },
        })
        .unwrap();
    let mut routes = RouteTable::new();
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
        local_addrs: vec![a("2001:db8:100::1")],
        tunnel_src: a("2001:db8:100::1"),
        tunnel_hop_limit: 64,
        ports: vec![port, port],
        routes,
        mag: MagConfig {
            local_routing: false,
            lma: None,
        },
    };
    let shared = SharedCounters::new();
    let mut worker = Worker::new(
        Pipeline::new(cfg, tables.remove(0)).unwrap(),
        WorkerConfig {
            burst: 8,
            ports: 2,
            idle: IdleMode::Poll,
            ..WorkerConfig::default()
        },
        shared.clone(),
    )
    .with_clock(fake_clock);
    let stop = Arc::new(AtomicBool::new(false));
    let mut f = FrameSpec::new(a("2001:db8:1000:1::10"), a("2001:db8:300::1"));
    f.dst_mac = port.mac;
    let frame = f.udp(1000, 2000, b"payload");
    let mut io = Bursts {
        rx: (0..24).map(|_| VecPacket::new(&frame)).collect(),
        stop: Arc::clone(&stop),
        sent: 0,
    };
    worker.run(&mut io, &stop);
    assert_eq!(io.sent, 24, "three bursts of 8 forwarded");
    let c = shared.snapshot();
    // Three busy iterations (8 packets each), then the empty poll that stopped it.
    assert_eq!((c.busy_cycles(), c.idle_cycles()), (300, 100));
    assert_eq!(c.busy_cycles() / c.rx_packets(), 12, "cycles per packet");
}
