//! One's-complement checksum over the IPv6 pseudo-header and the Mobility Header
//! (RFC 6275 §6.1.1 with RFC 8200 §8.1, pmip-wire.md §1.2).

use std::net::Ipv6Addr;

use super::mh::IPPROTO_MH;

/// Adds `data` as big-endian 16-bit words to a 32-bit accumulator (odd tail padded with 0).
fn sum_words(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc = acc.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
        // Fold early so very long inputs can never overflow the accumulator.
        acc = (acc & 0xffff) + (acc >> 16);
    }
    if let [last] = chunks.remainder() {
        acc = acc.wrapping_add(u32::from(*last) << 8);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// One's-complement sum (not yet inverted) of the pseudo-header for next header 135 and
/// `mh`, the whole Mobility Header as it is on the wire.
pub(crate) fn pseudo_sum(src: &Ipv6Addr, dst: &Ipv6Addr, mh: &[u8]) -> u16 {
    let mut acc = sum_words(0, &src.octets());
    acc = sum_words(acc, &dst.octets());
    // Upper-layer packet length (32 bits) = the MH length; then 3 zero octets and NH 135.
    let len = u32::try_from(mh.len()).unwrap_or(u32::MAX);
    acc = sum_words(acc, &len.to_be_bytes());
    acc = sum_words(acc, &[0, 0, 0, IPPROTO_MH]);
    fold(sum_words(acc, mh))
}

/// The checksum value to write for `mh`, whose Checksum field must be zero.
pub fn mh_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, mh: &[u8]) -> u16 {
    !pseudo_sum(src, dst, mh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_handles_carries() {
        assert_eq!(fold(0x1_fffe), 0xffff);
        assert_eq!(fold(0x2_0000), 0x0002);
        assert_eq!(sum_words(0, &[0xff, 0xff, 0x00, 0x01]), 0x0001);
    }

    #[test]
    fn odd_length_is_zero_padded() {
        assert_eq!(sum_words(0, &[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    }
}
