//! The engine's view of a Binding Cache entry (RFC 5213 §5.1) in the
//! signaling types. The entries themselves live in
//! [`bindings::BindingCache`]; these are copies made for callers that list
//! or inspect them.

use std::net::Ipv6Addr;
use std::time::Duration;

use bindings::{BceId, BceState, Encapsulation, Prefix};
use ipnet::Ipv6Net;

use crate::action::{SessionId, TunnelKind};
use crate::timers::Time;
use crate::wire::{AccessTechnologyType, HandoffIndicator, Timestamp};

/// Life-cycle state of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingState {
    /// Registered; traffic flows.
    Active,
    /// De-registered; deleted at `delete_at` unless re-registered
    /// (MinDelayBeforeBCEDelete, §5.3.5).
    Deregistered {
        /// When the entry is deleted.
        delete_at: Time,
    },
}

/// One Binding Cache entry (RFC 5213 §5.1), copied out of the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingCacheEntry {
    /// Session handle.
    pub id: SessionId,
    /// Mobile node identifier (MN-ID option).
    pub mn_id: Box<[u8]>,
    /// Link-layer identifier; `None` = ALL_ZERO.
    pub link_layer_id: Option<Box<[u8]>>,
    /// Access technology type.
    pub access_technology: AccessTechnologyType,
    /// Home network prefixes of this session.
    pub hnps: Vec<Ipv6Net>,
    /// Proxy-CoA (the MAG).
    pub proxy_coa: Ipv6Addr,
    /// Link-local address of the MAG on the MN's link, if known.
    pub link_local: Option<Ipv6Addr>,
    /// Tunnel to the MAG.
    pub tunnel: TunnelKind,
    /// Granted lifetime (zero once de-registered).
    pub lifetime: Duration,
    /// When the binding expires, or for a de-registered one when it is
    /// deleted (monotonic).
    pub expires: Time,
    /// Time of day at the LMA when the last PBU was accepted (§5.1; not the PBU's TS).
    pub registered_at: Timestamp,
    /// Handoff indicator of the last accepted PBU.
    pub last_handoff_indicator: HandoffIndicator,
    /// State.
    pub state: BindingState,
}

impl BindingCacheEntry {
    pub(crate) fn of(id: BceId, e: &bindings::BindingCacheEntry) -> BindingCacheEntry {
        let expires = Time(e.expires_at.0);
        BindingCacheEntry {
            id: session_of(id),
            mn_id: e.mn_id.as_bytes().into(),
            link_layer_id: e.mn_link_layer_id.as_ref().map(|l| l.0.clone()),
            access_technology: AccessTechnologyType(e.access_technology_type),
            hnps: e.home_network_prefixes.iter().map(net_of).collect(),
            proxy_coa: Ipv6Addr::from(e.proxy_coa),
            link_local: e.link_local.map(Ipv6Addr::from),
            tunnel: tunnel_of(e.encapsulation),
            lifetime: e.lifetime,
            expires,
            registered_at: Timestamp(e.accepted_time_of_day),
            last_handoff_indicator: HandoffIndicator(e.handoff_indicator),
            state: match e.state {
                BceState::Active => BindingState::Active,
                BceState::PendingDelete | BceState::Invalid => {
                    BindingState::Deregistered { delete_at: expires }
                }
            },
        }
    }
}

/// The session id handed out for a cache entry: its generational handle.
pub(crate) fn session_of(id: BceId) -> SessionId {
    SessionId(id.to_bits())
}

/// The cache handle of a session id (a stale or foreign one finds nothing).
pub(crate) fn bce_of(id: SessionId) -> BceId {
    BceId::from_bits(id.0)
}

/// A prefix as the signaling types carry it.
pub(crate) fn net_of(p: &Prefix) -> Ipv6Net {
    // A Prefix's length is ≤ 128, so this cannot fail.
    Ipv6Net::new(Ipv6Addr::from(p.addr()), p.len()).unwrap_or_default()
}

/// A prefix as the cache keeps it (host bits cleared).
pub(crate) fn prefix_of(n: &Ipv6Net) -> Prefix {
    // An Ipv6Net's length is ≤ 128, so this cannot fail.
    Prefix::new(n.network().octets(), n.prefix_len()).unwrap_or_default()
}

pub(crate) fn tunnel_of(e: Encapsulation) -> TunnelKind {
    match e {
        Encapsulation::Ip6Ip6 => TunnelKind::Ip6Ip6,
        Encapsulation::Gre {
            uplink_key,
            downlink_key,
        } => TunnelKind::Gre {
            downlink_key,
            uplink_key,
        },
    }
}

pub(crate) fn encapsulation_of(t: TunnelKind) -> Encapsulation {
    match t {
        TunnelKind::Ip6Ip6 => Encapsulation::Ip6Ip6,
        TunnelKind::Gre {
            downlink_key,
            uplink_key,
        } => Encapsulation::Gre {
            uplink_key,
            downlink_key,
        },
    }
}
