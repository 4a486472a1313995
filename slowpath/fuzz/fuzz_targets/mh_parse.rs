//! Parses arbitrary bytes as a Mobility Header; whatever parses must re-emit and re-parse
//! to the same representation.
#![no_main]

use std::net::Ipv6Addr;

use libfuzzer_sys::fuzz_target;
use slowpath::wire::{ChecksumMode, MhRepr, MobilityHeader, MobilityOptions};

const SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);

fuzz_target!(|data: &[u8]| {
    // The checksummed path, as the LMA/MAG use it.
    let _ = MhRepr::from_bytes(data, &SRC, &DST);
    // Raw TLV walk over everything after a BU-style fixed part.
    if data.len() > 12 {
        for raw in MobilityOptions::new(&data[12..], 12) {
            if raw.is_err() {
                break;
            }
        }
    }
    let Ok(pkt) = MobilityHeader::new_checked(data) else {
        return;
    };
    // Ignore the checksum so the fuzzer reaches the bodies and options.
    let Ok(repr) = MhRepr::parse(&pkt, &SRC, &DST, ChecksumMode::Ignore) else {
        return;
    };
    // Re-emission aligns options, so a packed 2048-octet input may outgrow the maximum.
    if repr.validate().is_err() {
        return;
    }
    let bytes = repr.to_bytes(&SRC, &DST);
    assert_eq!(bytes.len(), repr.buffer_len());
    assert_eq!(bytes.len() % 8, 0);
    let again = MhRepr::from_bytes(&bytes, &SRC, &DST).expect("re-emitted MH must parse");
    assert_eq!(again, repr);
});
