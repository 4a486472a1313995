//! What the exporter, the control socket and the live stats read.
//!
//! Worker counters are the workers' own published blocks ([`SharedCounters`]), read at the
//! moment they are needed. Everything the main lcore owns (ports, the signaling shell and its
//! engines, the table publisher) is not `Sync`: the main loop copies it into a [`Snapshot`]
//! every [`REFRESH`] and the other threads read that copy. Binding listings are too large to
//! copy periodically; they are asked of the main loop on demand ([`BindingQuery`]).

use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bindings::{FwdAction, TableUpdate, TunnelKind as FwdTunnel};
use fastpath::counters::{Action, DropReason, PuntReason, SharedCounters, WorkerCounters};
use fastpath::dpdk::{Port, PortStats};
use ipnet::Ipv6Net;
use serde::{Deserialize, Serialize};
use slowpath::action::TunnelKind;
use slowpath::counters::Direction;

use crate::signaling::{Engine, Shell};

/// How often the main loop refreshes the snapshot.
pub const REFRESH: Duration = Duration::from_millis(250);
/// Window of the rates and ratios in the snapshot.
pub const RATE_WINDOW: Duration = Duration::from_secs(1);
/// Binding rows returned when the request names no limit.
pub const DEFAULT_LIMIT: usize = 100;
/// Binding rows returned at most, whatever the request asks.
pub const MAX_LIMIT: usize = 10_000;

/// A counter with its label value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
    pub value: u64,
}

fn named(name: impl Into<String>, value: u64) -> Named {
    Named {
        name: name.into(),
        value,
    }
}

/// One port: DPDK basic stats, rates over [`RATE_WINDOW`], xstats.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PortSnapshot {
    pub name: String,
    pub device: String,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_missed: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_nombuf: u64,
    pub rx_pps: f64,
    pub tx_pps: f64,
    pub rx_bps: f64,
    pub tx_bps: f64,
    pub xstats: Vec<Named>,
}

/// One worker lcore.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerSnapshot {
    pub lcore: u32,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub bursts: u64,
    pub idle_polls: u64,
    pub busy_cycles: u64,
    pub idle_cycles: u64,
    pub table_updates: u64,
    /// Table generation this worker has applied.
    pub table_generation: u64,
    pub actions: Vec<Named>,
    pub action_bytes: Vec<Named>,
    pub drops: Vec<Named>,
    pub punts: Vec<Named>,
    pub rx_pps: f64,
    /// Busy cycles / all cycles over the rate window.
    pub busy_ratio: f64,
    /// Busy cycles per received packet over the rate window (0 without traffic).
    pub cycles_per_packet: f64,
}

/// The table publisher.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TablesSnapshot {
    pub published_generation: u64,
    pub backlog: u64,
    pub overflowed: u64,
    pub rejected: u64,
}

/// Bindings of one role and kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingCount {
    pub role: String,
    /// `static` (bindings file) or `pmipv6` (signaled).
    pub kind: String,
    pub count: u64,
}

/// One signaling counter row, with its rate over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageCount {
    #[serde(rename = "type")]
    pub kind: String,
    pub direction: String,
    pub status: u8,
    pub count: u64,
    pub per_sec: f64,
}

/// PBU processing time summary (the histogram itself is exported as is).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub sum_seconds: f64,
    /// Upper bounds of the buckets holding the median and the 99th percentile.
    pub p50_le_seconds: Option<f64>,
    pub p99_le_seconds: Option<f64>,
}

/// The signaling shell and its engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignalingSnapshot {
    pub sessions: u64,
    pub neighbors: u64,
    pub messages: Vec<MessageCount>,
    pub drops: Vec<Named>,
    /// `ShellStats`, field by field.
    pub shell: BTreeMap<String, u64>,
    pub pbu_processing: LatencySummary,
}

