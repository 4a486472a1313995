//! `mobgw-perf`: traffic generator, side-by-side benchmark runner, kernel
//! ip6tnl baseline and MAG signaling load generator.
#![forbid(unsafe_code)]

mod bench;
mod gen;
mod kernel;
mod magload;
mod netns;

use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use bench::{Runner, Scenario, Spread, Variant, VariantResult};
use gen::{Shape, Size, Spec, Tunnel};

#[derive(Debug, Parser)]
#[command(
    name = "mobgw-perf",
    version,
    about = "mobgw traffic generator and benchmark runner"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a capture of test traffic and the static-bindings file it matches.
    Gen {
        /// Output pcap file.
        #[arg(long, short)]
        out: PathBuf,
        /// Output static-bindings file (for `[lma] static_bindings`).
        #[arg(long)]
        bindings_out: Option<PathBuf>,
        /// Port name the neighbor entries of the bindings file use.
        #[arg(long, default_value = "out")]
        port: String,
        #[command(flatten)]
        traffic: TrafficArgs,
    },
    /// Run testpmd (io) and mobgw on identical vdevs, taking turns, and compare.
    Run(RunArgs),
    /// The same downlink encapsulation by the Linux kernel (ip6tnl, else seg6
    /// encap.red) between network namespaces, per core, beside mobgw's rate.
    Kernel(kernel::KernelArgs),
    /// Act as K MAGs registering N mobile nodes against an LMA (by default a
    /// mobgw it starts in a namespace lab).
    MagLoad(magload::MagLoadArgs),
}

#[derive(Debug, Clone, Args)]
struct TrafficArgs {
    /// Traffic shape.
    #[arg(long, value_enum, default_value_t = Shape::Downlink)]
    shape: Shape,
    /// Tunnel of the bindings (and of uplink packets).
    #[arg(long, value_enum, default_value_t = Tunnel::Ip6ip6)]
    tunnel: Tunnel,
    /// Number of bound /64 home network prefixes.
    #[arg(long, default_value_t = 1024)]
    bindings: u64,
    /// Number of MAGs the prefixes are spread over.
    #[arg(long, default_value_t = 16)]
    mags: u32,
    /// Packets in the capture.
    #[arg(long, default_value_t = 65_536)]
    packets: u32,
    /// Native frame size with FCS (64…1518) or `imix` (64/594/1518 7:4:1).
    #[arg(long, default_value = "64")]
    size: Size,
    /// The first /64 home network prefix.
    #[arg(long, default_value = "2001:db8:1000::")]
    base: Ipv6Addr,
    /// RNG seed (captures are reproducible).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl TrafficArgs {
    fn spec(&self) -> Spec {
        Spec {
            shape: self.shape,
            tunnel: self.tunnel,
            bindings: self.bindings,
            mags: self.mags,
            packets: self.packets,
            size: self.size,
            base: self.base,
            seed: self.seed,
        }
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    #[arg(value_enum)]
    scenario: BenchScenario,
    /// Measured seconds per run (after start-up and one warm-up second).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Rounds (each runs every variant once).
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Bindings (not for the sweep).
    #[arg(long, default_value_t = 1_000_000)]
    bindings: u64,
    /// Bindings counts of the sweep.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000,10000,100000,1000000,10000000"
    )]
    sweep: Vec<u64>,
    /// MAGs the bindings are spread over.
    #[arg(long, default_value_t = 16)]
    mags: u32,
    /// Packets in the replayed capture (all held in mbufs).
    #[arg(long, default_value_t = 65_536)]
    packets: u32,
    /// Native frame size with FCS or `imix` (default: imix for `mixed`, else 64).
    #[arg(long)]
    size: Option<Size>,
    /// Table changes per second of the update storm.
    #[arg(long, default_value_t = 100_000)]
    churn: u32,
    /// mobgw binary (default: next to mobgw-perf).
    #[arg(long)]
    mobgw: Option<PathBuf>,
    #[arg(long, default_value = "dpdk-testpmd")]
    testpmd: String,
    /// Worker lcore for both.
    #[arg(long, default_value_t = 1)]
    lcore: u32,
    /// EAL memory (MiB, `-m`) for both.
    #[arg(long, default_value_t = 1024)]
    mem: u32,
    /// Print JSON (one object per line) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BenchScenario {
    /// Two net_null ports forwarding to each other (pure I/O cost, mobgw forward = io).
    IoNull,
    /// net_pcap replaying 64-byte IPv6/UDP → net_null (mobgw forward = io).
    IoPcap,
    /// LMA downlink: IPv6-in-IPv6 encapsulation toward the MAGs.
    Downlink,
    /// LMA uplink: decapsulation with the source check (RFC 5213 §5.6.2).
    Uplink,
    /// Half downlink, half uplink, IMIX sizes.
    Mixed,
    /// Downlink with GRE-keyed bindings (RFC 5845).
    Gre,
    /// Downlink while bindings are re-published at --churn per second, beside the quiet rate.
    UpdateStorm,
    /// Downlink at each --sweep bindings count.
    BindingsSweep,
}

