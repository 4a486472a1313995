//! LMA conformance checklist (pmip-wire.md §4.1–§4.3, §4.5 GRE), one test per row.
//! Every PBA is sent through the real encoder and decoder.

use std::collections::HashMap;
use std::net::Ipv6Addr;
use std::time::Duration;

use ipnet::Ipv6Net;
use slowpath::action::{Action, Event, RemoveReason, TunnelKind};
use slowpath::counters::{Direction, MessageKind};
use slowpath::lma::{BindingState, Lma, LmaConfig};
use slowpath::policy::{LmaPolicy, MnAuthorization, MnPolicy, TunnelPolicy};
use slowpath::timers::{timestamp_from_unix_millis, Now};
use slowpath::wire::{
    status, AccessTechnologyType, BindingAck, BindingUpdate, BindingUpdateFlags, HandoffIndicator,
    MhRepr, MobilityOption, Timestamp,
};

const UNIX0: u64 = 1_700_000_000_000;
const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAG1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const MAG2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2);
const ZERO: Ipv6Addr = Ipv6Addr::UNSPECIFIED;

fn now(ms: u64) -> Now {
    Now::new(ms, UNIX0 + ms)
}

fn ts(ms: u64) -> Timestamp {
    timestamp_from_unix_millis(UNIX0 + ms)
}

fn lma_with(policy: LmaPolicy) -> Lma {
    Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap()),
        policy,
    )
}

fn lma() -> Lma {
    lma_with(LmaPolicy::default())
}

/// A PBU under construction.
#[derive(Clone)]
struct Pbu {
    seq: u16,
    lifetime: u16,
    mn_id: Option<&'static [u8]>,
    hnps: Vec<(u8, Ipv6Addr)>,
    hi: Option<u8>,
    att: Option<u8>,
    ll: Option<Vec<u8>>,
    lla: Option<Ipv6Addr>,
    ts: Option<Timestamp>,
    gre: Option<Option<u32>>,
    extra: Vec<MobilityOption>,
    tlv: bool,
}

fn pbu(at_ms: u64) -> Pbu {
    Pbu {
        seq: 1,
        lifetime: 900,
        mn_id: Some(b"mn1@example.org"),
        hnps: vec![(64, ZERO)],
        hi: Some(1),
        att: Some(4),
        ll: None,
        lla: None,
        ts: Some(ts(at_ms)),
        gre: None,
        extra: vec![],
        tlv: false,
    }
}

impl Pbu {
    fn repr(&self) -> MhRepr {
        let mut options = Vec::new();
        if let Some(id) = self.mn_id {
            options.push(MobilityOption::MnIdentifier {
                subtype: 1,
                identifier: id.to_vec(),
            });
        }
        for &(prefix_len, prefix) in &self.hnps {
            options.push(MobilityOption::HomeNetworkPrefix { prefix_len, prefix });
        }
        if let Some(hi) = self.hi {
            options.push(MobilityOption::HandoffIndicator(HandoffIndicator(hi)));
        }
        if let Some(att) = self.att {
            options.push(MobilityOption::AccessTechnologyType(AccessTechnologyType(
                att,
            )));
        }
        if let Some(ll) = &self.ll {
            options.push(MobilityOption::MnLinkLayerIdentifier(ll.clone()));
        }
        if let Some(a) = self.lla {
            options.push(MobilityOption::LinkLocalAddress(a));
        }
        if let Some(t) = self.ts {
            options.push(MobilityOption::Timestamp(t));
        }
        if let Some(k) = self.gre {
            options.push(MobilityOption::GreKey(k));
        }
        options.extend(self.extra.iter().cloned());
        MhRepr::BindingUpdate(BindingUpdate {
            sequence: self.seq,
            flags: BindingUpdateFlags {
                ack: true,
                proxy: true,
                tlv_header: self.tlv,
                ..Default::default()
            },
            lifetime: self.lifetime,
            options,
        })
    }
}

/// Send a PBU through the codec and return every action.
fn send(lma: &mut Lma, from: Ipv6Addr, p: &Pbu, at: Now) -> Vec<Action> {
    let bytes = p.repr().to_bytes(&from, &LMAA);
    let msg = MhRepr::from_bytes(&bytes, &from, &LMAA).expect("PBU decodes");
    lma.handle_message(from, LMAA, &msg, at);
    let actions: Vec<Action> = lma.drain_actions().collect();
    // Every PBA goes through the codec too, and must be to the PBU's source.
    for a in &actions {
        if let Action::Send { dst, src, message } = a {
            // §5.3.6: from the PBU's destination (a parked PBU's answer may
            // go to another MAG than this PBU's sender).
            assert_eq!(*src, LMAA);
            let b = message.to_bytes(src, dst);
            assert_eq!(
                &MhRepr::from_bytes(&b, src, dst).expect("PBA decodes"),
                message
            );
        }
    }
    actions
}

fn pba(actions: &[Action]) -> &BindingAck {
    let acks: Vec<&BindingAck> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                message: MhRepr::BindingAck(ba),
                ..
            } => Some(ba),
            _ => None,
        })
        .collect();
    assert_eq!(acks.len(), 1, "exactly one PBA in {actions:?}");
    acks[0]
}

fn opt_hnps(ba: &BindingAck) -> Vec<(u8, Ipv6Addr)> {
    ba.options
        .iter()
        .filter_map(|o| match o {
            MobilityOption::HomeNetworkPrefix { prefix_len, prefix } => {
                Some((*prefix_len, *prefix))
            }
            _ => None,
        })
        .collect()
}

