//! Owning mbuf handle, per-packet helpers in Rust over the bindgen layout of
//! `rte_mbuf`, and a fixed-capacity burst container.

use std::fmt;
use std::ptr::NonNull;

use dpdk_sys::rte_mbuf;

/// Default burst size of [`MbufBurst`].
pub const DEFAULT_BURST: usize = 32;

/// Errors of the head/tail adjustments of an [`Mbuf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MbufError {
    /// `prepend` needs more headroom than is left.
    #[error("mbuf headroom exhausted: need {need}, have {have}")]
    NoHeadroom {
        /// Bytes requested.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// `append` needs more tailroom than is left.
    #[error("mbuf tailroom exhausted: need {need}, have {have}")]
    NoTailroom {
        /// Bytes requested.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// `adj`/`trim` would remove more than the segment holds.
    #[error("mbuf too short: need {need}, have {have}")]
    TooShort {
        /// Bytes requested.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The operation supports single-segment mbufs only.
    #[error("mbuf has {0} segments; only single-segment mbufs are supported")]
    MultiSegment(u16),
}

/// An owned DPDK packet buffer (`rte_mbuf`), freed on drop.
///
/// Data accessors cover the first segment, which is the whole packet for the
/// single-segment mbufs this project uses (MTU-sized data rooms).
#[repr(transparent)]
pub struct Mbuf {
    // `repr(transparent)` over `NonNull` makes `Option<Mbuf>` the same size
    // and bit pattern as `*mut rte_mbuf` (None = NULL), which `MbufBurst` uses
    // to hand its slots to DPDK burst functions directly.
    ptr: NonNull<rte_mbuf>,
}

// SAFETY: an `Mbuf` is the only owner of its mbuf; DPDK mbufs may be used and
// freed from any thread (mempool put is thread-safe).
unsafe impl Send for Mbuf {}
// SAFETY: `&Mbuf` only allows reads; there is no interior mutability.
unsafe impl Sync for Mbuf {}

impl fmt::Debug for Mbuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mbuf")
            .field("ptr", &self.ptr)
            .field("len", &self.len())
            .field("headroom", &self.headroom())
            .field("port", &self.port())
            .finish()
    }
}

impl Mbuf {
    /// Takes ownership of a raw mbuf; `None` for NULL.
    ///
    /// # Safety
    /// `ptr` must be NULL or a valid, direct mbuf with no other owner (it will
    /// be freed when the `Mbuf` drops), whose mempool outlives it.
    pub unsafe fn from_raw(ptr: *mut rte_mbuf) -> Option<Mbuf> {
        NonNull::new(ptr).map(|ptr| Mbuf { ptr })
    }

    /// Gives up ownership; the caller must free the mbuf (or hand it to DPDK).
    pub fn into_raw(self) -> *mut rte_mbuf {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }

