#!/usr/bin/env python3
"""Two mobgw binaries side by side: A B A B ... runs of the same downlink job.

The job is the one of scrape-overhead.py without the exporter: net_pcap
infinite_rx -> net_null, LMA encapsulation toward static bindings, idle = poll.
Each run's per-second samples give packets per wall second and packets per
second the worker thread actually ran (/proc/PID/task/TID/schedstat), the
latter insensitive to other processes taking the worker's CPU. Prints each
run's medians, the medians per binary and B/A.

Usage: perf/worker-cpu-ab.py A_BIN B_BIN [--rounds 6] [--seconds 20]
"""

import argparse
import os
import statistics
import subprocess
import tempfile

import importlib.util

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("scrape_overhead",
                                               os.path.join(HERE, "scrape-overhead.py"))
so = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(so)


def config(work, name, main_cpu, worker):
    # scrape-overhead's job, less [metrics] and [control].
    text = so.config(work, name, 0, main_cpu, worker)
    return text.split("[metrics]")[0]


def one_run(binary, work, name, args):
    cfg = os.path.join(work, f"{name}.toml")
    with open(cfg, "w") as f:
        f.write(config(work, name, args.main_cpu, args.worker_lcore))
    proc = subprocess.Popen([binary, "run", "--config", cfg, "--stats-period", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wall, cpu, prev, k = [], [], None, 0
    for line in proc.stdout:
        if not line.startswith("port access:"):
            continue
        cur = (so.tx_pkts(line), so.worker_run_ns(proc.pid, args.worker_lcore))
        k += 1
        if k > args.warmup and prev and cur[1] and prev[1] and cur[1] > prev[1]:
            wall.append(so.tx_mpps(line))
            cpu.append((cur[0] - prev[0]) / ((cur[1] - prev[1]) / 1e9) / 1e6)
        prev = cur
        if k >= args.warmup + args.seconds:
            break
    proc.terminate()
    proc.wait(timeout=30)
    return statistics.median(wall), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a_bin")
    ap.add_argument("b_bin")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--main-cpu", type=int, default=0)
    ap.add_argument("--worker-lcore", type=int, default=1)
    args = ap.parse_args()
    res = {"A": [], "B": []}
    with tempfile.TemporaryDirectory(prefix="mobgw-ab.") as work:
        so.write_pcap(os.path.join(work, "down.pcap"))
        with open(os.path.join(work, "bindings.txt"), "w") as f:
            f.write(so.BINDINGS)
        print(f"{'round':>5} {'side':>4} {'wall_Mpps':>9} {'cpu_Mpps':>9}")
        for r in range(1, args.rounds + 1):
            for side, binary in (("A", args.a_bin), ("B", args.b_bin)):
                w, c = one_run(binary, work, f"ab{side}{r}", args)
                res[side].append((w, c))
                print(f"{r:>5} {side:>4} {w:>9.4f} {c:>9.4f}")
    for col, what in ((0, "per wall second"), (1, "per worker CPU second")):
        ma = statistics.median(x[col] for x in res["A"])
        mb = statistics.median(x[col] for x in res["B"])
        pairs = [b[col] / a[col] for a, b in zip(res["A"], res["B"])]
        print(f"{what}: A {ma:.4f} Mpps, B {mb:.4f} Mpps, B/A {mb / ma:.4f}; "
              f"per-round B/A median {statistics.median(pairs):.4f} "
              f"(min {min(pairs):.4f}, max {max(pairs):.4f})")


if __name__ == "__main__":
    main()
