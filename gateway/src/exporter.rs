//! Prometheus exporter: `GET /metrics` on `[metrics] listen`, in its own thread pinned off
//! the worker cores. A scrape reads the workers' published counter blocks and the main
//! loop's latest snapshot ([`Telemetry`]); it never touches a worker.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Encoder, GaugeVec, IntCounterVec, Opts, Registry, TextEncoder};

use crate::telemetry::{Snapshot, Telemetry};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

struct Spec {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    labels: &'static [&'static str],
}

const fn counter(name: &'static str, labels: &'static [&'static str], help: &'static str) -> Spec {
    Spec {
        name,
        help,
        kind: Kind::Counter,
        labels,
    }
}

const fn gauge(name: &'static str, labels: &'static [&'static str], help: &'static str) -> Spec {
    Spec {
        name,
        help,
        kind: Kind::Gauge,
        labels,
    }
}

/// Every family the collector exports (the PBU histogram is registered beside it).
const SPECS: &[Spec] = &[
    gauge(
        "mobgw_build_info",
        &["version", "node_id", "roles"],
        "Always 1; the labels say what runs.",
    ),
    gauge(
        "mobgw_uptime_seconds",
        &[],
        "Seconds since the telemetry started.",
    ),
    gauge(
        "mobgw_snapshot_age_seconds",
        &[],
        "Age of the main loop's copy of port, table and signaling state at scrape time.",
    ),
    gauge(
        "mobgw_tsc_hz",
        &[],
        "Frequency of the cycle counter the worker cycle metrics count in.",
    ),
    counter(
        "mobgw_port_rx_packets_total",
        &["port"],
        "Packets received by the port (rte_eth_stats ipackets).",
    ),
    counter(
        "mobgw_port_tx_packets_total",
        &["port"],
        "Packets sent by the port (opackets).",
    ),
    counter(
        "mobgw_port_rx_bytes_total",
        &["port"],
        "Octets received (ibytes).",
    ),
    counter(
        "mobgw_port_tx_bytes_total",
        &["port"],
        "Octets sent (obytes).",
    ),
    counter(
        "mobgw_port_rx_missed_total",
        &["port"],
        "Packets dropped because no RX descriptor was free (imissed).",
    ),
    counter(
        "mobgw_port_rx_nombuf_total",
        &["port"],
        "RX mbuf allocation failures (rx_nombuf).",
    ),
    counter(
        "mobgw_port_rx_errors_total",
        &["port"],
        "Erroneous received packets (ierrors).",
    ),
    counter(
        "mobgw_port_tx_errors_total",
        &["port"],
        "Failed transmissions (oerrors).",
    ),
    counter(
        "mobgw_port_xstats_total",
        &["port", "xstat"],
        "The driver's extended statistics, by name.",
    ),
    counter(
        "mobgw_worker_rx_packets_total",
        &["lcore"],
        "Packets the worker received.",
    ),
    counter(
        "mobgw_worker_rx_bytes_total",
        &["lcore"],
        "Octets the worker received.",
    ),
    counter(
        "mobgw_worker_packets_total",
        &["lcore", "action"],
        "Packets by the pipeline's final action.",
    ),
    counter(
        "mobgw_worker_bytes_total",
        &["lcore", "action"],
        "Octets by the pipeline's final action (final length).",
    ),
    counter(
        "mobgw_worker_bursts_total",
        &["lcore"],
        "Non-empty RX bursts processed.",
    ),
    counter("mobgw_worker_idle_polls_total", &["lcore"], "Empty polls."),
    counter(
        "mobgw_worker_cycles_total",
        &["lcore", "state"],
        "Worker loop cycles, busy (iterations that found packets) or idle.",
    ),
    counter(
        "mobgw_worker_table_updates_total",
        &["lcore"],
        "Table updates applied by the worker.",
    ),
    gauge(
        "mobgw_worker_busy_ratio",
        &["lcore"],
        "Busy cycles over all cycles in the last second.",
    ),
    gauge(
        "mobgw_worker_cycles_per_packet",
        &["lcore"],
        "Busy cycles per received packet in the last second (0 without traffic).",
    ),
    gauge(
        "mobgw_table_generation",
        &["lcore"],
        "Forwarding-table generation the worker has applied.",
    ),
    gauge(
        "mobgw_table_published_generation",
        &[],
        "Last forwarding-table generation published by the slowpath.",
    ),
    gauge(
        "mobgw_table_backlog",
        &[],
        "Table updates waiting for room in a worker's queue.",
    ),
    counter(
        "mobgw_table_updates_rejected_total",
        &[],
        "Table updates refused for back-pressure.",
    ),
    counter(
        "mobgw_drops_total",
        &["reason"],
        "Packets dropped by the workers, all workers, by reason.",
    ),
    counter(
        "mobgw_punts_total",
        &["reason"],
        "Packets handed to the slowpath, all workers, by reason.",
    ),
    gauge(
        "mobgw_bindings",
        &["role", "kind"],
        "Installed bindings: static (bindings file) or pmipv6 (signaled).",
    ),
    counter(
        "mobgw_signaling_messages_total",
        &["type", "direction", "status"],
        "Mobility Header messages by type (pbu, pba, bu, ba, other), direction and status.",
    ),
    counter(
        "mobgw_signaling_drops_total",
        &["reason"],
        "Received signaling messages dropped by the engine without an answer.",
    ),
    counter(
        "mobgw_slowpath_events_total",
        &["event"],
        "Slowpath shell counters (punted packets, ND, ICMPv6, MH in/out, ...).",
    ),
    gauge(
        "mobgw_neighbors",
        &[],
        "Entries in the slowpath's neighbor cache.",
    ),
];

enum Family {
    Counter(IntCounterVec),
    Gauge(GaugeVec),
}

/// One scrape's metric vectors, filled and then collected.
struct Families {
    by_name: HashMap<&'static str, Family>,
}

impl Families {
    fn new() -> Families {
        let by_name = SPECS
            .iter()
            .filter_map(|s| {
                let opts = Opts::new(s.name, s.help);
                let f = match s.kind {
                    Kind::Counter => Family::Counter(IntCounterVec::new(opts, s.labels).ok()?),
                    Kind::Gauge => Family::Gauge(GaugeVec::new(opts, s.labels).ok()?),
                };
                Some((s.name, f))
            })
            .collect();
        Families { by_name }
    }

    fn counter(&self, name: &str, labels: &[&str], v: u64) {
        if let Some(Family::Counter(c)) = self.by_name.get(name) {
            if let Ok(m) = c.get_metric_with_label_values(labels) {
                m.inc_by(v);
            }
        }
    }

    fn gauge(&self, name: &str, labels: &[&str], v: f64) {
        if let Some(Family::Gauge(g)) = self.by_name.get(name) {
            if let Ok(m) = g.get_metric_with_label_values(labels) {
                m.set(v);
            }
        }
    }

    fn collect(&self) -> Vec<MetricFamily> {
        SPECS
            .iter()
            .filter_map(|s| self.by_name.get(s.name))
            .flat_map(|f| match f {
                Family::Counter(c) => c.collect(),
                Family::Gauge(g) => g.collect(),
            })
            .filter(|mf| !mf.get_metric().is_empty())
            .collect()
    }

    fn fill(&self, s: &Snapshot) {
        self.gauge(
            "mobgw_build_info",
            &[&s.version, &s.node_id, &s.roles.join(",")],
            1.0,
        );
        self.gauge("mobgw_uptime_seconds", &[], s.uptime_seconds);
        self.gauge("mobgw_snapshot_age_seconds", &[], s.age_seconds);
        self.gauge("mobgw_tsc_hz", &[], s.tsc_hz as f64);
        for p in &s.ports {
            let l = [p.name.as_str()];
            self.counter("mobgw_port_rx_packets_total", &l, p.rx_packets);
            self.counter("mobgw_port_tx_packets_total", &l, p.tx_packets);
            self.counter("mobgw_port_rx_bytes_total", &l, p.rx_bytes);
            self.counter("mobgw_port_tx_bytes_total", &l, p.tx_bytes);
            self.counter("mobgw_port_rx_missed_total", &l, p.rx_missed);
            self.counter("mobgw_port_rx_nombuf_total", &l, p.rx_nombuf);
            self.counter("mobgw_port_rx_errors_total", &l, p.rx_errors);
            self.counter("mobgw_port_tx_errors_total", &l, p.tx_errors);
            for x in &p.xstats {
                self.counter("mobgw_port_xstats_total", &[&p.name, &x.name], x.value);
            }
        }
        let mut drops: HashMap<&str, u64> = HashMap::new();
        let mut punts: HashMap<&str, u64> = HashMap::new();
        for w in &s.workers {
            let lcore = w.lcore.to_string();
            let l = [lcore.as_str()];
            self.counter("mobgw_worker_rx_packets_total", &l, w.rx_packets);
            self.counter("mobgw_worker_rx_bytes_total", &l, w.rx_bytes);
            self.counter("mobgw_worker_bursts_total", &l, w.bursts);
            self.counter("mobgw_worker_idle_polls_total", &l, w.idle_polls);
            self.counter("mobgw_worker_table_updates_total", &l, w.table_updates);
            self.counter(
                "mobgw_worker_cycles_total",
                &[&lcore, "busy"],
                w.busy_cycles,
            );
            self.counter(
                "mobgw_worker_cycles_total",
                &[&lcore, "idle"],
                w.idle_cycles,
            );
            for a in &w.actions {
                self.counter("mobgw_worker_packets_total", &[&lcore, &a.name], a.value);
            }
            for a in &w.action_bytes {
                self.counter("mobgw_worker_bytes_total", &[&lcore, &a.name], a.value);
            }
            for d in &w.drops {
                *drops.entry(&d.name).or_default() += d.value;
            }
            for p in &w.punts {
                *punts.entry(&p.name).or_default() += p.value;
            }
            self.gauge("mobgw_worker_busy_ratio", &l, w.busy_ratio);
            self.gauge("mobgw_worker_cycles_per_packet", &l, w.cycles_per_packet);
            self.gauge("mobgw_table_generation", &l, w.table_generation as f64);
        }
        for (reason, n) in drops {
            self.counter("mobgw_drops_total", &[reason], n);
        }
        for (reason, n) in punts {
            self.counter("mobgw_punts_total", &[reason], n);
        }
        self.gauge(
            "mobgw_table_published_generation",
            &[],
            s.tables.published_generation as f64,
        );
        self.gauge("mobgw_table_backlog", &[], s.tables.backlog as f64);
        self.counter("mobgw_table_updates_rejected_total", &[], s.tables.rejected);
        for b in &s.bindings {
            self.gauge("mobgw_bindings", &[&b.role, &b.kind], b.count as f64);
        }
        if let Some(sig) = &s.signaling {
            // The PBU/PBA rows exist from the start, so dashboards see zeros, not gaps.
            for kind in ["pbu", "pba"] {
                for dir in ["rx", "tx"] {
                    self.counter("mobgw_signaling_messages_total", &[kind, dir, "0"], 0);
                }
            }
            for m in &sig.messages {
                let status = m.status.to_string();
                self.counter(
                    "mobgw_signaling_messages_total",
                    &[&m.kind, &m.direction, &status],
                    m.count,
                );
            }
            for d in &sig.drops {
                self.counter("mobgw_signaling_drops_total", &[&d.name], d.value);
            }
            for (event, n) in &sig.shell {
                self.counter("mobgw_slowpath_events_total", &[event], *n);
            }
            self.gauge("mobgw_neighbors", &[], sig.neighbors as f64);
        }
    }
}

/// Reads [`Telemetry`] at scrape time.
struct GatewayCollector {
    telemetry: Arc<Telemetry>,
    descs: Vec<Desc>,
}

impl GatewayCollector {
    fn new(telemetry: Arc<Telemetry>) -> GatewayCollector {
        let f = Families::new();
        let descs = SPECS
            .iter()
            .filter_map(|s| f.by_name.get(s.name))
            .flat_map(|f| match f {
                Family::Counter(c) => c.desc().into_iter().cloned().collect::<Vec<_>>(),
                Family::Gauge(g) => g.desc().into_iter().cloned().collect(),
            })
            .collect();
        GatewayCollector { telemetry, descs }
    }
}

impl Collector for GatewayCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let f = Families::new();
        f.fill(&self.telemetry.current());
        f.collect()
    }
}

