//! MAG conformance checklist (pmip-wire.md §4.4, §4.5 GRE-6/7), one test per row.

use std::net::Ipv6Addr;
use std::time::Duration;

use ipnet::Ipv6Net;
use slowpath::action::{Action, Event, RemoveReason, TunnelKind};
use slowpath::lma::{Lma, LmaConfig};
use slowpath::mag::{Attachment, BulState, Mag, MagConfig, FIXED_MAG_LINK_LOCAL};
use slowpath::pbu::PmipOptions;
use slowpath::policy::{LmaPolicy, TunnelPolicy};
use slowpath::timers::Now;
use slowpath::wire::{
    status, AccessTechnologyType, BindingAck, BindingAckFlags, BindingUpdate, HandoffIndicator,
    MhRepr, MobilityOption,
};

const UNIX0: u64 = 1_700_000_000_000;
const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAG1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);

fn now(ms: u64) -> Now {
    Now::new(ms, UNIX0 + ms)
}

fn mag() -> Mag {
    Mag::new(MagConfig::new(MAG1, LMAA))
}

fn lma() -> Lma {
    Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap()),
        LmaPolicy::default(),
    )
}

fn attachment() -> Attachment {
    Attachment {
        mn_id: b"mn1@example.org".to_vec(),
        link_layer_id: Some(vec![0, 0x11, 0x22, 0x33, 0x44, 0x55]),
        access_technology: AccessTechnologyType::IEEE_802_11,
        handoff: HandoffIndicator::ATTACH_NEW_INTERFACE,
        requested_hnps: vec![],
    }
}

fn sent_pbus(actions: &[Action]) -> Vec<(Ipv6Addr, Ipv6Addr, BindingUpdate)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                src,
                dst,
                message: MhRepr::BindingUpdate(bu),
            } => Some((*src, *dst, bu.clone())),
            _ => None,
        })
        .collect()
}

fn one_pbu(actions: &[Action]) -> BindingUpdate {
    let v = sent_pbus(actions);
    assert_eq!(v.len(), 1, "{actions:?}");
    v[0].2.clone()
}

/// Deliver every PBU from `mag` to `lma` and every PBA back, through the codec.
fn exchange(mag: &mut Mag, lma: &mut Lma, at: Now) -> Vec<Action> {
    let mut out = Vec::new();
    let mag_actions: Vec<Action> = mag.drain_actions().collect();
    for a in mag_actions {
        if let Action::Send { src, dst, message } = &a {
            let bytes = message.to_bytes(src, dst);
            let msg = MhRepr::from_bytes(&bytes, src, dst).unwrap();
            lma.handle_message(*src, *dst, &msg, at);
            let replies: Vec<Action> = lma.drain_actions().collect();
            for r in replies {
                if let Action::Send { src, dst, message } = r {
                    let bytes = message.to_bytes(&src, &dst);
                    let msg = MhRepr::from_bytes(&bytes, &src, &dst).unwrap();
                    mag.handle_message(src, dst, &msg, at);
                }
            }
        }
        out.push(a);
    }
    out.extend(mag.drain_actions());
    out
}

fn pba_for(bu: &BindingUpdate, status_code: u8, lifetime: u16, hnps: &[Ipv6Net]) -> MhRepr {
    let o = PmipOptions::gather(&bu.options);
    let mut options = vec![MobilityOption::MnIdentifier {
        subtype: 1,
        identifier: o.mn_id.unwrap().1.to_vec(),
    }];
    if hnps.is_empty() {
        options.extend(o.hnps.iter().map(|h| MobilityOption::HomeNetworkPrefix {
            prefix_len: h.prefix_len,
            prefix: h.prefix,
        }));
    }
    for n in hnps {
        options.push(MobilityOption::HomeNetworkPrefix {
            prefix_len: n.prefix_len(),
            prefix: n.network(),
        });
    }
    options.push(MobilityOption::HandoffIndicator(
        o.handoff_indicator.unwrap(),
    ));
    options.push(MobilityOption::AccessTechnologyType(
        o.access_technology.unwrap(),
    ));
    if let Some(ll) = o.link_layer_id {
        options.push(MobilityOption::MnLinkLayerIdentifier(ll.to_vec()));
    }
    MhRepr::BindingAck(BindingAck {
        status: status_code,
        flags: BindingAckFlags {
            proxy: true,
            ..Default::default()
        },
        sequence: bu.sequence,
        lifetime,
        options,
    })
}

