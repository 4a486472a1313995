//! `mobgw-perf`: traffic generator and side-by-side benchmark runner.
#![forbid(unsafe_code)]

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
    };
    if let Err(e) = r {
        eprintln!("mobgw-perf: error: {e:#}");
        std::process::exit(1);
    }
}
