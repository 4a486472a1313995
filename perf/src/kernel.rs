//! Kernel baseline: the LMA's downlink encapsulation done by Linux between
//! network namespaces, driven by the same capture, measured per core, beside
//! mobgw's rate on the same capture and bindings.
//!
//! ```text
//!  ns gen                     ns gw (forwarding)                     ns sink
//!  testpmd: net_pcap ─► net_af_packet kb-gen ══ kb-in ─► route /64 ─► encap ─► kb-out ══ kb-sink
//! ```
//!
//! Each binding is a /64 route to its MAG: through an `ip6tnl` device per MAG
//! (`ip -6 tunnel ... mode ip6ip6 encaplimit none`) where the kernel has
//! CONFIG_IPV6_TUNNEL, else through a nexthop per MAG with a seg6 lightweight
//! tunnel in `encap.red` mode and the MAG as its one segment, which emits the
//! same IPv6-in-IPv6 packet (no routing header). kb-in runs threaded NAPI, its thread pinned to one core:
//! everything from the veth receive to the encapsulated transmit runs in that
//! thread, and its CPU time (`/proc/PID/schedstat`) over the interval divides
//! the encapsulated packets counted on kb-out. The sink's NAPI thread is
//! pinned to the generator's core so that neither is charged to the kernel.

use std::io::Write;
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::bench::{self, Runner, Scenario, Spread, Variant};
use crate::gen::{self, Shape, Size, Spec, Tunnel};
use crate::netns::{self, sh};

#[derive(Debug, Args)]
pub struct KernelArgs {
    /// Bindings (one /64 route each).
    #[arg(long, default_value_t = 100_000)]
    bindings: u64,
    #[arg(long, default_value_t = 16)]
    mags: u32,
    /// Packets in the replayed capture (as `run`'s, so mobgw's figure matches).
    #[arg(long, default_value_t = 65_536)]
    packets: u32,
    /// Native frame size with FCS.
    #[arg(long, default_value = "64")]
    size: Size,
    /// Measured seconds per run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Rounds (kernel, then mobgw, each round).
    #[arg(long, default_value_t = 2)]
    rounds: u32,
    /// Core of the kernel's forwarding (kb-in's NAPI thread) and of mobgw's worker.
    #[arg(long, default_value_t = 1)]
    core: u32,
    /// Core of the traffic generator (and the sink).
    #[arg(long, default_value_t = 0)]
    gen_core: u32,
    #[arg(long, value_enum, default_value_t = Mode::Auto)]
    mode: Mode,
    /// mobgw binary (default: next to mobgw-perf).
    #[arg(long)]
    mobgw: Option<PathBuf>,
    #[arg(long, default_value = "dpdk-testpmd")]
    testpmd: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// ip6tnl where the kernel has it, else seg6 encap.red.
    Auto,
    Ip6tnl,
    Seg6,
}

#[derive(Debug, Serialize)]
struct KernelReport {
    scenario: &'static str,
    mode: &'static str,
    kernel: String,
    bindings: u64,
    mags: u32,
    size: String,
    seconds: u64,
    rounds: u32,
    /// Encapsulated packets leaving kb-out per second.
    kernel_mpps: Spread,
    /// Share of one core the forwarding thread used.
    kernel_thread_util: Spread,
    /// `kernel_mpps / kernel_thread_util`: packets per second per core.
    kernel_core_mpps: Spread,
    /// Packets per time the forwarding thread was scheduled in: small
    /// batches mean its CPU time is mostly wake-ups, not packets.
    kernel_pkts_per_wakeup: Spread,
    /// Mean IPv6 size of what left kb-out (veth counts without the Ethernet
    /// header on the NAPI path): the native packet + 40 proves plain IPv6-in-IPv6.
    kernel_out_octets: f64,
    /// Kernel cycles per packet: thread CPU time × TSC rate / packets.
    kernel_cycles_per_pkt: f64,
    mobgw_cycles_per_pkt: f64,
    /// Whether the forwarding thread was kept busy (≥ 90% of its core); if
    /// not, the generator bounded the rate and the per-core figure includes
    /// the thread's wake-ups at small batches.
    kernel_saturated: bool,
    mobgw_mpps: Spread,
    /// mobgw (one worker core) over the kernel per core, per round.
    ratio: Spread,
}

