//! Property tests: encapsulation round trips byte for byte, GRE key placement, hop-limit
//! handling, and the pipeline never panicking on arbitrary input.

use std::net::Ipv6Addr;

use bindings::{FwdAction, Neighbor, PeerId, PeerInfo, Prefix, Replica, TableUpdate, TunnelKind};
use fastpath::counters::PuntReason;
use fastpath::frame::FrameSpec;
use fastpath::packet::{PacketBuf, VecPacket};
use fastpath::pipeline::{
    BurstResult, MagConfig, Pipeline, PipelineConfig, PortConfig, Role, Verdict,
};
use fastpath::route::{NextHop, Route, RouteTable};
use fastpath::wire::{
    decapsulate, encapsulate, parse_tunnel, Encap, TunnelHeader, ETH_HDR_LEN, IPV6_HDR_LEN,
};
use proptest::prelude::*;
use smoltcp::wire::Ipv6Packet;

fn addr() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn encap() -> impl Strategy<Value = Encap> {
    prop_oneof![
        Just(Encap::Ip6Ip6),
        any::<Option<u32>>().prop_map(|key| Encap::Gre { key }),
    ]
}

fn lma() -> Pipeline<Replica> {
    let a = |s: &str| s.parse::<Ipv6Addr>().unwrap();
    let mut r = Replica::with_capacity(4);
    r.apply(&TableUpdate::SetPeer(PeerInfo {
        id: PeerId(1),
        addr: a("2001:db8:100::2").octets(),
    }));
    r.apply(&TableUpdate::SetPrefix {
        prefix: Prefix::new(a("2001:db8:1000::").octets(), 48).unwrap(),
        action: FwdAction::Encap {
            peer: PeerId(1),
            tunnel: TunnelKind::Ip6Ip6,
        },
    });
    r.apply(&TableUpdate::SetNeighbor {
        addr: a("2001:db8:100::2").octets(),
        neighbor: Neighbor {
            mac: [2, 0, 0, 0, 0, 2],
            port: 0,
        },
    });
    let mut routes = RouteTable::new();
    routes.insert(Route::new(a("2001:db8:100::"), 64, NextHop { port: 0, via: None }).unwrap());
    Pipeline::new(
        PipelineConfig {
            role: Role::Lma,
            local_addrs: vec![a("2001:db8:100::1")],
            tunnel_src: a("2001:db8:100::1"),
            tunnel_hop_limit: 64,
            ports: vec![PortConfig {
                mac: [2, 0xaa, 0, 0, 0, 0],
                mtu: 9000,
            }],
            routes,
            mag: MagConfig {
                local_routing: false,
                lma: None,
            },
        },
        r,
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encapsulate_then_decapsulate_is_identity(
        src in addr(), dst in addr(), osrc in addr(), odst in addr(),
        hop in any::<u8>(), tc in any::<u8>(), fl in 0u32..0x10_0000,
        payload in proptest::collection::vec(any::<u8>(), 0..600),
        enc in encap(), outer_hop in 1u8..=255,
    ) {
        let inner = FrameSpec::new(src, dst).hop_limit(hop).qos(tc, fl).raw(17, &payload);
        let mut p = VecPacket::new(&inner);
        let h = TunnelHeader { src: osrc, dst: odst, hop_limit: outer_hop, encap: enc };
        encapsulate(&mut p, &h).unwrap();
        prop_assert_eq!(p.len(), inner.len() + enc.overhead());
        let info = parse_tunnel(p.data()).unwrap();
        prop_assert_eq!(info.encap, enc);
        prop_assert_eq!(info.outer_src, osrc);
        let outer = Ipv6Packet::new_checked(&p.data()[ETH_HDR_LEN..]).unwrap();
        prop_assert_eq!(outer.hop_limit(), outer_hop);
        prop_assert_eq!(outer.traffic_class(), tc);
        prop_assert_eq!(outer.flow_label(), fl);
        decapsulate(&mut p, &info).unwrap();
        prop_assert_eq!(p.data(), &inner[..]);
    }

    #[test]
    fn gre_key_is_at_rfc2890_offsets(key in any::<u32>(), payload in proptest::collection::vec(any::<u8>(), 0..64)) {
        let inner = FrameSpec::new(Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST).raw(17, &payload);
        let mut p = VecPacket::new(&inner);
        let h = TunnelHeader {
            src: Ipv6Addr::LOCALHOST,
            dst: Ipv6Addr::LOCALHOST,
            hop_limit: 64,
            encap: Encap::Gre { key: Some(key) },
        };
        encapsulate(&mut p, &h).unwrap();
        let g = &p.data()[ETH_HDR_LEN + IPV6_HDR_LEN..];
        // C=0, K=1, S=0, Ver=0 | Protocol Type 0x86DD | Key (RFC 2890 §2.1, RFC 5845 §5.1).
        prop_assert_eq!(&g[0..4], &[0x20, 0x00, 0x86, 0xdd]);
        prop_assert_eq!(&g[4..8], &key.to_be_bytes());
        prop_assert_eq!(&g[8..], &inner[ETH_HDR_LEN..]);
    }

    #[test]
    fn downlink_hop_limit_is_decremented_or_punted(hop in any::<u8>(), host in any::<u64>()) {
        let mut p = lma();
        let dst = Ipv6Addr::from((0x2001_0db8_1000_0000u128 << 64) | u128::from(host));
        let f = FrameSpec::new("2001:db8:200::1".parse().unwrap(), dst).hop_limit(hop).udp(1, 2, &[0; 8]);
        let mut pkt = VecPacket::new(&f);
        let v = p.process_one(&mut pkt);
        if hop <= 1 {
            prop_assert_eq!(v, Verdict::Punt(PuntReason::HopLimitExceeded));
            prop_assert_eq!(pkt.data(), &f[..]);
        } else {
            let is_tx = matches!(v, Verdict::Tx { port: 0, .. });
            prop_assert!(is_tx, "verdict {:?}", v);
            let inner = Ipv6Packet::new_checked(&pkt.data()[ETH_HDR_LEN + IPV6_HDR_LEN..]).unwrap();
            prop_assert_eq!(inner.hop_limit(), hop - 1);
        }
    }

    #[test]
    fn arbitrary_frames_never_panic(frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 1..40)) {
        let mut p = lma();
        let mut pkts: Vec<VecPacket> = frames.iter().map(|f| VecPacket::new(f)).collect();
        let mut out = BurstResult::with_capacity(pkts.len());
        p.process_burst(&mut pkts, &mut out);
        prop_assert_eq!(out.len(), frames.len());
    }

    #[test]
    fn mutated_valid_frames_never_panic(
        idx in proptest::collection::vec((0usize..200, any::<u8>()), 1..6),
        gre in any::<bool>(),
    ) {
        let mut p = lma();
        let inner = FrameSpec::new("2001:db8:1000::5".parse().unwrap(), "2001:db8:1000::7".parse().unwrap())
            .udp(1, 2, &[0; 16]);
        let spec = FrameSpec::new("2001:db8:100::2".parse().unwrap(), "2001:db8:100::1".parse().unwrap());
        let mut f = spec.tunnel(&inner, if gre { Some(Some(9)) } else { None });
        for (i, b) in idx {
            let n = f.len();
            f[i % n] = b;
        }
        let mut pkt = VecPacket::new(&f);
        let _verdict = p.process_one(&mut pkt);
        prop_assert_eq!(p.counters().rx_packets(), 1);
    }
}
