//! Safe wrappers over the DPDK EAL, ports, queues, mempools, mbufs and rings.
//!
//! This module and `dpdk-sys` are the only places in the project with `unsafe`
//! code; every `unsafe` block carries a `// SAFETY:` comment.
//!
//! Ownership model:
//! * [`Eal`] is a cheap clone of a reference-counted handle; `rte_eal_cleanup`
//!   runs when the last handle (including those held inside mempools, ports,
//!   rings and lcore join handles) is dropped.
//! * [`Mempool`] frees its pool on drop once every mbuf is back; a pool with
//!   mbufs still out is deliberately leaked (and then the EAL is not cleaned
//!   up) rather than freed under them.
//! * [`Port`] hands out each [`RxQueue`]/[`TxQueue`] once; a queue keeps its port
//!   open, so a port can only be stopped, reconfigured or closed once its
//!   queues are dropped (DPDK forbids stopping a port under a polling lcore).
//! * [`Mbuf`] owns one packet buffer and frees it on drop; [`MbufBurst`] is a
//!   fixed-capacity, allocation-free burst container.

mod eal;
mod error;
mod lcore;
mod mbuf;
mod mempool;
mod packet_buf;
mod port;
mod prefetch;
mod ring;

pub use eal::{current_lcore, rdtsc, Eal};
pub use error::DpdkError;
pub use lcore::LcoreJoinHandle;
pub use mbuf::{Mbuf, MbufBurst, MbufError, DEFAULT_BURST};
pub use mempool::Mempool;
pub use port::{LinkStatus, Port, PortConfig, PortStats, RxQueue, TxQueue, TX_RETRIES};
pub use prefetch::{prefetch, HwPrefetch};
pub use ring::{Ring, RingConsumer, RingProducer};

/// Let DPDK pick the NUMA socket (`SOCKET_ID_ANY`).
pub const SOCKET_ID_ANY: i32 = dpdk_sys::SOCKET_ID_ANY;

/// Directory of the EAL's PMD plugins found at build time, for an explicit
/// `-d <dir>` EAL argument (not needed with the distribution's built-in path).
pub fn pmd_dir() -> Option<&'static str> {
    dpdk_sys::PMD_DIR
}
