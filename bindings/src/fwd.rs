//! Forwarding-table replica: what one worker needs to forward a packet, and
//! nothing more. One replica per worker, touched by that worker alone.
//!
//! Lookups take addresses as `[u8; 16]` and never allocate, lock, or write
//! shared memory. Changes arrive as [`TableUpdate`]s (see [`crate::update`]).

use crate::flat::FlatTable;
use crate::prefix::{mask, Prefix};
use std::collections::BTreeMap;

/// How [`Replica::lookup_burst_with`] starts the memory reads of a chunk
/// before comparing any key. A prefetch instruction needs `unsafe`, which
/// this crate forbids: the caller supplies it (the fastpath's DPDK layer).
pub trait Prefetch {
    /// Issue an early load kept alive instead of calling
    /// [`Prefetch::prefetch`]: it does not wait either, but occupies a load
    /// slot until the line arrives, so the core stalls once its line-fill
    /// buffers are full.
    const EARLY_LOAD: bool = false;
    /// Hint that `r` will be read soon; never blocks.
    fn prefetch<T>(r: &T);
}

/// The portable [`Prefetch`]: early loads, no instruction needed.
#[derive(Debug, Clone, Copy, Default)]
pub struct EarlyLoad;

impl Prefetch for EarlyLoad {
    const EARLY_LOAD: bool = true;
    #[inline(always)]
    fn prefetch<T>(_: &T) {}
}

/// Identifier of a tunnel peer (a MAG seen from the LMA, the LMA seen from a
/// MAG, a remote SMA/LMA, an RO peer MAG). Chosen by the slowpath; small
/// dense numbers keep the peer table a plain array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PeerId(pub u32);

/// Tunnel encapsulation toward a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TunnelKind {
    /// IPv6-in-IPv6 (RFC 2473), the PMIPv6 default (RFC 5213 §5.6.1).
    #[default]
    Ip6Ip6,
    /// GRE (RFC 5845). `key` is the GRE key to put in packets sent on this
    /// tunnel; `None` is GRE without keys (option Len 2, RFC 5845 §4.2).
    Gre { key: Option<u32> },
}

/// What a worker does with a packet whose destination matched an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FwdAction {
    /// Encapsulate toward `peer` (RFC 5213 §5.6.1 LMA downlink, §6.10.5 MAG
    /// uplink). The outer destination is `WorkerTables::peer(peer).addr`.
    Encap { peer: PeerId, tunnel: TunnelKind },
    /// A tunnel packet addressed to us from `peer`: decapsulate, then check
    /// the inner source with `source_allowed` (RFC 5213 §5.6.2).
    DecapCheck { peer: PeerId },
    /// Deliver on a local link (the MAG's access link toward an attached MN,
    /// next hop resolved through the neighbor table).
    Local,
}

impl FwdAction {
    /// The tunnel peer this action refers to, if any.
    pub fn peer(&self) -> Option<PeerId> {
        match *self {
            FwdAction::Encap { peer, .. } | FwdAction::DecapCheck { peer } => Some(peer),
            FwdAction::Local => None,
        }
    }
}

/// A tunnel peer as the fastpath needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerInfo {
    pub id: PeerId,
    /// The peer's tunnel endpoint (Proxy-CoA of a MAG, LMA address, ...).
    pub addr: [u8; 16],
}

/// Next hop on a local link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Neighbor {
    pub mac: [u8; 6],
    /// DPDK port index to send on.
    pub port: u16,
}

