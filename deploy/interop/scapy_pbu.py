#!/usr/bin/env python3
"""Builds PBUs/PBAs with scapy (an encoder we did not write) and writes one JSON line per
message: the MH bytes, the IPv6 addresses and the field values scapy was asked to encode.
`slowpath/tests/wire_interop_scapy.rs` checks that our parser decodes each one to exactly
those values.

scapy 2.8.0 has MIP6MH_BU/MIP6MH_BA but no PMIPv6 options (pmip-wire.md §3), so they are
defined here with their RFC alignment (x, y = xn+y) and registered in `moboptcls`, which
makes scapy insert Pad1/PadN itself.

usage: scapy_pbu.py OUT.jsonl
"""
import json
import random
import sys

from scapy.all import IPv6, raw
from scapy.fields import (BitField, ByteEnumField, ByteField, FieldLenField, IntField,
                          IP6Field, IPField, LongField, ShortField, StrLenField, XIntField)
from scapy.layers import inet6
from scapy.layers.inet6 import (MIP6MH_BA, MIP6MH_BU, MIP6OptAltCoA, MIP6OptMNID,
                                _MIP6OptAlign)


class OptHNP(_MIP6OptAlign):  # RFC 5213 §8.3
    name = "PMIPv6 Home Network Prefix"
    fields_desc = [ByteField("otype", 22), ByteField("olen", 18), ByteField("reserved", 0),
                   ByteField("plen", 64), IP6Field("prefix", "::")]
    x, y = 8, 4


class OptHI(_MIP6OptAlign):  # RFC 5213 §8.4
    name = "PMIPv6 Handoff Indicator"
    fields_desc = [ByteField("otype", 23), ByteField("olen", 2), ByteField("reserved", 0),
                   ByteField("hi", 1)]
    x, y = 0, 0


class OptATT(_MIP6OptAlign):  # RFC 5213 §8.5
    name = "PMIPv6 Access Technology Type"
    fields_desc = [ByteField("otype", 24), ByteField("olen", 2), ByteField("reserved", 0),
                   ByteField("att", 4)]
    x, y = 0, 0


class OptMNLLID(_MIP6OptAlign):  # RFC 5213 §8.6; 8n+4 as in the lab (no RFC number)
    name = "PMIPv6 MN Link-layer Identifier"
    fields_desc = [ByteField("otype", 25),
                   FieldLenField("olen", None, length_of="lli", fmt="B",
                                 adjust=lambda pkt, x: x + 2),
                   ShortField("reserved", 0),
                   StrLenField("lli", b"", length_from=lambda pkt: pkt.olen - 2)]
    x, y = 8, 4


class OptLLA(_MIP6OptAlign):  # RFC 5213 §8.7
    name = "PMIPv6 Link-local Address"
    fields_desc = [ByteField("otype", 26), ByteField("olen", 16), IP6Field("lla", "::")]
    x, y = 8, 6


class OptTimestamp(_MIP6OptAlign):  # RFC 5213 §8.8: 48.16 Unix time
    name = "PMIPv6 Timestamp"
    fields_desc = [ByteField("otype", 27), ByteField("olen", 8), LongField("ts", 0)]
    x, y = 8, 2


class OptRestartCounter(_MIP6OptAlign):  # RFC 5847 §3.4
    name = "Restart Counter"
    fields_desc = [ByteField("otype", 28), ByteField("olen", 4), IntField("rc", 0)]
    x, y = 4, 2


class OptVendor(_MIP6OptAlign):  # RFC 5094 §3
    name = "Vendor-Specific Mobility Option"
    fields_desc = [ByteField("otype", 19),
                   FieldLenField("olen", None, length_of="data", fmt="B",
                                 adjust=lambda pkt, x: x + 5),
                   XIntField("vendor", 0), ByteField("subtype", 0),
                   StrLenField("data", b"", length_from=lambda pkt: pkt.olen - 5)]
    x, y = 4, 2


class OptGREKey(_MIP6OptAlign):  # RFC 5845 §6.1 (Length 6, key present)
    name = "GRE Key"
    fields_desc = [ByteField("otype", 33), ByteField("olen", 6), ShortField("reserved", 0),
                   IntField("key", 0)]
    x, y = 4, 0


class OptGRENoKey(_MIP6OptAlign):  # RFC 5845 §6.1 (Length 2, no key)
    name = "GRE Key (no key)"
    fields_desc = [ByteField("otype", 33), ByteField("olen", 2), ShortField("reserved", 0)]
    x, y = 4, 0


class OptIPv4HoAReq(_MIP6OptAlign):  # RFC 5844 §3.3.1
    name = "IPv4 Home Address Request"
    fields_desc = [ByteField("otype", 36), ByteField("olen", 6), BitField("plen", 0, 6),
                   BitField("reserved", 0, 10), IPField("addr", "0.0.0.0")]
    x, y = 4, 0


