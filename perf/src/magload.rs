//! Signaling load: K MAGs registering N mobile nodes (PBU → PBA, RFC 5213
//! §6.9.1) against an LMA, as fast as the LMA answers or at a set rate.
//!
//! By default it builds its own lab: mobgw as LMA in one namespace on
//! `net_af_packet` over a veth pair whose other end, in a second namespace,
//! holds the K MAG addresses; the MAG side (this binary again, `--inner`)
//! sends from one raw IPv6 socket (protocol 135) per MAG address, so the
//! kernel answers the LMA's neighbor solicitations and fills in the checksum.
//! With `--lma ADDR` it only runs the MAG side, against an LMA already
//! running, from addresses already configured here.
//!
//! Each MAG keeps up to `--window` PBUs outstanding; a PBU unanswered after
//! `--timeout-ms` is sent again with a new sequence number (RFC 6275 §11.8),
//! up to `--retries` times. Latency is from the first transmission to the PBA.

use std::collections::HashMap;
use std::io::Read;
use std::net::{Ipv6Addr, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use clap::Args;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use serde::{Deserialize, Serialize};
use slowpath::wire::{
    AccessTechnologyType, BindingUpdate, BindingUpdateFlags, HandoffIndicator, MhRepr,
    MobilityOption, Timestamp,
};
use socket2::{Domain, Protocol, Socket, Type};

use crate::bench;
use crate::gen;
use crate::netns::{self, sh};

#[derive(Debug, Args)]
pub struct MagLoadArgs {
    /// MAGs (source addresses 2001:db8:100::2 upward).
    #[arg(long, default_value_t = 16)]
    mags: u32,
    /// Mobile nodes to register, spread over the MAGs.
    #[arg(long, default_value_t = 200_000)]
    mns: u32,
    /// Outstanding PBUs per MAG.
    #[arg(long, default_value_t = 64)]
    window: u32,
    /// Target registrations per second (0: as fast as the LMA answers).
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 30)]
    max_seconds: u64,
    /// PBA wait before a retransmission.
    #[arg(long, default_value_t = 1000)]
    timeout_ms: u64,
    /// Retransmissions before a registration counts as timed out.
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// An LMA already running at this address (no lab is built).
    #[arg(long)]
    lma: Option<Ipv6Addr>,
    /// mobgw binary for the LMA of the built lab (default: next to mobgw-perf).
    #[arg(long)]
    mobgw: Option<PathBuf>,
    /// Core of the LMA's worker lcore and of this load generator; the LMA's
    /// signaling (main lcore) gets core 0.
    #[arg(long, default_value_t = 1)]
    core: u32,
    /// The LMA worker's idle mode (`adaptive` sleeps when idle; `poll` spins).
    #[arg(long, default_value = "adaptive")]
    idle: String,
    /// Core of this load generator (default: --core).
    #[arg(long)]
    gen_core: Option<u32>,
    #[arg(long)]
    json: bool,
    /// Internal: the MAG side, run inside the lab's MAG namespace.
    #[arg(long, hide = true)]
    inner: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Percentiles {
    p50: f64,
    p99: f64,
    max: f64,
}

/// What the MAG side measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MagSide {
    mags: u32,
    mns: u32,
    window: u32,
    rate: u32,
    max_seconds: u64,
    accepted: u64,
    rejected: u64,
    /// Rejections by PBA status.
    reject_status: HashMap<u8, u64>,
    timed_out: u64,
    retransmissions: u64,
    not_sent: u64,
    /// Accepted registrations over the time from the first PBU to the last PBA.
    accepted_per_sec: f64,
    seconds: f64,
    latency_ms: Percentiles,
    /// CPU share of this process over the run, and its CPU seconds.
    generator_cpu: f64,
    generator_cpu_secs: f64,
    generator_wait_secs: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    scenario: &'static str,
    #[serde(flatten)]
    mag: MagSide,
    /// CPU share per mobgw thread (by name) and of the generator over the run.
    cpu: std::collections::BTreeMap<String, f64>,
    /// CPU microseconds per accepted registration, per thread: what one
    /// registration costs each stage, whatever else shares the cores.
    cpu_us_per_registration: std::collections::BTreeMap<String, f64>,
    /// Share of the run each thread spent runnable but waiting for a core
    /// (schedstat): time lost to whatever else the cores run.
    runqueue_wait: std::collections::BTreeMap<String, f64>,
    /// mobgw's final signaling counters.
    lma_counters: Vec<String>,
}

