//! `mobgw run`: EAL start-up, ports, one pinned worker per RX queue, the
//! stats loop, and a clean stop on SIGINT/SIGTERM.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bindings::{Publisher, WorkerTables};
use fastpath::counters::{Action, DropReason, PuntReason, SharedCounters, WorkerCounters};
use fastpath::dpdk::{
    Eal, LcoreJoinHandle, Mbuf, MbufBurst, Mempool, Port, PortConfig, PortStats, RxQueue, TxQueue,
};
use fastpath::pipeline::Pipeline;
use fastpath::worker::{IdleMode as WorkerIdle, Worker, WorkerConfig};

use slowpath::lma::{Lma, LmaConfig};
use slowpath::mag::{Mag, MagConfig};
use slowpath::policy::{LmaPolicy, TunnelPolicy};

use crate::config::{Config, ForwardMode, IdleMode, Role};
use crate::control::ControlServer;
use crate::dataplane::{self, DpdkIo, SlowpathRings};
use crate::exporter::Exporter;
use crate::signaling::{Engine, MagSide, Shell, ShellPort};
use crate::telemetry::{self, Rates, Sample, Sampler, Snapshot, StaticBinding, Telemetry};

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
    counters: Option<WorkerCounters>,
}

/// A line on stdout, write errors ignored: an operator's pipe that closes
/// (`mobgw run | head`) must never stop the gateway.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

/// Sets the workers' stop flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The running workers and what the main lcore talks to them through.
struct Launched {
    handles: Vec<LcoreJoinHandle<WorkerReport>>,
    rings: Vec<SlowpathRings>,
    counters: Vec<SharedCounters>,
    /// Table publisher and the next free peer id (mobility mode).
    publisher: Option<(Publisher, u32)>,
    /// The static bindings' prefix routes (re-published by the benchmark churn).
    static_prefixes: Vec<bindings::TableUpdate>,
    /// The static bindings as `mobgw show bindings` lists them.
    static_bindings: Vec<StaticBinding>,
    /// The static bindings' peers: signaled bindings to the same address
    /// reuse these ids (one address names one peer in the worker tables).
    static_peers: Vec<(std::net::Ipv6Addr, bindings::PeerId)>,
    macs: Vec<[u8; 6]>,
    routes: Option<fastpath::route::RouteTable>,
}

/// Each worker polls its own RX queue of every port that has one and sends
/// on its own TX queue; a port's traffic leaves by its pair port (0<->1,
/// 2<->3, ...), like `testpmd --forward-mode=io`.
fn launch_io_workers(
    cfg: &Config,
    eal: &Eal,
    ports: &mut [Port],
    stop: &Arc<AtomicBool>,
) -> Result<Launched> {
    let n_ports = ports.len();
    let mut handles = Vec::new();
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
        let plan = WorkerPlan { lcore, rx, tx };
        let ws = Arc::clone(stop);
        let idle = cfg.dpdk.idle;
        let h = eal
            .launch_on_lcore(lcore, move || forward_loop(plan, &ws, idle))
            .with_context(|| format!("launching the worker on lcore {lcore}"))?;
        handles.push(h);
    }
    Ok(Launched {
        handles,
        rings: Vec::new(),
        counters: Vec::new(),
        publisher: None,
        static_prefixes: Vec::new(),
        static_bindings: Vec::new(),
        static_peers: Vec::new(),
        macs: Vec::new(),
        routes: None,
    })
}

/// Update-queue depth per worker; bursts beyond it wait in the publisher.
const UPDATE_QUEUE: usize = 65_536;

