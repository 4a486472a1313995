//! Route-optimisation associations (seed 003, draft-abeille-netlmm-proxymip6ro):
//! for a pair of communicating MNs, which MAGs hold RO state, who controls it
//! and whether it is active yet.

use crate::expiry::{Expires, ExpiringMap};
use crate::hash::FastMap;
use crate::prefix::Prefix;
use crate::time::Millis;

/// RO state of an association (seed 003 §4: states are created on the
/// MAGs, then activated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoState {
    Created,
    Active,
}

/// One RO association between MN1's and MN2's prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoAssociation {
    pub mn1_prefix: Prefix,
    pub mn2_prefix: Prefix,
    /// MAG serving MN1 and MAG serving MN2.
    pub mag1: [u8; 16],
    pub mag2: [u8; 16],
    /// The LMA acting as RO controller.
    pub controller: [u8; 16],
    pub state: RoState,
    /// Early State Activation (seed 003 Appendix B).
    pub early_state_activation: bool,
    pub expires_at: Millis,
}

impl Expires for RoAssociation {
    fn expires_at(&self) -> Millis {
        self.expires_at
    }
}

/// Associations keyed by the (MN1 prefix, MN2 prefix) pair, stored in one
/// canonical order so both directions find the same association.
#[derive(Debug, Clone, Default)]
pub struct RoCache {
    map: ExpiringMap<(Prefix, Prefix), RoAssociation>,
    by_prefix: FastMap<Prefix, Vec<(Prefix, Prefix)>>,
}

fn key(a: Prefix, b: Prefix) -> (Prefix, Prefix) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl RoCache {
    pub fn new() -> RoCache {
        RoCache::default()
    }

    /// Insert or replace an association; returns the old one.
    pub fn insert(&mut self, a: RoAssociation) -> Option<RoAssociation> {
        let k = key(a.mn1_prefix, a.mn2_prefix);
        let old = self.map.insert(k, a);
        if old.is_none() {
            self.by_prefix.entry(k.0).or_default().push(k);
            if k.1 != k.0 {
                self.by_prefix.entry(k.1).or_default().push(k);
            }
        }
        old
    }

    /// The association between two prefixes, in either order.
    pub fn get(&self, a: &Prefix, b: &Prefix) -> Option<&RoAssociation> {
        self.map.get(&key(*a, *b))
    }

    /// Change an association in place (activation, MAG change on handover).
    pub fn modify<R>(
        &mut self,
        a: &Prefix,
        b: &Prefix,
        f: impl FnOnce(&mut RoAssociation) -> R,
    ) -> Option<R> {
        self.map.modify(&key(*a, *b), f)
    }

    fn unindex(&mut self, k: (Prefix, Prefix)) {
        for p in [k.0, k.1] {
            if let Some(v) = self.by_prefix.get_mut(&p) {
                v.retain(|x| *x != k);
                if v.is_empty() {
                    self.by_prefix.remove(&p);
                }
            }
        }
    }

    pub fn remove(&mut self, a: &Prefix, b: &Prefix) -> Option<RoAssociation> {
        let k = key(*a, *b);
        let r = self.map.remove(&k)?;
        self.unindex(k);
        Some(r)
    }

    /// Associations involving `p` (MN handover: every RO partner to update).
    pub fn involving(&self, p: &Prefix) -> impl Iterator<Item = &RoAssociation> + '_ {
        self.by_prefix
            .get(p)
            .into_iter()
            .flatten()
            .filter_map(|k| self.map.get(k))
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

    /// Remove and return associations whose deadline is `<= now`.
    pub fn expire(&mut self, now: Millis) -> Vec<RoAssociation> {
        let gone = self.map.expire(now);
        let mut out = Vec::with_capacity(gone.len());
        for (k, v) in gone {
            self.unindex(k);
            out.push(v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(i: u8) -> Prefix {
        let mut a = [0u8; 16];
        a[7] = i;
        Prefix::new(a, 64).unwrap()
    }

    #[test]
    fn pair_found_in_both_orders_and_by_member() {
        let mut c = RoCache::new();
        let a = RoAssociation {
            mn1_prefix: p(2),
            mn2_prefix: p(1),
            mag1: [1; 16],
            mag2: [2; 16],
            controller: [9; 16],
            state: RoState::Created,
            early_state_activation: true,
            expires_at: Millis(50),
        };
        c.insert(a.clone());
        assert_eq!(c.get(&p(1), &p(2)), Some(&a));
        assert_eq!(c.get(&p(2), &p(1)), Some(&a));
        c.modify(&p(1), &p(2), |x| x.state = RoState::Active);
        assert_eq!(c.involving(&p(1)).count(), 1);
        assert_eq!(
            c.involving(&p(2)).next().map(|x| x.state),
            Some(RoState::Active)
        );
        assert_eq!(c.expire(Millis(50)).len(), 1);
        assert_eq!(c.involving(&p(1)).count(), 0);
        assert!(c.is_empty());
        c.insert(a);
        assert!(c.remove(&p(1), &p(2)).is_some());
        assert_eq!(c.involving(&p(2)).count(), 0);
    }
}
