#!/usr/bin/env python3
"""What a Prometheus scrape costs the forwarding rate.

`mobgw run` (release build) forwards an endless downlink (net_pcap infinite_rx ->
net_null, LMA encapsulation toward static bindings) with its exporter on and
prints the per-port rates every second (--stats-period 1). Seconds alternate:
in every other one-second sample interval /metrics is scraped once (B), in the
others nobody scrapes (A) -- so each B second is a second of "a scrape every
second", and each A second right before it is the baseline under the same
background load. The scraper runs on the main lcore's CPU (where a co-located
agent would run), never on the worker's.

Two rates per second: packets per wall-clock second, and packets per second the
worker thread actually ran (its on-CPU time from /proc/PID/task/TID/schedstat),
which takes out the time other processes on a shared machine steal from the
worker. Reports for each the median of the A and B seconds and the median of
the paired ratios B_k / mean(A_k-1, A_k+1) (robust to load drifting), and the
CPU time the exporter's threads used per scrape.

Usage: perf/scrape-overhead.py [--bin target/release/mobgw] [--seconds 120]
Needs python3 with scapy (deploy/install-deps.sh); builds the release binary
unless --bin is given.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BINDINGS = """binding 2001:db8:1000:1::/64 2001:db8:100::2 ip6ip6
binding 2001:db8:1000:2::/64 2001:db8:100::3 gre 4242
neighbor 2001:db8:100::2 02:00:00:00:0a:02 access
neighbor 2001:db8:100::3 02:00:00:00:0a:03 access
neighbor 2001:db8:200::fe 02:00:00:00:0c:fe core
"""


def config(work, name, port, main_cpu, worker):
    return f"""[gateway]
node_id = "{name}"
roles = ["lma"]
[dpdk]
eal_args = ["--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--no-telemetry", "--file-prefix", "{name}-{os.getpid()}"]
main_lcore = {main_cpu}
worker_lcores = [{worker}]
idle = "poll"
[[port]]
name = "access"
device = "net_null0,no-rx=1"
addresses = ["2001:db8:100::1/64"]
[[port]]
name = "core"
device = "net_pcap0,rx_pcap={work}/down.pcap,infinite_rx=1"
addresses = ["2001:db8:200::1/64"]
[[route]]
prefix = "::/0"
via = "2001:db8:200::fe"
[lma]
address = "2001:db8:100::1"
hnp_pool = "2001:db8:2000::/48"
static_bindings = "{work}/bindings.txt"
[metrics]
listen = "127.0.0.1:{port}"
[control]
socket = "{work}/{name}.sock"
"""


def write_pcap(path):
    from scapy.all import IPv6, UDP, Ether, wrpcap

    wrpcap(path, [
        Ether(src="02:00:00:00:0c:fe", dst="02:00:00:00:01:02")
        / IPv6(src="2001:db8:200::fe", dst="2001:db8:1000:%d::%x" % (1 + i % 2, 16 + i))
        / UDP(sport=4000 + i, dport=5001) / (b"x" * 64)
        for i in range(64)])


def tx_mpps(line):
    # "port access: rx N pkts (X Mpps, Y Mbps), tx N pkts (X Mpps, Y Mbps), ..."
    tx = line.split("), tx ", 1)[1]
    return float(tx.split("(", 1)[1].split(" Mpps", 1)[0])


def tx_pkts(line):
    return int(line.split("), tx ", 1)[1].split()[0])


def worker_run_ns(pid, lcore):
    """On-CPU nanoseconds of the worker lcore's thread (DPDK names it rte-worker-N)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != f"rte-worker-{lcore}":
                    continue
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                return int(f.read().split()[0])
        except OSError:
            pass
    return None


