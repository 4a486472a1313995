//! Model-based property test: random sequences of install / handover /
//! remove / expire / allocate / release against plain reference maps. After
//! the workers apply everything, every replica equals the model, lookups
//! agree with a naive longest-prefix match, and the pool never hands out a
//! prefix twice.

use bindings::{
    BindingCache, BindingCacheEntry, FwdAction, Millis, Mip6BindingCache, Mip6BindingCacheEntry,
    MnIdentifier, Neighbor, PeerId, PeerInfo, Prefix, PrefixPool, Publisher, TableUpdate,
    WorkerTables,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    /// New binding for MN `mn` at MAG `peer` with `n` fresh prefixes.
    Install {
        mn: u8,
        peer: u8,
        n: u8,
        life: u16,
    },
    /// Handover of MN `mn`'s first binding to MAG `peer`.
    Handover {
        mn: u8,
        peer: u8,
        gre: Option<u32>,
    },
    /// De-register MN `mn`'s first binding and release its prefixes.
    Remove {
        mn: u8,
    },
    /// Advance time and expire.
    Advance {
        ms: u16,
    },
    /// Allocate a prefix and hold it without a binding.
    Hold,
    /// Release the `i`-th held prefix.
    ReleaseHeld {
        i: u8,
    },
    /// MIPv6 home address bound to `peer` (or removed).
    Hoa {
        host: u8,
        peer: Option<u8>,
    },
    Peer {
        id: u8,
        addr: u8,
    },
    Neighbor {
        addr: u8,
        port: u16,
    },
    /// Worker `w` applies up to `k` pending updates.
    Apply {
        w: u8,
        k: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..12, 0u8..4, 1u8..4, 1u16..500).prop_map(|(mn, peer, n, life)| Op::Install { mn, peer, n, life }),
        2 => (0u8..12, 0u8..4, prop::option::of(any::<u32>())).prop_map(|(mn, peer, gre)| Op::Handover { mn, peer, gre }),
        2 => (0u8..12).prop_map(|mn| Op::Remove { mn }),
        2 => (0u16..300).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::Hold),
        1 => any::<u8>().prop_map(|i| Op::ReleaseHeld { i }),
        1 => (0u8..8, prop::option::of(0u8..4)).prop_map(|(host, peer)| Op::Hoa { host, peer }),
        1 => (0u8..6, 0u8..4).prop_map(|(id, addr)| Op::Peer { id, addr }),
        1 => (0u8..6, any::<u16>()).prop_map(|(addr, port)| Op::Neighbor { addr, port }),
        3 => (0u8..3, 0u8..8).prop_map(|(w, k)| Op::Apply { w, k }),
    ]
}

fn pool_prefix() -> Prefix {
    // A /59: 32 /64s, small enough to exhaust and reuse.
    Prefix::new(
        [0x20, 1, 0x0d, 0xb8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        59,
    )
    .unwrap()
}

fn hoa(host: u8) -> [u8; 16] {
    // Home addresses inside the pool, so the /128 must shadow a /64.
    let mut a = pool_prefix().addr();
    a[7] = host % 4;
    a[15] = host;
    a
}

fn addr(i: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0] = 0xfd;
    a[15] = i;
    a
}

/// Plain model of what the replicas must hold.
#[derive(Debug, Default)]
struct Model {
    prefixes: BTreeMap<Prefix, FwdAction>,
    hoas: BTreeMap<[u8; 16], FwdAction>,
    peers: BTreeMap<PeerId, [u8; 16]>,
    neighbors: BTreeMap<[u8; 16], Neighbor>,
    allocated: BTreeSet<Prefix>,
}

impl Model {
    fn lookup(&self, a: &[u8; 16]) -> Option<FwdAction> {
        if let Some(v) = self.hoas.get(a) {
            return Some(*v);
        }
        self.prefixes
            .iter()
            .filter(|(p, _)| p.contains(a))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, v)| *v)
    }
}

