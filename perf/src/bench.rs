//! Side-by-side runner: `dpdk-testpmd --forward-mode=io` and `mobgw` on
//! identical virtual devices, alternating A B A B for a fixed time each. Both
//! print per-port rates every second; the runner takes the median of each
//! run's steady-state samples (the first sample, taken while the run warms
//! up, is dropped) and reports Mpps, Gbps and the mobgw/testpmd ratio.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// One forwarding setup, described by its vdevs (identical for both sides).
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// `--vdev` strings, in port order.
    pub vdevs: Vec<String>,
    /// Extra TOML appended to mobgw's generated configuration.
    pub mobgw_extra: String,
    /// Roles for mobgw's `[gateway] roles`.
    pub roles: String,
    /// mobgw's `[dpdk] forward` mode (`io` or `mobility`).
    pub forward: &'static str,
}

/// One measured run.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub mpps: f64,
    pub gbps: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Testpmd,
    Mobgw,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Testpmd => "testpmd",
            Side::Mobgw => "mobgw",
        }
    }
}

pub struct Runner {
    pub mobgw: PathBuf,
    pub testpmd: String,
    pub seconds: u64,
    pub workdir: PathBuf,
    pub worker_lcore: u32,
}

impl Runner {
    pub fn run(&self, sc: &Scenario, side: Side, round: u32) -> Result<Sample> {
        let prefix = format!("mobgw-perf-{}-{}-{round}", std::process::id(), side.label());
        let mut child = match side {
            Side::Testpmd => {
                let mut c = Command::new(&self.testpmd);
                c.args(["--no-huge", "-m", "1024", "--no-pci", "--no-shconf"])
                    .args(["--file-prefix", &prefix])
                    .args(["-l", &format!("0,{}", self.worker_lcore)]);
                for v in &sc.vdevs {
                    c.args(["--vdev", v]);
                }
                c.args(["--", "--forward-mode=io", "--stats-period", "1"])
                    .args(["--nb-cores", "1", "--burst", "32"])
                    .args(["--rxd", "1024", "--txd", "1024"]);
                c
            }
            Side::Mobgw => {
                let cfg = self.mobgw_config(sc, &prefix)?;
                let mut c = Command::new(&self.mobgw);
                c.args(["run", "--stats-period", "1", "--config"]).arg(cfg);
                c.env("MOBGW_LOG", "warn");
                c
            }
        };
        let mut proc = child
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("spawning {}", side.label()))?;
        let samples = collect(&mut proc, side, Duration::from_secs(self.seconds + 1))?;
        stop(&mut proc)?;
        summarise(&samples).with_context(|| {
            format!(
                "{} on {}: no steady-state rate samples",
                side.label(),
                sc.name
            )
        })
    }

    fn mobgw_config(&self, sc: &Scenario, prefix: &str) -> Result<PathBuf> {
        let mut s = format!(
            "[gateway]\nnode_id = \"perf\"\nroles = [{}]\n\n[dpdk]\n\
             eal_args = [\"--no-huge\", \"-m\", \"1024\", \"--no-pci\", \"--no-shconf\", \"--file-prefix\", \"{prefix}\"]\n\
             worker_lcores = [{}]\nidle = \"poll\"\nforward = \"{}\"\n\n",
            sc.roles, self.worker_lcore, sc.forward
        );
        for (i, v) in sc.vdevs.iter().enumerate() {
            s += &format!("[[port]]\nname = \"p{i}\"\ndevice = \"{v}\"\n\n");
        }
        s += &sc.mobgw_extra;
        let path = self.workdir.join(format!("{}.toml", sc.name));
        std::fs::write(&path, s).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// Per-second total TX rates (packets/s, bits/s) over all ports.
fn collect(proc: &mut Child, side: Side, run_for: Duration) -> Result<Vec<(f64, f64)>> {
    let stdout = proc.stdout.take().context("stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut samples = Vec::new();
    let mut cur = (0.0, 0.0, 0usize);
    while start.elapsed() < run_for {
        let line = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(l) => l,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(st) = proc.try_wait()? {
                    bail!("{} exited early with {st}", side.label());
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        match side {
            Side::Testpmd => {
                // "  Tx-pps:     12345678          Tx-bps:  6320000000"
                let t = line.trim_start();
                if let Some(rest) = t.strip_prefix("Tx-pps:") {
                    let mut it = rest.split_whitespace();
                    let pps: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
                    let bps: f64 = it.nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
                    cur.0 += pps;
                    cur.1 += bps;
                    cur.2 += 1;
                } else if t.starts_with("######")
                    && t.contains("NIC statistics for port 0")
                    && cur.2 > 0
                {
                    samples.push((cur.0, cur.1));
                    cur = (0.0, 0.0, 0);
                }
            }
            Side::Mobgw => {
                // "port p0: rx N pkts (X Mpps, Y Mbps), tx N pkts (X Mpps, Y Mbps), ..."
                if let Some((_, tx_part)) = line.split_once("), tx ") {
                    if line.starts_with("port p0:") && cur.2 > 0 {
                        samples.push((cur.0, cur.1));
                        cur = (0.0, 0.0, 0);
                    }
                    if let Some((mpps, mbps)) = parse_rate(tx_part) {
                        cur.0 += mpps * 1e6;
                        cur.1 += mbps * 1e6;
                        cur.2 += 1;
                    }
                }
            }
        }
    }
    if cur.2 > 0 {
        samples.push((cur.0, cur.1));
    }
    Ok(samples)
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

fn stop(proc: &mut Child) -> Result<()> {
    let _ = Command::new("kill")
        .args(["-INT", &proc.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if proc.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = proc.kill();
    let _ = proc.wait();
    Ok(())
}

/// Median of the samples after the first (warm-up) one.
fn summarise(samples: &[(f64, f64)]) -> Option<Sample> {
    let steady: Vec<(f64, f64)> = if samples.len() > 2 {
        samples[1..].to_vec()
    } else {
        samples.to_vec()
    };
    if steady.is_empty() {
        return None;
    }
    let mut pps: Vec<f64> = steady.iter().map(|s| s.0).collect();
    let mut bps: Vec<f64> = steady.iter().map(|s| s.1).collect();
    Some(Sample {
        mpps: median(&mut pps) / 1e6,
        gbps: median(&mut bps) / 1e9,
    })
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
    fn median_and_warmup() {
        let s = summarise(&[(1e6, 1e9), (4e6, 4e9), (2e6, 2e9), (3e6, 3e9)]).unwrap();
        assert!(
            (s.mpps - 3.0).abs() < 1e-9,
            "warm-up sample dropped, median of 4,2,3"
        );
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
    }
}
