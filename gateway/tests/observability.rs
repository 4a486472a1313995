//! Observability, black-box: an LMA `mobgw` on `net_pcap` vdevs forwards an endless downlink
//! (static bindings) and registers one MAG's PBU. Its `/metrics` is scraped over real HTTP and
//! parsed by an independent parser (python `prometheus_client`); the minimum metric set is
//! there and the counters grow; every PromQL expression of the Grafana dashboard names only
//! metrics of that scrape; `mobgw show ...` over the control socket lists the bindings and
//! counters, and says clearly when the gateway is gone.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::net::Ipv6Addr;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;

use common::{a, line_channel, mobgw, spawn_run, write_pcap};
use fastpath::frame::FrameSpec;
use serde_json::Value;
use slowpath::action::Action;
use slowpath::mag::{Attachment, Mag, MagConfig};
use slowpath::timers::Now;
use slowpath::wire::{AccessTechnologyType, HandoffIndicator};

const LMA_ACCESS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x01];
const MAG3_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0a, 0x04];
const CN_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0c, 0xfe];
const MN_ID: &str = "mn-obs@test";

/// The minimum set (DESIGN.md "Metrics" and the issue), as sample names.
const MINIMUM_SET: &[&str] = &[
    "mobgw_port_rx_packets_total",
    "mobgw_port_tx_packets_total",
    "mobgw_port_rx_missed_total",
    "mobgw_port_rx_nombuf_total",
    "mobgw_port_rx_errors_total",
    "mobgw_port_tx_errors_total",
    "mobgw_port_xstats_total",
    "mobgw_worker_packets_total",
    "mobgw_drops_total",
    "mobgw_worker_busy_ratio",
    "mobgw_worker_cycles_per_packet",
    "mobgw_bindings",
    "mobgw_signaling_messages_total",
    "mobgw_pbu_processing_seconds_bucket",
    "mobgw_pbu_processing_seconds_sum",
    "mobgw_pbu_processing_seconds_count",
    "mobgw_table_generation",
];

/// Scrapes `url` twice, `gap` seconds apart, and prints each scrape as JSON:
/// `{family: {"type": T, "samples": [[name, labels, value], ...]}}`.
const SCRAPER: &str = r#"
import json, sys, time, urllib.request
from prometheus_client.parser import text_string_to_metric_families
url, gap = sys.argv[1], float(sys.argv[2])
out = []
for i in range(2):
    if i:
        time.sleep(gap)
    with urllib.request.urlopen(url, timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        body = r.read().decode()
    fams = {}
    for f in text_string_to_metric_families(body):
        fams[f.name] = {"type": f.type,
                        "samples": [[s.name, s.labels, s.value] for s in f.samples]}
    out.append({"content_type": ctype, "families": fams})
print(json.dumps(out))
"#;

/// A Proxy Binding Update from a third MAG for a new MN, built by the MAG engine itself
/// (sequence-number based, so it is still valid when `mobgw` reads it).
fn pbu_frame(mag: Ipv6Addr, lma: Ipv6Addr) -> Vec<u8> {
    let mut cfg = MagConfig::new(mag, lma);
    cfg.timestamp_based = false;
    let mut m = Mag::new(cfg);
    let unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    m.attach(
        Attachment {
            mn_id: MN_ID.as_bytes().to_vec(),
            link_layer_id: Some(vec![0x02, 0, 0, 0, 0x0b, 0x01]),
            access_technology: AccessTechnologyType(3),
            handoff: HandoffIndicator(1),
            requested_hnps: Vec::new(),
        },
        Now::new(0, unix_ms),
    );
    while let Some(act) = m.poll_action() {
        if let Action::Send { dst, src, message } = act {
            let body = message.to_bytes(&src, &dst);
            let mut f = FrameSpec::new(src, dst);
            f.src_mac = MAG3_MAC;
            f.dst_mac = LMA_ACCESS_MAC;
            return f.raw(135, &body);
        }
    }
    panic!("the MAG engine sent no PBU");
}

fn spawn_lines(child: &mut Child) -> (mpsc::Receiver<String>, mpsc::Receiver<String>) {
    (
        line_channel(child.stdout.take().expect("stdout")),
        line_channel(child.stderr.take().expect("stderr")),
    )
}

fn show(socket: &Path, args: &[&str]) -> Output {
    mobgw()
        .arg("show")
        .args(args)
        .arg("--socket")
        .arg(socket)
        .output()
        .expect("run mobgw show")
}

fn show_ok(socket: &Path, args: &[&str]) -> String {
    let out = show(socket, args);
    assert!(
        out.status.success(),
        "mobgw show {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn show_json(socket: &Path, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&show_ok(socket, &a)).expect("show --json prints JSON")
}

/// The metric names a PromQL expression refers to (identifiers starting `mobgw_`, outside
/// string literals).
fn promql_metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in expr.chars().chain(std::iter::once(' ')) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            quote = Some(c);
            cur.clear();
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            cur.push(c);
        } else {
            if cur.starts_with("mobgw_") {
                names.push(cur.clone());
            }
            cur.clear();
        }
    }
    names
}

