//! Test-traffic frames: Ethernet + IPv6 + UDP, built by hand with the UDP
//! checksum over the IPv6 pseudo-header (RFC 8200 §8.1).

use std::net::Ipv6Addr;

pub const ETH_LEN: usize = 14;
pub const IPV6_LEN: usize = 40;
pub const UDP_LEN: usize = 8;
/// Smallest frame we build: Ethernet + IPv6 + UDP headers, no payload.
pub const MIN_FRAME: usize = ETH_LEN + IPV6_LEN + UDP_LEN;

/// The addresses and ports of one IPv6/UDP flow.
#[derive(Debug, Clone, Copy)]
pub struct Udp6Flow {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub sport: u16,
    pub dport: u16,
}

/// An IPv6/UDP frame of `frame_len` octets (without FCS; at least [`MIN_FRAME`]).
pub fn udp6_frame(flow: &Udp6Flow, frame_len: usize, seq: u32) -> Vec<u8> {
    let Udp6Flow {
        src_mac,
        dst_mac,
        src,
        dst,
        sport,
        dport,
    } = *flow;
    let frame_len = frame_len.max(MIN_FRAME);
    let mut f = vec![0u8; frame_len];
    f[0..6].copy_from_slice(&dst_mac);
    f[6..12].copy_from_slice(&src_mac);
    f[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
    let ip = &mut f[ETH_LEN..];
    let payload_len = (frame_len - ETH_LEN - IPV6_LEN) as u16;
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&payload_len.to_be_bytes());
    ip[6] = 17;
    ip[7] = 64;
    ip[8..24].copy_from_slice(&src.octets());
    ip[24..40].copy_from_slice(&dst.octets());
    let udp = &mut ip[IPV6_LEN..];
    udp[0..2].copy_from_slice(&sport.to_be_bytes());
    udp[2..4].copy_from_slice(&dport.to_be_bytes());
    udp[4..6].copy_from_slice(&payload_len.to_be_bytes());
    for (i, b) in udp[UDP_LEN..].iter_mut().enumerate() {
        *b = (seq as usize).wrapping_add(i) as u8;
    }
    if udp.len() >= UDP_LEN + 4 {
        udp[UDP_LEN..UDP_LEN + 4].copy_from_slice(&seq.to_be_bytes());
    }
    let ck = udp6_checksum(&src, &dst, udp);
    udp[6..8].copy_from_slice(&ck.to_be_bytes());
    f
}

fn udp6_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, udp: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for c in bytes.chunks(2) {
            let w = if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], 0])
            };
            sum += u32::from(w);
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&(udp.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 17]);
    let mut zeroed = [0u8; 8];
    zeroed.copy_from_slice(&udp[..8]);
    zeroed[6] = 0;
    zeroed[7] = 0;
    add(&zeroed);
    add(&udp[8..]);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let ck = !(sum as u16);
    if ck == 0 {
        0xffff
    } else {
        ck
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_verifies_to_ffff() {
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8:1000:5::9".parse().unwrap();
        let flow = Udp6Flow {
            src_mac: [2; 6],
            dst_mac: [4; 6],
            src,
            dst,
            sport: 1000,
            dport: 2000,
        };
        let f = udp6_frame(&flow, 101, 7);
        assert_eq!(f.len(), 101);
        let udp = &f[ETH_LEN + IPV6_LEN..];
        // Summing the pseudo-header and the segment including its checksum gives 0xffff.
        let ck = udp6_checksum(&src, &dst, udp);
        assert_eq!(ck, u16::from_be_bytes([udp[6], udp[7]]));
        assert_eq!(u16::from_be_bytes([f[18], f[19]]) as usize, 101 - 54);
    }
}