fn opt_mn_id(ba: &BindingAck) -> Option<Vec<u8>> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::MnIdentifier { identifier, .. } => Some(identifier.clone()),
        _ => None,
    })
}

fn opt_ts(ba: &BindingAck) -> Option<Timestamp> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::Timestamp(t) => Some(*t),
        _ => None,
    })
}

fn opt_hi(ba: &BindingAck) -> Option<u8> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::HandoffIndicator(h) => Some(h.0),
        _ => None,
    })
}

fn opt_att(ba: &BindingAck) -> Option<u8> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::AccessTechnologyType(a) => Some(a.0),
        _ => None,
    })
}

fn opt_ll(ba: &BindingAck) -> Option<Vec<u8>> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::MnLinkLayerIdentifier(l) => Some(l.clone()),
        _ => None,
    })
}

fn opt_lla(ba: &BindingAck) -> Option<Ipv6Addr> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::LinkLocalAddress(a) => Some(*a),
        _ => None,
    })
}

fn opt_gre(ba: &BindingAck) -> Option<Option<u32>> {
    ba.options.iter().find_map(|o| match o {
        MobilityOption::GreKey(k) => Some(*k),
        _ => None,
    })
}

/// Register MN1 from MAG1 at t = 0 and return its assigned prefix.
fn registered(lma: &mut Lma) -> Ipv6Addr {
    let acts = send(lma, MAG1, &pbu(0), now(0));
    let ba = pba(&acts);
    assert_eq!(ba.status, status::ACCEPTED);
    opt_hnps(ba)[0].1
}

fn store_policy() -> LmaPolicy {
    let mut store = HashMap::new();
    store.insert(
        b"mn1@example.org".to_vec(),
        MnPolicy {
            enabled: true,
            ..MnPolicy::default()
        },
    );
    store.insert(
        b"static@example.org".to_vec(),
        MnPolicy {
            enabled: true,
            prefixes: vec!["2001:db8:1000:77::/64".parse().unwrap()],
            ..MnPolicy::default()
        },
    );
    store.insert(
        b"off@example.org".to_vec(),
        MnPolicy {
            enabled: false,
            ..MnPolicy::default()
        },
    );
    store.insert(
        b"pinned@example.org".to_vec(),
        MnPolicy {
            enabled: true,
            allowed_mags: vec!["2001:db8:ffff::2/128".parse().unwrap()],
            ..MnPolicy::default()
        },
    );
    LmaPolicy {
        allowed_mags: vec!["2001:db8:ffff::/64".parse().unwrap()],
        mobile_nodes: MnAuthorization::Store(store),
        ..LmaPolicy::default()
    }
}

// ---- §4.1 PBU processing order ----

#[test]
fn lma_pbu_03_no_home_address_option_is_accepted() {
    let mut l = lma();
    let acts = send(&mut l, MAG1, &pbu(0), now(0));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
}

#[test]
fn lma_pbu_04_missing_mn_id_gets_160_with_zero_length_id() {
    let mut l = lma();
    let mut p = pbu(0);
    p.mn_id = None;
    let acts = send(&mut l, MAG1, &p, now(0));
    let ba = pba(&acts);
    assert_eq!(ba.status, status::MISSING_MN_IDENTIFIER_OPTION);
    assert_eq!(opt_mn_id(ba), Some(vec![]));
    assert!(ba.flags.proxy);
    assert!(l.is_empty());
}

#[test]
fn lma_pbu_05_mag_not_authorised_gets_154() {
    let mut l = lma_with(store_policy());
    let rogue: Ipv6Addr = "2001:db8:9999::1".parse().unwrap();
    assert_eq!(
        pba(&send(&mut l, rogue, &pbu(0), now(0))).status,
        status::MAG_NOT_AUTHORIZED_FOR_PROXY_REG
    );
    // Per-MN MAG restriction.
    let mut p = pbu(0);
    p.mn_id = Some(b"pinned@example.org");
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::MAG_NOT_AUTHORIZED_FOR_PROXY_REG
    );
    assert_eq!(
        pba(&send(&mut l, MAG2, &p, now(0))).status,
        status::ACCEPTED
    );
}

#[test]
fn lma_pbu_06_unknown_mn_id_gets_153() {
    let mut l = lma_with(store_policy());
    let mut p = pbu(0);
    p.mn_id = Some(b"stranger@example.org");
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::NOT_LMA_FOR_THIS_MOBILE_NODE
    );
}

#[test]
fn lma_pbu_07_mn_not_entitled_gets_152() {
    let mut l = lma_with(store_policy());
    let mut p = pbu(0);
    p.mn_id = Some(b"off@example.org");
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::PROXY_REG_NOT_ENABLED
    );
}

#[test]
fn lma_pbu_09_missing_hnp_gets_158_with_one_all_zero_hnp() {
    let mut l = lma();
    let mut p = pbu(0);
    p.hnps.clear();
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::MISSING_HOME_NETWORK_PREFIX_OPTION);
    assert_eq!(opt_hnps(&ba), vec![(0, ZERO)]);
}

#[test]
fn lma_pbu_10_missing_hi_gets_161() {
    let mut l = lma();
    let mut p = pbu(0);
    p.hi = None;
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::MISSING_HANDOFF_INDICATOR_OPTION);
    assert_eq!(opt_hi(&ba), Some(0), "§5.3.6: HI 0 if absent");
}

