//! The per-burst forwarding pipeline and the safe DPDK layer.
//!
//! All `unsafe` of the project outside `dpdk-sys` lives in [`dpdk`].
#![deny(unsafe_code)]

#[allow(unsafe_code)]
pub mod dpdk;

pub mod counters;
pub mod frame;
pub mod packet;
pub mod pipeline;
pub mod route;
pub mod tables;
pub mod wire;
pub mod worker;
