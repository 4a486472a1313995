//! Writes the PBUs, PBAs and other messages our codec emits to a pcap (Ethernet + IPv6 +
//! Mobility Header), plus a TSV of the values tshark must decode from each frame
//! (`frame<TAB>tshark field<TAB>expected value`). `deploy/interop/tshark_check.sh` runs
//! this and compares.
//!
//! usage: cargo run -p slowpath --example emit_pcap -- OUT.pcap OUT.tsv

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use pcap_file::pcap::{PcapPacket, PcapWriter};
use slowpath::wire::{
    status, AccessTechnologyType, BindingAck, BindingAckFlags, BindingError, BindingRevocation,
    BindingUpdate, BindingUpdateFlags, HandoffIndicator, Heartbeat, LocalizedRoutingAck,
    LocalizedRoutingInitiation, MhRepr, MobilityOption, RevocationKind, Timestamp, IPPROTO_MH,
};

const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const MAG2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2);
const LMA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);

/// Ethernet II + IPv6 (hop limit 64, next header 135) around an MH.
fn frame(src: Ipv6Addr, dst: Ipv6Addr, mh: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(54 + mh.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd]);
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    let plen = u16::try_from(mh.len()).unwrap_or(u16::MAX);
    f.extend_from_slice(&plen.to_be_bytes());
    f.extend_from_slice(&[IPPROTO_MH, 64]);
    f.extend_from_slice(&src.octets());
    f.extend_from_slice(&dst.octets());
    f.extend_from_slice(mh);
    f
}

fn mn_id(s: &str) -> MobilityOption {
    MobilityOption::MnIdentifier {
        subtype: 1,
        identifier: s.as_bytes().to_vec(),
    }
}

fn hnp(p: &str, len: u8) -> MobilityOption {
    MobilityOption::HomeNetworkPrefix {
        prefix_len: len,
        prefix: p.parse().unwrap_or(Ipv6Addr::UNSPECIFIED),
    }
}