#[test]
fn lma_pbu_11_missing_att_gets_162() {
    let mut l = lma();
    let mut p = pbu(0);
    p.att = None;
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::MISSING_ACCESS_TECH_TYPE_OPTION);
    assert_eq!(opt_att(&ba), Some(0), "§5.3.6: ATT 0 if absent");
}

#[test]
fn lma_pbu_12_new_session_installs_before_pba() {
    let mut l = lma();
    let acts = send(&mut l, MAG1, &pbu(0), now(0));
    let install = acts
        .iter()
        .position(|a| matches!(a, Action::InstallBinding(_)))
        .expect("install");
    let ack = acts
        .iter()
        .position(|a| matches!(a, Action::Send { .. }))
        .expect("pba");
    assert!(install < ack, "PBA after the install action");
    match &acts[install] {
        Action::InstallBinding(spec) => {
            assert_eq!(spec.remote, MAG1);
            assert_eq!(spec.local, LMAA);
            assert_eq!(spec.tunnel, TunnelKind::Ip6Ip6);
            assert_eq!(spec.hnps.len(), 1);
        }
        _ => unreachable!(),
    }
}

#[test]
fn lma_pbu_13_existing_session_lifetime_zero_deregisters() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut d = pbu(100);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG1, &d, now(100));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    assert_eq!(pba(&acts).lifetime, 0);
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::RemoveBinding {
            reason: RemoveReason::Deregistered,
            ..
        }
    )));
}

#[test]
fn lma_pbu_14_same_proxy_coa_is_reregistration() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(100);
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG1, &r, now(100));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    // Nothing changes in the forwarding tables on a plain refresh.
    assert_eq!(acts.len(), 1);
    assert_eq!(l.len(), 1);
}

#[test]
fn lma_pbu_15_different_proxy_coa_is_handoff() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut h = pbu(100);
    h.hi = Some(3);
    h.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG2, &h, now(100));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    match &acts[0] {
        Action::UpdateBinding(spec) => assert_eq!(spec.remote, MAG2),
        other => panic!("expected update first, got {other:?}"),
    }
    assert_eq!(l.bindings().next().unwrap().proxy_coa, MAG2);
}

#[test]
fn lma_pbu_ord_1_missing_mn_id_and_hnp_gets_160() {
    let mut l = lma();
    let mut p = pbu(0);
    p.mn_id = None;
    p.hnps.clear();
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::MISSING_MN_IDENTIFIER_OPTION
    );
}

#[test]
fn lma_pbu_ord_2_stale_timestamp_without_hi_gets_157() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut p = pbu(0);
    p.ts = Some(ts(0).min(Timestamp(ts(0).0 - 100)));
    p.hi = None;
    p.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(50))).status,
        status::TIMESTAMP_LOWER_THAN_PREV_ACCEPTED
    );
}

#[test]
fn lma_pbu_ord_3_unauthorised_mag_and_unknown_mn_gets_154() {
    // Recorded behaviour: the global MAG list is checked before the MN is
    // identified (step 6 before step 7).
    let mut l = lma_with(store_policy());
    let mut p = pbu(0);
    p.mn_id = Some(b"stranger@example.org");
    let rogue: Ipv6Addr = "2001:db8:9999::1".parse().unwrap();
    assert_eq!(
        pba(&send(&mut l, rogue, &p, now(0))).status,
        status::MAG_NOT_AUTHORIZED_FOR_PROXY_REG
    );
}

#[test]
fn lma_pbu_opt_1_unknown_and_vendor_options_are_skipped() {
    let mut l = lma();
    let mut p = pbu(0);
    p.extra = vec![
        MobilityOption::Unknown {
            option_type: 200,
            data: vec![1, 2, 3],
        },
        MobilityOption::VendorSpecific {
            vendor_id: 32473,
            subtype: 1,
            data: vec![9, 9],
        },
    ];
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::ACCEPTED
    );
}

#[test]
fn lma_pbu_opt_2_duplicate_singleton_gets_128() {
    // Recorded behaviour: a duplicate HI / ATT / MN-ID / TS / MN-LL-ID / LLA → 128.
    let dups = [
        MobilityOption::HandoffIndicator(HandoffIndicator(1)),
        MobilityOption::AccessTechnologyType(AccessTechnologyType(4)),
        MobilityOption::MnIdentifier {
            subtype: 1,
            identifier: b"other".to_vec(),
        },
        MobilityOption::Timestamp(ts(0)),
    ];
    for d in dups {
        let mut l = lma();
        let mut p = pbu(0);
        p.extra = vec![d.clone()];
        assert_eq!(
            pba(&send(&mut l, MAG1, &p, now(0))).status,
            status::REASON_UNSPECIFIED,
            "{d:?}"
        );
        assert!(l.is_empty());
    }
    let mut l = lma();
    let mut p = pbu(0);
    p.ll = Some(vec![1, 2, 3, 4, 5, 6]);
    p.lla = Some(ZERO);
    p.extra = vec![
        MobilityOption::MnLinkLayerIdentifier(vec![1, 2, 3, 4, 5, 6]),
        MobilityOption::LinkLocalAddress(ZERO),
    ];
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::REASON_UNSPECIFIED
    );
}

// ---- §5.3.2 initial registration ----

