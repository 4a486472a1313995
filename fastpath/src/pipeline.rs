//! The per-burst forwarding pipeline: classify, look up, encapsulate or decapsulate, rewrite L2.
//!
//! One [`Pipeline`] per worker; it owns that worker's table replica and counters and is generic
//! over the packet buffer ([`PacketBuf`]) and the tables ([`FwdTables`]). Per packet it decides
//! [`Verdict::Tx`], [`Verdict::Punt`] or [`Verdict::Drop`]; the packet bytes are already rewritten
//! for transmission when the verdict is `Tx`. Nothing here allocates, locks or makes system
//! calls once the [`BurstResult`] has its capacity.
//!
//! Punted packets are left as they would be forwarded but without the hop-limit decrement: a
//! tunnel packet whose inner packet cannot be forwarded (hop limit, MTU) is punted decapsulated,
//! so the slowpath can answer the inner source with ICMPv6 (RFC 2473 §8).

use core::net::Ipv6Addr;

use bindings::{FwdAction, PeerId, PeerInfo, TunnelKind};
use smoltcp::wire::Ipv6Packet;

use crate::counters::{Action, DropReason, PuntReason, WorkerCounters};
use crate::packet::PacketBuf;
use crate::route::RouteTable;
use crate::tables::FwdTables;
use crate::wire::{
    decapsulate, encapsulate, parse_tunnel, rewrite_l2, Encap, TunnelHeader, TunnelInfo, WireError,
    ETHERTYPE_IPV6, ETH_HDR_LEN, ETH_TYPE, IPV6_HOP_LIMIT, IPV6_MIN_MTU, PROTO_GRE, PROTO_IPV6,
    PROTO_MOBILITY, UDP_PORT_PMIP6,
};

/// Packets are classified and looked up in chunks of this many (the replica's burst lookup
/// overlaps the memory reads of one chunk).
pub const CHUNK: usize = 32;

/// Default outer hop limit of our tunnels (RFC 2473 §6.3 leaves it to configuration; 64 is the
/// IANA default hop limit).
pub const DEFAULT_TUNNEL_HOP_LIMIT: u8 = 64;

/// The mobility role whose forwarding rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Local mobility anchor (and co-located home agent): downlink encapsulation by destination
    /// (RFC 5213 §5.6), uplink decapsulation with the §5.6.2 source check.
    Lma,
    /// Mobile access gateway: uplink encapsulation by source (RFC 5213 §6.10.5), downlink
    /// decapsulation and delivery on the access link.
    Mag,
}

/// One port as the pipeline needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortConfig {
    /// The port's MAC address (source of transmitted frames).
    pub mac: [u8; 6],
    /// The link MTU (IPv6 packet size, without the Ethernet header).
    pub mtu: u16,
}

/// MAG-only settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MagConfig {
    /// `EnableMAGLocalRouting` (RFC 5213 §6.10.3 and §9.2): deliver MN-to-MN traffic between two
    /// MNs attached here directly instead of through the LMA. Default off.
    pub local_routing: bool,
    /// The LMA address used for uplink of MNs whose binding is [`FwdAction::Local`] (no per-
    /// binding tunnel), with the tunnel kind to use toward it.
    pub lma: Option<(Ipv6Addr, TunnelKind)>,
}

/// What the pipeline of one worker needs to know about the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineConfig {
    /// The forwarding rules.
    pub role: Role,
    /// Unicast addresses of this node (LMAA / Proxy-CoA, port addresses, link-locals):
    /// control traffic to them is punted, tunnels to them are terminated.
    pub local_addrs: Vec<Ipv6Addr>,
    /// Outer source of the tunnels this node originates (LMAA or Proxy-CoA).
    pub tunnel_src: Ipv6Addr,
    /// Outer hop limit of the tunnels this node originates.
    pub tunnel_hop_limit: u8,
    /// Port settings, indexed by port id.
    pub ports: Vec<PortConfig>,
    /// Static and connected routes.
    pub routes: RouteTable,
    /// MAG settings (ignored for the LMA role).
    pub mag: MagConfig,
}

