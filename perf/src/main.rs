//! `mobgw-perf`: traffic generator and side-by-side benchmark runner.
#![forbid(unsafe_code)]

mod bench;
mod pkt;

use std::fs::File;
use std::io::BufWriter;
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use pcap_file::pcap::{PcapPacket, PcapWriter};
use rand::{Rng, SeedableRng};

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
    /// Write a capture of test traffic.
    Gen {
        /// Output pcap file.
        #[arg(long, short)]
        out: PathBuf,
        /// Number of packets.
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// Frame size in octets (without FCS); `imix` mixes 64/594/1518 7:4:1.
        #[arg(long, default_value = "64")]
        size: String,
        /// Traffic shape.
        #[arg(long, value_enum, default_value_t = Shape::Mixed)]
        shape: Shape,
        /// Destinations are drawn from this many /64 prefixes under --prefix.
        #[arg(long, default_value_t = 256)]
        prefixes: u32,
        /// The /48 the destination /64s are taken from.
        #[arg(long, default_value = "2001:db8:1000::")]
        prefix: Ipv6Addr,
        /// RNG seed (captures are reproducible).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run testpmd (io) and mobgw on identical vdevs, alternating, and compare.
    Run {
        #[arg(value_enum)]
        scenario: BenchScenario,
        /// Seconds per run.
        #[arg(long, default_value_t = 6)]
        seconds: u64,
        /// A/B rounds.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// mobgw binary (default: next to mobgw-perf).
        #[arg(long)]
        mobgw: Option<PathBuf>,
        #[arg(long, default_value = "dpdk-testpmd")]
        testpmd: String,
        /// Worker lcore for both.
        #[arg(long, default_value_t = 1)]
        lcore: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BenchScenario {
    /// Two net_null ports forwarding to each other (pure I/O cost).
    IoNull,
    /// net_pcap infinite_rx=1 replaying 64-byte IPv6/UDP → net_null.
    IoPcap,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Shape {
    /// IPv6/UDP from a correspondent toward home network prefixes.
    Downlink,
    /// Downlink with varied sizes and ports: the forwarding smoke test.
    Mixed,
}

fn frame_size(spec: &str, rng: &mut impl Rng) -> Result<usize> {
    if spec == "imix" {
        let r = rng.gen_range(0..12);
        return Ok(if r < 7 {
            60
        } else if r < 11 {
            590
        } else {
            1514
        });
    }
    let n: usize = spec
        .parse()
        .with_context(|| format!("--size {spec}: not a number or \"imix\""))?;
    if !(64..=1518).contains(&n) {
        bail!("--size {n}: must be between 64 and 1518 (frame size with FCS)");
    }
    // Sizes are given with the 4-octet FCS, as testpmd and RFC 2544 count them.
    Ok(n - 4)
}

fn gen(
    out: PathBuf,
    count: u32,
    size: &str,
    shape: Shape,
    prefixes: u32,
    base: Ipv6Addr,
    seed: u64,
) -> Result<()> {
    if prefixes == 0 || prefixes > 65_536 {
        bail!("--prefixes {prefixes}: must be between 1 and 65536 (/64s in a /48)");
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let file = File::create(&out).with_context(|| format!("create {}", out.display()))?;
    let mut w = PcapWriter::new(BufWriter::new(file)).context("write pcap header")?;
    let cn: Ipv6Addr = "2001:db8:200::fe".parse()?;
    let base = base.segments();
    for seq in 0..count {
        let p = rng.gen_range(0..prefixes) as u16;
        let iid: u64 = rng.gen();
        let dst = Ipv6Addr::new(
            base[0],
            base[1],
            base[2],
            p,
            (iid >> 48) as u16,
            (iid >> 32) as u16,
            (iid >> 16) as u16,
            iid as u16,
        );
        let (len, sport, dport) = match shape {
            Shape::Downlink => (frame_size(size, &mut rng)?, 1024, 5001),
            Shape::Mixed => (
                pkt::MIN_FRAME + rng.gen_range(0..200),
                rng.gen_range(1024..65535),
                rng.gen_range(1..1024),
            ),
        };
        let flow = pkt::Udp6Flow {
            src_mac: [0x02, 0, 0, 0, 0, 0xfe],
            dst_mac: [0x02, 0, 0, 0, 0, 0x01],
            src: cn,
            dst,
            sport,
            dport,
        };
        let frame = pkt::udp6_frame(&flow, len, seq);
        w.write_packet(&PcapPacket::new(
            Duration::from_micros(u64::from(seq)),
            frame.len() as u32,
            &frame,
        ))
        .context("write packet")?;
    }
    println!("wrote {count} packets to {}", out.display());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_bench(
    scenario: BenchScenario,
    seconds: u64,
    rounds: u32,
    mobgw: Option<PathBuf>,
    testpmd: String,
    lcore: u32,
    json: bool,
) -> Result<()> {
    if seconds < 3 {
        bail!("--seconds {seconds}: at least 3 (the first second is warm-up)");
    }
    if rounds == 0 || rounds > 20 {
        bail!("--rounds {rounds}: between 1 and 20");
    }
    let mobgw = mobgw.unwrap_or_else(bench::default_mobgw);
    bench::check_exists(&mobgw)?;
    let workdir = PathBuf::from("target/perf");
    std::fs::create_dir_all(&workdir).context("creating target/perf")?;
    let sc = match scenario {
        BenchScenario::IoNull => bench::Scenario {
            name: "io-null".into(),
            vdevs: vec!["net_null0".into(), "net_null1".into()],
            mobgw_extra: LMA_EXTRA.into(),
            roles: "\"lma\"".into(),
            forward: "io",
        },
        BenchScenario::IoPcap => {
            let pcap = workdir.join("io-64.pcap");
            gen(
                pcap.clone(),
                1024,
                "64",
                Shape::Downlink,
                256,
                "2001:db8:1000::".parse()?,
                1,
            )?;
            let pcap = pcap.canonicalize()?;
            bench::Scenario {
                name: "io-pcap".into(),
                vdevs: vec![
                    format!("net_pcap0,rx_pcap={},infinite_rx=1", pcap.display()),
                    "net_null0,no-rx=1".into(),
                ],
                mobgw_extra: LMA_EXTRA.into(),
                roles: "\"lma\"".into(),
                forward: "io",
            }
        }
    };
    let runner = bench::Runner {
        mobgw,
        testpmd,
        seconds,
        workdir,
        worker_lcore: lcore,
    };
    let mut t = Vec::new();
    let mut m = Vec::new();
    for round in 0..rounds {
        for side in [bench::Side::Testpmd, bench::Side::Mobgw] {
            eprintln!(
                "[{}/{}] {} {} for {seconds}s ...",
                round + 1,
                rounds,
                sc.name,
                side.label()
            );
            let s = runner.run(&sc, side, round)?;
            eprintln!("      {:.3} Mpps {:.3} Gbps", s.mpps, s.gbps);
            match side {
                bench::Side::Testpmd => t.push(s),
                bench::Side::Mobgw => m.push(s),
            }
        }
    }
    let mut ratios: Vec<f64> = t
        .iter()
        .zip(&m)
        .map(|(a, b)| b.mpps / a.mpps.max(1e-9))
        .collect();
    let mut tp: Vec<f64> = t.iter().map(|s| s.mpps).collect();
    let mut mp: Vec<f64> = m.iter().map(|s| s.mpps).collect();
    let mut mg: Vec<f64> = m.iter().map(|s| s.gbps).collect();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(0.0, f64::max);
    let med = bench::median(&mut ratios);
    let (tpm, mpm, mgm) = (
        bench::median(&mut tp),
        bench::median(&mut mp),
        bench::median(&mut mg),
    );
    if json {
        println!(
            "{{\"scenario\":\"{}\",\"seconds\":{seconds},\"rounds\":{rounds},\"testpmd_mpps\":{tpm:.4},\"mobgw_mpps\":{mpm:.4},\"mobgw_gbps\":{mgm:.4},\"ratio_min\":{min:.4},\"ratio_median\":{med:.4},\"ratio_max\":{max:.4}}}",
            sc.name
        );
    } else {
        println!("scenario   testpmd Mpps  mobgw Mpps  mobgw Gbps  ratio min/median/max");
        println!(
            "{:<10} {tpm:>12.3} {mpm:>11.3} {mgm:>11.3}  {min:.3} / {med:.3} / {max:.3}",
            sc.name
        );
    }
    Ok(())
}

const LMA_EXTRA: &str = "[lma]\naddress = \"2001:db8:100::1\"\nhnp_pool = \"2001:db8:1000::/48\"\n";

fn main() {
    let cli = Cli::parse();
    let r = match cli.command {
        Command::Gen {
            out,
            count,
            size,
            shape,
            prefixes,
            prefix,
            seed,
        } => gen(out, count, &size, shape, prefixes, prefix, seed),
        Command::Run {
            scenario,
            seconds,
            rounds,
            mobgw,
            testpmd,
            lcore,
            json,
        } => run_bench(scenario, seconds, rounds, mobgw, testpmd, lcore, json),
    };
    if let Err(e) = r {
        eprintln!("mobgw-perf: error: {e:#}");
        std::process::exit(1);
    }
}