/// Everything `mobgw show` and the exporter report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub node_id: String,
    pub roles: Vec<String>,
    pub version: String,
    pub uptime_seconds: f64,
    /// Frequency of the worker cycle counters (the TSC).
    pub tsc_hz: u64,
    /// Age of the main loop's copy (ports, tables, signaling) when read.
    pub age_seconds: f64,
    pub ports: Vec<PortSnapshot>,
    pub workers: Vec<WorkerSnapshot>,
    pub tables: TablesSnapshot,
    pub bindings: Vec<BindingCount>,
    pub signaling: Option<SignalingSnapshot>,
}

/// A binding listing request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingQuery {
    /// Only bindings of this MN identifier (as shown: text, or `0x` hex).
    pub mn_id: Option<String>,
    /// Only bindings with a home network prefix inside this prefix (or covering it).
    pub prefix: Option<Ipv6Net>,
    pub limit: usize,
    pub offset: usize,
}

/// One binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingRow {
    pub role: String,
    pub kind: String,
    pub session: Option<u64>,
    pub mn_id: Option<String>,
    pub hnps: Vec<String>,
    /// The tunnel's far end: the MAG's Proxy-CoA on an LMA, the LMA on a MAG.
    pub peer: String,
    pub tunnel: String,
    pub state: String,
    pub lifetime_seconds: Option<u64>,
    pub expires_in_seconds: Option<f64>,
}

/// A page of bindings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BindingPage {
    /// Bindings installed, all kinds.
    pub total: u64,
    /// Bindings matching the filter.
    pub matched: u64,
    pub offset: u64,
    pub rows: Vec<BindingRow>,
}

/// A binding listing request on its way to the main loop.
#[derive(Debug)]
pub struct Query {
    pub bindings: BindingQuery,
    pub reply: mpsc::SyncSender<BindingPage>,
}

/// Shared between the main loop (writer), the exporter and the control socket (readers).
#[derive(Debug)]
pub struct Telemetry {
    started: Instant,
    /// Each worker's lcore and its published counters.
    pub workers: Vec<(u32, SharedCounters)>,
    /// `mobgw_pbu_processing_seconds`, when there is a signaling shell.
    pub pbu_processing: Option<prometheus::Histogram>,
    snapshot: Mutex<(Instant, Arc<Snapshot>)>,
    queries: mpsc::Sender<Query>,
}

impl Telemetry {
    /// A telemetry hub and the receiving end of binding queries (the main loop's).
    pub fn new(
        base: Snapshot,
        workers: Vec<(u32, SharedCounters)>,
        pbu_processing: Option<prometheus::Histogram>,
    ) -> (Arc<Telemetry>, mpsc::Receiver<Query>) {
        let (tx, rx) = mpsc::channel();
        let now = Instant::now();
        let t = Telemetry {
            started: now,
            workers,
            pbu_processing,
            snapshot: Mutex::new((now, Arc::new(base))),
            queries: tx,
        };
        (Arc::new(t), rx)
    }

    /// Replace the main loop's copy.
    pub fn publish(&self, s: Snapshot) {
        let mut g = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
        *g = (Instant::now(), Arc::new(s));
    }

    /// The latest copy, with the workers' counters read now.
    pub fn current(&self) -> Snapshot {
        let (at, snap) = {
            let g = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
            (g.0, Arc::clone(&g.1))
        };
        let mut s = (*snap).clone();
        s.uptime_seconds = self.started.elapsed().as_secs_f64();
        s.age_seconds = at.elapsed().as_secs_f64();
        for w in s.workers.iter_mut() {
            if let Some((_, c)) = self.workers.iter().find(|(l, _)| *l == w.lcore) {
                fill_worker_counters(w, &c.snapshot());
            }
        }
        s
    }

    /// Ask the main loop for a page of bindings.
    pub fn bindings(&self, q: BindingQuery, timeout: Duration) -> Result<BindingPage, QueryError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.queries
            .send(Query {
                bindings: q,
                reply: tx,
            })
            .map_err(|_| QueryError::Stopped)?;
        rx.recv_timeout(timeout).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => QueryError::Timeout(timeout),
            mpsc::RecvTimeoutError::Disconnected => QueryError::Stopped,
        })
    }
}