class OptIPv4HoAReply(_MIP6OptAlign):  # RFC 5844 §3.3.2
    name = "IPv4 Home Address Reply"
    fields_desc = [ByteField("otype", 37), ByteField("olen", 6), ByteField("status", 0),
                   BitField("plen", 0, 6), BitField("reserved", 0, 2), IPField("addr", "0.0.0.0")]
    x, y = 4, 0


class OptIPv4DRA(_MIP6OptAlign):  # RFC 5844 §3.3.3
    name = "IPv4 Default-Router Address"
    fields_desc = [ByteField("otype", 38), ByteField("olen", 6), ShortField("reserved", 0),
                   IPField("addr", "0.0.0.0")]
    x, y = 4, 0


class OptUnknown(_MIP6OptAlign):
    name = "Unassigned option"
    fields_desc = [ByteField("otype", 200),
                   FieldLenField("olen", None, length_of="data", fmt="B"),
                   StrLenField("data", b"", length_from=lambda pkt: pkt.olen)]
    x, y = 0, 0


for _cls in (OptHNP, OptHI, OptATT, OptMNLLID, OptLLA, OptTimestamp, OptRestartCounter,
             OptVendor, OptGREKey, OptIPv4HoAReq, OptIPv4HoAReply, OptIPv4DRA):
    inet6.moboptcls[_cls.fields_desc[0].default] = _cls

MAG = "2001:db8:ffff::1"
LMA = "2001:db8:aaaa::1"
TS = (1700000000 << 16) | 0x8000


# Each helper returns (scapy option, expected JSON as the Rust test renders our decode).
def mnid(s):
    return MIP6OptMNID(id=s.encode()), {"type": 8, "subtype": 1, "id": s.encode().hex()}


def hnp(prefix, plen):
    return OptHNP(prefix=prefix, plen=plen), {"type": 22, "prefix_len": plen, "prefix": prefix}


def hi(v):
    return OptHI(hi=v), {"type": 23, "value": v}


def att(v):
    return OptATT(att=v), {"type": 24, "value": v}


def mnllid(b):
    return OptMNLLID(lli=b), {"type": 25, "id": b.hex()}


def lla(a):
    return OptLLA(lla=a), {"type": 26, "address": a}


def ts(v):
    return OptTimestamp(ts=v), {"type": 27, "value": v}


def gre(key):
    if key is None:
        return OptGRENoKey(), {"type": 33, "key": None}
    return OptGREKey(key=key), {"type": 33, "key": key}


def hoa_req(plen, addr):
    return OptIPv4HoAReq(plen=plen, addr=addr), {"type": 36, "prefix_len": plen, "address": addr}


def hoa_reply(status, plen, addr):
    return (OptIPv4HoAReply(status=status, plen=plen, addr=addr),
            {"type": 37, "status": status, "prefix_len": plen, "address": addr})


def dra(addr):
    return OptIPv4DRA(addr=addr), {"type": 38, "address": addr}


def altcoa(a):
    return MIP6OptAltCoA(acoa=a), {"type": 3, "address": a}


def vendor(vid, sub, data):
    return (OptVendor(vendor=vid, subtype=sub, data=data),
            {"type": 19, "vendor_id": vid, "subtype": sub, "data": data.hex()})


def unknown(t, data):
    return OptUnknown(otype=t, data=data), {"type": t, "data": data.hex()}


BU_FLAGS = {"A": 0x8000, "H": 0x4000, "L": 0x2000, "K": 0x1000, "M": 0x0800, "R": 0x0400,
            "P": 0x0200}
BU_EXT = {"F": 0x100, "T": 0x080, "B": 0x040}  # scapy's 9-bit `reserved` field


def bu(name, seq, flags, lifetime, opts, src=MAG, dst=LMA, ext=""):
    mh = MIP6MH_BU(seq=seq, flags=flags, mhtime=lifetime,
                   reserved=sum(BU_EXT[f] for f in ext), options=[o for o, _ in opts])
    pkt = IPv6(src=src, dst=dst) / mh
    word = sum(BU_FLAGS[f] for f in flags) | sum(BU_EXT[f] for f in ext)
    return {"name": name, "src": src, "dst": dst, "mh_hex": raw(pkt)[40:].hex(),
            "expect": {"mh_type": 5, "sequence": seq, "flags": word, "lifetime": lifetime,
                       "options": [e for _, e in opts]}}


BA_FLAGS = {"K": 0x80, "R": 0x40, "P": 0x20}
BA_EXT = {"T": 0x10, "B": 0x08}  # scapy's 5-bit `res2` field holds the octet's low 5 bits


