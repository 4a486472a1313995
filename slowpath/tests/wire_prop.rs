//! Property tests of the Mobility Header codec: `parse(emit(x)) == x` for arbitrary valid
//! messages (with arbitrary option lists), emitted options are aligned, and parsing
//! arbitrary or mutated bytes never panics and is stable under re-emission.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::prelude::*;
use slowpath::counters::MessageKind;
use slowpath::pbu::PmipOptions;
use slowpath::wire::{
    alignment_of, AccessTechnologyType, BindingAck, BindingAckFlags, BindingError,
    BindingRevocation, BindingUpdate, BindingUpdateFlags, BindingUpdateView, ChecksumMode,
    HandoffIndicator, Heartbeat, LocalizedRoutingAck, LocalizedRoutingInitiation, MhRepr, MhType,
    MhWriter, MobilityHeader, MobilityOption, MobilityOptions, RevocationKind, Timestamp,
};

/// Option types this codec decodes; `Unknown` must use anything else (and not Pad1/PadN).
const KNOWN_OPTIONS: &[u8] = &[
    0, 1, 2, 3, 6, 8, 18, 19, 22, 23, 24, 25, 26, 27, 28, 33, 36, 37, 38, 39, 51,
];
/// MH types decoded into structures (Unknown must avoid them).
const DECODED_TYPES: &[u8] = &[0, 5, 6, 7, 11, 13, 16, 17, 18];

fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

fn option() -> impl Strategy<Value = MobilityOption> {
    prop_oneof![
        any::<u16>()
            .prop_map(|refresh_interval| MobilityOption::BindingRefreshAdvice { refresh_interval }),
        ipv6().prop_map(MobilityOption::AlternateCareOfAddress),
        (any::<u8>(), ipv6()).prop_map(|(prefix_len, prefix)| {
            MobilityOption::MobileNetworkPrefix { prefix_len, prefix }
        }),
        (any::<u8>(), bytes(64)).prop_map(|(subtype, identifier)| {
            MobilityOption::MnIdentifier {
                subtype,
                identifier,
            }
        }),
        (any::<u32>(), any::<u8>(), bytes(40)).prop_map(|(vendor_id, subtype, data)| {
            MobilityOption::VendorSpecific {
                vendor_id,
                subtype,
                data,
            }
        }),
        (any::<u8>(), ipv6()).prop_map(|(prefix_len, prefix)| {
            MobilityOption::HomeNetworkPrefix { prefix_len, prefix }
        }),
        any::<u8>().prop_map(|v| MobilityOption::HandoffIndicator(HandoffIndicator(v))),
        any::<u8>().prop_map(|v| MobilityOption::AccessTechnologyType(AccessTechnologyType(v))),
        bytes(20).prop_map(MobilityOption::MnLinkLayerIdentifier),
        ipv6().prop_map(MobilityOption::LinkLocalAddress),
        any::<u64>().prop_map(|v| MobilityOption::Timestamp(Timestamp(v))),
        any::<u32>().prop_map(MobilityOption::RestartCounter),
        any::<Option<u32>>().prop_map(MobilityOption::GreKey),
        (0u8..64, ipv4()).prop_map(|(prefix_len, address)| {
            MobilityOption::Ipv4HomeAddressRequest {
                prefix_len,
                address,
            }
        }),
        (any::<u8>(), 0u8..64, ipv4()).prop_map(|(status, prefix_len, address)| {
            MobilityOption::Ipv4HomeAddressReply {
                status,
                prefix_len,
                address,
            }
        }),
        ipv4().prop_map(MobilityOption::Ipv4DefaultRouterAddress),
        any::<bool>().prop_map(|dhcp_server| MobilityOption::Ipv4DhcpSupportMode { dhcp_server }),
        ipv6().prop_map(MobilityOption::MagIpv6Address),
        bytes(40).prop_map(MobilityOption::Experimental),
        (
            any::<u8>().prop_filter("unknown type", |t| !KNOWN_OPTIONS.contains(t)),
            bytes(40)
        )
            .prop_map(|(option_type, data)| MobilityOption::Unknown { option_type, data }),
    ]
}

fn options() -> impl Strategy<Value = Vec<MobilityOption>> {
    vec(option(), 0..10)
}

/// Opaque message data that fills the MH exactly (6 + len is a multiple of 8), at least
/// 24 octets in total so every per-type minimum is met.
fn opaque_data() -> impl Strategy<Value = Vec<u8>> {
    (2usize..12).prop_flat_map(|k| vec(any::<u8>(), 8 * k + 2))
}

fn bu_flags() -> impl Strategy<Value = BindingUpdateFlags> {
    any::<u16>().prop_map(BindingUpdateFlags::from_bits)
}

