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

#[test]
fn refresh_does_not_grow_the_timer_queue() {
    let mut lma = Lma::new(
        LmaConfig::new(
            "2001:db8:aaaa::1".parse().unwrap(),
            "2001:db8:1000::/48".parse().unwrap(),
        ),
        LmaPolicy::default(),
    );
    let src: Ipv6Addr = "2001:db8:ffff::1".parse().unwrap();
    let dst = lma.config().address;
    let pbu = |seq: u16, hnp: Ipv6Addr, hi: u8| {
        MhRepr::BindingUpdate(BindingUpdate {
            sequence: seq,
            flags: crate::wire::BindingUpdateFlags {
                ack: true,
                proxy: true,
                ..Default::default()
            },
            lifetime: 10,
            options: vec![
                MobilityOption::MnIdentifier {
                    subtype: 1,
                    identifier: b"mn@x".to_vec(),
                },
                MobilityOption::HomeNetworkPrefix {
                    prefix_len: 64,
                    prefix: hnp,
                },
                MobilityOption::HandoffIndicator(HandoffIndicator(hi)),
                MobilityOption::AccessTechnologyType(AccessTechnologyType(4)),
            ],
        })
    };
    let t0 = Now::new(0, 1_700_000_000_000);
    lma.handle_message(src, dst, &pbu(1, Ipv6Addr::UNSPECIFIED, 1), t0);
    let hnp = lma.bindings().next().unwrap().hnps[0].network();
    let queued = lma.cache.timers_len();
    for i in 0..50u16 {
        let now = Now::new(u64::from(i) * 100, 1_700_000_000_000 + u64::from(i) * 100);
        lma.handle_message(src, dst, &pbu(2 + i, hnp, 5), now);
        lma.handle_timeout(now);
    }
    assert_eq!(lma.cache.timers_len(), queued);
    // The live timer still fires at the last refresh's expiry (40 s later).
    let last = Now::new(4_900, 1_700_000_004_900);
    let before = Now::new(4_900 + 39_999, 0);
    lma.handle_timeout(before);
    assert_eq!(lma.len(), 1);
    lma.handle_timeout(Now::new(last.mono.0 + 40_000, 0));
    assert_eq!(lma.len(), 0);
}

#[test]
fn slab_slot_reuse_does_not_resurrect_stale_ids() {
    let mut cache = Cache::default();
    let mk = |id: SessionId, mn: &[u8], hnp: &str| BindingCacheEntry {
        id,
        mn_id: Box::from(mn),
        link_layer_id: None,
        access_technology: AccessTechnologyType(4),
        hnps: vec![hnp.parse().unwrap()],
        proxy_coa: Ipv6Addr::LOCALHOST,
        link_local: None,
        tunnel: TunnelKind::Ip6Ip6,
        lifetime: Duration::from_secs(10),
        expires: Time(10_000),
        registered_at: Timestamp(0),
        last_handoff_indicator: HandoffIndicator(1),
        state: BindingState::Active,
        expiry_scheduled: Time(u64::MAX),
    };
    let a = cache.next_id();
    assert_eq!(cache.next_id(), a, "reserved until inserted");
    cache.insert(mk(a, b"a", "2001:db8::/64"));
    assert!(cache.remove(a).is_some());
    let b = cache.next_id();
    cache.insert(mk(b, b"b", "2001:db8:0:1::/64"));
    assert_ne!(a, b);
    assert!(cache.get(a).is_none());
    assert!(cache.remove(a).is_none());
    assert_eq!(cache.get(b).map(|e| &*e.mn_id), Some(&b"b"[..]));
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.session_ids_of(b"a"), &[] as &[SessionId]);
    assert_eq!(
        cache.by_prefix(&"2001:db8:0:1::/64".parse().unwrap()),
        Some(b)
    );
}