fn hnp() -> Ipv6Net {
    "2001:db8:1000:9::/64".parse().unwrap()
}

fn registered_mag() -> (Mag, slowpath::action::SessionId, BindingUpdate) {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(LMAA, MAG1, &pba_for(&bu, 0, 900, &[hnp()]), now(10));
    m.drain_actions().for_each(drop);
    (m, id, bu)
}

#[test]
fn mag_1_addresses_and_flags() {
    let mut m = mag();
    m.attach(attachment(), now(0));
    let acts: Vec<Action> = m.drain_actions().collect();
    let v = sent_pbus(&acts);
    assert_eq!((v[0].0, v[0].1), (MAG1, LMAA));
    assert!(v[0].2.flags.ack && v[0].2.flags.proxy);
    assert!(!v[0].2.flags.home_registration);
}

#[test]
fn mag_2_to_8_initial_pbu_options() {
    let mut m = mag();
    m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    let o = PmipOptions::gather(&bu.options);
    assert!(!o.duplicate);
    // MAG-2
    assert_eq!(o.mn_id.unwrap().1, b"mn1@example.org");
    // MAG-3: exactly one ALL_ZERO HNP.
    assert_eq!(o.hnps.len(), 1);
    assert!(o.hnps[0].is_all_zero());
    // MAG-4
    assert_eq!(
        o.handoff_indicator,
        Some(HandoffIndicator::ATTACH_NEW_INTERFACE)
    );
    // MAG-5
    assert_eq!(o.timestamp, Some(now(0).wall));
    // MAG-6
    assert_eq!(
        o.link_layer_id,
        Some(&[0, 0x11, 0x22, 0x33, 0x44, 0x55][..])
    );
    // MAG-7
    assert_eq!(o.access_technology, Some(AccessTechnologyType::IEEE_802_11));
    // MAG-8: a fixed link-local address is configured → no LLA option.
    assert_eq!(o.link_local, None);
    assert_eq!(bu.lifetime, 900);
}

#[test]
fn mag_3_specific_prefixes_requested() {
    let mut m = mag();
    let mut a = attachment();
    a.requested_hnps = vec![hnp()];
    m.attach(a, now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    let o = PmipOptions::gather(&bu.options);
    assert_eq!(o.hnps.len(), 1);
    assert_eq!(o.hnps[0].prefix, hnp().network());
}

#[test]
fn mag_5_sequence_mode_without_timestamp() {
    let mut cfg = MagConfig::new(MAG1, LMAA);
    cfg.timestamp_based = false;
    let mut m = Mag::new(cfg);
    m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    assert_eq!(PmipOptions::gather(&bu.options).timestamp, None);
}

#[test]
fn mag_6_all_zero_link_layer_id_is_not_sent() {
    let mut m = mag();
    let mut a = attachment();
    a.link_layer_id = Some(vec![0; 6]);
    m.attach(a, now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    assert_eq!(PmipOptions::gather(&bu.options).link_layer_id, None);
}

#[test]
fn mag_8_all_zero_link_local_config_asks_lma() {
    let mut cfg = MagConfig::new(MAG1, LMAA);
    cfg.link_local = Ipv6Addr::UNSPECIFIED;
    let mut m = Mag::new(cfg);
    let mut l = lma();
    let id = m.attach(attachment(), now(0));
    let acts = exchange(&mut m, &mut l, now(0));
    let bu = one_pbu(&acts);
    assert_eq!(
        PmipOptions::gather(&bu.options).link_local,
        Some(Ipv6Addr::UNSPECIFIED)
    );
    // MAG-19: the LMA's NON_ZERO LLA is adopted and announced.
    let lla = m.session(id).unwrap().link_local;
    assert!(!lla.is_unspecified());
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::Event(Event::LinkLocalAddress { address, .. }) if *address == lla
    )));
}

#[test]
fn mag_9_bul_entry_created_when_sending() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    assert_eq!(m.session(id).unwrap().state, BulState::Registering);
}

#[test]
fn mag_11_unmatched_pba_is_ignored() {
    let (mut m, id, bu) = registered_mag();
    let mut stale = bu.clone();
    stale.sequence = bu.sequence.wrapping_add(100);
    m.handle_message(LMAA, MAG1, &pba_for(&stale, 0, 900, &[hnp()]), now(20));
    let acts: Vec<Action> = m.drain_actions().collect();
    assert!(matches!(
        acts[..],
        [Action::Event(Event::PbaIgnored { .. })]
    ));
    assert_eq!(m.session(id).unwrap().state, BulState::Registered);
}

