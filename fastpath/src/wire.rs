//! Fixed-offset header access and the tunnel codecs of the data plane.
//!
//! Ethernet and IPv6 are read in place through `smoltcp::wire` views (no copies, no allocation).
//! GRE (RFC 2784 with the key and sequence extensions of RFC 2890, as PMIPv6 uses it per RFC 5845)
//! has no smoltcp codec, so it is written here in the same `Packet`/`Repr` style.

use core::net::Ipv6Addr;

use smoltcp::wire::{EthernetFrame, EthernetProtocol, IpProtocol, Ipv6Packet};

use crate::packet::{PacketBuf, PacketError};

/// Length of an untagged Ethernet II header.
pub const ETH_HDR_LEN: usize = 14;
/// Offset of the EtherType in an Ethernet II header.
pub const ETH_TYPE: usize = 12;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86DD;
/// Length of the fixed IPv6 header (RFC 8200 §3).
pub const IPV6_HDR_LEN: usize = 40;
/// Offset of the Hop Limit in the IPv6 header.
pub const IPV6_HOP_LIMIT: usize = 7;
/// IPv6 minimum link MTU (RFC 8200 §5).
pub const IPV6_MIN_MTU: usize = 1280;

/// IPv6-in-IPv6 (RFC 2473) next-header value.
pub const PROTO_IPV6: u8 = 41;
/// GRE protocol number.
pub const PROTO_GRE: u8 = 47;
/// Mobility Header protocol number (RFC 6275 §6.1).
pub const PROTO_MOBILITY: u8 = 135;
/// UDP port of Mobile IPv6 signaling over UDP (RFC 5844 §7.2.1).
pub const UDP_PORT_PMIP6: u16 = 5436;

/// Errors of the wire codecs; malformed input is an error, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The buffer is shorter than the header it claims to hold.
    #[error("truncated header")]
    Truncated,
    /// A field holds a value this codec does not accept.
    #[error("malformed header")]
    Malformed,
    /// RFC 6040 §4.2: outer CE on a Not-ECT inner packet; the decapsulator must drop it.
    #[error("congestion experienced on a not-ECN-capable inner packet")]
    EcnNotEct,
    /// A buffer adjustment failed (not enough head-room).
    #[error(transparent)]
    Buffer(#[from] PacketError),
}

/// GRE header, RFC 2784 §2.1 with RFC 2890 §2 extensions:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |C| |K|S| Reserved0       | Ver |         Protocol Type         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Checksum (optional)      |       Reserved1 (Optional)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Key (optional)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Sequence Number (Optional)                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
pub mod gre {
    use super::WireError;

    /// Offset of the flags/version word.
    pub const FLAGS: usize = 0;
    /// Offset of the Protocol Type.
    pub const PROTOCOL: usize = 2;
    /// Length of the mandatory part.
    pub const BASE_LEN: usize = 4;
    /// Checksum Present (RFC 2784 §2.5).
    pub const FLAG_C: u16 = 0x8000;
    /// Routing Present of RFC 1701; RFC 2784 §2.3 requires receivers to discard when set.
    pub const FLAG_R: u16 = 0x4000;
    /// Key Present (RFC 2890 §2.1).
    pub const FLAG_K: u16 = 0x2000;
    /// Sequence Number Present (RFC 2890 §2.1).
    pub const FLAG_S: u16 = 0x1000;
    /// Reserved0 bits 5-12 plus the strict-source-route and recursion bits of RFC 1701.
    pub const RESERVED0: u16 = 0x0FF8;
    /// The Version field (RFC 2784 §2.3.1: MUST be 0).
    pub const VERSION: u16 = 0x0007;
    /// Protocol Type of an IPv6 payload (the EtherType).
    pub const PROTOCOL_IPV6: u16 = super::ETHERTYPE_IPV6;
    /// Header length with a key and nothing else, as PMIPv6 sends it (RFC 5845 §5.1).
    pub const KEYED_LEN: usize = 8;