/// Why a binding query got no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("the gateway is stopping")]
    Stopped,
    #[error("the main loop did not answer within {0:?}")]
    Timeout(Duration),
}

fn fill_worker_counters(w: &mut WorkerSnapshot, c: &WorkerCounters) {
    w.rx_packets = c.rx_packets();
    w.rx_bytes = c.rx_bytes();
    w.bursts = c.bursts();
    w.idle_polls = c.idle_polls();
    w.busy_cycles = c.busy_cycles();
    w.idle_cycles = c.idle_cycles();
    w.table_updates = c.table_updates_applied();
    w.actions = Action::ALL
        .iter()
        .map(|a| named(a.as_str(), c.packets(*a)))
        .collect();
    w.action_bytes = Action::ALL
        .iter()
        .map(|a| named(a.as_str(), c.bytes(*a)))
        .collect();
    w.drops = DropReason::ALL
        .iter()
        .map(|d| named(d.as_str(), c.drops(*d)))
        .collect();
    w.punts = PuntReason::ALL
        .iter()
        .map(|p| named(p.as_str(), c.punts(*p)))
        .collect();
}

/// A binding from the static-bindings file, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticBinding {
    pub prefix: Ipv6Net,
    pub peer: Ipv6Addr,
    pub tunnel: FwdTunnel,
}