#[test]
fn lma_init_1_all_zero_hnp_allocates_one_prefix_per_policy() {
    let mut l = lma_with(LmaPolicy {
        prefixes_per_session: 2,
        ..LmaPolicy::default()
    });
    let acts = send(&mut l, MAG1, &pbu(0), now(0));
    let ba = pba(&acts);
    assert_eq!(ba.status, status::ACCEPTED);
    let hnps = opt_hnps(ba);
    assert_eq!(hnps.len(), 2);
    assert_ne!(hnps[0], hnps[1]);
    let pool: Ipv6Net = "2001:db8:1000::/48".parse().unwrap();
    for (len, p) in hnps {
        assert_eq!(len, 64);
        assert!(pool.contains(&p));
    }
}

#[test]
fn lma_init_2_pool_exhausted_gets_130() {
    let mut l = Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/64".parse().unwrap()),
        LmaPolicy::default(),
    );
    assert_eq!(
        pba(&send(&mut l, MAG1, &pbu(0), now(0))).status,
        status::ACCEPTED
    );
    let mut p = pbu(10);
    p.mn_id = Some(b"mn2@example.org");
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(10))).status,
        status::INSUFFICIENT_RESOURCES
    );
}

#[test]
fn lma_init_3_foreign_or_unauthorised_prefix_gets_155() {
    let mut l = lma_with(store_policy());
    // Outside the pool.
    let mut p = pbu(0);
    p.hnps = vec![(64, "2001:db8:5555::".parse().unwrap())];
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX
    );
    // Pinned to another MN by policy.
    let mut p = pbu(10);
    p.hnps = vec![(64, "2001:db8:1000:77::".parse().unwrap())];
    let ba = pba(&send(&mut l, MAG1, &p, now(10))).clone();
    assert_eq!(ba.status, status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
    // §5.3.6: rejected → the request's HNPs are echoed unchanged.
    assert_eq!(
        opt_hnps(&ba),
        vec![(64, "2001:db8:1000:77::".parse().unwrap())]
    );
}

#[test]
fn lma_init_3b_static_prefix_is_assigned_to_its_owner() {
    let mut l = lma_with(store_policy());
    let mut p = pbu(0);
    p.mn_id = Some(b"static@example.org");
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    assert_eq!(
        opt_hnps(&ba),
        vec![(64, "2001:db8:1000:77::".parse().unwrap())]
    );
}

#[test]
fn lma_init_4_entry_holds_the_accepted_values() {
    let mut l = lma();
    let mut p = pbu(0);
    p.ll = Some(vec![0, 0x11, 0x22, 0x33, 0x44, 0x55]);
    p.lla = Some(ZERO);
    let acts = send(&mut l, MAG1, &p, now(0));
    let ba = pba(&acts).clone();
    let e = l.bindings().next().unwrap();
    assert_eq!(&*e.mn_id, b"mn1@example.org");
    assert_eq!(
        e.link_layer_id.as_deref(),
        Some(&[0, 0x11, 0x22, 0x33, 0x44, 0x55][..])
    );
    assert_eq!(e.access_technology, AccessTechnologyType(4));
    assert_eq!(e.proxy_coa, MAG1);
    assert_eq!(e.state, BindingState::Active);
    assert_eq!(e.lifetime, Duration::from_secs(3600));
    assert_eq!(
        e.registered_at,
        now(0).wall,
        "§5.1: LMA time of day, not the PBU's TS"
    );
    // LMA-PBA-4: ALL_ZERO LLA with a new session → generated, stored, returned.
    let lla = opt_lla(&ba).unwrap();
    assert!(!lla.is_unspecified());
    assert_eq!(e.link_local, Some(lla));
}

// ---- §5.3.3–5.3.5 ----

#[test]
fn lma_rereg_1_same_mag_extends_lifetime() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(1000);
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    r.lifetime = 10;
    let ba = pba(&send(&mut l, MAG1, &r, now(1000))).clone();
    assert_eq!(ba.lifetime, 10);
    let e = l.bindings().next().unwrap();
    assert_eq!(e.expires.as_millis(), 1000 + 40_000);
}

#[test]
fn lma_ho_1_handoff_moves_routes_to_new_mag() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut h = pbu(200);
    h.hi = Some(3);
    h.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG2, &h, now(200));
    assert!(
        matches!(&acts[0], Action::UpdateBinding(s) if s.remote == MAG2 && s.hnps[0].network() == hnp)
    );
    assert!(matches!(&acts[1], Action::Send { dst, .. } if *dst == MAG2));
}

#[test]
fn lma_dereg_1_from_other_mag_is_ignored() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut d = pbu(100);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG2, &d, now(100));
    assert!(acts.is_empty(), "{acts:?}");
    assert_eq!(l.bindings().next().unwrap().state, BindingState::Active);
}

#[test]
fn lma_dereg_2_pba_at_once_entry_kept_for_min_delay() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut d = pbu(100);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG1, &d, now(100));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    l.handle_timeout(now(100 + 9_999));
    assert_eq!(l.len(), 1);
    assert!(matches!(
        l.bindings().next().unwrap().state,
        BindingState::Deregistered { .. }
    ));
    assert!(l.poll_timeout().unwrap().as_millis() <= 100 + 10_000);
}

