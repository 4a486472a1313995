#!/usr/bin/env bash
# The project's whole test suite: the README's second command, and what CI runs.
# On a fresh machine it installs what is missing first (deploy/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
bash deploy/install-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (unit, property, integration, DPDK black-box)"
cargo test --workspace --no-fail-fast 2>&1 | tee target/cargo-test.log
summary=$(grep -E '^test result:' target/cargo-test.log | awk '{p+=$4; f+=$6; i+=$8} END {printf "%d passed, %d failed, %d ignored", p, f, i}')

for suite in deploy/interop/run.sh deploy/lab-test.sh; do
    if [ -x "$suite" ]; then
        step "$suite"
        "$root/$suite"
    fi
done

step "summary"
echo "cargo test: $summary"
