//! `mobgw run`: EAL start-up, ports, one pinned worker per RX queue, the
//! stats loop, and a clean stop on SIGINT/SIGTERM.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fastpath::dpdk::{Eal, MbufBurst, Mempool, Port, PortConfig, PortStats, RxQueue, TxQueue};

use crate::config::{Config, IdleMode};

/// Mbuf data room: 2048 octets of data plus the default 128 of headroom
/// (`RTE_MBUF_DEFAULT_BUF_SIZE`); the headroom takes the tunnel headers.
const MBUF_DATA_ROOM: u16 = 2048 + 128;
const MBUF_CACHE: u32 = 256;

/// What one worker lcore polls and where it sends.
struct WorkerPlan {
    lcore: u32,
    /// RX queue and the index (into `tx`) of the port its packets leave by.
    rx: Vec<(RxQueue, usize)>,
    /// This worker's own TX queue on every port.
    tx: Vec<TxQueue>,
}

/// What a worker reports when it stops.
#[derive(Debug, Default)]
struct WorkerReport {
    lcore: u32,
    rx: u64,
    tx: u64,
    tx_dropped: u64,
}

pub fn run(cfg: Config, stats_period: Option<u64>) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .with_context(|| format!("installing handler for signal {sig}"))?;
    }

    let argv = cfg.eal_argv();
    tracing::info!(args = %argv.join(" "), "starting the EAL");
    let eal = Eal::init(&argv).context("EAL initialisation")?;

    let n_workers = cfg.dpdk.worker_lcores.len();
    let n_ports = cfg.ports.len();
    let mbufs = cfg
        .dpdk
        .mbufs
        .max((n_ports * n_workers * 2048 + 4096) as u32);
    let pool = Mempool::new(
        &eal,
        &format!("mobgw_{}", cfg.gateway.node_id),
        mbufs,
        MBUF_CACHE,
        MBUF_DATA_ROOM,
        fastpath::dpdk::SOCKET_ID_ANY,
    )
    .with_context(|| format!("creating the mbuf pool ({mbufs} mbufs)"))?;

    let tx_queues = u16::try_from(n_workers).context("too many workers")?;
    let mut ports = Vec::with_capacity(n_ports);
    for pc in &cfg.ports {
        let mut port = Port::attach(&eal, &pc.device)
            .with_context(|| format!("port {}: device \"{}\"", pc.name, pc.device))?;
        let conf = PortConfig {
            rx_queues: cfg.rx_queues(pc),
            tx_queues,
            mtu: pc.mtu,
            rss: cfg.rx_queues(pc) > 1,
            ..PortConfig::default()
        };
        port.configure(&conf, &pool)
            .with_context(|| format!("port {}: configuring {conf:?}", pc.name))?;
        port.start()
            .with_context(|| format!("port {}: starting", pc.name))?;
        if let Err(e) = port.promiscuous(true) {
            tracing::debug!(port = %pc.name, error = %e, "promiscuous mode not supported");
        }
        let mac = port.mac_addr().map(fmt_mac).unwrap_or_else(|_| "?".into());
        tracing::info!(port = %pc.name, device = %pc.device, id = port.port_id(), %mac, "port started");
        ports.push(port);
    }

    // Each worker polls its own RX queue of every port that has one and
    // sends on its own TX queue; a port's traffic leaves by its pair port
    // (0<->1, 2<->3, ...), like `testpmd --forward-mode=io`.
    let mut plans = Vec::with_capacity(n_workers);
    for (w, &lcore) in cfg.dpdk.worker_lcores.iter().enumerate() {
        let q = u16::try_from(w).context("worker index")?;
        let mut rx = Vec::new();
        let mut tx = Vec::new();
        for (p, port) in ports.iter_mut().enumerate() {
            if usize::from(cfg.rx_queues(&cfg.ports[p])) > w {
                let dst = if p ^ 1 < n_ports { p ^ 1 } else { p };
                rx.push((port.rx_queue(q)?, dst));
            }
            tx.push(port.tx_queue(q)?);
        }
        plans.push(WorkerPlan { lcore, rx, tx });
    }

    let worker_stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::with_capacity(n_workers);
    for plan in plans {
        let lcore = plan.lcore;
        let ws = Arc::clone(&worker_stop);
        let idle = cfg.dpdk.idle;
        let h = eal
            .launch_on_lcore(lcore, move || forward_loop(plan, &ws, idle))
            .with_context(|| format!("launching the worker on lcore {lcore}"))?;
        handles.push(h);
    }
    tracing::info!(
        workers = n_workers,
        ports = n_ports,
        idle = ?cfg.dpdk.idle,
        "forwarding; SIGINT or SIGTERM stops"
    );

    let names: Vec<&str> = cfg.ports.iter().map(|p| p.name.as_str()).collect();
    let period = stats_period.map(Duration::from_secs);
    let mut last_at = Instant::now();
    let mut last: Vec<PortStats> = ports
        .iter()
        .map(|p| p.stats().unwrap_or_default())
        .collect();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(period) = period {
            if last_at.elapsed() >= period {
                let now: Vec<PortStats> = ports
                    .iter()
                    .map(|p| p.stats().unwrap_or_default())
                    .collect();
                let secs = last_at.elapsed().as_secs_f64();
                print_rates(&names, &last, &now, secs);
                last = now;
                last_at = Instant::now();
            }
        }
    }

    tracing::info!("stopping the workers");
    worker_stop.store(true, Ordering::Relaxed);
    let mut reports = Vec::with_capacity(handles.len());
    for h in handles {
        let lcore = h.lcore();
        reports.push(
            h.join()
                .with_context(|| format!("joining the worker on lcore {lcore}"))?,
        );
    }
    println!("mobgw: stopped; final counters:");
    for (name, port) in names.iter().zip(&ports) {
        let s = port.stats().unwrap_or_default();
        println!(
            "  port {name}: rx {} pkts, tx {} pkts, missed {}, errors {}, rx_nombuf {}",
            s.ipackets,
            s.opackets,
            s.imissed,
            s.ierrors + s.oerrors,
            s.rx_nombuf
        );
    }
    for r in &reports {
        println!(
            "  worker lcore {}: rx {} pkts, tx {} pkts, tx dropped {}",
            r.lcore, r.rx, r.tx, r.tx_dropped
        );
    }
    let mut failed = Vec::new();
    for (name, port) in names.iter().zip(ports) {
        if let Err(e) = port.close() {
            failed.push(format!("port {name}: close: {e}"));
        }
    }
    drop(pool);
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