/// Invalid pipeline configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A route names a port that has no [`PortConfig`].
    #[error("route {prefix}/{len} uses port {port}, but only {ports} ports are configured")]
    RoutePort {
        /// The route's prefix.
        prefix: Ipv6Addr,
        /// The route's prefix length.
        len: u8,
        /// The port it names.
        port: u16,
        /// Ports configured.
        ports: usize,
    },
    /// A port MTU below the IPv6 minimum of 1280 (RFC 8200 §5).
    #[error("port {port} MTU {mtu} is below 1280")]
    Mtu {
        /// Port id.
        port: u16,
        /// The MTU given.
        mtu: u16,
    },
    /// The tunnel hop limit is zero.
    #[error("tunnel hop limit must be at least 1")]
    HopLimit,
}

/// The decision for one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transmit on `port` (the packet is rewritten; `PacketBuf::port` is set too).
    Tx {
        /// Egress port.
        port: u16,
        /// What was done (for counters).
        action: Action,
    },
    /// Hand to the slowpath.
    Punt(PuntReason),
    /// Free the packet.
    Drop(DropReason),
}

/// Verdicts of one burst, index-aligned with the packets.
#[derive(Debug, Clone, Default)]
pub struct BurstResult {
    verdicts: Vec<Verdict>,
}

impl BurstResult {
    /// Room for `burst` verdicts without reallocation.
    pub fn with_capacity(burst: usize) -> Self {
        Self {
            verdicts: Vec::with_capacity(burst),
        }
    }
    /// The verdicts, one per packet of the last burst.
    pub fn verdicts(&self) -> &[Verdict] {
        &self.verdicts
    }
    /// Number of verdicts.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }
    /// Forget the verdicts (capacity is kept).
    pub fn clear(&mut self) {
        self.verdicts.clear();
    }
}

/// The fixed fields of an IPv6 header the decisions need.
/// 8-aligned so the addresses are whole-word copies (an unaligned `[u8; 16]` is assembled from
/// narrow stores, which later wide loads cannot forward from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(align(8))]
struct Hdr {
    src: [u8; 16],
    dst: [u8; 16],
    hop_limit: u8,
    /// IPv6 header plus payload; the frame may be longer (Ethernet padding).
    ip_len: usize,
}

/// Result of classification, before any table lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Drop(DropReason),
    Punt(PuntReason),
    /// A native packet to forward.
    Transit(Hdr),
    /// A tunnel packet addressed to us; `inner` is the inner header (its addresses are the
    /// lookup keys).
    Tunnel {
        info: TunnelInfo,
        inner: Hdr,
    },
}

impl Default for Class {
    fn default() -> Self {
        Class::Drop(DropReason::Truncated)
    }
}

enum Outcome {
    Tx(u16, Action),
    Punt(PuntReason),
    Drop(DropReason),
}

impl From<WireError> for DropReason {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated => DropReason::Truncated,
            WireError::Malformed => DropReason::Malformed,
            WireError::EcnNotEct => DropReason::EcnNotEct,
            WireError::Buffer(_) => DropReason::NoHeadroom,
        }
    }
}

/// Extension headers walked (at most [`MAX_EXT_HEADERS`]) to find what a packet to us carries.
const EXT_HOP_BY_HOP: u8 = 0;
const EXT_ROUTING: u8 = 43;
const EXT_FRAGMENT: u8 = 44;
const EXT_DEST_OPTS: u8 = 60;
const MAX_EXT_HEADERS: usize = 4;
const PROTO_ICMPV6: u8 = 58;
const PROTO_UDP: u8 = 17;

fn is_multicast(a: &[u8; 16]) -> bool {
    a[0] == 0xff
}

fn is_link_local(a: &[u8; 16]) -> bool {
    a[0] == 0xfe && a[1] & 0xc0 == 0x80
}

/// The per-worker forwarding pipeline.
#[derive(Debug)]
pub struct Pipeline<T: FwdTables> {
    role: Role,
    local: Vec<u128>,
    tunnel_src: Ipv6Addr,
    tunnel_hop_limit: u8,
    ports: Vec<PortConfig>,
    routes: RouteTable,
    mag: MagConfig,
    tables: T,
    counters: WorkerCounters,
    scratch: Option<Box<Scratch>>,
    /// Tunnel egress per peer, resolved once and reused until the tables change.
    peer_routes: [PeerRoute; PEER_ROUTES],
    /// Bumped whenever the tables may have changed; older `peer_routes` entries are stale.
    epoch: u64,
}