def ba(name, status, flags, seq, lifetime, opts, src=LMA, dst=MAG, ext=""):
    res2 = sum(BA_EXT[f] for f in ext)
    mh = MIP6MH_BA(status=status, flags=flags, res2=res2, seq=seq, mhtime=lifetime,
                   options=[o for o, _ in opts])
    pkt = IPv6(src=src, dst=dst) / mh
    octet = sum(BA_FLAGS[f] for f in flags) | sum(BA_EXT[f] for f in ext)
    return {"name": name, "src": src, "dst": dst, "mh_hex": raw(pkt)[40:].hex(),
            "expect": {"mh_type": 6, "status": status, "flags": octet, "sequence": seq,
                       "lifetime": lifetime, "options": [e for _, e in opts]}}


def cases():
    mac = bytes.fromhex("001122334455")
    yield bu("pbu-initial", 1000, "AP", 900,
             [mnid("mn1@example.org"), hnp("::", 0), hi(1), att(4), mnllid(mac), lla("::"),
              ts(TS), gre(0x1234), hoa_req(0, "0.0.0.0")])
    yield bu("pbu-rereg", 1001, "AP", 900,
             [mnid("mn1@example.org"), hnp("2001:db8:1:1::", 64), hi(5), att(4),
              mnllid(mac), ts(TS + 65536)])
    yield bu("pbu-dereg", 1002, "AP", 0,
             [mnid("mn1@example.org"), hnp("2001:db8:1:1::", 64), hi(4), att(4), ts(TS + 2)])
    yield bu("pbu-ftb-grenokey", 7, "AP", 60,
             [mnid("mn2@example.org"), hnp("::", 0), hi(1), att(3), gre(None)], ext="FTB")
    yield bu("pbu-vendor-unknown", 8, "AP", 30,
             [mnid("mn3@example.org"), unknown(200, b"\x01\x02\x03"), hnp("::", 0),
              vendor(32473, 1, b"lab"), hi(1), att(1)])
    yield bu("mipv6-bu-altcoa", 9, "AH", 100, [altcoa("2001:db8:c0a::5")],
             src="2001:db8:c0a::5", dst=LMA)
    yield ba("pba-accept", 0, "P", 1000, 900,
             [mnid("mn1@example.org"), hnp("2001:db8:1:1::", 64), hi(1), att(4),
              mnllid(mac), lla("fe80::1"), ts(TS), gre(0xabcd),
              hoa_reply(0, 24, "10.0.0.5"), dra("10.0.0.1")])
    yield ba("pba-reject-158", 158, "P", 1001, 0,
             [mnid("mn1@example.org"), hnp("::", 0), hi(1), att(4)])
    yield ba("pba-tlv-bulk", 0, "KP", 12, 450,
             [mnid("mn2@example.org"), hnp("2001:db8:2::", 64), hnp("2001:db8:3::", 64),
              hi(1), att(3), gre(None)], ext="TB")
    rng = random.Random(5213)
    for i in range(20):
        nprefix = rng.randint(1, 3)
        opts = [mnid("mn%d@%s.example" % (rng.randint(0, 99999), "x" * rng.randint(1, 30)))]
        for _ in range(nprefix):
            opts.append(hnp("2001:db8:%x:%x::" % (rng.randint(0, 0xffff), rng.randint(0, 0xffff)),
                            rng.choice([48, 56, 64])))
        opts += [hi(rng.randint(1, 5)), att(rng.randint(1, 5))]
        if rng.random() < 0.5:
            opts.append(mnllid(bytes(rng.randint(0, 255) for _ in range(rng.choice([6, 8])))))
        if rng.random() < 0.5:
            opts.append(lla(rng.choice(["::", "fe80::%x" % rng.randint(1, 0xffff)])))
        if rng.random() < 0.7:
            opts.append(ts(rng.randint(0, 2**64 - 1)))
        if rng.random() < 0.3:
            opts.append(gre(rng.choice([None, rng.randint(0, 2**32 - 1)])))
        rng.shuffle(opts)
        if rng.random() < 0.5:
            yield bu("pbu-random-%d" % i, rng.randint(0, 65535), "AP", rng.randint(0, 65535), opts)
        else:
            yield ba("pba-random-%d" % i, rng.choice([0, 128, 153, 155, 157]), "P",
                     rng.randint(0, 65535), rng.randint(0, 65535), opts)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "w") as out:
        n = 0
        for case in cases():
            out.write(json.dumps(case, sort_keys=True) + "\n")
            n += 1
    print("wrote %d scapy-built messages to %s" % (n, sys.argv[1]))


if __name__ == "__main__":
    main()
