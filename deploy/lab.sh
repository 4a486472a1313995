#!/usr/bin/env bash
# The gateway's main job, from a fresh machine: install what is missing, build
# release, and bring up a PMIPv6 domain in network namespaces:
#
#        CN ──── LMA ──┬── MAG1 ──┐
#                      └── MAG2 ──┴── MN  (attached to MAG1, then handed over to MAG2)
#
# The LMA and the MAGs are mobgw processes (DPDK net_af_packet ports, adaptive
# idle so they share the cores); the CN and the MN are plain Linux hosts (the
# kernel's own SLAAC and ping). The MN attaches at MAG1, gets its home network
# prefix by router advertisement, CN and MN ping each other through the
# LMA–MAG1 tunnel, the MN moves to MAG2 and keeps its address while the ping
# goes on. A summary is printed; every process's log is in the log directory.
#
#   deploy/lab.sh [--duration SECS] [--logs DIR] [--debug] [--faults]
#
# --faults adds, after the handover: a PBU from a MAG outside allowed_mags
# (must get status 154 and no binding), a bounded flood of malformed Mobility
# Headers while the ping runs, a MAG restart, and an LMA outage during which
# the MAG retransmits with back-off until the LMA is back. The LMA–MAG link is
# captured and decoded with tshark (PBU/PBA, no malformed or expert warnings).
#
# Exits 0 only if every step succeeded. Ctrl-C or the end tears everything
# down (processes, namespaces, veths); it can be run again at once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

duration=20
logs="$root/target/lab"
profile=release
faults=0
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
        --logs) logs=${2:?--logs needs a directory}; shift 2 ;;
        --debug) profile=debug; shift ;;
        --faults) faults=1; shift ;;
        -h|--help) sed -n 2,18p "$0"; exit 0 ;;
        *) echo "lab: unknown argument: $1" >&2; exit 2 ;;
    esac
done
case "$duration" in ''|*[!0-9]*) echo "lab: --duration must be whole seconds" >&2; exit 2 ;; esac
[ "$duration" -ge 12 ] || { echo "lab: --duration must be at least 12 s" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "lab: needs root (network namespaces, DPDK)" >&2; exit 2; }

NS=(mgw-cn mgw-lma mgw-mag1 mgw-mag2 mgw-mn mgw-sw mgw-rogue)
pids=()
failed=0
step_no=0
step() { step_no=$((step_no + 1)); printf 'lab: [%d] %s\n' "$step_no" "$*"; }
fail() { echo "lab: FAILED: $*" >&2; failed=1; }

teardown() {
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && { timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; }
    done
    for n in "${NS[@]}"; do
        ip netns del "$n" 2>/dev/null || true
    done
}
trap 'teardown; exit 130' INT TERM
trap teardown EXIT

if [ "${LAB_SKIP_BUILD:-0}" != 1 ]; then
    step "installing dependencies (if missing)"
    bash deploy/install-deps.sh
    step "building mobgw ($profile)"
    if [ "$profile" = release ]; then cargo build --release -q -p gateway; else cargo build -q -p gateway; fi
fi
mobgw="$root/target/$profile/mobgw"
[ -x "$mobgw" ] || { echo "lab: $mobgw not built" >&2; exit 1; }
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs"/*.out "$logs"/*.toml "$logs"/*.pcap

# Anything left from an interrupted run goes first.
for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done

step "creating namespaces and links"
for n in "${NS[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
x() { ip netns exec "$@"; }
veth() { # veth NS_A IF_A NS_B IF_B
    ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
}
veth mgw-cn cn0 mgw-lma lma-core
veth mgw-lma lma-acc mgw-sw sw-lma
veth mgw-mag1 mag1-lma mgw-sw sw-mag1
veth mgw-mag2 mag2-lma mgw-sw sw-mag2
veth mgw-mag1 mag1-mn mgw-sw sw-m1
veth mgw-mag2 mag2-mn mgw-sw sw-m2
veth mgw-mn mn0 mgw-sw sw-mn
x mgw-sw ip link add br-acc type bridge
x mgw-sw ip link add br-mn type bridge
for i in sw-lma sw-mag1 sw-mag2; do x mgw-sw ip link set "$i" master br-acc; done
x mgw-sw ip link set sw-mn master br-mn
for i in br-acc br-mn sw-lma sw-mag1 sw-mag2 sw-mn sw-m1 sw-m2; do
    x mgw-sw sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" 2>/dev/null || true
    x mgw-sw ip link set "$i" up