/// Entries of the peer egress cache (direct-mapped by peer id).
const PEER_ROUTES: usize = 16;

/// A peer's tunnel endpoint with its egress port and next-hop MAC, valid in one `epoch`.
#[derive(Debug, Clone, Copy, Default)]
struct PeerRoute {
    epoch: u64,
    peer: PeerId,
    addr: [u8; 16],
    port: u16,
    dmac: [u8; 6],
}

/// Per-chunk working arrays of [`Pipeline::process_burst`], allocated once.
#[derive(Debug)]
struct Scratch {
    classes: [Class; CHUNK],
    keys: [[u8; 16]; CHUNK],
    found: [Option<FwdAction>; CHUNK],
    /// Index into `keys`/`found` of each packet's lookup, `usize::MAX` for none.
    slot: [usize; CHUNK],
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            classes: [Class::default(); CHUNK],
            keys: [[0; 16]; CHUNK],
            found: [None; CHUNK],
            slot: [usize::MAX; CHUNK],
        }
    }
}

impl<T: FwdTables> Pipeline<T> {
    /// A pipeline over `tables`, checking the configuration.
    pub fn new(cfg: PipelineConfig, tables: T) -> Result<Self, ConfigError> {
        if cfg.tunnel_hop_limit == 0 {
            return Err(ConfigError::HopLimit);
        }
        for (i, p) in cfg.ports.iter().enumerate() {
            if usize::from(p.mtu) < IPV6_MIN_MTU {
                return Err(ConfigError::Mtu {
                    port: i as u16,
                    mtu: p.mtu,
                });
            }
        }
        if let Some(r) = cfg
            .routes
            .iter()
            .find(|r| usize::from(r.next_hop.port) >= cfg.ports.len())
        {
            return Err(ConfigError::RoutePort {
                prefix: r.prefix(),
                len: r.prefix_len(),
                port: r.next_hop.port,
                ports: cfg.ports.len(),
            });
        }
        Ok(Self {
            role: cfg.role,
            local: cfg.local_addrs.iter().map(|a| u128::from(*a)).collect(),
            tunnel_src: cfg.tunnel_src,
            tunnel_hop_limit: cfg.tunnel_hop_limit,
            ports: cfg.ports,
            routes: cfg.routes,
            mag: cfg.mag,
            tables,
            counters: WorkerCounters::new(),
            scratch: Some(Box::default()),
            peer_routes: [PeerRoute::default(); PEER_ROUTES],
            // Entries start at epoch 0, so they are stale from the start.
            epoch: 1,
        })
    }

    /// The worker's tables.
    pub fn tables(&self) -> &T {
        &self.tables
    }
    /// The worker's tables, to apply updates between bursts (forgets cached resolutions).
    pub fn tables_mut(&mut self) -> &mut T {
        self.epoch += 1;
        &mut self.tables
    }
    /// Apply up to `max` queued table updates between bursts; returns how many were applied.
    /// Cached resolutions survive when there were none.
    pub fn apply_pending(&mut self, max: usize) -> usize {
        let n = self.tables.apply_pending(max);
        if n > 0 {
            self.epoch += 1;
        }
        n
    }
    /// The worker's counters.
    pub fn counters(&self) -> &WorkerCounters {
        &self.counters
    }
    /// The worker's counters, for the worker loop's own accounting.
    pub fn counters_mut(&mut self) -> &mut WorkerCounters {
        &mut self.counters
    }
    /// The static routes.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    /// Decide every packet of a burst; `out` gets one verdict per packet, in order. Packets with
    /// a `Tx` verdict are rewritten and have their port set.
    pub fn process_burst<P: PacketBuf>(&mut self, pkts: &mut [P], out: &mut BurstResult) {
        out.verdicts.clear();
        // The per-chunk arrays live in the pipeline (no per-burst initialization); taken out
        // for the burst so `self` stays borrowable.
        let mut s = self.scratch.take().unwrap_or_default();
        for chunk in pkts.chunks_mut(CHUNK) {
            // Pass 1: classify, pick the address whose binding decides the packet and start
            // reading its table slot while the next packets are classified.
            let mut n = 0;
            for ((pkt, cls), slot) in chunk
                .iter()
                .zip(s.classes.iter_mut())
                .zip(s.slot.iter_mut())
            {
                self.counters.rx(pkt.len());
                *cls = self.classify(pkt.data());
                *slot = usize::MAX;
                if let Some(k) = self.primary_key(cls) {
                    if let Some(key) = s.keys.get_mut(n) {
                        self.tables.prefetch_dst(&k);
                        *key = k;
                        *slot = n;
                        n += 1;
                    }
                }
            }
            // Pass 2: one overlapped lookup for the chunk.
            self.tables.lookup_burst(&s.keys[..n], &mut s.found[..n]);
            // Pass 3: act.
            for ((pkt, cls), &slot) in chunk.iter_mut().zip(s.classes.iter()).zip(s.slot.iter()) {
                let pre = s.found.get(slot).copied().flatten();
                let outcome = self.act(pkt, cls, pre);
                out.verdicts.push(self.account(pkt, outcome));
            }
        }
        self.scratch = Some(s);
        self.counters.burst();
    }

