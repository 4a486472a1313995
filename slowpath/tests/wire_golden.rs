//! Golden Mobility Header vectors of pmip-wire.md §1.2 and Appendix B: each must parse to
//! the documented field values and re-emit byte-exactly.

use std::net::{Ipv4Addr, Ipv6Addr};

use slowpath::wire::{
    AccessTechnologyType, BindingAck, BindingAckFlags, BindingRevocation, BindingUpdate,
    BindingUpdateFlags, ChecksumMode, Error, HandoffIndicator, Heartbeat, MhRepr, MhType,
    MobilityHeader, MobilityOption, RevocationKind, Timestamp,
};

const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const LMA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);

const PBU_HEX: &str = "3b0f050058ca03e8820003840810016d6e31406578616d706c652e6f72670104000000001612000000000000000000000000\
000000000000170200011802000401020000190800000011223344551a10000000000000000000000000000000000100\
1b0800006553f10080002106000000001234240600000000000001020000";
const PBA_HEX: &str = "3b100600d81e002003e803840810016d6e31406578616d706c652e6f72670104000000001612004020010db8000100010000000000000000170200011802000401020000190800000011223344551a10fe80000000000000000000000000000101001b0800006553f1008000210600000000abcd250600600a000005260600000a00000101020000";
const HEARTBEAT_HEX: &str = "3b020d00932e00010000000701001c040000000301020000";
const BRI_HEX: &str = "3b0610003cbd0101002a80000810016d6e31406578616d706c652e6f72670104000000001612004020010db8000100010000000000000000";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn mn_id() -> MobilityOption {
    MobilityOption::MnIdentifier {
        subtype: 1,
        identifier: b"mn1@example.org".to_vec(),
    }
}

fn lab_timestamp() -> Timestamp {
    Timestamp::from_unix_secs_frac(1_700_000_000, 0x8000)
}

fn lab_pbu(sequence: u16, flags: BindingUpdateFlags, lifetime: u16) -> MhRepr {
    MhRepr::BindingUpdate(BindingUpdate {
        sequence,
        flags,
        lifetime,
        options: vec![
            mn_id(),
            MobilityOption::HomeNetworkPrefix {
                prefix_len: 0,
                prefix: Ipv6Addr::UNSPECIFIED,
            },
            MobilityOption::HandoffIndicator(HandoffIndicator::ATTACH_NEW_INTERFACE),
            MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
            MobilityOption::MnLinkLayerIdentifier(vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
            MobilityOption::LinkLocalAddress(Ipv6Addr::UNSPECIFIED),
            MobilityOption::Timestamp(lab_timestamp()),
            MobilityOption::GreKey(Some(0x1234)),
            MobilityOption::Ipv4HomeAddressRequest {
                prefix_len: 0,
                address: Ipv4Addr::UNSPECIFIED,
            },
        ],
    })
}

fn hnp_2001_db8_1_1() -> MobilityOption {
    MobilityOption::HomeNetworkPrefix {
        prefix_len: 64,
        prefix: "2001:db8:1:1::".parse().expect("addr"),
    }
}

#[test]
fn golden_pbu_parses_to_documented_fields() {
    let bytes = unhex(PBU_HEX);
    assert_eq!(bytes.len(), 128);
    let pkt = MobilityHeader::new_checked(&bytes[..]).expect("length");
    assert_eq!(pkt.mh_type(), MhType::BindingUpdate);
    assert_eq!(pkt.header_len(), 15);
    assert_eq!(pkt.checksum(), 0x58ca);
    assert!(pkt.verify_checksum(&MAG, &LMA));
    let repr = MhRepr::parse(&pkt, &MAG, &LMA, ChecksumMode::Verify).expect("parse");
    let MhRepr::BindingUpdate(bu) = &repr else {
        panic!("not a BU: {repr:?}");
    };
    assert_eq!(bu.sequence, 1000);
    assert!(bu.flags.ack && bu.flags.proxy && bu.is_proxy());
    assert!(!bu.flags.force_udp && !bu.flags.tlv_header && !bu.flags.bulk);
    assert_eq!(bu.lifetime, 900);
    assert_eq!(bu.lifetime_secs(), 3600);
    assert_eq!(bu.mn_identifier(), Some(&b"mn1@example.org"[..]));
    assert_eq!(
        bu.home_network_prefixes().collect::<Vec<_>>(),
        vec![(0, Ipv6Addr::UNSPECIFIED)]
    );
    assert_eq!(bu.handoff_indicator(), Some(HandoffIndicator(1)));
    assert_eq!(bu.access_technology_type(), Some(AccessTechnologyType(4)));
    assert_eq!(
        bu.link_layer_identifier(),
        Some(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55][..])
    );
    assert_eq!(bu.link_local_address(), Some(Ipv6Addr::UNSPECIFIED));
    assert_eq!(bu.timestamp(), Some(Timestamp(0x6553_f100_8000)));
    assert_eq!(
        bu.timestamp().map(Timestamp::to_millis),
        Some(1_700_000_000_500)
    );
    assert_eq!(bu.gre_key(), Some(Some(0x1234)));
    assert_eq!(
        bu.ipv4_home_address_request(),
        Some((0, Ipv4Addr::UNSPECIFIED))
    );
    assert_eq!(bu.count_of(23), 1);
    assert_eq!(repr, lab_pbu(1000, BindingUpdateFlags::PROXY, 900));
}

