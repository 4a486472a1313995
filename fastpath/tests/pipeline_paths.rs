//! Every forwarding path and every drop/punt reason of the pipeline, on crafted frames and the
//! real `bindings::Replica`.

use std::net::Ipv6Addr;

use bindings::{FwdAction, Neighbor, PeerId, PeerInfo, Prefix, Replica, TableUpdate, TunnelKind};
use fastpath::counters::{Action, DropReason, PuntReason};
use fastpath::frame::FrameSpec;
use fastpath::packet::{PacketBuf, VecPacket};
use fastpath::pipeline::{
    BurstResult, MagConfig, Pipeline, PipelineConfig, PortConfig, Role, Verdict,
};
use fastpath::route::{NextHop, Route, RouteTable};
use fastpath::wire::{gre, parse_tunnel, Encap, ETH_HDR_LEN, IPV6_HDR_LEN};
use smoltcp::wire::Ipv6Packet;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

const ACCESS_MAC: [u8; 6] = [0x02, 0xaa, 0, 0, 0, 0];
const CORE_MAC: [u8; 6] = [0x02, 0xcc, 0, 0, 0, 0];
const MAG1_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x01];
const MAG2_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x02];
const GW_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x02, 0xfe];
const MN1_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x03, 0x01];
const MN3_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x03, 0x03];
const LMA_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x04, 0x01];

const LMAA: &str = "2001:db8:100::1";
const MAG1: &str = "2001:db8:100::2";
const MAG2: &str = "2001:db8:100::3";
const CN: &str = "2001:db8:200::50";
const MN1: &str = "2001:db8:1000:1::10"; // HNP1, bound to MAG1, IPv6-in-IPv6
const MN2: &str = "2001:db8:1000:2::20"; // HNP2, bound to MAG2, GRE keyed
const MN3: &str = "2001:db8:1000:3::30"; // HNP3, bound to MAG1 (second MN there)
const DL_KEY: u32 = 0x0000_abcd;

fn ports() -> Vec<PortConfig> {
    vec![
        PortConfig {
            mac: ACCESS_MAC,
            mtu: 1500,
        },
        PortConfig {
            mac: CORE_MAC,
            mtu: 1500,
        },
    ]
}

fn set_prefix(r: &mut Replica, p: &str, len: u8, action: FwdAction) {
    r.apply(&TableUpdate::SetPrefix {
        prefix: Prefix::new(a(p).octets(), len).unwrap(),
        action,
    });
}

fn set_peer(r: &mut Replica, id: u32, addr: &str) {
    r.apply(&TableUpdate::SetPeer(PeerInfo {
        id: PeerId(id),
        addr: a(addr).octets(),
    }));
}

fn set_neighbor(r: &mut Replica, addr: &str, mac: [u8; 6], port: u16) {
    r.apply(&TableUpdate::SetNeighbor {
        addr: a(addr).octets(),
        neighbor: Neighbor { mac, port },
    });
}

/// LMA: port 0 toward the MAGs (2001:db8:100::/64 on-link), port 1 toward the core (default via
/// 2001:db8:200::fe).
fn lma() -> Pipeline<Replica> {
    let mut r = Replica::with_capacity(16);
    set_peer(&mut r, 1, MAG1);
    set_peer(&mut r, 2, MAG2);
    let ip6 = TunnelKind::Ip6Ip6;
    set_prefix(
        &mut r,
        MN1,
        64,
        FwdAction::Encap {
            peer: PeerId(1),
            tunnel: ip6,
        },
    );
    set_prefix(
        &mut r,
        MN3,
        64,
        FwdAction::Encap {
            peer: PeerId(1),
            tunnel: ip6,
        },
    );
    set_prefix(
        &mut r,
        MN2,
        64,
        FwdAction::Encap {
            peer: PeerId(2),
            tunnel: TunnelKind::Gre { key: Some(DL_KEY) },
        },
    );
    set_neighbor(&mut r, MAG1, MAG1_MAC, 0);
    set_neighbor(&mut r, MAG2, MAG2_MAC, 0);
    set_neighbor(&mut r, "2001:db8:200::fe", GW_MAC, 1);
    let mut routes = RouteTable::new();
    routes.insert(Route::new(a("2001:db8:100::"), 64, NextHop { port: 0, via: None }).unwrap());
    routes.insert(
        Route::new(
            Ipv6Addr::UNSPECIFIED,
            0,
            NextHop {
                port: 1,
                via: Some(a("2001:db8:200::fe")),
            },
        )
        .unwrap(),
    );
    let cfg = PipelineConfig {
        role: Role::Lma,
        local_addrs: vec![a(LMAA), a("fe80::1")],
        tunnel_src: a(LMAA),
        tunnel_hop_limit: 64,
        ports: ports(),
        routes,
        mag: MagConfig {
            local_routing: false,
            lma: None,
        },
    };
    Pipeline::new(cfg, r).unwrap()
}

