//! The LMA's wire-form path (`Lma::handle_mh`, PBAs as `Action::SendBytes`)
//! against its representation path (`MhRepr::from_bytes` + `handle_message`,
//! PBAs as `Action::Send`): two engines fed the same random PBU sequences
//! (initial registrations, refreshes, handoffs, de-registrations, parked HI = 4
//! requests, rejections of every kind, malformed options, timers) must queue
//! the same actions, every PBA byte for byte, and count the same.

use std::net::Ipv6Addr;

use proptest::collection::vec;
use proptest::prelude::*;
use slowpath::action::Action;
use slowpath::lma::{Lma, LmaConfig};
use slowpath::policy::{LmaPolicy, TunnelPolicy};
use slowpath::timers::{timestamp_from_unix_millis, Now};
use slowpath::wire::{
    AccessTechnologyType, BindingAck, BindingUpdate, BindingUpdateFlags, HandoffIndicator, MhRepr,
    MobilityOption,
};

const UNIX0: u64 = 1_700_000_000_000;
const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAGS: [Ipv6Addr; 2] = [
    Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1),
    Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2),
];
const MN_IDS: [&[u8]; 3] = [b"mn1@example.org", b"mn2@example.org", b"m"];

/// One step of a scenario.
#[derive(Clone, Debug)]
enum Step {
    Pbu(Pbu),
    /// Advance time by this many ms and run the timers.
    Wait(u64),
    /// A message that is no PBU (a BA), or a BU without P.
    NotPbu {
        proxy_bu: bool,
    },
}

#[derive(Clone, Debug)]
struct Pbu {
    mag: usize,
    seq: u16,
    lifetime: u16,
    mn: Option<usize>,
    /// Index into the prefixes assigned so far (`None`: ALL_ZERO).
    hnps: Vec<Option<usize>>,
    hi: Option<u8>,
    att: Option<u8>,
    ll: Option<Vec<u8>>,
    lla: Option<bool>,
    /// Timestamp offset from now in ms (negative: stale), or none.
    ts: Option<i64>,
    gre: Option<Option<u32>>,
    tlv: bool,
    /// Extra options: duplicates, unknown types, an alternate CoA.
    extra: Vec<MobilityOption>,
}

fn pbu() -> impl Strategy<Value = Pbu> {
    (
        (
            0..2usize,
            any::<u16>(),
            prop_oneof![Just(0u16), Just(900), 1..5u16],
        ),
        prop::option::weighted(0.95, 0..MN_IDS.len()),
        vec(prop::option::of(0..8usize), 0..3),
        (
            prop::option::weighted(0.95, 0..7u8),
            prop::option::weighted(0.95, 0..6u8),
        ),
        prop::option::of(prop_oneof![
            Just(vec![0u8; 6]),
            Just(vec![2, 0, 0, 0, 0, 1]),
            Just(vec![2, 0, 0, 0, 0, 2]),
        ]),
        prop::option::of(any::<bool>()),
        prop::option::weighted(0.8, -2_000i64..2_000),
        prop::option::of(prop::option::of(any::<u32>())),
        any::<bool>(),
        vec(extra_option(), 0..2),
    )
        .prop_map(
            |((mag, seq, lifetime), mn, hnps, (hi, att), ll, lla, ts, gre, tlv, extra)| Pbu {
                mag,
                seq,
                lifetime,
                mn,
                hnps,
                hi,
                att,
                ll,
                lla,
                ts,
                gre,
                tlv,
                extra,
            },
        )
}