/// The static bindings among table updates (peers first, then prefixes).
pub fn static_bindings(updates: &[TableUpdate]) -> Vec<StaticBinding> {
    let mut peers = BTreeMap::new();
    let mut out = Vec::new();
    for u in updates {
        match u {
            TableUpdate::SetPeer(p) => {
                peers.insert(p.id.0, Ipv6Addr::from(p.addr));
            }
            TableUpdate::SetPrefix {
                prefix,
                action: FwdAction::Encap { peer, tunnel },
            } => {
                let Some(addr) = peers.get(&peer.0) else {
                    continue;
                };
                if let Ok(net) = Ipv6Net::new(Ipv6Addr::from(prefix.addr()), prefix.len()) {
                    out.push(StaticBinding {
                        prefix: net,
                        peer: *addr,
                        tunnel: *tunnel,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The counters the rates are computed from, at one instant.
#[derive(Debug, Clone)]
pub struct Sample {
    pub at: Instant,
    pub ports: Vec<PortStats>,
    pub workers: Vec<WorkerCounters>,
    /// Signaling counters by (type, direction, status).
    pub messages: BTreeMap<(&'static str, &'static str, u8), u64>,
}

impl Sample {
    /// Read every counter now.
    pub fn take(ports: &[Port], workers: &[SharedCounters], shell: Option<&Shell>) -> Sample {
        let mut messages = BTreeMap::new();
        if let Some(sh) = shell {
            let rows = match &sh.engine {
                Engine::Lma(l) => l.counters().rows(),
                Engine::Mag(m) => m.mag.counters().rows(),
            };
            for r in rows {
                messages.insert((r.kind.label(), direction(r.direction), r.status), r.count);
            }
        }
        Sample {
            at: Instant::now(),
            ports: ports
                .iter()
                .map(|p| p.stats().unwrap_or_default())
                .collect(),
            workers: workers.iter().map(SharedCounters::snapshot).collect(),
            messages,
        }
    }
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Rx => "rx",
        Direction::Tx => "tx",
    }
}

/// Rates between two samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rates {
    pub secs: f64,
    /// Per port: rx pps, tx pps, rx bps, tx bps.
    pub ports: Vec<[f64; 4]>,
    /// Per worker: rx pps, busy ratio, busy cycles per packet.
    pub workers: Vec<[f64; 3]>,
    pub messages: BTreeMap<(&'static str, &'static str, u8), f64>,
}

impl Rates {
    pub fn between(a: &Sample, b: &Sample) -> Rates {
        let secs = b.at.duration_since(a.at).as_secs_f64().max(1e-3);
        let d = |x: u64, y: u64| y.saturating_sub(x) as f64;
        let ports = a
            .ports
            .iter()
            .zip(&b.ports)
            .map(|(a, b)| {
                [
                    d(a.ipackets, b.ipackets) / secs,
                    d(a.opackets, b.opackets) / secs,
                    d(a.ibytes, b.ibytes) * 8.0 / secs,
                    d(a.obytes, b.obytes) * 8.0 / secs,
                ]
            })
            .collect();
        let workers = a
            .workers
            .iter()
            .zip(&b.workers)
            .map(|(a, b)| {
                let pkts = d(a.rx_packets(), b.rx_packets());
                let busy = d(a.busy_cycles(), b.busy_cycles());
                let all = busy + d(a.idle_cycles(), b.idle_cycles());
                [
                    pkts / secs,
                    if all > 0.0 { busy / all } else { 0.0 },
                    if pkts > 0.0 { busy / pkts } else { 0.0 },
                ]
            })
            .collect();
        let messages = b
            .messages
            .iter()
            .map(|(k, v)| (*k, d(a.messages.get(k).copied().unwrap_or(0), *v) / secs))
            .collect();
        Rates {
            secs,
            ports,
            workers,
            messages,
        }
    }
}

/// What the main loop keeps to build snapshots.
#[derive(Debug)]
pub struct Sampler {
    base: Snapshot,
    lcores: Vec<u32>,
    window_start: Sample,
    rates: Rates,
    xstats: Vec<Vec<Named>>,
    xstats_at: Option<Instant>,
    statics: Vec<StaticBinding>,
    role: &'static str,
}

impl Sampler {
    /// `base` carries the constant fields (node, roles, version, port names and devices).
    pub fn new(
        base: Snapshot,
        lcores: Vec<u32>,
        first: Sample,
        statics: Vec<StaticBinding>,
        role: &'static str,
    ) -> Sampler {
        Sampler {
            base,
            lcores,
            window_start: first,
            rates: Rates::default(),
            xstats: Vec::new(),
            xstats_at: None,
            statics,
            role,
        }
    }

    /// The static bindings (listed by `show bindings`).
    pub fn statics(&self) -> &[StaticBinding] {
        &self.statics
    }

    /// Build a snapshot from what the main loop owns now.
    pub fn snapshot(
        &mut self,
        ports: &[Port],
        workers: &[SharedCounters],
        shell: Option<&Shell>,
    ) -> Snapshot {
        let now = Sample::take(ports, workers, shell);
        if now.at.duration_since(self.window_start.at) >= RATE_WINDOW {
            self.rates = Rates::between(&self.window_start, &now);
            self.window_start = now.clone();
        }
        if self.xstats_at.is_none_or(|t| t.elapsed() >= RATE_WINDOW) {
            self.xstats = ports
                .iter()
                .map(|p| {
                    p.xstats()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(n, v)| named(n, v))
                        .collect()
                })
                .collect();
            self.xstats_at = Some(Instant::now());
        }
        let mut s = self.base.clone();
        for (i, p) in s.ports.iter_mut().enumerate() {
            let st = now.ports.get(i).copied().unwrap_or_default();
            p.rx_packets = st.ipackets;
            p.tx_packets = st.opackets;
            p.rx_bytes = st.ibytes;
            p.tx_bytes = st.obytes;
            p.rx_missed = st.imissed;
            p.rx_errors = st.ierrors;
            p.tx_errors = st.oerrors;
            p.rx_nombuf = st.rx_nombuf;
            let r = self.rates.ports.get(i).copied().unwrap_or_default();
            [p.rx_pps, p.tx_pps, p.rx_bps, p.tx_bps] = r;
            p.xstats = self.xstats.get(i).cloned().unwrap_or_default();
        }
        s.workers = self
            .lcores
            .iter()
            .enumerate()
            .map(|(i, &lcore)| {
                let mut w = WorkerSnapshot {
                    lcore,
                    ..WorkerSnapshot::default()
                };
                if let Some(c) = now.workers.get(i) {
                    fill_worker_counters(&mut w, c);
                }
                let r = self.rates.workers.get(i).copied().unwrap_or_default();
                [w.rx_pps, w.busy_ratio, w.cycles_per_packet] = r;
                if let Some(sh) = shell {
                    w.table_generation = sh.publisher().worker_generation(i).map_or(0, |g| g.0);
                }
                w
            })
            .collect();
        let mut static_count = BindingCount {
            role: self.role.into(),
            kind: "static".into(),
            count: self.statics.len() as u64,
        };
        s.bindings = Vec::new();
        if let Some(sh) = shell {
            let p = sh.publisher();
            let ps = p.stats();
            s.tables = TablesSnapshot {
                published_generation: p.last_generation().0,
                backlog: p.backlog() as u64,
                overflowed: ps.overflowed,
                rejected: ps.rejected,
            };
            let role = match sh.engine {
                Engine::Lma(_) => "lma",
                Engine::Mag(_) => "mag",
            };
            static_count.role = role.into();
            s.bindings.push(BindingCount {
                role: role.into(),
                kind: "pmipv6".into(),
                count: sh.sessions() as u64,
            });
            s.signaling = Some(signaling_snapshot(sh, &now, &self.rates));
        }
        s.bindings.insert(0, static_count);
        s
    }
}

fn signaling_snapshot(sh: &Shell, now: &Sample, rates: &Rates) -> SignalingSnapshot {
    let drops = match &sh.engine {
        Engine::Lma(l) => l.counters().drop_rows(),
        Engine::Mag(m) => m.mag.counters().drop_rows(),
    };
    let shell = match serde_json::to_value(&sh.stats) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_u64()?)))
            .collect(),
        _ => BTreeMap::new(),
    };
    SignalingSnapshot {
        sessions: sh.sessions() as u64,
        neighbors: sh.neighbors() as u64,
        messages: now
            .messages
            .iter()
            .map(|(&(kind, dir, status), &count)| MessageCount {
                kind: kind.into(),
                direction: dir.into(),
                status,
                count,
                per_sec: rates
                    .messages
                    .get(&(kind, dir, status))
                    .copied()
                    .unwrap_or(0.0),
            })
            .collect(),
        drops: drops
            .into_iter()
            .map(|(r, n)| named(r.label(), n))
            .collect(),
        shell,
        pbu_processing: latency_summary(&sh.pbu_processing),
    }
}

