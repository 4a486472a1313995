//! DMM location cache (seed 004): home prefix → the mobility router that
//! currently serves the MN (its "routing location"), as a mobility router
//! learns it from the location manager.

use crate::expiry::{Expires, ExpiringMap};
use crate::prefix::{mask, Prefix};
use crate::time::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocationEntry {
    pub mobility_router: [u8; 16],
    pub expires_at: Millis,
}

impl Expires for LocationEntry {
    fn expires_at(&self) -> Millis {
        self.expires_at
    }
}

/// Home prefix → current mobility router.
#[derive(Debug, Clone)]
pub struct LocationCache {
    map: ExpiringMap<Prefix, LocationEntry>,
    len_count: [u32; 129],
}

impl Default for LocationCache {
    fn default() -> Self {
        LocationCache {
            map: ExpiringMap::default(),
            len_count: [0; 129],
        }
    }
}

impl LocationCache {
    pub fn new() -> LocationCache {
        LocationCache::default()
    }

    /// Record (or move) the location of `prefix`.
    pub fn insert(
        &mut self,
        prefix: Prefix,
        mobility_router: [u8; 16],
        expires_at: Millis,
    ) -> Option<LocationEntry> {
        let old = self.map.insert(
            prefix,
            LocationEntry {
                mobility_router,
                expires_at,
            },
        );
        if old.is_none() {
            self.len_count[usize::from(prefix.len())] += 1;
        }
        old
    }

    pub fn get(&self, prefix: &Prefix) -> Option<&LocationEntry> {
        self.map.get(prefix)
    }

    /// Longest recorded prefix containing `addr`.
    pub fn locate(&self, addr: &[u8; 16]) -> Option<(Prefix, LocationEntry)> {
        let a = u128::from_be_bytes(*addr);
        (0..=128u8)
            .rev()
            .filter(|&l| self.len_count[usize::from(l)] > 0)
            .find_map(|l| {
                let p = Prefix::new((a & mask(l)).to_be_bytes(), l).ok()?;
                self.map.get(&p).map(|e| (p, *e))
            })
    }

    pub fn remove(&mut self, prefix: &Prefix) -> Option<LocationEntry> {
        let r = self.map.remove(prefix)?;
        self.len_count[usize::from(prefix.len())] -= 1;
        Some(r)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    pub fn next_expiry(&self) -> Option<Millis> {
        self.map.next_expiry()
    }

    /// Remove and return entries whose deadline is `<= now`.
    pub fn expire(&mut self, now: Millis) -> Vec<(Prefix, LocationEntry)> {
        let out = self.map.expire(now);
        for (p, _) in &out {
            self.len_count[usize::from(p.len())] -= 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_longest_and_expire() {
        let mut c = LocationCache::new();
        let mut a = [0u8; 16];
        a[0] = 0x20;
        let p48 = Prefix::new(a, 48).unwrap();
        a[7] = 5;
        let p64 = Prefix::new(a, 64).unwrap();
        c.insert(p48, [1; 16], Millis(10));
        c.insert(p64, [2; 16], Millis(20));
        a[15] = 1;
        assert_eq!(
            c.locate(&a).map(|(p, e)| (p, e.mobility_router)),
            Some((p64, [2; 16]))
        );
        assert_eq!(c.expire(Millis(20)).len(), 2);
        assert_eq!(c.locate(&a), None);
        assert!(c.is_empty());
    }
}