/// One change to the forwarding tables. Small and `Copy`, sent by value
/// through each worker's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableUpdate {
    /// Install or replace a prefix route (an HNP, a pool aggregate, an RO
    /// pair's peer prefix, a DMM location entry).
    SetPrefix {
        prefix: Prefix,
        action: FwdAction,
    },
    RemovePrefix {
        prefix: Prefix,
    },
    /// Install or replace a MIPv6 home address (/128, RFC 6275 §9.1). These
    /// are looked up before any prefix (RFC 6612 §4.2).
    SetHomeAddress {
        hoa: [u8; 16],
        action: FwdAction,
    },
    RemoveHomeAddress {
        hoa: [u8; 16],
    },
    /// Install or replace a tunnel peer; its `addr` also becomes the outer
    /// source accepted for decapsulation.
    SetPeer(PeerInfo),
    /// Remove a peer. Routes naming it stay (the slowpath removes them
    /// first); they then simply find no peer.
    RemovePeer {
        id: PeerId,
    },
    SetNeighbor {
        addr: [u8; 16],
        neighbor: Neighbor,
    },
    RemoveNeighbor {
        addr: [u8; 16],
    },
    /// Drop everything (slowpath restart, resynchronisation).
    Clear,
}

/// Peer ids above this are refused, so a bad id cannot make the dense peer
/// array huge.
pub const MAX_PEER_ID: u32 = 1 << 20;

const FILLER: FwdAction = FwdAction::Local;

/// Forwarding tables of one worker. Also usable on its own (tests, the
/// slowpath's shadow copy); [`crate::WorkerTables`] wraps it with the queue.
#[derive(Debug, Clone)]
pub struct Replica {
    /// MIPv6 home addresses, tag 128.
    hoa: FlatTable<FwdAction>,
    /// Prefix routes, tag = prefix length, key = masked address.
    prefixes: FlatTable<FwdAction>,
    /// Routes per prefix length, to keep `lens` exact.
    len_count: [u32; 129],
    /// Prefix lengths in use, longest first (usually just 64).
    lens: Vec<u8>,
    /// Outer source address → peer id.
    endpoints: FlatTable<PeerId>,
    /// Peer id → peer.
    peers: Vec<Option<PeerInfo>>,
    neighbors: FlatTable<Neighbor>,
}

impl Default for Replica {
    fn default() -> Self {
        Replica::with_capacity(0)
    }
}

/// Plain-map view of a replica, for comparisons in tests and for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaSnapshot {
    pub home_addresses: BTreeMap<[u8; 16], FwdAction>,
    pub prefixes: BTreeMap<Prefix, FwdAction>,
    pub peers: BTreeMap<PeerId, [u8; 16]>,
    pub neighbors: BTreeMap<[u8; 16], Neighbor>,
}

impl ReplicaSnapshot {
    /// Apply an update to the plain-map model (the reference semantics of
    /// [`Replica::apply`]).
    pub fn apply(&mut self, u: &TableUpdate) {
        match *u {
            TableUpdate::SetPrefix { prefix, action } => {
                self.prefixes.insert(prefix, action);
            }
            TableUpdate::RemovePrefix { prefix } => {
                self.prefixes.remove(&prefix);
            }
            TableUpdate::SetHomeAddress { hoa, action } => {
                self.home_addresses.insert(hoa, action);
            }
            TableUpdate::RemoveHomeAddress { hoa } => {
                self.home_addresses.remove(&hoa);
            }
            TableUpdate::SetPeer(p) => {
                if p.id.0 <= MAX_PEER_ID {
                    // One address names one peer: a newer peer takes it over.
                    self.peers.retain(|&id, addr| id == p.id || *addr != p.addr);
                    self.peers.insert(p.id, p.addr);
                }
            }
            TableUpdate::RemovePeer { id } => {
                self.peers.remove(&id);
            }
            TableUpdate::SetNeighbor { addr, neighbor } => {
                self.neighbors.insert(addr, neighbor);
            }
            TableUpdate::RemoveNeighbor { addr } => {
                self.neighbors.remove(&addr);
            }
            TableUpdate::Clear => *self = ReplicaSnapshot::default(),
        }
    }
}

/// Burst lookups are done in chunks of this many keys: pass 1 reads every
/// chunk member's home slot, pass 2 compares.
const CHUNK: usize = 32;