#[test]
fn golden_pbu_re_emits_byte_exactly() {
    let bytes = unhex(PBU_HEX);
    let repr = lab_pbu(1000, BindingUpdateFlags::PROXY, 900);
    assert_eq!(repr.buffer_len(), 128);
    assert_eq!(repr.to_bytes(&MAG, &LMA), bytes);
}

#[test]
fn golden_pba() {
    let bytes = unhex(PBA_HEX);
    assert_eq!(bytes.len(), 136);
    let repr = MhRepr::from_bytes(&bytes, &LMA, &MAG).expect("parse");
    let expected = MhRepr::BindingAck(BindingAck {
        status: 0,
        flags: BindingAckFlags::PROXY,
        sequence: 1000,
        lifetime: 900,
        options: vec![
            mn_id(),
            hnp_2001_db8_1_1(),
            MobilityOption::HandoffIndicator(HandoffIndicator(1)),
            MobilityOption::AccessTechnologyType(AccessTechnologyType(4)),
            MobilityOption::MnLinkLayerIdentifier(vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
            MobilityOption::LinkLocalAddress("fe80::1".parse().expect("addr")),
            MobilityOption::Timestamp(lab_timestamp()),
            MobilityOption::GreKey(Some(0xabcd)),
            MobilityOption::Ipv4HomeAddressReply {
                status: 0,
                prefix_len: 24,
                address: Ipv4Addr::new(10, 0, 0, 5),
            },
            MobilityOption::Ipv4DefaultRouterAddress(Ipv4Addr::new(10, 0, 0, 1)),
        ],
    });
    assert_eq!(repr, expected);
    let MhRepr::BindingAck(ba) = &repr else {
        unreachable!()
    };
    assert!(ba.is_proxy() && ba.is_accepted());
    assert_eq!(
        ba.ipv4_home_address_reply(),
        Some((0, 24, Ipv4Addr::new(10, 0, 0, 5)))
    );
    assert_eq!(expected.to_bytes(&LMA, &MAG), bytes);
}

#[test]
fn golden_deregistration_pbu() {
    // Appendix B: lifetime 0, seq 1001, same options as the PBU, checksum 0x5c4d.
    let repr = lab_pbu(1001, BindingUpdateFlags::PROXY, 0);
    let bytes = repr.to_bytes(&MAG, &LMA);
    assert_eq!(&bytes[..16], &unhex("3b0f05005c4d03e9820000000810016d")[..]);
    assert_eq!(MhRepr::from_bytes(&bytes, &MAG, &LMA), Ok(repr));
}

#[test]
fn golden_pbu_with_f_t_b_flags() {
    // Appendix B: flags word 0x83c0, checksum 0x570a.
    let flags = BindingUpdateFlags {
        force_udp: true,
        tlv_header: true,
        bulk: true,
        ..BindingUpdateFlags::PROXY
    };
    assert_eq!(flags.bits(), 0x83c0);
    let repr = lab_pbu(1000, flags, 900);
    let bytes = repr.to_bytes(&MAG, &LMA);
    assert_eq!(&bytes[8..10], &[0x83, 0xc0]);
    assert_eq!(&bytes[4..6], &[0x57, 0x0a]);
    let parsed = MhRepr::from_bytes(&bytes, &MAG, &LMA).expect("parse");
    let MhRepr::BindingUpdate(bu) = &parsed else {
        panic!("not a BU")
    };
    assert!(bu.flags.force_udp && bu.flags.tlv_header && bu.flags.bulk);
    assert_eq!(parsed, repr);
}

#[test]
fn golden_heartbeat_response() {
    let bytes = unhex(HEARTBEAT_HEX);
    let expected = MhRepr::Heartbeat(Heartbeat {
        unsolicited: false,
        response: true,
        sequence: 7,
        options: vec![MobilityOption::RestartCounter(3)],
    });
    assert_eq!(MhRepr::from_bytes(&bytes, &LMA, &MAG), Ok(expected.clone()));
    assert_eq!(expected.to_bytes(&LMA, &MAG), bytes);
}

#[test]
fn golden_binding_revocation_indication() {
    let bytes = unhex(BRI_HEX);
    let expected = MhRepr::BindingRevocation(BindingRevocation {
        kind: RevocationKind::Indication { trigger: 1 },
        sequence: 42,
        proxy: true,
        ipv4_hoa_only: false,
        global: false,
        options: vec![mn_id(), hnp_2001_db8_1_1()],
    });
    assert_eq!(MhRepr::from_bytes(&bytes, &LMA, &MAG), Ok(expected.clone()));
    assert_eq!(expected.to_bytes(&LMA, &MAG), bytes);
}

#[test]
fn golden_vectors_reject_wrong_addresses_and_corruption() {
    let bytes = unhex(PBU_HEX);
    // Swapping the pseudo-header addresses does not change the sum (addition commutes),
    // a different source does.
    assert_eq!(
        MhRepr::from_bytes(&bytes, &"2001:db8:ffff::2".parse().expect("addr"), &LMA),
        Err(Error::Checksum)
    );
    let mut bad = bytes.clone();
    bad[4] = 0xde;
    bad[5] = 0xad;
    assert_eq!(MhRepr::from_bytes(&bad, &MAG, &LMA), Err(Error::Checksum));
    let pkt = MobilityHeader::new_checked(&bad[..]).expect("length");
    assert!(MhRepr::parse(&pkt, &MAG, &LMA, ChecksumMode::Ignore).is_ok());
}

#[test]
fn lab_malformed_frames() {
    // pmip-wire.md §2.2 frame 8: HI option with Length 3.
    let mut repr_bytes = MhRepr::BindingUpdate(BindingUpdate {
        sequence: 1,
        flags: BindingUpdateFlags::PROXY,
        lifetime: 1,
        options: vec![MobilityOption::Unknown {
            option_type: 23,
            data: vec![0, 1, 0],
        }],
    })
    .to_bytes(&MAG, &LMA);
    assert!(matches!(
        MhRepr::from_bytes(&repr_bytes, &MAG, &LMA),
        Err(Error::BadOptionLength {
            option_type: 23,
            length: 3,
            offset: 12
        })
    ));
    // Frame 9: Header Len 4 units too big.
    repr_bytes[1] += 4;
    assert!(matches!(
        MhRepr::from_bytes(&repr_bytes, &MAG, &LMA),
        Err(Error::BadHeaderLen { .. })
    ));
    // Frame 10: Nonce Indices with scapy's bogus Length 16 runs past the end.
    let mut nonce = vec![59, 1, 5, 0, 0, 0, 0, 1, 0x82, 0, 0, 1, 4, 16, 0, 0];
    MobilityHeader::new_unchecked(&mut nonce[..]).fill_checksum(&MAG, &LMA);
    assert_eq!(
        MhRepr::from_bytes(&nonce, &MAG, &LMA),
        Err(Error::OptionOverrun { offset: 12 })
    );
}

#[test]
fn lab_experimental_and_unknown_types() {
    // §1.13 frame 13: MH type 11 carrying 01 00 'RO-INIT' 00.
    let mut data = vec![0x01, 0x00];
    data.extend_from_slice(b"RO-INIT");
    data.push(0);
    let exp = MhRepr::Experimental { data };
    let bytes = exp.to_bytes(&MAG, &LMA);
    assert_eq!(bytes.len(), 16);
    assert_eq!(bytes[2], 11);
    assert_eq!(MhRepr::from_bytes(&bytes, &MAG, &LMA), Ok(exp));
    // Frame 14: MH type 200.
    let unk = MhRepr::Unknown {
        mh_type: 200,
        data: vec![0; 10],
    };
    let bytes = unk.to_bytes(&MAG, &LMA);
    assert_eq!(MhRepr::from_bytes(&bytes, &MAG, &LMA), Ok(unk));
}