fn forward_loop(mut plan: WorkerPlan, stop: &AtomicBool, idle: IdleMode) -> WorkerReport {
    let mut burst: MbufBurst = MbufBurst::new();
    let mut report = WorkerReport {
        lcore: plan.lcore,
        ..WorkerReport::default()
    };
    let mut backoff = IdleBackoff::new(idle);
    while !stop.load(Ordering::Relaxed) {
        let mut got = 0;
        for (rxq, dst) in plan.rx.iter_mut() {
            let n = rxq.rx_burst(&mut burst);
            if n > 0 {
                got += n;
                report.tx += plan.tx[*dst].tx_burst(&mut burst) as u64;
            }
        }
        report.rx += got as u64;
        backoff.after_poll(got);
    }
    report.tx_dropped = plan.tx.iter().map(|t| t.tx_drops()).sum();
    report
}

/// `adaptive` idle mode: after a run of empty polls, sleep for growing short
/// intervals (so DPDK processes can share cores in a lab); the first packet
/// returns the worker to full polling.
struct IdleBackoff {
    adaptive: bool,
    empty_polls: u32,
    sleep: Duration,
}

impl IdleBackoff {
    const EMPTY_POLLS_BEFORE_SLEEP: u32 = 256;
    const MIN_SLEEP: Duration = Duration::from_micros(10);
    const MAX_SLEEP: Duration = Duration::from_millis(1);

    fn new(mode: IdleMode) -> Self {
        Self {
            adaptive: mode == IdleMode::Adaptive,
            empty_polls: 0,
            sleep: Self::MIN_SLEEP,
        }
    }

    #[inline]
    fn after_poll(&mut self, packets: usize) {
        if !self.adaptive {
            return;
        }
        if packets > 0 {
            self.empty_polls = 0;
            self.sleep = Self::MIN_SLEEP;
            return;
        }
        self.empty_polls = self.empty_polls.saturating_add(1);
        if self.empty_polls >= Self::EMPTY_POLLS_BEFORE_SLEEP {
            std::thread::sleep(self.sleep);
            self.sleep = (self.sleep * 2).min(Self::MAX_SLEEP);
        }
    }
}

fn print_rates(names: &[&str], before: &[PortStats], now: &[PortStats], secs: f64) {
    let secs = secs.max(1e-3);
    for ((name, a), b) in names.iter().zip(before).zip(now) {
        let rx_pps = (b.ipackets - a.ipackets.min(b.ipackets)) as f64 / secs;
        let tx_pps = (b.opackets - a.opackets.min(b.opackets)) as f64 / secs;
        let rx_bps = (b.ibytes - a.ibytes.min(b.ibytes)) as f64 * 8.0 / secs;
        let tx_bps = (b.obytes - a.obytes.min(b.obytes)) as f64 * 8.0 / secs;
        println!(
            "port {name}: rx {} pkts ({:.3} Mpps, {:.1} Mbps), tx {} pkts ({:.3} Mpps, {:.1} Mbps), missed {}, errors {}",
            b.ipackets,
            rx_pps / 1e6,
            rx_bps / 1e6,
            b.opackets,
            tx_pps / 1e6,
            tx_bps / 1e6,
            b.imissed,
            b.ierrors + b.oerrors
        );
    }
}

fn fmt_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}
