#!/usr/bin/env bash
# Decodes the Mobility Headers our codec emits with tshark (a decoder we did not write):
# every expected field value must match and tshark must report no expert warnings or
# errors (no "Malformed", no bad option lengths). pmip-wire.md §2.
#
# usage: tshark_check.sh [WORKDIR]     (exit status non-zero on any mismatch)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
pcap="$work/mobgw_mh.pcap"
tsv="$work/mobgw_mh_expect.tsv"

command -v tshark >/dev/null || { echo "tshark_check: tshark not installed" >&2; exit 2; }

(cd "$root" && cargo run -q -p slowpath --example emit_pcap -- "$pcap" "$tsv")

export TZ=UTC
fail=0
frames=$(tshark -r "$pcap" -T fields -e frame.number 2>/dev/null | wc -l)
expected_frames=$(cut -f1 "$tsv" | sort -un | wc -l)
if [[ "$frames" -ne "$expected_frames" ]]; then
    echo "FAIL: pcap has $frames frames, expectations cover $expected_frames"
    fail=1
fi

# Every frame must be decoded as MIPv6.
non_mip=$(tshark -r "$pcap" -Y '!mipv6' -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
if [[ -n "${non_mip// /}" ]]; then
    echo "FAIL: frames not decoded as MIPv6: $non_mip"
    fail=1
fi

# Field values (tshark prints repeated fields comma-separated, booleans as 1/0).
checked=0
while IFS=$'\t' read -r frame field want; do
    got=$(tshark -r "$pcap" -Y "frame.number==$frame" -T fields -E occurrence=a \
        -E aggregator=, -e "$field" 2>/dev/null | tr -d '\r')
    # Booleans print as True/False in some tshark builds.
    case "$got" in True) got=1 ;; False) got=0 ;; esac
    if [[ "$got" != "$want" ]]; then
        echo "FAIL: frame $frame $field: tshark says '$got', expected '$want'"
        fail=1
    fi
    checked=$((checked + 1))
done < "$tsv"

# No expert warnings/errors, no malformed packets, no invalid option lengths.
expert=$(tshark -r "$pcap" -q -z expert 2>/dev/null)
if grep -qE '^(Errors|Warns) \(' <<<"$expert"; then
    echo "FAIL: tshark expert infos:"
    echo "$expert"
    fail=1
fi
bad=$(tshark -r "$pcap" -Y 'mip6.opt.len.invalid || mip6.bogus_header_length || _ws.malformed || _ws.expert.severity >= "warning"' \
    -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
if [[ -n "${bad// /}" ]]; then
    echo "FAIL: malformed or warned frames: $bad"
    fail=1
fi
if tshark -r "$pcap" -V 2>/dev/null | grep -qi 'malformed'; then
    echo "FAIL: 'Malformed' in the tshark -V decode"
    fail=1
fi

if [[ $fail -eq 0 ]]; then
    echo "tshark_check: OK ($frames frames, $checked field values, no expert warnings)"
fi
exit $fail
