//! Benchmark traffic and the static bindings that match it.
//!
//! The LMA side of the lab is fixed: LMA `2001:db8:100::1`, MAGs
//! `2001:db8:100::2` upward, correspondent node `2001:db8:200::fe`. Home
//! network prefixes are N consecutive /64s from a base; MAG j holds the j-th
//! of M equal ranges, written as one `bindings BASE COUNT PEER` line each.
//! Packets pick a prefix uniformly at random (fixed seed) and a random
//! interface identifier in it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::Ipv6Addr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use fastpath::frame::FrameSpec;
use pcap_file::pcap::{PcapPacket, PcapWriter};
use rand::{Rng, SeedableRng};

pub const LMA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, 0, 1);
pub const CN: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x200, 0, 0, 0, 0, 0xfe);
pub const CN_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0c, 0xfe];
/// Destination MAC of generated frames (the gateway does not filter on it).
pub const GW_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
/// Octets the outer IPv6 header adds, and GRE with a key on top of it.
const IP6IP6_OVERHEAD: usize = 40;
const GRE_KEY_OVERHEAD: usize = 48;
/// Ethernet header + FCS: frame sizes are given with the FCS, as testpmd and
/// RFC 2544 count them.
const FCS: usize = 4;
const NATIVE_MIN: usize = 14 + 40 + 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shape {
    /// IPv6/UDP from the correspondent toward the home network prefixes (encapsulated by the LMA).
    Downlink,
    /// Tunnelled from the MAGs, inner source in the MAG's prefixes (decapsulated by the LMA).
    Uplink,
    /// Half downlink, half uplink, interleaved at random.
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tunnel {
    /// IPv6-in-IPv6 (RFC 2473).
    Ip6ip6,
    /// GRE with a key per binding (RFC 5845).
    Gre,
}

impl Tunnel {
    fn overhead(self) -> usize {
        match self {
            Tunnel::Ip6ip6 => IP6IP6_OVERHEAD,
            Tunnel::Gre => GRE_KEY_OVERHEAD,
        }
    }
}

/// Frame sizes: one size, or IMIX. Sizes below 66 (Ethernet, IPv6 and UDP
/// headers with the FCS) give 66-octet frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Fixed(usize),
    /// 64/594/1518 in proportions 7:4:1 (the largest shrunk so its tunnelled
    /// form fits a 1500-octet MTU).
    Imix,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "imix" {
            return Ok(Size::Imix);
        }
        let n: usize = s
            .parse()
            .map_err(|_| format!("{s}: not a number or \"imix\""))?;
        if !(64..=1518).contains(&n) {
            return Err(format!("{n}: must be between 64 and 1518 (with FCS)"));
        }
        Ok(Size::Fixed(n))
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Size::Fixed(n) => write!(f, "{n}"),
            Size::Imix => f.write_str("imix"),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub shape: Shape,
    pub tunnel: Tunnel,
    /// Number of bound /64 prefixes.
    pub bindings: u64,
    /// Number of MAGs the prefixes are spread over.
    pub mags: u32,
    pub packets: u32,
    /// Size of the native (correspondent-side) frame; tunnelled frames are
    /// larger by the tunnel overhead.
    pub size: Size,
    /// The first /64 (its upper 64 bits count).
    pub base: Ipv6Addr,
    pub seed: u64,
}

impl Spec {
    pub fn check(&self) -> Result<()> {
        if self.bindings == 0 || self.bindings > 100_000_000 {
            bail!("--bindings {}: between 1 and 100000000", self.bindings);
        }
        if self.mags == 0 || self.mags > 60_000 {
            bail!("--mags {}: between 1 and 60000", self.mags);
        }
        if u64::from(self.mags) > self.bindings {
            bail!(
                "--mags {} is more than --bindings {}",
                self.mags,
                self.bindings
            );
        }
        if self.packets == 0 {
            bail!("--packets must be at least 1");
        }
        let base = u128::from(self.base) >> 64;
        if base
            .checked_add(u128::from(self.bindings))
            .map(|e| e > u128::from(u64::MAX))
            != Some(false)
        {
            bail!(
                "--base {}: {} /64s do not fit above it",
                self.base,
                self.bindings
            );
        }
        Ok(())
    }

    /// First prefix index of MAG `j`'s range.
    fn range_start(&self, j: u32) -> u64 {
        (u128::from(self.bindings) * u128::from(j) / u128::from(self.mags)) as u64
    }