struct Pending {
    mn: u32,
    first: Instant,
    sent: Instant,
    tries: u32,
}

fn pbu(mn: u32, sequence: u16, src: &Ipv6Addr, lma: &Ipv6Addr) -> Vec<u8> {
    let nai = format!("mn{mn}@perf.mobgw");
    let ll = [
        0x02,
        0x4d,
        (mn >> 24) as u8,
        (mn >> 16) as u8,
        (mn >> 8) as u8,
        mn as u8,
    ];
    MhRepr::BindingUpdate(BindingUpdate {
        sequence,
        flags: BindingUpdateFlags {
            ack: true,
            proxy: true,
            ..BindingUpdateFlags::default()
        },
        lifetime: 3600 / 4,
        options: vec![
            MobilityOption::MnIdentifier {
                subtype: 1,
                identifier: nai.into_bytes(),
            },
            MobilityOption::HomeNetworkPrefix {
                prefix_len: 0,
                prefix: Ipv6Addr::UNSPECIFIED,
            },
            MobilityOption::HandoffIndicator(HandoffIndicator::ATTACH_NEW_INTERFACE),
            MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_3),
            MobilityOption::MnLinkLayerIdentifier(ll.to_vec()),
            MobilityOption::Timestamp(Timestamp::from_system_time(SystemTime::now())),
        ],
    })
    .to_bytes(src, lma)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The MAG side: sockets, PBUs, PBAs.
