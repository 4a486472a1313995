//! The `mobgw` gateway: configuration, start-up, workers, stats. The binary
//! (`src/main.rs`) is a thin CLI over this library.
#![forbid(unsafe_code)]

pub mod config;
pub mod dataplane;
pub mod run;
pub mod signaling;