/// The mobility pipeline on every worker, with the static bindings (if any)
/// applied to every replica before the first packet.
fn launch_mobility_workers(
    cfg: &Config,
    eal: &Eal,
    ports: &mut [Port],
    stop: &Arc<AtomicBool>,
) -> Result<Launched> {
    let macs: Vec<[u8; 6]> = ports
        .iter()
        .map(|p| p.mac_addr().unwrap_or_default())
        .collect();
    let pcfg =
        dataplane::pipeline_config(cfg, &macs).context("building the pipeline configuration")?;
    let statics = match cfg.lma.as_ref().map(|l| l.static_bindings.as_str()) {
        Some(path) if !path.is_empty() => {
            let sb = dataplane::load_static_bindings(std::path::Path::new(path), cfg)
                .context("loading static bindings")?;
            tracing::info!(
                bindings = sb.bindings,
                peers = sb.peers,
                neighbors = sb.neighbors,
                file = path,
                "static bindings loaded"
            );
            sb
        }
        _ => dataplane::StaticBindings::default(),
    };
    let n_workers = cfg.dpdk.worker_lcores.len();
    let (mut publisher, mut tables) =
        Publisher::with_table_capacity(n_workers, UPDATE_QUEUE, statics.bindings.max(1024));
    for chunk in statics.updates.chunks(UPDATE_QUEUE / 2) {
        for u in chunk {
            publisher
                .publish(*u)
                .map_err(|e| anyhow::anyhow!("installing static bindings: {e:?}"))?;
        }
        for t in tables.iter_mut() {
            t.apply_pending(usize::MAX);
        }
    }
    let n_ports = u16::try_from(ports.len()).context("too many ports")?;
    let idle = match cfg.dpdk.idle {
        IdleMode::Poll => WorkerIdle::Poll,
        IdleMode::Adaptive => WorkerIdle::default(),
    };
    let mut handles = Vec::new();
    let mut rings_all = Vec::new();
    let mut counters = Vec::new();
    for ((w, &lcore), tables) in cfg.dpdk.worker_lcores.iter().enumerate().zip(tables) {
        let q = u16::try_from(w).context("worker index")?;
        let mut rx = Vec::new();
        let mut tx = Vec::new();
        for (p, port) in ports.iter_mut().enumerate() {
            if usize::from(cfg.rx_queues(&cfg.ports[p])) > w {
                rx.push(port.rx_queue(q)?);
            }
            tx.push(port.tx_queue(q)?);
        }
        let rings = SlowpathRings::new(4096);
        let shared = SharedCounters::new();
        let pipeline = Pipeline::new(pcfg.clone(), tables).context("pipeline configuration")?;
        let wcfg = WorkerConfig {
            burst: usize::from(cfg.dpdk.burst),
            ports: n_ports,
            idle,
            ..WorkerConfig::default()
        };
        let mut worker: Worker<WorkerTables, Mbuf> =
            Worker::new(pipeline, wcfg, shared.clone()).with_clock(fastpath::dpdk::rdtsc);
        let mut io = DpdkIo::new(rx, tx, rings.clone());
        let ws = Arc::clone(stop);
        let h = eal
            .launch_on_lcore(lcore, move || {
                worker.run(&mut io, &ws);
                let c = worker.pipeline().counters().clone();
                WorkerReport {
                    lcore,
                    rx: c.rx_packets(),
                    tx: Action::ALL
                        .iter()
                        .filter(|a| !matches!(a, Action::Punt | Action::Drop))
                        .map(|a| c.packets(*a))
                        .sum(),
                    tx_dropped: io.tx_drops(),
                    counters: Some(c),
                }
            })
            .with_context(|| format!("launching the worker on lcore {lcore}"))?;
        handles.push(h);
        rings_all.push(rings);
        counters.push(shared);
    }
    // The publisher lives on with the slowpath; table changes at run time go
    // through it.
    Ok(Launched {
        handles,
        rings: rings_all,
        counters,
        publisher: Some((publisher, statics.peers as u32 + 1)),
        static_prefixes: statics
            .updates
            .iter()
            .filter(|u| matches!(u, bindings::TableUpdate::SetPrefix { .. }))
            .copied()
            .collect(),
        static_bindings: telemetry::static_bindings(&statics.updates),
        static_peers: statics
            .updates
            .iter()
            .filter_map(|u| match u {
                bindings::TableUpdate::SetPeer(p) => Some((p.addr.into(), p.id)),
                _ => None,
            })
            .collect(),
        macs,
        routes: Some(pcfg.routes.clone()),
    })
}

