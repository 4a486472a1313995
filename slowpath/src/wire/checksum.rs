//! One's-complement checksum over the IPv6 pseudo-header and the Mobility Header
//! (RFC 6275 §6.1.1 with RFC 8200 §8.1, pmip-wire.md §1.2).

use std::net::Ipv6Addr;

use super::mh::IPPROTO_MH;

/// Adds `data` to a one's-complement accumulator, eight octets at a time as
/// big-endian 64-bit words with end-around carry (their 16-bit parts fold to
/// the same sum, since 2^16 ≡ 1 mod 0xffff, and so does the carry out of bit
/// 63); the tail is zero-padded. `data` must start at an even offset of the
/// summed stream (it always starts at a multiple of 4 here).
fn sum_words(mut acc: u64, data: &[u8]) -> u64 {
    let mut add = |w: u64| {
        let (sum, carry) = acc.overflowing_add(w);
        // Cannot overflow: with a carry, `sum` is at most 2^64 - 2.
        acc = sum + u64::from(carry);
    };
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        add(u64::from_be_bytes(w));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        add(u64::from_be_bytes(tail));
    }
    acc
}

fn fold(mut acc: u64) -> u16 {
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
        assert_eq!(fold(sum_words(0, &[0xff, 0xff, 0x00, 0x01])), 0x0001);
    }

    #[test]
    fn odd_length_is_zero_padded() {
        assert_eq!(fold(sum_words(0, &[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }

    /// RFC 1071 as written: 16-bit words, end-around carry per word.
    fn reference(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for w in data.chunks(2) {
            let word = u32::from(w[0]) << 8 | u32::from(*w.get(1).unwrap_or(&0));
            acc += word;
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    #[test]
    fn wide_sum_matches_the_16_bit_definition() {
        let mut x: u32 = 0x1234_5678;
        let data: Vec<u8> = (0..2100)
            .map(|_| {
                // xorshift: varied octets, including long runs of carries below.
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for len in (0..64).chain([255, 1024, 2047, 2048, 2100]) {
            assert_eq!(
                fold(sum_words(0, &data[..len])),
                reference(&data[..len]),
                "{len}"
            );
        }
        let ones = [0xffu8; 2048];
        for len in [1, 2, 3, 4, 5, 2048] {
            assert_eq!(
                fold(sum_words(0, &ones[..len])),
                reference(&ones[..len]),
                "{len}"
            );
        }
    }
}