    /// Decide one packet (the same logic as [`Pipeline::process_burst`], without batching).
    pub fn process_one<P: PacketBuf>(&mut self, pkt: &mut P) -> Verdict {
        self.counters.rx(pkt.len());
        let c = self.classify(pkt.data());
        let pre = self
            .primary_key(&c)
            .and_then(|k| self.tables.lookup_dst(&k));
        let outcome = self.act(pkt, &c, pre);
        self.account(pkt, outcome)
    }

    fn account<P: PacketBuf>(&mut self, pkt: &mut P, o: Outcome) -> Verdict {
        match o {
            Outcome::Tx(port, action) => {
                pkt.set_port(port);
                self.counters.action(action, pkt.len());
                Verdict::Tx { port, action }
            }
            Outcome::Punt(r) => {
                self.counters.punt(r, pkt.len());
                Verdict::Punt(r)
            }
            Outcome::Drop(r) => {
                self.counters.drop_packet(r, pkt.len());
                Verdict::Drop(r)
            }
        }
    }

    /// The address looked up for the whole chunk: the destination of native LMA traffic, the
    /// inner source of LMA uplink (the §5.6.2 check), the source of native MAG traffic (MN
    /// uplink), the inner destination of MAG downlink.
    fn primary_key(&self, c: &Class) -> Option<[u8; 16]> {
        match (self.role, c) {
            (Role::Lma, Class::Transit(h)) => Some(h.dst),
            (Role::Mag, Class::Transit(h)) => Some(h.src),
            (Role::Lma, Class::Tunnel { inner, .. }) => Some(inner.src),
            (Role::Mag, Class::Tunnel { inner, .. }) => Some(inner.dst),
            _ => None,
        }
    }

    fn is_local(&self, a: &[u8; 16]) -> bool {
        let a = u128::from_be_bytes(*a);
        self.local.contains(&a)
    }