    /// The raw pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *const rte_mbuf {
        self.ptr.as_ptr()
    }

    #[inline]
    fn raw(&self) -> &rte_mbuf {
        // SAFETY: `self` owns a valid mbuf for its whole lifetime.
        unsafe { self.ptr.as_ref() }
    }

    #[inline]
    fn raw_mut(&mut self) -> &mut rte_mbuf {
        // SAFETY: `self` owns a valid mbuf; `&mut self` makes this unique.
        unsafe { self.ptr.as_mut() }
    }

    /// Length of the data in the first segment (the packet, single-segment).
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.raw().data_len)
    }

    /// Whether the first segment holds no data.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.raw().data_len == 0
    }

    /// Total packet length over all segments.
    #[inline]
    pub fn pkt_len(&self) -> usize {
        self.raw().pkt_len as usize
    }

    /// Number of segments.
    #[inline]
    pub fn nb_segs(&self) -> u16 {
        self.raw().nb_segs
    }

    /// Bytes free before the data.
    #[inline]
    pub fn headroom(&self) -> usize {
        usize::from(self.raw().data_off)
    }

    /// Bytes free after the data.
    #[inline]
    pub fn tailroom(&self) -> usize {
        let m = self.raw();
        usize::from(m.buf_len)
            .saturating_sub(usize::from(m.data_off))
            .saturating_sub(usize::from(m.data_len))
    }

    #[inline]
    fn data_ptr(&self) -> *mut u8 {
        let m = self.raw();
        m.buf_addr
            .cast::<u8>()
            .wrapping_add(usize::from(m.data_off))
    }

    /// The packet bytes (first segment).
    #[inline]
    pub fn data(&self) -> &[u8] {
        // SAFETY: DPDK keeps data_off + data_len <= buf_len and so do all
        // adjustments below; the buffer is owned by `self` (direct mbuf) and
        // the returned borrow is tied to `&self`.
        unsafe { std::slice::from_raw_parts(self.data_ptr(), self.len()) }
    }

    /// The packet bytes (first segment), writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let len = self.len();
        // SAFETY: as in `data`; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.data_ptr(), len) }
    }

    /// Grows the packet by `n` bytes at the front and returns them
    /// (contents unspecified). Fails, leaving the mbuf unchanged, when the
    /// headroom is too small.
    pub fn prepend(&mut self, n: usize) -> Result<&mut [u8], MbufError> {
        let have = self.headroom();
        let len = self.len();
        let (Ok(n16), true) = (
            u16::try_from(n),
            n <= have && len + n <= usize::from(u16::MAX),
        ) else {
            return Err(MbufError::NoHeadroom { need: n, have });
        };
        let m = self.raw_mut();
        m.data_off -= n16;
        m.data_len += n16;
        m.pkt_len += u32::from(n16);
        Ok(&mut self.data_mut()[..n])
    }

    /// Removes `n` bytes from the front.
    pub fn adj(&mut self, n: usize) -> Result<(), MbufError> {
        let have = self.len();
        let Some(n16) = u16::try_from(n).ok().filter(|_| n <= have) else {
            return Err(MbufError::TooShort { need: n, have });
        };
        let m = self.raw_mut();
        m.data_off += n16;
        m.data_len -= n16;
        m.pkt_len -= u32::from(n16);
        Ok(())
    }

    /// Grows the packet by `n` bytes at the end and returns them (contents
    /// unspecified). Single-segment mbufs only.
    pub fn append(&mut self, n: usize) -> Result<&mut [u8], MbufError> {
        self.single_segment()?;
        let have = self.tailroom();
        let Some(n16) = u16::try_from(n).ok().filter(|_| n <= have) else {
            return Err(MbufError::NoTailroom { need: n, have });
        };
        let old = self.len();
        let m = self.raw_mut();
        m.data_len += n16;
        m.pkt_len += u32::from(n16);
        Ok(&mut self.data_mut()[old..])
    }

    /// Removes `n` bytes from the end. Single-segment mbufs only.
    pub fn trim(&mut self, n: usize) -> Result<(), MbufError> {
        self.single_segment()?;
        let have = self.len();
        let Some(n16) = u16::try_from(n).ok().filter(|_| n <= have) else {
            return Err(MbufError::TooShort { need: n, have });
        };
        let m = self.raw_mut();
        m.data_len -= n16;
        m.pkt_len -= u32::from(n16);
        Ok(())
    }

    /// Replaces the contents with `bytes` (single-segment; keeps headroom).
    pub fn set_data(&mut self, bytes: &[u8]) -> Result<(), MbufError> {
        self.single_segment()?;
        let cur = self.len();
        if bytes.len() > cur {
            self.append(bytes.len() - cur)?;
        } else {
            self.trim(cur - bytes.len())?;
        }
        self.data_mut().copy_from_slice(bytes);
        Ok(())
    }

    fn single_segment(&self) -> Result<(), MbufError> {
        match self.nb_segs() {
            1 => Ok(()),
            n => Err(MbufError::MultiSegment(n)),
        }
    }

    /// The port the packet arrived on (or is destined to).
    #[inline]
    pub fn port(&self) -> u16 {
        self.raw().port
    }

    /// Sets the port field.
    #[inline]
    pub fn set_port(&mut self, port: u16) {
        self.raw_mut().port = port;
    }

    /// The NIC's RSS hash, when the driver provided one.
    #[inline]
    pub fn rss_hash(&self) -> Option<u32> {
        let m = self.raw();
        if m.ol_flags & u64::from(dpdk_sys::RTE_MBUF_F_RX_RSS_HASH) == 0 {
            return None;
        }
        // SAFETY: a union of plain-integer structs; every bit pattern is valid.
        let hash = unsafe { m.__bindgen_anon_2.hash };
        // SAFETY: as above; the flag says the driver wrote the `rss` member.
        Some(unsafe { hash.rss })
    }

    /// Prefetches the packet data into L1 (`rte_prefetch0`).
    #[inline]
    pub fn prefetch(&self) {
        // SAFETY: prefetching is a hint; any address is allowed.
        unsafe { dpdk_sys::shim_rte_prefetch0(self.data_ptr().cast_const().cast()) }
    }
}

impl Drop for Mbuf {
    fn drop(&mut self) {
        // SAFETY: `self` owns the mbuf and is going away.
        unsafe { dpdk_sys::shim_rte_pktmbuf_free(self.ptr.as_ptr()) }
    }
}

/// A fixed-capacity burst of owned mbufs; no allocation.
///
/// Invariant: slots `0..len` are `Some`, slots `len..N` are `None`. Dropping
/// or clearing the burst frees its mbufs with one `rte_pktmbuf_free_bulk`.
pub struct MbufBurst<const N: usize = DEFAULT_BURST> {
    slots: [Option<Mbuf>; N],
    len: usize,
}

impl<const N: usize> fmt::Debug for MbufBurst<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MbufBurst")
            .field("len", &self.len)
            .field("capacity", &N)
            .finish()
    }
}

impl<const N: usize> Default for MbufBurst<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> MbufBurst<N> {
    /// An empty burst.
    pub fn new() -> Self {
        Self {
            slots: [const { None }; N],
            len: 0,
        }
    }

    /// Number of mbufs held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the burst is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the burst is full.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// Capacity `N`.
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Free slots.
    #[inline]
    pub fn free_slots(&self) -> usize {
        N - self.len
    }

