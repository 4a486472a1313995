//! Per-worker counters: plain `u64`s the worker alone writes, published to readers as a
//! snapshot (`Relaxed` stores into a shared block once per N bursts or per idle loop), so no
//! shared cache line is written per packet. The exporter sums the blocks of all workers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

macro_rules! counted_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            /// Every value, in index order.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            /// Number of values.
            pub const COUNT: usize = $name::ALL.len();
            /// Dense index (for counter arrays).
            pub const fn index(self) -> usize { self as usize }
            /// Metric label value.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

counted_enum! {
    /// What the pipeline finally did with a packet (`mobgw_worker_packets_total{action}`).
    Action {
        /// Native packet encapsulated into a tunnel (LMA downlink, MAG uplink).
        Encap => "encap",
        /// Tunnel packet decapsulated and forwarded natively (LMA uplink, MAG downlink).
        Decap => "decap",
        /// Decapsulated, then encapsulated again into another tunnel (MN-to-MN via the LMA).
        Reencap => "reencap",
        /// Routed natively by the static route table.
        Forward => "forward",
        /// Delivered on a local link to an attached MN (MAG local routing, RFC 5213 §6.10.3).
        Local => "local",
        /// Handed to the slowpath.
        Punt => "punt",
        /// Dropped.
        Drop => "drop",
    }
}

counted_enum! {
    /// Why a packet was dropped (`mobgw_drops_total{reason}`).
    DropReason {
        /// Not an Ethernet II IPv6 frame.
        NotIpv6 => "not_ipv6",
        /// Shorter than its headers claim.
        Truncated => "truncated",
        /// A header field with a value we do not accept (IP version, GRE reserved bits, ...).
        Malformed => "malformed",
        /// No route for the destination.
        NoRoute => "no_route",
        /// The next hop has no link-layer address in the neighbor table.
        NoNeighbor => "no_neighbor",
        /// Tunnel packet to us from an address that is no tunnel peer.
        UnknownTunnelPeer => "unknown_tunnel_peer",
        /// RFC 5213 §5.6.2: reverse-tunnelled inner source not bound to that MAG.
        SourceNotBoundToPeer => "source_not_bound_to_peer",
        /// GRE key presence or encapsulation does not match the binding (RFC 5845 §5.2).
        BadGreKey => "bad_gre_key",
        /// Addressed to us, but nothing here handles it.
        UnhandledLocal => "unhandled_local",
        /// Link-local source or destination on a packet to forward (RFC 4291 §2.5.6).
        ScopeViolation => "scope_violation",
        /// RFC 6040 §4.2: outer CE on a Not-ECT inner packet at decapsulation.
        EcnNotEct => "ecn_not_ect",
        /// Multicast other than neighbor discovery.
        Multicast => "multicast",
        /// A binding names a peer the replica does not (yet) know.
        UnknownPeer => "unknown_peer",
        /// A tunnel inside a tunnel to us again (loop guard).
        NestedTunnel => "nested_tunnel",
        /// The buffer has no room for the tunnel headers.
        NoHeadroom => "no_headroom",
        /// The transmit queue did not take the packet.
        TxFull => "tx_full",
        /// The punt ring to the slowpath was full.
        PuntFull => "punt_full",
    }
}

counted_enum! {
    /// Why a packet was punted to the slowpath.
    PuntReason {
        /// Mobility Header (IPv6 next header 135) to us: PBU/PBA/BU/BA...
        MobilityHeader => "mobility_header",
        /// Mobility Header over UDP port 5436 (RFC 5844 §7.2).
        MobilityUdp => "mobility_udp",
        /// ICMPv6 neighbor discovery (RS/RA/NS/NA/Redirect), unicast to us or multicast.
        NeighborDiscovery => "neighbor_discovery",
        /// ICMPv6 echo request/reply to us.
        Echo => "echo",
        /// ICMPv6 error to us (Packet Too Big for a tunnel, unreachable...).
        Icmpv6Error => "icmpv6_error",
        /// Hop limit would reach 0: the slowpath sends Time Exceeded (RFC 4443 §3.3).
        HopLimitExceeded => "hop_limit_exceeded",
        /// Larger than the egress MTU (after encapsulation): the slowpath sends Packet Too Big
        /// (RFC 4443 §3.2, RFC 2473 §7.1).
        PacketTooBig => "packet_too_big",
        /// A fragment addressed to us: reassembly is the slowpath's.
        Fragment => "fragment",
    }
}