    /// Classify a frame without looking anything up. Inlined so the burst loop's result is
    /// written in place: a returned `Class` copied into the chunk array stalls on store
    /// forwarding (narrow field stores read back as 16-byte loads).
    #[inline(always)]
    fn classify(&self, frame: &[u8]) -> Class {
        if frame.len() < ETH_HDR_LEN {
            return Class::Drop(DropReason::Truncated);
        }
        if u16::from_be_bytes([frame[ETH_TYPE], frame[ETH_TYPE + 1]]) != ETHERTYPE_IPV6 {
            return Class::Drop(DropReason::NotIpv6);
        }
        let Ok(ip) = Ipv6Packet::new_checked(&frame[ETH_HDR_LEN..]) else {
            return Class::Drop(DropReason::Truncated);
        };
        if ip.version() != 6 {
            return Class::Drop(DropReason::Malformed);
        }
        let hdr = Hdr {
            src: addr_at(frame, ETH_HDR_LEN + IPV6_SRC),
            dst: addr_at(frame, ETH_HDR_LEN + IPV6_SRC + 16),
            hop_limit: ip.hop_limit(),
            ip_len: ip.total_len(),
        };
        let nh = u8::from(ip.next_header());
        let payload = ip.payload();
        if is_multicast(&hdr.dst) {
            // Only neighbor discovery is ours among multicast (RS to all-routers, NS to a
            // solicited-node group, RA/NA to all-nodes); multicast is not forwarded.
            return match upper_layer(nh, payload) {
                Upper::Icmpv6(t) if is_nd(t) => Class::Punt(PuntReason::NeighborDiscovery),
                _ => Class::Drop(DropReason::Multicast),
            };
        }
        if self.is_local(&hdr.dst) {
            return match nh {
                PROTO_IPV6 | PROTO_GRE => match parse_tunnel(frame) {
                    Ok(info) => {
                        // parse_tunnel checked the inner header is present.
                        let inner_bytes = &frame[info.inner_offset..];
                        let inner = Ipv6Packet::new_unchecked(inner_bytes);
                        Class::Tunnel {
                            info,
                            inner: Hdr {
                                src: addr_at(frame, info.inner_offset + IPV6_SRC),
                                dst: addr_at(frame, info.inner_offset + IPV6_SRC + 16),
                                hop_limit: inner.hop_limit(),
                                ip_len: info.inner_len,
                            },
                        }
                    }
                    Err(e) => Class::Drop(e.into()),
                },
                _ => match upper_layer(nh, payload) {
                    Upper::Mobility => Class::Punt(PuntReason::MobilityHeader),
                    Upper::Icmpv6(t) if is_nd(t) => Class::Punt(PuntReason::NeighborDiscovery),
                    Upper::Icmpv6(128 | 129) => Class::Punt(PuntReason::Echo),
                    Upper::Icmpv6(t) if t < 128 => Class::Punt(PuntReason::Icmpv6Error),
                    Upper::Udp(UDP_PORT_PMIP6) => Class::Punt(PuntReason::MobilityUdp),
                    Upper::Fragment => Class::Punt(PuntReason::Fragment),
                    Upper::Truncated => Class::Drop(DropReason::Truncated),
                    _ => Class::Drop(DropReason::UnhandledLocal),
                },
            };
        }
        // RFC 4291 §2.5.6: routers must not forward packets with link-local source or
        // destination.
        if is_link_local(&hdr.dst) || is_link_local(&hdr.src) {
            return Class::Drop(DropReason::ScopeViolation);
        }
        Class::Transit(hdr)
    }

    fn act<P: PacketBuf>(&mut self, pkt: &mut P, c: &Class, pre: Option<FwdAction>) -> Outcome {
        match c {
            Class::Drop(r) => Outcome::Drop(*r),
            Class::Punt(r) => Outcome::Punt(*r),
            Class::Transit(h) => match self.role {
                Role::Lma => self.lma_native(pkt, h, pre, false),
                Role::Mag => self.mag_native(pkt, h, pre),
            },
            Class::Tunnel { info, .. } => match self.role {
                Role::Lma => self.lma_uplink(pkt, info, pre),
                Role::Mag => self.mag_downlink(pkt, info, pre),
            },
        }
    }