fn extra_option() -> impl Strategy<Value = MobilityOption> {
    prop_oneof![
        Just(MobilityOption::HandoffIndicator(HandoffIndicator(1))),
        Just(MobilityOption::MnIdentifier {
            subtype: 1,
            identifier: b"other@x".to_vec(),
        }),
        Just(MobilityOption::Timestamp(timestamp_from_unix_millis(UNIX0))),
        Just(MobilityOption::Unknown {
            option_type: 200,
            data: vec![1, 2, 3],
        }),
        Just(MobilityOption::RestartCounter(7)),
        Just(MobilityOption::AlternateCareOfAddress(MAGS[1])),
        Just(MobilityOption::HomeNetworkPrefix {
            prefix_len: 200,
            prefix: Ipv6Addr::UNSPECIFIED,
        }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => pbu().prop_map(Step::Pbu),
        2 => prop_oneof![Just(10u64), Just(1_500), Just(4_000_000)].prop_map(Step::Wait),
        1 => any::<bool>().prop_map(|proxy_bu| Step::NotPbu { proxy_bu }),
    ]
}

fn policy() -> impl Strategy<Value = LmaPolicy> {
    (
        prop_oneof![
            Just(TunnelPolicy::Ip6ip6),
            Just(TunnelPolicy::GreIfRequested),
            Just(TunnelPolicy::GreRequired),
        ],
        1..3u8,
    )
        .prop_map(|(tunnel, prefixes_per_session)| LmaPolicy {
            tunnel,
            prefixes_per_session,
            ..LmaPolicy::default()
        })
}

/// The PBU bytes for `p` at `at_ms`, from its MAG.
fn encode(p: &Pbu, at_ms: u64, assigned: &[Ipv6Addr]) -> (Ipv6Addr, Vec<u8>) {
    let mut options = Vec::new();
    if let Some(mn) = p.mn {
        options.push(MobilityOption::MnIdentifier {
            subtype: 1,
            identifier: MN_IDS[mn].to_vec(),
        });
    }
    for h in &p.hnps {
        let prefix = h
            .and_then(|i| assigned.get(i % assigned.len().max(1)).copied())
            .unwrap_or(Ipv6Addr::UNSPECIFIED);
        options.push(MobilityOption::HomeNetworkPrefix {
            prefix_len: 64,
            prefix,
        });
    }
    if let Some(hi) = p.hi {
        options.push(MobilityOption::HandoffIndicator(HandoffIndicator(hi)));
    }
    if let Some(att) = p.att {
        options.push(MobilityOption::AccessTechnologyType(AccessTechnologyType(
            att,
        )));
    }
    if let Some(ll) = &p.ll {
        options.push(MobilityOption::MnLinkLayerIdentifier(ll.clone()));
    }
    if let Some(zero) = p.lla {
        let a = if zero {
            Ipv6Addr::UNSPECIFIED
        } else {
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 9)
        };
        options.push(MobilityOption::LinkLocalAddress(a));
    }
    if let Some(off) = p.ts {
        let ms = (UNIX0 + at_ms).saturating_add_signed(off);
        options.push(MobilityOption::Timestamp(timestamp_from_unix_millis(ms)));
    }
    if let Some(k) = p.gre {
        options.push(MobilityOption::GreKey(k));
    }
    options.extend(p.extra.iter().cloned());
    let msg = MhRepr::BindingUpdate(BindingUpdate {
        sequence: p.seq,
        flags: BindingUpdateFlags {
            ack: true,
            proxy: true,
            tlv_header: p.tlv,
            ..Default::default()
        },
        lifetime: p.lifetime,
        options,
    });
    let mag = MAGS[p.mag];
    (mag, msg.to_bytes(&mag, &LMAA))
}

/// The actions of both engines are the same; PBAs compared as bytes. Returns
/// the prefixes the PBAs carry.
fn same_actions(repr: &mut Lma, wire: &mut Lma) -> Result<Vec<Ipv6Addr>, TestCaseError> {
    let a: Vec<Action> = repr.drain_actions().collect();
    let b: Vec<Action> = wire.drain_actions().collect();
    prop_assert_eq!(a.len(), b.len(), "{:?} vs {:?}", a, b);
    let mut prefixes = Vec::new();
    for (x, y) in a.into_iter().zip(b) {
        match (x, y) {
            (
                Action::Send { dst, src, message },
                Action::SendBytes {
                    dst: d2,
                    src: s2,
                    bytes,
                },
            ) => {
                prop_assert_eq!((dst, src), (d2, s2));
                prop_assert_eq!(&message.to_bytes(&src, &dst)[..], &bytes[..]);
                if let MhRepr::BindingAck(BindingAck { options, .. }) = message {
                    prefixes.extend(options.iter().filter_map(|o| match o {
                        MobilityOption::HomeNetworkPrefix { prefix, .. }
                            if !prefix.is_unspecified() =>
                        {
                            Some(*prefix)
                        }
                        _ => None,
                    }));
                }
            }
            (x, y) => prop_assert_eq!(x, y),
        }
    }
    Ok(prefixes)
}

