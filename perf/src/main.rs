//! `mobgw-perf`: traffic generator and side-by-side benchmark runner.
#![forbid(unsafe_code)]

fn main() {}