    /// LMA downlink (RFC 5213 §5.6.1): destination bound → tunnel to its MAG; otherwise routed.
    /// `decapped` marks an inner packet that just left a tunnel (counted as re-encapsulation).
    fn lma_native<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        h: &Hdr,
        dst_binding: Option<FwdAction>,
        decapped: bool,
    ) -> Outcome {
        match dst_binding {
            Some(FwdAction::Encap { peer, tunnel }) => {
                let a = if decapped {
                    Action::Reencap
                } else {
                    Action::Encap
                };
                self.encap_to_peer(pkt, h, peer, tunnel, a)
            }
            Some(FwdAction::Local) => self.deliver_local(pkt, h, Action::Local),
            Some(FwdAction::DecapCheck { .. }) | None => {
                let a = if decapped {
                    Action::Decap
                } else {
                    Action::Forward
                };
                self.route(pkt, h, a)
            }
        }
    }

    /// LMA uplink (RFC 5213 §5.6.2): from a known MAG, inner source bound to that MAG, GRE key
    /// use as negotiated; then the inner packet is forwarded like native traffic.
    fn lma_uplink<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        info: &TunnelInfo,
        src_binding: Option<FwdAction>,
    ) -> Outcome {
        let Some(peer) = self.tables.tunnel_peer(&info.outer_src.octets()) else {
            return Outcome::Drop(DropReason::UnknownTunnelPeer);
        };
        // Same rule as `Replica::source_allowed`, on the result the chunk lookup already has.
        let binding = match src_binding {
            Some(b) if b.peer() == Some(peer.id) => b,
            _ => return Outcome::Drop(DropReason::SourceNotBoundToPeer),
        };
        if !encap_matches(&binding, &info.encap) {
            return Outcome::Drop(DropReason::BadGreKey);
        }
        self.decap_and_forward(pkt, info, None)
    }

    /// Strip the tunnel and forward the inner packet. `inner_dst_binding` is the lookup of the
    /// inner destination when the caller already has it (MAG downlink).
    fn decap_and_forward<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        info: &TunnelInfo,
        inner_dst_binding: Option<Option<FwdAction>>,
    ) -> Outcome {
        if let Err(e) = decapsulate(pkt, info) {
            return Outcome::Drop(e.into());
        }
        match self.classify(pkt.data()) {
            Class::Drop(r) => Outcome::Drop(r),
            Class::Punt(r) => Outcome::Punt(r),
            Class::Tunnel { .. } => Outcome::Drop(DropReason::NestedTunnel),
            Class::Transit(h) => match self.role {
                Role::Lma => {
                    let b = self.tables.lookup_dst(&h.dst);
                    self.lma_native(pkt, &h, b, true)
                }
                Role::Mag => {
                    let b = match inner_dst_binding {
                        Some(b) => b,
                        None => self.tables.lookup_dst(&h.dst),
                    };
                    match b {
                        Some(FwdAction::Local | FwdAction::Encap { .. }) => {
                            self.deliver_local(pkt, &h, Action::Decap)
                        }
                        _ => self.route(pkt, &h, Action::Decap),
                    }
                }
            },
        }
    }

    /// MAG, native packet: from an attached MN (source in a bound prefix) → tunnel to its LMA,
    /// or straight to the other MN when local routing is on (RFC 5213 §6.10.3); else routed.
    fn mag_native<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        h: &Hdr,
        src_binding: Option<FwdAction>,
    ) -> Outcome {
        let (peer, tunnel) = match src_binding {
            Some(FwdAction::Encap { peer, tunnel }) => (Some(peer), tunnel),
            Some(FwdAction::Local) => match self.mag.lma {
                Some((_, tunnel)) => (None, tunnel),
                None => return Outcome::Drop(DropReason::UnknownPeer),
            },
            Some(FwdAction::DecapCheck { .. }) | None => {
                return self.route(pkt, h, Action::Forward)
            }
        };
        if self.mag.local_routing
            && matches!(
                self.tables.lookup_dst(&h.dst),
                Some(FwdAction::Local | FwdAction::Encap { .. })
            )
        {
            return self.deliver_local(pkt, h, Action::Local);
        }
        let peer = match peer {
            Some(id) => id,
            None => {
                // `Local` bindings use the configured LMA (checked above).
                let Some((lma, _)) = self.mag.lma else {
                    return Outcome::Drop(DropReason::UnknownPeer);
                };
                match self.tables.tunnel_peer(&lma.octets()) {
                    Some(p) => p.id,
                    None => return Outcome::Drop(DropReason::UnknownPeer),
                }
            }
        };
        self.encap_to_peer(pkt, h, peer, tunnel, Action::Encap)
    }

    /// MAG downlink (RFC 5213 §6.10.5): from the LMA, decapsulate and deliver to the attached MN.
    fn mag_downlink<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        info: &TunnelInfo,
        dst_binding: Option<FwdAction>,
    ) -> Outcome {
        let Some(peer) = self.tables.tunnel_peer(&info.outer_src.octets()) else {
            return Outcome::Drop(DropReason::UnknownTunnelPeer);
        };
        if let Some(b @ FwdAction::Encap { peer: p, .. }) = dst_binding {
            if p == peer.id && !encap_matches(&b, &info.encap) {
                return Outcome::Drop(DropReason::BadGreKey);
            }
        }
        self.decap_and_forward(pkt, info, Some(dst_binding))
    }

    /// Encapsulate toward `peer`: hop limit, egress resolution, MTU, then rewrite.
    fn encap_to_peer<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        h: &Hdr,
        peer: PeerId,
        tunnel: TunnelKind,
        action: Action,
    ) -> Outcome {
        // RFC 2473 §3.1: the inner hop limit is decremented before encapsulation, as forwarding.
        if h.hop_limit <= 1 {
            return Outcome::Punt(PuntReason::HopLimitExceeded);
        }
        let (addr, port, dmac) = match self.peer_route(peer) {
            Ok(x) => x,
            Err(r) => return Outcome::Drop(r),
        };
        let encap = match tunnel {
            TunnelKind::Ip6Ip6 => Encap::Ip6Ip6,
            TunnelKind::Gre { key } => Encap::Gre { key },
        };
        let outer_dst = Ipv6Addr::from(addr);
        let Some(pc) = self.ports.get(usize::from(port)).copied() else {
            return Outcome::Drop(DropReason::NoRoute);
        };
        strip_padding(pkt, h);
        let ip_len = h.ip_len;
        if ip_len + encap.overhead() > usize::from(pc.mtu) {
            return Outcome::Punt(PuntReason::PacketTooBig);
        }
        if pkt.headroom() < encap.overhead() {
            return Outcome::Drop(DropReason::NoHeadroom);
        }
        decrement_hop_limit(pkt.data_mut());
        let hdr = TunnelHeader {
            src: self.tunnel_src,
            dst: outer_dst,
            hop_limit: self.tunnel_hop_limit,
            encap,
        };
        if let Err(e) = encapsulate(pkt, &hdr) {
            return Outcome::Drop(e.into());
        }
        rewrite_l2(pkt.data_mut(), dmac, pc.mac);
        Outcome::Tx(port, action)
    }

    /// Deliver on the link where the destination itself is a neighbor (attached MN).
    fn deliver_local<P: PacketBuf>(&mut self, pkt: &mut P, h: &Hdr, action: Action) -> Outcome {
        // An MN's home network prefix is its own (per-MN prefix model, RFC 5213 §2.2), so the
        // MAG keys the MN's link-layer address by the prefix's /64 base, learnt at attachment;
        // an exact /128 entry (from neighbor discovery) wins.
        let mut base = h.dst;
        base[8..].fill(0);
        let Some(nb) = self
            .tables
            .neighbor(&h.dst)
            .or_else(|| self.tables.neighbor(&base))
        else {
            return Outcome::Drop(DropReason::NoNeighbor);
        };
        self.forward_to(pkt, h, nb.port, nb.mac, action)
    }

    /// Forward natively by the static routes.
    fn route<P: PacketBuf>(&mut self, pkt: &mut P, h: &Hdr, action: Action) -> Outcome {
        match self.resolve(Ipv6Addr::from(h.dst)) {
            Ok((port, mac)) => self.forward_to(pkt, h, port, mac, action),
            Err(r) => Outcome::Drop(r),
        }
    }

    fn forward_to<P: PacketBuf>(
        &mut self,
        pkt: &mut P,
        h: &Hdr,
        port: u16,
        dmac: [u8; 6],
        action: Action,
    ) -> Outcome {
        if h.hop_limit <= 1 {
            return Outcome::Punt(PuntReason::HopLimitExceeded);
        }
        let Some(pc) = self.ports.get(usize::from(port)).copied() else {
            return Outcome::Drop(DropReason::NoRoute);
        };
        strip_padding(pkt, h);
        if h.ip_len > usize::from(pc.mtu) {
            return Outcome::Punt(PuntReason::PacketTooBig);
        }
        let data = pkt.data_mut();
        decrement_hop_limit(data);
        rewrite_l2(data, dmac, pc.mac);
        Outcome::Tx(port, action)
    }

    /// A peer's tunnel endpoint, egress port and next-hop MAC; resolved on the first packet
    /// to the peer, reused until the tables change.
    #[inline]
    fn peer_route(&mut self, peer: PeerId) -> Result<([u8; 16], u16, [u8; 6]), DropReason> {
        let i = peer.0 as usize % PEER_ROUTES;
        if let Some(e) = self.peer_routes.get(i) {
            if e.epoch == self.epoch && e.peer == peer {
                return Ok((e.addr, e.port, e.dmac));
            }
        }
        let Some(PeerInfo { addr, .. }) = self.tables.peer(peer) else {
            return Err(DropReason::UnknownPeer);
        };
        let (port, dmac) = self.resolve(Ipv6Addr::from(addr))?;
        if let Some(e) = self.peer_routes.get_mut(i) {
            *e = PeerRoute {
                epoch: self.epoch,
                peer,
                addr,
                port,
                dmac,
            };
        }
        Ok((addr, port, dmac))
    }

    /// Route lookup and neighbor resolution of the next hop toward `dst`.
    fn resolve(&self, dst: Ipv6Addr) -> Result<(u16, [u8; 6]), DropReason> {
        let nh = self.routes.lookup(dst).ok_or(DropReason::NoRoute)?;
        let nb = self
            .tables
            .neighbor(&nh.neighbor_for(dst).octets())
            .ok_or(DropReason::NoNeighbor)?;
        Ok((nh.port, nb.mac))
    }
}