/// Counter slots of one worker, flattened so the shared block is a plain array.
const RX_PACKETS: usize = 0;
const RX_BYTES: usize = 1;
const BURSTS: usize = 2;
const IDLE_POLLS: usize = 3;
const TABLE_UPDATES: usize = 4;
const ACTION_PACKETS: usize = 5;
const ACTION_BYTES: usize = ACTION_PACKETS + Action::COUNT;
const DROPS: usize = ACTION_BYTES + Action::COUNT;
const PUNTS: usize = DROPS + DropReason::COUNT;
const BUSY_CYCLES: usize = PUNTS + PuntReason::COUNT;
const IDLE_CYCLES: usize = BUSY_CYCLES + 1;
/// Number of counter slots.
pub const COUNTER_SLOTS: usize = IDLE_CYCLES + 1;

/// One worker's counters, written by that worker only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCounters {
    v: [u64; COUNTER_SLOTS],
}

impl Default for WorkerCounters {
    fn default() -> Self {
        Self {
            v: [0; COUNTER_SLOTS],
        }
    }
}

impl WorkerCounters {
    /// All zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Count a received packet.
    #[inline]
    pub fn rx(&mut self, bytes: usize) {
        self.v[RX_PACKETS] += 1;
        self.v[RX_BYTES] += bytes as u64;
    }
    /// Count a processed burst.
    #[inline]
    pub fn burst(&mut self) {
        self.v[BURSTS] += 1;
    }
    /// Count an empty poll.
    #[inline]
    pub fn idle_poll(&mut self) {
        self.v[IDLE_POLLS] += 1;
    }
    /// Count applied table updates.
    #[inline]
    pub fn table_updates(&mut self, n: usize) {
        self.v[TABLE_UPDATES] += n as u64;
    }
    /// Account the clock cycles of one loop iteration: busy when it found packets, idle
    /// otherwise (empty poll and any back-off sleep after it).
    #[inline]
    pub fn cycles(&mut self, busy: bool, n: u64) {
        self.v[if busy { BUSY_CYCLES } else { IDLE_CYCLES }] += n;
    }
    /// Count a packet's final action and its (final) length.
    #[inline]
    pub fn action(&mut self, a: Action, bytes: usize) {
        self.v[ACTION_PACKETS + a.index()] += 1;
        self.v[ACTION_BYTES + a.index()] += bytes as u64;
    }
    /// Count a drop (also counted as [`Action::Drop`]).
    #[inline]
    pub fn drop_packet(&mut self, r: DropReason, bytes: usize) {
        self.v[DROPS + r.index()] += 1;
        self.action(Action::Drop, bytes);
    }
    /// Count a punt (also counted as [`Action::Punt`]).
    #[inline]
    pub fn punt(&mut self, r: PuntReason, bytes: usize) {
        self.v[PUNTS + r.index()] += 1;
        self.action(Action::Punt, bytes);
    }
    /// Move one packet from a punt to a drop (the punt ring was full).
    pub fn punt_failed(&mut self, r: PuntReason, bytes: usize) {
        self.v[PUNTS + r.index()] -= self.v[PUNTS + r.index()].min(1);
        self.v[ACTION_PACKETS + Action::Punt.index()] -=
            self.v[ACTION_PACKETS + Action::Punt.index()].min(1);
        let b = &mut self.v[ACTION_BYTES + Action::Punt.index()];
        *b -= (*b).min(bytes as u64);
        self.drop_packet(DropReason::PuntFull, bytes);
    }
    /// Move one transmitted packet of action `a` to a drop (the TX queue was full).
    pub fn tx_failed(&mut self, a: Action, bytes: usize) {
        let p = &mut self.v[ACTION_PACKETS + a.index()];
        *p -= (*p).min(1);
        let b = &mut self.v[ACTION_BYTES + a.index()];
        *b -= (*b).min(bytes as u64);
        self.drop_packet(DropReason::TxFull, bytes);
    }

    /// Received packets.
    pub fn rx_packets(&self) -> u64 {
        self.v[RX_PACKETS]
    }
    /// Received bytes.
    pub fn rx_bytes(&self) -> u64 {
        self.v[RX_BYTES]
    }
    /// Processed (non-empty) bursts.
    pub fn bursts(&self) -> u64 {
        self.v[BURSTS]
    }
    /// Empty polls.
    pub fn idle_polls(&self) -> u64 {
        self.v[IDLE_POLLS]
    }
    /// Table updates applied.
    pub fn table_updates_applied(&self) -> u64 {
        self.v[TABLE_UPDATES]
    }
    /// Cycles spent in iterations that found packets.
    pub fn busy_cycles(&self) -> u64 {
        self.v[BUSY_CYCLES]
    }
    /// Cycles spent in empty polls and back-off sleeps.
    pub fn idle_cycles(&self) -> u64 {
        self.v[IDLE_CYCLES]
    }
    /// Packets by final action.
    pub fn packets(&self, a: Action) -> u64 {
        self.v[ACTION_PACKETS + a.index()]
    }
    /// Bytes by final action.
    pub fn bytes(&self, a: Action) -> u64 {
        self.v[ACTION_BYTES + a.index()]
    }
    /// Drops by reason.
    pub fn drops(&self, r: DropReason) -> u64 {
        self.v[DROPS + r.index()]
    }
    /// Punts by reason.
    pub fn punts(&self, r: PuntReason) -> u64 {
        self.v[PUNTS + r.index()]
    }

