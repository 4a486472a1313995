//! DPDK mbuf, mempool, burst and ring checks against a real EAL.
//!
//! The EAL can be initialised once per process, so this binary has a single
//! `#[test]` that runs every check in turn.

use fastpath::dpdk::{
    rdtsc, DpdkError, Eal, Mbuf, MbufBurst, MbufError, Mempool, Ring, SOCKET_ID_ANY,
};
use fastpath::packet::PacketBuf;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const POOL_SIZE: u32 = 1023;
const DATA_ROOM: u16 = 2176; // RTE_MBUF_DEFAULT_BUF_SIZE: 128 headroom + 2048

fn eal_args(tag: &str) -> Vec<String> {
    format!(
        "-l 0 --no-huge -m 1024 --no-pci --no-shconf --no-telemetry --file-prefix mobgw-test-{tag}-{} --vdev net_null0",
        std::process::id()
    )
    .split_whitespace()
    .map(str::to_owned)
    .collect()
}

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn check_basic_layout(pool: &Mempool) {
    let m = pool.alloc().expect("fresh pool has mbufs");
    assert_eq!(m.len(), 0);
    assert!(m.is_empty());
    assert_eq!(m.headroom(), 128);
    assert_eq!(m.tailroom(), 2048);
    assert_eq!(m.nb_segs(), 1);
    assert_eq!(m.rss_hash(), None);
}

fn check_prepend_adj_round_trip(pool: &Mempool) {
    let mut m = pool.alloc().unwrap();
    let payload = pattern(300, 7);
    m.append(payload.len()).unwrap().copy_from_slice(&payload);
    assert_eq!(m.data(), &payload[..]);
    assert_eq!(m.pkt_len(), 300);

    // Encapsulate: a 40-byte outer IPv6 header, then a 14-byte Ethernet header.
    let ip6 = pattern(40, 99);
    let eth = pattern(14, 200);
    m.prepend(40).unwrap().copy_from_slice(&ip6);
    m.prepend(14).unwrap().copy_from_slice(&eth);
    assert_eq!(m.len(), 354);
    assert_eq!(m.pkt_len(), 354);
    assert_eq!(m.headroom(), 128 - 54);
    assert_eq!(&m.data()[..14], &eth[..]);
    assert_eq!(&m.data()[14..54], &ip6[..]);
    assert_eq!(&m.data()[54..], &payload[..]);

    // Decapsulate: bytes of the inner packet are intact.
    m.adj(54).unwrap();
    assert_eq!(m.data(), &payload[..]);
    assert_eq!(m.headroom(), 128);

    // Append/trim.
    let tail = pattern(20, 3);
    m.append(20).unwrap().copy_from_slice(&tail);
    assert_eq!(&m.data()[300..], &tail[..]);
    m.trim(20).unwrap();
    assert_eq!(m.data(), &payload[..]);
    m.trim(100).unwrap();
    assert_eq!(m.data(), &payload[..200]);
    assert_eq!(m.pkt_len(), 200);

    m.set_data(b"hello").unwrap();
    assert_eq!(m.data(), b"hello");
    m.data_mut()[0] = b'j';
    assert_eq!(m.data(), b"jello");
}

fn check_exhaustion(pool: &Mempool) {
    let mut m = pool.alloc().unwrap();
    m.append(10).unwrap();
    let head = m.headroom();
    assert_eq!(
        m.prepend(head + 1).unwrap_err(),
        MbufError::NoHeadroom {
            need: head + 1,
            have: head
        }
    );
    assert_eq!(
        (m.headroom(), m.len()),
        (head, 10),
        "failed prepend changes nothing"
    );
    m.prepend(head).unwrap();
    assert_eq!(m.headroom(), 0);
    assert!(matches!(
        m.prepend(1),
        Err(MbufError::NoHeadroom { need: 1, have: 0 })
    ));
    assert!(m.prepend(usize::MAX).is_err());

    let tail = m.tailroom();
    assert!(matches!(
        m.append(tail + 1),
        Err(MbufError::NoTailroom { .. })
    ));
    m.append(tail).unwrap();
    assert_eq!(m.tailroom(), 0);
    assert!(matches!(
        m.append(1),
        Err(MbufError::NoTailroom { need: 1, have: 0 })
    ));
    assert_eq!(m.len(), 2176);

    let len = m.len();
    assert!(matches!(m.adj(len + 1), Err(MbufError::TooShort { .. })));
    assert!(matches!(m.trim(len + 1), Err(MbufError::TooShort { .. })));
    assert!(m.adj(usize::MAX).is_err());
    assert_eq!(m.len(), len);
    m.adj(len).unwrap();
    assert!(m.is_empty());
    assert!(m.trim(1).is_err());
}