def exporter_cpu_ticks(pid):
    """utime+stime of the threads the exporter started (they inherit its name)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if not f.read().startswith("mobgw-exporter"):
                    continue
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def run(args, work):
    port = random.randint(20000, 40000)
    name = "scrape"
    cfg = os.path.join(work, f"{name}.toml")
    with open(cfg, "w") as f:
        f.write(config(work, name, port, args.main_cpu, args.worker_lcore))
    proc = subprocess.Popen([args.bin, "run", "--config", cfg, "--stats-period", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = f"http://127.0.0.1:{port}/metrics"
    due = []  # scrape times, appended by the reader
    cond = threading.Condition()
    done = threading.Event()
    latencies = []

    def scraper():
        os.sched_setaffinity(0, {args.main_cpu})
        while not done.is_set():
            with cond:
                while not due and not done.is_set():
                    cond.wait(0.2)
                if done.is_set():
                    return
                t = due.pop(0)
            time.sleep(max(0.0, t - time.monotonic()))
            t0 = time.monotonic()
            with urllib.request.urlopen(url, timeout=5) as resp:
                resp.read()
            latencies.append(time.monotonic() - t0)

    th = threading.Thread(target=scraper)
    th.start()
    samples = []  # (side, wall Mpps, Mpps per worker CPU second)
    prev = None  # (tx packets, worker on-CPU ns)
    k = 0
    ticks0 = None
    scraped_in_next = False
    for line in proc.stdout:
        if not line.startswith("port access:"):
            continue
        now = time.monotonic()
        cur = (tx_pkts(line), worker_run_ns(proc.pid, args.worker_lcore))
        k += 1
        if k > args.warmup and prev and cur[1] and prev[1] and cur[1] > prev[1]:
            per_cpu = (cur[0] - prev[0]) / ((cur[1] - prev[1]) / 1e9) / 1e6
            samples.append(("B" if scraped_in_next else "A", tx_mpps(line), per_cpu))
        prev = cur
        if k == args.warmup:
            ticks0 = exporter_cpu_ticks(proc.pid)
        # The next interval gets a scrape in its middle every other second.
        scraped_in_next = k >= args.warmup and (k - args.warmup) % 2 == 0
        if scraped_in_next:
            with cond:
                due.append(now + 0.5)
                cond.notify()
        if k >= args.warmup + args.seconds:
            break
    done.set()
    th.join()
    ticks = exporter_cpu_ticks(proc.pid) - (ticks0 or 0)
    proc.terminate()
    proc.wait(timeout=30)
    return samples, latencies, ticks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin")
    ap.add_argument("--seconds", type=int, default=120, help="measured seconds")
    ap.add_argument("--warmup", type=int, default=3, help="seconds dropped at start")
    ap.add_argument("--main-cpu", type=int, default=0)
    ap.add_argument("--worker-lcore", type=int, default=1)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not args.bin:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "gateway"], cwd=root, check=True)
        args.bin = os.path.join(root, "target/release/mobgw")
    with tempfile.TemporaryDirectory(prefix="mobgw-scrape.") as work:
        write_pcap(os.path.join(work, "down.pcap"))
        with open(os.path.join(work, "bindings.txt"), "w") as f:
            f.write(BINDINGS)
        samples, lat, ticks = run(args, work)
    if not samples:
        sys.exit("no samples")
    for col, what in ((1, "per wall second"), (2, "per worker CPU second")):
        a = [x[col] for x in samples if x[0] == "A"]
        b = [x[col] for x in samples if x[0] == "B"]
        ratios = []
        for i, x in enumerate(samples):
            if x[0] == "B" and 0 < i < len(samples) - 1:
                base = (samples[i - 1][col] + samples[i + 1][col]) / 2
                if base > 0:
                    ratios.append(x[col] / base)
        if not a or not b or len(ratios) < 4:
            sys.exit("too few samples")
        ma, mb, mr = statistics.median(a), statistics.median(b), statistics.median(ratios)
        q = statistics.quantiles(ratios, n=4)
        print(f"{what}:")
        print(f"  A (no scrape in the second):  median {ma:.4f} Mpps, n={len(a)}")
        print(f"  B (one scrape in the second): median {mb:.4f} Mpps, n={len(b)}")
        print(f"  B/A medians = {mb / ma:.4f} ({(mb / ma - 1) * 100:+.2f}%); paired B/A median "
              f"{mr:.4f} ({(mr - 1) * 100:+.2f}%), quartiles {q[0]:.4f} {q[2]:.4f}, n={len(ratios)}")
    hz = os.sysconf("SC_CLK_TCK")
    print(f"scrapes {len(lat)}: latency median {statistics.median(lat) * 1e3:.2f} ms; "
          f"exporter CPU {ticks / hz * 1e3 / max(1, len(lat)):.2f} ms per scrape (on CPU {args.main_cpu})")


if __name__ == "__main__":
    main()