    /// Add another worker's counters (the exporter's sum).
    pub fn add(&mut self, other: &WorkerCounters) {
        for (a, b) in self.v.iter_mut().zip(other.v.iter()) {
            *a = a.wrapping_add(*b);
        }
    }
}

/// The published copy of one worker's counters, readable from any thread.
#[derive(Debug, Clone)]
pub struct SharedCounters {
    cells: Arc<[AtomicU64]>,
}

impl Default for SharedCounters {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedCounters {
    /// A zeroed block.
    pub fn new() -> Self {
        Self {
            cells: (0..COUNTER_SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Publish the worker's counters (worker thread, between bursts). `Relaxed` is enough: each
    /// counter is read independently and only ever grows.
    pub fn publish(&self, c: &WorkerCounters) {
        for (cell, v) in self.cells.iter().zip(c.v.iter()) {
            cell.store(*v, Ordering::Relaxed);
        }
    }

    /// Read the last published values.
    pub fn snapshot(&self) -> WorkerCounters {
        let mut out = WorkerCounters::new();
        for (o, cell) in out.v.iter_mut().zip(self.cells.iter()) {
            *o = cell.load(Ordering::Relaxed);
        }
        out
    }

    /// Sum the published values of several workers.
    pub fn sum<'a>(blocks: impl IntoIterator<Item = &'a SharedCounters>) -> WorkerCounters {
        let mut out = WorkerCounters::new();
        for b in blocks {
            out.add(&b.snapshot());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_indices_dense() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
        let mut labels: Vec<_> = DropReason::ALL.iter().map(|r| r.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), DropReason::COUNT);
        assert_eq!(
            PuntReason::HopLimitExceeded.to_string(),
            "hop_limit_exceeded"
        );
    }

    #[test]
    fn drops_and_punts_count_as_actions() {
        let mut c = WorkerCounters::new();
        c.drop_packet(DropReason::NoRoute, 100);
        c.punt(PuntReason::Echo, 64);
        c.action(Action::Encap, 150);
        assert_eq!(c.drops(DropReason::NoRoute), 1);
        assert_eq!(c.packets(Action::Drop), 1);
        assert_eq!(c.bytes(Action::Drop), 100);
        assert_eq!(c.punts(PuntReason::Echo), 1);
        assert_eq!(c.packets(Action::Punt), 1);
        assert_eq!(c.packets(Action::Encap), 1);
        c.punt_failed(PuntReason::Echo, 64);
        assert_eq!(c.punts(PuntReason::Echo), 0);
        assert_eq!(c.packets(Action::Punt), 0);
        assert_eq!(c.drops(DropReason::PuntFull), 1);
        c.tx_failed(Action::Encap, 150);
        assert_eq!(c.packets(Action::Encap), 0);
        assert_eq!(c.drops(DropReason::TxFull), 1);
    }

    #[test]
    fn cycles_split_busy_and_idle() {
        let mut c = WorkerCounters::new();
        c.cycles(true, 300);
        c.cycles(false, 100);
        c.cycles(true, 50);
        assert_eq!((c.busy_cycles(), c.idle_cycles()), (350, 100));
        let s = SharedCounters::new();
        s.publish(&c);
        assert_eq!(s.snapshot().busy_cycles(), 350);
    }

    #[test]
    fn published_snapshots_sum_across_workers() {
        let (a, b) = (SharedCounters::new(), SharedCounters::new());
        let mut w = WorkerCounters::new();
        w.rx(60);
        w.action(Action::Forward, 60);
        a.publish(&w);
        w.rx(40);
        b.publish(&w);
        let s = SharedCounters::sum([&a, &b]);
        assert_eq!(s.rx_packets(), 3);
        assert_eq!(s.rx_bytes(), 160);
        assert_eq!(s.packets(Action::Forward), 2);
        assert_eq!(a.snapshot().rx_packets(), 1);
    }
}
