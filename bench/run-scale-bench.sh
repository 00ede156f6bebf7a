#!/bin/sh
# Endpoint scale benchmark: what one received packet costs a server endpoint with 1, 100,
# 1000 and 10000 associations, what the calls an event loop makes besides cost, and what
# an idle association holds in memory (see core_scale.c).
#
#   bench/run-scale-bench.sh [N ...]      (default: 1 100 1000 10000)
#
# Environment: BUILD (default build-bench), PACKETS (default 200000) packets timed per N,
# CG_PACKETS (default 20000) packets counted under callgrind per N.
#
# 1. Builds core_scale optimised (Release).
# 2. Times it: ns per received packet; ns per idle mpsctp_endpoint_send, per
#    mpsctp_endpoint_deadline and per mpsctp_endpoint_timeout with nothing due (flat:
#    they visit only the associations with output or a due timer); the server's heap
#    per idle association (glibc's thread cache off, so that freed blocks count as free).
# 3. Counts instructions per received packet under valgrind --tool=callgrind, collecting
#    only inside the measured function (srv_recv_batch): flat means demultiplexing and
#    the timer heap do not grow with the association count. (The hardware counter of
#    core_scale itself is used when the kernel offers one; virtual machines often do
#    not.)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
PACKETS=${PACKETS:-200000}
CG_PACKETS=${CG_PACKETS:-20000}
COUNTS=${*:-"1 100 1000 10000"}
# core_scale runs itself again with this when it is not set; set here, so that valgrind
# measures the process it started.
GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.tcache_count=0}
export GLIBC_TUNABLES

echo "== building core_scale (Release) in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPSCTP_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target core_scale >/dev/null

echo "== time and memory ($PACKETS packets per association count)"
"$BUILD/bin/core_scale" --packets "$PACKETS" $COUNTS

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: no instruction counts" >&2
    exit 0
fi
echo "== instructions per received packet (callgrind, $CG_PACKETS packets)"
for n in $COUNTS; do
    out="$BUILD/core_scale.cg.$n"
    valgrind --tool=callgrind --toggle-collect='srv_recv_batch*' --callgrind-out-file="$out" \
        "$BUILD/bin/core_scale" --packets "$CG_PACKETS" "$n" >"$out.txt" 2>"$out.err"
    pkts=$(sed -n 's/.*assocs, \([0-9]*\) packets.*/\1/p' "$out.txt")
    ir=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$out.err" | tr -d ,)
    echo "$n associations: $((ir / pkts)) instructions per received packet ($pkts packets)"
done