/// Every `expr` in the dashboard (panels, nested row panels, templating queries).
fn dashboard_exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("expr" | "definition", Value::String(s)) => out.push(s.clone()),
                    ("query", Value::String(s)) if s.contains('(') => out.push(s.clone()),
                    _ => dashboard_exprs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| dashboard_exprs(x, out)),
        _ => {}
    }
}

fn check_dashboard(path: &Path, scraped: &BTreeSet<String>) {
    let d: Value =
        serde_json::from_reader(File::open(path).expect("dashboard")).expect("dashboard is JSON");
    for field in ["title", "uid"] {
        assert!(d[field].as_str().is_some_and(|s| !s.is_empty()), "{field}");
    }
    assert!(d["schemaVersion"].as_u64().is_some_and(|v| v >= 30));
    assert!(d["time"]["from"].is_string() && d["time"]["to"].is_string());
    assert!(d["templating"]["list"].is_array());
    let panels = d["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    let mut graphs = 0;
    for p in panels {
        let id = p["id"].as_u64().expect("panel id");
        assert!(ids.insert(id), "panel id {id} is not unique");
        assert!(p["type"].is_string() && p["title"].is_string(), "{p}");
        for k in ["h", "w", "x", "y"] {
            assert!(p["gridPos"][k].is_u64(), "gridPos.{k} of panel {id}");
        }
        let w = p["gridPos"]["w"].as_u64().unwrap_or(0);
        let x = p["gridPos"]["x"].as_u64().unwrap_or(0);
        assert!(x + w <= 24, "panel {id} fits the 24-column grid");
        if p["type"] != "row" {
            graphs += 1;
            let targets = p["targets"].as_array().expect("targets");
            assert!(!targets.is_empty(), "panel {id} queries something");
            for t in targets {
                assert!(t["refId"].is_string() && t["expr"].is_string(), "{t}");
            }
        }
    }
    assert!(graphs >= 10, "a dashboard, not a stub: {graphs} panels");
    let titles: String = panels
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect::<Vec<_>>()
        .join("|")
        .to_lowercase();
    for want in [
        "port",
        "worker",
        "busy",
        "drops",
        "bindings",
        "signaling",
        "pbu",
    ] {
        assert!(titles.contains(want), "a panel about {want}: {titles}");
    }
    let mut exprs = Vec::new();
    dashboard_exprs(&d, &mut exprs);
    assert!(exprs.len() >= 10);
    let mut used = BTreeSet::new();
    for e in &exprs {
        for name in promql_metric_names(e) {
            assert!(
                scraped.contains(&name),
                "dashboard expression names {name}, absent from the scrape: {e}"
            );
            used.insert(name);
        }
    }
    for m in [
        "mobgw_worker_busy_ratio",
        "mobgw_drops_total",
        "mobgw_bindings",
        "mobgw_signaling_messages_total",
        "mobgw_pbu_processing_seconds_bucket",
    ] {
        assert!(used.contains(m), "the dashboard plots {m}");
    }
}

/// Sample values keyed by `name{sorted labels}`.
fn samples(scrape: &Value) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for fam in scrape["families"].as_object().expect("families").values() {
        for s in fam["samples"].as_array().expect("samples") {
            let labels: std::collections::BTreeMap<String, String> =
                serde_json::from_value(s[1].clone()).expect("labels");
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.insert(
                format!("{}{{{}}}", s[0].as_str().unwrap_or(""), l.join(",")),
                s[2].as_f64().unwrap_or(f64::NAN),
            );
        }
    }
    out
}

