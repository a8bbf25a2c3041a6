#!/usr/bin/env python3
"""A/B of one ReidKD switch, interleaved in one run: two `reidkd-bench peers` servers that differ
only in their environment answer the same timing requests in turn (A/B, then B/A, …), and each
request's fastest run and median are compared. How the commits that add a kernel or a fusion
measure it "before/after in one interleaved run" without two builds.

  REIDKD_THREADS=1 python3 Scripts/bench_ab.py --a '' --b REIDKD_GEMM=openblas \\
      --requests 'infer r18 128x64 1 20;infer r18 128x64 64 2' --rounds 3

With --b-bench OTHER, B runs another build (a copy of reidkd-bench from before a change) with
the same environment unless --b is given: before/after of a change that has no switch.

Switches: REIDKD_GEMM=openblas (no packing-free GEMM), REIDKD_FUSE=0 (no BN/ReLU conv
epilogue), REIDKD_CONV=im2col (no Winograd), REIDKD_BF16=1, REIDKD_DW=planes (no channels-as-lanes
depthwise), REIDKD_PW=chunks (no per-image 1×1 with the epilogue at the store), REIDKD_BLOCK=layers
(MobileNetV2's inverted residuals layer by layer). Requests: as `reidkd-bench peers`
(Sources/reidkd-bench/PeersBench.swift): '<figure> <net> <H>x<W> <batch> <reps>'.
B/A > 1: A is faster.
"""
import argparse, json, os, statistics, subprocess


def server(bench, assignments):
    env = dict(os.environ, **dict(kv.split("=", 1) for kv in assignments.split(",") if kv))
    return subprocess.Popen([bench, "peers"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=".build/release/reidkd-bench")
    ap.add_argument("--a", default="", help="A's environment, NAME=VALUE[,NAME=VALUE]")
    ap.add_argument("--b", default="", help="B's environment")
    ap.add_argument("--b-bench", help="B's reidkd-bench binary, to compare two builds (default: --bench)")
    ap.add_argument("--requests", required=True, help="';'-separated peers requests")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if not a.b and not a.b_bench:
        raise SystemExit("bench_ab: give B an environment (--b) or another build (--b-bench)")
    servers = [server(a.bench, a.a), server(a.b_bench or a.bench, a.b)]
    requests = [r.strip() for r in a.requests.split(";") if r.strip()]
    times = {r: ([], []) for r in requests}
    for k in range(a.rounds):
        for r in requests:
            for i in ((0, 1) if k % 2 == 0 else (1, 0)):
                p = servers[i]
                p.stdin.write(r + "\n"); p.stdin.flush()
                answer = json.loads(p.stdout.readline())
                if "times" not in answer:
                    raise SystemExit(f"bench_ab: {r!r} on {'AB'[i]}: {answer}")
                times[r][i].extend(answer["times"])
    for p in servers:
        p.stdin.write("quit\n"); p.stdin.flush(); p.wait()
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else "?"
    print(f"A: {a.a or '(default)'}   B: {a.b or '(default)'}{' on ' + a.b_bench if a.b_bench else ''}   threads {os.environ.get('REIDKD_THREADS', 'all')}   "
          f"{a.rounds} rounds   load average {' '.join(load)}")
    for r, (ta, tb) in times.items():
        print(f"{r:30s} A fastest {min(ta) * 1e3:8.2f} ms  B fastest {min(tb) * 1e3:8.2f} ms  "
              f"B/A {min(tb) / min(ta):.2f}× (medians {statistics.median(tb) / statistics.median(ta):.2f}×)")


if __name__ == "__main__":
    main()
