//! Building Ethernet/IPv6 test and benchmark frames with `smoltcp::wire` emitters.
//!
//! Not used on the hot path (it allocates); the pipeline tests, the benchmarks and the traffic
//! generator use it to craft packets.

use core::net::Ipv6Addr;

use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, Icmpv6Message, Icmpv6Packet, IpAddress,
    IpProtocol, Ipv6Packet, UdpPacket,
};

use crate::wire::{ETH_HDR_LEN, IPV6_HDR_LEN};

/// UDP header length.
pub const UDP_HDR_LEN: usize = 8;

/// Addresses and header fields of a frame to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSpec {
    /// Ethernet destination.
    pub dst_mac: [u8; 6],
    /// Ethernet source.
    pub src_mac: [u8; 6],
    /// IPv6 source.
    pub src: Ipv6Addr,
    /// IPv6 destination.
    pub dst: Ipv6Addr,
    /// Hop Limit.
    pub hop_limit: u8,
    /// Traffic Class.
    pub traffic_class: u8,
    /// Flow Label (20 bits).
    pub flow_label: u32,
}

impl FrameSpec {
    /// A frame from `src` to `dst`, hop limit 64, locally administered MACs.
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr) -> Self {
        Self {
            dst_mac: [0x02, 0, 0, 0, 0, 0xd1],
            src_mac: [0x02, 0, 0, 0, 0, 0x51],
            src,
            dst,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
    }

    /// With another hop limit.
    pub fn hop_limit(mut self, h: u8) -> Self {
        self.hop_limit = h;
        self
    }

    /// With traffic class and flow label.
    pub fn qos(mut self, traffic_class: u8, flow_label: u32) -> Self {
        self.traffic_class = traffic_class;
        self.flow_label = flow_label & 0xF_FFFF;
        self
    }

    /// `[eth | IPv6 (next_header) | payload]`.
    pub fn raw(&self, next_header: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; ETH_HDR_LEN + IPV6_HDR_LEN + payload.len()];
        {
            let mut eth = EthernetFrame::new_unchecked(&mut f[..]);
            eth.set_dst_addr(EthernetAddress(self.dst_mac));
            eth.set_src_addr(EthernetAddress(self.src_mac));
            eth.set_ethertype(EthernetProtocol::Ipv6);
        }
        let mut ip = Ipv6Packet::new_unchecked(&mut f[ETH_HDR_LEN..]);
        ip.set_version(6);
        ip.set_traffic_class(self.traffic_class);
        ip.set_flow_label(self.flow_label);
        ip.set_payload_len(u16::try_from(payload.len()).unwrap_or(u16::MAX));
        ip.set_next_header(IpProtocol::from(next_header));
        ip.set_hop_limit(self.hop_limit);
        ip.set_src_addr(self.src);
        ip.set_dst_addr(self.dst);
        ip.payload_mut().copy_from_slice(payload);
        f
    }

    /// A UDP datagram with a valid checksum.
    pub fn udp(&self, src_port: u16, dst_port: u16, data: &[u8]) -> Vec<u8> {
        let mut seg = vec![0u8; UDP_HDR_LEN + data.len()];
        {
            let mut u = UdpPacket::new_unchecked(&mut seg[..]);
            u.set_src_port(src_port);
            u.set_dst_port(dst_port);
            u.set_len(u16::try_from(UDP_HDR_LEN + data.len()).unwrap_or(u16::MAX));
            u.payload_mut().copy_from_slice(data);
            u.fill_checksum(&IpAddress::Ipv6(self.src), &IpAddress::Ipv6(self.dst));
        }
        self.raw(17, &seg)
    }

    /// An ICMPv6 message (type, code, then `body` after the 4-octet header) with a valid
    /// checksum.
    pub fn icmpv6(&self, msg_type: u8, code: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![0u8; 4 + body.len()];
        m[4..].copy_from_slice(body);
        {
            let mut p = Icmpv6Packet::new_unchecked(&mut m[..]);
            p.set_msg_type(Icmpv6Message::from(msg_type));
            p.set_msg_code(code);
            p.fill_checksum(&self.src, &self.dst);
        }
        self.raw(58, &m)
    }

    /// The same frame tunnelled: `[eth | outer IPv6 (41 or 47) | (GRE) | inner IPv6...]` where
    /// `inner` is a frame from one of the builders (its Ethernet header is dropped).
    pub fn tunnel(&self, inner: &[u8], gre_key: Option<Option<u32>>) -> Vec<u8> {
        let inner_ip = inner.get(ETH_HDR_LEN..).unwrap_or(&[]);
        match gre_key {
            None => self.raw(41, inner_ip),
            Some(key) => {
                let g = crate::wire::gre::Repr {
                    protocol: crate::wire::gre::PROTOCOL_IPV6,
                    key,
                    seq: None,
                    checksum_present: false,
                };
                let mut p = vec![0u8; g.header_len() + inner_ip.len()];
                // The buffer is sized for the header, so emit cannot fail.
                if g.emit(&mut p).is_ok() {
                    p[g.header_len()..].copy_from_slice(inner_ip);
                }
                self.raw(47, &p)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_frame_checks_out_with_smoltcp() {
        let s = FrameSpec::new(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        let f = s.udp(1000, 2000, &[1, 2, 3]);
        let ip = Ipv6Packet::new_checked(&f[ETH_HDR_LEN..]).unwrap();
        assert_eq!(ip.next_header(), IpProtocol::Udp);
        let u = UdpPacket::new_checked(ip.payload()).unwrap();
        assert!(u.verify_checksum(&IpAddress::Ipv6(s.src), &IpAddress::Ipv6(s.dst)));
        assert_eq!(u.dst_port(), 2000);
    }

    #[test]
    fn icmpv6_frame_checks_out_with_smoltcp() {
        let s = FrameSpec::new("fe80::1".parse().unwrap(), "ff02::2".parse().unwrap());
        let f = s.icmpv6(133, 0, &[0; 4]);
        let ip = Ipv6Packet::new_checked(&f[ETH_HDR_LEN..]).unwrap();
        let m = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        assert!(m.verify_checksum(&s.src, &s.dst));
        assert_eq!(m.msg_type(), Icmpv6Message::RouterSolicit);
    }
}