/// MAG1: port 0 toward the LMA, port 1 the access link with MN1 and MN3.
fn mag(local_routing: bool) -> Pipeline<Replica> {
    let mut r = Replica::with_capacity(16);
    set_peer(&mut r, 1, LMAA);
    let ip6 = TunnelKind::Ip6Ip6;
    set_prefix(
        &mut r,
        MN1,
        64,
        FwdAction::Encap {
            peer: PeerId(1),
            tunnel: ip6,
        },
    );
    set_prefix(
        &mut r,
        MN3,
        64,
        FwdAction::Encap {
            peer: PeerId(1),
            tunnel: ip6,
        },
    );
    set_neighbor(&mut r, LMAA, LMA_MAC, 0);
    set_neighbor(&mut r, MN1, MN1_MAC, 1);
    set_neighbor(&mut r, MN3, MN3_MAC, 1);
    let mut routes = RouteTable::new();
    routes.insert(Route::new(a("2001:db8:100::"), 64, NextHop { port: 0, via: None }).unwrap());
    let cfg = PipelineConfig {
        role: Role::Mag,
        local_addrs: vec![a(MAG1), a("fe80::2")],
        tunnel_src: a(MAG1),
        tunnel_hop_limit: 64,
        ports: ports(),
        routes,
        mag: MagConfig {
            local_routing,
            lma: Some((a(LMAA), TunnelKind::Ip6Ip6)),
        },
    };
    Pipeline::new(cfg, r).unwrap()
}

fn udp(src: &str, dst: &str, hop: u8, len: usize) -> Vec<u8> {
    FrameSpec::new(a(src), a(dst))
        .hop_limit(hop)
        .qos(0x28, 0x12345)
        .udp(4000, 5000, &vec![0x5a; len])
}

fn run<T: fastpath::tables::FwdTables>(p: &mut Pipeline<T>, frame: &[u8]) -> (Verdict, VecPacket) {
    let mut pkt = VecPacket::new(frame);
    let v = p.process_one(&mut pkt);
    (v, pkt)
}

fn ip(frame: &[u8]) -> Ipv6Packet<&[u8]> {
    Ipv6Packet::new_checked(&frame[ETH_HDR_LEN..]).unwrap()
}

fn tx(port: u16, action: Action) -> Verdict {
    Verdict::Tx { port, action }
}

// ---- LMA -----------------------------------------------------------------------------------

#[test]
fn lma_downlink_ip6ip6_to_bound_prefix() {
    let mut p = lma();
    let f = udp(CN, MN1, 30, 10);
    let (v, pkt) = run(&mut p, &f);
    assert_eq!(v, tx(0, Action::Encap));
    assert_eq!(pkt.port(), 0);
    let d = pkt.data();
    assert_eq!(&d[0..6], &MAG1_MAC);
    assert_eq!(&d[6..12], &ACCESS_MAC);
    let outer = ip(d);
    assert_eq!(outer.src_addr(), a(LMAA));
    assert_eq!(outer.dst_addr(), a(MAG1));
    assert_eq!(u8::from(outer.next_header()), 41);
    assert_eq!(outer.hop_limit(), 64);
    assert_eq!(outer.traffic_class(), 0x28);
    assert_eq!(outer.flow_label(), 0x12345);
    let inner = Ipv6Packet::new_checked(outer.payload()).unwrap();
    assert_eq!(
        inner.hop_limit(),
        29,
        "RFC 2473 §3.1: decremented before encapsulation"
    );
    assert_eq!(inner.dst_addr(), a(MN1));
    assert_eq!(
        &outer.payload()[8..],
        &f[ETH_HDR_LEN + 8..],
        "inner addresses/payload intact"
    );
    assert_eq!(p.counters().packets(Action::Encap), 1);
}