    /// A read-only/read-write view of a GRE header.
    #[derive(Debug, Clone, Copy)]
    pub struct Packet<T: AsRef<[u8]>> {
        buffer: T,
    }

    impl<T: AsRef<[u8]>> Packet<T> {
        /// Wrap a buffer without checks.
        pub const fn new_unchecked(buffer: T) -> Self {
            Self { buffer }
        }

        /// Wrap a buffer, checking it holds every optional field the flags announce.
        pub fn new_checked(buffer: T) -> Result<Self, WireError> {
            let p = Self::new_unchecked(buffer);
            p.check_len()?;
            Ok(p)
        }

        /// Check the buffer holds the header including the optional fields.
        pub fn check_len(&self) -> Result<(), WireError> {
            let len = self.buffer.as_ref().len();
            if len < BASE_LEN || len < self.header_len() {
                return Err(WireError::Truncated);
            }
            Ok(())
        }

        fn flags(&self) -> u16 {
            let b = self.buffer.as_ref();
            u16::from_be_bytes([b[FLAGS], b[FLAGS + 1]])
        }

        /// Checksum Present.
        pub fn checksum_present(&self) -> bool {
            self.flags() & FLAG_C != 0
        }
        /// Key Present.
        pub fn key_present(&self) -> bool {
            self.flags() & FLAG_K != 0
        }
        /// Sequence Number Present.
        pub fn seq_present(&self) -> bool {
            self.flags() & FLAG_S != 0
        }
        /// The Version field.
        pub fn version(&self) -> u8 {
            (self.flags() & VERSION) as u8
        }
        /// The Protocol Type.
        pub fn protocol(&self) -> u16 {
            let b = self.buffer.as_ref();
            u16::from_be_bytes([b[PROTOCOL], b[PROTOCOL + 1]])
        }

        /// Header length implied by the flags.
        pub fn header_len(&self) -> usize {
            let b = self.buffer.as_ref();
            if b.len() < BASE_LEN {
                return BASE_LEN;
            }
            BASE_LEN
                + 4 * usize::from(self.checksum_present())
                + 4 * usize::from(self.key_present())
                + 4 * usize::from(self.seq_present())
        }

        fn key_offset(&self) -> usize {
            BASE_LEN + 4 * usize::from(self.checksum_present())
        }

        /// The Key field, when present (RFC 2890 §2.1).
        pub fn key(&self) -> Option<u32> {
            if !self.key_present() {
                return None;
            }
            let o = self.key_offset();
            let b = self.buffer.as_ref();
            Some(u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]))
        }

        /// The Sequence Number field, when present (RFC 2890 §2.2).
        pub fn seq(&self) -> Option<u32> {
            if !self.seq_present() {
                return None;
            }
            let o = self.key_offset() + 4 * usize::from(self.key_present());
            let b = self.buffer.as_ref();
            Some(u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]))
        }

        /// Reserved bits that make RFC 2784 §2.3 receivers discard the packet.
        pub fn has_must_discard_bits(&self) -> bool {
            self.flags() & (FLAG_R | RESERVED0 | VERSION) != 0
        }
    }

    /// A parsed GRE header. The checksum is never generated; on receipt it is skipped (the inner
    /// IPv6 packet's upper layers carry their own checksums).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Repr {
        /// The Protocol Type (EtherType of the payload).
        pub protocol: u16,
        /// The Key, RFC 2890 §2.1; in PMIPv6 the per-session GRE key of RFC 5845 §5.
        pub key: Option<u32>,
        /// The Sequence Number, RFC 2890 §2.2.
        pub seq: Option<u32>,
        /// Whether a checksum field was present.
        pub checksum_present: bool,
    }

    impl Repr {
        /// Parse a checked packet; reserved bits or a non-zero version are malformed.
        pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Self, WireError> {
            p.check_len()?;
            if p.has_must_discard_bits() {
                return Err(WireError::Malformed);
            }
            Ok(Self {
                protocol: p.protocol(),
                key: p.key(),
                seq: p.seq(),
                checksum_present: p.checksum_present(),
            })
        }

        /// Length of the header this repr emits (never a checksum).
        pub const fn header_len(&self) -> usize {
            BASE_LEN
                + if self.key.is_some() { 4 } else { 0 }
                + if self.seq.is_some() { 4 } else { 0 }
        }

        /// Write the header into the front of `buf` (at least `header_len()` bytes).
        pub fn emit(&self, buf: &mut [u8]) -> Result<(), WireError> {
            if buf.len() < self.header_len() {
                return Err(WireError::Truncated);
            }
            let mut flags = 0u16;
            if self.key.is_some() {
                flags |= FLAG_K;
            }
            if self.seq.is_some() {
                flags |= FLAG_S;
            }
            buf[FLAGS..FLAGS + 2].copy_from_slice(&flags.to_be_bytes());
            buf[PROTOCOL..PROTOCOL + 2].copy_from_slice(&self.protocol.to_be_bytes());
            let mut o = BASE_LEN;
            if let Some(k) = self.key {
                buf[o..o + 4].copy_from_slice(&k.to_be_bytes());
                o += 4;
            }
            if let Some(s) = self.seq {
                buf[o..o + 4].copy_from_slice(&s.to_be_bytes());
            }
            Ok(())
        }
    }
}

