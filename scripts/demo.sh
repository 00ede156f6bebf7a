#!/bin/sh
# The main job (make demo): a multipath transfer over two paths of different rate, once
# per CMT mode (off, cmt, rpv1, rpv2, mptcp). Prints per-path and total goodput for each
# mode and writes a gnuplot plot (PNG) whose path it names.
#   scripts/demo.sh              in the simulator (scenarios/demo.scn: 10 + 5 Mbit/s)
#   TESTBED=1 scripts/demo.sh    on the real-socket testbed (testbed/cmt_demo.sh, root)
#   PRELOAD=1 scripts/demo.sh    iperf3 --sctp, unmodified, over mpsctp through the
#                                preload library on the testbed: two paths of 20 and 5
#                                Mbit/s, MPSCTP_CMT=off against cmt, with kernel TCP
#                                and MPTCP on the same paths beside (root; PL_MODES,
#                                PL_RATE1, PL_RATE2, PL_TIME: tests/preload/preload_iperf3.sh)
# BUILD (default build) is the build directory; OUT (default $BUILD/demo) gets the
# results. Exit status 0 when every transfer was verified byte by byte.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/demo}

if [ "${TESTBED:-0}" = 1 ]; then
    if [ ! -f testbed/cmt_demo.sh ]; then
        echo "demo: TESTBED=1 needs testbed/cmt_demo.sh (the two-path CMT run on the" \
             "namespace testbed), which this tree does not have yet" >&2
        exit 1
    fi
    mkdir -p "$OUT"
    exec bash testbed/cmt_demo.sh --perf "$BUILD/bin/mpsctp-perf" --plot "$OUT/demo-testbed.png" "$@"
fi

if [ "${PRELOAD:-0}" = 1 ]; then
    LIB=$BUILD/lib/libmpsctp-preload.so
    [ -f "$LIB" ] || { echo "demo: $LIB is not built (make build)" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || { echo "demo: PRELOAD=1 needs root (network namespaces)" >&2; exit 1; }
    command -v iperf3 >/dev/null || { echo "demo: iperf3 is missing (scripts/install-deps.sh)" >&2; exit 1; }
    PL_KERNEL=1 exec bash tests/preload/preload_iperf3.sh "$LIB" cmt
fi

SIM=$BUILD/bin/mpsctp-sim
[ -x "$SIM" ] || { echo "demo: $SIM is not built (make build)" >&2; exit 1; }
command -v jq >/dev/null || { echo "demo: jq is missing (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"
DAT=$OUT/demo.dat
PNG=$OUT/demo.png
status=0
echo "mpsctp demo: one association over two paths, P0 10 Mbit/s 10 ms and P1 5 Mbit/s"
echo "20 ms, saturated for 20 s (scenarios/demo.scn); goodput from 5 s on, Mbit/s."
echo
printf '%-6s %10s %10s %10s %8s %6s  %s\n' mode "path P0" "path P1" total "of 15" rtx verified
: > "$DAT"
for mode in off cmt rpv1 rpv2 mptcp; do
    scn=$OUT/demo-$mode.scn
    sed "s/cmt=[a-z0-9]*/cmt=$mode/" scenarios/demo.scn > "$scn"
    rc=0
    "$SIM" "$scn" --json > "$OUT/demo-$mode.json" || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "demo: mpsctp-sim failed on $scn (exit $rc)" >&2
        exit "$rc"
    fi
    [ "$rc" = 0 ] || status=1
    jq -r --arg mode "$mode" 'select(.flow == "m") |
        [$mode, .paths[0].goodput_bps / 1e6, .paths[1].goodput_bps / 1e6,
         .goodput_bps / 1e6, .goodput_bps / 15e6 * 100, .retransmissions,
         (if .verified then "yes" else "NO: " + .error end)] |
        "\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4]) \(.[5]) \(.[6])"' \
        "$OUT/demo-$mode.json" |
    while read -r m p0 p1 tot pct rtx ver; do
        printf '%-6s %10.2f %10.2f %10.2f %7.1f%% %6s  %s\n' "$m" "$p0" "$p1" "$tot" "$pct" \
            "$rtx" "$ver"
        echo "$m $p0 $p1 $tot" >> "$DAT"
    done
done
echo
if command -v gnuplot >/dev/null; then
    gnuplot <<GP
set terminal pngcairo size 800,500 noenhanced
set output '$PNG'
set title 'mpsctp CMT modes over 10 + 5 Mbit/s paths (simulator, goodput from 5 s on)'
set ylabel 'goodput, Mbit/s'
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:20]
set grid ytics
set key top left
plot '$DAT' using 2:xtic(1) title 'path P0 (10 Mbit/s)', '' using 3 title 'path P1 (5 Mbit/s)', \
     15 with lines dt 2 lc 'gray' title 'sum of the paths'
GP
    echo "plot: $PNG (data: $DAT; each run's JSON: $OUT/demo-MODE.json)"
else
    echo "no plot: gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox)"
fi
[ "$status" = 0 ] || echo "demo: a transfer was NOT verified (see the table)" >&2
exit "$status"
