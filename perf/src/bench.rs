//! Side-by-side runner: `dpdk-testpmd --forward-mode=io` and `mobgw` on
//! identical virtual devices, taking turns (A B A B …) for a fixed time each.
//! Both print per-port rates every second; a run's figure is the median of its
//! samples after the first (warm-up) one. Ratios are taken per round, between
//! runs next to each other in time, so slow drifts of a shared machine cancel.
//!
//! Cycles per packet are `worker cores × TSC Hz / packets per second`: both
//! sides poll without pause on their one worker core, so every TSC cycle of
//! that core over the interval is spent on the packets counted in it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;

/// One forwarding setup: vdevs identical for every variant.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// `--vdev` strings, in port order.
    pub vdevs: Vec<String>,
    /// mobgw's configuration after `[gateway]` and `[dpdk]` (ports, routes,
    /// role sections); the runner adds the EAL arguments.
    pub mobgw_body: String,
    /// mobgw's `[dpdk] forward` mode (`io` or `mobility`).
    pub forward: &'static str,
    /// Mbufs for both sides (net_pcap `infinite_rx` holds the whole capture).
    pub mbufs: u32,
    /// What takes turns; the first is the reference the ratios divide by.
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub enum Variant {
    Testpmd,
    /// mobgw with extra TOML appended (e.g. a `[benchmark]` section).
    Mobgw {
        label: String,
        extra: String,
    },
}

impl Variant {
    pub fn label(&self) -> &str {
        match self {
            Variant::Testpmd => "testpmd",
            Variant::Mobgw { label, .. } => label,
        }
    }
}

