//! Running closures on EAL worker lcores (`rte_eal_remote_launch`).

use std::any::Any;
use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use super::eal::{Eal, EalInner};
use super::error::DpdkError;

type Job = Box<dyn FnOnce() + Send + 'static>;
type Slot<T> = Arc<Mutex<Option<std::thread::Result<T>>>>;

/// Entry point handed to `rte_eal_remote_launch`.
///
/// # Safety
/// `arg` must come from `Box::into_raw(Box<Job>)` and be passed exactly once.
unsafe extern "C" fn trampoline(arg: *mut c_void) -> c_int {
    // SAFETY: per the contract, `arg` is a leaked `Box<Job>` we now own.
    let job: Box<Job> = unsafe { Box::from_raw(arg.cast::<Job>()) };
    // The job catches its own panics, so nothing unwinds into C.
    job();
    0
}

/// Waits for the job running on an lcore and returns its value.
///
/// Dropping the handle without [`join`](Self::join) still waits for the
/// lcore, so the EAL is never torn down under a running job.
#[derive(Debug)]
pub struct LcoreJoinHandle<T> {
    lcore: u32,
    slot: Slot<T>,
    joined: bool,
    _eal: Arc<EalInner>,
}

impl<T> LcoreJoinHandle<T> {
    /// The lcore the job runs on.
    pub fn lcore(&self) -> u32 {
        self.lcore
    }

    fn wait(&mut self) {
        if !self.joined {
            self.joined = true;
            // SAFETY: the lcore id was validated as an enabled worker at launch.
            unsafe { dpdk_sys::rte_eal_wait_lcore(self.lcore) };
        }
    }

    /// Blocks until the job has finished and returns its value; a panic in
    /// the job becomes [`DpdkError::Lcore`].
    pub fn join(mut self) -> Result<T, DpdkError> {
        self.wait();
        let result = self.slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        match result {
            Some(Ok(v)) => Ok(v),
            Some(Err(payload)) => Err(DpdkError::Lcore {
                lcore: self.lcore,
                reason: format!("job panicked: {}", panic_message(&*payload)),
            }),
            None => Err(DpdkError::Lcore {
                lcore: self.lcore,
                reason: "job finished without a result".to_owned(),
            }),
        }
    }
}

impl<T> Drop for LcoreJoinHandle<T> {
    fn drop(&mut self) {
        self.wait();
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

impl Eal {
    /// Runs `f` on worker `lcore` (`rte_eal_remote_launch`); the returned
    /// handle's [`join`](LcoreJoinHandle::join) waits for it
    /// (`rte_eal_wait_lcore`) and yields its value.
    ///
    /// Fails if `lcore` is not an enabled worker lcore or is still busy.
    /// Call it from the main lcore, as DPDK documents.
    pub fn launch_on_lcore<T, F>(&self, lcore: u32, f: F) -> Result<LcoreJoinHandle<T>, DpdkError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        if !self.is_worker_lcore(lcore) {
            return Err(DpdkError::Lcore {
                lcore,
                reason: format!(
                    "not an enabled worker lcore (main {}, workers {:?})",
                    self.main_lcore(),
                    self.worker_lcores()
                ),
            });
        }
        let slot: Slot<T> = Arc::new(Mutex::new(None));
        let job_slot = Arc::clone(&slot);
        let job: Job = Box::new(move || {
            let r = catch_unwind(AssertUnwindSafe(f));
            *job_slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        });
        let arg = Box::into_raw(Box::new(job)).cast::<c_void>();
        let ret = {
            let _guard = self
                .inner
                .launch_lock
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            // SAFETY: `lcore` is an enabled worker; `trampoline` takes
            // ownership of `arg` exactly once, and only if the launch succeeds.
            unsafe { dpdk_sys::rte_eal_remote_launch(Some(trampoline), arg, lcore) }
        };
        if ret != 0 {
            // SAFETY: the launch failed, so the job never ran and `arg` is
            // still the Box leaked above; reclaim it to drop the closure.
            drop(unsafe { Box::from_raw(arg.cast::<Job>()) });
            return Err(DpdkError::Lcore {
                lcore,
                reason: format!("rte_eal_remote_launch failed ({ret}): lcore busy"),
            });
        }
        Ok(LcoreJoinHandle {
            lcore,
            slot,
            joined: false,
            _eal: Arc::clone(&self.inner),
        })
    }
}
