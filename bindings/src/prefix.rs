//! IPv6 prefixes as the tables keep them: 16 bytes plus a length, host bits
//! always zero so two equal prefixes compare equal.

use core::fmt;
use std::net::Ipv6Addr;

/// Error for a prefix length above 128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("prefix length {0} is larger than 128")]
pub struct BadPrefixLen(pub u8);

/// An IPv6 prefix (`addr/len`) with the host bits cleared.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Prefix {
    addr: [u8; 16],
    len: u8,
}

/// Mask of the first `len` bits of a 128-bit address (`len` ≤ 128).
#[inline]
pub(crate) fn mask(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    }
}

impl Prefix {
    /// `addr/len` with the host bits cleared.
    pub fn new(addr: [u8; 16], len: u8) -> Result<Prefix, BadPrefixLen> {
        if len > 128 {
            return Err(BadPrefixLen(len));
        }
        let a = u128::from_be_bytes(addr) & mask(len);
        Ok(Prefix {
            addr: a.to_be_bytes(),
            len,
        })
    }

    /// The /128 prefix of one address (a MIPv6 home address).
    pub fn host(addr: [u8; 16]) -> Prefix {
        Prefix { addr, len: 128 }
    }

    /// Network address (host bits zero).
    pub fn addr(&self) -> [u8; 16] {
        self.addr
    }

    /// Prefix length in bits.
    pub fn len(&self) -> u8 {
        self.len
    }

    /// True for `::/0`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Network address as an integer.
    pub fn bits(&self) -> u128 {
        u128::from_be_bytes(self.addr)
    }

    /// Whether `addr` lies inside this prefix.
    pub fn contains(&self, addr: &[u8; 16]) -> bool {
        u128::from_be_bytes(*addr) & mask(self.len) == self.bits()
    }
}

impl fmt::Debug for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv6Addr::from(self.addr), self.len)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_bits_are_cleared() {
        let a: [u8; 16] = "2001:db8:1:2:3:4:5:6".parse::<Ipv6Addr>().unwrap().octets();
        let p = Prefix::new(a, 64).unwrap();
        assert_eq!(p.to_string(), "2001:db8:1:2::/64");
        assert!(p.contains(&a));
        assert!(!p.contains(&[0; 16]));
        assert_eq!(Prefix::new(a, 129), Err(BadPrefixLen(129)));
        assert_eq!(Prefix::new(a, 0).unwrap().bits(), 0);
        assert_eq!(Prefix::host(a).addr(), a);
    }
}