/// Count, sum and the buckets holding p50 and p99 of a histogram.
pub fn latency_summary(h: &prometheus::Histogram) -> LatencySummary {
    use prometheus::core::Collector;
    let mut out = LatencySummary::default();
    let fams = h.collect();
    let Some(m) = fams.first().and_then(|f| f.get_metric().first()) else {
        return out;
    };
    let hist = m.get_histogram();
    out.count = hist.get_sample_count();
    out.sum_seconds = hist.get_sample_sum();
    let bucket_for = |q: f64| {
        let want = (out.count as f64 * q).ceil() as u64;
        hist.get_bucket()
            .iter()
            .find(|b| b.cumulative_count() >= want.max(1))
            .map(|b| b.upper_bound())
    };
    if out.count > 0 {
        out.p50_le_seconds = bucket_for(0.5);
        out.p99_le_seconds = bucket_for(0.99);
    }
    out
}

/// Answer a binding query from the engine and the static bindings (main loop).
pub fn bindings_page(
    shell: Option<&Shell>,
    statics: &[StaticBinding],
    role: &str,
    q: &BindingQuery,
) -> BindingPage {
    let limit = match q.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    let mut page = BindingPage {
        offset: q.offset as u64,
        ..BindingPage::default()
    };
    let mut matched = 0u64;
    let mut take = |row: &dyn Fn() -> BindingRow, mn_id: Option<&[u8]>, hnps: &[Ipv6Net]| {
        if let Some(want) = &q.mn_id {
            if mn_id.is_none_or(|id| !mn_id_matches(id, want)) {
                return;
            }
        }
        if let Some(p) = &q.prefix {
            if !hnps.iter().any(|h| p.contains(h) || h.contains(p)) {
                return;
            }
        }
        matched += 1;
        if matched > q.offset as u64 && page.rows.len() < limit {
            page.rows.push(row());
        }
    };
    for s in statics {
        take(
            &|| BindingRow {
                role: role.into(),
                kind: "static".into(),
                session: None,
                mn_id: None,
                hnps: vec![s.prefix.to_string()],
                peer: s.peer.to_string(),
                tunnel: fwd_tunnel_label(s.tunnel),
                state: "static".into(),
                lifetime_seconds: None,
                expires_in_seconds: None,
            },
            None,
            std::slice::from_ref(&s.prefix),
        );
    }
    let mut total = statics.len() as u64;
    if let Some(sh) = shell {
        let now = sh.mono_now();
        let left = |t: slowpath::timers::Time| t.0.saturating_sub(now.0) as f64 / 1e3;
        match &sh.engine {
            Engine::Lma(l) => {
                total += l.len() as u64;
                for e in l.bindings() {
                    take(
                        &|| BindingRow {
                            role: "lma".into(),
                            kind: "pmipv6".into(),
                            session: Some(e.id.0),
                            mn_id: Some(mn_id_text(&e.mn_id)),
                            hnps: e.hnps.iter().map(Ipv6Net::to_string).collect(),
                            peer: e.proxy_coa.to_string(),
                            tunnel: tunnel_label(e.tunnel, true),
                            state: match e.state {
                                slowpath::lma::BindingState::Active => "active".into(),
                                slowpath::lma::BindingState::Deregistered { .. } => {
                                    "deregistered".into()
                                }
                            },
                            lifetime_seconds: Some(e.lifetime.as_secs()),
                            expires_in_seconds: Some(left(e.expires)),
                        },
                        Some(&e.mn_id),
                        &e.hnps,
                    );
                }
            }
            Engine::Mag(m) => {
                total += m.mag.len() as u64;
                for e in m.mag.sessions() {
                    take(
                        &|| BindingRow {
                            role: "mag".into(),
                            kind: "pmipv6".into(),
                            session: Some(e.id.0),
                            mn_id: Some(mn_id_text(&e.attachment.mn_id)),
                            hnps: e.hnps.iter().map(Ipv6Net::to_string).collect(),
                            peer: m.lma.to_string(),
                            tunnel: tunnel_label(e.tunnel, false),
                            state: format!("{:?}", e.state).to_lowercase(),
                            lifetime_seconds: Some(e.lifetime.as_secs()),
                            expires_in_seconds: e.expires.map(left),
                        },
                        Some(&e.attachment.mn_id),
                        &e.hnps,
                    );
                }
            }
        }
    }
    page.total = total;
    page.matched = matched;
    page
}