done
# Gateway ports belong to DPDK: the kernel must not speak IPv6 on them.
for pair in mgw-lma:lma-core mgw-lma:lma-acc mgw-mag1:mag1-lma mgw-mag1:mag1-mn mgw-mag2:mag2-lma mgw-mag2:mag2-mn; do
    n=${pair%%:*}; i=${pair##*:}
    x "$n" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
    x "$n" ip link set "$i" up
done
# Both MAGs show the MN the same router (RFC 5213 §6.8; RFC 6543 values).
x mgw-mag1 ip link set mag1-mn address 00:00:5e:00:52:13
x mgw-mag2 ip link set mag2-mn address 00:00:5e:00:52:13
# CN: the home network prefixes are reached through the LMA.
x mgw-cn ip addr add 2001:db8:200::fe/64 dev cn0 nodad
x mgw-cn ip link set cn0 up
x mgw-cn ip -6 route add 2001:db8:1000::/48 via 2001:db8:200::1
# MN: a plain host doing SLAAC; it keeps its address across the link change.
for k in accept_ra=2 autoconf=1 accept_dad=0 dad_transmits=0 keep_addr_on_down=1 \
         router_solicitation_delay=0 router_solicitation_interval=1; do
    x mgw-mn sysctl -qw "net.ipv6.conf.mn0.$k" 2>/dev/null || true
done
x mgw-mn ip link set mn0 address 02:00:00:00:0a:01
# A host on the LMA–MAG link for fault injection (outside allowed_mags).
veth mgw-rogue rogue0 mgw-sw sw-rogue
x mgw-sw ip link set sw-rogue master br-acc
x mgw-sw ip link set sw-rogue up
x mgw-rogue ip addr add 2001:db8:100::1:99/64 dev rogue0 nodad
x mgw-rogue ip link set rogue0 up
# Capture the signaling on the LMA's side of the link.
x mgw-sw tshark -q -i sw-lma -f "ip6 proto 135" -w "$logs/lma-mag.pcap" > "$logs/tshark.log" 2>&1 &
pids+=($!)

step "starting the LMA, MAG1 and MAG2 (logs in $logs)"
declare -A pid_of
start() { # start NS NAME CONFIG
    sed -e "s|/run/mobgw/|$logs/|" -e 's|"--no-pci",|"--no-pci", "--no-shconf",|' \
        -e 's|^allowed_mags = .*|allowed_mags = ["2001:db8:100::/112"]|' "$3" > "$logs/$2.toml"
    ip netns exec "$1" "$mobgw" run --config "$logs/$2.toml" --stats-period 5 \
        > "$logs/$2.out" 2> "$logs/$2.log" &
    pids+=($!)
    pid_of[$2]=$!
}
stop() { # stop NAME
    kill -TERM "${pid_of[$1]}" 2>/dev/null || true
    wait "${pid_of[$1]}" 2>/dev/null || true
}
export MOBGW_LOG=${MOBGW_LOG:-info}
start mgw-lma lma deploy/config/lma.toml
start mgw-mag1 mag1 deploy/config/mag1.toml
start mgw-mag2 mag2 deploy/config/mag2.toml
wait_for() { # wait_for SECS DESCRIPTION COMMAND...
    local secs=$1 what=$2; shift 2
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $end ]; then fail "$what (after ${secs}s)"; return 1; fi
        sleep 0.2
    done
}
wait_for 15 "tshark capturing on the LMA–MAG link" grep -q "Capturing on" "$logs/tshark.log" || true
for n in lma mag1 mag2; do
    wait_for 20 "$n forwarding" grep -q "forwarding; SIGINT" "$logs/$n.log" || { tail -5 "$logs/$n.log" >&2; exit 1; }
done

step "MN attaches at MAG1 (router solicitation → PBU/PBA → router advertisement)"
x mgw-sw ip link set sw-m1 master br-mn
x mgw-mn ip link set mn0 up
mn_addr() { x mgw-mn ip -6 -o addr show dev mn0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1; }
wait_for 15 "MN configured an address from its home network prefix" sh -c "ip netns exec mgw-mn ip -6 -o addr show dev mn0 scope global | grep -q 2001:db8:1000:" || exit 1
addr1=$(mn_addr)
echo "lab:     MN address $addr1"

step "CN and MN ping each other through the LMA–MAG1 tunnel"
wait_for 10 "MN → CN ping" x mgw-mn ping -6 -c 1 -W 1 2001:db8:200::fe || exit 1
wait_for 10 "CN → MN ping" x mgw-cn ping -6 -c 1 -W 1 "$addr1" || exit 1

step "continuous ping CN → MN every 100 ms; MN hands over to MAG2"
count=$(( (duration - 6) * 10 ))
x mgw-cn ping -6 -i 0.1 -c "$count" -W 1 "$addr1" > "$logs/ping.out" 2>&1 &
ping_pid=$!
pids+=("$ping_pid")
sleep $(( (duration - 6) / 2 ))
# The MN's link moves: off MAG1's access link, onto MAG2's; the MN re-associates.
x mgw-sw ip link set sw-m1 nomaster
x mgw-sw ip link set sw-m2 master br-mn
x mgw-mn ip link set mn0 down
x mgw-mn ip link set mn0 up
wait "$ping_pid" || true
sent=$(grep -oE '[0-9]+ packets transmitted' "$logs/ping.out" | awk '{print $1}')
recv=$(grep -oE '[0-9]+ received' "$logs/ping.out" | awk '{print $1}')
lost=$(( ${sent:-0} - ${recv:-0} ))

