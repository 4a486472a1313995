//! Unit tests of the LMA internals; the conformance checklist is in
//! `tests/engine_lma.rs`.

use super::*;

#[test]
fn sequence_comparison_matches_rfc6275_vector() {
    // pmip-wire.md §4.6 HA-2: L = 15 → 0..=15 and 32783..=65535 are stale.
    for r in 0..=15u16 {
        assert!(!seq_is_newer(r, 15), "{r}");
    }
    for r in 32783..=65535u16 {
        assert!(!seq_is_newer(r, 15), "{r}");
    }
    assert!(seq_is_newer(16, 15));
    assert!(seq_is_newer(32782, 15));
}

#[test]
fn lifetime_units_round_trip() {
    assert_eq!(lifetime_from_units(900), Duration::from_secs(3600));
    assert_eq!(lifetime_to_units(Duration::from_secs(3600)), 900);
    assert_eq!(lifetime_to_units(Duration::ZERO), 0);
    // Never rounds a live lifetime down to a de-registration.
    assert_eq!(lifetime_to_units(Duration::from_secs(1)), 1);
    assert_eq!(lifetime_to_units(Duration::from_secs(1 << 40)), u16::MAX);
}

#[test]
fn generated_link_local_is_link_local_and_per_session() {
    let a = generate_link_local(SessionId(1));
    let b = generate_link_local(SessionId(2));
    assert_ne!(a, b);
    assert_eq!(a.segments()[0], 0xfe80);
    assert_eq!(&a.segments()[1..4], &[0, 0, 0]);
}

fn lma() -> Lma {
    Lma::new(
        LmaConfig::new(
            "2001:db8:aaaa::1".parse().unwrap(),
            "2001:db8:1000::/48".parse().unwrap(),
        ),
        LmaPolicy::default(),
    )
}

fn pbu(mn: &[u8], seq: u16, hnp: Ipv6Addr, hi: u8, lifetime: u16) -> MhRepr {
    MhRepr::BindingUpdate(BindingUpdate {
        sequence: seq,
        flags: crate::wire::BindingUpdateFlags {
            ack: true,
            proxy: true,
            ..Default::default()
        },
        lifetime,
        options: vec![
            MobilityOption::MnIdentifier {
                subtype: 1,
                identifier: mn.to_vec(),
            },
            MobilityOption::HomeNetworkPrefix {
                prefix_len: 64,
                prefix: hnp,
            },
            MobilityOption::HandoffIndicator(HandoffIndicator(hi)),
            MobilityOption::AccessTechnologyType(AccessTechnologyType(4)),
        ],
    })
}

const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);

#[test]
fn refreshes_move_expiry_to_the_last_one() {
    // The queue-size side of this (a refresh queues nothing) is asserted
    // on `bindings::BindingCache` itself.
    let mut lma = lma();
    let dst = lma.config().address;
    let t0 = Now::new(0, 1_700_000_000_000);
    lma.handle_message(MAG, dst, &pbu(b"mn@x", 1, Ipv6Addr::UNSPECIFIED, 1, 10), t0);
    let hnp = lma.bindings().next().unwrap().hnps[0].network();
    for i in 0..50u16 {
        let now = Now::new(u64::from(i) * 100, 1_700_000_000_000 + u64::from(i) * 100);
        lma.handle_message(MAG, dst, &pbu(b"mn@x", 2 + i, hnp, 5, 10), now);
        lma.handle_timeout(now);
    }
    // The live timer still fires at the last refresh's expiry (40 s later).
    let last = Now::new(4_900, 1_700_000_004_900);
    let before = Now::new(4_900 + 39_999, 0);
    lma.handle_timeout(before);
    assert_eq!(lma.len(), 1);
    lma.handle_timeout(Now::new(last.mono.0 + 40_000, 0));
    assert_eq!(lma.len(), 0);
}