/// The signaling shell for the configured role, over the workers' rings.
fn build_shell(
    cfg: &Config,
    launched: &Launched,
    publisher: Publisher,
    next_peer: u32,
    pool: Mempool,
) -> Result<Shell> {
    let mut ports = Vec::with_capacity(cfg.ports.len());
    for (i, p) in cfg.ports.iter().enumerate() {
        let mac = launched.macs.get(i).copied().unwrap_or_default();
        let mut addrs = vec![dataplane::link_local_from_mac(mac)];
        let mut nets = Vec::new();
        for a in &p.addresses {
            let net: ipnet::Ipv6Net = a.parse()?;
            addrs.push(net.addr());
            if !net.addr().is_unicast_link_local() {
                nets.push(net.trunc());
            }
        }
        ports.push(ShellPort {
            name: p.name.clone(),
            mac,
            addrs,
            nets,
        });
    }
    let engine = if let Some(l) = cfg.lma.as_ref().filter(|_| cfg.has_role(Role::Lma)) {
        let address = l.address.parse()?;
        let pool_net = l.hnp_pool.parse()?;
        let mut policy = LmaPolicy::default();
        if !l.allowed_mags.is_empty() {
            policy.allowed_mags = l
                .allowed_mags
                .iter()
                .map(|m| m.parse())
                .collect::<Result<_, _>>()?;
        }
        policy.tunnel = match l.tunnel {
            crate::config::TunnelKind::Ip6ip6 => TunnelPolicy::Ip6ip6,
            crate::config::TunnelKind::Gre => TunnelPolicy::GreIfRequested,
        };
        Engine::Lma(Box::new(Lma::new(
            LmaConfig::new(address, pool_net),
            policy,
        )))
    } else if let Some(m) = &cfg.mag {
        let access_port = cfg
            .port_index(&m.access_port)
            .context("mag.access_port names no port")?;
        let lma = m.lma.parse()?;
        Engine::Mag(Box::new(MagSide {
            mag: Mag::new(MagConfig::new(m.address.parse()?, lma)),
            access_port: u16::try_from(access_port)?,
            lma,
            by_mac: Default::default(),
            mac_of: Default::default(),
        }))
    } else {
        bail!("no [lma] or [mag] section to run");
    };
    let inject = launched
        .rings
        .first()
        .map(|r| Arc::clone(&r.inject))
        .context("no worker to inject through")?;
    let routes = launched.routes.clone().unwrap_or_default();
    let mut shell = Shell::new(
        engine,
        ports,
        routes,
        publisher,
        next_peer,
        pool,
        inject,
        cfg.gateway.node_id.clone(),
    );
    shell.adopt_static_peers(&launched.static_peers);
    if let Some(m) = &cfg.mag {
        shell.set_mn_reachable_time(match m.mn_reachable_time_s {
            0 => None,
            s => Some(Duration::from_secs(s)),
        });
    }
    Ok(shell)
}

