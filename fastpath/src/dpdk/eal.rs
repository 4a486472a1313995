//! EAL initialisation, cleanup and lcore queries.

use std::ffi::{c_char, CString};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::error::{from_rte_errno, DpdkError};

/// Set by the first `Eal::init`; never cleared, because DPDK cannot be
/// initialised again in the same process, not even after `rte_eal_cleanup`.
static EAL_CLAIMED: AtomicBool = AtomicBool::new(false);

/// Program name passed as `argv[0]` to `rte_eal_init`.
const PROGRAM_NAME: &str = "mobgw";

/// A mempool that was dropped while some of its mbufs were still out.
#[derive(Debug)]
pub(crate) struct LeakedPool(pub(crate) NonNull<dpdk_sys::rte_mempool>);

// SAFETY: only the pointer value is moved between threads; it is used with
// the thread-safe rte_mempool_avail_count / rte_mempool_free at EAL teardown.
unsafe impl Send for LeakedPool {}

#[derive(Debug, Default)]
pub(crate) struct EalState {
    /// Pools dropped with mbufs still out (see `Mempool`'s `Drop`).
    pub(crate) leaked_pools: Vec<LeakedPool>,
    /// Ports with a live `Port` handle, so a port is never owned twice.
    pub(crate) attached_ports: Vec<u16>,
}

#[derive(Debug)]
pub(crate) struct EalInner {
    state: Mutex<EalState>,
    /// Serialises `rte_eal_remote_launch` (it talks to the worker over a pipe).
    pub(crate) launch_lock: Mutex<()>,
}

impl EalInner {
    pub(crate) fn state(&self) -> MutexGuard<'_, EalState> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for EalInner {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        let mut outstanding = false;
        for pool in state.leaked_pools.drain(..) {
            // SAFETY: the pool was created by rte_pktmbuf_pool_create and never
            // freed (it was leaked on purpose); the EAL is still up.
            let avail = unsafe { dpdk_sys::rte_mempool_avail_count(pool.0.as_ptr()) };
            // SAFETY: as above; reads the pool's size.
            let size = unsafe { dpdk_sys::shim_rte_mempool_size(pool.0.as_ptr()) };
            if avail == size {
                // SAFETY: every mbuf is back, so nothing points into the pool.
                unsafe { dpdk_sys::rte_mempool_free(pool.0.as_ptr()) };
            } else {
                outstanding = true;
            }
        }
        // Mbufs still out somewhere would point into freed memory after
        // cleanup; leaking the EAL at process exit is the safe choice.
        if !outstanding {
            // SAFETY: this is the last handle: every mempool, port, ring and
            // lcore job holds an `Arc<EalInner>`, so none of them is alive.
            unsafe { dpdk_sys::rte_eal_cleanup() };
        }
    }
}

/// The initialised DPDK Environment Abstraction Layer.
///
/// Cloning is cheap (a reference count). `rte_eal_cleanup` runs when the last
/// clone, and every object created from it, is dropped.
#[derive(Debug, Clone)]
pub struct Eal {
    pub(crate) inner: Arc<EalInner>,
}