struct Case {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    repr: MhRepr,
    /// (tshark field, expected value as `tshark -T fields` prints it)
    expect: Vec<(&'static str, String)>,
}

fn e(field: &'static str, v: impl ToString) -> (&'static str, String) {
    (field, v.to_string())
}

fn cases() -> Vec<Case> {
    let ts = Timestamp::from_unix_secs_frac(1_700_000_000, 0x8000);
    let mac = vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
    let pbu_opts = |hi: u8| {
        vec![
            mn_id("mn1@example.org"),
            hnp("::", 0),
            MobilityOption::HandoffIndicator(HandoffIndicator(hi)),
            MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
            MobilityOption::MnLinkLayerIdentifier(mac.clone()),
            MobilityOption::LinkLocalAddress(Ipv6Addr::UNSPECIFIED),
            MobilityOption::Timestamp(ts),
            MobilityOption::GreKey(Some(0x1234)),
            MobilityOption::Ipv4HomeAddressRequest {
                prefix_len: 0,
                address: Ipv4Addr::UNSPECIFIED,
            },
        ]
    };
    let common_pbu = |seq: u16, life: u16, hi: u8| {
        vec![
            e("mip6.mhtype", 5),
            e("mip6.proto", 59),
            e("mip6.bu.seqnr", seq),
            e("mip6.bu.a_flag", 1),
            e("mip6.bu.p_flag", 1),
            e("mip6.bu.lifetime", life),
            e("mip6.mnid.identifier", "mn1@example.org"),
            e("mip6.nemo.mnp.mnp", "::"),
            e("mip6.nemo.mnp.pfl", 0),
            e("mip6.hi", hi),
            e("mip6.att", 4),
            e("mip6.mnlli.lli", "001122334455"),
            e("mip6.lila_lla", "::"),
            e("mip6.gre_key", 0x1234),
            e("mip6.ipv4ha.ha", "0.0.0.0"),
        ]
    };
    let mut pbu_ftb_expect = vec![
        e("mip6.mhtype", 5),
        e("mip6.bu.seqnr", 7),
        e("mip6.bu.f_flag", 1),
        e("mip6.bu.t_flag", 1),
        e("mip6.bu.b_flag", 1),
        e("mip6.bu.h_flag", 0),
        e("mip6.gre_key", ""),
    ];
    pbu_ftb_expect.push(e("mip6.hi", 3));
    vec![
        Case {
            src: MAG,
            dst: LMA,
            repr: MhRepr::BindingUpdate(BindingUpdate {
                sequence: 1000,
                flags: BindingUpdateFlags::PROXY,
                lifetime: 900,
                options: pbu_opts(1),
            }),
            expect: {
                let mut v = common_pbu(1000, 900, 1);
                v.push(e("mip6.csum", "0x58ca"));
                v.push(e("mip6.bu.f_flag", 0));
                v
            },
        },
        Case {
            src: LMA,
            dst: MAG,
            repr: MhRepr::BindingAck(BindingAck {
                status: status::ACCEPTED,
                flags: BindingAckFlags::PROXY,
                sequence: 1000,
                lifetime: 900,
                options: vec![
                    mn_id("mn1@example.org"),
                    hnp("2001:db8:1:1::", 64),
                    hnp("2001:db8:1:2::", 64),
                    MobilityOption::HandoffIndicator(HandoffIndicator(1)),
                    MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
                    MobilityOption::MnLinkLayerIdentifier(mac.clone()),
                    MobilityOption::LinkLocalAddress("fe80::1".parse().unwrap_or(LMA)),
                    MobilityOption::Timestamp(ts),
                    MobilityOption::GreKey(Some(0xabcd)),
                    MobilityOption::Ipv4HomeAddressReply {
                        status: 0,
                        prefix_len: 24,
                        address: Ipv4Addr::new(10, 0, 0, 5),
                    },
                    MobilityOption::Ipv4DefaultRouterAddress(Ipv4Addr::new(10, 0, 0, 1)),
                ],
            }),
            expect: vec![
                e("mip6.mhtype", 6),
                e("mip6.ba.status", 0),
                e("mip6.ba.p_flag", 1),
                e("mip6.ba.k_flag", 0),
                e("mip6.ba.seqnr", 1000),
                e("mip6.ba.lifetime", 900),
                e("mip6.mnid.identifier", "mn1@example.org"),
                e("mip6.nemo.mnp.mnp", "2001:db8:1:1::,2001:db8:1:2::"),
                e("mip6.nemo.mnp.pfl", "64,64"),
                e("mip6.hi", 1),
                e("mip6.att", 4),
                e("mip6.lila_lla", "fe80::1"),
                e("mip6.gre_key", 0xabcd),
                e("mip6.ipv4ha.ha", "10.0.0.5"),
                e("mip6.ipv4dra.dra", "10.0.0.1"),
            ],
        },
        Case {
            src: MAG,
            dst: LMA,
            repr: MhRepr::BindingUpdate(BindingUpdate {
                sequence: 1001,
                flags: BindingUpdateFlags::PROXY,
                lifetime: 0,
                // HI 1 as in the lab's de-registration vector (pmip-wire.md Appendix B),
                // so the checksum can be compared with it.
                options: pbu_opts(1),
            }),
            expect: {
                let mut v = common_pbu(1001, 0, 1);
                v.push(e("mip6.csum", "0x5c4d"));
                v
            },
        },
        Case {
            src: MAG2,
            dst: LMA,
            repr: MhRepr::BindingUpdate(BindingUpdate {
                sequence: 7,
                flags: BindingUpdateFlags {
                    force_udp: true,
                    tlv_header: true,
                    bulk: true,
                    ..BindingUpdateFlags::PROXY
                },
                lifetime: 60,
                options: vec![
                    mn_id("mn2@example.org"),
                    hnp("2001:db8:2::", 64),
                    MobilityOption::HandoffIndicator(HandoffIndicator::HANDOFF_BETWEEN_MAGS),
                    MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_3),
                    MobilityOption::GreKey(None),
                    MobilityOption::Ipv4DhcpSupportMode { dhcp_server: true },
                ],
            }),
            expect: pbu_ftb_expect,
        },
        Case {
            src: LMA,
            dst: MAG,
            repr: MhRepr::BindingAck(BindingAck {
                status: status::MISSING_HOME_NETWORK_PREFIX_OPTION,
                flags: BindingAckFlags::PROXY,
                sequence: 1002,
                lifetime: 0,
                options: vec![
                    mn_id("mn1@example.org"),
                    hnp("::", 0),
                    MobilityOption::HandoffIndicator(HandoffIndicator(0)),
                    MobilityOption::AccessTechnologyType(AccessTechnologyType(0)),
                ],
            }),
            expect: vec![
                e("mip6.ba.status", 158),
                e("mip6.ba.seqnr", 1002),
                e("mip6.nemo.mnp.mnp", "::"),
            ],
        },
        Case {
            src: LMA,
            dst: MAG,
            repr: MhRepr::Heartbeat(Heartbeat {
                unsolicited: false,
                response: true,
                sequence: 7,
                options: vec![MobilityOption::RestartCounter(3)],
            }),
            expect: vec![
                e("mip6.mhtype", 13),
                e("mip6.csum", "0x932e"),
                e("mip6.hb.r_flag", 1),
                e("mip6.hb.u_flag", 0),
                e("mip6.hb.seqnr", 7),
                e("mip6.rc", 3),
            ],
        },
        Case {
            src: LMA,
            dst: MAG,
            repr: MhRepr::BindingRevocation(BindingRevocation {
                kind: RevocationKind::Indication { trigger: 1 },
                sequence: 42,
                proxy: true,
                ipv4_hoa_only: false,
                global: false,
                options: vec![mn_id("mn1@example.org"), hnp("2001:db8:1:1::", 64)],
            }),
            expect: vec![
                e("mip6.mhtype", 16),
                e("mip6.csum", "0x3cbd"),
                e("mip6.bri_br.type", 1),
                e("mip6.bri_r.trigger", 1),
                e("mip6.bri_seqnr", 42),
                e("mip6.bri_ip", 1),
                e("mip6.mnid.identifier", "mn1@example.org"),
            ],
        },
        Case {
            src: MAG,
            dst: LMA,
            repr: MhRepr::BindingRevocation(BindingRevocation {
                kind: RevocationKind::Acknowledgement { status: 0 },
                sequence: 42,
                proxy: true,
                ipv4_hoa_only: false,
                global: false,
                options: vec![],
            }),
            expect: vec![
                e("mip6.bri_br.type", 2),
                e("mip6.bri_status", 0),
                e("mip6.bri_seqnr", 42),
                e("mip6.bri_ap", 1),
            ],
        },
        Case {
            src: LMA,
            dst: MAG,
            repr: MhRepr::LocalizedRoutingInitiation(LocalizedRoutingInitiation {
                sequence: 5,
                lifetime: 300,
                options: vec![
                    mn_id("mn1@example.org"),
                    hnp("2001:db8:1:1::", 64),
                    mn_id("mn2@example.org"),
                    hnp("2001:db8:2::", 64),
                    // No MAG IPv6 Address option (51) here: RFC 6705 §11.1 says Length
                    // 18, and Wireshark 4.0.17 warns "should be 16" (a dissector bug).
                ],
            }),
            // Wireshark 4.0.17 reads the LRI/LRA body from offset 0 of the MH instead of
            // offset 6 (it shows Payload Proto/Header Len as the Sequence #). RFC 6705
            // §10.1–10.2 and Pcap.Net put Sequence # right after the Checksum, as we do,
            // so only the type is compared for these two frames.
            expect: vec![e("mip6.mhtype", 17)],
        },
        Case {
            src: MAG,
            dst: LMA,
            repr: MhRepr::LocalizedRoutingAck(LocalizedRoutingAck {
                sequence: 5,
                unsolicited: false,
                status: 0,
                lifetime: 300,
                options: vec![mn_id("mn1@example.org"), hnp("2001:db8:1:1::", 64)],
            }),
            expect: vec![e("mip6.mhtype", 18)],
        },
        Case {
            src: LMA,
            dst: MAG,
            repr: MhRepr::BindingError(BindingError {
                status: 2,
                home_address: Ipv6Addr::UNSPECIFIED,
                options: vec![],
            }),
            expect: vec![
                e("mip6.mhtype", 7),
                e("mip6.be.status", 2),
                e("mip6.be.haddr", "::"),
            ],
        },
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(pcap_path), Some(tsv_path)) = (args.get(1), args.get(2)) else {
        return Err("usage: emit_pcap OUT.pcap OUT.tsv".into());
    };
    let mut pcap = PcapWriter::new(BufWriter::new(File::create(pcap_path)?))?;
    let mut tsv = BufWriter::new(File::create(tsv_path)?);
    for (i, case) in cases().iter().enumerate() {
        case.repr.validate()?;
        let mh = case.repr.to_bytes(&case.src, &case.dst);
        let data = frame(case.src, case.dst, &mh);
        let ts = Duration::from_millis(1_700_000_000_000 + 10 * i as u64);
        pcap.write_packet(&PcapPacket::new(ts, u32::try_from(data.len())?, &data))?;
        for (field, value) in &case.expect {
            writeln!(tsv, "{}\t{}\t{}", i + 1, field, value)?;
        }
    }
    tsv.flush()?;
    Ok(())
}