/// One measured run.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub mpps: f64,
    pub gbps: f64,
    /// mobgw's resident set at the end of the run.
    pub rss_mib: Option<f64>,
    /// mobgw's last `workers:` line (what the pipeline did with the packets).
    pub actions: Option<String>,
    /// Seconds from spawn to the first rate line (start-up, table load).
    pub startup_s: f64,
    /// mobgw's final "benchmark churn: ..." line (update storm).
    pub churn: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(v: &[f64]) -> Spread {
        let mut s = v.to_vec();
        Spread {
            min: s.iter().copied().fold(f64::INFINITY, f64::min),
            median: median(&mut s),
            max: s.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VariantResult {
    pub label: String,
    pub mpps: Spread,
    pub gbps_median: f64,
    pub cycles_per_pkt: f64,
    /// This variant's rate over the first variant's, per round.
    pub ratio: Spread,
    /// Each round's rate.
    pub rounds_mpps: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_mib: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn: Option<String>,
}

pub struct Runner {
    pub mobgw: PathBuf,
    pub testpmd: String,
    pub seconds: u64,
    pub workdir: PathBuf,
    pub worker_lcore: u32,
    /// EAL memory (`-m`, MiB) for both sides.
    pub mem_mb: u32,
    pub tsc_hz: f64,
    /// Set by SIGINT/SIGTERM: stop the current run and return an error.
    pub interrupted: Arc<AtomicBool>,
}

impl Runner {
    /// All rounds of a scenario, variants in turn; results per variant.
    pub fn run_rounds(&self, sc: &Scenario, rounds: u32) -> Result<Vec<VariantResult>> {
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); sc.variants.len()];
        for round in 0..rounds {
            for (i, v) in sc.variants.iter().enumerate() {
                eprintln!(
                    "[{}/{rounds}] {} {} for {}s ...",
                    round + 1,
                    sc.name,
                    v.label(),
                    self.seconds
                );
                let s = self.run(sc, v, round)?;
                eprintln!(
                    "      {:.3} Mpps {:.3} Gbps{}",
                    s.mpps,
                    s.gbps,
                    s.rss_mib
                        .map(|r| format!(", RSS {r:.0} MiB, start-up {:.1}s", s.startup_s))
                        .unwrap_or_default()
                );
                samples[i].push(s);
            }
        }
        let reference: Vec<f64> = samples[0].iter().map(|s| s.mpps).collect();
        Ok(sc
            .variants
            .iter()
            .zip(&samples)
            .map(|(v, ss)| {
                let mpps: Vec<f64> = ss.iter().map(|s| s.mpps).collect();
                let mut gbps: Vec<f64> = ss.iter().map(|s| s.gbps).collect();
                let ratios: Vec<f64> = mpps
                    .iter()
                    .zip(&reference)
                    .map(|(m, r)| m / r.max(1e-9))
                    .collect();
                let med = Spread::of(&mpps).median;
                let last = ss.last();
                VariantResult {
                    label: v.label().to_string(),
                    mpps: Spread::of(&mpps),
                    gbps_median: median(&mut gbps),
                    cycles_per_pkt: self.tsc_hz / (med * 1e6).max(1.0),
                    ratio: Spread::of(&ratios),
                    rounds_mpps: mpps.clone(),
                    rss_mib: ss.iter().filter_map(|s| s.rss_mib).reduce(f64::max),
                    startup_s: last.and_then(|s| s.rss_mib.map(|_| s.startup_s)),
                    actions: last.and_then(|s| s.actions.clone()),
                    churn: last.and_then(|s| s.churn.clone()),
                }
            })
            .collect())
    }

    pub fn run(&self, sc: &Scenario, v: &Variant, round: u32) -> Result<Sample> {
        let prefix = format!(
            "mobgw-perf-{}-{}-{round}",
            std::process::id(),
            v.label().replace(|c: char| !c.is_ascii_alphanumeric(), "")
        );
        let mem = self.mem_mb.to_string();
        let mut cmd = match v {
            Variant::Testpmd => {
                let mut c = Command::new(&self.testpmd);
                c.args(["--no-huge", "-m", &mem, "--no-pci", "--no-shconf"])
                    .args(["--file-prefix", &prefix, "--no-telemetry"])
                    .args(["-l", &format!("0,{}", self.worker_lcore)]);
                for d in &sc.vdevs {
                    c.args(["--vdev", d]);
                }
                c.args(["--", "--forward-mode=io", "--stats-period", "1"])
                    .args(["--nb-cores", "1", "--burst", "32"])
                    .args(["--rxd", "1024", "--txd", "1024"])
                    .arg(format!("--total-num-mbufs={}", sc.mbufs));
                c
            }
            Variant::Mobgw { extra, .. } => {
                let cfg = self.mobgw_config(sc, v.label(), extra, &prefix, &mem)?;
                let mut c = Command::new(&self.mobgw);
                c.args(["run", "--stats-period", "1", "--config"]).arg(cfg);
                c.env("MOBGW_LOG", "warn");
                c
            }
        };
        let mut proc = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("spawning {}", v.label()))?;
        let (tx, rx) = mpsc::channel();
        let got = self.collect(&mut proc, v, tx, &rx);
        stop(&mut proc);
        let mut sample = got?;
        // The final block, printed on SIGINT.
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(2)) {
            if let Some(c) = line.trim().strip_prefix("benchmark churn: ") {
                sample.churn = Some(c.to_string());
            }
        }
        if self.interrupted.load(Ordering::Relaxed) {
            bail!("interrupted");
        }
        if sample.mpps <= 0.0 {
            bail!("{} on {}: no packets forwarded", v.label(), sc.name);
        }
        if matches!(v, Variant::Testpmd) {
            sample.rss_mib = None;
        }
        Ok(sample)
    }

    fn mobgw_config(
        &self,
        sc: &Scenario,
        label: &str,
        extra: &str,
        prefix: &str,
        mem: &str,
    ) -> Result<PathBuf> {
        let s = format!(
            "[gateway]\nnode_id = \"perf\"\nroles = [\"lma\"]\n\n[dpdk]\n\
             eal_args = [\"--no-huge\", \"-m\", \"{mem}\", \"--no-pci\", \"--no-shconf\", \"--no-telemetry\", \"--file-prefix\", \"{prefix}\"]\n\
             worker_lcores = [{}]\nidle = \"poll\"\nforward = \"{}\"\nmbufs = {}\n\n{}\n{extra}",
            self.worker_lcore, sc.forward, sc.mbufs, sc.mobgw_body
        );
        let path = self.workdir.join(format!("{}-{label}.toml", sc.name));
        std::fs::write(&path, s).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Reads the rate lines until `seconds` after the first one.
    fn collect(
        &self,
        proc: &mut Child,
        v: &Variant,
        tx: mpsc::Sender<String>,
        rx: &mpsc::Receiver<String>,
    ) -> Result<Sample> {
        let stdout = proc.stdout.take().context("stdout")?;
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let spawned = Instant::now();
        // Start-up includes loading the tables (10M bindings take a while).
        let startup_limit = Duration::from_secs(180);
        let mut first: Option<Instant> = None;
        let mut samples = Vec::new();
        let mut parser = RateParser::new(matches!(v, Variant::Testpmd));
        let mut actions = None;
        let mut rss = None;
        loop {
            if self.interrupted.load(Ordering::Relaxed) {
                break;
            }
            match first {
                None if spawned.elapsed() > startup_limit => {
                    bail!("{}: no rate line within {startup_limit:?}", v.label())
                }
                Some(t) if t.elapsed() >= Duration::from_secs(self.seconds) => break,
                _ => {}
            }
            let line = match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(l) => l,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(st) = proc.try_wait()? {
                        bail!("{} exited early with {st}", v.label());
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("{} closed its output early", v.label())
                }
            };
            if let Some(rest) = line.strip_prefix("workers: ") {
                actions = Some(rest.to_string());
            }
            if let Some(s) = parser.line(&line) {
                if first.is_none() {
                    first = Some(Instant::now());
                }
                samples.push(s);
                if !matches!(v, Variant::Testpmd) {
                    rss = rss_mib(proc.id());
                }
            }
        }
        if let Some(s) = parser.flush() {
            samples.push(s);
        }
        let startup_s = first
            .map(|t| (t - spawned).as_secs_f64())
            .unwrap_or_default();
        let (mpps, gbps) = summarise(&samples).unwrap_or((0.0, 0.0));
        Ok(Sample {
            mpps,
            gbps,
            rss_mib: rss,
            actions,
            startup_s,
            churn: None,
        })
    }
}