#[test]
fn lma_downlink_follows_a_changed_peer_neighbor() {
    // The peer's egress is cached between packets; a table change must be seen at once.
    let mut p = lma();
    let f = udp(CN, MN1, 30, 10);
    let (_, pkt) = run(&mut p, &f);
    assert_eq!(&pkt.data()[0..6], &MAG1_MAC);
    let moved = [0x02, 0, 0, 0, 0x99, 0x99];
    set_neighbor(p.tables_mut(), MAG1, moved, 0);
    let (v, pkt) = run(&mut p, &f);
    assert_eq!(v, tx(0, Action::Encap));
    assert_eq!(&pkt.data()[0..6], &moved);
    set_peer(p.tables_mut(), 1, MAG2);
    let (_, pkt) = run(&mut p, &f);
    assert_eq!(
        ip(pkt.data()).dst_addr(),
        a(MAG2),
        "peer moved to another address"
    );
}

#[test]
fn lma_downlink_gre_carries_the_downlink_key() {
    let mut p = lma();
    let (v, pkt) = run(&mut p, &udp(CN, MN2, 30, 10));
    assert_eq!(v, tx(0, Action::Encap));
    assert_eq!(&pkt.data()[0..6], &MAG2_MAC);
    let g = &pkt.data()[ETH_HDR_LEN + IPV6_HDR_LEN..];
    // RFC 2890 §2: flags with K (0x2000), protocol 0x86DD, key at octets 4..8.
    assert_eq!(&g[..8], &[0x20, 0x00, 0x86, 0xdd, 0x00, 0x00, 0xab, 0xcd]);
    assert_eq!(ip(pkt.data()).dst_addr(), a(MAG2));
}

#[test]
fn lma_mip6_home_address_is_checked_before_the_prefix() {
    // RFC 6612 §4.2 / seed 002 §4.2: a /128 MIPv6 home address inside HNP1 goes to its own CoA.
    let mut p = lma();
    let hoa = a("2001:db8:1000:1::99");
    p.tables_mut().apply(&TableUpdate::SetHomeAddress {
        hoa: hoa.octets(),
        action: FwdAction::Encap {
            peer: PeerId(2),
            tunnel: TunnelKind::Ip6Ip6,
        },
    });
    let (_, pkt) = run(&mut p, &udp(CN, "2001:db8:1000:1::99", 30, 4));
    assert_eq!(ip(pkt.data()).dst_addr(), a(MAG2));
    let (_, pkt) = run(&mut p, &udp(CN, MN1, 30, 4));
    assert_eq!(ip(pkt.data()).dst_addr(), a(MAG1));
}

#[test]
fn lma_uplink_decapsulates_and_routes() {
    let mut p = lma();
    let inner = udp(MN1, CN, 20, 12);
    let f = FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&inner, None);
    let (v, pkt) = run(&mut p, &f);
    assert_eq!(v, tx(1, Action::Decap));
    let d = pkt.data();
    assert_eq!(&d[0..6], &GW_MAC);
    assert_eq!(&d[6..12], &CORE_MAC);
    assert_eq!(d.len(), inner.len());
    let i = ip(d);
    assert_eq!(i.hop_limit(), 19);
    assert_eq!(i.src_addr(), a(MN1));
    assert_eq!(&d[ETH_HDR_LEN + 8..], &inner[ETH_HDR_LEN + 8..]);
}