#[test]
fn lma_dereg_3_new_registration_inside_wait_keeps_entry() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let id = l.bindings().next().unwrap().id;
    let mut d = pbu(100);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    send(&mut l, MAG1, &d, now(100));
    let mut h = pbu(500);
    h.hi = Some(3);
    h.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG2, &h, now(500));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    assert!(matches!(&acts[0], Action::InstallBinding(s) if s.session == id && s.remote == MAG2));
    l.handle_timeout(now(20_000));
    let e = l.bindings().next().unwrap();
    assert_eq!(e.id, id);
    assert_eq!(e.state, BindingState::Active);
}

#[test]
fn lma_dereg_4_entry_deleted_after_wait_and_prefix_reusable() {
    let mut l = Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/64".parse().unwrap()),
        LmaPolicy::default(),
    );
    let hnp = registered(&mut l);
    let mut d = pbu(100);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    send(&mut l, MAG1, &d, now(100));
    l.handle_timeout(now(10_100));
    let acts: Vec<Action> = l.drain_actions().collect();
    assert!(l.is_empty());
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::Event(Event::BindingDeleted { .. }))));
    // The single prefix of the pool is free again.
    let mut p = pbu(10_200);
    p.mn_id = Some(b"mn2@example.org");
    let ba = pba(&send(&mut l, MAG1, &p, now(10_200))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    assert_eq!(opt_hnps(&ba)[0].1, hnp);
}

#[test]
fn lma_dereg_5_unknown_session_is_ignored() {
    let mut l = lma();
    let mut d = pbu(0);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, "2001:db8:1000:5::".parse().unwrap())];
    assert!(send(&mut l, MAG1, &d, now(0)).is_empty());
    let mut d = pbu(10);
    d.lifetime = 0;
    d.hi = Some(4);
    assert!(send(&mut l, MAG1, &d, now(10)).is_empty());
}

#[test]
fn lma_lifetime_expiry_removes_binding() {
    let mut l = lma();
    let mut p = pbu(0);
    p.lifetime = 5; // 20 s
    send(&mut l, MAG1, &p, now(0));
    assert_eq!(l.poll_timeout().unwrap().as_millis(), 20_000);
    l.handle_timeout(now(19_999));
    assert_eq!(l.len(), 1);
    l.handle_timeout(now(20_000));
    let acts: Vec<Action> = l.drain_actions().collect();
    assert!(l.is_empty());
    assert!(matches!(
        acts[0],
        Action::RemoveBinding {
            reason: RemoveReason::Expired,
            ..
        }
    ));
}

#[test]
fn lma_lifetime_is_capped_by_policy() {
    let mut l = lma_with(LmaPolicy {
        max_lifetime: Duration::from_secs(600),
        ..LmaPolicy::default()
    });
    let ba = pba(&send(&mut l, MAG1, &pbu(0), now(0))).clone();
    assert_eq!(ba.lifetime, 150);
}

// ---- §5.3.6 PBA construction ----

#[test]
fn lma_pba_1_addresses_flags_and_sequence() {
    let mut l = lma();
    let mut p = pbu(0);
    p.seq = 4242;
    let acts = send(&mut l, MAG1, &p, now(0));
    let ba = pba(&acts);
    assert!(ba.flags.proxy);
    assert_eq!(ba.sequence, 4242);
}

#[test]
fn lma_pba_1b_alternate_coa_is_proxy_coa_but_pba_goes_to_source() {
    let mut l = lma();
    let mut p = pbu(0);
    p.extra = vec![MobilityOption::AlternateCareOfAddress(MAG2)];
    let acts = send(&mut l, MAG1, &p, now(0));
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    assert_eq!(l.bindings().next().unwrap().proxy_coa, MAG2);
}

#[test]
fn lma_pba_2_echo_rules() {
    let mut l = lma();
    // Without LL-ID / LLA: not echoed.
    let ba = pba(&send(&mut l, MAG1, &pbu(0), now(0))).clone();
    assert_eq!(opt_mn_id(&ba), Some(b"mn1@example.org".to_vec()));
    assert_eq!(opt_hi(&ba), Some(1));
    assert_eq!(opt_att(&ba), Some(4));
    assert_eq!(opt_ll(&ba), None);
    assert_eq!(opt_lla(&ba), None);
    assert_eq!(opt_ts(&ba), Some(ts(0)));
    // With LL-ID: echoed.
    let mut p = pbu(10);
    p.mn_id = Some(b"mn2@example.org");
    p.ll = Some(vec![2, 0, 0, 0, 0, 9]);
    let ba = pba(&send(&mut l, MAG1, &p, now(10))).clone();
    assert_eq!(opt_ll(&ba), Some(vec![2, 0, 0, 0, 0, 9]));
}

#[test]
fn lma_pba_3_reject_echoes_every_hnp() {
    let mut l = lma_with(store_policy());
    let mut p = pbu(0);
    p.mn_id = Some(b"off@example.org");
    p.hnps = vec![
        (64, "2001:db8:1000:1::".parse().unwrap()),
        (64, "2001:db8:1000:2::".parse().unwrap()),
    ];
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::PROXY_REG_NOT_ENABLED);
    assert_eq!(opt_hnps(&ba), p.hnps);
}