    /// The MAG holding prefix `p`.
    pub fn mag_of(&self, p: u64) -> u32 {
        // range_start is monotonic: the last j whose start is <= p.
        let (mut lo, mut hi) = (0u32, self.mags);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.range_start(mid) <= p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The GRE key of prefix `p` (the range form gives KEY+i).
    fn gre_key(p: u64) -> u32 {
        (p as u32).wrapping_add(1)
    }

    /// The /64 of index `p`, as an address with interface identifier `iid`.
    pub fn prefix_addr(&self, p: u64, iid: u64) -> Ipv6Addr {
        let hi = (u128::from(self.base) >> 64) + u128::from(p);
        Ipv6Addr::from((hi << 64) | u128::from(iid))
    }
}

pub fn mag_addr(j: u32) -> Ipv6Addr {
    Ipv6Addr::from(u128::from(LMA) + 1 + u128::from(j))
}

pub fn mag_mac(j: u32) -> [u8; 6] {
    [0x02, 0, 0, 0x0a, (j >> 8) as u8, j as u8]
}

/// Writes the static-bindings file: one range per MAG, the MAGs' and the
/// correspondent's neighbor entries on port `port`.
pub fn write_bindings(spec: &Spec, path: &Path, port: &str) -> Result<()> {
    spec.check()?;
    let f = File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut w = BufWriter::new(f);
    writeln!(
        w,
        "# mobgw-perf gen: {} bindings over {} MAGs, tunnel {:?}",
        spec.bindings, spec.mags, spec.tunnel
    )?;
    for j in 0..spec.mags {
        let start = spec.range_start(j);
        let count = spec.range_start(j + 1) - start;
        let base = spec.prefix_addr(start, 0);
        match spec.tunnel {
            Tunnel::Ip6ip6 => writeln!(w, "bindings {base}/64 {count} {} ip6ip6", mag_addr(j))?,
            Tunnel::Gre => writeln!(
                w,
                "bindings {base}/64 {count} {} gre {}",
                mag_addr(j),
                Spec::gre_key(start)
            )?,
        }
    }
    for j in 0..spec.mags {
        writeln!(w, "neighbor {} {} {port}", mag_addr(j), fmt_mac(mag_mac(j)))?;
    }
    writeln!(w, "neighbor {CN} {} {port}", fmt_mac(CN_MAC))?;
    w.flush()
        .with_context(|| format!("write {}", path.display()))?;
    Ok(())
}

fn native_len(size: Size, tunnel: Tunnel, rng: &mut impl Rng) -> usize {
    let max = 1518 - tunnel.overhead();
    let n = match size {
        Size::Fixed(n) => n,
        Size::Imix => match rng.gen_range(0..12) {
            0..=6 => 64,
            7..=10 => 594,
            _ => 1518,
        },
    };
    n.min(max) - FCS
}

/// One frame of the capture.
pub fn frame(spec: &Spec, seq: u32, rng: &mut impl Rng) -> Vec<u8> {
    let p = rng.gen_range(0..spec.bindings);
    let iid: u64 = rng.gen::<u64>() | 1;
    let mn = spec.prefix_addr(p, iid);
    let len = native_len(spec.size, spec.tunnel, rng).max(NATIVE_MIN);
    let uplink = match spec.shape {
        Shape::Downlink => false,
        Shape::Uplink => true,
        Shape::Mixed => rng.gen_bool(0.5),
    };
    let mut payload = vec![0u8; len - NATIVE_MIN];
    for (i, b) in payload.iter_mut().enumerate() {
        *b = (seq as usize).wrapping_add(i) as u8;
    }
    if payload.len() >= 4 {
        payload[..4].copy_from_slice(&seq.to_be_bytes());
    }
    let sport = 1024 + (seq % 4096) as u16;
    if uplink {
        let j = spec.mag_of(p);
        let inner = FrameSpec::new(mn, CN).udp(sport, 5001, &payload);
        let mut outer = FrameSpec::new(mag_addr(j), LMA);
        outer.src_mac = mag_mac(j);
        outer.dst_mac = GW_MAC;
        let key = match spec.tunnel {
            Tunnel::Ip6ip6 => None,
            Tunnel::Gre => Some(Some(Spec::gre_key(p))),
        };
        outer.tunnel(&inner, key)
    } else {
        let mut f = FrameSpec::new(CN, mn);
        f.src_mac = CN_MAC;
        f.dst_mac = GW_MAC;
        f.udp(sport, 5001, &payload)
    }
}

/// Writes the capture.
pub fn write_pcap(spec: &Spec, path: &Path) -> Result<()> {
    spec.check()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(spec.seed);
    let file = File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut w = PcapWriter::new(BufWriter::new(file)).context("write pcap header")?;
    for seq in 0..spec.packets {
        let f = frame(spec, seq, &mut rng);
        w.write_packet(&PcapPacket::new(
            Duration::from_micros(u64::from(seq)),
            f.len() as u32,
            &f,
        ))
        .with_context(|| format!("write {}", path.display()))?;
    }
    Ok(())
}

pub fn fmt_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::wire::{IpAddress, Ipv6Packet, UdpPacket};