#[test]
fn lma_uplink_gre_with_key_is_accepted() {
    let mut p = lma();
    let inner = udp(MN2, CN, 20, 12);
    let f = FrameSpec::new(a(MAG2), a(LMAA)).tunnel(&inner, Some(Some(0x77)));
    assert_eq!(run(&mut p, &f).0, tx(1, Action::Decap));
}

#[test]
fn lma_uplink_gre_key_mismatch_is_dropped() {
    let mut p = lma();
    let inner = udp(MN2, CN, 20, 12);
    let spec = FrameSpec::new(a(MAG2), a(LMAA));
    for f in [spec.tunnel(&inner, None), spec.tunnel(&inner, Some(None))] {
        assert_eq!(run(&mut p, &f).0, Verdict::Drop(DropReason::BadGreKey));
    }
    // A keyed GRE packet for an IPv6-in-IPv6 session is refused too.
    let f = FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&udp(MN1, CN, 20, 4), Some(Some(1)));
    assert_eq!(run(&mut p, &f).0, Verdict::Drop(DropReason::BadGreKey));
    assert_eq!(p.counters().drops(DropReason::BadGreKey), 3);
}

#[test]
fn lma_uplink_source_not_bound_to_that_mag_is_dropped() {
    // RFC 5213 §5.6.2: MN2's prefix is bound to MAG2, not MAG1; a random source is bound nowhere.
    let mut p = lma();
    let spec = FrameSpec::new(a(MAG1), a(LMAA));
    for src in [MN2, "2001:db8:9999::1"] {
        let f = spec.tunnel(&udp(src, CN, 20, 4), None);
        assert_eq!(
            run(&mut p, &f).0,
            Verdict::Drop(DropReason::SourceNotBoundToPeer)
        );
    }
    assert_eq!(p.counters().drops(DropReason::SourceNotBoundToPeer), 2);
}

#[test]
fn lma_tunnel_from_unknown_peer_is_dropped() {
    let mut p = lma();
    let f = FrameSpec::new(a("2001:db8:100::66"), a(LMAA)).tunnel(&udp(MN1, CN, 20, 4), None);
    assert_eq!(
        run(&mut p, &f).0,
        Verdict::Drop(DropReason::UnknownTunnelPeer)
    );
}

#[test]
fn lma_mn_to_mn_is_reencapsulated_toward_the_other_mag() {
    let mut p = lma();
    let f = FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&udp(MN1, MN2, 20, 4), None);
    let (v, pkt) = run(&mut p, &f);
    assert_eq!(v, tx(0, Action::Reencap));
    let info = parse_tunnel(pkt.data()).unwrap();
    assert_eq!(info.encap, Encap::Gre { key: Some(DL_KEY) });
    let outer = ip(pkt.data());
    assert_eq!(outer.dst_addr(), a(MAG2));
    let inner = Ipv6Packet::new_checked(&pkt.data()[info.inner_offset..]).unwrap();
    assert_eq!(inner.hop_limit(), 19, "decremented once, by this router");
}

#[test]
fn lma_native_unbound_destination_is_routed() {
    let mut p = lma();
    let (v, pkt) = run(&mut p, &udp(MN1, "2001:db8:300::1", 9, 4));
    assert_eq!(v, tx(1, Action::Forward));
    assert_eq!(ip(pkt.data()).hop_limit(), 8);
    assert_eq!(&pkt.data()[0..6], &GW_MAC);
}

#[test]
fn hop_limit_expiry_is_punted_unmodified() {
    let mut p = lma();
    for (dst, hop) in [(MN1, 1), (MN1, 0), ("2001:db8:300::1", 1)] {
        let f = udp(CN, dst, hop, 4);
        let (v, pkt) = run(&mut p, &f);
        assert_eq!(v, Verdict::Punt(PuntReason::HopLimitExceeded));
        assert_eq!(pkt.data(), &f[..]);
    }
    let (v, _) = run(&mut p, &udp(CN, MN1, 2, 4));
    assert_eq!(v, tx(0, Action::Encap));
}