/// RFC 5845 §5.2: a session that negotiated GRE keys sends keyed GRE, one that negotiated GRE
/// without keys sends unkeyed GRE, and one without GRE sends IPv6-in-IPv6. Only presence is
/// checked: the replica carries the key this node sends, not the one it expects.
fn encap_matches(binding: &FwdAction, got: &Encap) -> bool {
    match (binding, got) {
        (FwdAction::Encap { tunnel, .. }, got) => matches!(
            (tunnel, got),
            (TunnelKind::Ip6Ip6, Encap::Ip6Ip6)
                | (TunnelKind::Gre { key: None }, Encap::Gre { key: None })
                | (
                    TunnelKind::Gre { key: Some(_) },
                    Encap::Gre { key: Some(_) }
                )
        ),
        // No per-binding tunnel: accept either encapsulation.
        _ => true,
    }
}

/// Drop bytes past the IPv6 packet (Ethernet minimum-frame padding) so they are neither
/// encapsulated nor counted against the MTU.
fn strip_padding<P: PacketBuf>(pkt: &mut P, h: &Hdr) {
    let extra = pkt.len().saturating_sub(ETH_HDR_LEN + h.ip_len);
    if extra > 0 {
        // Cannot fail: `extra` is less than the packet length.
        let _ = pkt.trim(extra);
    }
}

