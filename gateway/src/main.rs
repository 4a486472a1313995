//! `mobgw`: the mobility gateway binary.
#![forbid(unsafe_code)]

fn main() {}
