//! The slowpath I/O shell: runs on the main lcore and drives the sans-IO
//! LMA/MAG engines with what the workers punt, and turns the engines'
//! actions into frames (injected through a worker) and table updates
//! (published to every worker's replica).
//!
//! Link-layer duties are done here with `smoltcp::wire` codecs: answering
//! Neighbor Solicitations for our addresses, soliciting next hops we need,
//! learning neighbors from every frame an on-link host sends us (and
//! publishing them to the workers' neighbor tables), ICMPv6 echo, and on the
//! MAG the home-link emulation (Router Solicitation → attach; unicast Router
//! Advertisement with the MN's home network prefix, RFC 5213 §6.7–§6.9.2).

use std::collections::{HashMap, VecDeque};
use std::net::Ipv6Addr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bindings::{
    FwdAction, Generation, Neighbor, PeerId, PeerInfo, Prefix, Publisher, TableUpdate,
    TunnelKind as FwdTunnel,
};
use crossbeam_queue::ArrayQueue;
use fastpath::counters::PuntReason;
use fastpath::dpdk::{Mbuf, Mempool};
use fastpath::route::RouteTable;
use ipnet::Ipv6Net;
use slowpath::action::{Action, BindingSpec, RouterAdvertisement, TunnelKind};
use slowpath::counters::MessageKind;
use slowpath::lma::Lma;
use slowpath::mag::{Attachment, Mag};
use slowpath::timers::Now;
use slowpath::wire::{AccessTechnologyType, HandoffIndicator, MhBytes, MhRepr};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, EthernetRepr, Icmpv6Packet, Icmpv6Repr,
    IpProtocol, Ipv6Packet, Ipv6Repr, NdiscNeighborFlags, NdiscPrefixInfoFlags,
    NdiscPrefixInformation, NdiscRepr, NdiscRouterFlags, RawHardwareAddress,
};

use crate::dataplane::Punted;

const ETH_LEN: usize = 14;
const IPV6_LEN: usize = 40;
const PROTO_MH: u8 = 135;
const HOP_LIMIT: u8 = 64;
/// Neighbor Solicitations for one next hop: retries and their spacing
/// (RFC 4861 §10 MAX_MULTICAST_SOLICIT, RETRANS_TIMER).
const MAX_SOLICIT: u8 = 3;
const RETRANS: Duration = Duration::from_secs(1);
/// Frames waiting for a next hop's link-layer address, at most.
const MAX_PENDING: usize = 1024;
/// Reference count of a static peer: never reaches zero.
const STATIC_PEER_REFS: u32 = u32::MAX / 2;
/// A Mobility Header that waited longer than this for neighbor resolution is
/// dropped rather than sent: its Timestamp would fall outside the LMA's
/// TimestampValidityWindow (RFC 5213 §5.5, 300 ms by default) and draw
/// TIMESTAMP_MISMATCH; the engine's retransmission sends a fresh one.
const PENDING_MH_MAX_AGE: Duration = Duration::from_millis(200);
/// ICMPv6 error rate limit: a token bucket (RFC 4443 §2.4 (f)).
const ICMP_ERRORS_PER_SEC: f64 = 100.0;
const ICMP_ERROR_BURST: f64 = 10.0;

/// One port as the shell sees it.
#[derive(Debug, Clone)]
pub struct ShellPort {
    pub name: String,
    pub mac: [u8; 6],
    /// Our unicast addresses on this link (global and link-local).
    pub addrs: Vec<Ipv6Addr>,
    /// On-link prefixes.
    pub nets: Vec<Ipv6Net>,
}

/// Counters of the shell (link-layer and signaling I/O).
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ShellStats {
    pub punted: u64,
    pub not_ipv6: u64,
    pub malformed: u64,
    pub ns_in: u64,
    pub na_out: u64,
    pub ns_out: u64,
    pub na_in: u64,
    pub rs_in: u64,
    pub ra_out: u64,
    pub echo_replies: u64,
    pub mh_in: u64,
    pub mh_bad: u64,
    pub mh_out: u64,
    pub unresolved_drops: u64,
    /// MAG: MNs detached after failing reachability probes.
    pub mn_detached: u64,
    pub inject_drops: u64,
    pub neighbors_learned: u64,
    pub ignored: u64,
    pub table_updates: u64,
    pub table_backpressure: u64,
    pub icmp_errors: u64,
    pub icmp_errors_limited: u64,
}

/// The role engine the shell drives.
#[derive(Debug)]
pub enum Engine {
    Lma(Box<Lma>),
    Mag(Box<MagSide>),
}

/// MAG engine plus what the shell knows of the access link.
#[derive(Debug)]
pub struct MagSide {
    pub mag: Mag,
    pub access_port: u16,
    pub lma: Ipv6Addr,
    /// MN link-layer address → its session.
    pub by_mac: HashMap<[u8; 6], slowpath::action::SessionId>,
    pub mac_of: HashMap<slowpath::action::SessionId, [u8; 6]>,
}

#[derive(Debug, Clone, Copy)]
struct NeighborEntry {
    mac: [u8; 6],
    port: u16,
}

#[derive(Debug)]
struct Solicit {
    port: u16,
    tries: u8,
    next: Instant,
}

#[derive(Debug)]
struct PendingTx {
    next_hop: Ipv6Addr,
    ip: Vec<u8>,
    queued: Instant,
}

/// Reachability of an attached MN, probed by Neighbor Unreachability
/// Detection (RFC 4861 §7.3): how the MAG notices that an MN left its access
/// link when the link layer tells it nothing (RFC 5213 §6.9.1.1).
#[derive(Debug)]
struct MnProbe {
    mac: [u8; 6],
    /// The MN's link-local address (its Router Solicitation's source).
    addr: Ipv6Addr,
    next: Instant,
    unanswered: u8,
}