/// MN identifiers are shown as text when they are printable ASCII, else as `0x` hex.
pub fn mn_id_text(id: &[u8]) -> String {
    if !id.is_empty() && id.iter().all(|b| b.is_ascii_graphic()) {
        String::from_utf8_lossy(id).into_owned()
    } else {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        format!("0x{hex}")
    }
}

fn mn_id_matches(id: &[u8], want: &str) -> bool {
    id == want.as_bytes() || mn_id_text(id).eq_ignore_ascii_case(want)
}

fn fwd_tunnel_label(t: FwdTunnel) -> String {
    match t {
        FwdTunnel::Ip6Ip6 => "ip6ip6".into(),
        FwdTunnel::Gre { key: Some(k) } => format!("gre key {k}"),
        FwdTunnel::Gre { key: None } => "gre".into(),
    }
}

/// The key this end puts on its packets: the downlink key at the LMA, the uplink key at a MAG.
fn tunnel_label(t: TunnelKind, lma: bool) -> String {
    match t {
        TunnelKind::Ip6Ip6 => "ip6ip6".into(),
        TunnelKind::Gre {
            downlink_key,
            uplink_key,
        } => fwd_tunnel_label(FwdTunnel::Gre {
            key: if lma { downlink_key } else { uplink_key },
        }),
    }
}

