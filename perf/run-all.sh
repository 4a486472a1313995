#!/usr/bin/env bash
# Runs every mobgw benchmark and regenerates perf/RESULTS.md and
# perf/bindings-sweep.png from the figures (perf/results/latest.jsonl).
#
#   perf/run-all.sh [--seconds N] [--rounds N] [--sweep-rounds N] [--no-kernel] [--no-mag-load]
#
# Bounded: about 12 minutes with the defaults on a 2-core machine. Progress
# on stderr. Needs root (namespaces for the kernel baseline and mag-load) and
# what deploy/install-deps.sh installs. Ctrl-C stops the current run, removes
# temporary files and namespaces, and leaves the previous results in place.
set -Eeuo pipefail

cd "$(dirname "$0")/.."
SECS=5
ROUNDS=3
SWEEP_ROUNDS=2
KERNEL=1
MAGLOAD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --sweep-rounds) SWEEP_ROUNDS=$2; shift 2 ;;
    --no-kernel) KERNEL=0; shift ;;
    --no-mag-load) MAGLOAD=0; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run-all: unknown argument $1" >&2; exit 2 ;;
  esac
done

say() { printf '[run-all %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

TMP=$(mktemp -d /tmp/mobgw-run-all.XXXXXX)
CHILD=
cleanup() {
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -INT "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "building (release)"
cargo build --release -q -p gateway -p perf
# Private copies: a rebuild in the shared tree must not swap binaries mid-run.
cp target/release/mobgw target/release/mobgw-perf "$TMP/"
PERF="$TMP/mobgw-perf"

OUT="$TMP/results.jsonl"
: >"$OUT"

# Runs one mobgw-perf command in the background (so Ctrl-C reaches it and
# the trap can wait for its clean-up), appending its JSON lines.
perf_json() {
  "$PERF" "$@" --json >>"$OUT" &
  CHILD=$!
  wait "$CHILD"
  CHILD=
}

# The machine is shared: between runs (none of ours running), wait at most
# 10 s for the others' use of the CPUs to drop under half a core.
busy_cores() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  sleep 2
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN{split(a,x," "); split(b,y," ");
    busy=y[1]-x[1]; idle=y[2]-x[2]; printf "%.2f", n*busy/(busy+idle+1e-9)}'
}
wait_quiet() {
  local i c
  for i in $(seq 1 5); do
    c=$(busy_cores)
    awk -v c="$c" 'BEGIN{exit !(c < 0.5)}' && return 0
  done
  say "other work still uses ${c} cores; measuring anyway"
}

{
  printf '{"meta":{'
  printf '"date":"%s",' "$(date -u +%Y-%m-%dT%H:%MZ)"
  printf '"git":"%s",' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  printf '"cpu":"%s",' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  printf '"cores":%s,' "$(nproc)"
  printf '"kernel":"%s",' "$(uname -r)"
  printf '"dpdk":"%s",' "$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)"
  printf '"rustc":"%s",' "$(rustc --version | cut -d' ' -f2)"
  printf '"mem_gib":%s,' "$(awk '/MemTotal/{printf "%.0f", $2/1048576}' /proc/meminfo)"
  printf '"load_start":"%s",' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '"busy_cores_start":%s,' "$(busy_cores)"
  printf '"seconds":%s,"rounds":%s,"sweep_rounds":%s' "$SECS" "$ROUNDS" "$SWEEP_ROUNDS"
  printf '}}\n'
} >>"$OUT"

COMMON=(--seconds "$SECS" --mobgw "$TMP/mobgw")
for sc in io-null io-pcap downlink uplink mixed gre update-storm; do
  wait_quiet
  say "scenario $sc"
  perf_json run "$sc" --rounds "$ROUNDS" "${COMMON[@]}"
done
wait_quiet
say "bindings sweep 1k..10M"
perf_json run bindings-sweep --rounds "$SWEEP_ROUNDS" "${COMMON[@]}"
if [ "$KERNEL" = 1 ]; then
  wait_quiet
  say "kernel baseline"
  perf_json kernel --rounds 2 "${COMMON[@]}"
fi
if [ "$MAGLOAD" = 1 ]; then
  wait_quiet
  say "mag-load"
  perf_json mag-load --mobgw "$TMP/mobgw"
fi
printf '{"meta_end":{"load_end":"%s"}}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT"

mkdir -p perf/results
cp "$OUT" perf/results/latest.jsonl
say "writing perf/RESULTS.md and perf/bindings-sweep.png"
python3 perf/report.py perf/results/latest.jsonl perf/RESULTS.md perf/bindings-sweep.png
say "done"