    fn spec(shape: Shape, tunnel: Tunnel) -> Spec {
        Spec {
            shape,
            tunnel,
            bindings: 1000,
            mags: 7,
            packets: 64,
            size: Size::Fixed(64),
            base: "2001:db8:1000::".parse().unwrap(),
            seed: 3,
        }
    }

    #[test]
    fn ranges_cover_every_prefix_once() {
        let s = spec(Shape::Downlink, Tunnel::Ip6ip6);
        let total: u64 = (0..s.mags)
            .map(|j| s.range_start(j + 1) - s.range_start(j))
            .sum();
        assert_eq!(total, s.bindings);
        for p in [0, 1, 142, 143, 999] {
            let j = s.mag_of(p);
            assert!(
                s.range_start(j) <= p && p < s.range_start(j + 1),
                "{p} -> {j}"
            );
        }
    }

    #[test]
    fn downlink_frames_are_64_octets_with_valid_udp() {
        let s = spec(Shape::Downlink, Tunnel::Ip6ip6);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let f = frame(&s, 5, &mut rng);
        // The smallest IPv6/UDP frame: 14 + 40 + 8 + FCS.
        assert_eq!(f.len() + FCS, 66);
        let ip = Ipv6Packet::new_checked(&f[14..]).unwrap();
        assert_eq!(ip.src_addr(), CN);
        let dst = u128::from(ip.dst_addr()) >> 64;
        let base = u128::from(s.base) >> 64;
        assert!(dst >= base && dst < base + 1000);
        let u = UdpPacket::new_checked(ip.payload()).unwrap();
        assert!(u.verify_checksum(
            &IpAddress::Ipv6(ip.src_addr()),
            &IpAddress::Ipv6(ip.dst_addr())
        ));
    }

    #[test]
    fn uplink_frames_come_from_the_prefixes_mag() {
        let s = spec(Shape::Uplink, Tunnel::Gre);
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        for seq in 0..20 {
            let f = frame(&s, seq, &mut rng);
            // Native 64 + GRE-keyed tunnel overhead.
            assert_eq!(f.len() + FCS, 66 + GRE_KEY_OVERHEAD);
            let outer = Ipv6Packet::new_checked(&f[14..]).unwrap();
            assert_eq!(outer.dst_addr(), LMA);
            assert_eq!(u8::from(outer.next_header()), 47);
            let inner = Ipv6Packet::new_checked(&outer.payload()[8..]).unwrap();
            let p = ((u128::from(inner.src_addr()) >> 64) - (u128::from(s.base) >> 64)) as u64;
            assert_eq!(outer.src_addr(), mag_addr(s.mag_of(p)));
            assert_eq!(inner.dst_addr(), CN);
        }
    }

    #[test]
    fn imix_fits_the_tunnel_mtu() {
        let mut s = spec(Shape::Mixed, Tunnel::Gre);
        s.size = Size::Imix;
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let mut seen = std::collections::BTreeSet::new();
        for seq in 0..400 {
            let f = frame(&s, seq, &mut rng);
            let native = if f[14 + 6] == 47 {
                f.len() - GRE_KEY_OVERHEAD
            } else {
                f.len()
            };
            seen.insert(native + FCS);
            assert!(native + GRE_KEY_OVERHEAD <= 1514);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![66, 594, 1470]);
    }

    #[test]
    fn bindings_file_parses_as_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.txt");
        let s = spec(Shape::Downlink, Tunnel::Gre);
        write_bindings(&s, &p, "out").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "bindings 2001:db8:1000::/64 142 2001:db8:100::2 gre 1"
        );
        assert!(lines[2].starts_with("bindings 2001:db8:1000:8e::/64 143 2001:db8:100::3 gre 143"));
        assert_eq!(
            lines.last().copied(),
            Some("neighbor 2001:db8:200::fe 02:00:00:00:0c:fe out")
        );
    }
}