fn check_port_and_trait(pool: &Mempool) {
    fn encap<P: PacketBuf>(p: &mut P) -> usize {
        p.prepend(4).unwrap().copy_from_slice(&[1, 2, 3, 4]);
        p.set_port(7);
        p.len()
    }
    let mut m = pool.alloc().unwrap();
    m.append(6).unwrap().copy_from_slice(b"abcdef");
    assert_eq!(encap(&mut m), 10);
    assert_eq!(m.data(), b"\x01\x02\x03\x04abcdef");
    assert_eq!(m.port(), 7);
    assert!(PacketBuf::prepend(&mut m, 10_000).is_err());
}

fn check_drop_frees(pool: &Mempool) {
    assert_eq!(pool.available(), POOL_SIZE);
    {
        let mut burst: MbufBurst<64> = MbufBurst::new();
        assert!(pool.alloc_bulk(&mut burst, 48));
        assert_eq!(burst.len(), 48);
        assert!(!pool.alloc_bulk(&mut burst, 17), "not enough free slots");
        assert_eq!(pool.in_use(), 48);
        let single = pool.alloc().unwrap();
        assert_eq!(pool.in_use(), 49);
        drop(single);
        assert_eq!(pool.in_use(), 48);
    }
    assert_eq!(
        pool.available(),
        POOL_SIZE,
        "dropping a burst returns its mbufs"
    );

    // Into/from raw keeps ownership exact.
    let m = pool.alloc().unwrap();
    let raw = m.into_raw();
    assert_eq!(pool.in_use(), 1);
    // SAFETY: `raw` came from `into_raw` above and has no other owner.
    let m = unsafe { Mbuf::from_raw(raw) }.unwrap();
    drop(m);
    assert_eq!(pool.available(), POOL_SIZE);

    // Exhausting the pool gives None, not a panic.
    let mut all = Vec::new();
    while let Some(m) = pool.alloc() {
        all.push(m);
    }
    assert_eq!(all.len() as u32, POOL_SIZE);
    assert!(pool.alloc().is_none());
    drop(all);
    assert_eq!(pool.available(), POOL_SIZE);
}

fn check_burst_container(pool: &Mempool) {
    let mut b: MbufBurst<8> = MbufBurst::new();
    assert_eq!(b.capacity(), 8);
    for i in 0..8u8 {
        let mut m = pool.alloc().unwrap();
        m.append(1).unwrap()[0] = i;
        b.push(m).unwrap();
    }
    assert!(b.is_full());
    let extra = pool.alloc().unwrap();
    let extra = b.push(extra).unwrap_err();
    drop(extra);
    let order: Vec<u8> = b.iter().map(|m| m.data()[0]).collect();
    assert_eq!(order, (0..8).collect::<Vec<_>>());

    b.retain(|m| m.data()[0] % 2 == 0);
    let order: Vec<u8> = b.iter().map(|m| m.data()[0]).collect();
    assert_eq!(order, vec![0, 2, 4, 6]);
    assert_eq!(pool.in_use(), 4);

    let removed = b.swap_remove(0).unwrap();
    assert_eq!(removed.data()[0], 0);
    assert!(b.swap_remove(3).is_none());
    let order: Vec<u8> = b.as_slice().iter().map(|m| m.data()[0]).collect();
    assert_eq!(order, vec![6, 2, 4]);

    for m in b.as_mut_slice() {
        m.data_mut()[0] += 100;
    }
    let drained: Vec<u8> = b.drain().map(|m| m.data()[0]).collect();
    assert_eq!(drained, vec![106, 102, 104]);
    assert!(b.is_empty());
    drop(removed);
    assert_eq!(pool.available(), POOL_SIZE);
}

fn check_ring(eal: &Eal, pool: &Mempool) {
    let (mut tx, mut rx) = Ring::create(eal, "test_punt", 16, SOCKET_ID_ANY).unwrap();
    assert_eq!(tx.free_count(), 16);
    let mut b: MbufBurst<32> = MbufBurst::new();
    for i in 0..20u8 {
        let mut m = pool.alloc().unwrap();
        m.append(2).unwrap().copy_from_slice(&[i, !i]);
        b.push(m).unwrap();
    }
    assert_eq!(tx.enqueue_burst(&mut b), 16, "ring holds 16");
    assert_eq!(b.len(), 4, "the rest stays with the caller");
    assert_eq!(b.as_slice()[0].data(), &[16, !16]);
    assert_eq!(rx.count(), 16);
    let back = b.pop().unwrap();
    assert!(tx.enqueue(back).is_err(), "full ring gives the mbuf back");

    let mut out: MbufBurst<32> = MbufBurst::new();
    assert_eq!(rx.dequeue_burst(&mut out), 16);
    for (i, m) in out.iter().enumerate() {
        assert_eq!(m.data(), &[i as u8, !(i as u8)]);
    }
    assert!(rx.dequeue().is_none());

    // Mbufs left in a ring are freed when the ring goes.
    assert_eq!(tx.enqueue_burst(&mut out), 16);
    drop(b);
    drop((tx, rx));
    assert_eq!(pool.available(), POOL_SIZE);

    assert!(Ring::create(eal, "bad\0name", 16, SOCKET_ID_ANY).is_err());
}