/// Sums the per-port rates of one stats period into one sample: packets
/// sent, and bits received (the null PMD counts no transmitted octets; in a
/// steady state everything received is sent, and the received size is the
/// capture's).
struct RateParser {
    testpmd: bool,
    cur: Option<(f64, f64)>,
}

impl RateParser {
    fn new(testpmd: bool) -> Self {
        Self { testpmd, cur: None }
    }

    /// A finished sample (packets/s, bits/s) when `line` starts a new period.
    fn line(&mut self, line: &str) -> Option<(f64, f64)> {
        if self.testpmd {
            // "  Tx-pps:     12345678          Tx-bps:  6320000000"
            // "  Rx-pps:     12345678          Rx-bps:  6320000000"
            let t = line.trim_start();
            let two = |rest: &str| {
                let mut it = rest.split_whitespace();
                let a: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
                let b: f64 = it.nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
                (a, b)
            };
            if let Some(rest) = t.strip_prefix("Tx-pps:") {
                self.cur.get_or_insert((0.0, 0.0)).0 += two(rest).0;
            } else if let Some(rest) = t.strip_prefix("Rx-pps:") {
                self.cur.get_or_insert((0.0, 0.0)).1 += two(rest).1;
            } else if t.starts_with("######") && t.contains("NIC statistics for port 0") {
                return self.flush();
            }
            None
        } else {
            // "port p0: rx N pkts (X Mpps, Y Mbps), tx N pkts (X Mpps, Y Mbps), ..."
            let (head, tx_part) = line.split_once("), tx ")?;
            let done = if head.starts_with("port ") && self.is_first_port(head) {
                self.flush()
            } else {
                None
            };
            let rx = head
                .split_once(": rx ")
                .and_then(|(_, r)| parse_rate(&format!("{r})")));
            if let (Some((tx_mpps, _)), Some((_, rx_mbps))) = (parse_rate(tx_part), rx) {
                let c = self.cur.get_or_insert((0.0, 0.0));
                c.0 += tx_mpps * 1e6;
                c.1 += rx_mbps * 1e6;
            }
            done
        }
    }

    /// Port 0 is named first in every period; the runner names it "in".
    fn is_first_port(&self, head: &str) -> bool {
        head.starts_with("port in:") || head.starts_with("port p0:")
    }

    fn flush(&mut self) -> Option<(f64, f64)> {
        self.cur.take()
    }
}

/// "N pkts (X Mpps, Y Mbps), ..." → (X, Y).
fn parse_rate(s: &str) -> Option<(f64, f64)> {
    let inner = s.split_once('(')?.1.split_once(')')?.0;
    let mut it = inner.split(',');
    let mpps = it
        .next()?
        .trim()
        .strip_suffix("Mpps")?
        .trim()
        .parse()
        .ok()?;
    let mbps = it
        .next()?
        .trim()
        .strip_suffix("Mbps")?
        .trim()
        .parse()
        .ok()?;
    Some((mpps, mbps))
}

