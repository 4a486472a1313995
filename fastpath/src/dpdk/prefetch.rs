//! A cache prefetch hint callable from safe code (the forwarding-table burst lookup).

/// Hints the cache line holding `r` into every cache level (`prefetcht0`). A no-op on
/// targets without the instruction here.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and has no architectural effect; its address comes
    // from a reference, and SSE is part of the x86_64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            (r as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// [`prefetch`] as the burst lookup's [`bindings::fwd::Prefetch`].
#[derive(Debug, Clone, Copy, Default)]
pub struct HwPrefetch;

impl bindings::fwd::Prefetch for HwPrefetch {
    #[inline(always)]
    fn prefetch<T>(r: &T) {
        prefetch(r);
    }
}
