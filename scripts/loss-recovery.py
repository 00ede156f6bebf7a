#!/usr/bin/env python3
"""Loss recovery figures of docs/loss-recovery.md: runs the two-path scenarios
(scenarios/loss1.scn, loss3one, delay10, equal, dissimilar) with flow m in each CMT mode
over several seeds and prints a markdown table of medians: goodput of m and of the
one-path references ra/rb, T3 expiries, those that found a retransmission in flight,
fast retransmissions and lost retransmissions found before T3.

usage: scripts/loss-recovery.py [--sim build/bin/mpsctp-sim] [--seeds 5]
       [--only loss1,delay10] [--modes cmt,rpv2] [--set KEY=VALUE]...
--set adds a flow option to every flow (e.g. --set lossrec=0 for the old behaviour).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = ["loss1", "loss3one", "delay10", "equal", "dissimilar"]
MODES = ["cmt", "rpv1", "rpv2", "mptcp"]


def run(sim, text, seed):
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write(text)
        name = f.name
    try:
        out = subprocess.run([sim, name, "--json", "--seed", str(seed)], check=False,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(name)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    flows = {r["flow"]: r for r in rows if "flow" in r}
    links = {r["link"]: r for r in rows if "link" in r}
    return flows, links


def med(xs):
    return statistics.median(xs) if xs else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", default=os.path.join(ROOT, "build", "bin", "mpsctp-sim"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", default=",".join(SCENARIOS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    extra = " ".join(args.set)
    print("| scenario | mode | m Mbit/s (min-max) | ra | rb | T3 m | T3 lost rtx m | FR m "
          "| rtx lost found m | T3 ra+rb | SACKs lost m |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scn in args.only.split(","):
        base = open(os.path.join(ROOT, "scenarios", scn + ".scn")).read()
        for mode in args.modes.split(","):
            text = re.sub(r"cmt=cmt", "cmt=" + mode, base)
            if extra:
                text = re.sub(r"^(flow .*)$", r"\1 " + extra, text, flags=re.M)
            acc = {k: [] for k in ("m", "ra", "rb", "t3", "t3l", "fr", "rl", "t3r", "sl")}
            for seed in range(1, args.seeds + 1):
                fl, ln = run(args.sim, text, seed)
                m = fl["m"]
                if not m.get("verified"):
                    print(f"{scn} {mode} seed {seed}: not verified", file=sys.stderr)
                acc["m"].append(m["goodput_bps"] / 1e6)
                acc["ra"].append(fl["ra"]["goodput_bps"] / 1e6)
                acc["rb"].append(fl["rb"]["goodput_bps"] / 1e6)
                acc["t3"].append(m["t3_expirations"])
                acc["t3l"].append(m.get("t3_lost_rtx", 0))
                acc["fr"].append(m["fast_retransmissions"])
                acc["rl"].append(m.get("rtx_lost", 0))
                acc["t3r"].append(fl["ra"]["t3_expirations"] + fl["rb"]["t3_expirations"])
                acc["sl"].append(ln["A"]["reverse"]["lost"] + ln["B"]["reverse"]["lost"])
            print(f"| {scn} | {mode} | {med(acc['m']):.1f} ({min(acc['m']):.1f}-"
                  f"{max(acc['m']):.1f}) | {med(acc['ra']):.1f} | {med(acc['rb']):.1f} | "
                  f"{med(acc['t3'])} | {med(acc['t3l'])} | {med(acc['fr'])} | "
                  f"{med(acc['rl'])} | {med(acc['t3r'])} | "
                  f"{med(acc['sl'])} |", flush=True)


if __name__ == "__main__":
    main()