#[test]
fn deleted_session_ids_stay_dead_when_the_slot_is_reused() {
    let mut lma = lma();
    let dst = lma.config().address;
    let t0 = Now::new(0, 1_700_000_000_000);
    lma.handle_message(MAG, dst, &pbu(b"a", 1, Ipv6Addr::UNSPECIFIED, 1, 10), t0);
    let a = lma.bindings().next().unwrap();
    lma.handle_timeout(Now::new(40_000, 0));
    assert!(lma.is_empty());
    let t1 = Now::new(40_001, 1_700_000_040_001);
    lma.handle_message(MAG, dst, &pbu(b"b", 1, Ipv6Addr::UNSPECIFIED, 1, 10), t1);
    let b = lma.bindings().next().unwrap();
    assert_ne!(a.id, b.id);
    assert!(lma.binding(a.id).is_none());
    assert_eq!(
        lma.binding(b.id).map(|e| e.mn_id),
        Some(Box::from(&b"b"[..]))
    );
    assert!(lma.bindings_of(b"a").is_empty());
    assert_eq!(lma.binding_by_prefix(&b.hnps[0]).map(|e| e.id), Some(b.id));
}

#[test]
fn pinned_prefixes_follow_policy_changes() {
    use crate::policy::{MnAuthorization, MnPolicy};
    let pinned: Ipv6Net = "2001:db8:1000::/64".parse().unwrap();
    let store = |prefixes: Vec<Ipv6Net>| LmaPolicy {
        mobile_nodes: MnAuthorization::Store(
            [
                (
                    b"owner".to_vec(),
                    MnPolicy {
                        enabled: true,
                        prefixes,
                        ..MnPolicy::default()
                    },
                ),
                (
                    b"other".to_vec(),
                    MnPolicy {
                        enabled: true,
                        ..MnPolicy::default()
                    },
                ),
            ]
            .into_iter()
            .collect(),
        ),
        ..LmaPolicy::default()
    };
    let mut lma = Lma::new(
        LmaConfig::new(
            "2001:db8:aaaa::1".parse().unwrap(),
            "2001:db8:1000::/63".parse().unwrap(),
        ),
        store(vec![pinned]),
    );
    let dst = lma.config().address;
    let now = Now::new(0, 1_700_000_000_000);
    // The pinned first prefix of the pool is skipped for another MN.
    lma.handle_message(
        MAG,
        dst,
        &pbu(b"other", 1, Ipv6Addr::UNSPECIFIED, 1, 10),
        now,
    );
    let got = lma.bindings_of(b"other")[0].hnps[0];
    assert_eq!(got, "2001:db8:1000:1::/64".parse::<Ipv6Net>().unwrap());
    assert_eq!(lma.prefix_pool().map(|p| p.allocated()), Some(2));
    // Unpinned (the owner has no static prefix any more): free for anyone.
    lma.set_policy(store(vec![]));
    assert_eq!(lma.prefix_pool().map(|p| p.allocated()), Some(1));
    lma.handle_message(
        MAG,
        dst,
        &pbu(b"owner", 1, Ipv6Addr::UNSPECIFIED, 1, 10),
        now,
    );
    assert_eq!(lma.bindings_of(b"owner")[0].hnps[0], pinned);
}

#[test]
fn refused_registration_gives_its_prefixes_back() {
    let mut lma = Lma::new(
        LmaConfig::new(
            "2001:db8:aaaa::1".parse().unwrap(),
            "2001:db8:1000::/63".parse().unwrap(),
        ),
        LmaPolicy {
            prefixes_per_session: 2,
            ..LmaPolicy::default()
        },
    );
    let dst = lma.config().address;
    let now = Now::new(0, 1_700_000_000_000);
    // A requested prefix plus an ALL_ZERO for two more: only one is left → 130.
    let mut msg = pbu(b"mn", 1, "2001:db8:1000::".parse().unwrap(), 1, 10);
    if let MhRepr::BindingUpdate(bu) = &mut msg {
        bu.options.push(MobilityOption::HomeNetworkPrefix {
            prefix_len: 64,
            prefix: Ipv6Addr::UNSPECIFIED,
        });
    }
    lma.handle_message(MAG, dst, &msg, now);
    let status = lma.drain_actions().find_map(|a| match a {
        Action::Send {
            message: MhRepr::BindingAck(ba),
            ..
        } => Some(ba.status),
        _ => None,
    });
    assert_eq!(status, Some(status::INSUFFICIENT_RESOURCES));
    assert_eq!(lma.prefix_pool().map(|p| p.allocated()), Some(0));
    // Both prefixes are still there for the next session.
    lma.handle_message(MAG, dst, &pbu(b"mn2", 1, Ipv6Addr::UNSPECIFIED, 1, 10), now);
    assert_eq!(lma.bindings_of(b"mn2")[0].hnps.len(), 2);
}