#[test]
fn mag_12_mismatched_echo_is_ignored_and_blocks() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    let mut pba = pba_for(&bu, 0, 900, &[hnp()]);
    if let MhRepr::BindingAck(ba) = &mut pba {
        for o in &mut ba.options {
            if let MobilityOption::AccessTechnologyType(a) = o {
                *a = AccessTechnologyType::IEEE_802_3;
            }
        }
    }
    m.handle_message(LMAA, MAG1, &pba, now(10));
    let acts: Vec<Action> = m.drain_actions().collect();
    assert!(!acts.iter().any(|a| matches!(a, Action::InstallBinding(_))));
    assert_eq!(m.session(id).unwrap().state, BulState::Blocked);
    // And no retransmission afterwards.
    m.handle_timeout(now(100_000));
    assert!(sent_pbus(&m.drain_actions().collect::<Vec<_>>()).is_empty());
}

#[test]
fn mag_13_status_152_stops_pbus() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(
        LMAA,
        MAG1,
        &pba_for(&bu, status::PROXY_REG_NOT_ENABLED, 0, &[]),
        now(10),
    );
    assert_eq!(m.session(id).unwrap().state, BulState::Blocked);
    m.drain_actions().for_each(drop);
    m.handle_timeout(now(100_000));
    assert!(sent_pbus(&m.drain_actions().collect::<Vec<_>>()).is_empty());
}

#[test]
fn mag_14_status_157_reregisters_at_once() {
    let mut m = mag();
    m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(
        LMAA,
        MAG1,
        &pba_for(&bu, status::TIMESTAMP_LOWER_THAN_PREV_ACCEPTED, 0, &[]),
        now(10),
    );
    let again = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    assert_ne!(again.sequence, bu.sequence);
    assert_eq!(
        PmipOptions::gather(&again.options).timestamp,
        Some(now(10).wall)
    );
}

#[test]
fn mag_15_status_156_waits_for_clock_sync() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(
        LMAA,
        MAG1,
        &pba_for(&bu, status::TIMESTAMP_MISMATCH, 0, &[]),
        now(10),
    );
    assert!(sent_pbus(&m.drain_actions().collect::<Vec<_>>()).is_empty());
    assert_eq!(m.session(id).unwrap().state, BulState::Failed);
    // After the shell resynchronised the clock:
    m.reregister(id, now(5_000));
    let again = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    assert_eq!(
        PmipOptions::gather(&again.options).timestamp,
        Some(now(5_000).wall),
        "own clock, not the LMA's"
    );
}

#[test]
fn mag_16_status_155_retries_with_all_zero() {
    let mut m = mag();
    let mut a = attachment();
    a.requested_hnps = vec![hnp()];
    m.attach(a, now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(
        LMAA,
        MAG1,
        &pba_for(&bu, status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0, &[]),
        now(10),
    );
    let again = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    let o = PmipOptions::gather(&again.options);
    assert_eq!(o.hnps.len(), 1);
    assert!(o.hnps[0].is_all_zero());
}

#[test]
fn mag_17_reject_withdraws_advertised_prefixes() {
    let (mut m, id, _) = registered_mag();
    // Refresh gets rejected.
    m.handle_timeout(now(10 + 2_880_000));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(
        LMAA,
        MAG1,
        &pba_for(&bu, status::ADMINISTRATIVELY_PROHIBITED, 0, &[]),
        now(2_880_020),
    );
    let acts: Vec<Action> = m.drain_actions().collect();
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::RemoveBinding {
            reason: RemoveReason::Failed,
            ..
        }
    )));
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::RouterAdvertisement(ra) if ra.valid_lifetime.is_zero() && ra.router_lifetime.is_zero()
    )));
    assert_eq!(m.session(id).unwrap().state, BulState::Failed);
    m.router_solicitation(id);
    assert!(
        m.drain_actions().next().is_none(),
        "never advertise after a reject"
    );
}

