#!/usr/bin/env python3
"""Fault injection for the lab, from a host on the LMA–MAG link (scapy builds
the frames, an encoder we did not write):

  rogue.py pbu   IFACE SRC LMA LMA_MAC   one PBU from a MAG outside allowed_mags
  rogue.py flood IFACE SRC LMA LMA_MAC N  N malformed Mobility Headers (bounded)

The malformed ones are valid IPv6 carrying a broken Mobility Header (bad
checksum, Payload Proto not 59, Header Len below the minimum, an option running
past the end), so they reach the LMA's signaling and must be counted and
dropped there (RFC 6275 §9.2) without disturbing anything else.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
from scapy.all import Ether, IPv6, Raw, raw, sendp  # noqa: E402
from scapy.layers.inet6 import MIP6MH_BU, MIP6OptMNID  # noqa: E402

import scapy_pbu as s  # noqa: E402  (PMIPv6 option classes with RFC alignment)


def pbu(src, dst, mn_id):
    ts = (int(time.time() * 65536)) & ((1 << 64) - 1)
    opts = [MIP6OptMNID(id=mn_id.encode()), s.OptHNP(prefix="::", plen=0), s.OptHI(hi=1),
            s.OptATT(att=3), s.OptMNLLID(lli=bytes.fromhex("02000000bad1")),
            s.OptTimestamp(ts=ts)]
    return IPv6(src=src, dst=dst) / MIP6MH_BU(seq=7, flags="AP", mhtime=100, options=opts)


def malformed(src, dst, i):
    good = raw(pbu(src, dst, "flood@mobgw"))[40:]
    kind = i % 4
    mh = bytearray(good)
    if kind == 0:
        mh[4] ^= 0xFF  # checksum
    elif kind == 1:
        mh[0] = 6  # Payload Proto must be 59
    elif kind == 2:
        mh = mh[:8]
        mh[1] = 0  # Header Len 0 is below a BU's minimum
    else:
        mh[12] = 8
        mh[13] = 250  # MN-ID option Length runs past the end
    return IPv6(src=src, dst=dst, nh=135) / Raw(bytes(mh))


def main():
    cmd, iface, src, lma, lma_mac = sys.argv[1:6]
    eth = Ether(dst=lma_mac)
    if cmd == "pbu":
        sendp(eth / pbu(src, lma, "rogue@mobgw"), iface=iface, verbose=False)
        print("rogue: sent 1 PBU from", src)
    elif cmd == "flood":
        n = min(int(sys.argv[6]), 100000)
        frames = [eth / malformed(src, lma, i) for i in range(n)]
        sendp(frames, iface=iface, verbose=False)
        print(f"rogue: sent {n} malformed Mobility Headers")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