#[derive(Debug, Clone)]
enum Op {
    Prepend(usize),
    Adj(usize),
    Append(usize),
    Trim(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..200).prop_map(Op::Prepend),
        (0usize..400).prop_map(Op::Adj),
        (0usize..1200).prop_map(Op::Append),
        (0usize..400).prop_map(Op::Trim),
    ]
}

/// Random prepend/adj/append/trim sequences against a `Vec` model: the bytes,
/// lengths and rooms always agree, and every refused operation leaves the
/// mbuf unchanged.
fn check_ops_against_model(pool: &Mempool) {
    let mut runner = TestRunner::new(Config {
        cases: 256,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            let mut m = pool.alloc().unwrap();
            let mut model: Vec<u8> = Vec::new();
            let mut head = 128usize;
            let mut counter = 0u8;
            for op in ops {
                let before = m.data().to_vec();
                let ok = match op {
                    Op::Prepend(n) => match m.prepend(n) {
                        Ok(s) => {
                            let bytes: Vec<u8> = (0..n)
                                .map(|_| {
                                    counter = counter.wrapping_add(1);
                                    counter
                                })
                                .collect();
                            s.copy_from_slice(&bytes);
                            model.splice(0..0, bytes);
                            head -= n;
                            true
                        }
                        Err(_) => {
                            prop_assert!(n > head);
                            false
                        }
                    },
                    Op::Adj(n) => match m.adj(n) {
                        Ok(()) => {
                            model.drain(..n);
                            head += n;
                            true
                        }
                        Err(_) => {
                            prop_assert!(n > model.len());
                            false
                        }
                    },
                    Op::Append(n) => {
                        let room = 2176 - head - model.len();
                        match m.append(n) {
                            Ok(s) => {
                                let bytes: Vec<u8> = (0..n)
                                    .map(|_| {
                                        counter = counter.wrapping_add(1);
                                        counter
                                    })
                                    .collect();
                                s.copy_from_slice(&bytes);
                                model.extend(bytes);
                                true
                            }
                            Err(_) => {
                                prop_assert!(n > room);
                                false
                            }
                        }
                    }
                    Op::Trim(n) => match m.trim(n) {
                        Ok(()) => {
                            model.truncate(model.len() - n);
                            true
                        }
                        Err(_) => {
                            prop_assert!(n > model.len());
                            false
                        }
                    },
                };
                if !ok {
                    prop_assert_eq!(m.data(), &before[..]);
                }
                prop_assert_eq!(m.data(), &model[..]);
                prop_assert_eq!(m.pkt_len(), model.len());
                prop_assert_eq!(m.headroom(), head);
                prop_assert_eq!(m.tailroom(), 2176 - head - model.len());
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(pool.available(), POOL_SIZE);
}

/// Removes the (empty) EAL runtime directory of `prefix`, which DPDK leaves
/// behind even with `--no-shconf`; best effort, only if empty.
fn remove_runtime_dir(prefix: &str) {
    let mut bases = vec![
        std::path::PathBuf::from("/var/run/dpdk"),
        std::env::temp_dir().join("dpdk"),
    ];
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR") {
        bases.push(std::path::PathBuf::from(x).join("dpdk"));
    }
    for b in bases {
        let _ = std::fs::remove_dir(b.join(prefix));
    }
}

#[test]
fn dpdk_mbuf_suite() {
    let eal = Eal::init(&eal_args("mbuf")).expect("EAL init (--no-huge)");
    assert_eq!(
        Eal::init(&eal_args("mbuf2")).unwrap_err(),
        DpdkError::AlreadyInitialized
    );
    assert!(eal.tsc_hz() > 0);
    let t0 = rdtsc();
    assert!(rdtsc() >= t0);
    assert_eq!(eal.main_lcore(), 0);
    assert!(eal.worker_lcores().is_empty());

    assert!(Mempool::new(&eal, "bad", 0, 0, DATA_ROOM, SOCKET_ID_ANY).is_err());
    assert!(Mempool::new(&eal, "bad", 10, 600, DATA_ROOM, SOCKET_ID_ANY).is_err());
    let pool = Mempool::new(&eal, "test_pool", POOL_SIZE, 32, DATA_ROOM, SOCKET_ID_ANY).unwrap();
    assert_eq!(pool.size(), POOL_SIZE);
    assert_eq!(pool.name(), "test_pool");
    let dup = Mempool::new(&eal, "test_pool", 64, 0, DATA_ROOM, SOCKET_ID_ANY).unwrap_err();
    assert!(dup.to_string().contains("test_pool"), "{dup}");

    check_basic_layout(&pool);
    check_prepend_adj_round_trip(&pool);
    check_exhaustion(&pool);
    check_port_and_trait(&pool);
    assert_eq!(pool.available(), POOL_SIZE);
    check_drop_frees(&pool);
    check_burst_container(&pool);
    check_ring(&eal, &pool);
    check_ops_against_model(&pool);
    drop(pool);
    drop(eal); // last handle: rte_eal_cleanup
    remove_runtime_dir(&format!("mobgw-test-mbuf-{}", std::process::id()));
}