#[test]
fn mag_18_accept_installs_then_advertises() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(LMAA, MAG1, &pba_for(&bu, 0, 900, &[hnp()]), now(10));
    let acts: Vec<Action> = m.drain_actions().collect();
    let install = acts
        .iter()
        .position(|a| matches!(a, Action::InstallBinding(s) if s.remote == LMAA && s.local == MAG1 && s.hnps[..] == [hnp()]))
        .expect("install");
    let ra = acts
        .iter()
        .position(|a| matches!(a, Action::RouterAdvertisement(_)))
        .expect("ra");
    assert!(install < ra);
    let e = m.session(id).unwrap();
    assert_eq!(e.state, BulState::Registered);
    assert_eq!(e.hnps, vec![hnp()]);
    assert_eq!(e.lifetime, Duration::from_secs(3600));
}

#[test]
fn mag_20_refresh_uses_assigned_prefixes_and_hi_5() {
    let (mut m, _, _) = registered_mag();
    // 80 % of 3600 s after the PBA at t = 10 ms.
    m.handle_timeout(now(10 + 2_879_999));
    assert!(m.drain_actions().next().is_none());
    m.handle_timeout(now(10 + 2_880_000));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    let o = PmipOptions::gather(&bu.options);
    assert_eq!(o.handoff_indicator, Some(HandoffIndicator::NOT_CHANGED));
    assert_eq!(o.hnps.len(), 1);
    assert_eq!(o.hnps[0].prefix, hnp().network());
    assert!(o.mn_id.is_some() && o.access_technology.is_some() && o.link_layer_id.is_some());
}

#[test]
fn mag_21_deregistration_hi_4_lifetime_0_then_cleanup() {
    let (mut m, id, _) = registered_mag();
    m.detach(id, now(1000));
    let acts: Vec<Action> = m.drain_actions().collect();
    let bu = one_pbu(&acts);
    assert_eq!(bu.lifetime, 0);
    let o = PmipOptions::gather(&bu.options);
    assert_eq!(o.handoff_indicator, Some(HandoffIndicator::UNKNOWN));
    assert_eq!(o.hnps[0].prefix, hnp().network());
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::RemoveBinding {
            reason: RemoveReason::Detached,
            ..
        }
    )));
    // No PBA: removed after INITIAL_BINDACK_TIMEOUT, without retransmission.
    m.handle_timeout(now(1999));
    assert_eq!(m.len(), 1);
    m.handle_timeout(now(2000));
    assert!(sent_pbus(&m.drain_actions().collect::<Vec<_>>()).is_empty());
    assert!(m.is_empty());
}

#[test]
fn mag_21b_deregistration_pba_removes_entry() {
    let (mut m, id, _) = registered_mag();
    m.detach(id, now(1000));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(LMAA, MAG1, &pba_for(&bu, 0, 0, &[hnp()]), now(1010));
    assert!(m.is_empty());
}

#[test]
fn mag_22_router_advertisement_contents() {
    let (mut m, id, _) = registered_mag();
    m.router_solicitation(id);
    let acts: Vec<Action> = m.drain_actions().collect();
    match &acts[..] {
        [Action::RouterAdvertisement(ra)] => {
            assert_eq!(ra.source, FIXED_MAG_LINK_LOCAL);
            assert_eq!(ra.prefixes, vec![hnp()]);
            assert_eq!(ra.valid_lifetime, Duration::from_secs(3600));
            assert_eq!(ra.router_lifetime, Duration::from_secs(3600));
            assert_eq!(ra.mtu, Some(1460));
            assert_eq!(
                ra.mn_link_layer_id.as_deref(),
                Some(&[0, 0x11, 0x22, 0x33, 0x44, 0x55][..])
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mag_22b_no_ra_before_registration() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    m.drain_actions().for_each(drop);
    m.router_solicitation(id);
    assert!(m.drain_actions().next().is_none());
}

#[test]
fn mag_23_retransmission_backoff_and_give_up() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let first = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    let mut sent_at = vec![0u64];
    let mut seqs = vec![first.sequence];
    let mut t = 0;
    while t < 200_000 {
        t += 250;
        m.handle_timeout(now(t));
        for bu in sent_pbus(&m.drain_actions().collect::<Vec<_>>()) {
            sent_at.push(t);
            seqs.push(bu.2.sequence);
            assert_eq!(
                PmipOptions::gather(&bu.2.options).timestamp,
                Some(now(t).wall)
            );
        }
    }
    // 1, 2, 4, 8, 16, 32 s back-off.
    assert_eq!(sent_at, vec![0, 1_000, 3_000, 7_000, 15_000, 31_000]);
    assert!(seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
    assert_eq!(m.session(id).unwrap().state, BulState::Failed);
    // A PBA for an earlier transmission of the same exchange would still have matched.
}

#[test]
fn mag_23b_pba_for_an_earlier_transmission_is_accepted() {
    let mut m = mag();
    let id = m.attach(attachment(), now(0));
    let first = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_timeout(now(1000));
    one_pbu(&m.drain_actions().collect::<Vec<_>>());
    m.handle_message(LMAA, MAG1, &pba_for(&first, 0, 900, &[hnp()]), now(1100));
    assert_eq!(m.session(id).unwrap().state, BulState::Registered);
}

#[test]
fn mag_expiry_without_refresh_answer_withdraws() {
    let (mut m, id, _) = registered_mag();
    // Refresh at 2880 s goes unanswered; the binding expires at 3600 s.
    let mut t = 2_880_010;
    while t <= 3_600_010 {
        m.handle_timeout(now(t));
        t += 1000;
    }
    let acts: Vec<Action> = m.drain_actions().collect();
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::RemoveBinding {
            reason: RemoveReason::Expired,
            ..
        }
    )));
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::Event(Event::RegistrationGaveUp { .. }))));
    assert_eq!(m.session(id).unwrap().state, BulState::Failed);
}