#[test]
fn expiring_inner_packet_of_a_tunnel_is_punted_decapsulated() {
    let mut p = lma();
    let inner = udp(MN1, CN, 1, 4);
    let f = FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&inner, None);
    let (v, pkt) = run(&mut p, &f);
    assert_eq!(v, Verdict::Punt(PuntReason::HopLimitExceeded));
    assert_eq!(&pkt.data()[ETH_HDR_LEN..], &inner[ETH_HDR_LEN..]);
}

#[test]
fn packet_too_big_after_encapsulation_is_punted() {
    let mut p = lma();
    // 1460 + 40 = 1500 fits; 1461 + 40 does not (IPv6-in-IPv6 adds 40).
    let fits = udp(CN, MN1, 30, 1460 - IPV6_HDR_LEN - 8);
    assert_eq!(run(&mut p, &fits).0, tx(0, Action::Encap));
    let big = udp(CN, MN1, 30, 1461 - IPV6_HDR_LEN - 8);
    let (v, pkt) = run(&mut p, &big);
    assert_eq!(v, Verdict::Punt(PuntReason::PacketTooBig));
    assert_eq!(pkt.data(), &big[..]);
    // GRE with a key adds 48.
    let gre_big = udp(CN, MN2, 30, 1453 - IPV6_HDR_LEN - 8);
    assert_eq!(
        run(&mut p, &gre_big).0,
        Verdict::Punt(PuntReason::PacketTooBig)
    );
    // Plain forwarding: larger than the egress MTU.
    let routed = udp(CN, "2001:db8:300::1", 30, 1501 - IPV6_HDR_LEN - 8);
    assert_eq!(
        run(&mut p, &routed).0,
        Verdict::Punt(PuntReason::PacketTooBig)
    );
}

#[test]
fn control_traffic_for_us_is_punted() {
    let mut p = lma();
    let to_us = FrameSpec::new(a(MAG1), a(LMAA));
    // PBU: Mobility Header, bare and behind a Destination Options header (RFC 6275 §6.3).
    let mh = [59u8, 1, 5, 0, 0, 0, 0, 0];
    assert_eq!(
        run(&mut p, &to_us.raw(135, &mh)).0,
        Verdict::Punt(PuntReason::MobilityHeader)
    );
    let mut dopt = vec![135u8, 0, 1, 4, 0, 0, 0, 0];
    dopt.extend_from_slice(&mh);
    assert_eq!(
        run(&mut p, &to_us.raw(60, &dopt)).0,
        Verdict::Punt(PuntReason::MobilityHeader)
    );
    assert_eq!(
        run(&mut p, &to_us.udp(5436, 5436, &[0; 8])).0,
        Verdict::Punt(PuntReason::MobilityUdp)
    );
    assert_eq!(
        run(&mut p, &to_us.icmpv6(135, 0, &[0; 20])).0,
        Verdict::Punt(PuntReason::NeighborDiscovery)
    );
    assert_eq!(
        run(&mut p, &to_us.icmpv6(128, 0, &[0; 8])).0,
        Verdict::Punt(PuntReason::Echo)
    );
    assert_eq!(
        run(&mut p, &to_us.icmpv6(2, 0, &[0; 8])).0,
        Verdict::Punt(PuntReason::Icmpv6Error)
    );
    assert_eq!(
        run(&mut p, &to_us.raw(44, &[17, 0, 0, 1, 0, 0, 0, 1])).0,
        Verdict::Punt(PuntReason::Fragment)
    );
    let ll = FrameSpec::new(a("fe80::99"), a("fe80::1"));
    assert_eq!(
        run(&mut p, &ll.icmpv6(136, 0, &[0; 20])).0,
        Verdict::Punt(PuntReason::NeighborDiscovery)
    );
    // Multicast ND: RS to all-routers, NS to a solicited-node group.
    for dst in ["ff02::2", "ff02::1:ff00:1"] {
        let m = FrameSpec::new(a("fe80::99"), a(dst));
        assert_eq!(
            run(&mut p, &m.icmpv6(133, 0, &[0; 4])).0,
            Verdict::Punt(PuntReason::NeighborDiscovery)
        );
    }
    assert_eq!(p.counters().punts(PuntReason::NeighborDiscovery), 4);
    assert_eq!(p.counters().packets(Action::Punt), 10);
}