fn mh_repr() -> impl Strategy<Value = MhRepr> {
    prop_oneof![
        options().prop_map(|options| MhRepr::BindingRefreshRequest { options }),
        (any::<u16>(), bu_flags(), any::<u16>(), options()).prop_map(
            |(sequence, flags, lifetime, options)| MhRepr::BindingUpdate(BindingUpdate {
                sequence,
                flags,
                lifetime,
                options
            })
        ),
        (
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            options()
        )
            .prop_map(
                |(status, f, sequence, lifetime, options)| MhRepr::BindingAck(BindingAck {
                    status,
                    flags: BindingAckFlags::from_bits(f),
                    sequence,
                    lifetime,
                    options
                })
            ),
        (any::<u8>(), ipv6(), options()).prop_map(|(status, home_address, options)| {
            MhRepr::BindingError(BindingError {
                status,
                home_address,
                options,
            })
        }),
        (any::<bool>(), any::<bool>(), any::<u32>(), options()).prop_map(
            |(unsolicited, response, sequence, options)| MhRepr::Heartbeat(Heartbeat {
                unsolicited,
                response,
                sequence,
                options
            })
        ),
        (
            any::<bool>(),
            any::<u8>(),
            any::<u16>(),
            any::<[bool; 3]>(),
            options()
        )
            .prop_map(|(bri, v, sequence, [p, iv, g], options)| {
                MhRepr::BindingRevocation(BindingRevocation {
                    kind: if bri {
                        RevocationKind::Indication { trigger: v }
                    } else {
                        RevocationKind::Acknowledgement { status: v }
                    },
                    sequence,
                    proxy: p,
                    ipv4_hoa_only: iv,
                    global: g,
                    options,
                })
            }),
        (any::<u16>(), any::<u16>(), options()).prop_map(|(sequence, lifetime, options)| {
            MhRepr::LocalizedRoutingInitiation(LocalizedRoutingInitiation {
                sequence,
                lifetime,
                options,
            })
        }),
        (
            any::<u16>(),
            any::<bool>(),
            any::<u8>(),
            any::<u16>(),
            options()
        )
            .prop_map(|(sequence, unsolicited, status, lifetime, options)| {
                MhRepr::LocalizedRoutingAck(LocalizedRoutingAck {
                    sequence,
                    unsolicited,
                    status,
                    lifetime,
                    options,
                })
            }),
        opaque_data().prop_map(|data| MhRepr::Experimental { data }),
        (
            any::<u8>().prop_filter("undecoded type", |t| !DECODED_TYPES.contains(t)),
            opaque_data()
        )
            .prop_map(|(mh_type, data)| MhRepr::Unknown { mh_type, data }),
    ]
}