#[test]
fn mag_lma_restart_triggers_immediate_refresh() {
    let (mut m, _, _) = registered_mag();
    m.lma_restarted(now(5_000));
    let bu = one_pbu(&m.drain_actions().collect::<Vec<_>>());
    // A restarted LMA accepts the refresh as a new session with the same prefix.
    let mut l = lma();
    let bytes = MhRepr::BindingUpdate(bu.clone()).to_bytes(&MAG1, &LMAA);
    let msg = MhRepr::from_bytes(&bytes, &MAG1, &LMAA).unwrap();
    l.handle_message(MAG1, LMAA, &msg, now(5_000));
    assert_eq!(l.binding_by_prefix(&hnp()).unwrap().proxy_coa, MAG1);
}

#[test]
fn mag_with_real_lma_registers() {
    let mut m = mag();
    let mut l = lma();
    let id = m.attach(attachment(), now(0));
    exchange(&mut m, &mut l, now(0));
    let e = m.session(id).unwrap();
    assert_eq!(e.state, BulState::Registered);
    assert_eq!(l.binding_by_prefix(&e.hnps[0]).unwrap().proxy_coa, MAG1);
}

#[test]
fn gre_6_success_without_gre_option_stops_asking() {
    let mut cfg = MagConfig::new(MAG1, LMAA);
    cfg.gre = true;
    let mut m = Mag::new(cfg);
    let mut l = lma(); // ip6ip6 LMA: answers 2 without the option
    let id = m.attach(attachment(), now(0));
    let acts = exchange(&mut m, &mut l, now(0));
    assert_eq!(
        PmipOptions::gather(&one_pbu(&acts).options).gre_key,
        Some(Some(1))
    );
    assert_eq!(m.session(id).unwrap().tunnel, TunnelKind::Ip6Ip6);
    assert_eq!(m.session(id).unwrap().state, BulState::Registered);
    let id2 = m.attach(
        Attachment {
            mn_id: b"mn2@example.org".to_vec(),
            ..attachment()
        },
        now(100),
    );
    let acts = exchange(&mut m, &mut l, now(100));
    assert_eq!(PmipOptions::gather(&one_pbu(&acts).options).gre_key, None);
    assert_eq!(m.session(id2).unwrap().state, BulState::Registered);
}

#[test]
fn gre_7_keys_exchanged_and_not_sent_in_deregistration() {
    let mut cfg = MagConfig::new(MAG1, LMAA);
    cfg.gre = true;
    let mut m = Mag::new(cfg);
    let mut l = Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap()),
        LmaPolicy {
            tunnel: TunnelPolicy::GreRequired,
            ..LmaPolicy::default()
        },
    );
    let id = m.attach(attachment(), now(0));
    exchange(&mut m, &mut l, now(0));
    let tunnel = m.session(id).unwrap().tunnel;
    assert!(matches!(
        tunnel,
        TunnelKind::Gre {
            downlink_key: Some(1),
            uplink_key: Some(_)
        }
    ));
    assert_eq!(l.bindings().next().unwrap().tunnel, tunnel);
    m.detach(id, now(1000));
    let acts = exchange(&mut m, &mut l, now(1000));
    assert_eq!(PmipOptions::gather(&one_pbu(&acts).options).gre_key, None);
    assert!(
        m.is_empty(),
        "PBA 0 for the de-registration removed the entry"
    );
}