/// Seconds since the Unix epoch (exported as the start time).
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The testpmd-like block `--stats-period` prints after the per-port lines. No line starts
/// with `port ` nor contains `), tx ` (scripts parse those).
pub fn stats_block(s: &Snapshot, r: &Rates) -> Vec<String> {
    let mut out = Vec::new();
    for (p, rate) in s.ports.iter().zip(&r.ports) {
        out.push(format!(
            "  {}: rx {:.3} Mpps {:.1} Mbps | tx {:.3} Mpps {:.1} Mbps | missed {} nombuf {} rx-errors {} tx-errors {}",
            p.name,
            rate[0] / 1e6,
            rate[2] / 1e6,
            rate[1] / 1e6,
            rate[3] / 1e6,
            p.rx_missed,
            p.rx_nombuf,
            p.rx_errors,
            p.tx_errors
        ));
    }
    for (w, rate) in s.workers.iter().zip(&r.workers) {
        let drops: u64 = w.drops.iter().map(|d| d.value).sum();
        out.push(format!(
            "  lcore {}: busy {:.1}%, {:.0} cycles/pkt, rx {:.3} Mpps, drops {}, table gen {}",
            w.lcore,
            rate[1] * 100.0,
            rate[2],
            rate[0] / 1e6,
            drops,
            w.table_generation
        ));
    }
    let b: Vec<String> = s
        .bindings
        .iter()
        .map(|b| format!("{} {} {}", b.role, b.kind, b.count))
        .collect();
    out.push(format!("  bindings: {}", b.join(", ")));
    if let Some(sig) = &s.signaling {
        let mut by_kind: BTreeMap<(&str, &str), f64> = BTreeMap::new();
        for ((kind, dir, _), v) in &r.messages {
            *by_kind.entry((*kind, *dir)).or_default() += v;
        }
        let rates: Vec<String> = by_kind
            .iter()
            .map(|((k, d), v)| format!("{k} {d} {v:.1}/s"))
            .collect();
        let p = &sig.pbu_processing;
        out.push(format!(
            "  signaling: {}; sessions {}, neighbors {}, pbu processed {} (p50 <= {}, p99 <= {})",
            if rates.is_empty() {
                "idle".to_string()
            } else {
                rates.join(", ")
            },
            sig.sessions,
            sig.neighbors,
            p.count,
            fmt_secs(p.p50_le_seconds),
            fmt_secs(p.p99_le_seconds)
        ));
    }
    out
}