fn join_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
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

    let worker_stop = Arc::new(AtomicBool::new(false));
    // Dropped before the EAL: an early error return or a panic past this
    // point stops the workers, so the EAL's cleanup does not wait forever on
    // lcores that poll.
    let _stop_on_unwind = StopOnDrop(Arc::clone(&worker_stop));
    let launched = match cfg.dpdk.forward {
        ForwardMode::Io => launch_io_workers(&cfg, &eal, &mut ports, &worker_stop)?,
        ForwardMode::Mobility => launch_mobility_workers(&cfg, &eal, &mut ports, &worker_stop)?,
    };
    tracing::info!(
        workers = n_workers,
        ports = n_ports,
        idle = ?cfg.dpdk.idle,
        forward = ?cfg.dpdk.forward,
        "forwarding; SIGINT or SIGTERM stops"
    );

    let mut launched = launched;
    let mut shell = match launched.publisher.take() {
        Some((publisher, next_peer)) => Some(
            build_shell(&cfg, &launched, publisher, next_peer, pool.clone())
                .context("starting the signaling shell")?,
        ),
        None => None,
    };
    if let Some(sh) = shell.as_mut() {
        let min_mtu = cfg
            .ports
            .iter()
            .map(|p| p.mtu.unwrap_or(1500))
            .min()
            .unwrap_or(1500);
        sh.set_tunnel_mtu(min_mtu);
        sh.start();
    }
    let names: Vec<&str> = cfg.ports.iter().map(|p| p.name.as_str()).collect();

    // Telemetry: the main loop refreshes a snapshot; the exporter and the control socket
    // read it from threads pinned off the worker cores.
    let role = if cfg.has_role(Role::Lma) {
        "lma"
    } else {
        "mag"
    };
    let base = Snapshot {
        node_id: cfg.gateway.node_id.clone(),
        roles: cfg.gateway.roles.iter().map(|r| r.to_string()).collect(),
        version: env!("CARGO_PKG_VERSION").into(),
        tsc_hz: eal.tsc_hz(),
        ports: cfg
            .ports
            .iter()
            .map(|p| telemetry::PortSnapshot {
                name: p.name.clone(),
                device: p.device.clone(),
                ..Default::default()
            })
            .collect(),
        ..Snapshot::default()
    };
    let lcores: Vec<u32> = cfg
        .dpdk
        .worker_lcores
        .iter()
        .copied()
        .take(launched.counters.len())
        .collect();
    let (tel, queries) = Telemetry::new(
        base.clone(),
        lcores
            .iter()
            .copied()
            .zip(launched.counters.iter().cloned())
            .collect(),
        shell.as_ref().map(|sh| sh.pbu_processing.clone()),
    );
    let mut sampler = Sampler::new(
        base,
        lcores,
        Sample::take(&ports, &launched.counters, shell.as_ref()),
        std::mem::take(&mut launched.static_bindings),
        role,
    );
    tel.publish(sampler.snapshot(&ports, &launched.counters, shell.as_ref()));
    let core = housekeeping_core(&cfg);
    let exporter = match &cfg.metrics {
        Some(m) => {
            let e = Exporter::start(&m.listen, Arc::clone(&tel), core)
                .with_context(|| format!("starting the Prometheus exporter on {}", m.listen))?;
            tracing::info!(addr = %e.addr, "metrics exporter listening on http://{}/metrics", e.addr);
            Some(e)
        }
        None => None,
    };
    let control = match &cfg.control {
        Some(c) => {
            let srv = ControlServer::start(&c.socket, Arc::clone(&tel), core)
                .with_context(|| format!("starting the control socket {}", c.socket.display()))?;
            tracing::info!(socket = %c.socket.display(), "control socket listening");
            Some(srv)
        }
        None => None,
    };
    let mut refreshed_at = Instant::now();
    let mut block_sample = Sample::take(&ports, &launched.counters, shell.as_ref());

    let period = stats_period.map(Duration::from_secs);
    let mut last_at = Instant::now();
    let mut last: Vec<PortStats> = ports
        .iter()
        .map(|p| p.stats().unwrap_or_default())
        .collect();
    let mut punted = [0u64; PuntReason::COUNT];
    let churn_rate = cfg
        .benchmark
        .as_ref()
        .map(|b| u64::from(b.churn_per_sec))
        .unwrap_or(0);
    let churn_start = Instant::now();
    let (mut churned, mut churn_next, mut churn_refused) = (0u64, 0usize, 0u64);
    while !stop.load(Ordering::Relaxed) {
        let mut busy = match shell.as_mut() {
            Some(sh) => sh.poll(&launched.rings),
            None => false,
        };
        if churn_rate > 0 && !launched.static_prefixes.is_empty() {
            if let Some(sh) = shell.as_mut() {
                let due = churn_start.elapsed().as_micros() as u64 * churn_rate / 1_000_000;
                let n = due.saturating_sub(churned).min(50_000);
                for _ in 0..n {
                    let u = launched.static_prefixes[churn_next];
                    churn_next = (churn_next + 1) % launched.static_prefixes.len();
                    if !sh.publish_external(u) {
                        churn_refused += 1;
                    }
                }
                churned += n;
                busy |= n > 0;
            }
        }
        if !busy {
            std::thread::sleep(Duration::from_millis(1));
        }
        while let Ok(q) = queries.try_recv() {
            let page =
                telemetry::bindings_page(shell.as_ref(), sampler.statics(), role, &q.bindings);
            let _ = q.reply.send(page);
        }
        if refreshed_at.elapsed() >= telemetry::REFRESH {
            tel.publish(sampler.snapshot(&ports, &launched.counters, shell.as_ref()));
            refreshed_at = Instant::now();
        }
        if shell.is_none() {
            for rings in &launched.rings {
                while let Some(p) = rings.punt.pop() {
                    punted[p.reason.index()] += 1;
                }
            }
        }
        if let Some(period) = period {
            if last_at.elapsed() >= period {
                let now: Vec<PortStats> = ports
                    .iter()
                    .map(|p| p.stats().unwrap_or_default())
                    .collect();
                let secs = last_at.elapsed().as_secs_f64();
                print_rates(&names, &last, &now, secs);
                if !launched.counters.is_empty() {
                    let c = SharedCounters::sum(&launched.counters);
                    let acts: Vec<String> = Action::ALL
                        .iter()
                        .map(|a| format!("{a} {}", c.packets(*a)))
                        .collect();
                    out!("workers: rx {} pkts; {}", c.rx_packets(), acts.join(", "));
                }
                let sample = Sample::take(&ports, &launched.counters, shell.as_ref());
                let rates = Rates::between(&block_sample, &sample);
                let snap = sampler.snapshot(&ports, &launched.counters, shell.as_ref());
                for line in telemetry::stats_block(&snap, &rates) {
                    out!("{line}");
                }
                block_sample = sample;
                last = now;
                last_at = Instant::now();
            }
        }
    }

    if let Some(e) = exporter {
        e.stop();
    }
    if let Some(c) = control {
        c.stop();
    }
    drop(queries);
    tracing::info!("stopping the workers");
    worker_stop.store(true, Ordering::Relaxed);
    let mut reports = Vec::with_capacity(launched.handles.len());
    for h in launched.handles {
        let lcore = h.lcore();
        reports.push(
            h.join()
                .with_context(|| format!("joining the worker on lcore {lcore}"))?,
        );
    }
    out!("mobgw: stopped; final counters:");
    for (name, port) in names.iter().zip(&ports) {
        let s = port.stats().unwrap_or_default();
        out!(
            "  port {name}: rx {} pkts, tx {} pkts, missed {}, errors {}, rx_nombuf {}",
            s.ipackets,
            s.opackets,
            s.imissed,
            s.ierrors + s.oerrors,
            s.rx_nombuf
        );
    }
    for r in &reports {
        out!(
            "  worker lcore {}: rx {} pkts, tx {} pkts, tx dropped {}",
            r.lcore,
            r.rx,
            r.tx,
            r.tx_dropped
        );
        if let Some(c) = &r.counters {
            let actions: Vec<String> = Action::ALL
                .iter()
                .filter(|a| c.packets(**a) > 0)
                .map(|a| format!("{a} {}", c.packets(*a)))
                .collect();
            let drops: Vec<String> = DropReason::ALL
                .iter()
                .filter(|d| c.drops(**d) > 0)
                .map(|d| format!("{d} {}", c.drops(*d)))
                .collect();
            let punts: Vec<String> = PuntReason::ALL
                .iter()
                .filter(|p| c.punts(**p) > 0)
                .map(|p| format!("{p} {}", c.punts(*p)))
                .collect();
            out!(
                "    actions: {}; drops: {}; punts: {}; table updates {}",
                join_or_none(&actions),
                join_or_none(&drops),
                join_or_none(&punts),
                c.table_updates_applied()
            );
        }
    }
    if let Some(sh) = &shell {
        out!(
            "  signaling: sessions {}, neighbors {}, {:?}",
            sh.sessions(),
            sh.neighbors(),
            sh.stats
        );
        let counters = match &sh.engine {
            Engine::Lma(l) => l.counters().rows(),
            Engine::Mag(m) => m.mag.counters().rows(),
        };
        for r in counters {
            out!(
                "    {} {:?} status {}: {}",
                r.kind.label(),
                r.direction,
                r.status,
                r.count
            );
        }
    }
    drop(shell);
    if churn_rate > 0 {
        let secs = churn_start.elapsed().as_secs_f64();
        out!(
            "  benchmark churn: {churned} table updates in {secs:.1} s ({:.0}/s), {churn_refused} refused",
            churned as f64 / secs.max(1e-3)
        );
    }
    let punted: Vec<String> = PuntReason::ALL
        .iter()
        .filter(|p| punted[p.index()] > 0)
        .map(|p| format!("{p} {}", punted[p.index()]))
        .collect();
    if !punted.is_empty() {
        out!("  slowpath: punted packets received: {}", punted.join(", "));
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
        out!(
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

/// The core the exporter and control threads run on: the main lcore's, or else the first
/// core no worker is pinned to (lcore ids are CPU ids: EAL's default mapping).
fn housekeeping_core(cfg: &Config) -> Option<core_affinity::CoreId> {
    let workers = &cfg.dpdk.worker_lcores;
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let main = cfg.dpdk.main_lcore as usize;
    cores
        .iter()
        .find(|c| c.id == main && !workers.contains(&(c.id as u32)))
        .or_else(|| cores.iter().find(|c| !workers.contains(&(c.id as u32))))
        .copied()
}

fn fmt_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}
