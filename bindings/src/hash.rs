//! A small multiplicative hasher for addresses. Keys are attacker-influenced
//! only through prefixes the LMA itself assigns, so speed wins over DoS
//! resistance here; the folded multiply still mixes every input bit.

use core::hash::{BuildHasher, Hasher};

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const K3: u64 = 0x1656_67B1_9E37_79F9;

#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

/// Hash of a 128-bit key plus a small tag (a prefix length).
#[inline(always)]
pub(crate) fn hash128(key: u128, tag: u8) -> u64 {
    let hi = (key >> 64) as u64;
    let lo = key as u64;
    let a = fold_mul(hi ^ K1, K2);
    fold_mul(a ^ lo ^ (u64::from(tag) << 56) ^ K3, K1)
}

/// `Hasher` for the authoritative caches' `std` maps.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Whole words without a copy; the zero-padded tail as one more word.
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = fold_mul(self.0 ^ w ^ K3, K1);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.0 = fold_mul(self.0 ^ u64::from_le_bytes(b) ^ K3, K1);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = fold_mul(self.0 ^ i ^ K3, K1);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `BuildHasher` for [`FastHasher`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FastBuildHasher;

impl BuildHasher for FastBuildHasher {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(K2)
    }
}

/// A `std` map with the fast hasher.
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn sequential_prefixes_spread_over_low_bits() {
        // /64s out of one /48 differ only in 16 bits of the high word; the
        // table takes the low bits of the hash, so these must spread.
        let base: u128 = 0x2001_0db8_1000_0000 << 64;
        let buckets: HashSet<u64> = (0..4096u128)
            .map(|i| hash128(base | (i << 64), 64) & 4095)
            .collect();
        assert!(buckets.len() > 2400, "only {} buckets used", buckets.len());
    }

    #[test]
    fn byte_strings_hash_as_zero_padded_words() {
        let word = |bytes: &[u8]| {
            let mut h = FastBuildHasher.build_hasher();
            h.write(bytes);
            h.finish()
        };
        let mut by_word = FastBuildHasher.build_hasher();
        by_word.write_u64(u64::from_le_bytes(*b"mn000001"));
        by_word.write_u64(u64::from_le_bytes(*b"@x\0\0\0\0\0\0"));
        assert_eq!(word(b"mn000001@x"), by_word.finish());
        assert_ne!(word(b"mn000001@x"), word(b"mn000002@x"));
        assert_eq!(word(b""), FastBuildHasher.build_hasher().finish());
    }

    #[test]
    fn tag_changes_hash() {
        assert_ne!(hash128(1, 64), hash128(1, 48));
    }
}
