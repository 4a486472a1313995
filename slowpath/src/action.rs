//! What the engines ask their I/O shell to do.
//!
//! The engines never touch a socket or a table: they queue [`Action`]s in the
//! order they must take effect. An accepting PBA is always queued after the
//! [`Action::InstallBinding`]/[`Action::UpdateBinding`] it depends on, so the
//! shell can hold the PBA until the tunnel is visible in every worker.

use std::net::Ipv6Addr;
use std::time::Duration;

use ipnet::Ipv6Net;
use smallvec::SmallVec;

use crate::wire::{AccessTechnologyType, MhBytes, MhRepr};

/// Identifies one mobility session (one Binding Cache entry on the LMA, one
/// Binding Update List entry on the MAG). Stable for the session's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(pub u64);

/// The bi-directional tunnel kind of a binding (RFC 5213 §5.6.1; RFC 5845).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TunnelKind {
    /// IPv6-in-IPv6 (RFC 2473), the default.
    Ip6Ip6,
    /// GRE (RFC 5845). Keys are per binding; `None` means GRE without a key.
    Gre {
        /// Key the LMA puts on packets towards the MAG (sent by the MAG in the PBU).
        downlink_key: Option<u32>,
        /// Key the MAG puts on packets towards the LMA (sent by the LMA in the PBA).
        uplink_key: Option<u32>,
    },
}

/// The home network prefixes of a binding: inline up to two, so a queued
/// install or update allocates nothing for them.
pub type Hnps = SmallVec<[Ipv6Net; 2]>;

/// Forwarding state of one binding, as the fastpath tables need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingSpec {
    /// The session this state belongs to.
    pub session: SessionId,
    /// Home network prefixes routed through the tunnel.
    pub hnps: Hnps,
    /// The local end of the tunnel (LMAA on the LMA, Proxy-CoA on the MAG).
    pub local: Ipv6Addr,
    /// The remote end (Proxy-CoA on the LMA, LMAA on the MAG).
    pub remote: Ipv6Addr,
    /// Tunnel encapsulation.
    pub tunnel: TunnelKind,
    /// Granted lifetime (zero during a de-registration wait).
    pub lifetime: Duration,
}

/// Why a binding's forwarding state goes away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoveReason {
    /// Accepted de-registration (RFC 5213 §5.3.5): traffic is dropped during
    /// MinDelayBeforeBCEDelete, so forwarding stops at once.
    Deregistered,
    /// The binding lifetime ran out.
    Expired,
    /// The MAG gave up after retransmissions, or the LMA rejected a refresh.
    Failed,
    /// The MN detached (MAG side).
    Detached,
}

/// A unicast Router Advertisement the MAG must send to emulate the home link
/// (RFC 5213 §6.9.2; §6.8 for the shared link-local source, RFC 6543).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterAdvertisement {
    /// The session (and so the access link) it is for.
    pub session: SessionId,
    /// The MN's link-layer identifier, when known (destination on the access link).
    pub mn_link_layer_id: Option<Vec<u8>>,
    /// RA source: the MAG link-local address, identical on every MAG.
    pub source: Ipv6Addr,
    /// Router lifetime; zero withdraws the MAG as default router.
    pub router_lifetime: Duration,
    /// The MN's home network prefixes, advertised on-link and for SLAAC.
    pub prefixes: Vec<Ipv6Net>,
    /// Valid lifetime of the prefixes (zero withdraws them).
    pub valid_lifetime: Duration,
    /// Preferred lifetime of the prefixes.
    pub preferred_lifetime: Duration,
    /// Link MTU to advertise (the tunnel MTU, §6.9.5), if configured.
    pub mtu: Option<u32>,
}

/// Notable protocol events, for logs and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A Binding Cache entry was deleted (after MinDelayBeforeBCEDelete or expiry).
    BindingDeleted {
        /// The deleted session.
        session: SessionId,
    },
    /// The MAG stopped retransmitting a PBU for this session.
    RegistrationGaveUp {
        /// The session.
        session: SessionId,
    },
    /// A PBA rejected the MAG's request.
    RegistrationRejected {
        /// The session.
        session: SessionId,
        /// The PBA status (≥ 128).
        status: u8,
    },
    /// The MN's registration succeeded (MAG).
    Registered {
        /// The session.
        session: SessionId,
        /// Granted lifetime.
        lifetime: Duration,
    },
    /// A PBA was ignored (RFC 5213 §6.9.1.2 step 5 or 6).
    PbaIgnored {
        /// Sequence number of the ignored PBA.
        sequence: u16,
    },
    /// The MN needs administrative action before it is served again
    /// (RFC 5213 §6.9.1.2 steps 6 and 7).
    AdministrativelyBlocked {
        /// The session.
        session: SessionId,
    },
    /// The LMA's link-local address for this session (§6.9.1.2 step 15).
    LinkLocalAddress {
        /// The session.
        session: SessionId,
        /// Address to configure on the point-to-point link.
        address: Ipv6Addr,
    },
    /// Access technology changed, for the record.
    AccessTechnology {
        /// The session.
        session: SessionId,
        /// New access technology type.
        att: AccessTechnologyType,
    },
}

/// One thing for the I/O shell to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Encode and send a Mobility Header message.
    Send {
        /// IPv6 destination.
        dst: Ipv6Addr,
        /// IPv6 source.
        src: Ipv6Addr,
        /// The message.
        message: MhRepr,
    },
    /// Send a Mobility Header already in wire form, checksum filled in for `src`
    /// → `dst`: the LMA answers this way to a PBU handed to it in wire form
    /// ([`crate::lma::Lma::handle_mh`]), so that path builds no [`MhRepr`].
    SendBytes {
        /// IPv6 destination.
        dst: Ipv6Addr,
        /// IPv6 source.
        src: Ipv6Addr,
        /// The whole Mobility Header.
        bytes: MhBytes,
    },
    /// Create a binding's forwarding state (tunnel + prefix routes).
    InstallBinding(BindingSpec),
    /// Replace a binding's forwarding state (handoff, refresh with new values).
    UpdateBinding(BindingSpec),
    /// Remove a binding's forwarding state.
    RemoveBinding {
        /// The session.
        session: SessionId,
        /// Its prefixes, so the shell can remove routes without a lookup.
        hnps: Vec<Ipv6Net>,
        /// Why.
        reason: RemoveReason,
    },
    /// Send a Router Advertisement on the MN's access link (MAG).
    RouterAdvertisement(RouterAdvertisement),
    /// Informational.
    Event(Event),
}