fn rss_mib(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// SIGINT, then SIGKILL after 10 s.
pub fn stop(proc: &mut Child) {
    if let Ok(Some(_)) = proc.try_wait() {
        return;
    }
    let _ = send_signal(proc.id(), "INT");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = proc.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = proc.kill();
    let _ = proc.wait();
}

/// kill(1): this crate forbids `unsafe`, so no libc::kill.
pub fn send_signal(pid: u32, sig: &str) -> std::io::Result<()> {
    Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .map(|_| ())
}

/// Median (packets/s → Mpps, bits/s → Gbps) of the samples after the first
/// (warm-up) one.
fn summarise(samples: &[(f64, f64)]) -> Option<(f64, f64)> {
    let steady = if samples.len() > 2 {
        &samples[1..]
    } else {
        samples
    };
    if steady.is_empty() {
        return None;
    }
    let mut pps: Vec<f64> = steady.iter().map(|s| s.0).collect();
    let mut bps: Vec<f64> = steady.iter().map(|s| s.1).collect();
    Some((median(&mut pps) / 1e6, median(&mut bps) / 1e9))
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// TSC frequency: `cpu MHz` of /proc/cpuinfo (the TSC rate on CPUs with
/// `constant_tsc`/`tsc_known_freq`, as in this VM).
pub fn tsc_hz() -> Result<f64> {
    let s = std::fs::read_to_string("/proc/cpuinfo").context("reading /proc/cpuinfo")?;
    let flags = s
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    if !flags.contains(" constant_tsc") {
        eprintln!("mobgw-perf: warning: no constant_tsc; cycles per packet are approximate");
    }
    let mhz: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("cpu MHz"))
        .and_then(|r| r.split(':').nth(1))
        .and_then(|v| v.trim().parse().ok())
        .context("no \"cpu MHz\" in /proc/cpuinfo")?;
    Ok(mhz * 1e6)
}

/// The mobgw binary next to this one (target/release/mobgw-perf → mobgw).
pub fn default_mobgw() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("mobgw")))
        .unwrap_or_else(|| PathBuf::from("mobgw"))
}

pub fn check_exists(p: &Path) -> Result<()> {
    if !p.is_file() {
        bail!(
            "{} not found (build it: cargo build --release -p gateway)",
            p.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mobgw_rate_lines() {
        let l = "port p0: rx 10 pkts (1.500 Mpps, 768.0 Mbps), tx 12 pkts (2.250 Mpps, 1152.0 Mbps), missed 0, errors 0";
        let (_, tx) = l.split_once("), tx ").unwrap();
        assert_eq!(parse_rate(tx), Some((2.25, 1152.0)));
    }

    #[test]
    fn mobgw_periods_sum_ports() {
        let mut p = RateParser::new(false);
        let a = "port in: rx 1 pkts (5.000 Mpps, 1.0 Mbps), tx 0 pkts (0.000 Mpps, 0.0 Mbps), missed 0, errors 0";
        let b = "port out: rx 0 pkts (0.000 Mpps, 0.0 Mbps), tx 9 pkts (4.500 Mpps, 3744.0 Mbps), missed 0, errors 0";
        assert_eq!(p.line(a), None);
        assert_eq!(p.line(b), None);
        assert_eq!(p.line("workers: rx 5 pkts; encap 5"), None);
        assert_eq!(p.line(a), Some((4.5e6, 1.0e6)));
        assert_eq!(p.line(b), None);
        assert_eq!(p.flush(), Some((4.5e6, 1.0e6)));
    }

    #[test]
    fn testpmd_periods_sum_ports() {
        let mut p = RateParser::new(true);
        for l in [
            "  ######################## NIC statistics for port 0  ########################",
            "  Rx-pps:      7000000          Rx-bps:   3584000000",
            "  Tx-pps:            0          Tx-bps:            0",
            "  ######################## NIC statistics for port 1  ########################",
            "  Rx-pps:            0          Rx-bps:            0",
            "  Tx-pps:      7000000          Tx-bps:            0",
        ] {
            assert_eq!(p.line(l), None);
        }
        assert_eq!(
            p.line(
                "  ######################## NIC statistics for port 0  ########################"
            ),
            Some((7e6, 3.584e9))
        );
    }

    #[test]
    fn median_and_warmup() {
        let s = summarise(&[(1e6, 1e9), (4e6, 4e9), (2e6, 2e9), (3e6, 3e9)]).unwrap();
        assert!(
            (s.0 - 3.0).abs() < 1e-9,
            "warm-up sample dropped, median of 4,2,3"
        );
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
        let sp = Spread::of(&[0.9, 0.7, 0.8]);
        assert_eq!((sp.min, sp.median, sp.max), (0.7, 0.8, 0.9));
    }
}
