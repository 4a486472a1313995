//! Typed errors of the DPDK layer, with the text of `rte_strerror`.

use std::ffi::{c_int, CStr};

/// An error from the DPDK layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpdkError {
    /// `rte_eal_init` may run once per process; a second `Eal::init` is refused.
    #[error("the DPDK EAL was already initialised in this process (it can be initialised once)")]
    AlreadyInitialized,
    /// An argument was rejected before DPDK was called.
    #[error("invalid {what}: {reason}")]
    InvalidArgument {
        /// What was invalid (e.g. "EAL argument", "device string").
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A DPDK call failed.
    #[error("{op} failed: {msg} (errno {errno})")]
    Call {
        /// The DPDK function.
        op: &'static str,
        /// Its (positive) errno.
        errno: i32,
        /// `rte_strerror(errno)`.
        msg: String,
    },
    /// A DPDK call on a device failed; `device` is the device string or port name.
    #[error("device `{device}`: {op} failed: {msg} (errno {errno})")]
    Device {
        /// Device string (devargs) or port name.
        device: String,
        /// The DPDK function.
        op: &'static str,
        /// Its (positive) errno.
        errno: i32,
        /// `rte_strerror(errno)` or a description.
        msg: String,
    },
    /// A port operation is not allowed in the port's current state.
    #[error("port `{device}`: {reason}")]
    PortState {
        /// Port name.
        device: String,
        /// Why the operation is refused.
        reason: &'static str,
    },
    /// Launching or joining work on an lcore failed.
    #[error("lcore {lcore}: {reason}")]
    Lcore {
        /// The lcore id.
        lcore: u32,
        /// Why.
        reason: String,
    },
}

/// `rte_strerror(errno)` as an owned string.
pub(crate) fn strerror(errno: i32) -> String {
    // SAFETY: rte_strerror accepts any value and returns a pointer to a static
    // or thread-local NUL-terminated string.
    let p = unsafe { dpdk_sys::rte_strerror(errno) };
    if p.is_null() {
        return format!("errno {errno}");
    }
    // SAFETY: non-null, NUL-terminated and valid until the next rte_strerror
    // call on this thread; copied out immediately.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_string_lossy().into_owned()
}

/// The calling thread's `rte_errno`.
pub(crate) fn rte_errno() -> i32 {
    // SAFETY: reads the calling thread's TLS rte_errno; no preconditions.
    unsafe { dpdk_sys::shim_rte_errno() }
}

/// Maps a DPDK "negative errno" return value of a call on a device to an error.
pub(crate) fn check_dev(device: &str, op: &'static str, ret: c_int) -> Result<c_int, DpdkError> {
    if ret < 0 {
        let errno = ret.saturating_neg();
        Err(DpdkError::Device {
            device: device.to_owned(),
            op,
            errno,
            msg: strerror(errno),
        })
    } else {
        Ok(ret)
    }
}

/// An error from the `rte_errno` set by a call that returned -1 / NULL.
pub(crate) fn from_rte_errno(op: &'static str) -> DpdkError {
    let errno = rte_errno();
    DpdkError::Call {
        op,
        errno,
        msg: strerror(errno),
    }
}