fn mag_side(a: &MagLoadArgs, lma: Ipv6Addr, stop: &AtomicBool) -> Result<MagSide> {
    if a.mags == 0 || a.window == 0 || a.mns == 0 {
        bail!("--mags, --window and --mns must be at least 1");
    }
    let mut poll = Poll::new().context("creating the poll")?;
    let mut socks = Vec::new();
    for j in 0..a.mags {
        let s = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::from(135)))
            .context("raw IPv6 socket for protocol 135 (needs root)")?;
        let addr = gen::mag_addr(j);
        s.bind(&SocketAddrV6::new(addr, 0, 0, 0).into())
            .with_context(|| format!("binding to MAG address {addr}"))?;
        s.set_nonblocking(true)?;
        let _ = s.set_recv_buffer_size(4 << 20);
        let _ = s.set_send_buffer_size(4 << 20);
        poll.registry().register(
            &mut SourceFd(&s.as_raw_fd()),
            Token(j as usize),
            Interest::READABLE,
        )?;
        socks.push(s);
    }
    let lma_sa: socket2::SockAddr = SocketAddrV6::new(lma, 0, 0, 0).into();
    let mut next_mn: Vec<u32> = (0..a.mags).collect();
    let mut seq: Vec<u16> = vec![1; a.mags as usize];
    let mut pending: Vec<HashMap<u16, Pending>> = (0..a.mags).map(|_| HashMap::new()).collect();
    let (mut accepted, mut rejected, mut timed_out, mut retrans, mut sent_new) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut reject_status: HashMap<u8, u64> = HashMap::new();
    let mut lat: Vec<f64> = Vec::with_capacity(a.mns as usize);
    let timeout = Duration::from_millis(a.timeout_ms);
    let self_sched = std::path::Path::new("/proc/thread-self/schedstat");
    let (cpu0, wait0) = schedstat(self_sched);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(a.max_seconds);
    let mut last_answer = start;
    let mut last_sweep = start;
    let mut last_progress = start;
    let mut events = Events::with_capacity(256);
    let mut buf = [0u8; 2048];
    let send = |j: usize, mn: u32, seq: &mut [u16]| -> Result<u16> {
        let s = seq[j];
        seq[j] = s.wrapping_add(1);
        let m = pbu(mn, s, &gen::mag_addr(j as u32), &lma);
        match socks[j].send_to(&m, &lma_sa) {
            Ok(_) => Ok(s),
            // A full socket buffer: the retransmission timer resends it.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(s),
            Err(e) => Err(e).context("sending a PBU"),
        }
    };
    loop {
        let now = Instant::now();
        if now >= deadline || stop.load(Ordering::Relaxed) {
            break;
        }
        // New registrations, paced by --rate.
        let budget = if a.rate == 0 {
            u64::MAX
        } else {
            (((now - start).as_secs_f64() * f64::from(a.rate)) as u64).saturating_sub(sent_new)
        };
        let mut allowed = budget;
        for j in 0..a.mags as usize {
            // At most 8 new per MAG per turn: a full window at once overflows
            // the kernel's receive backlog on the veth (netdev_max_backlog).
            let mut burst = 8;
            while allowed > 0
                && burst > 0
                && pending[j].len() < a.window as usize
                && next_mn[j] < a.mns
            {
                burst -= 1;
                let mn = next_mn[j];
                next_mn[j] += a.mags;
                let s = send(j, mn, &mut seq)?;
                pending[j].insert(
                    s,
                    Pending {
                        mn,
                        first: now,
                        sent: now,
                        tries: 0,
                    },
                );
                sent_new += 1;
                allowed -= 1;
            }
        }
        // Retransmissions, every 10 ms.
        if now - last_sweep >= Duration::from_millis(10) {
            last_sweep = now;
            for (j, pend) in pending.iter_mut().enumerate() {
                let due: Vec<u16> = pend
                    .iter()
                    .filter(|(_, p)| now - p.sent >= timeout)
                    .map(|(s, _)| *s)
                    .collect();
                for s in due {
                    let Some(mut p) = pend.remove(&s) else {
                        continue;
                    };
                    if p.tries >= a.retries {
                        timed_out += 1;
                        continue;
                    }
                    p.tries += 1;
                    p.sent = now;
                    retrans += 1;
                    let ns = send(j, p.mn, &mut seq)?;
                    pend.insert(ns, p);
                }
            }
        }
        let outstanding: usize = pending.iter().map(HashMap::len).sum();
        if outstanding == 0 && next_mn.iter().all(|&n| n >= a.mns) {
            break;
        }
        if now - last_progress >= Duration::from_secs(2) {
            last_progress = now;
            eprintln!(
                "      mag-load: {accepted} accepted, {rejected} rejected, {outstanding} outstanding, {retrans} retransmitted"
            );
        }
        match poll.poll(&mut events, Some(Duration::from_millis(1))) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => r.context("polling the MAG sockets")?,
        }
        for ev in events.iter() {
            let j = ev.token().0;
            let mag = gen::mag_addr(j as u32);
            loop {
                let n = match (&socks[j]).read(&mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e).context("receiving"),
                };
                let Ok(MhRepr::BindingAck(ba)) = MhRepr::from_bytes(&buf[..n], &lma, &mag) else {
                    continue;
                };
                let Some(p) = pending[j].remove(&ba.sequence) else {
                    continue;
                };
                let t = Instant::now();
                last_answer = t;
                lat.push((t - p.first).as_secs_f64() * 1e3);
                if ba.status < 128 {
                    accepted += 1;
                } else {
                    rejected += 1;
                    *reject_status.entry(ba.status).or_default() += 1;
                }
            }
        }
    }
    let outstanding: u64 = pending.iter().map(|p| p.len() as u64).sum();
    let not_sent: u64 = next_mn
        .iter()
        .map(|&n| u64::from(a.mns.saturating_sub(n).div_ceil(a.mags)))
        .sum();
    let secs = (last_answer - start).as_secs_f64().max(1e-3);
    let wall = start.elapsed().as_secs_f64().max(1e-3);
    lat.sort_by(|x, y| x.total_cmp(y));
    Ok(MagSide {
        mags: a.mags,
        mns: a.mns,
        window: a.window,
        rate: a.rate,
        max_seconds: a.max_seconds,
        accepted,
        rejected,
        reject_status,
        timed_out: timed_out + outstanding,
        retransmissions: retrans,
        not_sent,
        accepted_per_sec: accepted as f64 / secs,
        seconds: secs,
        latency_ms: Percentiles {
            p50: percentile(&lat, 0.50),
            p99: percentile(&lat, 0.99),
            max: lat.last().copied().unwrap_or(0.0),
        },
        generator_cpu: (schedstat(self_sched).0 - cpu0) / wall,
        generator_cpu_secs: schedstat(self_sched).0 - cpu0,
        generator_wait_secs: schedstat(self_sched).1 - wait0,
    })
}

