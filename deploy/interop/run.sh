#!/usr/bin/env bash
# Interop checks of the Mobility Header codec against encoders/decoders we did not write:
#   (a) scapy builds PBUs/PBAs -> our parser must decode the values scapy encoded;
#   (b) our emitter writes a pcap -> tshark must decode the values we encoded, cleanly.
# Exits non-zero on any mismatch. Called from deploy/test.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

echo "== interop (a): scapy-built messages -> slowpath::wire parser"
if python3 -c 'import scapy' 2>/dev/null; then
    python3 "$here/scapy_pbu.py" "$work/scapy_vectors.jsonl"
    vectors="$work/scapy_vectors.jsonl"
else
    echo "scapy not installed (pip install scapy): using the committed vectors"
    vectors="$here/scapy_vectors.jsonl"
fi
if ! (cd "$root" && MOBGW_SCAPY_VECTORS="$vectors" \
        cargo test -q -p slowpath --test wire_interop_scapy); then
    echo "FAIL: scapy interop"
    status=1
fi

echo "== interop (b): slowpath::wire emitter -> tshark decode"
if ! "$here/tshark_check.sh" "$work/tshark"; then
    echo "FAIL: tshark interop"
    status=1
fi

if [[ $status -eq 0 ]]; then echo "interop: OK"; else echo "interop: FAILED"; fi
exit $status