/// The registry a scrape encodes: the gateway collector and the PBU histogram.
pub fn registry(telemetry: &Arc<Telemetry>) -> Result<Registry, prometheus::Error> {
    let r = Registry::new();
    r.register(Box::new(GatewayCollector::new(Arc::clone(telemetry))))?;
    if let Some(h) = &telemetry.pbu_processing {
        r.register(Box::new(h.clone()))?;
    }
    Ok(r)
}

/// The text exposition of one scrape.
pub fn render(registry: &Registry) -> Result<Vec<u8>, prometheus::Error> {
    let mut buf = Vec::with_capacity(16 * 1024);
    TextEncoder::new().encode(&registry.gather(), &mut buf)?;
    Ok(buf)
}

/// Why the exporter did not start.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    #[error("registering the metrics: {0}")]
    Registry(#[from] prometheus::Error),
    #[error("listening on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    #[error("spawning the exporter thread: {0}")]
    Spawn(#[from] std::io::Error),
}

/// The running exporter.
pub struct Exporter {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    /// The bound address (a `:0` port resolved).
    pub addr: SocketAddr,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Exporter {
    /// Bind `listen` and serve from a thread pinned to `core` (tiny_http's own threads are
    /// started from it, so they inherit the pinning).
    pub fn start(
        listen: &str,
        telemetry: Arc<Telemetry>,
        core: Option<core_affinity::CoreId>,
    ) -> Result<Exporter, ExporterError> {
        let registry = registry(&telemetry)?;
        let (tx, rx) = mpsc::channel();
        let listen_s = listen.to_string();
        let thread = std::thread::Builder::new()
            .name("mobgw-exporter".into())
            .spawn(move || {
                if let Some(c) = core {
                    core_affinity::set_for_current(c);
                }
                let server = match tiny_http::Server::http(&listen_s) {
                    Ok(s) => Arc::new(s),
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let addr = server.server_addr().to_ip();
                if tx.send(Ok((Arc::clone(&server), addr))).is_err() {
                    return;
                }
                serve(&server, &registry);
            })?;
        let listen_err = |reason: String| ExporterError::Listen {
            addr: listen.to_string(),
            reason,
        };
        match rx.recv() {
            Ok(Ok((server, Some(addr)))) => Ok(Exporter {
                server,
                thread: Some(thread),
                addr,
            }),
            Ok(Ok((server, None))) => {
                server.unblock();
                let _ = thread.join();
                Err(listen_err("not an IP socket".into()))
            }
            Ok(Err(reason)) => {
                let _ = thread.join();
                Err(listen_err(reason))
            }
            Err(_) => Err(listen_err("the exporter thread ended".into())),
        }
    }

    /// Stop serving and join the thread.
    pub fn stop(mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(server: &tiny_http::Server, registry: &Registry) {
    use tiny_http::{Header, Method, Response};
    let header = |k: &str, v: &str| Header::from_bytes(k.as_bytes(), v.as_bytes()).ok();
    for rq in server.incoming_requests() {
        let path = rq.url().split('?').next().unwrap_or("").to_string();
        let result = match (rq.method(), path.as_str()) {
            (Method::Get, "/metrics") => match render(registry) {
                Ok(body) => {
                    let mut r = Response::from_data(body);
                    if let Some(h) = header("Content-Type", prometheus::TEXT_FORMAT) {
                        r.add_header(h);
                    }
                    rq.respond(r)
                }
                Err(e) => rq.respond(
                    Response::from_string(format!("encoding the metrics: {e}\n"))
                        .with_status_code(500),
                ),
            },
            (Method::Get, "/") => rq.respond(Response::from_string(
                "mobgw exporter: metrics at /metrics\n",
            )),
            (Method::Get, _) => {
                rq.respond(Response::from_string("not found\n").with_status_code(404))
            }
            _ => rq.respond(Response::from_string("method not allowed\n").with_status_code(405)),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "metrics client went away");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::{
        BindingCount, MessageCount, Named, PortSnapshot, SignalingSnapshot, WorkerSnapshot,
    };
    use fastpath::counters::{Action, SharedCounters, WorkerCounters};

    #[test]
    fn every_spec_builds() {
        let f = Families::new();
        assert_eq!(f.by_name.len(), SPECS.len());
        for s in SPECS {
            assert!(s.name.starts_with("mobgw_"), "{}", s.name);
            assert_eq!(
                s.kind == Kind::Counter,
                s.name.ends_with("_total"),
                "counters and only counters end in _total: {}",
                s.name
            );
        }
    }

    #[test]
    fn a_scrape_renders_snapshot_and_worker_counters() {
        let shared = SharedCounters::new();
        let mut c = WorkerCounters::new();
        c.rx(100);
        c.action(Action::Encap, 140);
        c.cycles(true, 1000);
        shared.publish(&c);
        let base = Snapshot {
            node_id: "t".into(),
            roles: vec!["lma".into()],
            version: "0".into(),
            ports: vec![PortSnapshot {
                name: "core".into(),
                rx_packets: 5,
                xstats: vec![Named {
                    name: "rx_good_packets".into(),
                    value: 5,
                }],
                ..PortSnapshot::default()
            }],
            workers: vec![WorkerSnapshot {
                lcore: 3,
                busy_ratio: 0.5,
                ..WorkerSnapshot::default()
            }],
            bindings: vec![BindingCount {
                role: "lma".into(),
                kind: "static".into(),
                count: 2,
            }],
            signaling: Some(SignalingSnapshot {
                messages: vec![MessageCount {
                    kind: "pba".into(),
                    direction: "tx".into(),
                    status: 129,
                    count: 4,
                    per_sec: 0.0,
                }],
                ..SignalingSnapshot::default()
            }),
            ..Snapshot::default()
        };
        let (t, _q) = Telemetry::new(base, vec![(3, shared)], None);
        let text = String::from_utf8(render(&registry(&t).unwrap()).unwrap()).unwrap();
        for want in [
            "mobgw_port_rx_packets_total{port=\"core\"} 5",
            "mobgw_port_xstats_total{port=\"core\",xstat=\"rx_good_packets\"} 5",
            "mobgw_worker_rx_packets_total{lcore=\"3\"} 1",
            "mobgw_worker_packets_total{action=\"encap\",lcore=\"3\"} 1",
            "mobgw_worker_cycles_total{lcore=\"3\",state=\"busy\"} 1000",
            "mobgw_worker_busy_ratio{lcore=\"3\"} 0.5",
            "mobgw_bindings{kind=\"static\",role=\"lma\"} 2",
            "mobgw_signaling_messages_total{direction=\"tx\",status=\"129\",type=\"pba\"} 4",
            "mobgw_signaling_messages_total{direction=\"rx\",status=\"0\",type=\"pbu\"} 0",
            "mobgw_drops_total{reason=\"no_route\"} 0",
        ] {
            assert!(text.contains(want), "missing {want}:\n{text}");
        }
    }
}