const NS_GEN: &str = "gen";
const NS_GW: &str = "gw";
const NS_SINK: &str = "sink";

/// The namespaces of one run; dropping it deletes them (and so every veth,
/// tunnel and route in them).
struct Lab {
    prefix: String,
}

impl Lab {
    fn ns(&self, n: &str) -> String {
        format!("{}{n}", self.prefix)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let names = [NS_GEN, NS_GW, NS_SINK].map(|n| self.ns(n));
        netns::delete(names.iter().map(String::as_str));
    }
}

fn ip(ns: &str, args: &str) -> Result<()> {
    let mut v = vec!["ip", "-n", ns];
    v.extend(args.split_whitespace());
    sh(&v)
}

fn in_ns(ns: &str, cmd: &str) -> Result<()> {
    sh(&["ip", "netns", "exec", ns, "sh", "-c", cmd])
}

/// The kernel thread whose name starts with `prefix` (e.g. `napi/kb-in-`).
fn find_thread(prefix: &str) -> Result<u32> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        for e in std::fs::read_dir("/proc")?.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Ok(c) = std::fs::read_to_string(format!("/proc/{pid}/comm")) {
                if c.trim_end().starts_with(prefix) {
                    return Ok(pid);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("no kernel thread named {prefix}* (threaded NAPI)")
}

/// (nanoseconds on a CPU, times scheduled in) of a thread.
fn schedstat(pid: u32) -> Result<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .with_context(|| format!("reading /proc/{pid}/schedstat"))?;
    let f: Vec<u64> = s
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    match f[..] {
        [run, _, slices, ..] => Ok((run, slices)),
        _ => bail!("bad schedstat \"{}\"", s.trim()),
    }
}

/// What one kernel run measured.
struct KernelRound {
    mpps: f64,
    util: f64,
    octets: f64,
    /// Packets per time the forwarding thread was scheduled in (its batch).
    per_wakeup: f64,
}

/// (tx packets + tx drops, tx bytes, tx packets) of a device in a namespace.
fn tx_counters(ns: &str, dev: &str) -> Result<(u64, u64, u64)> {
    let out = Command::new("ip")
        .args(["-n", ns, "-s", "-j", "link", "show", dev])
        .output()
        .context("ip -s -j link show")?;
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parsing ip -j output")?;
    let tx = &v[0]["stats64"]["tx"];
    let sent = tx["packets"].as_u64().context("no tx packets")?;
    // A packet the sink's full ring refused was encapsulated all the same.
    Ok((
        sent + tx["dropped"].as_u64().unwrap_or(0),
        tx["bytes"].as_u64().context("no tx bytes")?,
        sent,
    ))
}

