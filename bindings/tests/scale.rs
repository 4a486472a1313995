//! One million bindings: allocated from a pool, installed in the
//! authoritative cache and a replica, looked up, and expired.

use bindings::{
    BindingCache, BindingCacheEntry, FwdAction, Millis, MnIdentifier, PeerId, Prefix, PrefixPool,
    Replica, TableUpdate, TunnelKind,
};
use std::time::{Duration, Instant};

const N: u32 = 1_000_000;

#[test]
fn one_million_bindings_installed_looked_up_expired() {
    let t0 = Instant::now();
    // A /40 holds 2^24 /64s.
    let pool_pfx = Prefix::new(
        [0x20, 1, 0x0d, 0xb8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        40,
    )
    .unwrap();
    let mut pool = PrefixPool::new(pool_pfx, 64, Duration::from_secs(10)).unwrap();
    let mut cache = BindingCache::with_capacity(N as usize);
    let mut replica = Replica::with_capacity(N as usize);
    let mut prefixes = Vec::with_capacity(N as usize);
    for i in 0..N {
        let p = pool.allocate(Millis(0)).unwrap();
        let peer = PeerId(i % 1000);
        // Lifetimes spread over 1..=1000 s.
        let life = Duration::from_secs(u64::from(i % 1000) + 1);
        let e = BindingCacheEntry::new(
            MnIdentifier::new(&i.to_be_bytes()),
            vec![p],
            [
                0xfd,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                (peer.0 >> 8) as u8,
                peer.0 as u8,
            ],
            peer,
            life,
            Millis(0),
        );
        for u in e.install_updates() {
            replica.apply(&u);
        }
        cache.insert(e).unwrap();
        prefixes.push(p);
    }
    eprintln!("install: {:?}", t0.elapsed());
    assert_eq!(cache.len(), N as usize);
    assert_eq!(replica.prefix_count(), N as usize);
    assert_eq!(pool.allocated(), N);

    // Every binding is found, in the cache and in the replica (burst API).
    let mut out = vec![None; 64];
    for (c, chunk) in prefixes.chunks(64).enumerate() {
        let keys: Vec<[u8; 16]> = chunk
            .iter()
            .map(|p| {
                let mut a = p.addr();
                a[15] = 1;
                a
            })
            .collect();
        replica.lookup_burst(&keys, &mut out[..keys.len()]);
        for (j, o) in out[..keys.len()].iter().enumerate() {
            let i = (c * 64 + j) as u32;
            assert_eq!(
                *o,
                Some(FwdAction::Encap {
                    peer: PeerId(i % 1000),
                    tunnel: TunnelKind::Ip6Ip6
                })
            );
        }
    }
    for (i, p) in prefixes.iter().enumerate().step_by(997) {
        let id = cache.by_prefix(p).unwrap();
        assert_eq!(
            cache.get(id).unwrap().mn_id.as_bytes(),
            &(i as u32).to_be_bytes()
        );
    }
    eprintln!("lookup: {:?}", t0.elapsed());
    // A MAG restart touches its 1000 entries only.
    let mag7 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
    assert_eq!(cache.by_proxy_coa(&mag7).count(), 1000);

    // Expire in steps: after t seconds, exactly the entries with lifetime ≤ t.
    let mut expired = 0usize;
    for t in [1u64, 10, 500, 1000] {
        let gone = cache.expire(Millis(t * 1000));
        for (_, e) in &gone {
            assert!(e.lifetime <= Duration::from_secs(t));
            for u in e.remove_updates() {
                replica.apply(&u);
            }
            for p in &e.home_network_prefixes {
                pool.release(*p, Millis(t * 1000)).unwrap();
            }
        }
        expired += gone.len();
        assert_eq!(expired, (N / 1000 * t as u32) as usize);
        assert_eq!(replica.prefix_count(), N as usize - expired);
    }
    assert!(cache.is_empty());
    assert_eq!(replica.lookup_dst(&prefixes[0].addr()), None);
    replica.apply(&TableUpdate::Clear);
    assert_eq!(replica.prefix_count(), 0);
    eprintln!("1M bindings: {:?}", t0.elapsed());
}