/// How a tunnel carries the inner IPv6 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encap {
    /// IPv6-in-IPv6, RFC 2473 (next header 41); PMIPv6's default (RFC 5213 §5.6.1).
    Ip6Ip6,
    /// GRE, RFC 2784/2890, negotiated per binding with RFC 5845; `key` is the key sent in this
    /// direction (None: GRE without key, the option with Len 2).
    Gre {
        /// The GRE key placed in transmitted packets.
        key: Option<u32>,
    },
}

impl Encap {
    /// Bytes the tunnel headers add to the inner packet.
    pub const fn overhead(&self) -> usize {
        match self {
            Encap::Ip6Ip6 => IPV6_HDR_LEN,
            Encap::Gre { key: None } => IPV6_HDR_LEN + gre::BASE_LEN,
            Encap::Gre { key: Some(_) } => IPV6_HDR_LEN + gre::KEYED_LEN,
        }
    }
}

/// The outer header of one encapsulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelHeader {
    /// Tunnel entry point (LMAA or Proxy-CoA).
    pub src: Ipv6Addr,
    /// Tunnel exit point.
    pub dst: Ipv6Addr,
    /// Outer Hop Limit (RFC 2473 §6.3: the tunnel entry point's configured value).
    pub hop_limit: u8,
    /// IPv6-in-IPv6 or GRE.
    pub encap: Encap,
}

/// Encapsulate the IPv6 packet of an Ethernet frame (`[eth | inner]` becomes
/// `[eth | outer IPv6 | (GRE) | inner]`). The Ethernet addresses are kept (the caller rewrites
/// them); the EtherType is IPv6.
///
/// Outer traffic class is copied from the inner header (RFC 2473 §6.5 / RFC 6040 normal mode);
/// the outer flow label is copied from the inner one, so tunnelled flows keep their ECMP entropy
/// (RFC 6438 §3 allows any value stable per flow).
pub fn encapsulate<P: PacketBuf>(pkt: &mut P, hdr: &TunnelHeader) -> Result<(), WireError> {
    let inner_len = pkt
        .len()
        .checked_sub(ETH_HDR_LEN)
        .ok_or(WireError::Truncated)?;
    let (tc, fl) = {
        let inner = Ipv6Packet::new_checked(&pkt.data()[ETH_HDR_LEN..])
            .map_err(|_| WireError::Truncated)?;
        (inner.traffic_class(), inner.flow_label())
    };
    let (next_header, gre_repr) = match hdr.encap {
        Encap::Ip6Ip6 => (PROTO_IPV6, None),
        Encap::Gre { key } => (
            PROTO_GRE,
            Some(gre::Repr {
                protocol: gre::PROTOCOL_IPV6,
                key,
                seq: None,
                checksum_present: false,
            }),
        ),
    };
    let n = hdr.encap.overhead();
    let payload_len =
        u16::try_from(inner_len + n - IPV6_HDR_LEN).map_err(|_| WireError::Malformed)?;
    pkt.prepend(n)?;
    let data = pkt.data_mut();
    // Old Ethernet header now sits at [n..n + 14]: keep its addresses, then write the headers.
    data.copy_within(n..n + ETH_TYPE, 0);
    data[ETH_TYPE..ETH_HDR_LEN].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    let mut outer = Ipv6Packet::new_unchecked(&mut data[ETH_HDR_LEN..]);
    outer.set_version(6);
    outer.set_traffic_class(tc);
    outer.set_flow_label(fl);
    outer.set_payload_len(payload_len);
    outer.set_next_header(IpProtocol::from(next_header));
    outer.set_hop_limit(hdr.hop_limit);
    outer.set_src_addr(hdr.src);
    outer.set_dst_addr(hdr.dst);
    if let Some(g) = gre_repr {
        g.emit(&mut data[ETH_HDR_LEN + IPV6_HDR_LEN..])?;
    }
    Ok(())
}