impl BenchScenario {
    fn name(self) -> &'static str {
        match self {
            BenchScenario::IoNull => "io-null",
            BenchScenario::IoPcap => "io-pcap",
            BenchScenario::Downlink => "downlink",
            BenchScenario::Uplink => "uplink",
            BenchScenario::Mixed => "mixed",
            BenchScenario::Gre => "gre",
            BenchScenario::UpdateStorm => "update-storm",
            BenchScenario::BindingsSweep => "bindings-sweep",
        }
    }
}

/// One scenario's figures, as printed with --json.
#[derive(Debug, Serialize)]
struct Report {
    scenario: String,
    bindings: u64,
    mags: u32,
    packets: u32,
    size: String,
    tunnel: String,
    seconds: u64,
    rounds: u32,
    tsc_mhz: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    churn_per_sec: Option<u32>,
    testpmd_mpps: f64,
    mobgw_mpps: f64,
    mobgw_gbps: f64,
    ratio_min: f64,
    ratio_median: f64,
    ratio_max: f64,
    /// Storm over quiet mobgw, per round (update-storm only).
    #[serde(skip_serializing_if = "Option::is_none")]
    storm_vs_quiet: Option<Spread>,
    variants: Vec<VariantResult>,
}

const OUT_PORT: &str = "out";

fn mobility_body(vdevs: &[String], spec: &Spec, bindings_file: &Path) -> String {
    format!(
        "[[port]]\nname = \"in\"\ndevice = \"{}\"\n\n\
         [[port]]\nname = \"{OUT_PORT}\"\ndevice = \"{}\"\n\
         addresses = [\"2001:db8:100::1/64\", \"2001:db8:200::1/64\"]\n\n\
         [[route]]\nprefix = \"::/0\"\nvia = \"{}\"\n\n\
         [lma]\naddress = \"{}\"\nhnp_pool = \"2001:db8:1000::/48\"\ntunnel = \"{}\"\n\
         static_bindings = \"{}\"\n",
        vdevs[0],
        vdevs[1],
        gen::CN,
        gen::LMA,
        match spec.tunnel {
            Tunnel::Ip6ip6 => "ip6ip6",
            Tunnel::Gre => "gre",
        },
        bindings_file.display()
    )
}

fn io_body(vdevs: &[String]) -> String {
    format!(
        "[[port]]\nname = \"in\"\ndevice = \"{}\"\n\n[[port]]\nname = \"{OUT_PORT}\"\ndevice = \"{}\"\n\n\
         [lma]\naddress = \"{}\"\nhnp_pool = \"2001:db8:1000::/48\"\n",
        vdevs[0],
        vdevs[1],
        gen::LMA
    )
}

fn mobgw_variant() -> Variant {
    Variant::Mobgw {
        label: "mobgw".into(),
        extra: String::new(),
    }
}

/// Generates the capture (and bindings) of `spec` under `dir` and describes the scenario.
fn build_scenario(
    name: &str,
    forward_io: bool,
    spec: &Spec,
    dir: &Path,
    variants: Vec<Variant>,
) -> Result<Scenario> {
    let pcap = dir.join(format!("{name}-{}.pcap", spec.bindings));
    eprintln!(
        "mobgw-perf: generating {} packets ({:?}, {}, size {}) over {} bindings",
        spec.packets,
        spec.shape,
        format!("{:?}", spec.tunnel).to_lowercase(),
        spec.size,
        spec.bindings
    );
    gen::write_pcap(spec, &pcap)?;
    let vdevs = vec![
        format!("net_pcap0,rx_pcap={},infinite_rx=1", pcap.display()),
        "net_null0,no-rx=1".to_string(),
    ];
    let mbufs = spec.packets + 16_384;
    let body = if forward_io {
        io_body(&vdevs)
    } else {
        let b = dir.join(format!("{name}-{}.bindings", spec.bindings));
        gen::write_bindings(spec, &b, OUT_PORT)?;
        mobility_body(&vdevs, spec, &b)
    };
    Ok(Scenario {
        name: name.to_string(),
        vdevs,
        mobgw_body: body,
        forward: if forward_io { "io" } else { "mobility" },
        mbufs,
        variants,
    })
}