#[test]
fn every_drop_reason_of_classification() {
    let mut p = lma();
    let good = udp(CN, MN1, 30, 4);

    let mut arp = good.clone();
    arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    assert_eq!(run(&mut p, &arp).0, Verdict::Drop(DropReason::NotIpv6));

    assert_eq!(
        run(&mut p, &good[..10]).0,
        Verdict::Drop(DropReason::Truncated)
    );
    assert_eq!(
        run(&mut p, &good[..good.len() - 1]).0,
        Verdict::Drop(DropReason::Truncated)
    );

    let mut v4 = good.clone();
    v4[ETH_HDR_LEN] = 0x45;
    assert_eq!(run(&mut p, &v4).0, Verdict::Drop(DropReason::Malformed));

    let mcast = udp(CN, "ff05::1:3", 30, 4);
    assert_eq!(run(&mut p, &mcast).0, Verdict::Drop(DropReason::Multicast));

    let tcp = FrameSpec::new(a(CN), a(LMAA)).raw(6, &[0; 20]);
    assert_eq!(
        run(&mut p, &tcp).0,
        Verdict::Drop(DropReason::UnhandledLocal)
    );
    let other_udp = FrameSpec::new(a(CN), a(LMAA)).udp(1, 53, &[0; 4]);
    assert_eq!(
        run(&mut p, &other_udp).0,
        Verdict::Drop(DropReason::UnhandledLocal)
    );

    let ll = udp("fe80::5", CN, 30, 4);
    assert_eq!(
        run(&mut p, &ll).0,
        Verdict::Drop(DropReason::ScopeViolation)
    );

    // GRE with the (RFC 1701) routing bit: RFC 2784 §2.3 says discard.
    let mut bad_gre = FrameSpec::new(a(MAG2), a(LMAA)).tunnel(&udp(MN2, CN, 9, 4), Some(Some(1)));
    bad_gre[ETH_HDR_LEN + IPV6_HDR_LEN] |= (gre::FLAG_R >> 8) as u8;
    assert_eq!(
        run(&mut p, &bad_gre).0,
        Verdict::Drop(DropReason::Malformed)
    );

    // A tunnel packet carrying a tunnel packet to us again.
    let innermost = udp(MN1, CN, 9, 4);
    let mid = FrameSpec::new(a(MN1), a(LMAA)).tunnel(&innermost, None);
    let nested = FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&mid, None);
    assert_eq!(
        run(&mut p, &nested).0,
        Verdict::Drop(DropReason::NestedTunnel)
    );
}

#[test]
fn drop_reasons_of_resolution() {
    let mut p = lma();
    // Binding names a peer the replica does not know.
    set_prefix(
        p.tables_mut(),
        "2001:db8:1000:9::",
        64,
        FwdAction::Encap {
            peer: PeerId(9),
            tunnel: TunnelKind::Ip6Ip6,
        },
    );
    let f = udp(CN, "2001:db8:1000:9::1", 30, 4);
    assert_eq!(run(&mut p, &f).0, Verdict::Drop(DropReason::UnknownPeer));

    // No neighbor entry for the MAG.
    p.tables_mut().apply(&TableUpdate::RemoveNeighbor {
        addr: a(MAG1).octets(),
    });
    assert_eq!(
        run(&mut p, &udp(CN, MN1, 30, 4)).0,
        Verdict::Drop(DropReason::NoNeighbor)
    );

    // Not enough head-room for the outer header.
    let mut pkt = VecPacket::with_headroom(8, &udp(CN, MN2, 30, 4));
    assert_eq!(
        p.process_one(&mut pkt),
        Verdict::Drop(DropReason::NoHeadroom)
    );

    // No route: a MAG config without a default route.
    let mut m = mag(false);
    assert_eq!(
        run(&mut m, &udp("2001:db8:300::1", "2001:db8:400::1", 30, 4)).0,
        Verdict::Drop(DropReason::NoRoute)
    );
}