step "after the handover"
addr2=$(mn_addr)
[ "$addr2" = "$addr1" ] || fail "MN address changed: $addr1 → $addr2"
x mgw-mn ping -6 -c 3 -i 0.2 -W 1 2001:db8:200::fe > "$logs/ping-after.out" 2>&1 || fail "MN → CN ping after the handover"
x mgw-cn ping -6 -c 3 -i 0.2 -W 1 "$addr1" >> "$logs/ping-after.out" 2>&1 || fail "CN → MN ping after the handover"
[ "${recv:-0}" -gt 0 ] || fail "no ping replies at all during the run"
# The LMA's binding for the MN now points at MAG2's proxy care-of address.
last_binding=$(grep "binding installed" "$logs/lma.log" | tail -1)
case "$last_binding" in
    *"remote=2001:db8:100::3"*) ;;
    *) fail "the LMA's binding does not point at MAG2: ${last_binding:-none}" ;;
esac
[ "$lost" -le "${LAB_MAX_LOST:-10}" ] || fail "$lost pings lost during the handover (limit ${LAB_MAX_LOST:-10})"

if [ "$faults" -eq 1 ]; then
    lma_mac=$(x mgw-lma cat /sys/class/net/lma-acc/address)
    step "fault: a PBU from a MAG outside allowed_mags (2001:db8:100::1:99)"
    x mgw-rogue python3 deploy/lab/rogue.py pbu rogue0 2001:db8:100::1:99 2001:db8:100::1 "$lma_mac" \
        >> "$logs/rogue.out" 2>&1 || fail "could not send the rogue PBU"
    sleep 1

    step "fault: 2000 malformed Mobility Headers while CN pings MN"
    x mgw-cn ping -6 -i 0.1 -c 40 -W 1 "$addr1" > "$logs/ping-flood.out" 2>&1 &
    fping=$!
    sleep 0.5
    x mgw-rogue python3 deploy/lab/rogue.py flood rogue0 2001:db8:100::1:99 2001:db8:100::1 "$lma_mac" 2000 \
        >> "$logs/rogue.out" 2>&1 || fail "could not send the malformed flood"
    wait "$fping" || true
    frecv=$(grep -oE '[0-9]+ received' "$logs/ping-flood.out" | awk '{print $1}')
    [ "${frecv:-0}" -ge 37 ] || fail "ping suffered during the malformed flood: ${frecv:-0}/40 received"

    step "fault: MAG2 restarts; the MN re-attaches and is reachable again"
    stop mag2
    mv "$logs/mag2.out" "$logs/mag2-before-restart.out"
    mv "$logs/mag2.log" "$logs/mag2-before-restart.log"
    start mgw-mag2 mag2 deploy/config/mag2.toml
    wait_for 20 "MAG2 forwarding again" grep -q "forwarding; SIGINT" "$logs/mag2.log" || true
    x mgw-mn ip link set mn0 down
    x mgw-mn ip link set mn0 up
    wait_for 15 "CN → MN ping after the MAG restart" x mgw-cn ping -6 -c 1 -W 1 "$addr1" || true

    step "fault: the LMA stops and MAG2 restarts meanwhile: its PBU is retransmitted with back-off until the LMA is back"
    stop lma
    mv "$logs/lma.out" "$logs/lma-before-restart.out"
    mv "$logs/lma.log" "$logs/lma-before-restart.log"
    stop mag2
    cat "$logs/mag2.out" >> "$logs/mag2-before-restart.out"
    cat "$logs/mag2.log" >> "$logs/mag2-before-restart.log"
    start mgw-mag2 mag2 deploy/config/mag2.toml
    wait_for 20 "MAG2 forwarding again" grep -q "forwarding; SIGINT" "$logs/mag2.log" || true
    x mgw-mn ip link set mn0 down
    x mgw-mn ip link set mn0 up
    sleep 4
    start mgw-lma lma deploy/config/lma.toml
    wait_for 20 "LMA forwarding again" grep -q "forwarding; SIGINT" "$logs/lma.log" || true
    wait_for 20 "CN → MN ping after the LMA came back" x mgw-cn ping -6 -c 1 -W 1 "$addr1" || true
    addr3=$(mn_addr)
    [ "$addr3" = "$addr1" ] || fail "MN address changed across the LMA restart: $addr1 → $addr3"
fi

step "stopping the gateways"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()

