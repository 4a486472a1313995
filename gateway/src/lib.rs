//! The `mobgw` gateway: configuration, start-up, workers, stats. The binary
//! (`src/main.rs`) is a thin CLI over this library.
#![forbid(unsafe_code)]

pub mod config;
pub mod control;
pub mod dataplane;
pub mod exporter;
pub mod run;
pub mod show;
pub mod signaling;
pub mod telemetry;