#[test]
fn burst_verdicts_are_aligned_and_counted() {
    let mut p = lma();
    let frames = [
        udp(CN, MN1, 30, 4),
        udp(CN, MN2, 30, 4),
        udp(CN, MN1, 1, 4),
        FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&udp(MN1, CN, 9, 4), None),
        FrameSpec::new(a(MAG1), a(LMAA)).tunnel(&udp(MN2, CN, 9, 4), None),
    ];
    // 70 packets: more than two lookup chunks.
    let mut pkts: Vec<VecPacket> = (0..70).map(|i| VecPacket::new(&frames[i % 5])).collect();
    let mut singles: Vec<VecPacket> = pkts.clone();
    let mut out = BurstResult::with_capacity(70);
    p.process_burst(&mut pkts, &mut out);
    assert_eq!(out.len(), 70);
    let mut q = lma();
    for (i, s) in singles.iter_mut().enumerate() {
        assert_eq!(q.process_one(s), out.verdicts()[i], "packet {i}");
        assert_eq!(s.data(), pkts[i].data(), "packet {i}");
    }
    let c = p.counters();
    assert_eq!(c.rx_packets(), 70);
    assert_eq!(c.packets(Action::Encap), 28);
    assert_eq!(c.punts(PuntReason::HopLimitExceeded), 14);
    assert_eq!(c.packets(Action::Decap), 14);
    assert_eq!(c.drops(DropReason::SourceNotBoundToPeer), 14);
    assert_eq!(c.bursts(), 1);
}

// ---- MAG -----------------------------------------------------------------------------------

#[test]
fn mag_uplink_from_attached_mn_is_tunnelled_to_the_lma() {
    let mut p = mag(false);
    let (v, pkt) = run(&mut p, &udp(MN1, CN, 64, 8));
    assert_eq!(v, tx(0, Action::Encap));
    let outer = ip(pkt.data());
    assert_eq!(outer.src_addr(), a(MAG1));
    assert_eq!(outer.dst_addr(), a(LMAA));
    assert_eq!(&pkt.data()[0..6], &LMA_MAC);
}

#[test]
fn mag_downlink_is_delivered_to_the_mn_on_the_access_link() {
    let mut p = mag(false);
    let inner = udp(CN, MN1, 50, 8);
    let f = FrameSpec::new(a(LMAA), a(MAG1)).tunnel(&inner, None);
    let (v, pkt) = run(&mut p, &f);
    assert_eq!(v, tx(1, Action::Decap));
    assert_eq!(&pkt.data()[0..6], &MN1_MAC);
    assert_eq!(&pkt.data()[6..12], &CORE_MAC);
    assert_eq!(ip(pkt.data()).hop_limit(), 49);
    assert_eq!(ip(pkt.data()).dst_addr(), a(MN1));
}

#[test]
fn mag_downlink_from_unknown_peer_is_dropped() {
    let mut p = mag(false);
    let f = FrameSpec::new(a(MAG2), a(MAG1)).tunnel(&udp(CN, MN1, 50, 8), None);
    assert_eq!(
        run(&mut p, &f).0,
        Verdict::Drop(DropReason::UnknownTunnelPeer)
    );
}

#[test]
fn mag_local_routing_off_goes_through_the_lma() {
    // RFC 5213 §6.10.3: EnableMAGLocalRouting 0 → MN-to-MN traffic is reverse-tunnelled.
    let mut p = mag(false);
    let (v, pkt) = run(&mut p, &udp(MN1, MN3, 64, 8));
    assert_eq!(v, tx(0, Action::Encap));
    assert_eq!(ip(pkt.data()).dst_addr(), a(LMAA));
}

