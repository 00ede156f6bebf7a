#!/bin/sh
# Regression guard: the quick versions of the performance benchmarks in one run (about
# two minutes on a 2-CPU machine), summed up in one table of figures and ratios.
#
#   bench/run-quick.sh
#
# 1. Loopback (run-loopback-bench.sh, QUICK=1): mpsctp against usrsctp (Debian build) and
#    kernel TCP, 100 MB per run, 1200- and 16384-byte messages, 3 rounds, medians; CPU
#    per MB of client and server; CMT over two loopback paths against one.
# 2. Many associations (run-assoc-bench.sh, QUICK=1): N = 1, 100, 1000 on one one-to-many
#    server socket, mpsctp and usrsctp: handshakes per second, memory per idle
#    association, server CPU per message.
# 3. In memory (run-core-bench.sh, 1 run, no optimised usrsctp, smaller callgrind
#    transfers): MB/s and instructions per MB, mpsctp and usrsctp.
# Not a test: figures on a shared machine vary; compare ratios, and rerun the full
# scripts (docs/perf.md) for figures to quote.
set -eu
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
start=$(date +%s)

echo "== 1/3 loopback"
QUICK=1 sh bench/run-loopback-bench.sh > "$TMP/loop" 2>&1 || { cat "$TMP/loop"; exit 1; }
echo "== 2/3 many associations"
QUICK=1 sh bench/run-assoc-bench.sh > "$TMP/assoc" 2>&1 || { cat "$TMP/assoc"; exit 1; }
echo "== 3/3 in memory"
NO_OPT=1 CG_BYTES=8M CG_BASE=2M BYTES=100M sh bench/run-core-bench.sh 1 > "$TMP/core" 2>&1 ||
    { cat "$TMP/core"; exit 1; }

# loop STACK MSG COLUMN: from the loopback medians table (3: Mbit/s, 5: client CPU
# ms/MB, 6: server CPU ms/MB)
loop() { awk -v s="$1" -v m="$2" -v c="$3" '$1 == s && $2 == m && NF == 6 { print $c }' "$TMP/loop"; }
# assoc STACK N COLUMN: from the association table (3: handshakes/s, 4: bytes/assoc,
# 5: ns/msg, 6: x N=1)
assoc() { awk -v s="$1" -v n="$2" -v c="$3" '$1 == s && $2 == n && NF >= 8 { print $c }' "$TMP/assoc"; }
# core STACK MSG COLUMN: from the in-memory table (3: MB/s, 4: instructions/MB)
core() { awk -v s="$1" -v m="$2" -v c="$3" '$1 == s && $2 == m && NF == 4 { print $c }' "$TMP/core"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "x%.2f", a / b }'; }
row() { printf '%-50s %14s %14s %9s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

echo
echo "quick performance summary ($(nproc) CPUs, $(($(date +%s) - start)) s)"
printf '%-50s %14s %14s %9s\n' measure mpsctp "usrsctp/other" ratio
for m in 1200 16384; do
    row "loopback goodput, $m B msgs (Mbit/s) vs usrsctp" "$(loop mpsctp $m 3)" "$(loop usrsctp-deb $m 3)"
    row "loopback goodput, $m B msgs (Mbit/s) vs TCP" "$(loop mpsctp $m 3)" "$(loop tcp $m 3)"
    row "  client CPU ms/MB, $m B vs usrsctp" "$(loop mpsctp $m 5)" "$(loop usrsctp-deb $m 5)"
    row "  server CPU ms/MB, $m B vs usrsctp" "$(loop mpsctp $m 6)" "$(loop usrsctp-deb $m 6)"
done
row "CMT two loopback paths vs one (Mbit/s)" "$(loop mpsctp-2path 16384 3)" "$(loop mpsctp-1path 16384 3)"
row "handshakes/s, N=1000 vs usrsctp" "$(assoc mpsctp 1000 3)" "$(assoc usrsctp 1000 3)"
row "bytes per idle association, N=1000 vs usrsctp" "$(assoc mpsctp 1000 4)" "$(assoc usrsctp 1000 4)"
row "server ns per message, N=1000 vs usrsctp" "$(assoc mpsctp 1000 5)" "$(assoc usrsctp 1000 5)"
row "server ns per message, mpsctp N=1000 vs N=1" "$(assoc mpsctp 1000 5)" "$(assoc mpsctp 1 5)"
for m in 1200 16384; do
    row "in memory, $m B msgs (MB/s) vs usrsctp" "$(core mpsctp $m 3)" "$(core usrsctp-deb $m 3)"
    row "in memory, $m B msgs (instructions/MB)" "$(core mpsctp $m 4)" "$(core usrsctp-deb $m 4)"
done