sleep 0.5
sig_summary=""
if [ -s "$logs/lma-mag.pcap" ]; then
    legit='mipv6 && !(ipv6.addr == 2001:db8:100::1:99)'
    tshark -r "$logs/lma-mag.pcap" -Y "$legit" -T fields -E separator='|' \
        -e ipv6.src -e ipv6.dst -e mip6.mhtype -e mip6.bu.seqnr -e mip6.ba.status \
        -e mip6.nemo.mnp.mnp -e mip6.hi -e mip6.att -e _ws.malformed -e _ws.expert \
        > "$logs/signaling.txt" 2>"$logs/tshark-decode.log" || fail "tshark could not decode the capture"
    pbus=$(awk -F'|' '$3=="5"' "$logs/signaling.txt" | wc -l)
    pbas=$(awk -F'|' '$3=="6" && $5=="0"' "$logs/signaling.txt" | wc -l)
    bad=$(awk -F'|' '$9!="" || $10!=""' "$logs/signaling.txt" | wc -l)
    hnps=$(awk -F'|' '$3=="6" && $6!=""' "$logs/signaling.txt" | wc -l)
    sig_summary="captured PBU $pbus, PBA accepted $pbas (with HNP option $hnps), malformed/expert $bad"
    [ "$pbus" -ge 2 ] && [ "$pbas" -ge 2 ] || fail "the capture lacks PBU/PBA exchanges: $sig_summary"
    [ "$hnps" -ge 2 ] || fail "accepted PBAs without the Home Network Prefix option"
    [ "$bad" -eq 0 ] || fail "tshark flags $bad signaling frames as malformed or with expert warnings"
    if [ "$faults" -eq 1 ]; then
        rogue154=$(tshark -r "$logs/lma-mag.pcap" -Y 'mip6.ba.status == 154 && ipv6.dst == 2001:db8:100::1:99' 2>/dev/null | wc -l)
        [ "$rogue154" -ge 1 ] || fail "no PBA with status 154 to the MAG outside allowed_mags"
        grep -q "rogue@mobgw" "$logs"/lma*.log && grep "binding installed" "$logs"/lma*.log | grep -q "1:99" \
            && fail "a binding was installed for the rogue MAG"
        bad_mh=$(grep -ohE 'mh_bad: [0-9]+' "$logs/lma-before-restart.out" | tail -1 | awk '{print $2}')
        [ "${bad_mh:-0}" -ge 2000 ] || fail "the LMA counted ${bad_mh:-0} malformed Mobility Headers, expected 2000"
        # MAG2 (restarted while the LMA was down) counts every PBU transmission;
        # more than one means it retransmitted with back-off until the LMA answered.
        retx=$(grep -ohE 'pbu Tx status 0: [0-9]+' "$logs/mag2.out" | tail -1 | awk '{print $NF}')
        [ "${retx:-0}" -ge 2 ] || fail "MAG2 sent its PBU ${retx:-0} times across the LMA outage; expected retransmissions with back-off"
        grep -q 'Registered' "$logs/mag2.log" || fail "MAG2 did not register the MN once the LMA was back"
        # MAG1 noticed by NUD that the MN left after the handover and de-registered
        # it; the LMA ignored that (RFC 5213 §5.3.5: not the binding's proxy-CoA).
        grep -q 'mobile node detached' "$logs/mag1.log" || fail "MAG1 did not detect the MN's departure"
        mag1_dereg=$(awk -F'|' '$1=="2001:db8:100::2" && $3=="5"' "$logs/signaling.txt" | wc -l)
        [ "$mag1_dereg" -ge 2 ] || fail "no de-registration PBU from MAG1 after the MN left"
        sig_summary="$sig_summary; MAG1 de-registered the departed MN: yes; rogue PBA 154: $rogue154; malformed MH dropped at the LMA: ${bad_mh:-0}; MAG2 PBU sent ${retx:-0} times across the LMA outage"
    fi
else
    fail "no signaling capture ($logs/lma-mag.pcap)"
fi

echo
echo "== lab summary"
echo "MN address:               $addr1 (after handover: ${addr2:-none})"
echo "pings CN → MN:            sent ${sent:-0}, received ${recv:-0}, lost during handover $lost"
echo "signaling (LMA–MAG link): $sig_summary"
echo "LMA binding now:          $(echo "$last_binding" | grep -oE 'hnps=[^ ]+ remote=[^ ]+')"
for n in lma mag1 mag2; do
    echo "-- $n"
    grep -E "^  (port|worker|signaling|    (actions|Proxy|Binding|PBU|PBA))|^    [A-Za-z]+ (Rx|Tx)" "$logs/$n.out" | sed 's/^/   /' || true
done
if [ "$failed" -ne 0 ]; then
    echo "lab: FAILED (logs in $logs)"
    exit 1
fi
echo "lab: ok"
