#!/bin/bash
# A short run of testbed/compare.sh, scenario loss1 (two 50 Mbit/s paths, tbf, 1% random
# loss each way on both), mpsctp only: mpsctp-perf over path 1 alone with CMT off, then
# over both addresses with CMT (mode cmt), 5 s each, in the same testbed.
#
#   testbed_compare.sh PATH/TO/mpsctp-perf PATH/TO/compare.sh
#
# Checked: both runs succeed with every byte verified by the server, and CMT's goodput
# is at least 1.2 times the single path's in the same run. Only this relative result is
# asserted: absolute figures depend on the machine's load. Why 1.2: two equal paths allow
# 2x; in 10 runs of this test on a 2-core VM with other work on it the ratio was
# 1.66-1.92 (single path 42-46, CMT 74-87 Mbit/s; 3 s runs went down to 1.4): a run of
# a few seconds that meets a retransmission timeout on one path (RTO.Min 200 ms), or
# one that the machine's load slows more at 100 than at 50 Mbit/s, loses much of the
# gain. An association that
# leaves a path idle gets about 1.0x. Needs root and network namespaces.
set -euo pipefail
PERF=${1:?usage: testbed_compare.sh mpsctp-perf compare.sh}
COMPARE=${2:?compare.sh}
FACTOR=1.2
# root, jq, bad, verdict
source "$(dirname "$0")/checks.sh"

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
CRC=0
"$COMPARE" --scenario loss1 --runs mpsctp-path1,mpsctp-cmt --time 5 --reps 1 --perf "$PERF" \
    --out "$OUT" --name "cmpt$$" || CRC=$?
[ "$CRC" -eq 0 ] || bad "compare.sh failed (exit status $CRC)"
get() { jq -r --arg t "$1" "select(.tool == \$t) | $2" "$OUT/runs.jsonl" 2> /dev/null | head -n 1; }
for t in mpsctp-path1 mpsctp-cmt; do
    [ "$(get "$t" .ok)" = true ] && [ "$(get "$t" .verified)" = true ] ||
        bad "$t: ok $(get "$t" .ok), verified $(get "$t" .verified): $(get "$t" .error)"
done
G1=$(get mpsctp-path1 .goodput_bps)
GC=$(get mpsctp-cmt .goodput_bps)
R=$(awk -v a="${GC:-0}" -v b="${G1:-0}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
echo "loss1: one path $(awk -v g="${G1:-0}" 'BEGIN { printf "%.2f", g / 1e6 }') Mbit/s," \
    "CMT $(awk -v g="${GC:-0}" 'BEGIN { printf "%.2f", g / 1e6 }') Mbit/s: ${R}x (need >= $FACTOR)"
awk -v r="$R" -v f="$FACTOR" 'BEGIN { exit !(r >= f) }' ||
    bad "CMT goodput ${R}x the single path's (need >= $FACTOR)"
verdict compare_loss1
