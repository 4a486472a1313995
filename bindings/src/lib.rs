//! Binding cache, route-optimisation associations, location cache, prefix pools,
//! and the per-worker forwarding-table replicas with their update protocol.
#![forbid(unsafe_code)]