impl Replica {
    /// Sized for `prefixes` routes without growing.
    pub fn with_capacity(prefixes: usize) -> Replica {
        Replica {
            hoa: FlatTable::with_capacity(0, FILLER),
            prefixes: FlatTable::with_capacity(prefixes, FILLER),
            len_count: [0; 129],
            lens: Vec::new(),
            endpoints: FlatTable::with_capacity(0, PeerId(0)),
            peers: Vec::new(),
            neighbors: FlatTable::with_capacity(0, Neighbor::default()),
        }
    }

    /// Apply one update. Allocation may happen here (table growth), never in
    /// the lookups.
    pub fn apply(&mut self, u: &TableUpdate) {
        match *u {
            TableUpdate::SetPrefix { prefix, action } => {
                if self
                    .prefixes
                    .insert(prefix.bits(), prefix.len(), action)
                    .is_none()
                {
                    self.count_len(prefix.len(), true);
                }
            }
            TableUpdate::RemovePrefix { prefix } => {
                if self.prefixes.remove(prefix.bits(), prefix.len()).is_some() {
                    self.count_len(prefix.len(), false);
                }
            }
            TableUpdate::SetHomeAddress { hoa, action } => {
                self.hoa.insert(u128::from_be_bytes(hoa), 128, action);
            }
            TableUpdate::RemoveHomeAddress { hoa } => {
                self.hoa.remove(u128::from_be_bytes(hoa), 128);
            }
            TableUpdate::SetPeer(p) => self.set_peer(p),
            TableUpdate::RemovePeer { id } => {
                if let Some(slot) = self.peers.get_mut(id.0 as usize) {
                    if let Some(old) = slot.take() {
                        let k = u128::from_be_bytes(old.addr);
                        if self.endpoints.get(k, 0) == Some(id) {
                            self.endpoints.remove(k, 0);
                        }
                    }
                }
            }
            TableUpdate::SetNeighbor { addr, neighbor } => {
                self.neighbors
                    .insert(u128::from_be_bytes(addr), 0, neighbor);
            }
            TableUpdate::RemoveNeighbor { addr } => {
                self.neighbors.remove(u128::from_be_bytes(addr), 0);
            }
            TableUpdate::Clear => {
                self.hoa.clear();
                self.prefixes.clear();
                self.len_count = [0; 129];
                self.lens.clear();
                self.endpoints.clear();
                self.peers.clear();
                self.neighbors.clear();
            }
        }
    }

    fn set_peer(&mut self, p: PeerInfo) {
        if p.id.0 > MAX_PEER_ID {
            return;
        }
        let i = p.id.0 as usize;
        if self.peers.len() <= i {
            self.peers.resize(i + 1, None);
        }
        if let Some(old) = self.peers[i].replace(p) {
            let k = u128::from_be_bytes(old.addr);
            if self.endpoints.get(k, 0) == Some(p.id) {
                self.endpoints.remove(k, 0);
            }
        }
        // An address names one peer; a newer SetPeer for the same address
        // takes it over, and the older peer id loses its entry.
        if let Some(prev) = self.endpoints.insert(u128::from_be_bytes(p.addr), 0, p.id) {
            if prev != p.id {
                if let Some(slot) = self.peers.get_mut(prev.0 as usize) {
                    *slot = None;
                }
            }
        }
    }

    fn count_len(&mut self, len: u8, add: bool) {
        let c = &mut self.len_count[usize::from(len)];
        if add {
            *c += 1;
            if *c == 1 {
                self.lens.push(len);
                self.lens.sort_unstable_by(|a, b| b.cmp(a));
            }
        } else {
            *c -= 1;
            if *c == 0 {
                self.lens.retain(|&l| l != len);
            }
        }
    }

    /// Longest-prefix match on the prefix routes only.
    #[inline]
    fn lookup_prefix(&self, a: u128) -> Option<FwdAction> {
        for &len in &self.lens {
            if let Some(v) = self.prefixes.get(a & mask(len), len) {
                return Some(v);
            }
        }
        None
    }