/// `1.2ms`-style bound, `-` when unknown.
pub fn fmt_secs(s: Option<f64>) -> String {
    match s {
        None => "-".into(),
        Some(v) if v < 1e-3 => format!("{:.0}us", v * 1e6),
        Some(v) if v < 1.0 => format!("{:.1}ms", v * 1e3),
        Some(v) => format!("{v:.2}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bindings::{PeerId, PeerInfo, Prefix};

    fn sample(at: Instant, rx: u64, busy: u64, idle: u64) -> Sample {
        let mut w = WorkerCounters::new();
        for _ in 0..rx {
            w.rx(100);
        }
        w.cycles(true, busy);
        w.cycles(false, idle);
        Sample {
            at,
            ports: vec![PortStats {
                ipackets: rx,
                ibytes: rx * 100,
                ..PortStats::default()
            }],
            workers: vec![w],
            messages: BTreeMap::from([(("pbu", "rx", 0), rx)]),
        }
    }

    #[test]
    fn rates_ratios_and_cycles_per_packet() {
        let t = Instant::now();
        let a = sample(t, 0, 0, 0);
        let b = sample(t + Duration::from_secs(2), 1000, 30_000, 10_000);
        let r = Rates::between(&a, &b);
        assert_eq!(r.ports[0][0], 500.0);
        assert_eq!(r.ports[0][2], 500.0 * 800.0);
        assert_eq!(r.workers[0], [500.0, 0.75, 30.0]);
        assert_eq!(r.messages[&("pbu", "rx", 0)], 500.0);
        // No traffic: no cycles per packet, not a division by zero.
        let c = Rates::between(
            &b,
            &sample(t + Duration::from_secs(3), 1000, 30_000, 20_000),
        );
        assert_eq!(c.workers[0], [0.0, 0.0, 0.0]);
    }

    #[test]
    fn static_bindings_are_listed_with_their_peer_and_tunnel() {
        let net: Ipv6Net = "2001:db8:1000:1::/64".parse().unwrap();
        let ups = [
            TableUpdate::SetPeer(PeerInfo {
                id: PeerId(1),
                addr: "2001:db8:100::2".parse::<Ipv6Addr>().unwrap().octets(),
            }),
            TableUpdate::SetPrefix {
                prefix: Prefix::new(net.addr().octets(), 64).unwrap(),
                action: FwdAction::Encap {
                    peer: PeerId(1),
                    tunnel: FwdTunnel::Gre { key: Some(7) },
                },
            },
        ];
        let s = static_bindings(&ups);
        assert_eq!(s.len(), 1);
        let all = bindings_page(None, &s, "lma", &BindingQuery::default());
        assert_eq!((all.total, all.matched), (1, 1));
        assert_eq!(all.rows[0].hnps, vec!["2001:db8:1000:1::/64"]);
        assert_eq!(all.rows[0].peer, "2001:db8:100::2");
        assert_eq!(all.rows[0].tunnel, "gre key 7");
        let q = BindingQuery {
            prefix: Some("2001:db8:1000::/48".parse().unwrap()),
            ..BindingQuery::default()
        };
        assert_eq!(bindings_page(None, &s, "lma", &q).matched, 1);
        let q = BindingQuery {
            prefix: Some("2001:db8:2000::/48".parse().unwrap()),
            ..BindingQuery::default()
        };
        assert_eq!(bindings_page(None, &s, "lma", &q).matched, 0);
        let q = BindingQuery {
            mn_id: Some("mn1".into()),
            ..BindingQuery::default()
        };
        assert_eq!(
            bindings_page(None, &s, "lma", &q).matched,
            0,
            "statics have no MN-ID"
        );
    }

    #[test]
    fn paging_counts_all_matches_but_returns_a_page() {
        let statics: Vec<StaticBinding> = (0..250u16)
            .map(|i| StaticBinding {
                prefix: Ipv6Net::new(Ipv6Addr::new(0x2001, 0xdb8, 0x1000, i, 0, 0, 0, 0), 64)
                    .unwrap(),
                peer: "2001:db8:100::2".parse().unwrap(),
                tunnel: FwdTunnel::Ip6Ip6,
            })
            .collect();
        let p = bindings_page(None, &statics, "lma", &BindingQuery::default());
        assert_eq!(
            (p.total, p.matched, p.rows.len()),
            (250, 250, DEFAULT_LIMIT)
        );
        let q = BindingQuery {
            limit: 100,
            offset: 200,
            ..BindingQuery::default()
        };
        let p = bindings_page(None, &statics, "lma", &q);
        assert_eq!(p.rows.len(), 50);
        assert_eq!(p.rows[0].hnps[0], "2001:db8:1000:c8::/64");
    }

    #[test]
    fn mn_ids_print_as_text_or_hex() {
        assert_eq!(
            mn_id_text(b"02:00:00:00:0a:01@mobgw"),
            "02:00:00:00:0a:01@mobgw"
        );
        assert_eq!(mn_id_text(&[0, 1, 0xff]), "0x0001ff");
        assert!(mn_id_matches(&[0, 1, 0xff], "0x0001FF"));
        assert!(mn_id_matches(b"mn1", "mn1"));
    }

    #[test]
    fn latency_summary_finds_bucket_bounds() {
        let h = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new("t_seconds", "t").buckets(vec![0.001, 0.01, 0.1]),
        )
        .unwrap();
        for _ in 0..98 {
            h.observe(0.0005);
        }
        h.observe(0.05);
        h.observe(0.05);
        let s = latency_summary(&h);
        assert_eq!(s.count, 100);
        assert_eq!(s.p50_le_seconds, Some(0.001));
        assert_eq!(s.p99_le_seconds, Some(0.1));
    }
}