#[test]
fn lma_pba_4_link_local_rules() {
    let mut l = lma();
    // NON_ZERO: echoed and stored.
    let mine: Ipv6Addr = "fe80::1234".parse().unwrap();
    let mut p = pbu(0);
    p.lla = Some(mine);
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(opt_lla(&ba), Some(mine));
    let hnp = opt_hnps(&ba)[0].1;
    assert_eq!(l.bindings().next().unwrap().link_local, Some(mine));
    // ALL_ZERO with an existing entry: the entry's LLA.
    let mut r = pbu(100);
    r.hi = Some(3);
    r.hnps = vec![(64, hnp)];
    r.lla = Some(ZERO);
    let ba = pba(&send(&mut l, MAG2, &r, now(100))).clone();
    assert_eq!(opt_lla(&ba), Some(mine));
    // Rejected: the request's LLA is echoed.
    let mut bad = pbu(200);
    bad.hi = None;
    bad.lla = Some(ZERO);
    let ba = pba(&send(&mut l, MAG1, &bad, now(200))).clone();
    assert_eq!(opt_lla(&ba), Some(ZERO));
}

// ---- §4.2 BCE lookup ----

fn with_ll(l: &mut Lma, ll: &[u8], att: u8) -> Ipv6Addr {
    let mut p = pbu(0);
    p.ll = Some(ll.to_vec());
    p.att = Some(att);
    let ba = pba(&send(l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    opt_hnps(&ba)[0].1
}

#[test]
fn lma_bce_1_same_ll_id_and_att_updates() {
    let mut l = lma();
    let hnp = with_ll(&mut l, &[1, 2, 3, 4, 5, 6], 4);
    let mut h = pbu(100);
    h.ll = Some(vec![1, 2, 3, 4, 5, 6]);
    h.hi = Some(1);
    h.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG2, &h, now(100))).status,
        status::ACCEPTED
    );
    assert_eq!(l.len(), 1);
    assert_eq!(l.bindings().next().unwrap().proxy_coa, MAG2);
}

#[test]
fn lma_bce_2_hi_2_updates() {
    let mut l = lma();
    let hnp = with_ll(&mut l, &[1, 2, 3, 4, 5, 6], 4);
    let mut h = pbu(100);
    h.ll = Some(vec![9, 9, 9, 9, 9, 9]);
    h.att = Some(3);
    h.hi = Some(2);
    h.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG2, &h, now(100))).status,
        status::ACCEPTED
    );
    let e = l.bindings().next().unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(e.link_layer_id.as_deref(), Some(&[9, 9, 9, 9, 9, 9][..]));
    assert_eq!(e.access_technology, AccessTechnologyType(3));
}

#[test]
fn lma_bce_3_no_ll_id_same_att_hi_3_updates() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut h = pbu(100);
    h.hi = Some(3);
    h.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG2, &h, now(100))).status,
        status::ACCEPTED
    );
    assert_eq!(l.bindings().next().unwrap().proxy_coa, MAG2);
}

#[test]
fn lma_bce_4_same_proxy_coa_same_att_updates() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(100);
    r.hi = Some(1);
    r.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG1, &r, now(100))).status,
        status::ACCEPTED
    );
    assert_eq!(l.len(), 1);
}

#[test]
fn lma_bce_4b_no_condition_means_new_session_and_prefix_in_use_gets_155() {
    // Different MAG, HI 1, no LL-ID: not an update; a new session cannot take
    // a prefix that is bound (recorded behaviour: 155).
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(100);
    r.hi = Some(1);
    r.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG2, &r, now(100))).status,
        status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX
    );
}

#[test]
fn lma_bce_5_prefix_subset_gets_159() {
    let mut l = lma_with(LmaPolicy {
        prefixes_per_session: 2,
        ..LmaPolicy::default()
    });
    let ba = pba(&send(&mut l, MAG1, &pbu(0), now(0))).clone();
    let hnps = opt_hnps(&ba);
    let mut r = pbu(100);
    r.hi = Some(5);
    r.hnps = vec![hnps[0]];
    assert_eq!(
        pba(&send(&mut l, MAG1, &r, now(100))).status,
        status::BCE_PBU_PREFIX_SET_DO_NOT_MATCH
    );
}

#[test]
fn lma_bce_6_another_mns_prefix_gets_155() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut p = pbu(100);
    p.mn_id = Some(b"thief@example.org");
    p.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG2, &p, now(100))).status,
        status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX
    );
}

#[test]
fn lma_bce_7_hi_1_known_mn_creates_parallel_session() {
    let mut l = lma();
    let first = registered(&mut l);
    let mut p = pbu(100);
    p.hi = Some(1);
    p.att = Some(3);
    let ba = pba(&send(&mut l, MAG2, &p, now(100))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    assert_ne!(opt_hnps(&ba)[0].1, first);
    assert_eq!(l.bindings_of(b"mn1@example.org").len(), 2);
}

#[test]
fn lma_bce_8_hi_4_waits_for_deregistration_then_updates() {
    let mut l = lma();
    let hnp = with_ll(&mut l, &[1, 2, 3, 4, 5, 6], 4);
    let id = l.bindings().next().unwrap().id;
    // New MAG, other LL-ID (no exact match), HI 4: parked.
    let mut n = pbu(100);
    n.ll = Some(vec![7, 7, 7, 7, 7, 7]);
    n.hi = Some(4);
    let acts = send(&mut l, MAG2, &n, now(100));
    assert!(acts.is_empty(), "parked, no answer yet: {acts:?}");
    assert_eq!(l.poll_timeout().unwrap().as_millis(), 1600);
    // Old MAG de-registers inside the window: the parked PBU updates the entry.
    let mut d = pbu(300);
    d.ll = Some(vec![1, 2, 3, 4, 5, 6]);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    let acts = send(&mut l, MAG1, &d, now(300));
    let acks: Vec<(&Ipv6Addr, u8)> = acts
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                dst,
                message: MhRepr::BindingAck(ba),
                ..
            } => Some((dst, ba.status)),
            _ => None,
        })
        .collect();
    assert_eq!(acks, vec![(&MAG1, 0), (&MAG2, 0)]);
    assert_eq!(l.len(), 1);
    let e = l.bindings().next().unwrap();
    assert_eq!(
        (e.id, e.proxy_coa, e.state),
        (id, MAG2, BindingState::Active)
    );
    assert_eq!(e.hnps[0].network(), hnp);
}