fn decrement_hop_limit(frame: &mut [u8]) {
    if let Some(h) = frame.get_mut(ETH_HDR_LEN + IPV6_HOP_LIMIT) {
        *h = h.saturating_sub(1);
    }
}

/// Offset of the source address in an IPv6 header (the destination follows).
const IPV6_SRC: usize = 8;

/// The 16 octets at `off` (callers have checked the header is there; zeros otherwise), copied
/// straight from the frame.
#[inline(always)]
fn addr_at(frame: &[u8], off: usize) -> [u8; 16] {
    frame
        .get(off..off + 16)
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .unwrap_or([0; 16])
}

fn is_nd(icmp_type: u8) -> bool {
    // RS 133, RA 134, NS 135, NA 136, Redirect 137 (RFC 4861 §4).
    (133..=137).contains(&icmp_type)
}

/// What a packet to us carries after its extension headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upper {
    Mobility,
    Icmpv6(u8),
    Udp(u16),
    Fragment,
    Truncated,
    Other,
}

fn upper_layer(mut nh: u8, payload: &[u8]) -> Upper {
    let mut off = 0usize;
    for _ in 0..=MAX_EXT_HEADERS {
        let rest = payload.get(off..).unwrap_or(&[]);
        match nh {
            PROTO_MOBILITY => return Upper::Mobility,
            PROTO_ICMPV6 => {
                return rest.first().map_or(Upper::Truncated, |t| Upper::Icmpv6(*t));
            }
            PROTO_UDP => {
                return match rest.get(2..4) {
                    Some(p) => Upper::Udp(u16::from_be_bytes([p[0], p[1]])),
                    None => Upper::Truncated,
                };
            }
            EXT_FRAGMENT => return Upper::Fragment,
            EXT_HOP_BY_HOP | EXT_ROUTING | EXT_DEST_OPTS => {
                // RFC 8200 §4: Next Header, then Hdr Ext Len in 8-octet units beyond the first 8.
                let (Some(&next), Some(&len)) = (rest.first(), rest.get(1)) else {
                    return Upper::Truncated;
                };
                off += (usize::from(len) + 1) * 8;
                if off > payload.len() {
                    return Upper::Truncated;
                }
                nh = next;
            }
            _ => return Upper::Other,
        }
    }
    Upper::Other
}