/// Unanswered unicast Neighbor Solicitations before the MN counts as gone
/// (RFC 4861 MAX_UNICAST_SOLICIT).
const MN_MAX_PROBES: u8 = 3;
/// Between those solicitations (RFC 4861 RETRANS_TIMER).
const MN_PROBE_RETRANS: Duration = Duration::from_secs(1);
/// Default time an MN may be silent before the first probe.
pub const DEFAULT_MN_REACHABLE: Duration = Duration::from_secs(5);

/// Installed forwarding state of one session, to undo it.
#[derive(Debug, Clone)]
struct Installed {
    hnps: Vec<Ipv6Net>,
    remote: Ipv6Addr,
}

pub struct Shell {
    pub engine: Engine,
    ports: Vec<ShellPort>,
    routes: RouteTable,
    neighbors: HashMap<Ipv6Addr, NeighborEntry>,
    solicits: HashMap<Ipv6Addr, Solicit>,
    pending: VecDeque<PendingTx>,
    publisher: Publisher,
    peers: HashMap<Ipv6Addr, (PeerId, u32)>,
    next_peer: u32,
    installed: HashMap<slowpath::action::SessionId, Installed>,
    /// Sends held until a table generation is visible in every worker
    /// (a PBA only after the tunnel exists, RFC 5213 §5.3 / DESIGN "Tables").
    held: VecDeque<(Generation, Ipv6Addr, Ipv6Addr, MhBytes, Option<Instant>)>,
    last_gen: Option<Generation>,
    pool: Mempool,
    inject: Arc<ArrayQueue<Mbuf>>,
    epoch: Instant,
    pub stats: ShellStats,
    /// Time from a PBU's arrival to its PBA leaving (held PBAs included).
    pub pbu_processing: prometheus::Histogram,
    /// When the PBU being handled arrived (set while its actions run).
    pbu_arrived: Option<Instant>,
    node_id: String,
    icmp_tokens: f64,
    icmp_bucket_at: Instant,
    /// MAG: attached MNs under reachability probing, and how long one may be
    /// silent before probing starts (`None`: detachment detection off).
    mn_probes: HashMap<slowpath::action::SessionId, MnProbe>,
    mn_reachable: Option<Duration>,
    next_probe_scan: Instant,
    /// MTU announced in Packet Too Big: the smallest link MTU less the
    /// largest tunnel overhead (IPv6 + GRE with key, 48 octets).
    tunnel_mtu: u32,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("ports", &self.ports.len())
            .field("neighbors", &self.neighbors.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Shell {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        engine: Engine,
        ports: Vec<ShellPort>,
        routes: RouteTable,
        publisher: Publisher,
        next_peer: u32,
        pool: Mempool,
        inject: Arc<ArrayQueue<Mbuf>>,
        node_id: String,
    ) -> Shell {
        Shell {
            engine,
            ports,
            routes,
            neighbors: HashMap::new(),
            solicits: HashMap::new(),
            pending: VecDeque::new(),
            publisher,
            peers: HashMap::new(),
            next_peer: next_peer.max(1),
            installed: HashMap::new(),
            held: VecDeque::new(),
            last_gen: None,
            pool,
            inject,
            epoch: Instant::now(),
            stats: ShellStats::default(),
            pbu_processing: pbu_histogram(),
            pbu_arrived: None,
            node_id,
            icmp_tokens: ICMP_ERROR_BURST,
            icmp_bucket_at: Instant::now(),
            tunnel_mtu: 1500 - 48,
            mn_probes: HashMap::new(),
            mn_reachable: Some(DEFAULT_MN_REACHABLE),
            next_probe_scan: Instant::now(),
        }
    }

    /// MAG: how long an attached MN may go unconfirmed before it is probed
    /// (then detached after [`MN_MAX_PROBES`] unanswered probes); `None`
    /// turns detachment detection off.
    pub fn set_mn_reachable_time(&mut self, t: Option<Duration>) {
        self.mn_reachable = t;
    }

    fn now(&self) -> Now {
        let mono = self.epoch.elapsed().as_millis() as u64;
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Now::new(mono, unix)
    }

    /// Resolve the next hops of the static routes up front, so the first
    /// packets toward them are not dropped for want of a neighbor.
    pub fn start(&mut self) {
        let vias: Vec<(Ipv6Addr, u16)> = self
            .routes
            .iter()
            .filter_map(|r| r.next_hop.via.map(|v| (v, r.next_hop.port)))
            .collect();
        for (via, port) in vias {
            self.solicit(via, port);
        }
    }

    /// The MTU announced in Packet Too Big messages.
    pub fn set_tunnel_mtu(&mut self, link_mtu: u16) {
        self.tunnel_mtu = u32::from(link_mtu).saturating_sub(48).max(1280);
    }

    /// The table publisher (per-worker generations for the exporter).
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// The engines' monotonic clock now (binding expiry times are on it).
    pub fn mono_now(&self) -> slowpath::timers::Time {
        self.now().mono
    }

    pub fn neighbors(&self) -> usize {
        self.neighbors.len()
    }

    pub fn sessions(&self) -> usize {
        match &self.engine {
            Engine::Lma(l) => l.len(),
            Engine::Mag(m) => m.mag.len(),
        }
    }

    /// One iteration of the shell: punted packets, timers, held messages,
    /// neighbor retries. Returns whether anything happened.
    pub fn poll(&mut self, punts: &[crate::dataplane::SlowpathRings]) -> bool {
        let mut busy = false;
        for rings in punts {
            for _ in 0..256 {
                let Some(p) = rings.punt.pop() else { break };
                busy = true;
                self.handle_punted(p);
            }
        }
        let now = self.now();
        let due = match &self.engine {
            Engine::Lma(l) => l.poll_timeout(),
            Engine::Mag(m) => m.mag.poll_timeout(),
        };
        if due.is_some_and(|t| t <= now.mono) {
            match &mut self.engine {
                Engine::Lma(l) => l.handle_timeout(now),
                Engine::Mag(m) => m.mag.handle_timeout(now),
            }
            busy = true;
        }
        busy |= self.run_actions();
        self.release_held();
        self.retry_solicits();
        busy |= self.probe_mns();
        let _ = self.publisher.flush();
        busy
    }

    fn handle_punted(&mut self, p: Punted) {
        self.stats.punted += 1;
        let port = p.pkt.port();
        let frame = p.pkt.data().to_vec();
        drop(p.pkt);
        if matches!(
            p.reason,
            PuntReason::HopLimitExceeded | PuntReason::PacketTooBig
        ) {
            self.icmp_error(port, &frame, p.reason);
            return;
        }
        let Ok(eth) = EthernetFrame::new_checked(&frame[..]) else {
            self.stats.malformed += 1;
            return;
        };
        if eth.ethertype() != EthernetProtocol::Ipv6 {
            self.stats.not_ipv6 += 1;
            return;
        }
        let src_mac = eth.src_addr().0;
        let Ok(ip) = Ipv6Packet::new_checked(eth.payload()) else {
            self.stats.malformed += 1;
            return;
        };
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        let payload_len = usize::from(ip.payload_len()).min(ip.payload().len());
        let payload = &ip.payload()[..payload_len];
        // Learn the sender if it is on this link (RFC 4861 §7.2.5 would learn
        // only from ND; every frame of an on-link host carries the same truth).
        if self.on_link(port, &src) {
            self.learn(src, src_mac, port);
        }
        match ip.next_header() {
            IpProtocol::Icmpv6 => self.handle_icmpv6(port, src_mac, src, dst, payload),
            IpProtocol::Unknown(PROTO_MH) => self.handle_mh(src, dst, payload),
            _ => self.stats.ignored += 1,
        }
    }

    /// ICMPv6 Time Exceeded / Packet Too Big for a packet the workers could
    /// not forward (RFC 4443 §3.2, §3.3), rate-limited (RFC 4443 §2.4 (f)),
    /// sent back on the link it came from to the neighbor that sent it.
    fn icmp_error(&mut self, port: u16, frame: &[u8], reason: PuntReason) {
        let now = Instant::now();
        let refill = now.duration_since(self.icmp_bucket_at).as_secs_f64() * ICMP_ERRORS_PER_SEC;
        self.icmp_tokens = (self.icmp_tokens + refill).min(ICMP_ERROR_BURST);
        self.icmp_bucket_at = now;
        if self.icmp_tokens < 1.0 {
            self.stats.icmp_errors_limited += 1;
            return;
        }
        let Ok(eth) = EthernetFrame::new_checked(frame) else {
            self.stats.malformed += 1;
            return;
        };
        let Ok(ip) = Ipv6Packet::new_checked(eth.payload()) else {
            self.stats.malformed += 1;
            return;
        };
        let Ok(header) = Ipv6Repr::parse(&ip) else {
            self.stats.malformed += 1;
            return;
        };
        // Never answer an error with an error, nor a multicast or unspecified source.
        let is_icmp_error = header.next_header == IpProtocol::Icmpv6
            && ip.payload().first().is_some_and(|t| *t < 128);
        if is_icmp_error || header.src_addr.is_multicast() || header.src_addr.is_unspecified() {
            self.stats.ignored += 1;
            return;
        }
        let Some(p) = self.ports.get(usize::from(port)) else {
            return;
        };
        let src = p
            .addrs
            .iter()
            .find(|a| !a.is_unicast_link_local())
            .or_else(|| p.addrs.first())
            .copied()
            .unwrap_or(Ipv6Addr::UNSPECIFIED);
        let data = ip.payload();
        let repr = match reason {
            PuntReason::PacketTooBig => Icmpv6Repr::PktTooBig {
                mtu: self.tunnel_mtu,
                header,
                data,
            },
            _ => Icmpv6Repr::TimeExceeded {
                reason: smoltcp::wire::Icmpv6TimeExceeded::HopLimitExceeded,
                header,
                data,
            },
        };
        let dst_mac = eth.src_addr().0;
        let dst = header.src_addr;
        self.icmp_tokens -= 1.0;
        self.send_icmpv6(port, dst_mac, src, dst, HOP_LIMIT, &repr);
        self.stats.icmp_errors += 1;
    }

    fn handle_icmpv6(
        &mut self,
        port: u16,
        src_mac: [u8; 6],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        payload: &[u8],
    ) {
        let caps = ChecksumCapabilities::default();
        let Ok(pkt) = Icmpv6Packet::new_checked(payload) else {
            self.stats.malformed += 1;
            return;
        };
        let Ok(repr) = Icmpv6Repr::parse(&src, &dst, &pkt, &caps) else {
            self.stats.malformed += 1;
            return;
        };
        match repr {
            Icmpv6Repr::Ndisc(NdiscRepr::NeighborSolicit {
                target_addr,
                lladdr,
            }) => {
                self.stats.ns_in += 1;
                self.mn_alive(port, src_mac);
                if let Some(ll) = lladdr.and_then(mac_of) {
                    if !src.is_unspecified() {
                        self.learn(src, ll, port);
                    }
                }
                if self.is_ours(port, &target_addr) {
                    let to = if src.is_unspecified() {
                        Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)
                    } else {
                        src
                    };
                    let mut flags = NdiscNeighborFlags::ROUTER | NdiscNeighborFlags::OVERRIDE;
                    if !src.is_unspecified() {
                        flags |= NdiscNeighborFlags::SOLICITED;
                    }
                    let mac = self.ports[usize::from(port)].mac;
                    let na = Icmpv6Repr::Ndisc(NdiscRepr::NeighborAdvert {
                        flags,
                        target_addr,
                        lladdr: Some(RawHardwareAddress::from_bytes(&mac)),
                    });
                    let dst_mac = if src.is_unspecified() {
                        multicast_mac(&to)
                    } else {
                        src_mac
                    };
                    self.send_icmpv6(port, dst_mac, target_addr, to, 255, &na);
                    self.stats.na_out += 1;
                }
            }
            Icmpv6Repr::Ndisc(NdiscRepr::NeighborAdvert {
                target_addr,
                lladdr,
                ..
            }) => {
                self.stats.na_in += 1;
                let mac = lladdr.and_then(mac_of).unwrap_or(src_mac);
                self.mn_alive(port, src_mac);
                if self.on_link(port, &target_addr) {
                    self.learn(target_addr, mac, port);
                }
            }
            Icmpv6Repr::Ndisc(NdiscRepr::RouterSolicit { lladdr }) => {
                self.stats.rs_in += 1;
                let mac = lladdr.and_then(mac_of).unwrap_or(src_mac);
                self.router_solicitation(port, mac, src);
            }
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } if self.is_ours(port, &dst) => {
                let reply = Icmpv6Repr::EchoReply {
                    ident,
                    seq_no,
                    data,
                };
                self.send_icmpv6(port, src_mac, dst, src, HOP_LIMIT, &reply);
                self.stats.echo_replies += 1;
            }
            _ => self.stats.ignored += 1,
        }
    }

    fn handle_mh(&mut self, src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]) {
        self.stats.mh_in += 1;
        let now = self.now();
        if MessageKind::of_wire(payload) == MessageKind::ProxyBindingUpdate {
            self.pbu_arrived = Some(Instant::now());
        }
        let handled = match &mut self.engine {
            // Read in place; the PBA comes back in wire form.
            Engine::Lma(l) => l.handle_mh(src, dst, payload, now),
            Engine::Mag(m) => MhRepr::from_bytes(payload, &src, &dst)
                .map(|msg| m.mag.handle_message(src, dst, &msg, now)),
        };
        if let Err(e) = handled {
            // RFC 6275 §9.2: malformed Mobility Headers are discarded.
            self.stats.mh_bad += 1;
            tracing::debug!(%src, error = %e, "malformed Mobility Header dropped");
        } else {
            self.run_actions();
        }
        self.pbu_arrived = None;
    }

    /// MAG: a Router Solicitation on the access link is an attach of a new
    /// MN, or a solicitation of a known one (RFC 5213 §6.9.1.1, §6.9.2).
    fn router_solicitation(&mut self, port: u16, mac: [u8; 6], src: Ipv6Addr) {
        let now = self.now();
        let node = self.node_id.clone();
        let Engine::Mag(m) = &mut self.engine else {
            self.stats.ignored += 1;
            return;
        };
        if port != m.access_port {
            self.stats.ignored += 1;
            return;
        }
        // The MN's link-local address, probed while it stays attached; an
        // RS from :: (RFC 4861 §6.3.7) leaves the EUI-64 one (RFC 4291 App. A).
        let mn_addr = if src.is_unicast_link_local() {
            src
        } else {
            crate::dataplane::link_local_from_mac(mac)
        };
        if let Some(id) = m.by_mac.get(&mac).copied() {
            if m.mag.session(id).is_some() {
                m.mag.router_solicitation(id);
                self.watch_mn(id, mac, mn_addr);
                self.run_actions();
                return;
            }
            m.by_mac.remove(&mac);
            m.mac_of.remove(&id);
        }
        // "any" mode: the MN identifier is derived from its MAC, the same on
        // every MAG, so the LMA recognises the MN after a handover (§5.4.1.2).
        let mn_id = format!("{}@mobgw", fmt_mac(&mac)).into_bytes();
        let id = m.mag.attach(
            Attachment {
                mn_id,
                link_layer_id: Some(mac.to_vec()),
                access_technology: AccessTechnologyType(3),
                // The MAG cannot tell a new attachment from a handover here.
                handoff: HandoffIndicator(4),
                requested_hnps: Vec::new(),
            },
            now,
        );
        m.by_mac.insert(mac, id);
        m.mac_of.insert(id, mac);
        tracing::info!(node = %node, mn = %fmt_mac(&mac), session = id.0, "mobile node attached");
        self.watch_mn(id, mac, mn_addr);
        self.run_actions();
    }

    /// Starts (or restarts) the reachability watch of an attached MN.
    fn watch_mn(&mut self, id: slowpath::action::SessionId, mac: [u8; 6], addr: Ipv6Addr) {
        let Some(reachable) = self.mn_reachable else {
            return;
        };
        self.mn_probes.insert(
            id,
            MnProbe {
                mac,
                addr,
                next: Instant::now() + reachable,
                unanswered: 0,
            },
        );
    }

    /// Any ND message from an attached MN's MAC on the access port confirms
    /// it is still there (RFC 4861 §7.3.1).
    fn mn_alive(&mut self, port: u16, mac: [u8; 6]) {
        let (Engine::Mag(m), Some(reachable)) = (&self.engine, self.mn_reachable) else {
            return;
        };
        if port != m.access_port {
            return;
        }
        if let Some(p) = m.by_mac.get(&mac).and_then(|id| self.mn_probes.get_mut(id)) {
            p.unanswered = 0;
            p.next = Instant::now() + reachable;
        }
    }

    /// MAG: probes MNs that have been silent for the reachable time with a
    /// unicast Neighbor Solicitation; after [`MN_MAX_PROBES`] unanswered ones
    /// the MN has left the access link and is detached, which de-registers it
    /// with the LMA (RFC 5213 §6.9.1.1, §6.9.1.4). Scans at most every 100 ms.
    fn probe_mns(&mut self) -> bool {
        let now = Instant::now();
        if self.mn_probes.is_empty() || now < self.next_probe_scan {
            return false;
        }
        self.next_probe_scan = now + Duration::from_millis(100);
        let Engine::Mag(m) = &self.engine else {
            return false;
        };
        let port = m.access_port;
        let mut send = Vec::new();
        let mut gone = Vec::new();
        for (id, p) in self.mn_probes.iter_mut() {
            if p.next > now {
                continue;
            }
            if p.unanswered >= MN_MAX_PROBES {
                gone.push(*id);
            } else {
                p.unanswered += 1;
                p.next = now + MN_PROBE_RETRANS;
                send.push((p.addr, p.mac));
            }
        }
        for (addr, mac) in &send {
            self.send_unicast_ns(port, *addr, *mac);
        }
        if gone.is_empty() {
            return !send.is_empty();
        }
        let wall = self.now();
        let node = self.node_id.clone();
        if let Engine::Mag(m) = &mut self.engine {
            for id in gone {
                let Some(p) = self.mn_probes.remove(&id) else {
                    continue;
                };
                m.by_mac.remove(&p.mac);
                m.mac_of.remove(&id);
                self.stats.mn_detached += 1;
                tracing::info!(node = %node, mn = %fmt_mac(&p.mac), session = id.0,
                    "mobile node detached (unreachable on the access link)");
                m.mag.detach(id, wall);
            }
        }
        self.run_actions();
        true
    }

    /// A unicast Neighbor Solicitation for reachability (RFC 4861 §7.2.2).
    fn send_unicast_ns(&mut self, port: u16, target: Ipv6Addr, mac: [u8; 6]) {
        let Some(p) = self.ports.get(usize::from(port)) else {
            return;
        };
        let src = p
            .addrs
            .iter()
            .find(|a| a.is_unicast_link_local())
            .or_else(|| p.addrs.first())
            .copied()
            .unwrap_or(Ipv6Addr::UNSPECIFIED);
        let own = p.mac;
        let ns = Icmpv6Repr::Ndisc(NdiscRepr::NeighborSolicit {
            target_addr: target,
            lladdr: Some(RawHardwareAddress::from_bytes(&own)),
        });
        self.send_icmpv6(port, mac, src, target, 255, &ns);
        self.stats.ns_out += 1;
    }

    /// Carries out the engine's queued actions. Returns whether there were any.
    fn run_actions(&mut self) -> bool {
        let mut any = false;
        loop {
            let a = match &mut self.engine {
                Engine::Lma(l) => l.poll_action(),
                Engine::Mag(m) => m.mag.poll_action(),
            };
            let Some(a) = a else { break };
            any = true;
            match a {
                Action::Send { dst, src, message } => {
                    let bytes = MhBytes::from_vec(message.to_bytes(&src, &dst));
                    self.send_or_hold(src, dst, bytes);
                }
                Action::SendBytes { dst, src, bytes } => self.send_or_hold(src, dst, bytes),
                Action::InstallBinding(spec) | Action::UpdateBinding(spec) => {
                    self.install(&spec);
                }
                Action::RemoveBinding { session, hnps, .. } => self.remove(session, &hnps),
                Action::RouterAdvertisement(ra) => self.router_advertisement(&ra),
                Action::Event(e) => tracing::info!(node = %self.node_id, event = ?e, "signaling"),
            }
        }
        any
    }

    /// Sends an engine's message, or holds a BA until the tunnel it acknowledges
    /// is visible in every worker.
    fn send_or_hold(&mut self, src: Ipv6Addr, dst: Ipv6Addr, bytes: MhBytes) {
        let kind = MessageKind::of_wire(&bytes);
        let hold = matches!(kind, MessageKind::BindingAck | MessageKind::ProxyBindingAck)
            && self
                .last_gen
                .is_some_and(|g| !self.publisher.visible_everywhere(g));
        let arrived = if kind == MessageKind::ProxyBindingAck {
            self.pbu_arrived.take()
        } else {
            None
        };
        if hold {
            if let Some(g) = self.last_gen {
                self.held.push_back((g, src, dst, bytes, arrived));
            }
        } else {
            self.send_mh(src, dst, &bytes);
            if let Some(t) = arrived {
                self.pbu_processing.observe(t.elapsed().as_secs_f64());
            }
        }
    }

    /// Publishes a table change that does not come from the engines (the
    /// benchmark churn). Returns false on back-pressure.
    pub fn publish_external(&mut self, u: TableUpdate) -> bool {
        let before = self.stats.table_backpressure;
        self.publish(u);
        self.stats.table_backpressure == before
    }

    fn publish(&mut self, u: TableUpdate) {
        match self.publisher.publish(u) {
            Ok(g) => {
                self.last_gen = Some(g);
                self.stats.table_updates += 1;
            }
            Err(e) => {
                self.stats.table_backpressure += 1;
                tracing::warn!(error = ?e, "table update refused (back-pressure)");
            }
        }
    }

    /// Peers the static bindings installed: a signaled binding toward the
    /// same address reuses the id (a second id for the address would take it
    /// over in the workers' tunnel-endpoint table and orphan the static
    /// prefixes), and the peer is never removed.
    pub fn adopt_static_peers(&mut self, peers: &[(Ipv6Addr, PeerId)]) {
        for (addr, id) in peers {
            self.peers.insert(*addr, (*id, STATIC_PEER_REFS));
            self.next_peer = self.next_peer.max(id.0.saturating_add(1));
        }
    }

    fn peer_for(&mut self, addr: Ipv6Addr) -> PeerId {
        if let Some((id, refs)) = self.peers.get_mut(&addr) {
            *refs += 1;
            return *id;
        }
        let id = PeerId(self.next_peer);
        self.next_peer += 1;
        self.peers.insert(addr, (id, 1));
        self.publish(TableUpdate::SetPeer(PeerInfo {
            id,
            addr: addr.octets(),
        }));
        id
    }

    fn release_peer(&mut self, addr: Ipv6Addr) {
        if let Some((id, refs)) = self.peers.get_mut(&addr) {
            *refs -= 1;
            if *refs == 0 {
                let id = *id;
                self.peers.remove(&addr);
                self.publish(TableUpdate::RemovePeer { id });
            }
        }
    }

    /// Forwarding state for a binding: the peer (tunnel endpoint) and one
    /// prefix route per home network prefix; on the MAG also the MN's
    /// link-layer address for its prefix (downlink delivery).
    fn install(&mut self, spec: &BindingSpec) {
        let tunnel = match spec.tunnel {
            TunnelKind::Ip6Ip6 => FwdTunnel::Ip6Ip6,
            TunnelKind::Gre {
                downlink_key,
                uplink_key,
            } => FwdTunnel::Gre {
                key: match self.engine {
                    Engine::Lma(_) => downlink_key,
                    Engine::Mag(_) => uplink_key,
                },
            },
        };
        let previous = self.installed.get(&spec.session).cloned();
        tracing::info!(
            node = %self.node_id,
            session = spec.session.0,
            hnps = ?spec.hnps.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
            remote = %spec.remote,
            lifetime_s = spec.lifetime.as_secs(),
            "binding installed"
        );
        let peer = self.peer_for(spec.remote);
        for hnp in &spec.hnps {
            if let Ok(prefix) = Prefix::new(hnp.network().octets(), hnp.prefix_len()) {
                self.publish(TableUpdate::SetPrefix {
                    prefix,
                    action: FwdAction::Encap { peer, tunnel },
                });
            }
        }
        if let Engine::Mag(m) = &self.engine {
            if let Some(mac) = m.mac_of.get(&spec.session).copied() {
                let port = m.access_port;
                for hnp in &spec.hnps {
                    self.publish(TableUpdate::SetNeighbor {
                        addr: hnp.network().octets(),
                        neighbor: Neighbor { mac, port },
                    });
                }
            }
        }
        if let Some(prev) = previous {
            for old in prev.hnps.iter().filter(|h| !spec.hnps.contains(h)) {
                if let Ok(prefix) = Prefix::new(old.network().octets(), old.prefix_len()) {
                    self.publish(TableUpdate::RemovePrefix { prefix });
                }
            }
            self.release_peer(prev.remote);
        }
        if !self.neighbors.contains_key(&spec.remote) {
            if let Some(nh) = self.routes.lookup(spec.remote) {
                self.solicit(nh.neighbor_for(spec.remote), nh.port);
            }
        }
        self.installed.insert(
            spec.session,
            Installed {
                hnps: spec.hnps.to_vec(),
                remote: spec.remote,
            },
        );
    }

    fn remove(&mut self, session: slowpath::action::SessionId, hnps: &[Ipv6Net]) {
        for hnp in hnps {
            if let Ok(prefix) = Prefix::new(hnp.network().octets(), hnp.prefix_len()) {
                self.publish(TableUpdate::RemovePrefix { prefix });
            }
            if matches!(self.engine, Engine::Mag(_)) {
                self.publish(TableUpdate::RemoveNeighbor {
                    addr: hnp.network().octets(),
                });
            }
        }
        if let Some(prev) = self.installed.remove(&session) {
            self.release_peer(prev.remote);
        }
    }

    fn release_held(&mut self) {
        while let Some((g, ..)) = self.held.front() {
            if !self.publisher.visible_everywhere(*g) {
                break;
            }
            if let Some((_, src, dst, msg, arrived)) = self.held.pop_front() {
                self.send_mh(src, dst, &msg);
                if let Some(t) = arrived {
                    self.pbu_processing.observe(t.elapsed().as_secs_f64());
                }
            }
        }
    }

    fn send_mh(&mut self, src: Ipv6Addr, dst: Ipv6Addr, body: &[u8]) {
        let ip = ipv6_packet(src, dst, IpProtocol::Unknown(PROTO_MH), HOP_LIMIT, body);
        self.stats.mh_out += 1;
        self.send_ip(dst, ip);
    }

    /// Routes an IPv6 packet we originate: next hop from the route table,
    /// link-layer address from the neighbor cache (solicited if unknown; the
    /// packet waits for the answer).
    fn send_ip(&mut self, dst: Ipv6Addr, ip: Vec<u8>) {
        let Some(nh) = self.routes.lookup(dst) else {
            self.stats.unresolved_drops += 1;
            tracing::warn!(%dst, "no route for a packet the slowpath originates");
            return;
        };
        let next_hop = nh.neighbor_for(dst);
        match self.neighbors.get(&next_hop).copied() {
            Some(n) => self.emit_frame(n.port, n.mac, &ip),
            None => {
                if self.pending.len() >= MAX_PENDING {
                    self.pending.pop_front();
                    self.stats.unresolved_drops += 1;
                }
                self.pending.push_back(PendingTx {
                    next_hop,
                    ip,
                    queued: Instant::now(),
                });
                self.solicit(next_hop, nh.port);
            }
        }
    }

    fn solicit(&mut self, target: Ipv6Addr, port: u16) {
        if self.solicits.contains_key(&target) || self.neighbors.contains_key(&target) {
            return;
        }
        self.solicits.insert(
            target,
            Solicit {
                port,
                tries: 0,
                next: Instant::now(),
            },
        );
        self.retry_solicits();
    }

    fn retry_solicits(&mut self) {
        let now = Instant::now();
        let mut give_up = Vec::new();
        let due: Vec<(Ipv6Addr, u16)> = self
            .solicits
            .iter()
            .filter(|(_, s)| s.next <= now)
            .map(|(t, s)| (*t, s.port))
            .collect();
        for (target, port) in due {
            let tries = self.solicits.get(&target).map(|s| s.tries).unwrap_or(0);
            if tries >= MAX_SOLICIT {
                give_up.push(target);
                continue;
            }
            self.send_ns(port, target);
            if let Some(s) = self.solicits.get_mut(&target) {
                s.tries += 1;
                s.next = now + RETRANS;
            }
        }
        for t in give_up {
            self.solicits.remove(&t);
            let before = self.pending.len();
            self.pending.retain(|p| p.next_hop != t);
            self.stats.unresolved_drops += (before - self.pending.len()) as u64;
            // Routes' next hops are asked again later (a CN that comes up late).
            let again = self
                .routes
                .iter()
                .find(|r| r.next_hop.via == Some(t))
                .map(|r| r.next_hop.port);
            if let Some(port) = again {
                self.solicits.insert(
                    t,
                    Solicit {
                        port,
                        tries: 0,
                        next: now + RETRANS * 5,
                    },
                );
            }
        }
    }

    fn send_ns(&mut self, port: u16, target: Ipv6Addr) {
        let Some(p) = self.ports.get(usize::from(port)) else {
            return;
        };
        let src = p
            .addrs
            .iter()
            .find(|a| {
                if target.is_unicast_link_local() {
                    a.is_unicast_link_local()
                } else {
                    !a.is_unicast_link_local()
                }
            })
            .or_else(|| p.addrs.first())
            .copied()
            .unwrap_or(Ipv6Addr::UNSPECIFIED);
        let mac = p.mac;
        let group = solicited_node(&target);
        let ns = Icmpv6Repr::Ndisc(NdiscRepr::NeighborSolicit {
            target_addr: target,
            lladdr: Some(RawHardwareAddress::from_bytes(&mac)),
        });
        self.send_icmpv6(port, multicast_mac(&group), src, group, 255, &ns);
        self.stats.ns_out += 1;
    }

    fn learn(&mut self, addr: Ipv6Addr, mac: [u8; 6], port: u16) {
        if addr.is_unspecified() || addr.is_multicast() || mac == [0; 6] || mac[0] & 1 == 1 {
            return;
        }
        let changed = match self.neighbors.get(&addr) {
            Some(n) => n.mac != mac || n.port != port,
            None => true,
        };
        if !changed {
            return;
        }
        self.neighbors.insert(addr, NeighborEntry { mac, port });
        self.stats.neighbors_learned += 1;
        self.publish(TableUpdate::SetNeighbor {
            addr: addr.octets(),
            neighbor: Neighbor { mac, port },
        });
        self.solicits.remove(&addr);
        // Send what waited for this neighbor.
        let mut keep = VecDeque::with_capacity(self.pending.len());
        while let Some(p) = self.pending.pop_front() {
            if p.next_hop == addr {
                let stale_mh =
                    p.ip.get(6) == Some(&PROTO_MH) && p.queued.elapsed() > PENDING_MH_MAX_AGE;
                if stale_mh {
                    self.stats.unresolved_drops += 1;
                } else {
                    self.emit_frame(port, mac, &p.ip);
                }
            } else {
                keep.push_back(p);
            }
        }
        self.pending = keep;
    }

    fn router_advertisement(&mut self, ra: &RouterAdvertisement) {
        let Engine::Mag(m) = &self.engine else {
            return;
        };
        let port = m.access_port;
        let Some(mac) = m.mac_of.get(&ra.session).copied().or_else(|| {
            ra.mn_link_layer_id
                .as_deref()
                .and_then(|b| <[u8; 6]>::try_from(b).ok())
        }) else {
            return;
        };
        let own_mac = self.ports[usize::from(port)].mac;
        // One RA per prefix keeps to smoltcp's single Prefix Information
        // option; an MN normally has exactly one HNP (RFC 5213 §5.2).
        let prefixes: Vec<Ipv6Net> = if ra.prefixes.is_empty() {
            vec![Ipv6Net::default()]
        } else {
            ra.prefixes.clone()
        };
        for pfx in prefixes {
            let prefix_info = (!ra.prefixes.is_empty()).then(|| NdiscPrefixInformation {
                prefix_len: pfx.prefix_len(),
                flags: NdiscPrefixInfoFlags::ON_LINK | NdiscPrefixInfoFlags::ADDRCONF,
                valid_lifetime: smol_dur(ra.valid_lifetime),
                preferred_lifetime: smol_dur(ra.preferred_lifetime),
                prefix: pfx.network(),
            });
            let repr = Icmpv6Repr::Ndisc(NdiscRepr::RouterAdvert {
                hop_limit: HOP_LIMIT,
                flags: NdiscRouterFlags::empty(),
                router_lifetime: smol_dur(ra.router_lifetime),
                reachable_time: smoltcp::time::Duration::from_millis(0),
                retrans_time: smoltcp::time::Duration::from_millis(0),
                lladdr: Some(RawHardwareAddress::from_bytes(&own_mac)),
                mtu: ra.mtu,
                prefix_info,
            });
            // Unicast at the link layer to the MN (RFC 5213 §6.7), all-nodes
            // at the IP layer since the MN's link-local address is unknown.
            let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
            self.send_icmpv6(port, mac, ra.source, all_nodes, 255, &repr);
            self.stats.ra_out += 1;
        }
    }

    fn send_icmpv6(
        &mut self,
        port: u16,
        dst_mac: [u8; 6],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: u8,
        repr: &Icmpv6Repr<'_>,
    ) {
        let mut body = vec![0u8; repr.buffer_len()];
        let mut pkt = Icmpv6Packet::new_unchecked(&mut body[..]);
        repr.emit(&src, &dst, &mut pkt, &ChecksumCapabilities::default());
        let ip = ipv6_packet(src, dst, IpProtocol::Icmpv6, hop_limit, &body);
        self.emit_frame(port, dst_mac, &ip);
    }

    fn emit_frame(&mut self, port: u16, dst_mac: [u8; 6], ip: &[u8]) {
        let Some(p) = self.ports.get(usize::from(port)) else {
            return;
        };
        let mut frame = vec![0u8; ETH_LEN + ip.len()];
        let mut eth = EthernetFrame::new_unchecked(&mut frame[..]);
        EthernetRepr {
            src_addr: EthernetAddress(p.mac),
            dst_addr: EthernetAddress(dst_mac),
            ethertype: EthernetProtocol::Ipv6,
        }
        .emit(&mut eth);
        frame[ETH_LEN..].copy_from_slice(ip);
        let Some(mut m) = self.pool.alloc() else {
            self.stats.inject_drops += 1;
            return;
        };
        if m.set_data(&frame).is_err() {
            self.stats.inject_drops += 1;
            return;
        }
        m.set_port(port);
        if self.inject.push(m).is_err() {
            self.stats.inject_drops += 1;
        }
    }

    fn is_ours(&self, port: u16, a: &Ipv6Addr) -> bool {
        self.ports
            .get(usize::from(port))
            .is_some_and(|p| p.addrs.contains(a))
    }

    fn on_link(&self, port: u16, a: &Ipv6Addr) -> bool {
        if a.is_unspecified() || a.is_multicast() {
            return false;
        }
        a.is_unicast_link_local()
            || self
                .ports
                .get(usize::from(port))
                .is_some_and(|p| p.nets.iter().any(|n| n.contains(a)))
    }
}