/// Parse with the checksum ignored; if that succeeds, re-emitting and re-parsing must give
/// the same representation (the fuzz target's property). Re-emission aligns options, so
/// a tightly packed 2048-octet input can grow past the maximum MH; `validate` says so.
fn check_stable(bytes: &[u8], src: &Ipv6Addr, dst: &Ipv6Addr) {
    let _ = MhRepr::from_bytes(bytes, src, dst);
    let Ok(pkt) = MobilityHeader::new_checked(bytes) else {
        return;
    };
    if let Ok(repr) = MhRepr::parse(&pkt, src, dst, ChecksumMode::Ignore) {
        if repr.validate().is_err() {
            return;
        }
        let again = repr.to_bytes(src, dst);
        assert_eq!(again.len(), repr.buffer_len());
        assert_eq!(MhRepr::from_bytes(&again, src, dst), Ok(repr));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parse_emit_round_trip(repr in mh_repr(), src in ipv6(), dst in ipv6()) {
        prop_assert_eq!(repr.validate(), Ok(()));
        let bytes = repr.to_bytes(&src, &dst);
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        prop_assert_eq!(bytes.len() % 8, 0);
        prop_assert_eq!(usize::from(bytes[1]) * 8 + 8, bytes.len());
        prop_assert_eq!(MhRepr::from_bytes(&bytes, &src, &dst), Ok(repr.clone()));

        // Every known option sits at its xn+y alignment (RFC 6275 §6.2.1).
        if let Some(start) = match &repr {
            MhRepr::BindingRefreshRequest { .. } => Some(8),
            MhRepr::BindingError(_) => Some(24),
            MhRepr::Experimental { .. } | MhRepr::Unknown { .. } => None,
            _ => Some(12),
        } {
            for raw in MobilityOptions::new(&bytes[start..], start) {
                let raw = raw.expect("emitted options are well-formed");
                if KNOWN_OPTIONS.contains(&raw.option_type) {
                    prop_assert!(
                        alignment_of(raw.option_type).is_aligned(raw.offset),
                        "type {} at {}", raw.option_type, raw.offset
                    );
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..300), src in ipv6(), dst in ipv6()) {
        check_stable(&data, &src, &dst);
    }

    #[test]
    fn plausible_headers_never_panic(
        mh_type in any::<u8>(),
        body in vec(any::<u8>(), 2..300),
        src in ipv6(),
        dst in ipv6(),
    ) {
        // A consistent common header so parsing reaches the bodies and options.
        let total = (6 + body.len()).div_ceil(8) * 8;
        let mut bytes = vec![0u8; total];
        bytes[0] = 59;
        bytes[1] = u8::try_from(total / 8 - 1).unwrap_or(u8::MAX);
        bytes[2] = mh_type;
        bytes[6..6 + body.len()].copy_from_slice(&body);
        check_stable(&bytes, &src, &dst);
    }

    #[test]
    fn mutated_valid_messages_never_panic(
        repr in mh_repr(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let src = Ipv6Addr::LOCALHOST;
        let dst = Ipv6Addr::UNSPECIFIED;
        let mut bytes = repr.to_bytes(&src, &dst);
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        check_stable(&bytes, &src, &dst);
    }

    #[test]
    fn writer_emits_what_emit_emits(
        status in any::<u8>(),
        f in any::<u8>(),
        sequence in any::<u16>(),
        lifetime in any::<u16>(),
        options in options(),
        src in ipv6(),
        dst in ipv6(),
    ) {
        let flags = BindingAckFlags::from_bits(f);
        let mut w = MhWriter::binding_ack(status, flags, sequence, lifetime);
        for o in &options {
            // The typed appenders where there is one, else the generic one.
            match o {
                MobilityOption::MnIdentifier { subtype, identifier } => {
                    w.mn_identifier(*subtype, identifier)
                }
                MobilityOption::HomeNetworkPrefix { prefix_len, prefix } => {
                    w.home_network_prefix(*prefix_len, *prefix)
                }
                MobilityOption::HandoffIndicator(hi) => w.handoff_indicator(*hi),
                MobilityOption::AccessTechnologyType(att) => w.access_technology_type(*att),
                MobilityOption::MnLinkLayerIdentifier(id) => w.link_layer_identifier(id),
                MobilityOption::LinkLocalAddress(a) => w.link_local_address(*a),
                MobilityOption::Timestamp(ts) => w.timestamp(*ts),
                MobilityOption::GreKey(k) => w.gre_key(*k),
                other => w.option(other),
            }
        }
        let repr = MhRepr::BindingAck(BindingAck { status, flags, sequence, lifetime, options });
        prop_assert_eq!(&w.finish(&src, &dst)[..], &repr.to_bytes(&src, &dst)[..]);
    }

    #[test]
    fn wire_kind_is_the_repr_kind(repr in mh_repr()) {
        let bytes = repr.to_bytes(&Ipv6Addr::LOCALHOST, &Ipv6Addr::LOCALHOST);
        prop_assert_eq!(MessageKind::of_wire(&bytes), MessageKind::of(&repr));
        prop_assert_eq!(MessageKind::status_of_wire(&bytes), MessageKind::status_of(&repr));
    }

    #[test]
    fn pmip_options_in_place_are_the_gathered_ones(
        sequence in any::<u16>(),
        flags in bu_flags(),
        options in options(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let (src, dst) = (Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED);
        let repr = MhRepr::BindingUpdate(BindingUpdate { sequence, flags, lifetime: 1, options });
        let mut bytes = repr.to_bytes(&src, &dst);
        for (at, v) in flips {
            // Past the common header, so the message stays a BU.
            let i = 8 + at.index(bytes.len() - 8);
            bytes[i] = v;
        }
        let pkt = MobilityHeader::new_checked(&bytes[..]).expect("length kept");
        prop_assert_eq!(pkt.check(&src, &dst, ChecksumMode::Ignore), Ok(MhType::BindingUpdate));
        let view = BindingUpdateView::parse(pkt.as_bytes()).expect("a BU body");
        let in_place = PmipOptions::parse(view.options, BindingUpdate::OPTIONS_OFFSET);
        match MhRepr::parse(&pkt, &src, &dst, ChecksumMode::Ignore) {
            Ok(MhRepr::BindingUpdate(bu)) => {
                prop_assert_eq!((view.sequence, view.flags, view.lifetime), (bu.sequence, bu.flags, bu.lifetime));
                prop_assert_eq!(in_place, Ok(PmipOptions::gather(&bu.options)));
            }
            Ok(other) => prop_assert!(false, "not a BU: {:?}", other),
            Err(e) => prop_assert_eq!(in_place, Err(e)),
        }
    }
}