/// What [`parse_tunnel`] found in front of an inner packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelInfo {
    /// Outer source (the remote tunnel end).
    pub outer_src: Ipv6Addr,
    /// IPv6-in-IPv6 or GRE, with the received key.
    pub encap: Encap,
    /// Offset of the inner IPv6 header in the frame.
    pub inner_offset: usize,
    /// Length of the inner IPv6 packet (header plus payload, from its Payload Length).
    pub inner_len: usize,
    /// ECN field of the outer header (RFC 3168 §5), combined into the inner on decapsulation.
    pub outer_ecn: u8,
}

/// ECN codepoints (RFC 3168 §5).
pub mod ecn {
    /// Not ECN-Capable Transport.
    pub const NOT_ECT: u8 = 0b00;
    /// ECN-Capable Transport (1).
    pub const ECT1: u8 = 0b01;
    /// ECN-Capable Transport (0).
    pub const ECT0: u8 = 0b10;
    /// Congestion Experienced.
    pub const CE: u8 = 0b11;
    /// Mask of the ECN bits in the Traffic Class.
    pub const MASK: u8 = 0b11;
}

/// RFC 6040 §4.2 decapsulation table: the inner ECN field after decapsulation, or `None` when
/// the packet must be dropped (outer CE, inner Not-ECT).
pub const fn ecn_decapsulate(inner: u8, outer: u8) -> Option<u8> {
    match (inner & ecn::MASK, outer & ecn::MASK) {
        (ecn::NOT_ECT, ecn::CE) => None,
        (ecn::NOT_ECT, _) => Some(ecn::NOT_ECT),
        (_, ecn::CE) => Some(ecn::CE),
        (ecn::ECT0, ecn::ECT1) => Some(ecn::ECT1),
        (i, _) => Some(i),
    }
}

/// Parse the tunnel headers of a frame `[eth | outer IPv6 | (GRE) | inner IPv6]` whose outer
/// next header is 41 or 47, and validate the inner IPv6 header.
pub fn parse_tunnel(frame: &[u8]) -> Result<TunnelInfo, WireError> {
    let outer_bytes = frame.get(ETH_HDR_LEN..).ok_or(WireError::Truncated)?;
    let outer = Ipv6Packet::new_checked(outer_bytes).map_err(|_| WireError::Truncated)?;
    let payload = outer.payload();
    let (encap, hdr_len) = match u8::from(outer.next_header()) {
        PROTO_IPV6 => (Encap::Ip6Ip6, 0),
        PROTO_GRE => {
            let g = gre::Repr::parse(&gre::Packet::new_checked(payload)?)?;
            if g.protocol != gre::PROTOCOL_IPV6 {
                return Err(WireError::Malformed);
            }
            let len = gre::Packet::new_unchecked(payload).header_len();
            (Encap::Gre { key: g.key }, len)
        }
        _ => return Err(WireError::Malformed),
    };
    let inner_bytes = payload.get(hdr_len..).ok_or(WireError::Truncated)?;
    let inner = Ipv6Packet::new_checked(inner_bytes).map_err(|_| WireError::Truncated)?;
    if inner.version() != 6 {
        return Err(WireError::Malformed);
    }
    Ok(TunnelInfo {
        outer_src: outer.src_addr(),
        encap,
        inner_offset: ETH_HDR_LEN + IPV6_HDR_LEN + hdr_len,
        inner_len: inner.total_len(),
        outer_ecn: outer.traffic_class() & ecn::MASK,
    })
}