/// `mobgw_pbu_processing_seconds`: 10 µs to about 1.3 s, doubling.
fn pbu_histogram() -> prometheus::Histogram {
    let buckets = (0..18).map(|i| 10e-6 * f64::from(1u32 << i)).collect();
    let opts = prometheus::HistogramOpts::new(
        "mobgw_pbu_processing_seconds",
        "Time from a Proxy Binding Update's arrival to its Proxy Binding Acknowledgement \
         leaving, including the wait until the binding is visible in every worker.",
    )
    .buckets(buckets);
    prometheus::Histogram::with_opts(opts).expect("constant, valid histogram options")
}

fn ipv6_packet(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    nh: IpProtocol,
    hop_limit: u8,
    body: &[u8],
) -> Vec<u8> {
    let mut buf = vec![0u8; IPV6_LEN + body.len()];
    let mut pkt = Ipv6Packet::new_unchecked(&mut buf[..]);
    Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: nh,
        payload_len: body.len(),
        hop_limit,
    }
    .emit(&mut pkt);
    buf[IPV6_LEN..].copy_from_slice(body);
    buf
}

fn mac_of(hw: RawHardwareAddress) -> Option<[u8; 6]> {
    <[u8; 6]>::try_from(hw.as_bytes()).ok()
}

/// ff02::1:ffXX:XXXX for `target` (RFC 4291 §2.7.1).
pub fn solicited_node(target: &Ipv6Addr) -> Ipv6Addr {
    let o = target.octets();
    Ipv6Addr::from([
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15],
    ])
}

/// 33:33 + the low 32 bits of an IPv6 multicast group (RFC 2464 §7).
pub fn multicast_mac(group: &Ipv6Addr) -> [u8; 6] {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

fn smol_dur(d: Duration) -> smoltcp::time::Duration {
    smoltcp::time::Duration::from_millis(d.as_millis() as u64)
}

pub fn fmt_mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solicited_node_group_and_mac() {
        let t: Ipv6Addr = "2001:db8:100::2".parse().unwrap();
        let g = solicited_node(&t);
        assert_eq!(g, "ff02::1:ff00:2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(multicast_mac(&g), [0x33, 0x33, 0xff, 0, 0, 2]);
    }

    #[test]
    fn ipv6_packet_layout() {
        let p = ipv6_packet(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
            IpProtocol::Unknown(PROTO_MH),
            64,
            &[1, 2, 3, 4, 5, 6, 7, 8],
        );
        assert_eq!(p.len(), 48);
        assert_eq!(p[0] >> 4, 6);
        assert_eq!(u16::from_be_bytes([p[4], p[5]]), 8);
        assert_eq!(p[6], 135);
        assert_eq!(p[7], 64);
        assert_eq!(&p[40..], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
