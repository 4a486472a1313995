//! Home network prefix allocation (RFC 5213 §5.3.2 steps 1–3).
//!
//! Dynamic prefixes are carved in order from the pool, released ones are
//! reused first; prefixes pinned to an MN by policy are never handed to
//! anyone else. Whether a prefix is currently bound is the binding cache's
//! knowledge, so the caller passes an `in_use` test.

use hashbrown::HashMap;
use ipnet::Ipv6Net;

use crate::policy::{LmaPolicy, MnAuthorization, MnPolicy};

/// Allocator over one pool.
#[derive(Debug, Clone)]
pub struct PrefixAllocator {
    pool: Ipv6Net,
    prefix_len: u8,
    cursor: u128,
    capacity: u128,
    free: Vec<Ipv6Net>,
    /// Static prefixes from the policy store → owning MN-ID.
    reserved: HashMap<Ipv6Net, Vec<u8>>,
}

impl PrefixAllocator {
    /// Allocator of `/prefix_len` prefixes out of `pool`.
    pub fn new(pool: Ipv6Net, prefix_len: u8, policy: &LmaPolicy) -> PrefixAllocator {
        let pool = pool.trunc();
        let prefix_len = prefix_len.clamp(pool.prefix_len(), 128);
        let bits = u32::from(prefix_len - pool.prefix_len());
        let capacity = if bits >= 128 {
            u128::MAX
        } else {
            1u128 << bits
        };
        let mut a = PrefixAllocator {
            pool,
            prefix_len,
            cursor: 0,
            capacity,
            free: Vec::new(),
            reserved: HashMap::new(),
        };
        a.set_reserved(policy);
        a
    }

    /// Re-read the statically assigned prefixes from the policy.
    pub fn set_reserved(&mut self, policy: &LmaPolicy) {
        self.reserved.clear();
        if let MnAuthorization::Store(store) = &policy.mobile_nodes {
            for (mn, p) in store {
                for net in &p.prefixes {
                    self.reserved.insert(net.trunc(), mn.clone());
                }
            }
        }
    }

    fn nth(&self, i: u128) -> Option<Ipv6Net> {
        let shift = 128 - u32::from(self.prefix_len);
        let offset = i.checked_shl(shift).unwrap_or(0);
        let base = u128::from(self.pool.network());
        Ipv6Net::new(std::net::Ipv6Addr::from(base | offset), self.prefix_len).ok()
    }

    /// Whether `net` may be assigned to `mn_id` on request (step 3): one of
    /// its own static prefixes, or — for an MN without static prefixes — a
    /// pool prefix that is not pinned to another MN.
    pub fn may_assign(&self, net: &Ipv6Net, mn_id: &[u8], mn: Option<&MnPolicy>) -> bool {
        if let Some(p) = mn.filter(|p| !p.prefixes.is_empty()) {
            return p.prefixes.iter().any(|s| s.trunc() == *net);
        }
        net.prefix_len() == self.prefix_len
            && self.pool.contains(net)
            && self.reserved.get(net).is_none_or(|owner| owner == mn_id)
    }

    /// Allocate `count` prefixes (or the MN's static ones) into `out`; on
    /// failure nothing is taken and false is returned (→ 130, step 2).
    pub fn allocate(
        &mut self,
        count: usize,
        mn: Option<&MnPolicy>,
        in_use: impl Fn(&Ipv6Net) -> bool,
        out: &mut Vec<Ipv6Net>,
    ) -> bool {
        if let Some(p) = mn.filter(|p| !p.prefixes.is_empty()) {
            let before = out.len();
            for net in &p.prefixes {
                let net = net.trunc();
                if !in_use(&net) && !out.contains(&net) {
                    out.push(net);
                }
            }
            return out.len() > before;
        }
        let before = out.len();
        while out.len() - before < count {
            match self.next_free(&in_use, out) {
                Some(net) => out.push(net),
                None => {
                    // Give back what this call took.
                    let taken: Vec<Ipv6Net> = out.drain(before..).collect();
                    self.free.extend(taken);
                    return false;
                }
            }
        }
        true
    }

    fn next_free(
        &mut self,
        in_use: &impl Fn(&Ipv6Net) -> bool,
        taken: &[Ipv6Net],
    ) -> Option<Ipv6Net> {
        while let Some(net) = self.free.pop() {
            if !in_use(&net) && !taken.contains(&net) && !self.reserved.contains_key(&net) {
                return Some(net);
            }
        }
        while self.cursor < self.capacity {
            let i = self.cursor;
            self.cursor += 1;
            if let Some(net) = self.nth(i) {
                if !in_use(&net) && !taken.contains(&net) && !self.reserved.contains_key(&net) {
                    return Some(net);
                }
            }
        }
        None
    }

    /// A prefix is no longer bound (its entry was deleted, §5.3.5).
    pub fn release(&mut self, net: Ipv6Net) {
        if net.prefix_len() == self.prefix_len
            && self.pool.contains(&net)
            && !self.reserved.contains_key(&net)
        {
            self.free.push(net);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LmaPolicy {
        LmaPolicy::default()
    }

    #[test]
    fn allocates_in_order_then_reuses_released() {
        let mut a = PrefixAllocator::new("2001:db8:1000::/62".parse().unwrap(), 64, &policy());
        let mut out = Vec::new();
        assert!(a.allocate(2, None, |_| false, &mut out));
        assert_eq!(
            out,
            vec![
                "2001:db8:1000::/64".parse::<Ipv6Net>().unwrap(),
                "2001:db8:1000:1::/64".parse().unwrap()
            ]
        );
        a.release(out[0]);
        let mut again = Vec::new();
        assert!(a.allocate(1, None, |_| false, &mut again));
        assert_eq!(again[0], out[0]);
    }

    #[test]
    fn exhaustion_takes_nothing() {
        let mut a = PrefixAllocator::new("2001:db8:1000::/63".parse().unwrap(), 64, &policy());
        let mut out = Vec::new();
        assert!(!a.allocate(3, None, |_| false, &mut out));
        assert!(out.is_empty());
        assert!(a.allocate(2, None, |_| false, &mut out));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn skips_prefixes_in_use() {
        let mut a = PrefixAllocator::new("2001:db8:1000::/62".parse().unwrap(), 64, &policy());
        let busy: Ipv6Net = "2001:db8:1000::/64".parse().unwrap();
        let mut out = Vec::new();
        assert!(a.allocate(1, None, |p| *p == busy, &mut out));
        assert_eq!(out[0], "2001:db8:1000:1::/64".parse::<Ipv6Net>().unwrap());
    }

    #[test]
    fn may_assign_checks_pool_and_length() {
        let a = PrefixAllocator::new("2001:db8:1000::/48".parse().unwrap(), 64, &policy());
        assert!(a.may_assign(&"2001:db8:1000:5::/64".parse().unwrap(), b"x", None));
        assert!(!a.may_assign(&"2001:db8:2000:5::/64".parse().unwrap(), b"x", None));
        assert!(!a.may_assign(&"2001:db8:1000::/56".parse().unwrap(), b"x", None));
    }
}
