//! Single-producer/single-consumer mbuf rings (`rte_ring`), for the punt and
//! inject paths between workers and the slowpath.

use std::cell::Cell;
use std::ffi::{c_void, CString};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

use dpdk_sys::rte_ring;

use super::eal::Eal;
use super::error::{from_rte_errno, DpdkError};
use super::mbuf::{Mbuf, MbufBurst};

#[derive(Debug)]
struct RingInner {
    ptr: NonNull<rte_ring>,
    name: String,
    _eal: Eal,
}

// SAFETY: an SP/SC rte_ring is safe with one producer thread and one consumer
// thread at a time; `RingProducer`/`RingConsumer` are unique and `!Sync`, so
// that discipline holds. The ring is freed only when both are gone.
unsafe impl Send for RingInner {}
// SAFETY: see Send.
unsafe impl Sync for RingInner {}

impl Drop for RingInner {
    fn drop(&mut self) {
        // Free the mbufs still queued so none is leaked.
        let mut burst: MbufBurst<32> = MbufBurst::new();
        while dequeue_into(self.ptr, &mut burst) > 0 {
            burst.clear();
        }
        // SAFETY: no producer or consumer handle is left.
        unsafe { dpdk_sys::rte_ring_free(self.ptr.as_ptr()) };
    }
}

fn dequeue_into<const N: usize>(ring: NonNull<rte_ring>, out: &mut MbufBurst<N>) -> usize {
    let room = u32::try_from(out.free_slots()).unwrap_or(u32::MAX);
    if room == 0 {
        return 0;
    }
    let dst = out.free_slots_ptr().cast::<*mut c_void>();
    // SAFETY: the caller is the only consumer; `dst` has room for `room`
    // pointers; the ring holds only owned mbufs put there by `RingProducer`.
    let k = unsafe { dpdk_sys::shim_rte_ring_sc_dequeue_burst(ring.as_ptr(), dst, room) };
    out.commit_filled(k as usize);
    k as usize
}

/// Constructor of SP/SC mbuf rings.
#[derive(Debug)]
pub struct Ring;

impl Ring {
    /// Creates a ring holding up to `count` mbufs (any count; exact size)
    /// on NUMA `socket`, split into its producer and consumer halves.
    pub fn create(
        eal: &Eal,
        name: &str,
        count: u32,
        socket: i32,
    ) -> Result<(RingProducer, RingConsumer), DpdkError> {
        let cname = CString::new(name).map_err(|_| DpdkError::InvalidArgument {
            what: "ring name",
            reason: format!("{name:?} contains a NUL byte"),
        })?;
        let flags = dpdk_sys::RING_F_SP_ENQ | dpdk_sys::RING_F_SC_DEQ | dpdk_sys::RING_F_EXACT_SZ;
        // SAFETY: the EAL is initialised; `cname` is NUL-terminated (copied).
        let p = unsafe { dpdk_sys::rte_ring_create(cname.as_ptr(), count, socket, flags) };
        let ptr = NonNull::new(p).ok_or_else(|| match from_rte_errno("rte_ring_create") {
            DpdkError::Call { op, errno, msg } => DpdkError::Device {
                device: format!("ring {name}"),
                op,
                errno,
                msg,
            },
            e => e,
        })?;
        let inner = Arc::new(RingInner {
            ptr,
            name: name.to_owned(),
            _eal: eal.clone(),
        });
        Ok((
            RingProducer {
                inner: Arc::clone(&inner),
                _not_sync: PhantomData,
            },
            RingConsumer {
                inner,
                _not_sync: PhantomData,
            },
        ))
    }
}

/// The enqueue half of a ring (`Send`, not `Sync`).
#[derive(Debug)]
pub struct RingProducer {
    inner: Arc<RingInner>,
    _not_sync: PhantomData<Cell<()>>,
}

impl RingProducer {
    /// Enqueues mbufs from the front of `burst` while there is room; returns
    /// how many. Those not enqueued stay in `burst` (the caller frees or
    /// retries them).
    #[inline]
    pub fn enqueue_burst<const N: usize>(&mut self, burst: &mut MbufBurst<N>) -> usize {
        if burst.is_empty() {
            return 0;
        }
        let n = burst.len() as u32;
        let src = burst.held_ptr().cast::<*mut c_void>().cast_const();
        // SAFETY: `&mut self` makes us the only producer; `src` holds `n`
        // owned mbufs, of which the ring takes the first `k`.
        let k =
            unsafe { dpdk_sys::shim_rte_ring_sp_enqueue_burst(self.inner.ptr.as_ptr(), src, n) };
        burst.consume_front(k as usize);
        k as usize
    }

    /// Enqueues one mbuf, giving it back if the ring is full.
    pub fn enqueue(&mut self, m: Mbuf) -> Result<(), Mbuf> {
        let mut b: MbufBurst<1> = MbufBurst::new();
        b.push(m)?;
        self.enqueue_burst(&mut b);
        b.pop().map_or(Ok(()), Err)
    }

    /// Free entries.
    pub fn free_count(&self) -> usize {
        // SAFETY: reads the ring's indices; any thread may.
        unsafe { dpdk_sys::shim_rte_ring_free_count(self.inner.ptr.as_ptr()) as usize }
    }

    /// The ring's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }
}

/// The dequeue half of a ring (`Send`, not `Sync`).
#[derive(Debug)]
pub struct RingConsumer {
    inner: Arc<RingInner>,
    _not_sync: PhantomData<Cell<()>>,
}

impl RingConsumer {
    /// Dequeues into `out`'s free slots; returns how many.
    #[inline]
    pub fn dequeue_burst<const N: usize>(&mut self, out: &mut MbufBurst<N>) -> usize {
        dequeue_into(self.inner.ptr, out)
    }

    /// Dequeues one mbuf.
    pub fn dequeue(&mut self) -> Option<Mbuf> {
        let mut b: MbufBurst<1> = MbufBurst::new();
        self.dequeue_burst(&mut b);
        b.pop()
    }

    /// Entries queued.
    pub fn count(&self) -> usize {
        // SAFETY: reads the ring's indices; any thread may.
        unsafe { dpdk_sys::shim_rte_ring_count(self.inner.ptr.as_ptr()) as usize }
    }

    /// The ring's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }
}
