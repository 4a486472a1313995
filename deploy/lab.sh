#!/usr/bin/env bash
# The gateway's main job, from a fresh machine: install what is missing, build
# release, generate traffic, run mobgw on virtual devices, check the result.
#   deploy/lab.sh [--duration SECS] [--count PACKETS]
set -euo pipefail
cd "$(dirname "$0")/.."

duration=5
count=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
        --count) count=${2:?--count needs a number}; shift 2 ;;
        -h|--help) sed -n 2,4p "$0"; exit 0 ;;
        *) echo "lab: unknown argument: $1" >&2; exit 2 ;;
    esac
done
case "$duration" in ''|*[!0-9]*) echo "lab: --duration must be whole seconds" >&2; exit 2 ;; esac
[ "$duration" -ge 2 ] || duration=2

echo "lab: installing dependencies (if missing)"
bash deploy/install-deps.sh
echo "lab: building release"
cargo build --release -q -p gateway -p perf

logs=target/lab
mkdir -p "$logs"
./target/release/mobgw-perf gen --out "$logs/in.pcap" --count "$count" --shape mixed
./target/release/mobgw check-config deploy/config/forward.toml

echo "lab: running mobgw for ${duration}s (log: $logs/mobgw.log)"
./target/release/mobgw run --config deploy/config/forward.toml --stats-period 1 \
    > >(tee "$logs/mobgw.out") 2> "$logs/mobgw.log" &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; }
trap cleanup INT TERM
sleep "$duration"
kill -TERM "$pid" 2>/dev/null || true
status=0
wait "$pid" || status=$?
trap - INT TERM
sleep 0.2
if [ "$status" -ne 0 ]; then
    echo "lab: FAILED — mobgw exited with $status; see $logs/mobgw.log" >&2
    tail -5 "$logs/mobgw.log" >&2
    exit 1
fi
fwd=$(grep -E '^  port core:' "$logs/mobgw.out" | sed -E 's/.*tx ([0-9]+) pkts.*/\1/' | tail -1)
if [ "${fwd:-0}" -ne "$count" ]; then
    echo "lab: FAILED — $count packets in, ${fwd:-0} forwarded" >&2
    exit 1
fi
echo "lab: ok — $count packets in, $fwd packets forwarded"
