//! Binding cache, route-optimisation associations, location cache, prefix pools,
//! and the per-worker forwarding-table replicas with their update protocol.
//!
//! Two halves:
//! * the **authoritative** tables, owned by the slowpath thread:
//!   [`BindingCache`] (PMIPv6, RFC 5213 §5.1), [`Mip6BindingCache`]
//!   (RFC 6275 §9.1, kept apart as RFC 6612 §3.2 asks), [`InterDomainCache`]
//!   (session mobility anchor), [`RoCache`] (route optimisation),
//!   [`LocationCache`] (DMM), [`PrefixPool`];
//! * the **forwarding replicas**, one per worker ([`WorkerTables`]), fed by a
//!   [`Publisher`] with [`TableUpdate`]s.
//!
//! No clock is read anywhere: time is a caller-supplied [`Millis`].
#![forbid(unsafe_code)]

pub mod cache;
mod expiry;
mod flat;
pub mod fwd;
mod hash;
pub mod interdomain;
pub mod location;
pub mod mip6;
pub mod pool;
pub mod prefix;
pub mod ro;
pub mod time;
pub mod update;

pub use cache::{
    BceId, BceState, BindingCache, BindingCacheEntry, CacheError, Encapsulation, LinkLayerId,
    MnIdentifier, Prefixes,
};
pub use fwd::{
    FwdAction, Neighbor, PeerId, PeerInfo, Replica, ReplicaSnapshot, TableUpdate, TunnelKind,
};
pub use hash::{FastBuildHasher, FastHasher};
pub use interdomain::{InterDomainCache, InterDomainEntry, InterDomainRole};
pub use location::LocationCache;
pub use mip6::{Mip6BindingCache, Mip6BindingCacheEntry};
pub use pool::{PoolError, PrefixPool};
pub use prefix::{BadPrefixLen, Prefix};
pub use ro::{RoAssociation, RoCache, RoState};
pub use time::Millis;
pub use update::{Backpressure, Generation, Publisher, PublisherStats, WorkerStats, WorkerTables};