fn setup(
    lab: &Lab,
    spec: &Spec,
    mode: Mode,
    a: &KernelArgs,
    dir: &std::path::Path,
) -> Result<Mode> {
    let (g, w, s) = (lab.ns(NS_GEN), lab.ns(NS_GW), lab.ns(NS_SINK));
    for n in [&g, &w, &s] {
        sh(&["ip", "netns", "add", n])?;
        ip(n, "link set lo up")?;
    }
    ip(
        &g,
        &format!("link add kb-gen type veth peer name kb-in netns {w}"),
    )?;
    ip(
        &w,
        &format!("link add kb-out type veth peer name kb-sink netns {s}"),
    )?;
    ip(
        &w,
        &format!("link set kb-in address {}", gen::fmt_mac(gen::GW_MAC)),
    )?;
    for (n, d) in [
        (&g, "kb-gen"),
        (&w, "kb-in"),
        (&w, "kb-out"),
        (&s, "kb-sink"),
    ] {
        in_ns(n, &format!("sysctl -qw net.ipv6.conf.{d}.accept_dad=0"))?;
        ip(n, &format!("link set {d} up"))?;
    }
    ip(&w, "addr add 2001:db8:200::1/64 dev kb-in nodad")?;
    ip(&w, &format!("addr add {}/64 dev kb-out nodad", gen::LMA))?;
    in_ns(&w, "sysctl -qw net.ipv6.conf.all.forwarding=1")?;
    for j in 0..spec.mags {
        ip(
            &w,
            &format!(
                "-6 neigh replace {} lladdr {} dev kb-out nud permanent",
                gen::mag_addr(j),
                gen::fmt_mac(gen::mag_mac(j))
            ),
        )?;
    }
    let mode = match mode {
        Mode::Auto => {
            if ip(&w, "link add kbprobe type ip6tnl mode ip6ip6").is_ok() {
                let _ = ip(&w, "link del kbprobe");
                Mode::Ip6tnl
            } else {
                Mode::Seg6
            }
        }
        m => m,
    };
    if mode == Mode::Seg6 {
        // One encapsulating nexthop per MAG, shared by its routes (as a
        // tunnel device per MAG is); per-route seg6 state would also take a
        // per-CPU cache each, which runs out at a few thousand routes.
        ip(&w, &format!("sr tunsrc set {}", gen::LMA))?;
        for j in 0..spec.mags {
            ip(
                &w,
                &format!(
                    "-6 nexthop add id {} encap seg6 mode encap.red segs {} dev kb-out",
                    j + 1,
                    gen::mag_addr(j)
                ),
            )?;
        }
    } else {
        for j in 0..spec.mags {
            ip(
                &w,
                &format!(
                    "-6 tunnel add mag{j} mode ip6ip6 local {} remote {} encaplimit none dev kb-out",
                    gen::LMA,
                    gen::mag_addr(j)
                ),
            )?;
            ip(&w, &format!("link set mag{j} up"))?;
        }
    }
    // The bindings as routes, in one `ip -batch`.
    let batch = dir.join("routes.batch");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&batch)?);
        for p in 0..spec.bindings {
            let j = spec.mag_of(p);
            let net = spec.prefix_addr(p, 0);
            match mode {
                Mode::Seg6 => writeln!(f, "route add {net}/64 nhid {}", j + 1)?,
                _ => writeln!(f, "route add {net}/64 dev mag{j}")?,
            }
        }
        f.flush()?;
    }
    eprintln!(
        "mobgw-perf: kernel: installing {} routes ({})",
        spec.bindings,
        mode_name(mode)
    );
    let b = batch.display().to_string();
    sh(&["ip", "-6", "-n", &w, "-batch", &b])?;
    // Threaded NAPI on kb-in (measured core) and kb-sink (generator core).
    // veth hands a packet to the peer's NAPI only if the sender does no TSO
    // (veth_skb_is_eligible_for_gro), otherwise to the sending core's backlog.
    in_ns(&g, "ethtool -K kb-gen tso off gso off >/dev/null")?;
    in_ns(&w, "ethtool -K kb-out tso off gso off >/dev/null")?;
    for (n, d, core) in [(&w, "kb-in", a.core), (&s, "kb-sink", a.gen_core)] {
        in_ns(
            n,
            &format!("ethtool -K {d} gro on >/dev/null && echo 1 > /sys/class/net/{d}/threaded"),
        )?;
        let tid = find_thread(&format!("napi/{d}-"))?;
        sh(&["taskset", "-p", "-c", &core.to_string(), &tid.to_string()])?;
    }
    Ok(mode)
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Ip6tnl => "ip6tnl",
        _ => "seg6 encap.red",
    }
}