impl Eal {
    /// Initialises the EAL with `args`, the EAL arguments *without* a
    /// program name (e.g. `["--no-huge", "-m", "1024", "--no-pci"]`).
    ///
    /// Can succeed once per process; later calls return
    /// [`DpdkError::AlreadyInitialized`]. Must be called from the thread that
    /// is to be the main lcore.
    pub fn init<S: AsRef<str>>(args: &[S]) -> Result<Eal, DpdkError> {
        let mut cargs = Vec::with_capacity(args.len() + 1);
        for a in std::iter::once(PROGRAM_NAME).chain(args.iter().map(AsRef::as_ref)) {
            let c = CString::new(a).map_err(|_| DpdkError::InvalidArgument {
                what: "EAL argument",
                reason: format!("{a:?} contains a NUL byte"),
            })?;
            cargs.push(c);
        }
        let argc = i32::try_from(cargs.len()).map_err(|_| DpdkError::InvalidArgument {
            what: "EAL argument list",
            reason: "too many arguments".to_owned(),
        })?;
        if EAL_CLAIMED
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(DpdkError::AlreadyInitialized);
        }
        // DPDK may permute argv and keep pointers into it (e.g. vdev args), so
        // the strings are leaked: this happens once per process.
        let argv: &'static mut [*mut c_char] = Vec::leak(
            cargs
                .into_iter()
                .map(CString::into_raw)
                .chain(std::iter::once(std::ptr::null_mut()))
                .collect(),
        );
        // SAFETY: argv holds argc valid NUL-terminated strings plus a NULL
        // terminator, all leaked ('static); the EAL has not been initialised
        // in this process (guarded by EAL_CLAIMED).
        let ret = unsafe { dpdk_sys::rte_eal_init(argc, argv.as_mut_ptr()) };
        if ret < 0 {
            return Err(from_rte_errno("rte_eal_init"));
        }
        Ok(Eal {
            inner: Arc::new(EalInner {
                state: Mutex::new(EalState::default()),
                launch_lock: Mutex::new(()),
            }),
        })
    }

    /// The main lcore's id.
    pub fn main_lcore(&self) -> u32 {
        // SAFETY: the EAL is initialised (self exists); a plain getter.
        unsafe { dpdk_sys::rte_get_main_lcore() }
    }

    /// Enabled lcores other than the main one, ascending.
    pub fn worker_lcores(&self) -> Vec<u32> {
        let mut out = Vec::new();
        // rte_get_next_lcore(-1, ...) starts from the first lcore.
        let mut i = u32::MAX;
        loop {
            // SAFETY: the EAL is initialised; any `i` is accepted and the
            // result is RTE_MAX_LCORE when there is no further lcore.
            i = unsafe { dpdk_sys::rte_get_next_lcore(i, 1, 0) };
            if i >= dpdk_sys::RTE_MAX_LCORE {
                return out;
            }
            out.push(i);
        }
    }

    /// Number of enabled lcores, the main one included.
    pub fn lcore_count(&self) -> u32 {
        // SAFETY: the EAL is initialised; a plain getter.
        unsafe { dpdk_sys::rte_lcore_count() }
    }

    /// Whether `lcore` is an enabled worker lcore (not the main one).
    pub fn is_worker_lcore(&self, lcore: u32) -> bool {
        if lcore >= dpdk_sys::RTE_MAX_LCORE || lcore == self.main_lcore() {
            return false;
        }
        // SAFETY: lcore < RTE_MAX_LCORE as the function requires.
        unsafe { dpdk_sys::rte_lcore_is_enabled(lcore) != 0 }
    }

    /// NUMA socket of `lcore`, if it is a valid lcore id.
    pub fn lcore_socket(&self, lcore: u32) -> Option<u32> {
        if lcore >= dpdk_sys::RTE_MAX_LCORE {
            return None;
        }
        // SAFETY: lcore < RTE_MAX_LCORE.
        Some(unsafe { dpdk_sys::rte_lcore_to_socket_id(lcore) })
    }

    /// TSC frequency in Hz, as measured by the EAL.
    pub fn tsc_hz(&self) -> u64 {
        // SAFETY: the EAL is initialised; a plain getter.
        unsafe { dpdk_sys::rte_get_tsc_hz() }
    }

    /// The DPDK version this crate was built against.
    pub fn version() -> &'static str {
        dpdk_sys::DPDK_VERSION
    }
}

/// Reads the CPU's time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: reads the TSC; no preconditions.
    unsafe { dpdk_sys::shim_rte_rdtsc() }
}

/// The calling thread's lcore id, `None` on a thread that is not an EAL lcore.
pub fn current_lcore() -> Option<u32> {
    // SAFETY: reads the calling thread's TLS lcore id; no preconditions.
    let id = unsafe { dpdk_sys::shim_rte_lcore_id() };
    (id < dpdk_sys::RTE_MAX_LCORE).then_some(id)
}
