//! Inter-domain session mobility (seed 000): the LMA of the first domain an
//! MN attaches to stays its session mobility anchor (SMA); later LMAs tunnel
//! to it. An LMA keeps, per MN, which side of that relation it is on.

use crate::cache::MnIdentifier;
use crate::expiry::{Expires, ExpiringMap};
use crate::prefix::Prefix;
use crate::time::Millis;

/// Which end of an inter-domain session this node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterDomainRole {
    /// We are the SMA: the MN is anchored here but served by the LMA of
    /// another domain, reached through a tunnel to `serving_lma`.
    AnchoredHere { serving_lma: [u8; 16] },
    /// The MN is served here (we are its current LMA) but anchored at the
    /// remote SMA `sma`; its traffic is tunneled there.
    AnchoredRemote { sma: [u8; 16] },
}

/// One inter-domain mobility session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterDomainEntry {
    pub mn_id: MnIdentifier,
    pub role: InterDomainRole,
    /// Prefixes assigned by the SMA, kept for the whole session.
    pub home_network_prefixes: Vec<Prefix>,
    pub expires_at: Millis,
}

impl Expires for InterDomainEntry {
    fn expires_at(&self) -> Millis {
        self.expires_at
    }
}

/// Inter-domain sessions by MN-Identifier.
#[derive(Debug, Clone, Default)]
pub struct InterDomainCache {
    map: ExpiringMap<u64, InterDomainEntry>,
    ids: crate::hash::FastMap<MnIdentifier, u64>,
    next: u64,
}

impl InterDomainCache {
    pub fn new() -> InterDomainCache {
        InterDomainCache::default()
    }

    /// Insert or replace the session of `e.mn_id`.
    pub fn insert(&mut self, e: InterDomainEntry) -> Option<InterDomainEntry> {
        let k = match self.ids.get(&e.mn_id) {
            Some(&k) => k,
            None => {
                self.next += 1;
                self.ids.insert(e.mn_id.clone(), self.next);
                self.next
            }
        };
        self.map.insert(k, e)
    }

    pub fn get(&self, mn_id: &MnIdentifier) -> Option<&InterDomainEntry> {
        self.map.get(self.ids.get(mn_id)?)
    }

    /// Change a session in place (expiry follows a changed `expires_at`).
    pub fn modify<R>(
        &mut self,
        mn_id: &MnIdentifier,
        f: impl FnOnce(&mut InterDomainEntry) -> R,
    ) -> Option<R> {
        let k = *self.ids.get(mn_id)?;
        self.map.modify(&k, f)
    }

    pub fn remove(&mut self, mn_id: &MnIdentifier) -> Option<InterDomainEntry> {
        let k = self.ids.remove(mn_id)?;
        self.map.remove(&k)
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

    /// Remove and return sessions whose deadline is `<= now`.
    pub fn expire(&mut self, now: Millis) -> Vec<InterDomainEntry> {
        let out: Vec<_> = self.map.expire(now).into_iter().map(|(_, v)| v).collect();
        for e in &out {
            self.ids.remove(&e.mn_id);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_roles_by_mn_id() {
        let mut c = InterDomainCache::new();
        let a = InterDomainEntry {
            mn_id: MnIdentifier::new(b"a"),
            role: InterDomainRole::AnchoredHere {
                serving_lma: [3; 16],
            },
            home_network_prefixes: vec![],
            expires_at: Millis(100),
        };
        let b = InterDomainEntry {
            mn_id: MnIdentifier::new(b"b"),
            role: InterDomainRole::AnchoredRemote { sma: [4; 16] },
            home_network_prefixes: vec![],
            expires_at: Millis(200),
        };
        c.insert(a.clone());
        c.insert(b.clone());
        assert_eq!(c.get(&a.mn_id), Some(&a));
        c.modify(&a.mn_id, |e| e.expires_at = Millis(300));
        assert_eq!(c.expire(Millis(250)), vec![b.clone()]);
        assert_eq!(c.get(&b.mn_id), None);
        assert_eq!(c.remove(&a.mn_id).map(|e| e.role), Some(a.role));
        assert!(c.is_empty());
    }
}