#[test]
fn lma_bce_8b_hi_4_without_deregistration_creates_new_session_at_1500_ms() {
    let mut l = lma();
    with_ll(&mut l, &[1, 2, 3, 4, 5, 6], 4);
    let mut n = pbu(100);
    n.ll = Some(vec![7, 7, 7, 7, 7, 7]);
    n.hi = Some(4);
    assert!(send(&mut l, MAG2, &n, now(100)).is_empty());
    l.handle_timeout(now(1599));
    assert!(l.drain_actions().next().is_none());
    l.handle_timeout(now(1600));
    let acts: Vec<Action> = l.drain_actions().collect();
    assert_eq!(pba(&acts).status, status::ACCEPTED);
    assert_eq!(l.bindings_of(b"mn1@example.org").len(), 2);
}

#[test]
fn lma_bce_8c_hi_4_immediate_when_configured() {
    let mut cfg = LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap());
    cfg.wait_for_deregistration = false;
    let mut l = Lma::new(cfg, LmaPolicy::default());
    registered(&mut l);
    let mut n = pbu(100);
    n.hi = Some(4);
    assert_eq!(
        pba(&send(&mut l, MAG2, &n, now(100))).status,
        status::ACCEPTED
    );
    assert_eq!(l.len(), 2);
}

#[test]
fn lma_bce_9_hi_3_with_two_entries_creates_new_session() {
    let mut l = lma();
    registered(&mut l);
    let mut p = pbu(100);
    p.att = Some(3);
    send(&mut l, MAG1, &p, now(100));
    assert_eq!(l.len(), 2);
    let mut h = pbu(200);
    h.hi = Some(3);
    assert_eq!(
        pba(&send(&mut l, MAG2, &h, now(200))).status,
        status::ACCEPTED
    );
    assert_eq!(l.len(), 3);
}

#[test]
fn lma_bce_10_no_hnp_no_ll_hi_3_single_entry_updates() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut h = pbu(100);
    h.hi = Some(3);
    let ba = pba(&send(&mut l, MAG2, &h, now(100))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    assert_eq!(opt_hnps(&ba), vec![(64, hnp)], "the entry's prefix is kept");
    assert_eq!(l.len(), 1);
}

// ---- §4.3 ordering ----

#[test]
fn lma_ts_1_2_timestamp_echoed_sequence_copied_not_checked() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(100);
    r.seq = 0; // lower than before: ignored with a TS present
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    let ba = pba(&send(&mut l, MAG1, &r, now(100))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    assert_eq!(ba.sequence, 0);
    assert_eq!(opt_ts(&ba), Some(ts(100)));
}

#[test]
fn lma_ts_3_window_is_300_ms() {
    let mut l = lma();
    let mut p = pbu(0);
    p.ts = Some(ts(0));
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(300))).status,
        status::ACCEPTED
    );
    let mut q = pbu(0);
    q.mn_id = Some(b"mn2@example.org");
    q.ts = Some(ts(0));
    assert_eq!(
        pba(&send(&mut l, MAG1, &q, now(302))).status,
        status::TIMESTAMP_MISMATCH
    );
}

#[test]
fn lma_ts_3b_mobile_node_generated_timestamp_skips_window() {
    let mut cfg = LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap());
    cfg.mobile_node_generated_timestamp = true;
    let mut l = Lma::new(cfg, LmaPolicy::default());
    let mut p = pbu(0);
    p.ts = Some(Timestamp(42 << 16));
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::ACCEPTED
    );
}

#[test]
fn lma_ts_4_lower_timestamp_gets_157_with_lma_time() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(0);
    r.ts = Some(Timestamp(ts(0).0 - 1));
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    let ba = pba(&send(&mut l, MAG1, &r, now(150))).clone();
    assert_eq!(ba.status, status::TIMESTAMP_LOWER_THAN_PREV_ACCEPTED);
    assert_eq!(opt_ts(&ba), Some(now(150).wall));
}

#[test]
fn lma_ts_5_outside_window_gets_156_with_lma_time() {
    let mut l = lma();
    let mut p = pbu(0);
    p.ts = Some(ts(5_000));
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::TIMESTAMP_MISMATCH);
    assert_eq!(opt_ts(&ba), Some(now(0).wall));
}

#[test]
fn lma_ts_6_equal_timestamp_gets_156() {
    let mut l = lma();
    let hnp = registered(&mut l);
    let mut r = pbu(0);
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG1, &r, now(10))).status,
        status::TIMESTAMP_MISMATCH
    );
}