#[test]
fn metrics_dashboard_and_show_on_a_running_lma() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cn = a("2001:db8:200::fe");
    let lma = a("2001:db8:100::1");
    // Also the peer of a static binding: the signaled binding must share its peer id, or it
    // would take the address over and orphan the static prefix (checked: no unknown_peer).
    let mag3 = a("2001:db8:100::3");
    std::fs::write(
        d.join("bindings.txt"),
        "binding 2001:db8:1000:1::/64 2001:db8:100::2 ip6ip6\n\
         binding 2001:db8:1000:2::/64 2001:db8:100::3 gre 4242\n\
         neighbor 2001:db8:100::2 02:00:00:00:0a:02 access\n\
         neighbor 2001:db8:100::3 02:00:00:00:0a:03 access\n\
         neighbor 2001:db8:200::fe 02:00:00:00:0c:fe core\n",
    )
    .expect("bindings");
    // Endless downlink toward both static bindings (net_pcap infinite_rx).
    let mut down = Vec::new();
    for i in 0..16u16 {
        let mut f = FrameSpec::new(cn, a(&format!("2001:db8:1000:{}::10", 1 + i % 2)));
        f.src_mac = CN_MAC;
        down.push(f.udp(4000 + i, 5001, b"downlink payload"));
    }
    write_pcap(&d.join("down.pcap"), &down);
    write_pcap(&d.join("pbu.pcap"), &[pbu_frame(mag3, lma)]);
    let socket = d.join("run/ctl.sock");
    let cfg = format!(
        r#"[gateway]
node_id = "obslma"
roles = ["lma"]
[dpdk]
eal_args = ["--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--no-telemetry", "--file-prefix", "obslma-{pid}"]
worker_lcores = [1]
idle = "adaptive"
[[port]]
name = "access"
device = "net_pcap0,rx_pcap={d}/pbu.pcap,tx_pcap=/dev/null"
addresses = ["2001:db8:100::1/64"]
[[port]]
name = "core"
device = "net_pcap1,rx_pcap={d}/down.pcap,infinite_rx=1"
addresses = ["2001:db8:200::1/64"]
[[route]]
prefix = "::/0"
via = "2001:db8:200::fe"
[lma]
address = "2001:db8:100::1"
hnp_pool = "2001:db8:2000::/48"
allowed_mags = ["2001:db8:100::/64"]
static_bindings = "{d}/bindings.txt"
[metrics]
listen = "127.0.0.1:0"
[control]
socket = "{sock}"
"#,
        pid = std::process::id(),
        d = d.display(),
        sock = socket.display()
    );
    let cfg_path = d.join("lma.toml");
    std::fs::write(&cfg_path, cfg).expect("config");

    let mut child = spawn_run(&cfg_path);
    let (out_rx, err_rx) = spawn_lines(&mut child);
    let mut log = Vec::new();
    let start = Instant::now();
    let mut url = None;
    while url.is_none() && start.elapsed() < Duration::from_secs(60) {
        if let Ok(l) = err_rx.recv_timeout(Duration::from_millis(200)) {
            if let Some(i) = l.find("http://") {
                url = l[i..].split_whitespace().next().map(str::to_string);
            }
            log.push(l);
        }
        if let Some(st) = child.try_wait().expect("try_wait") {
            panic!("mobgw exited early: {st}\n{}", log.join("\n"));
        }
    }
    let url = url.unwrap_or_else(|| panic!("no exporter address logged:\n{}", log.join("\n")));
    assert!(url.ends_with("/metrics"), "{url}");

    // The PBU is registered: the signaled binding shows up next to the static ones.
    let mut page = Value::Null;
    while start.elapsed() < Duration::from_secs(60) {
        page = show_json(&socket, &["bindings"]);
        if page["total"] == 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(page["total"], 3, "2 static + 1 signaled: {page}");
    let rows = page["rows"].as_array().expect("rows");
    let signaled: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "pmipv6").collect();
    assert_eq!(signaled.len(), 1, "{page}");
    assert_eq!(signaled[0]["mn_id"], MN_ID);
    assert_eq!(signaled[0]["peer"], mag3.to_string());
    assert_eq!(signaled[0]["state"], "active");
    assert!(
        signaled[0]["hnps"][0]
            .as_str()
            .is_some_and(|h| h.starts_with("2001:db8:2000:")),
        "HNP from the pool: {page}"
    );

    // Scrape twice over HTTP, parsed by prometheus_client.
    let py = Command::new("python3")
        .args(["-c", SCRAPER, &url, "1.5"])
        .output()
        .expect("python3 (deploy/install-deps.sh installs it and prometheus_client)");
    assert!(
        py.status.success(),
        "scrape/parse failed: {}",
        String::from_utf8_lossy(&py.stderr)
    );
    let scrapes: Value = serde_json::from_slice(&py.stdout).expect("scraper JSON");
    assert!(scrapes[0]["content_type"]
        .as_str()
        .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let (s1, s2) = (samples(&scrapes[0]), samples(&scrapes[1]));
    let names: BTreeSet<String> = s2
        .keys()
        .map(|k| k.split('{').next().unwrap_or("").to_string())
        .collect();
    for m in MINIMUM_SET {
        assert!(names.contains(*m), "{m} missing from the scrape: {names:?}");
    }
    assert_eq!(
        scrapes[1]["families"]["mobgw_pbu_processing_seconds"]["type"],
        "histogram"
    );
    let grew = |key: &str| {
        let (a, b) = (s1.get(key).copied(), s2.get(key).copied());
        assert!(
            matches!((a, b), (Some(a), Some(b)) if b > a),
            "{key} grows with the traffic: {a:?} -> {b:?}"
        );
    };
    grew("mobgw_port_rx_packets_total{port=core}");
    grew("mobgw_port_tx_packets_total{port=access}");
    grew("mobgw_worker_rx_packets_total{lcore=1}");
    grew("mobgw_worker_packets_total{action=encap,lcore=1}");
    grew("mobgw_worker_cycles_total{lcore=1,state=busy}");
    let v = |k: &str| *s2.get(k).unwrap_or_else(|| panic!("{k} in the scrape"));
    assert_eq!(v("mobgw_bindings{kind=static,role=lma}"), 2.0);
    assert_eq!(v("mobgw_bindings{kind=pmipv6,role=lma}"), 1.0);
    assert_eq!(
        v("mobgw_signaling_messages_total{direction=rx,status=0,type=pbu}"),
        1.0
    );
    assert_eq!(
        v("mobgw_signaling_messages_total{direction=tx,status=0,type=pba}"),
        1.0
    );
    assert_eq!(v("mobgw_pbu_processing_seconds_count{}"), 1.0);
    let busy = v("mobgw_worker_busy_ratio{lcore=1}");
    assert!(
        busy > 0.5 && busy <= 1.0,
        "busy under endless traffic: {busy}"
    );
    assert!(v("mobgw_worker_cycles_per_packet{lcore=1}") > 0.0);
    let published = v("mobgw_table_published_generation{}");
    assert!(published >= 1.0);
    assert_eq!(
        v("mobgw_table_generation{lcore=1}"),
        published,
        "the worker applied every generation"
    );
    assert_eq!(v("mobgw_port_rx_missed_total{port=core}"), 0.0);
    assert_eq!(
        v("mobgw_drops_total{reason=unknown_peer}"),
        0.0,
        "both static bindings keep forwarding"
    );

    check_dashboard(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana/mobgw.json"),
        &names,
    );

    // `mobgw show` tables.
    let text = show_ok(&socket, &["bindings"]);
    assert!(
        text.lines().next().is_some_and(|l| l.starts_with("ROLE")),
        "{text}"
    );
    for want in [
        "2001:db8:1000:1::/64",
        "2001:db8:1000:2::/64",
        "gre key 4242",
        MN_ID,
        "bindings 1-3 of 3 matching (3 installed)",
    ] {
        assert!(text.contains(want), "show bindings has {want}:\n{text}");
    }
    let one = show_json(&socket, &["bindings", "--mn-id", MN_ID]);
    assert_eq!(
        (one["matched"].as_u64(), one["total"].as_u64()),
        (Some(1), Some(3))
    );
    let by_prefix = show_json(&socket, &["bindings", "--prefix", "2001:db8:1000::/48"]);
    assert_eq!(by_prefix["matched"], 2, "{by_prefix}");
    let paged = show_ok(&socket, &["bindings", "--limit", "1"]);
    assert!(paged.contains("more: --offset 1"), "{paged}");
    let workers = show_ok(&socket, &["workers"]);
    assert!(
        workers.contains("BUSY%") && workers.contains("CYCLES/PKT"),
        "{workers}"
    );
    assert!(workers.contains("encap"), "{workers}");
    let ports = show_ok(&socket, &["ports"]);
    assert!(
        ports.contains("access") && ports.contains("core"),
        "{ports}"
    );
    let sig = show_ok(&socket, &["signaling"]);
    assert!(sig.contains("pbu") && sig.contains("pba"), "{sig}");
    assert!(sig.contains("pbu processing: 1 timed"), "{sig}");
    let stats = show_json(&socket, &["stats"]);
    assert_eq!(stats["node_id"], "obslma");
    assert!(stats["workers"][0]["rx_packets"].as_u64().unwrap_or(0) > 0);
    // The config finds the socket too.
    let via_cfg = mobgw()
        .args(["show", "stats", "--config"])
        .arg(&cfg_path)
        .output()
        .expect("show --config");
    assert!(via_cfg.status.success());
    assert!(String::from_utf8_lossy(&via_cfg.stdout).contains("node obslma"));

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let status = child.wait().expect("wait");
    let out: Vec<String> = out_rx.try_iter().collect();
    let all = out.join("\n");
    assert!(status.success(), "mobgw exit {status}\n{all}");
    // The live stats block came with the per-port lines, which keep their format.
    assert!(
        out.iter()
            .any(|l| l.starts_with("port core: rx ") && l.contains("), tx ")),
        "{all}"
    );
    assert!(
        out.iter()
            .any(|l| l.starts_with("  lcore 1: busy ") && l.contains("cycles/pkt")),
        "{all}"
    );
    assert!(
        out.iter()
            .any(|l| l.starts_with("  bindings: lma static 2, lma pmipv6 1")),
        "{all}"
    );
    assert!(out.iter().any(|l| l.starts_with("  signaling: ")), "{all}");
    assert!(all.contains("mobgw: stopped; final counters:"), "{all}");
    // The last live block, for `--nocapture` readers.
    if let Some(i) = out.iter().rposition(|l| l.starts_with("port ")) {
        eprintln!("{}", out[i.saturating_sub(1)..].join("\n"));
    }

    // Gone: the socket file is removed, and `show` says so and fails.
    assert!(!socket.exists(), "the control socket is removed on exit");
    let dead = show(&socket, &["stats"]);
    assert!(!dead.status.success());
    let err = String::from_utf8_lossy(&dead.stderr);
    assert!(
        err.starts_with("mobgw: cannot reach mobgw at ") && err.lines().count() == 1,
        "one clear line: {err}"
    );
}