#[test]
fn mag_local_routing_on_delivers_directly() {
    let mut p = mag(true);
    let (v, pkt) = run(&mut p, &udp(MN1, MN3, 64, 8));
    assert_eq!(v, tx(1, Action::Local));
    assert_eq!(&pkt.data()[0..6], &MN3_MAC);
    assert_eq!(ip(pkt.data()).hop_limit(), 63);
    // Traffic to a non-local destination still goes to the LMA.
    assert_eq!(run(&mut p, &udp(MN1, CN, 64, 8)).0, tx(0, Action::Encap));
}

#[test]
fn mag_local_binding_uses_the_configured_lma() {
    let mut p = mag(false);
    set_prefix(p.tables_mut(), "2001:db8:1000:4::", 64, FwdAction::Local);
    let (v, pkt) = run(&mut p, &udp("2001:db8:1000:4::1", CN, 64, 8));
    assert_eq!(v, tx(0, Action::Encap));
    assert_eq!(ip(pkt.data()).dst_addr(), a(LMAA));
}

#[test]
fn mag_router_solicitation_is_punted() {
    let mut p = mag(false);
    let rs = FrameSpec::new(a("fe80::1234"), a("ff02::2")).icmpv6(133, 0, &[0; 4]);
    assert_eq!(
        run(&mut p, &rs).0,
        Verdict::Punt(PuntReason::NeighborDiscovery)
    );
}

#[test]
fn bad_config_is_refused() {
    use fastpath::pipeline::ConfigError;
    let base = || PipelineConfig {
        role: Role::Lma,
        local_addrs: vec![],
        tunnel_src: a(LMAA),
        tunnel_hop_limit: 64,
        ports: ports(),
        routes: RouteTable::new(),
        mag: MagConfig {
            local_routing: false,
            lma: None,
        },
    };
    let mut c = base();
    c.tunnel_hop_limit = 0;
    assert_eq!(
        Pipeline::new(c, Replica::default()).unwrap_err(),
        ConfigError::HopLimit
    );
    let mut c = base();
    c.ports[1].mtu = 1000;
    assert!(matches!(
        Pipeline::new(c, Replica::default()).unwrap_err(),
        ConfigError::Mtu { port: 1, mtu: 1000 }
    ));
    let mut c = base();
    c.routes
        .insert(Route::new(Ipv6Addr::UNSPECIFIED, 0, NextHop { port: 7, via: None }).unwrap());
    assert!(matches!(
        Pipeline::new(c, Replica::default()).unwrap_err(),
        ConfigError::RoutePort { port: 7, .. }
    ));
}

#[test]
fn ce_marked_tunnel_packet_with_not_ect_inner_is_dropped() {
    // RFC 6040 §4.2: outer CE, inner Not-ECT → drop; inner ECT(0) → forwarded marked CE.
    let mut p = lma();
    let spec = FrameSpec::new(a(MAG1), a(LMAA)).qos(0b11, 0);
    let not_ect = spec.tunnel(&udp(MN1, CN, 20, 4), None);
    assert_eq!(
        run(&mut p, &not_ect).0,
        Verdict::Drop(DropReason::EcnNotEct)
    );
    let ect0 = FrameSpec::new(a(MN1), a(CN))
        .hop_limit(20)
        .qos(0b10, 0)
        .udp(1, 2, &[0; 4]);
    let (v, pkt) = run(&mut p, &spec.tunnel(&ect0, None));
    assert_eq!(v, tx(1, Action::Decap));
    assert_eq!(ip(pkt.data()).traffic_class() & 0b11, 0b11);
}

#[test]
fn ethernet_padding_is_not_encapsulated() {
    let mut p = lma();
    let f = udp(CN, MN1, 30, 2); // 64-octet frame
    let mut padded = f.clone();
    padded.extend_from_slice(&[0xee; 10]);
    let (v, pkt) = run(&mut p, &padded);
    assert_eq!(v, tx(0, Action::Encap));
    assert_eq!(pkt.len(), f.len() + IPV6_HDR_LEN);
    assert_eq!(
        usize::from(ip(pkt.data()).payload_len()),
        f.len() - ETH_HDR_LEN
    );
}