#[test]
fn lma_sq_1_no_timestamp_uses_sequence_numbers_and_no_ts_in_pba() {
    let mut l = lma();
    let mut p = pbu(0);
    p.ts = None;
    p.seq = 10;
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    assert_eq!(ba.status, status::ACCEPTED);
    assert_eq!(opt_ts(&ba), None);
    let hnp = opt_hnps(&ba)[0].1;
    let mut r = pbu(0);
    r.ts = None;
    r.seq = 11;
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG1, &r, now(10))).status,
        status::ACCEPTED
    );
}

#[test]
fn lma_sq_2_stale_sequence_gets_135_with_last_accepted() {
    let mut l = lma();
    let mut p = pbu(0);
    p.ts = None;
    p.seq = 10;
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    let hnp = opt_hnps(&ba)[0].1;
    let mut r = pbu(0);
    r.ts = None;
    r.seq = 9;
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    let ba = pba(&send(&mut l, MAG1, &r, now(10))).clone();
    assert_eq!(ba.status, status::SEQUENCE_NUMBER_OUT_OF_WINDOW);
    assert_eq!(ba.sequence, 10);
}

// ---- §4.5 GRE (RFC 5845) ----

fn gre_lma(tunnel: TunnelPolicy) -> Lma {
    lma_with(LmaPolicy {
        tunnel,
        ..LmaPolicy::default()
    })
}

#[test]
fn gre_1_keyless_option_is_echoed_keyless() {
    let mut l = gre_lma(TunnelPolicy::GreIfRequested);
    let mut p = pbu(0);
    p.gre = Some(None);
    let acts = send(&mut l, MAG1, &p, now(0));
    assert_eq!(opt_gre(pba(&acts)), Some(None));
    assert!(matches!(
        &acts[0],
        Action::InstallBinding(s) if s.tunnel == TunnelKind::Gre { downlink_key: None, uplink_key: None }
    ));
}

#[test]
fn gre_2_downlink_key_gets_uplink_key() {
    let mut l = gre_lma(TunnelPolicy::GreIfRequested);
    let mut p = pbu(0);
    p.gre = Some(Some(0xabcd));
    let acts = send(&mut l, MAG1, &p, now(0));
    let up = opt_gre(pba(&acts)).flatten().expect("uplink key");
    assert!(matches!(
        &acts[0],
        Action::InstallBinding(s) if s.tunnel == TunnelKind::Gre { downlink_key: Some(0xabcd), uplink_key: Some(up) }
    ));
    // A refresh keeps the uplink key.
    let hnp = opt_hnps(pba(&acts))[0].1;
    let mut r = pbu(100);
    r.hi = Some(5);
    r.hnps = vec![(64, hnp)];
    r.gre = Some(Some(0xabcd));
    let acts = send(&mut l, MAG1, &r, now(100));
    assert_eq!(opt_gre(pba(&acts)), Some(Some(up)));
}

#[test]
fn gre_3_required_but_missing_gets_163() {
    let mut l = gre_lma(TunnelPolicy::GreRequired);
    assert_eq!(
        pba(&send(&mut l, MAG1, &pbu(0), now(0))).status,
        status::GRE_KEY_OPTION_REQUIRED
    );
}

#[test]
fn gre_4_not_needed_gets_2_without_option() {
    let mut l = gre_lma(TunnelPolicy::Ip6ip6);
    let mut p = pbu(0);
    p.gre = Some(Some(7));
    let acts = send(&mut l, MAG1, &p, now(0));
    assert_eq!(pba(&acts).status, status::GRE_KEY_OPTION_NOT_REQUIRED);
    assert_eq!(opt_gre(pba(&acts)), None);
    assert!(matches!(&acts[0], Action::InstallBinding(s) if s.tunnel == TunnelKind::Ip6Ip6));
}

#[test]
fn gre_5_tlv_header_not_supported_gets_3() {
    let mut l = gre_lma(TunnelPolicy::GreIfRequested);
    let mut p = pbu(0);
    p.gre = Some(Some(7));
    p.tlv = true;
    assert_eq!(
        pba(&send(&mut l, MAG1, &p, now(0))).status,
        status::GRE_TUNNELING_BUT_TLV_HEADER_NOT_SUPPORTED
    );
}

#[test]
fn gre_7_deregistration_without_option_is_accepted_when_required() {
    let mut l = gre_lma(TunnelPolicy::GreRequired);
    let mut p = pbu(0);
    p.gre = Some(Some(1));
    let ba = pba(&send(&mut l, MAG1, &p, now(0))).clone();
    let hnp = opt_hnps(&ba)[0].1;
    let mut d = pbu(100);
    d.lifetime = 0;
    d.hi = Some(4);
    d.hnps = vec![(64, hnp)];
    assert_eq!(
        pba(&send(&mut l, MAG1, &d, now(100))).status,
        status::ACCEPTED
    );
}

// ---- misc ----

#[test]
fn lma_ignores_non_proxy_binding_updates_and_counts() {
    let mut l = lma();
    let mut repr = pbu(0).repr();
    if let MhRepr::BindingUpdate(bu) = &mut repr {
        bu.flags.proxy = false;
    }
    l.handle_message(MAG1, LMAA, &repr, now(0));
    assert!(l.drain_actions().next().is_none());
    send(&mut l, MAG1, &pbu(0), now(0));
    let c = l.counters();
    assert_eq!(c.get(MessageKind::BindingUpdate, Direction::Rx, 0), 1);
    assert_eq!(c.get(MessageKind::ProxyBindingUpdate, Direction::Rx, 0), 1);
    assert_eq!(c.get(MessageKind::ProxyBindingAck, Direction::Tx, 0), 1);
}
