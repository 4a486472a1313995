#!/usr/bin/env bash
# The lab scenario as an automated test (run by deploy/test.sh): attach at
# MAG1, ping both ways, handover to MAG2 with a bounded loss, the MN keeps its
# address, the LMA's binding points at MAG2; then the faults (--faults): a MAG
# outside allowed_mags, a malformed-MH flood, a MAG restart, an LMA outage. Uses the debug build that
# `cargo test` just made, so CI does not pay for a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p gateway
LAB_SKIP_BUILD=1 LAB_MAX_LOST=${LAB_MAX_LOST:-3} exec deploy/lab.sh --debug --duration 16 --faults --logs target/lab-test