/// Namespaces of the built lab; dropping it deletes them.
struct Lab {
    mag_ns: String,
    lma_ns: String,
}

impl Drop for Lab {
    fn drop(&mut self) {
        netns::delete([self.mag_ns.as_str(), self.lma_ns.as_str()]);
    }
}

/// (seconds on a CPU, seconds runnable but waiting for one) from a
/// schedstat file.
fn schedstat(path: &std::path::Path) -> (f64, f64) {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let mut it = s
        .split_whitespace()
        .map(|v| v.parse::<f64>().unwrap_or(0.0) / 1e9);
    (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0))
}

/// Per thread name of a process: (CPU seconds, run-queue wait seconds).
fn threads_cpu(pid: u32) -> HashMap<String, (f64, f64)> {
    let mut m = HashMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return m;
    };
    for e in dir.flatten() {
        let p = e.path();
        let name = std::fs::read_to_string(p.join("comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let (run, wait) = schedstat(&p.join("schedstat"));
        let v: &mut (f64, f64) = m.entry(name).or_insert((0.0, 0.0));
        v.0 += run;
        v.1 += wait;
    }
    m
}

pub fn run(a: MagLoadArgs, interrupted: Arc<AtomicBool>) -> Result<()> {
    if a.inner || a.lma.is_some() {
        let lma = a.lma.unwrap_or(gen::LMA);
        let r = mag_side(&a, lma, &interrupted)?;
        if a.json || a.inner {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            print_side(&r);
        }
        return Ok(());
    }
    let mobgw = a.mobgw.clone().unwrap_or_else(bench::default_mobgw);
    bench::check_exists(&mobgw)?;
    let id = std::process::id();
    let lab = Lab {
        mag_ns: format!("mglm{id}"),
        lma_ns: format!("mgll{id}"),
    };
    let (m, l) = (lab.mag_ns.clone(), lab.lma_ns.clone());
    sh(&["ip", "netns", "add", &m])?;
    sh(&["ip", "netns", "add", &l])?;
    sh(&[
        "ip", "-n", &m, "link", "add", "ml-mag", "type", "veth", "peer", "name", "ml-lma", "netns",
        &l,
    ])?;
    // The LMA's kernel stays out of it: mobgw owns ml-lma through af_packet.
    sh(&[
        "ip",
        "netns",
        "exec",
        &l,
        "sysctl",
        "-qw",
        "net.ipv6.conf.ml-lma.disable_ipv6=1",
    ])?;
    sh(&[
        "ip",
        "netns",
        "exec",
        &m,
        "sysctl",
        "-qw",
        "net.ipv6.conf.ml-mag.accept_dad=0",
    ])?;
    for (n, d) in [(&m, "ml-mag"), (&l, "ml-lma")] {
        sh(&["ip", "-n", n, "link", "set", "lo", "up"])?;
        sh(&["ip", "-n", n, "link", "set", d, "up"])?;
    }
    for j in 0..a.mags {
        let addr = format!("{}/64", gen::mag_addr(j));
        sh(&[
            "ip", "-n", &m, "addr", "add", &addr, "dev", "ml-mag", "nodad",
        ])?;
    }
    // mobgw answers with ml-lma's MAC; a static entry keeps the first burst
    // of PBUs from waiting in (and overflowing) the MAGs' neighbor queue.
    let out = Command::new("ip")
        .args(["-n", &l, "-j", "link", "show", "ml-lma"])
        .output()
        .context("ip link show ml-lma")?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("ip -j output")?;
    let mac = v[0]["address"]
        .as_str()
        .context("ml-lma has no MAC")?
        .to_string();
    let lma_addr = gen::LMA.to_string();
    sh(&[
        "ip",
        "-n",
        &m,
        "-6",
        "neigh",
        "replace",
        &lma_addr,
        "lladdr",
        &mac,
        "dev",
        "ml-mag",
        "nud",
        "permanent",
    ])?;
    let dir = tempfile::Builder::new()
        .prefix("mobgw-perf-magload-")
        .tempdir()
        .context("creating a temporary directory")?;
    let cfg = dir.path().join("lma.toml");
    std::fs::write(
        &cfg,
        format!(
            "[gateway]\nnode_id = \"magload\"\nroles = [\"lma\"]\n\n[dpdk]\n\
             eal_args = [\"--no-huge\", \"-m\", \"1024\", \"--no-pci\", \"--no-shconf\", \"--no-telemetry\", \"--file-prefix\", \"mobgw-magload-{id}\"]\n\
             main_lcore = 0\nworker_lcores = [{}]\nidle = \"{}\"\n\n\
             [[port]]\nname = \"access\"\ndevice = \"net_af_packet0,iface=ml-lma\"\naddresses = [\"{}/64\"]\n\n\
             [lma]\naddress = \"{}\"\nhnp_pool = \"2001:db8:1000::/40\"\nallowed_mags = [\"2001:db8:100::/64\"]\n",
            a.core,
            a.idle,
            gen::LMA,
            gen::LMA
        ),
    )?;
    eprintln!("mobgw-perf: mag-load: starting mobgw as LMA in namespace {l}");
    let mut lma = Command::new("ip")
        .args(["netns", "exec", &l])
        .arg(&mobgw)
        .args(["run", "--stats-period", "1", "--config"])
        .arg(&cfg)
        .env("MOBGW_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("spawning mobgw")?;
    let (tx, rx) = mpsc::channel::<String>();
    let out = lma.stdout.take().context("mobgw stdout")?;
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let result = (|| -> Result<Report> {
        // Forwarding once the first rate line is out.
        let t = Instant::now();
        loop {
            if let Some(st) = lma.try_wait()? {
                bail!("mobgw exited early with {st}");
            }
            if interrupted.load(Ordering::Relaxed) {
                bail!("interrupted");
            }
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(l) if l.starts_with("port ") => break,
                _ if t.elapsed() > Duration::from_secs(60) => bail!("mobgw did not start"),
                _ => {}
            }
        }
        let exe = std::env::current_exe().context("locating mobgw-perf")?;
        let before = threads_cpu(lma.id());
        let t0 = Instant::now();
        let mut inner = Command::new("taskset");
        inner
            .args([
                "-c",
                &a.gen_core.unwrap_or(a.core).to_string(),
                "ip",
                "netns",
                "exec",
                &m,
            ])
            .arg(&exe)
            .args(["mag-load", "--inner"])
            .args(["--mags", &a.mags.to_string(), "--mns", &a.mns.to_string()])
            .args([
                "--window",
                &a.window.to_string(),
                "--rate",
                &a.rate.to_string(),
            ])
            .args(["--max-seconds", &a.max_seconds.to_string()])
            .args([
                "--timeout-ms",
                &a.timeout_ms.to_string(),
                "--retries",
                &a.retries.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        eprintln!(
            "mobgw-perf: mag-load: {} MAGs registering {} MNs (window {}, rate {})",
            a.mags,
            a.mns,
            a.window,
            if a.rate == 0 {
                "max".to_string()
            } else {
                a.rate.to_string()
            }
        );
        let mut child = inner.spawn().context("running the MAG side")?;
        let mut stdout = child.stdout.take().context("MAG side stdout")?;
        let reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = stdout.read_to_end(&mut v);
            v
        });
        // Pass an interruption on (it stops and reports what it has).
        let mut passed_on = false;
        let status = loop {
            if let Some(st) = child.try_wait()? {
                break st;
            }
            if interrupted.load(Ordering::Relaxed) && !passed_on {
                let _ = bench::send_signal(child.id(), "INT");
                passed_on = true;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let wall = t0.elapsed().as_secs_f64();
        let out = reader.join().unwrap_or_default();
        if !status.success() {
            bail!("the MAG side failed ({status})");
        }
        let after = threads_cpu(lma.id());
        let side: MagSide = serde_json::from_slice(&out).context("MAG side output")?;
        let mut cpu = std::collections::BTreeMap::new();
        let mut per_reg = std::collections::BTreeMap::new();
        let regs = (side.accepted as f64).max(1.0);
        let mut waiting = std::collections::BTreeMap::new();
        for (name, (run, wait)) in &after {
            let (r0, w0) = before.get(name).copied().unwrap_or((0.0, 0.0));
            let d = run - r0;
            if d > 0.01 * wall {
                cpu.insert(format!("mobgw {name}"), 100.0 * d / wall);
                per_reg.insert(format!("mobgw {name}"), d / regs * 1e6);
                waiting.insert(format!("mobgw {name}"), 100.0 * (wait - w0) / wall);
            }
        }
        cpu.insert("mag-load".to_string(), 100.0 * side.generator_cpu);
        per_reg.insert("mag-load".to_string(), side.generator_cpu_secs / regs * 1e6);
        waiting.insert(
            "mag-load".to_string(),
            100.0 * side.generator_wait_secs / wall,
        );
        Ok(Report {
            scenario: "mag-load",
            mag: side,
            cpu,
            cpu_us_per_registration: per_reg,
            runqueue_wait: waiting,
            lma_counters: Vec::new(),
        })
    })();
    bench::stop(&mut lma);
    let mut counters = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(2)) {
        let t = l.trim();
        let final_port = t.starts_with("port ") && t.contains("rx_nombuf");
        if final_port || t.starts_with("signaling:") || t.starts_with("PBU") {
            counters.push(t.to_string());
        }
    }
    let mut r = result?;
    r.lma_counters = counters;
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        print_side(&r.mag);
        for (n, c) in &r.cpu {
            println!(
                "  cpu {n}: {c:.0}% running, {:.0}% waiting for a core, {:.1} us per registration",
                r.runqueue_wait.get(n).copied().unwrap_or(0.0),
                r.cpu_us_per_registration.get(n).copied().unwrap_or(0.0)
            );
        }
        for c in &r.lma_counters {
            println!("  lma: {c}");
        }
    }
    drop(lab);
    Ok(())
}

fn print_side(r: &MagSide) {
    println!(
        "mag-load: {} MAGs, {} MNs: {} accepted ({:.0}/s over {:.2}s), {} rejected {:?}, {} timed out, {} retransmissions, {} not sent; PBA latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        r.mags,
        r.mns,
        r.accepted,
        r.accepted_per_sec,
        r.seconds,
        r.rejected,
        r.reject_status,
        r.timed_out,
        r.retransmissions,
        r.not_sent,
        r.latency_ms.p50,
        r.latency_ms.p99,
        r.latency_ms.max
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbu_carries_what_the_lma_needs() {
        let src = gen::mag_addr(0);
        let b = pbu(7, 42, &src, &gen::LMA);
        let MhRepr::BindingUpdate(bu) = MhRepr::from_bytes(&b, &src, &gen::LMA).unwrap() else {
            panic!("not a BU");
        };
        assert!(bu.flags.proxy && bu.flags.ack);
        assert_eq!(bu.sequence, 42);
        let ids: Vec<u8> = bu
            .options
            .iter()
            .filter_map(|o| match o {
                MobilityOption::MnIdentifier { identifier, .. } => identifier.first().copied(),
                _ => None,
            })
            .collect();
        assert_eq!(ids, vec![b'm']);
        assert!(bu.options.iter().any(|o| matches!(
            o,
            MobilityOption::HomeNetworkPrefix { prefix, .. } if prefix.is_unspecified()
        )));
        assert!(bu
            .options
            .iter()
            .any(|o| matches!(o, MobilityOption::HandoffIndicator(_))));
        assert!(bu
            .options
            .iter()
            .any(|o| matches!(o, MobilityOption::AccessTechnologyType(_))));
    }

    #[test]
    fn schedstat_and_percentiles() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("schedstat");
        std::fs::write(&p, "2500000000 500000000 1234\n").unwrap();
        assert_eq!(schedstat(&p), (2.5, 0.5));
        assert_eq!(schedstat(&dir.path().join("none")), (0.0, 0.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 0.5), 2.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