/// Strip the tunnel headers found by [`parse_tunnel`]: `[eth | outer | (GRE) | inner | pad]`
/// becomes `[eth | inner]`, keeping the Ethernet addresses and dropping any trailing bytes
/// beyond the inner packet (Ethernet padding, or bytes past the outer Payload Length). The outer
/// ECN field is combined into the inner one per RFC 6040 §4.2 (normal mode).
pub fn decapsulate<P: PacketBuf>(pkt: &mut P, info: &TunnelInfo) -> Result<(), WireError> {
    let strip = info.inner_offset - ETH_HDR_LEN;
    let total = info.inner_offset + info.inner_len;
    let tail = pkt.len().checked_sub(total).ok_or(WireError::Truncated)?;
    {
        let data = pkt.data_mut();
        let inner = data
            .get_mut(info.inner_offset..)
            .ok_or(WireError::Truncated)?;
        let mut ip = Ipv6Packet::new_checked(inner).map_err(|_| WireError::Truncated)?;
        let tc = ip.traffic_class();
        let e = ecn_decapsulate(tc, info.outer_ecn).ok_or(WireError::EcnNotEct)?;
        ip.set_traffic_class((tc & !ecn::MASK) | e);
        data.copy_within(0..ETH_TYPE, strip);
    }
    pkt.adj(strip)?;
    pkt.trim(tail)?;
    let data = pkt.data_mut();
    data[ETH_TYPE..ETH_HDR_LEN].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    Ok(())
}