    /// Destination lookup: MIPv6 home address first, then the longest
    /// matching prefix (RFC 6612 §4.2).
    #[inline]
    pub fn lookup_dst(&self, dst: &[u8; 16]) -> Option<FwdAction> {
        let a = u128::from_be_bytes(*dst);
        if !self.hoa.is_empty() {
            if let Some(v) = self.hoa.get(a, 128) {
                return Some(v);
            }
        }
        self.lookup_prefix(a)
    }

    /// Starts bringing in the slot a later [`Replica::lookup_burst_with`]
    /// compares first for `dst` (the home slot at the longest prefix
    /// length), so the miss overlaps whatever the caller does meanwhile.
    #[inline]
    pub fn prefetch_dst<H: Prefetch>(&self, dst: &[u8; 16]) {
        if let Some(&first) = self.lens.first() {
            let a = u128::from_be_bytes(*dst) & mask(first);
            self.prefixes.prefetch::<H>(self.prefixes.home(a, first));
        }
    }

    /// Destination lookup for a burst; `out[i]` gets the result for
    /// `keys[i]` (extra elements of the longer slice are left alone).
    ///
    /// Two passes per chunk of 32: the first computes every key's home slot
    /// for the longest prefix length and reads it, so the cache misses of a
    /// whole chunk are in flight together; the second compares.
    pub fn lookup_burst(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]) {
        self.lookup_burst_with::<EarlyLoad>(keys, out);
    }

    /// [`Replica::lookup_burst`] bringing each chunk's slots in with `H`
    /// (a prefetch instruction where the caller has one).
    #[inline]
    pub fn lookup_burst_with<H: Prefetch>(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]) {
        let n = keys.len().min(out.len());
        let Some(&first) = self.lens.first() else {
            for (k, o) in keys.iter().zip(out.iter_mut()) {
                *o = self.lookup_dst(k);
            }
            return;
        };
        let use_hoa = !self.hoa.is_empty();
        let m = mask(first);
        // Software pipeline over chunks: the reads for chunk c+1 are issued
        // before chunk c is compared, so misses overlap with the compares.
        let mut idx = [[0usize; CHUNK]; 2];
        let mut cur = 0;
        self.issue_chunk::<H>(&keys[..n.min(CHUNK)], m, first, &mut idx[cur]);
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let next_end = (end + CHUNK).min(n);
            if end < n {
                self.issue_chunk::<H>(&keys[end..next_end], m, first, &mut idx[cur ^ 1]);
            }
            let ids = &idx[cur];
            for (i, (k, o)) in keys[start..end]
                .iter()
                .zip(out[start..end].iter_mut())
                .enumerate()
            {
                let a = u128::from_be_bytes(*k);
                if use_hoa {
                    if let Some(v) = self.hoa.get(a, 128) {
                        *o = Some(v);
                        continue;
                    }
                }
                *o = match self.prefixes.get_from(ids[i], a & m, first) {
                    Some(v) => Some(v),
                    None if self.lens.len() > 1 => self.lookup_prefix(a),
                    None => None,
                };
            }
            cur ^= 1;
            start = end;
        }
    }

    /// Pass 1 of a chunk: home slots (arithmetic only), then one prefetch
    /// (or early load) per key in a tight loop, so the chunk's cache and TLB
    /// misses are all in flight together.
    #[inline(always)]
    fn issue_chunk<H: Prefetch>(
        &self,
        keys: &[[u8; 16]],
        m: u128,
        len: u8,
        idx: &mut [usize; CHUNK],
    ) {
        for (i, k) in keys.iter().enumerate().take(CHUNK) {
            idx[i] = self.prefixes.home(u128::from_be_bytes(*k) & m, len);
        }
        if H::EARLY_LOAD {
            let mut acc = 0u8;
            for &h in &idx[..keys.len().min(CHUNK)] {
                acc ^= self.prefixes.touch(h);
            }
            core::hint::black_box(acc);
        } else {
            for &h in &idx[..keys.len().min(CHUNK)] {
                self.prefixes.prefetch::<H>(h);
            }
        }
    }

    /// Same result as [`Replica::lookup_burst`], one key after the other
    /// (the baseline the burst version is measured against).
    pub fn lookup_serial(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]) {
        for (k, o) in keys.iter().zip(out.iter_mut()) {
            *o = self.lookup_dst(k);
        }
    }

    /// Peer owning the tunnel whose outer source is `outer_src`.
    #[inline]
    pub fn tunnel_peer(&self, outer_src: &[u8; 16]) -> Option<PeerInfo> {
        let id = self.endpoints.get(u128::from_be_bytes(*outer_src), 0)?;
        self.peer(id)
    }

    /// Peer by id.
    #[inline]
    pub fn peer(&self, id: PeerId) -> Option<PeerInfo> {
        self.peers.get(id.0 as usize).copied().flatten()
    }

    /// RFC 5213 §5.6.2: a packet reverse-tunneled by `peer` may only carry an
    /// inner source from a home address or prefix bound to that same peer.
    #[inline]
    pub fn source_allowed(&self, inner_src: &[u8; 16], peer: PeerId) -> bool {
        self.lookup_dst(inner_src)
            .is_some_and(|a| a.peer() == Some(peer))
    }

    /// Link-layer next hop for `addr`.
    #[inline]
    pub fn neighbor(&self, addr: &[u8; 16]) -> Option<Neighbor> {
        self.neighbors.get(u128::from_be_bytes(*addr), 0)
    }

    /// Number of prefix routes.
    pub fn prefix_count(&self) -> usize {
        self.prefixes.len()
    }

    /// Number of MIPv6 home-address routes.
    pub fn home_address_count(&self) -> usize {
        self.hoa.len()
    }

    /// Bytes held by the prefix table per route (slots × slot size / routes),
    /// allocator-independent; `None` when empty.
    pub fn prefix_bytes_per_entry(&self) -> Option<f64> {
        let n = self.prefixes.len();
        (n > 0).then(|| {
            (self.prefixes.slot_count() * FlatTable::<FwdAction>::slot_size()) as f64 / n as f64
        })
    }

    /// Copy of the contents as plain maps.
    pub fn snapshot(&self) -> ReplicaSnapshot {
        let mut s = ReplicaSnapshot::default();
        for (k, _, v) in self.hoa.iter() {
            s.home_addresses.insert(k.to_be_bytes(), v);
        }
        for (k, len, v) in self.prefixes.iter() {
            if let Ok(p) = Prefix::new(k.to_be_bytes(), len) {
                s.prefixes.insert(p, v);
            }
        }
        for p in self.peers.iter().flatten() {
            s.peers.insert(p.id, p.addr);
        }
        for (k, _, v) in self.neighbors.iter() {
            s.neighbors.insert(k.to_be_bytes(), v);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> [u8; 16] {
        s.parse::<std::net::Ipv6Addr>().unwrap().octets()
    }
    fn p(s: &str, len: u8) -> Prefix {
        Prefix::new(a(s), len).unwrap()
    }
    const ENC1: FwdAction = FwdAction::Encap {
        peer: PeerId(1),
        tunnel: TunnelKind::Ip6Ip6,
    };
    const ENC2: FwdAction = FwdAction::Encap {
        peer: PeerId(2),
        tunnel: TunnelKind::Gre { key: Some(7) },
    };

    #[test]
    fn sizes_stay_small() {
        assert!(core::mem::size_of::<FwdAction>() <= 12);
        assert!(core::mem::size_of::<TableUpdate>() <= 40);
        assert_eq!(FlatTable::<FwdAction>::slot_size(), 32);
    }

    #[test]
    fn home_address_before_prefix_and_longest_first() {
        let mut r = Replica::default();
        r.apply(&TableUpdate::SetPrefix {
            prefix: p("2001:db8:1000::", 48),
            action: FwdAction::Local,
        });
        r.apply(&TableUpdate::SetPrefix {
            prefix: p("2001:db8:1000:5::", 64),
            action: ENC1,
        });
        let mn = a("2001:db8:1000:5::9");
        assert_eq!(r.lookup_dst(&mn), Some(ENC1));
        assert_eq!(
            r.lookup_dst(&a("2001:db8:1000:6::9")),
            Some(FwdAction::Local)
        );
        assert_eq!(r.lookup_dst(&a("2001:db8:2000::1")), None);
        r.apply(&TableUpdate::SetHomeAddress {
            hoa: mn,
            action: ENC2,
        });
        assert_eq!(r.lookup_dst(&mn), Some(ENC2));
        let keys = [
            mn,
            a("2001:db8:1000:5::8"),
            a("2001:db8:1000:7::1"),
            a("::1"),
        ];
        let mut out = [None; 4];
        r.lookup_burst(&keys, &mut out);
        assert_eq!(out, [Some(ENC2), Some(ENC1), Some(FwdAction::Local), None]);
        r.apply(&TableUpdate::RemoveHomeAddress { hoa: mn });
        r.apply(&TableUpdate::RemovePrefix {
            prefix: p("2001:db8:1000::", 48),
        });
        assert_eq!(r.lookup_dst(&mn), Some(ENC1));
        assert_eq!(r.lookup_dst(&a("2001:db8:1000:6::9")), None);
        assert_eq!(r.lens, vec![64]);
    }

    #[test]
    fn tunnel_endpoints_and_source_check() {
        let mut r = Replica::default();
        let mag1 = a("2001:db8:100::2");
        let mag2 = a("2001:db8:100::3");
        r.apply(&TableUpdate::SetPeer(PeerInfo {
            id: PeerId(1),
            addr: mag1,
        }));
        r.apply(&TableUpdate::SetPeer(PeerInfo {
            id: PeerId(2),
            addr: mag2,
        }));
        r.apply(&TableUpdate::SetPrefix {
            prefix: p("2001:db8:1000:5::", 64),
            action: ENC1,
        });
        assert_eq!(r.tunnel_peer(&mag1).map(|x| x.id), Some(PeerId(1)));
        assert_eq!(r.tunnel_peer(&a("::9")), None);
        let src = a("2001:db8:1000:5::77");
        assert!(r.source_allowed(&src, PeerId(1)));
        assert!(!r.source_allowed(&src, PeerId(2)));
        assert!(!r.source_allowed(&a("2001:db8:1000:6::77"), PeerId(1)));
        // Moving a peer to another address drops the old endpoint.
        r.apply(&TableUpdate::SetPeer(PeerInfo {
            id: PeerId(1),
            addr: a("::5"),
        }));
        assert_eq!(r.tunnel_peer(&mag1), None);
        r.apply(&TableUpdate::RemovePeer { id: PeerId(2) });
        assert_eq!(r.tunnel_peer(&mag2), None);
        assert_eq!(r.peer(PeerId(2)), None);
        // Out-of-range ids are ignored rather than allocating.
        r.apply(&TableUpdate::SetPeer(PeerInfo {
            id: PeerId(u32::MAX),
            addr: mag2,
        }));
        assert_eq!(r.tunnel_peer(&mag2), None);
    }

    #[test]
    fn neighbors_and_clear() {
        let mut r = Replica::default();
        let nh = a("fe80::1");
        let n = Neighbor {
            mac: [2, 0, 0, 0, 0, 1],
            port: 1,
        };
        r.apply(&TableUpdate::SetNeighbor {
            addr: nh,
            neighbor: n,
        });
        assert_eq!(r.neighbor(&nh), Some(n));
        r.apply(&TableUpdate::Clear);
        assert_eq!(r.neighbor(&nh), None);
        assert_eq!(r.snapshot(), ReplicaSnapshot::default());
    }
}
