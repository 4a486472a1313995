//! Mobility signaling: wire codecs (Mobility Header and options) and the sans-IO
//! protocol engines of the LMA and MAG roles (RFC 5213).
#![forbid(unsafe_code)]
pub mod action;
pub mod counters;
pub mod lma;
pub mod mag;
pub mod pbu;
pub mod policy;
pub mod timers;
pub mod wire;
