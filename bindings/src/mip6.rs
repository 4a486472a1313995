//! MIPv6 home-agent binding cache (RFC 6275 §9.1), keyed by home address and
//! kept apart from the PMIPv6 cache: a PBU never overwrites a MIPv6 entry
//! and an MN's BU never touches a proxy entry (RFC 6612 §3.2, §4.2). The
//! two caches also order messages differently (sequence numbers here,
//! timestamps there; RFC 6612 §3.2 issue 3), so they share no state.

use crate::expiry::{Expires, ExpiringMap};
use crate::fwd::{FwdAction, PeerId, TableUpdate, TunnelKind};
use crate::time::Millis;
use core::time::Duration;

/// RFC 6275 §9.5.1: is sequence number `r` newer than the last accepted
/// `l`, modulo 2^16.
pub fn seq_is_newer(r: u16, l: u16) -> bool {
    let d = r.wrapping_sub(l);
    d != 0 && d < 0x8000
}

/// MIPv6 binding cache entry (RFC 6275 §9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mip6BindingCacheEntry {
    pub home_address: [u8; 16],
    pub care_of_address: [u8; 16],
    /// Tunnel to the care-of address (RFC 6275 §10.4.1).
    pub tunnel: PeerId,
    pub lifetime: Duration,
    pub expires_at: Millis,
    /// H flag of the registration (home registration, §9.5.1 / HA-3).
    pub home_registration: bool,
    /// Largest sequence number received (§9.1).
    pub sequence_number: u16,
    /// Marked invalid after a de-registration, removed after
    /// MAX_DELETE_BCE_TIMEOUT (§10.3.2).
    pub invalid: bool,
}

impl Mip6BindingCacheEntry {
    /// Route that sends the home address through the tunnel to the CoA.
    pub fn install_update(&self) -> TableUpdate {
        TableUpdate::SetHomeAddress {
            hoa: self.home_address,
            action: FwdAction::Encap {
                peer: self.tunnel,
                tunnel: TunnelKind::Ip6Ip6,
            },
        }
    }

    pub fn remove_update(&self) -> TableUpdate {
        TableUpdate::RemoveHomeAddress {
            hoa: self.home_address,
        }
    }
}

impl Expires for Mip6BindingCacheEntry {
    fn expires_at(&self) -> Millis {
        self.expires_at
    }
}

/// The MIPv6 binding cache.
#[derive(Debug, Clone, Default)]
pub struct Mip6BindingCache {
    map: ExpiringMap<[u8; 16], Mip6BindingCacheEntry>,
}

impl Mip6BindingCache {
    pub fn new() -> Mip6BindingCache {
        Mip6BindingCache::default()
    }

    /// Insert or replace the entry for its home address; returns the old one.
    pub fn insert(&mut self, e: Mip6BindingCacheEntry) -> Option<Mip6BindingCacheEntry> {
        self.map.insert(e.home_address, e)
    }

    pub fn get(&self, hoa: &[u8; 16]) -> Option<&Mip6BindingCacheEntry> {
        self.map.get(hoa)
    }

    /// Change an entry in place (expiry follows a changed `expires_at`).
    pub fn modify<R>(
        &mut self,
        hoa: &[u8; 16],
        f: impl FnOnce(&mut Mip6BindingCacheEntry) -> R,
    ) -> Option<R> {
        self.map.modify(hoa, f)
    }

    pub fn remove(&mut self, hoa: &[u8; 16]) -> Option<Mip6BindingCacheEntry> {
        self.map.remove(hoa)
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
    pub fn expire(&mut self, now: Millis) -> Vec<Mip6BindingCacheEntry> {
        self.map.expire(now).into_iter().map(|(_, v)| v).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Mip6BindingCacheEntry> + '_ {
        self.map.map.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_comparison_matches_rfc_vector() {
        // RFC 6275 §9.5.1 with L = 15: 0..=15 and 32783..=65535 are stale.
        for r in (0..=15).chain(32783..=65535) {
            assert!(!seq_is_newer(r, 15), "{r}");
        }
        assert!(seq_is_newer(16, 15));
        assert!(seq_is_newer(32782, 15));
        assert!(seq_is_newer(0, 65535));
    }

    #[test]
    fn keyed_by_home_address_and_expires() {
        let mut c = Mip6BindingCache::new();
        let e = Mip6BindingCacheEntry {
            home_address: [1; 16],
            care_of_address: [2; 16],
            tunnel: PeerId(9),
            lifetime: Duration::from_secs(4),
            expires_at: Millis(4000),
            home_registration: true,
            sequence_number: 7,
            invalid: false,
        };
        assert!(c.insert(e.clone()).is_none());
        assert_eq!(c.get(&[1; 16]), Some(&e));
        c.modify(&[1; 16], |x| x.expires_at = Millis(9000));
        assert!(c.expire(Millis(5000)).is_empty());
        assert_eq!(c.expire(Millis(9000)).len(), 1);
        assert!(c.is_empty());
        assert_eq!(
            e.install_update(),
            TableUpdate::SetHomeAddress {
                hoa: [1; 16],
                action: FwdAction::Encap {
                    peer: PeerId(9),
                    tunnel: TunnelKind::Ip6Ip6
                }
            }
        );
    }
}