fn report(a: &RunArgs, spec: &Spec, name: &str, tsc_hz: f64, res: Vec<VariantResult>) -> Report {
    let t = &res[0];
    let m = &res[1];
    // Storm over quiet, per round (the runs next to each other in time).
    let storm_vs_quiet = res.get(2).map(|storm| {
        let r: Vec<f64> = storm
            .rounds_mpps
            .iter()
            .zip(&m.rounds_mpps)
            .map(|(s, q)| s / q.max(1e-9))
            .collect();
        Spread::of(&r)
    });
    Report {
        scenario: name.to_string(),
        bindings: spec.bindings,
        mags: spec.mags,
        packets: spec.packets,
        size: spec.size.to_string(),
        tunnel: format!("{:?}", spec.tunnel).to_lowercase(),
        seconds: a.seconds,
        rounds: a.rounds,
        tsc_mhz: tsc_hz / 1e6,
        churn_per_sec: (a.scenario == BenchScenario::UpdateStorm).then_some(a.churn),
        testpmd_mpps: t.mpps.median,
        mobgw_mpps: m.mpps.median,
        mobgw_gbps: m.gbps_median,
        ratio_min: m.ratio.min,
        ratio_median: m.ratio.median,
        ratio_max: m.ratio.max,
        storm_vs_quiet,
        variants: res,
    }
}

fn print_report(r: &Report, json: bool, header: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(r)?);
        return Ok(());
    }
    if header {
        println!(
            "{:<15} {:>9} {:<14} {:>9} {:>8} {:>11} {:>9} {:>9}  ratio min/median/max",
            "scenario", "bindings", "variant", "Mpps", "Gbps", "cycles/pkt", "RSS MiB", "start s"
        );
    }
    for v in &r.variants {
        println!(
            "{:<15} {:>9} {:<14} {:>9.3} {:>8.3} {:>11.1} {:>9} {:>9}  {:.3} / {:.3} / {:.3}",
            r.scenario,
            r.bindings,
            v.label,
            v.mpps.median,
            v.gbps_median,
            v.cycles_per_pkt,
            v.rss_mib
                .map(|x| format!("{x:.0}"))
                .unwrap_or_else(|| "-".into()),
            v.startup_s
                .map(|x| format!("{x:.1}"))
                .unwrap_or_else(|| "-".into()),
            v.ratio.min,
            v.ratio.median,
            v.ratio.max
        );
    }
    for v in &r.variants {
        if let Some(c) = &v.churn {
            println!("{:<15} {} churn: {c}", r.scenario, v.label);
        }
    }
    if let Some(s) = &r.storm_vs_quiet {
        println!(
            "{:<15} storm/quiet {:.3} / {:.3} / {:.3}",
            r.scenario, s.min, s.median, s.max
        );
    }
    Ok(())
}

