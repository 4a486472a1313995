//! Parse and emit of a typical PBU and PBA (the lab messages of pmip-wire.md Appendix B).
//! Throughput is in messages per second.

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slowpath::wire::{
    AccessTechnologyType, BindingAck, BindingAckFlags, BindingUpdate, BindingUpdateFlags,
    ChecksumMode, HandoffIndicator, MhRepr, MobilityHeader, MobilityOption, Timestamp,
};

const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const LMA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);

fn common_options(hnp: Ipv6Addr, hnp_len: u8, lla: Ipv6Addr) -> Vec<MobilityOption> {
    vec![
        MobilityOption::MnIdentifier {
            subtype: 1,
            identifier: b"mn1@example.org".to_vec(),
        },
        MobilityOption::HomeNetworkPrefix {
            prefix_len: hnp_len,
            prefix: hnp,
        },
        MobilityOption::HandoffIndicator(HandoffIndicator::ATTACH_NEW_INTERFACE),
        MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
        MobilityOption::MnLinkLayerIdentifier(vec![0, 0x11, 0x22, 0x33, 0x44, 0x55]),
        MobilityOption::LinkLocalAddress(lla),
        MobilityOption::Timestamp(Timestamp::from_unix_secs_frac(1_700_000_000, 0x8000)),
    ]
}

fn pbu() -> MhRepr {
    let mut options = common_options(Ipv6Addr::UNSPECIFIED, 0, Ipv6Addr::UNSPECIFIED);
    options.push(MobilityOption::GreKey(Some(0x1234)));
    options.push(MobilityOption::Ipv4HomeAddressRequest {
        prefix_len: 0,
        address: Ipv4Addr::UNSPECIFIED,
    });
    MhRepr::BindingUpdate(BindingUpdate {
        sequence: 1000,
        flags: BindingUpdateFlags::PROXY,
        lifetime: 900,
        options,
    })
}

fn pba() -> MhRepr {
    MhRepr::BindingAck(BindingAck {
        status: 0,
        flags: BindingAckFlags::PROXY,
        sequence: 1000,
        lifetime: 900,
        options: common_options(
            "2001:db8:1:1::".parse().unwrap_or(Ipv6Addr::UNSPECIFIED),
            64,
            "fe80::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED),
        ),
    })
}

fn bench_message(c: &mut Criterion, name: &str, repr: &MhRepr, src: Ipv6Addr, dst: Ipv6Addr) {
    let bytes = repr.to_bytes(&src, &dst);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse", |b| {
        b.iter(|| {
            let pkt = MobilityHeader::new_checked(black_box(&bytes[..])).ok();
            pkt.and_then(|p| MhRepr::parse(&p, &src, &dst, ChecksumMode::Verify).ok())
        })
    });
    let mut buf = vec![0u8; repr.buffer_len()];
    group.bench_function("emit", |b| {
        b.iter(|| {
            let mut pkt = MobilityHeader::new_unchecked(&mut buf[..]);
            black_box(repr).emit(&mut pkt, &src, &dst, ChecksumMode::Compute);
            black_box(pkt.checksum())
        })
    });
    group.bench_function("to_bytes", |b| {
        b.iter(|| black_box(repr).to_bytes(&src, &dst))
    });
    group.finish();
}

fn wire(c: &mut Criterion) {
    bench_message(c, "pbu", &pbu(), MAG, LMA);
    bench_message(c, "pba", &pba(), LMA, MAG);
}

criterion_group!(benches, wire);
criterion_main!(benches);
