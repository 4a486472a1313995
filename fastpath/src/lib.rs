//! The per-burst forwarding pipeline and the safe DPDK layer.
//!
//! All `unsafe` of the project outside `dpdk-sys` lives in [`dpdk`].
//!
//! The DPDK-independent part: [`packet::PacketBuf`] (implemented by the DPDK `Mbuf` and by
//! [`packet::VecPacket`]), the tunnel codecs in [`wire`], the static [`route::RouteTable`],
//! [`pipeline::Pipeline`] (classify → burst lookup in the `bindings` replica → encapsulate /
//! decapsulate / route → L2 rewrite, per packet a [`pipeline::Verdict`]), per-worker
//! [`counters`], and the generic [`worker`] loop over the [`worker::RxTx`] queues.
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