fn run_bench(a: RunArgs, interrupted: Arc<AtomicBool>) -> Result<()> {
    if a.seconds < 2 {
        bail!("--seconds {}: at least 2", a.seconds);
    }
    if a.rounds == 0 || a.rounds > 20 {
        bail!("--rounds {}: between 1 and 20", a.rounds);
    }
    let mobgw = a.mobgw.clone().unwrap_or_else(bench::default_mobgw);
    bench::check_exists(&mobgw)?;
    let dir = tempfile::Builder::new()
        .prefix("mobgw-perf-")
        .tempdir()
        .context("creating a temporary directory")?;
    let tsc_hz = bench::tsc_hz()?;
    let runner = Runner {
        mobgw,
        testpmd: a.testpmd.clone(),
        seconds: a.seconds,
        workdir: dir.path().to_path_buf(),
        worker_lcore: a.lcore,
        mem_mb: a.mem,
        tsc_hz,
        interrupted,
    };
    let size = a.size.unwrap_or(if a.scenario == BenchScenario::Mixed {
        Size::Imix
    } else {
        Size::Fixed(64)
    });
    let spec = |shape, tunnel, bindings| Spec {
        shape,
        tunnel,
        bindings,
        mags: a.mags,
        packets: a.packets,
        size,
        base: Ipv6Addr::new(0x2001, 0xdb8, 0x1000, 0, 0, 0, 0, 0),
        seed: 1,
    };
    let two = || vec![Variant::Testpmd, mobgw_variant()];
    let name = a.scenario.name();
    let d = dir.path();
    let one = |spec: Spec, io: bool, variants| -> Result<()> {
        let sc = build_scenario(name, io, &spec, d, variants)?;
        let res = runner.run_rounds(&sc, a.rounds)?;
        print_report(&report(&a, &spec, name, tsc_hz, res), a.json, true)
    };
    match a.scenario {
        BenchScenario::IoNull => {
            let vdevs = vec!["net_null0".to_string(), "net_null1".to_string()];
            let sc = Scenario {
                name: name.into(),
                mobgw_body: io_body(&vdevs),
                vdevs,
                forward: "io",
                mbufs: 16_384,
                variants: two(),
            };
            let res = runner.run_rounds(&sc, a.rounds)?;
            let s = spec(Shape::Downlink, Tunnel::Ip6ip6, 0);
            print_report(&report(&a, &s, name, tsc_hz, res), a.json, true)
        }
        BenchScenario::IoPcap => one(spec(Shape::Downlink, Tunnel::Ip6ip6, 1024), true, two()),
        BenchScenario::Downlink => one(
            spec(Shape::Downlink, Tunnel::Ip6ip6, a.bindings),
            false,
            two(),
        ),
        BenchScenario::Uplink => one(
            spec(Shape::Uplink, Tunnel::Ip6ip6, a.bindings),
            false,
            two(),
        ),
        BenchScenario::Mixed => one(spec(Shape::Mixed, Tunnel::Ip6ip6, a.bindings), false, two()),
        BenchScenario::Gre => one(spec(Shape::Downlink, Tunnel::Gre, a.bindings), false, two()),
        BenchScenario::UpdateStorm => {
            let variants = vec![
                Variant::Testpmd,
                Variant::Mobgw {
                    label: "mobgw-quiet".into(),
                    extra: String::new(),
                },
                Variant::Mobgw {
                    label: "mobgw-storm".into(),
                    extra: format!("\n[benchmark]\nchurn_per_sec = {}\n", a.churn),
                },
            ];
            one(
                spec(Shape::Downlink, Tunnel::Ip6ip6, a.bindings),
                false,
                variants,
            )
        }
        BenchScenario::BindingsSweep => {
            for (i, &n) in a.sweep.iter().enumerate() {
                let s = spec(Shape::Downlink, Tunnel::Ip6ip6, n);
                let sc = build_scenario(name, false, &s, d, two())?;
                let res = runner.run_rounds(&sc, a.rounds)?;
                print_report(&report(&a, &s, name, tsc_hz, res), a.json, i == 0)?;
                // The next point's files replace these.
                let _ = std::fs::remove_file(
                    sc.vdevs[0]
                        .split("rx_pcap=")
                        .nth(1)
                        .and_then(|r| r.split(',').next())
                        .unwrap_or_default(),
                );
            }
            Ok(())
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&interrupted)) {
            eprintln!("mobgw-perf: error: installing a handler for signal {sig}: {e}");
            std::process::exit(1);
        }
    }
    let r = match cli.command {
        Command::Gen {
            out,
            bindings_out,
            port,
            traffic,
        } => {
            let spec = traffic.spec();
            gen::write_pcap(&spec, &out).and_then(|()| {
                println!("wrote {} packets to {}", spec.packets, out.display());
                if let Some(b) = bindings_out {
                    gen::write_bindings(&spec, &b, &port)?;
                    println!(
                        "wrote {} bindings over {} MAGs to {}",
                        spec.bindings,
                        spec.mags,
                        b.display()
                    );
                }
                Ok(())
            })
        }
        Command::Run(a) => run_bench(a, interrupted),
        Command::Kernel(a) => kernel::run(a, interrupted),
        Command::MagLoad(a) => magload::run(a, interrupted),
    };
    if let Err(e) = r {
        eprintln!("mobgw-perf: error: {e:#}");
        std::process::exit(1);
    }
}
