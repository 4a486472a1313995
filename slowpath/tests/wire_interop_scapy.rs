//! Interop with scapy's MIPv6 encoder: every message built by
//! `deploy/interop/scapy_pbu.py` must decode (checksum verified) to the values scapy was
//! asked to encode, and our re-emission must decode the same way.
//!
//! Reads `$MOBGW_SCAPY_VECTORS`, or the committed `deploy/interop/scapy_vectors.jsonl`
//! (`deploy/interop/run.sh` regenerates it with the installed scapy).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use serde_json::Value;
use slowpath::wire::{AccessTechnologyType, HandoffIndicator, MhRepr, MobilityOption, Timestamp};

fn vectors_path() -> PathBuf {
    std::env::var_os("MOBGW_SCAPY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/interop/scapy_vectors.jsonl")
        })
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn num<T: TryFrom<u64>>(v: &Value, key: &str) -> T {
    let n = v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"));
    T::try_from(n).unwrap_or_else(|_| panic!("{key} out of range in {v}"))
}

fn v6(v: &Value, key: &str) -> Ipv6Addr {
    v[key]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("IPv6 address")
}

fn v4(v: &Value, key: &str) -> Ipv4Addr {
    v[key]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("IPv4 address")
}

fn hexfield(v: &Value, key: &str) -> Vec<u8> {
    unhex(v[key].as_str().expect("hex string"))
}

/// The option scapy was asked to encode, in our representation.
fn expected_option(v: &Value) -> MobilityOption {
    match num::<u8>(v, "type") {
        3 => MobilityOption::AlternateCareOfAddress(v6(v, "address")),
        8 => MobilityOption::MnIdentifier {
            subtype: num(v, "subtype"),
            identifier: hexfield(v, "id"),
        },
        19 => MobilityOption::VendorSpecific {
            vendor_id: num(v, "vendor_id"),
            subtype: num(v, "subtype"),
            data: hexfield(v, "data"),
        },
        22 => MobilityOption::HomeNetworkPrefix {
            prefix_len: num(v, "prefix_len"),
            prefix: v6(v, "prefix"),
        },
        23 => MobilityOption::HandoffIndicator(HandoffIndicator(num(v, "value"))),
        24 => MobilityOption::AccessTechnologyType(AccessTechnologyType(num(v, "value"))),
        25 => MobilityOption::MnLinkLayerIdentifier(hexfield(v, "id")),
        26 => MobilityOption::LinkLocalAddress(v6(v, "address")),
        27 => MobilityOption::Timestamp(Timestamp(num(v, "value"))),
        33 => MobilityOption::GreKey(v["key"].as_u64().map(|k| k as u32)),
        36 => MobilityOption::Ipv4HomeAddressRequest {
            prefix_len: num(v, "prefix_len"),
            address: v4(v, "address"),
        },
        37 => MobilityOption::Ipv4HomeAddressReply {
            status: num(v, "status"),
            prefix_len: num(v, "prefix_len"),
            address: v4(v, "address"),
        },
        38 => MobilityOption::Ipv4DefaultRouterAddress(v4(v, "address")),
        other => MobilityOption::Unknown {
            option_type: other,
            data: hexfield(v, "data"),
        },
    }
}

fn check_case(case: &Value) {
    let name = case["name"].as_str().unwrap_or("?");
    let src = v6(case, "src");
    let dst = v6(case, "dst");
    let bytes = hexfield(case, "mh_hex");
    let exp = &case["expect"];
    let repr = MhRepr::from_bytes(&bytes, &src, &dst)
        .unwrap_or_else(|e| panic!("{name}: our parser rejects scapy's bytes: {e}"));
    let options: Vec<MobilityOption> = exp["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(expected_option)
        .collect();
    match (&repr, num::<u8>(exp, "mh_type")) {
        (MhRepr::BindingUpdate(bu), 5) => {
            assert_eq!(bu.sequence, num::<u16>(exp, "sequence"), "{name}");
            assert_eq!(bu.flags.bits(), num::<u16>(exp, "flags"), "{name}");
            assert_eq!(bu.lifetime, num::<u16>(exp, "lifetime"), "{name}");
            assert_eq!(bu.options, options, "{name}");
        }
        (MhRepr::BindingAck(ba), 6) => {
            assert_eq!(ba.status, num::<u8>(exp, "status"), "{name}");
            assert_eq!(ba.flags.bits(), num::<u8>(exp, "flags"), "{name}");
            assert_eq!(ba.sequence, num::<u16>(exp, "sequence"), "{name}");
            assert_eq!(ba.lifetime, num::<u16>(exp, "lifetime"), "{name}");
            assert_eq!(ba.options, options, "{name}");
        }
        (other, t) => panic!("{name}: expected MH type {t}, decoded {other:?}"),
    }
    // Our own emission of the decoded message must decode identically (byte equality is
    // not expected: scapy pads unknown options differently).
    let ours = repr.to_bytes(&src, &dst);
    assert_eq!(
        MhRepr::from_bytes(&ours, &src, &dst).as_ref(),
        Ok(&repr),
        "{name}"
    );
}

#[test]
fn scapy_built_messages_decode() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("JSON line");
        check_case(&case);
        n += 1;
    }
    assert!(n >= 9, "only {n} scapy cases in {}", path.display());
}
