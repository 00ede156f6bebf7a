#!/bin/sh
# Association scale benchmark: one one-to-many server socket with N associations, mpsctp
# (assoc_bench) and usrsctp (assoc_bench_usrsctp), both over UDP encapsulation on
# loopback. Prints, per N, handshakes per second, server memory per idle association and
# server CPU per received message, with the ratio cost(N)/cost(1).
#
#   bench/run-assoc-bench.sh            N = 1 100 1000 10000, 200000 messages of 64 bytes
#   QUICK=1 bench/run-assoc-bench.sh    N = 1 100 1000, 5000 messages (under 40 s)
#
# Environment: BUILD (default build-assoc), COUNTS (the N values), MESSAGES, SIZE,
# WINDOW (handshakes under way / messages unread at most, default 1000), STACKS
# ("mpsctp usrsctp").
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-assoc}
if [ "${QUICK:-0}" = 1 ]; then
    COUNTS=${COUNTS:-"1 100 1000"}
    MESSAGES=${MESSAGES:-5000}
else
    COUNTS=${COUNTS:-"1 100 1000 10000"}
    MESSAGES=${MESSAGES:-200000}
fi
SIZE=${SIZE:-64}
WINDOW=${WINDOW:-1000}
STACKS=${STACKS:-"mpsctp usrsctp"}

echo "== building (Release) in $BUILD" >&2
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPSCTP_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target assoc_bench >/dev/null
if ! cmake --build "$BUILD" -j"$(nproc)" --target assoc_bench_usrsctp >/dev/null 2>&1; then
    echo "libusrsctp not found: mpsctp only" >&2
    STACKS=mpsctp
fi
# Each client association is one usrsctp socket; mpsctp's client needs one descriptor.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for stack in $STACKS; do
    prog="$BUILD/bin/assoc_bench"
    [ "$stack" = usrsctp ] && prog="$BUILD/bin/assoc_bench_usrsctp"
    for n in $COUNTS; do
        if ! timeout 600 "$prog" --assocs "$n" --messages "$MESSAGES" --size "$SIZE" \
            --window "$WINDOW" --json >>"$out"; then
            echo "{\"stack\":\"$stack\",\"assocs\":$n,\"failed\":true}" >>"$out"
        fi
    done
done

echo
echo "$MESSAGES messages of $SIZE bytes, spread over the N associations; CPU: the server"
echo "process (every thread), getrusage, per message read; memory: server RSS growth / N"
printf '%-8s %6s %12s %14s %12s %8s %9s %9s\n' stack N handshakes/s bytes/assoc \
    ns/msg "x N=1" pkt_in/msg msgs/s
awk '
function num(key,   m) {
    if (match($0, "\"" key "\":[-0-9.]+")) {
        m = substr($0, RSTART, RLENGTH); sub(/.*:/, "", m); return m + 0
    }
    return -1
}
function str(key,   m) {
    if (match($0, "\"" key "\":\"[^\"]*\"")) {
        m = substr($0, RSTART, RLENGTH); sub(/^[^:]*:"/, "", m); sub(/"$/, "", m); return m
    }
    return ""
}
{
    s = str("stack"); n = num("assocs")
    if ($0 ~ /"failed":true/) { printf "%-8s %6d %12s\n", s, n, "failed"; next }
    c = num("cpu_ns_per_msg")
    if (n == 1) base[s] = c
    ratio = (s in base && base[s] > 0) ? sprintf("%.2f", c / base[s]) : "-"
    pin = num("pkts_in_per_msg")
    printf "%-8s %6d %12.0f %14.0f %12.0f %8s %9s %9.0f\n", s, n, num("handshakes_per_s"),
        num("bytes_per_assoc"), c, ratio, pin < 0 ? "-" : sprintf("%.2f", pin), num("msgs_per_s")
}' "$out"