fn publish(p: &mut Publisher, u: TableUpdate) {
    p.publish(u).expect("overflow limit is large in this test");
}

fn drain(p: &mut Publisher, ws: &mut [WorkerTables]) {
    loop {
        let mut n = 0;
        for w in ws.iter_mut() {
            n += w.apply_pending(usize::MAX);
        }
        if p.flush() == 0 && n == 0 && ws.iter().all(|w| w.pending() == 0) {
            break;
        }
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let (mut publisher, mut workers) = Publisher::new(3, 4);
    let mut pool = PrefixPool::new(pool_prefix(), 64, Duration::from_millis(100)).unwrap();
    let mut cache = BindingCache::new();
    let mut mip6 = Mip6BindingCache::new();
    let mut m = Model::default();
    let mut held: Vec<Prefix> = Vec::new();
    let mut now = Millis(0);

    let release = |pool: &mut PrefixPool,
                   m: &mut Model,
                   p: Prefix,
                   now: Millis|
     -> Result<(), TestCaseError> {
        pool.release(p, now)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(m.allocated.remove(&p));
        Ok(())
    };

    for op in ops {
        match op {
            Op::Install { mn, peer, n, life } => {
                let mut pfx = Vec::new();
                for _ in 0..n {
                    match pool.allocate(now) {
                        Ok(p) => {
                            // Never handed out twice.
                            prop_assert!(m.allocated.insert(p), "{p} allocated twice");
                            pfx.push(p);
                        }
                        Err(_) => break,
                    }
                }
                let mut e = BindingCacheEntry::new(
                    MnIdentifier::new(&[mn]),
                    pfx.clone(),
                    addr(peer),
                    PeerId(u32::from(peer)),
                    Duration::from_millis(u64::from(life)),
                    now,
                );
                e.access_technology_type = mn % 3;
                cache
                    .insert(e.clone())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                for u in e.install_updates() {
                    publish(&mut publisher, u);
                }
                for p in pfx {
                    m.prefixes.insert(p, e.downlink_action());
                }
            }
            Op::Handover { mn, peer, gre } => {
                let Some(id) = cache.by_mn_id(&MnIdentifier::new(&[mn])).next() else {
                    continue;
                };
                let mut e = cache.get(id).unwrap().clone();
                e.proxy_coa = addr(peer);
                e.tunnel = PeerId(u32::from(peer));
                if let Some(k) = gre {
                    e.encapsulation = bindings::cache::Encapsulation::Gre {
                        uplink_key: None,
                        downlink_key: Some(k),
                    };
                }
                e.expires_at = now + e.lifetime;
                cache
                    .update(id, e.clone())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                for u in e.install_updates() {
                    publish(&mut publisher, u);
                }
                for p in &e.home_network_prefixes {
                    m.prefixes.insert(*p, e.downlink_action());
                }
            }
            Op::Remove { mn } => {
                let Some(id) = cache.by_mn_id(&MnIdentifier::new(&[mn])).next() else {
                    continue;
                };
                let e = cache.remove(id).unwrap();
                for u in e.remove_updates() {
                    publish(&mut publisher, u);
                }
                for p in e.home_network_prefixes {
                    m.prefixes.remove(&p);
                    release(&mut pool, &mut m, p, now)?;
                }
            }
            Op::Advance { ms } => {
                now = now + Duration::from_millis(u64::from(ms));
                for (_, e) in cache.expire(now) {
                    prop_assert!(e.expires_at <= now);
                    for u in e.remove_updates() {
                        publish(&mut publisher, u);
                    }
                    for p in e.home_network_prefixes {
                        m.prefixes.remove(&p);
                        release(&mut pool, &mut m, p, now)?;
                    }
                }
                for e in mip6.expire(now) {
                    publish(&mut publisher, e.remove_update());
                    m.hoas.remove(&e.home_address);
                }
                // Nothing left in the cache is overdue.
                prop_assert!(cache.iter().all(|(_, e)| e.expires_at > now));
            }
            Op::Hold => {
                if let Ok(p) = pool.allocate(now) {
                    prop_assert!(m.allocated.insert(p), "{p} allocated twice");
                    held.push(p);
                }
            }
            Op::ReleaseHeld { i } => {
                if !held.is_empty() {
                    let p = held.swap_remove(usize::from(i) % held.len());
                    release(&mut pool, &mut m, p, now)?;
                }
            }
            Op::Hoa { host, peer } => {
                let h = hoa(host);
                match peer {
                    Some(peer) => {
                        let e = Mip6BindingCacheEntry {
                            home_address: h,
                            care_of_address: addr(peer),
                            tunnel: PeerId(u32::from(peer)),
                            lifetime: Duration::from_millis(200),
                            expires_at: now + Duration::from_millis(200),
                            home_registration: true,
                            sequence_number: 0,
                            invalid: false,
                        };
                        publish(&mut publisher, e.install_update());
                        if let TableUpdate::SetHomeAddress { action, .. } = e.install_update() {
                            m.hoas.insert(h, action);
                        }
                        mip6.insert(e);
                    }
                    None => {
                        if let Some(e) = mip6.remove(&h) {
                            publish(&mut publisher, e.remove_update());
                            m.hoas.remove(&h);
                        }
                    }
                }
            }
            Op::Peer { id, addr: a } => {
                let info = PeerInfo {
                    id: PeerId(u32::from(id)),
                    addr: addr(a),
                };
                publish(&mut publisher, TableUpdate::SetPeer(info));
                m.peers.retain(|&k, v| k == info.id || *v != info.addr);
                m.peers.insert(info.id, info.addr);
            }
            Op::Neighbor { addr: a, port } => {
                let n = Neighbor {
                    mac: [2, 0, 0, 0, 0, a],
                    port,
                };
                publish(
                    &mut publisher,
                    TableUpdate::SetNeighbor {
                        addr: addr(a),
                        neighbor: n,
                    },
                );
                m.neighbors.insert(addr(a), n);
            }
            Op::Apply { w, k } => {
                workers[usize::from(w)].apply_pending(usize::from(k));
                publisher.flush();
            }
        }
        // Authoritative cache and pool agree with the model at every step.
        for p in m.prefixes.keys() {
            prop_assert!(cache.by_prefix(p).is_some());
            prop_assert!(pool.is_allocated(p));
        }
        prop_assert_eq!(pool.allocated() as usize, m.allocated.len());
    }

    let last = publisher.last_generation();
    drain(&mut publisher, &mut workers);
    prop_assert!(publisher.visible_everywhere(last));
    for w in &workers {
        prop_assert_eq!(w.generation(), last);
        let s = w.snapshot();
        prop_assert_eq!(&s.prefixes, &m.prefixes);
        prop_assert_eq!(&s.home_addresses, &m.hoas);
        prop_assert_eq!(&s.peers, &m.peers);
        prop_assert_eq!(&s.neighbors, &m.neighbors);
        // Lookups (single and burst) agree with a naive longest match.
        let mut keys: Vec<[u8; 16]> = (0..=40u8).map(hoa).collect();
        for i in 0..64u8 {
            let mut a = pool_prefix().addr();
            a[7] = i;
            a[15] = i;
            keys.push(a);
        }
        let mut out = vec![None; keys.len()];
        w.lookup_burst(&keys, &mut out);
        for (k, o) in keys.iter().zip(&out) {
            prop_assert_eq!(*o, m.lookup(k));
            prop_assert_eq!(w.lookup_dst(k), m.lookup(k));
        }
        for (&id, &a) in &m.peers {
            prop_assert_eq!(w.tunnel_peer(&a).map(|p| p.id), Some(id));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn replicas_follow_the_model(ops in prop::collection::vec(op(), 1..120)) {
        run(ops)?;
    }
}
