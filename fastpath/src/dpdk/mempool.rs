//! Packet-buffer pools (`rte_pktmbuf_pool_create`).

use std::ffi::CString;
use std::ptr::NonNull;
use std::sync::Arc;

use dpdk_sys::rte_mempool;

use super::eal::{Eal, LeakedPool};
use super::error::{from_rte_errno, DpdkError};
use super::mbuf::{Mbuf, MbufBurst};

#[derive(Debug)]
struct MempoolInner {
    ptr: NonNull<rte_mempool>,
    name: String,
    eal: Eal,
}

// SAFETY: rte_mempool get/put/count operations are thread-safe (the default
// ring-based handler is multi-producer/multi-consumer); the pointer is only
// freed in Drop, when no other handle exists.
unsafe impl Send for MempoolInner {}
// SAFETY: see Send; `&MempoolInner` is only used for thread-safe calls.
unsafe impl Sync for MempoolInner {}

impl Drop for MempoolInner {
    fn drop(&mut self) {
        // Ports hold a `Mempool` clone while configured, so only loose mbufs
        // can still be out here.
        if self.available() == self.size() {
            // SAFETY: every mbuf is back in the pool; nothing refers to it.
            unsafe { dpdk_sys::rte_mempool_free(self.ptr.as_ptr()) };
        } else {
            // Freeing under live mbufs would be use-after-free: leak, and let
            // the EAL decide at teardown.
            self.eal
                .inner
                .state()
                .leaked_pools
                .push(LeakedPool(self.ptr));
        }
    }
}

impl MempoolInner {
    fn available(&self) -> u32 {
        // SAFETY: the pool is valid while `self` lives.
        unsafe { dpdk_sys::rte_mempool_avail_count(self.ptr.as_ptr()) }
    }

    fn size(&self) -> u32 {
        // SAFETY: the pool is valid while `self` lives.
        unsafe { dpdk_sys::shim_rte_mempool_size(self.ptr.as_ptr()) }
    }
}

/// A pool of packet mbufs; cloning shares the pool.
#[derive(Debug, Clone)]
pub struct Mempool {
    inner: Arc<MempoolInner>,
}

impl Mempool {
    /// Creates a pool of `n_mbufs` mbufs with a per-lcore cache of `cache`
    /// mbufs and `data_room` bytes of buffer each (headroom included; use
    /// `RTE_MBUF_DEFAULT_BUF_SIZE` = 2176 for 2048 bytes of data), on NUMA
    /// `socket` ([`SOCKET_ID_ANY`](super::SOCKET_ID_ANY) for any).
    pub fn new(
        eal: &Eal,
        name: &str,
        n_mbufs: u32,
        cache: u32,
        data_room: u16,
        socket: i32,
    ) -> Result<Mempool, DpdkError> {
        let cname = CString::new(name).map_err(|_| DpdkError::InvalidArgument {
            what: "mempool name",
            reason: format!("{name:?} contains a NUL byte"),
        })?;
        if n_mbufs == 0 || cache > dpdk_sys::RTE_MEMPOOL_CACHE_MAX_SIZE || cache > n_mbufs {
            return Err(DpdkError::InvalidArgument {
                what: "mempool size",
                reason: format!(
                    "{n_mbufs} mbufs with cache {cache} (cache must be <= {} and <= the pool size)",
                    dpdk_sys::RTE_MEMPOOL_CACHE_MAX_SIZE
                ),
            });
        }
        // SAFETY: the EAL is initialised (`eal`), `cname` is NUL-terminated and
        // outlives the call (DPDK copies the name).
        let p = unsafe {
            dpdk_sys::rte_pktmbuf_pool_create(cname.as_ptr(), n_mbufs, cache, 0, data_room, socket)
        };
        let ptr =
            NonNull::new(p).ok_or_else(|| match from_rte_errno("rte_pktmbuf_pool_create") {
                DpdkError::Call { op, errno, msg } => DpdkError::Device {
                    device: format!("mempool {name}"),
                    op,
                    errno,
                    msg,
                },
                e => e,
            })?;
        Ok(Mempool {
            inner: Arc::new(MempoolInner {
                ptr,
                name: name.to_owned(),
                eal: eal.clone(),
            }),
        })
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Total number of mbufs.
    pub fn size(&self) -> u32 {
        self.inner.size()
    }

    /// Mbufs currently in the pool (per-lcore caches included).
    pub fn available(&self) -> u32 {
        self.inner.available()
    }

    /// Mbufs currently out of the pool.
    pub fn in_use(&self) -> u32 {
        self.size().saturating_sub(self.available())
    }

    /// Raw pool pointer, valid while `self` lives.
    pub fn as_ptr(&self) -> *mut rte_mempool {
        self.inner.ptr.as_ptr()
    }

    /// Allocates one reset mbuf (`rte_pktmbuf_alloc`); `None` if empty.
    #[inline]
    pub fn alloc(&self) -> Option<Mbuf> {
        // SAFETY: the pool is valid; alloc is thread-safe.
        let m = unsafe { dpdk_sys::shim_rte_pktmbuf_alloc(self.as_ptr()) };
        // SAFETY: a freshly allocated mbuf (or NULL) owned by nobody else.
        unsafe { Mbuf::from_raw(m) }
    }

    /// Allocates `n` mbufs into `out`'s free slots, all or nothing
    /// (`rte_pktmbuf_alloc_bulk`). Returns false if the pool has fewer than
    /// `n` or `out` has fewer than `n` free slots.
    pub fn alloc_bulk<const N: usize>(&self, out: &mut MbufBurst<N>, n: usize) -> bool {
        if n > out.free_slots() {
            return false;
        }
        let Ok(n32) = u32::try_from(n) else {
            return false;
        };
        let dst = out.free_slots_ptr();
        // SAFETY: `dst` has room for `n` pointers (checked above); on success
        // DPDK writes `n` fresh mbufs there, which `commit_filled` adopts.
        let ret = unsafe { dpdk_sys::shim_rte_pktmbuf_alloc_bulk(self.as_ptr(), dst, n32) };
        if ret == 0 {
            out.commit_filled(n);
            true
        } else {
            false
        }
    }
}