/// Write the Ethernet addresses of a frame.
pub fn rewrite_l2(frame: &mut [u8], dst: [u8; 6], src: [u8; 6]) {
    if frame.len() >= ETH_HDR_LEN {
        let mut eth = EthernetFrame::new_unchecked(frame);
        eth.set_dst_addr(smoltcp::wire::EthernetAddress(dst));
        eth.set_src_addr(smoltcp::wire::EthernetAddress(src));
        eth.set_ethertype(EthernetProtocol::Ipv6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::VecPacket;

    fn frame(payload: &[u8], hop_limit: u8, tc: u8, fl: u32) -> Vec<u8> {
        let mut f = vec![0u8; ETH_HDR_LEN + IPV6_HDR_LEN + payload.len()];
        f[0..6].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
        f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
        f[12..14].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
        let mut ip = Ipv6Packet::new_unchecked(&mut f[ETH_HDR_LEN..]);
        ip.set_version(6);
        ip.set_traffic_class(tc);
        ip.set_flow_label(fl);
        ip.set_payload_len(payload.len() as u16);
        ip.set_next_header(IpProtocol::Udp);
        ip.set_hop_limit(hop_limit);
        ip.set_src_addr("2001:db8::1".parse().unwrap());
        ip.set_dst_addr("2001:db8:1000::5".parse().unwrap());
        ip.payload_mut().copy_from_slice(payload);
        f
    }

    fn hdr(encap: Encap) -> TunnelHeader {
        TunnelHeader {
            src: "2001:db8:100::1".parse().unwrap(),
            dst: "2001:db8:100::2".parse().unwrap(),
            hop_limit: 64,
            encap,
        }
    }

    #[test]
    fn gre_key_sits_at_octets_4_to_7_with_k_bit() {
        // RFC 2890 §2: K is bit 2 of the first octet; without C the key follows the protocol type.
        let mut p = VecPacket::new(&frame(&[0xAA; 8], 10, 0, 0));
        encapsulate(
            &mut p,
            &hdr(Encap::Gre {
                key: Some(0x1234_5678),
            }),
        )
        .unwrap();
        let g = &p.data()[ETH_HDR_LEN + IPV6_HDR_LEN..];
        assert_eq!(&g[0..8], &[0x20, 0x00, 0x86, 0xDD, 0x12, 0x34, 0x56, 0x78]);
        let outer = Ipv6Packet::new_checked(&p.data()[ETH_HDR_LEN..]).unwrap();
        assert_eq!(u8::from(outer.next_header()), PROTO_GRE);
        assert_eq!(usize::from(outer.payload_len()), 8 + IPV6_HDR_LEN + 8);
    }

    #[test]
    fn gre_without_key_is_four_octets() {
        let mut p = VecPacket::new(&frame(&[1; 4], 10, 0, 0));
        encapsulate(&mut p, &hdr(Encap::Gre { key: None })).unwrap();
        let g = &p.data()[ETH_HDR_LEN + IPV6_HDR_LEN..];
        assert_eq!(&g[0..4], &[0x00, 0x00, 0x86, 0xDD]);
        assert_eq!(g[4] >> 4, 6, "inner IPv6 header follows directly");
    }

    #[test]
    fn outer_header_fields_follow_rfc2473() {
        let mut p = VecPacket::new(&frame(&[0; 16], 33, 0xB8, 0xABCDE));
        encapsulate(&mut p, &hdr(Encap::Ip6Ip6)).unwrap();
        let d = p.data();
        assert_eq!(&d[0..12], &[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
        let outer = Ipv6Packet::new_checked(&d[ETH_HDR_LEN..]).unwrap();
        assert_eq!(outer.hop_limit(), 64);
        assert_eq!(outer.traffic_class(), 0xB8);
        assert_eq!(outer.flow_label(), 0xABCDE);
        assert_eq!(u8::from(outer.next_header()), PROTO_IPV6);
        assert_eq!(usize::from(outer.payload_len()), IPV6_HDR_LEN + 16);
        assert_eq!(outer.src_addr(), hdr(Encap::Ip6Ip6).src);
        assert_eq!(outer.dst_addr(), hdr(Encap::Ip6Ip6).dst);
    }

    #[test]
    fn gre_parse_skips_checksum_and_reads_key_and_seq() {
        let mut b = [0u8; 16];
        b[0..2].copy_from_slice(&(gre::FLAG_C | gre::FLAG_K | gre::FLAG_S).to_be_bytes());
        b[2..4].copy_from_slice(&0x86DDu16.to_be_bytes());
        b[8..12].copy_from_slice(&7u32.to_be_bytes());
        b[12..16].copy_from_slice(&9u32.to_be_bytes());
        let p = gre::Packet::new_checked(&b[..]).unwrap();
        let r = gre::Repr::parse(&p).unwrap();
        assert_eq!(r.key, Some(7));
        assert_eq!(r.seq, Some(9));
        assert!(r.checksum_present);
        assert_eq!(p.header_len(), 16);
        assert_eq!(
            gre::Packet::new_checked(&b[..12]).unwrap_err(),
            WireError::Truncated
        );
    }

    #[test]
    fn gre_with_routing_bit_or_version_is_malformed() {
        for flags in [gre::FLAG_R, 0x0001, 0x0100] {
            let mut b = [0u8; 4];
            b[0..2].copy_from_slice(&flags.to_be_bytes());
            b[2..4].copy_from_slice(&0x86DDu16.to_be_bytes());
            let p = gre::Packet::new_checked(&b[..]).unwrap();
            assert_eq!(gre::Repr::parse(&p).unwrap_err(), WireError::Malformed);
        }
    }

    #[test]
    fn decap_drops_ethernet_padding() {
        let inner = frame(&[5; 2], 9, 0, 0);
        let mut p = VecPacket::new(&inner);
        encapsulate(&mut p, &hdr(Encap::Ip6Ip6)).unwrap();
        let mut padded = p.data().to_vec();
        padded.extend_from_slice(&[0; 6]);
        let mut q = VecPacket::new(&padded);
        let info = parse_tunnel(q.data()).unwrap();
        decapsulate(&mut q, &info).unwrap();
        assert_eq!(q.data(), &inner[..]);
    }

    #[test]
    fn ecn_decapsulation_follows_rfc6040_table() {
        use ecn::*;
        // Rows: inner; columns: outer Not-ECT, ECT(0), ECT(1), CE (RFC 6040 Figure 4).
        let table = [
            (NOT_ECT, [Some(NOT_ECT), Some(NOT_ECT), Some(NOT_ECT), None]),
            (ECT0, [Some(ECT0), Some(ECT0), Some(ECT1), Some(CE)]),
            (ECT1, [Some(ECT1), Some(ECT1), Some(ECT1), Some(CE)]),
            (CE, [Some(CE), Some(CE), Some(CE), Some(CE)]),
        ];
        for (inner, row) in table {
            for (outer, want) in [NOT_ECT, ECT0, ECT1, CE].into_iter().zip(row) {
                assert_eq!(ecn_decapsulate(inner, outer), want, "{inner} {outer}");
            }
        }
    }

    #[test]
    fn decap_marks_ce_and_drops_ce_on_not_ect() {
        let mut p = VecPacket::new(&frame(&[1; 4], 9, 0xB8 | ecn::ECT0, 0));
        encapsulate(&mut p, &hdr(Encap::Ip6Ip6)).unwrap();
        p.data_mut()[ETH_HDR_LEN + 1] |= ecn::CE << 4; // outer TC low bits live in octet 1
        let info = parse_tunnel(p.data()).unwrap();
        assert_eq!(info.outer_ecn, ecn::CE);
        decapsulate(&mut p, &info).unwrap();
        let inner = Ipv6Packet::new_checked(&p.data()[ETH_HDR_LEN..]).unwrap();
        assert_eq!(inner.traffic_class(), 0xB8 | ecn::CE);

        let mut q = VecPacket::new(&frame(&[1; 4], 9, 0xB8, 0));
        encapsulate(&mut q, &hdr(Encap::Ip6Ip6)).unwrap();
        q.data_mut()[ETH_HDR_LEN + 1] |= ecn::CE << 4;
        let info = parse_tunnel(q.data()).unwrap();
        assert_eq!(decapsulate(&mut q, &info), Err(WireError::EcnNotEct));
    }

    #[test]
    fn encap_without_headroom_fails_cleanly() {
        let f = frame(&[0; 4], 9, 0, 0);
        let mut p = VecPacket::with_headroom(10, &f);
        assert!(matches!(
            encapsulate(&mut p, &hdr(Encap::Ip6Ip6)),
            Err(WireError::Buffer(PacketError::NoHeadroom { .. }))
        ));
        assert_eq!(p.data(), &f[..]);
    }

    #[test]
    fn parse_tunnel_rejects_truncated_inner_and_foreign_protocols() {
        let mut p = VecPacket::new(&frame(&[0; 4], 9, 0, 0));
        encapsulate(&mut p, &hdr(Encap::Gre { key: Some(1) })).unwrap();
        let d = p.data().to_vec();
        for cut in [20, 54, 60, 70, d.len() - 1] {
            assert!(parse_tunnel(&d[..cut]).is_err(), "cut at {cut}");
        }
        let mut other = d.clone();
        other[ETH_HDR_LEN + IPV6_HDR_LEN + 2..ETH_HDR_LEN + IPV6_HDR_LEN + 4]
            .copy_from_slice(&0x0800u16.to_be_bytes());
        assert_eq!(parse_tunnel(&other).unwrap_err(), WireError::Malformed);
    }
}