/// One kernel run: generator on, wait, count over `seconds`.
fn kernel_round(
    lab: &Lab,
    a: &KernelArgs,
    pcap: &std::path::Path,
    mbufs: u32,
    napi: u32,
    stop: &AtomicBool,
    round: u32,
) -> Result<KernelRound> {
    let g = lab.ns(NS_GEN);
    let prefix = format!("mobgw-perf-kgen-{}-{round}", std::process::id());
    let mut child = Command::new("ip")
        .args(["netns", "exec", &g, &a.testpmd])
        .args([
            "--no-huge",
            "-m",
            "1024",
            "--no-pci",
            "--no-shconf",
            "--no-telemetry",
        ])
        .args(["--file-prefix", &prefix])
        .args([
            "-l",
            &format!("{},{}", a.core, a.gen_core),
            "--main-lcore",
            &a.core.to_string(),
        ])
        .arg("--vdev")
        .arg(format!(
            "net_pcap0,rx_pcap={},infinite_rx=1",
            pcap.display()
        ))
        .args(["--vdev", "net_af_packet0,iface=kb-gen,qdisc_bypass=1"])
        .args([
            "--",
            "--forward-mode=io",
            "--nb-cores",
            "1",
            "--burst",
            "32",
        ])
        .arg(format!("--total-num-mbufs={mbufs}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("spawning the generator (testpmd)")?;
    let result = (|| {
        // Start-up (the capture is loaded) and one second of warm-up.
        let w = lab.ns(NS_GW);
        let t_start = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(500));
            if let Some(st) = child.try_wait()? {
                bail!("generator exited early with {st}");
            }
            if stop.load(Ordering::Relaxed) {
                bail!("interrupted");
            }
            if tx_counters(&w, "kb-out")?.0 > 0 && t_start.elapsed() > Duration::from_secs(2) {
                break;
            }
            if t_start.elapsed() > Duration::from_secs(60) {
                bail!("no encapsulated packets leave kb-out");
            }
        }
        std::thread::sleep(Duration::from_secs(1));
        let (p0, b0, s0) = tx_counters(&w, "kb-out")?;
        let (c0, n0) = schedstat(napi)?;
        let t0 = Instant::now();
        let until = t0 + Duration::from_secs(a.seconds);
        while Instant::now() < until {
            if stop.load(Ordering::Relaxed) {
                bail!("interrupted");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let (p1, b1, s1) = tx_counters(&w, "kb-out")?;
        let (c1, n1) = schedstat(napi)?;
        let secs = t0.elapsed().as_secs_f64();
        let pkts = (p1 - p0) as f64;
        let util = (c1 - c0) as f64 / 1e9 / secs;
        Ok(KernelRound {
            mpps: pkts / secs / 1e6,
            util,
            octets: (b1 - b0) as f64 / ((s1 - s0) as f64).max(1.0),
            per_wakeup: pkts / ((n1 - n0) as f64).max(1.0),
        })
    })();
    bench::stop(&mut child);
    result
}

pub fn run(a: KernelArgs, interrupted: Arc<AtomicBool>) -> Result<()> {
    let mobgw = a.mobgw.clone().unwrap_or_else(bench::default_mobgw);
    bench::check_exists(&mobgw)?;
    let dir = tempfile::Builder::new()
        .prefix("mobgw-perf-kernel-")
        .tempdir()
        .context("creating a temporary directory")?;
    let spec = Spec {
        shape: Shape::Downlink,
        tunnel: Tunnel::Ip6ip6,
        bindings: a.bindings,
        mags: a.mags,
        packets: a.packets,
        size: a.size,
        base: Ipv6Addr::new(0x2001, 0xdb8, 0x1000, 0, 0, 0, 0, 0),
        seed: 1,
    };
    spec.check()?;
    let pcap = dir.path().join("downlink.pcap");
    gen::write_pcap(&spec, &pcap)?;
    let mbufs = a.packets + 16_384;
    let lab = Lab {
        prefix: format!("mgperf{}", std::process::id()),
    };
    let mode = setup(&lab, &spec, a.mode, &a, dir.path())?;
    let napi = find_thread("napi/kb-in-")?;
    // mobgw on the same capture and bindings, net_pcap → net_null, worker on the same core.
    let sc = {
        let b = dir.path().join("downlink.bindings");
        gen::write_bindings(&spec, &b, "out")?;
        let vdevs = vec![
            format!("net_pcap0,rx_pcap={},infinite_rx=1", pcap.display()),
            "net_null0,no-rx=1".to_string(),
        ];
        Scenario {
            name: "kernel-mobgw".into(),
            mobgw_body: crate::mobility_body(&vdevs, &spec, &b),
            vdevs,
            forward: "mobility",
            mbufs,
            variants: vec![],
        }
    };
    let runner = Runner {
        mobgw,
        testpmd: a.testpmd.clone(),
        seconds: a.seconds,
        workdir: dir.path().to_path_buf(),
        worker_lcore: a.core,
        mem_mb: 1024,
        tsc_hz: bench::tsc_hz()?,
        interrupted: Arc::clone(&interrupted),
    };
    let mobgw_v = Variant::Mobgw {
        label: "mobgw".into(),
        extra: String::new(),
    };
    let (mut k, mut u, mut kc, mut m, mut batch, mut octets) =
        (vec![], vec![], vec![], vec![], vec![], 0.0);
    for round in 0..a.rounds {
        eprintln!(
            "[{}/{}] kernel ({}) for {}s ...",
            round + 1,
            a.rounds,
            mode_name(mode),
            a.seconds
        );
        let kr = kernel_round(&lab, &a, &pcap, mbufs, napi, &interrupted, round)?;
        eprintln!(
            "      {:.3} Mpps using {:.0}% of core {} → {:.3} Mpps per core, {:.1} packets per wake-up, {:.0} octets out",
            kr.mpps,
            kr.util * 100.0,
            a.core,
            kr.mpps / kr.util.max(1e-3),
            kr.per_wakeup,
            kr.octets
        );
        k.push(kr.mpps);
        u.push(kr.util);
        kc.push(kr.mpps / kr.util.max(1e-3));
        batch.push(kr.per_wakeup);
        octets = kr.octets;
        eprintln!("[{}/{}] mobgw for {}s ...", round + 1, a.rounds, a.seconds);
        let s = runner.run(&sc, &mobgw_v, round)?;
        eprintln!("      {:.3} Mpps", s.mpps);
        m.push(s.mpps);
    }
    let ratios: Vec<f64> = m.iter().zip(&kc).map(|(m, k)| m / k.max(1e-9)).collect();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let r = KernelReport {
        scenario: "kernel-baseline",
        mode: mode_name(mode),
        kernel,
        bindings: a.bindings,
        mags: a.mags,
        size: a.size.to_string(),
        seconds: a.seconds,
        rounds: a.rounds,
        kernel_mpps: Spread::of(&k),
        kernel_thread_util: Spread::of(&u),
        kernel_core_mpps: Spread::of(&kc),
        kernel_saturated: Spread::of(&u).median >= 0.9,
        kernel_pkts_per_wakeup: Spread::of(&batch),
        kernel_out_octets: octets,
        kernel_cycles_per_pkt: runner.tsc_hz / (Spread::of(&kc).median * 1e6).max(1.0),
        mobgw_cycles_per_pkt: runner.tsc_hz / (Spread::of(&m).median * 1e6).max(1.0),
        mobgw_mpps: Spread::of(&m),
        ratio: Spread::of(&ratios),
    };
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        println!(
            "kernel ({}, {} bindings): {:.3} Mpps at {:.0}% of a core = {:.3} Mpps/core; mobgw {:.3} Mpps/core; ratio {:.2} / {:.2} / {:.2}",
            r.mode,
            r.bindings,
            r.kernel_mpps.median,
            r.kernel_thread_util.median * 100.0,
            r.kernel_core_mpps.median,
            r.mobgw_mpps.median,
            r.ratio.min,
            r.ratio.median,
            r.ratio.max
        );
        if !r.kernel_saturated {
            println!("kernel thread below 90% busy: the generator bounded its rate; per-core figure extrapolated");
        }
    }
    Ok(())
}