fn run(policy: LmaPolicy, steps: &[Step]) -> Result<(), TestCaseError> {
    let config = LmaConfig::new(LMAA, "2001:db8:1000::/60".parse().unwrap());
    let mut repr = Lma::new(config.clone(), policy.clone());
    let mut wire = Lma::new(config, policy);
    let mut at_ms = 1_000;
    let mut assigned: Vec<Ipv6Addr> = Vec::new();
    for s in steps {
        match s {
            Step::Pbu(p) => {
                let (mag, bytes) = encode(p, at_ms, &assigned);
                let now = Now::new(at_ms, UNIX0 + at_ms);
                let msg = MhRepr::from_bytes(&bytes, &mag, &LMAA);
                let res = wire.handle_mh(mag, LMAA, &bytes, now);
                prop_assert_eq!(res.err(), msg.as_ref().err().copied());
                if let Ok(msg) = msg {
                    repr.handle_message(mag, LMAA, &msg, now);
                }
                at_ms += 1;
            }
            Step::Wait(ms) => {
                at_ms += ms;
                let now = Now::new(at_ms, UNIX0 + at_ms);
                repr.handle_timeout(now);
                wire.handle_timeout(now);
            }
            Step::NotPbu { proxy_bu } => {
                let msg = if *proxy_bu {
                    MhRepr::BindingUpdate(BindingUpdate {
                        sequence: 1,
                        flags: BindingUpdateFlags::default(),
                        lifetime: 10,
                        options: vec![],
                    })
                } else {
                    MhRepr::BindingAck(BindingAck {
                        status: 0,
                        flags: Default::default(),
                        sequence: 1,
                        lifetime: 10,
                        options: vec![],
                    })
                };
                let bytes = msg.to_bytes(&MAGS[0], &LMAA);
                let now = Now::new(at_ms, UNIX0 + at_ms);
                repr.handle_message(MAGS[0], LMAA, &msg, now);
                prop_assert_eq!(wire.handle_mh(MAGS[0], LMAA, &bytes, now), Ok(()));
            }
        }
        for p in same_actions(&mut repr, &mut wire)? {
            if !assigned.contains(&p) {
                assigned.push(p);
            }
        }
        prop_assert_eq!(repr.poll_timeout(), wire.poll_timeout());
        prop_assert_eq!(repr.len(), wire.len());
    }
    prop_assert_eq!(repr.counters().rows(), wire.counters().rows());
    prop_assert_eq!(repr.counters().drop_rows(), wire.counters().drop_rows());
    prop_assert_eq!(
        repr.bindings().collect::<Vec<_>>(),
        wire.bindings().collect::<Vec<_>>()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wire_path_acts_as_the_repr_path(policy in policy(), steps in vec(step(), 1..40)) {
        run(policy, &steps)?;
    }
}

/// Malformed bytes fail in `handle_mh` exactly as in `MhRepr::from_bytes`, and
/// change nothing.
#[test]
fn malformed_pbus_fail_like_from_bytes() {
    let p = Pbu {
        mag: 0,
        seq: 1,
        lifetime: 900,
        mn: Some(0),
        hnps: vec![None],
        hi: Some(1),
        att: Some(4),
        ll: Some(vec![2, 0, 0, 0, 0, 1]),
        lla: Some(true),
        ts: Some(0),
        gre: Some(Some(5)),
        tlv: false,
        extra: vec![],
    };
    let (mag, good) = encode(&p, 1_000, &[]);
    let now = Now::new(1_000, UNIX0 + 1_000);
    let mut lma = Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap()),
        LmaPolicy::default(),
    );
    let mut failures = 0;
    for i in 0..good.len() {
        for v in [0u8, 1, 2, 7, 0xff] {
            let mut bad = good.clone();
            bad[i] = v;
            // Keep the checksum right so the body checks are reached.
            bad[4..6].copy_from_slice(&[0, 0]);
            let c = slowpath::wire::mh_checksum(&mag, &LMAA, &bad);
            bad[4..6].copy_from_slice(&c.to_be_bytes());
            if let Err(e) = MhRepr::from_bytes(&bad, &mag, &LMAA) {
                assert_eq!(
                    lma.handle_mh(mag, LMAA, &bad, now),
                    Err(e),
                    "octet {i} = {v}"
                );
                failures += 1;
            }
        }
    }
    assert!(failures > 10, "only {failures} malformed variants");
    assert_eq!(lma.len(), 0);
    assert!(lma.counters().rows().is_empty());
    assert_eq!(lma.poll_action(), None);
}
