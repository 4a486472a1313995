//! Allocations per PBU in the LMA engine: a counting global allocator around
//! `handle_message` and `handle_mh`. The engine itself allocates nothing per
//! PBU: the entry keeps its MN-ID and prefixes inline, the InstallBinding
//! prefix list is inline. Through `handle_message` the PBA it queues is an
//! `MhRepr` (its option list and MN-ID copy: 2 allocations); through
//! `handle_mh` (the PBU read in place, the PBA queued as inline bytes) there
//! is none at all.

use std::alloc::System;
use std::net::Ipv6Addr;

use slowpath::action::Action;
use slowpath::lma::{Lma, LmaConfig};
use slowpath::policy::LmaPolicy;
use slowpath::timers::Now;
use slowpath::wire::{
    AccessTechnologyType, BindingUpdate, BindingUpdateFlags, HandoffIndicator, MhRepr,
    MobilityOption, Timestamp,
};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// The instrumented allocator counts process-wide, so everything is measured in one test.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);

fn pbu(mn: &[u8], hnp: Ipv6Addr, hi: u8, ts: Timestamp) -> MhRepr {
    MhRepr::BindingUpdate(BindingUpdate {
        sequence: 1,
        flags: BindingUpdateFlags {
            ack: true,
            proxy: true,
            ..Default::default()
        },
        lifetime: 900,
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
            MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
            MobilityOption::Timestamp(ts),
        ],
    })
}

/// Allocations and reallocations made by one `handle_mh` on `msg`'s bytes
/// (encoded outside the measurement), and the PBA status.
fn measure_wire(lma: &mut Lma, msg: &MhRepr, now: Now) -> (usize, usize, u8) {
    let bytes = msg.to_bytes(&MAG, &LMAA);
    let region = Region::new(GLOBAL);
    lma.handle_mh(MAG, LMAA, &bytes, now).expect("PBU decodes");
    let stats = region.change();
    let status = lma
        .drain_actions()
        .find_map(|a| match a {
            Action::SendBytes { bytes, .. } => Some(bytes[6]),
            _ => None,
        })
        .unwrap_or(u8::MAX);
    (stats.allocations, stats.reallocations, status)
}

/// Allocations and reallocations made by one `handle_message`, and its status.
fn measure(lma: &mut Lma, msg: &MhRepr, now: Now) -> (usize, usize, u8) {
    let region = Region::new(GLOBAL);
    lma.handle_message(MAG, LMAA, msg, now);
    let stats = region.change();
    let status = lma
        .drain_actions()
        .find_map(|a| match a {
            Action::Send {
                message: MhRepr::BindingAck(ba),
                ..
            } => Some(ba.status),
            _ => None,
        })
        .unwrap_or(u8::MAX);
    (stats.allocations, stats.reallocations, status)
}

#[test]
fn pbu_allocations_are_only_what_is_kept_or_sent() {
    let mut lma = Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap()),
        LmaPolicy::default(),
    );
    let t = |ms: u64| Now::new(ms, 1_700_000_000_000 + ms);
    // Warm-up: the first session sizes the engine's queues and indexes.
    let first = pbu(b"mn1@example.org", Ipv6Addr::UNSPECIFIED, 1, t(0).wall);
    assert_eq!(measure(&mut lma, &first, t(0)).2, 0);

    let initial = pbu(b"mn2@example.org", Ipv6Addr::UNSPECIFIED, 1, t(1).wall);
    let (allocs, reallocs, status) = measure(&mut lma, &initial, t(1));
    assert_eq!(status, 0);
    // The PBA's options and MN-ID copy.
    assert_eq!((allocs, reallocs), (2, 0), "initial registration");

    let hnp = lma.bindings_of(b"mn2@example.org")[0].hnps[0].network();
    for i in 2..10 {
        let refresh = pbu(b"mn2@example.org", hnp, 5, t(i).wall);
        let (allocs, reallocs, status) = measure(&mut lma, &refresh, t(i));
        assert_eq!(status, 0);
        // The PBA's options and MN-ID copy; nothing in the engine.
        assert_eq!((allocs, reallocs), (2, 0), "refresh {i}");
    }

    // The same through the wire-form path.
    let mut lma = Lma::new(
        LmaConfig::new(LMAA, "2001:db8:1000::/48".parse().unwrap()),
        LmaPolicy::default(),
    );
    let first = pbu(b"mn1@example.org", Ipv6Addr::UNSPECIFIED, 1, t(0).wall);
    assert_eq!(measure_wire(&mut lma, &first, t(0)).2, 0);
    let initial = pbu(b"mn2@example.org", Ipv6Addr::UNSPECIFIED, 1, t(1).wall);
    let (allocs, reallocs, status) = measure_wire(&mut lma, &initial, t(1));
    assert_eq!(status, 0);
    assert_eq!((allocs, reallocs), (0, 0), "initial registration (wire)");
    let hnp = lma.bindings_of(b"mn2@example.org")[0].hnps[0].network();
    for i in 2..10 {
        let refresh = pbu(b"mn2@example.org", hnp, 5, t(i).wall);
        let (allocs, reallocs, status) = measure_wire(&mut lma, &refresh, t(i));
        assert_eq!(status, 0);
        assert_eq!((allocs, reallocs), (0, 0), "refresh {i} (wire)");
    }
}
