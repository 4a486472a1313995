//! The forwarding-table view the pipeline reads: the `bindings` replica.
//!
//! The pipeline is generic over [`FwdTables`] so it runs on a worker's
//! [`bindings::WorkerTables`] (with its update queue) and, in tests and benches, on a bare
//! [`bindings::Replica`]. Both are static dispatch; nothing here allocates.

use crate::dpdk::HwPrefetch;
use bindings::{FwdAction, Neighbor, PeerId, PeerInfo, Replica, WorkerTables};

/// Read access to one worker's forwarding tables, plus applying queued updates.
pub trait FwdTables {
    /// Destination lookup: MIPv6 home address first, then longest prefix (RFC 6612 §4.2).
    fn lookup_dst(&self, addr: &[u8; 16]) -> Option<FwdAction>;
    /// [`FwdTables::lookup_dst`] for a burst of keys, memory reads overlapped (prefetched).
    fn lookup_burst(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]);
    /// Start reading what [`FwdTables::lookup_burst`] will compare first for `addr`; returns
    /// at once.
    fn prefetch_dst(&self, addr: &[u8; 16]);
    /// The peer whose tunnel endpoint is `outer_src`.
    fn tunnel_peer(&self, outer_src: &[u8; 16]) -> Option<PeerInfo>;
    /// A peer by id.
    fn peer(&self, id: PeerId) -> Option<PeerInfo>;
    /// RFC 5213 §5.6.2 reverse-tunnel source check.
    fn source_allowed(&self, inner_src: &[u8; 16], peer: PeerId) -> bool;
    /// Link-layer next hop for `addr`.
    fn neighbor(&self, addr: &[u8; 16]) -> Option<Neighbor>;
    /// Apply up to `max` queued table updates; returns how many were applied. Called between
    /// bursts only.
    fn apply_pending(&mut self, max: usize) -> usize;
}

impl FwdTables for WorkerTables {
    #[inline]
    fn prefetch_dst(&self, addr: &[u8; 16]) {
        self.replica().prefetch_dst::<HwPrefetch>(addr)
    }
    #[inline]
    fn lookup_dst(&self, addr: &[u8; 16]) -> Option<FwdAction> {
        WorkerTables::lookup_dst(self, addr)
    }
    #[inline]
    fn lookup_burst(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]) {
        self.replica().lookup_burst_with::<HwPrefetch>(keys, out)
    }
    #[inline]
    fn tunnel_peer(&self, outer_src: &[u8; 16]) -> Option<PeerInfo> {
        WorkerTables::tunnel_peer(self, outer_src)
    }
    #[inline]
    fn peer(&self, id: PeerId) -> Option<PeerInfo> {
        WorkerTables::peer(self, id)
    }
    #[inline]
    fn source_allowed(&self, inner_src: &[u8; 16], peer: PeerId) -> bool {
        WorkerTables::source_allowed(self, inner_src, peer)
    }
    #[inline]
    fn neighbor(&self, addr: &[u8; 16]) -> Option<Neighbor> {
        WorkerTables::neighbor(self, addr)
    }
    fn apply_pending(&mut self, max: usize) -> usize {
        WorkerTables::apply_pending(self, max)
    }
}

/// A bare replica has no queue: updates are applied directly with [`Replica::apply`].
impl FwdTables for Replica {
    #[inline]
    fn prefetch_dst(&self, addr: &[u8; 16]) {
        self.prefetch_dst::<HwPrefetch>(addr)
    }
    #[inline]
    fn lookup_dst(&self, addr: &[u8; 16]) -> Option<FwdAction> {
        Replica::lookup_dst(self, addr)
    }
    #[inline]
    fn lookup_burst(&self, keys: &[[u8; 16]], out: &mut [Option<FwdAction>]) {
        Replica::lookup_burst_with::<HwPrefetch>(self, keys, out)
    }
    #[inline]
    fn tunnel_peer(&self, outer_src: &[u8; 16]) -> Option<PeerInfo> {
        Replica::tunnel_peer(self, outer_src)
    }
    #[inline]
    fn peer(&self, id: PeerId) -> Option<PeerInfo> {
        Replica::peer(self, id)
    }
    #[inline]
    fn source_allowed(&self, inner_src: &[u8; 16], peer: PeerId) -> bool {
        Replica::source_allowed(self, inner_src, peer)
    }
    #[inline]
    fn neighbor(&self, addr: &[u8; 16]) -> Option<Neighbor> {
        Replica::neighbor(self, addr)
    }
    fn apply_pending(&mut self, _max: usize) -> usize {
        0
    }
}