    /// Adds an mbuf at the end; gives it back if the burst is full.
    #[inline]
    pub fn push(&mut self, m: Mbuf) -> Result<(), Mbuf> {
        match self.slots.get_mut(self.len) {
            Some(slot) => {
                *slot = Some(m);
                self.len += 1;
                Ok(())
            }
            None => Err(m),
        }
    }

    /// Removes the last mbuf.
    #[inline]
    pub fn pop(&mut self) -> Option<Mbuf> {
        let i = self.len.checked_sub(1)?;
        self.len = i;
        self.slots[i].take()
    }

    /// Removes the mbuf at `i`, moving the last one into its place.
    pub fn swap_remove(&mut self, i: usize) -> Option<Mbuf> {
        if i >= self.len {
            return None;
        }
        self.slots[..self.len].swap(i, self.len - 1);
        self.pop()
    }

    /// The held mbufs.
    #[inline]
    pub fn as_slice(&self) -> &[Mbuf] {
        let s = &self.slots[..self.len];
        // SAFETY: `Option<Mbuf>` has the layout of `Mbuf` (niche of a
        // repr(transparent) NonNull) and slots 0..len are all `Some`.
        unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<Mbuf>(), s.len()) }
    }

    /// The held mbufs, writable (e.g. for `Pipeline::process_burst`).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [Mbuf] {
        let s = &mut self.slots[..self.len];
        // SAFETY: as in `as_slice`; swapping or mutating `Mbuf`s through the
        // slice keeps every slot `Some`.
        unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<Mbuf>(), s.len()) }
    }

    /// Iterates over the held mbufs.
    pub fn iter(&self) -> std::slice::Iter<'_, Mbuf> {
        self.as_slice().iter()
    }

    /// Iterates mutably over the held mbufs.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Mbuf> {
        self.as_mut_slice().iter_mut()
    }

    /// Keeps the mbufs for which `keep` returns true (order preserved) and
    /// frees the others.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut Mbuf) -> bool) {
        let mut w = 0;
        for r in 0..self.len {
            let k = self.slots[r].as_mut().is_some_and(&mut keep);
            if k {
                self.slots.swap(w, r);
                w += 1;
            } else {
                drop(self.slots[r].take());
            }
        }
        self.len = w;
    }

    /// Removes all mbufs in order, handing them to the caller.
    pub fn drain(&mut self) -> impl Iterator<Item = Mbuf> + '_ {
        let n = std::mem::replace(&mut self.len, 0);
        self.slots[..n].iter_mut().filter_map(Option::take)
    }

    /// Frees every mbuf (one `rte_pktmbuf_free_bulk`).
    pub fn clear(&mut self) {
        if self.len == 0 {
            return;
        }
        let n = std::mem::replace(&mut self.len, 0);
        let ptr = self.slots.as_mut_ptr().cast::<*mut rte_mbuf>();
        // SAFETY: slots 0..n hold owned, non-NULL mbufs laid out as
        // `*mut rte_mbuf`; after the call they are forgotten below, not dropped.
        unsafe { dpdk_sys::shim_rte_pktmbuf_free_bulk(ptr, n as u32) };
        for slot in &mut self.slots[..n] {
            if let Some(m) = slot.take() {
                let _ = m.into_raw();
            }
        }
    }

    /// Pointer to the first free slot, for DPDK to write up to
    /// `free_slots()` mbufs into; follow with [`commit_filled`](Self::commit_filled).
    #[inline]
    pub(crate) fn free_slots_ptr(&mut self) -> *mut *mut rte_mbuf {
        self.slots[self.len..].as_mut_ptr().cast::<*mut rte_mbuf>()
    }

    /// Records that DPDK wrote `k` valid mbufs at [`free_slots_ptr`](Self::free_slots_ptr).
    #[inline]
    pub(crate) fn commit_filled(&mut self, k: usize) {
        debug_assert!(k <= self.free_slots());
        self.len += k.min(self.free_slots());
    }

    /// Pointer to the held mbufs, for DPDK to take some from the front;
    /// follow with [`consume_front`](Self::consume_front).
    #[inline]
    pub(crate) fn held_ptr(&mut self) -> *mut *mut rte_mbuf {
        self.slots.as_mut_ptr().cast::<*mut rte_mbuf>()
    }

    /// Records that DPDK took ownership of the first `k` mbufs.
    #[inline]
    pub(crate) fn consume_front(&mut self, k: usize) {
        let k = k.min(self.len);
        for slot in &mut self.slots[..k] {
            if let Some(m) = slot.take() {
                // Now owned by DPDK (sent or enqueued): do not free.
                let _ = m.into_raw();
            }
        }
        self.slots[..self.len].rotate_left(k);
        self.len -= k;
    }
}

impl<const N: usize> Drop for MbufBurst<N> {
    fn drop(&mut self) {
        self.clear();
    }
}

// Compile-time check of the layout `MbufBurst` relies on.
const _: () = assert!(std::mem::size_of::<Option<Mbuf>>() == std::mem::size_of::<*mut rte_mbuf>());
