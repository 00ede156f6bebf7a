#!/bin/bash
# cmt_demo.sh: a two-path transfer of mpsctp-perf across the namespace testbed
# (testbed.sh) with each SCTP_CMT_ON_OFF mode in turn (off, cmt, rpv1, rpv2, mptcp), and a
# table of what each path and the association carried. Needs root (it brings up its own
# testbed and removes it on every exit path, Ctrl-C included).
#
#   testbed/cmt_demo.sh [--rate1 R] [--rate2 R] [--bytes N] [--modes M,M..] [--queue PKTS]
#                       [--bufsplit none|sender|receiver|both] [--rto-min MS] [--perf PATH]
#                       [--results FILE] [--plot FILE.png] [--name N]
#
# It runs itself again inside "testbed.sh run", which removes the testbed (and ends the
# programs in it) when the runs end, fail, or are interrupted.
#
# --rate1/--rate2: the two paths (tc units; default 10mbit and 5mbit), --bytes: the size
# of each transfer (default 6M; k/M/G), --modes: which modes (default all five, in
# order), --queue: the shapers' queue limit (default 100 packets), --bufsplit: passed to
# both sides, --rto-min: RTO.Min of both sides (default the stack's, 1 s), --perf: the
# mpsctp-perf binary (default $MPSCTP_PERF, else
# build/bin/mpsctp-perf of this repository), --results: also write one JSON object per
# mode to FILE (the testbed_cmt test reads it), --plot: a PNG of the table (gnuplot:
# stacked per-path bars and the total per mode), --name: the testbed's name.
#
# Both hosts bind both addresses and set the mode on their socket before listen/connect;
# the client connects to both of B's addresses (path 1's first: the primary). Per mode:
# total goodput (payload acknowledged, from connect to SHUTDOWN COMPLETE, checked byte by
# byte by the server), and per path the DATA payload the client sent to that address
# (MPSCTP_PATH_STATS: retransmissions included) per second of the transfer, its share,
# and the bytes that left A on the path's interface (the kernel's counter: headers,
# SACK-less direction, any implementation) as a check that does not trust the stack.
# Exit status: 0 when every transfer succeeded with every byte verified, 1 otherwise, 2
# on bad usage.
set -euo pipefail

SELF=$(readlink -f "$0")
DIR=$(dirname "$SELF")
TESTBED=$DIR/testbed.sh
RATE1=10mbit
RATE2=5mbit
BYTES=6M
MODES=off,cmt,rpv1,rpv2,mptcp
QUEUE=100
BUFSPLIT=""
RTO_MIN=""
PERF=${MPSCTP_PERF:-$DIR/../build/bin/mpsctp-perf}
RESULTS=""
PLOT=""
NAME="cmtd$$"

# die, usage, parse_opts, need_root_and, rate_bps, server_wait_up, server_end, perf_results
source "$DIR/lib.sh"
declare -A OPTS=([--rate1]=RATE1 [--rate2]=RATE2 [--bytes]=BYTES [--modes]=MODES [--queue]=QUEUE
    [--bufsplit]=BUFSPLIT [--rto-min]=RTO_MIN [--perf]=PERF [--results]=RESULTS [--plot]=PLOT
    [--name]=NAME)
parse_opts "$@"
need_root_and ip tc nft jq ss awk
[ -x "$PERF" ] || die "no mpsctp-perf at $PERF (build first, or give --perf)"
IFS=, read -r -a MODE_LIST <<< "$MODES"
for m in "${MODE_LIST[@]}"; do
    case $m in off | cmt | rpv1 | rpv2 | mptcp | [0-4]) ;; *) die "unknown mode '$m'" ;; esac
done

PERF=$(readlink -f "$PERF")
[ -n "$RESULTS" ] && : > "$RESULTS" && RESULTS=$(readlink -f "$RESULTS")
[ -n "$PLOT" ] && : > "$PLOT" && PLOT=$(readlink -f "$PLOT")
if [ -z "${CMT_DEMO_INSIDE:-}" ]; then
    # the testbed: up, this script inside it, down on every exit path
    CMT_DEMO_INSIDE=1 exec "$TESTBED" run --name "$NAME" --rate1 "$RATE1" --rate2 "$RATE2" \
        --queue "$QUEUE" -- "$SELF" --rate1 "$RATE1" --rate2 "$RATE2" --bytes "$BYTES" \
        --modes "$MODES" --queue "$QUEUE" ${BUFSPLIT:+--bufsplit "$BUFSPLIT"} ${RTO_MIN:+--rto-min "$RTO_MIN"} --perf "$PERF" \
        ${RESULTS:+--results "$RESULTS"} ${PLOT:+--plot "$PLOT"} --name "$NAME"
fi

# inside testbed.sh run: TB_NAME, A1 A2 B1 B2 come from it
TMP=$(mktemp -d)
SPID=""
trap '[ -n "$SPID" ] && kill -KILL "$SPID" 2> /dev/null; rm -rf "$TMP"' EXIT
on() { "$TESTBED" exec --name "$TB_NAME" "$@"; }
# tx_bytes P: bytes that have left host A on path P's interface
tx_bytes() { on a cat "/sys/class/net/veth$1/statistics/tx_bytes"; }
EXTRA=()
[ -n "$BUFSPLIT" ] && EXTRA=(--bufsplit "$BUFSPLIT")
[ -n "$RTO_MIN" ] && EXTRA+=(--rto-min "$RTO_MIN")

# run_mode MODE: one transfer; appends its JSON result to $TMP/results
run_mode() {
    local mode=$1 src crc w1 w2 cl sl
    on b "$PERF" server --once --json --bind "$B1,$B2" --cmt "$mode" "${EXTRA[@]}" \
        > "$TMP/server.out" 2> "$TMP/server.err" &
    SPID=$!
    server_wait_up "$SPID" 100
    w1=$(tx_bytes 1)
    w2=$(tx_bytes 2)
    crc=0
    timeout 120 ip netns exec "$TB_A" "$PERF" client --connect "$B1,$B2" --bind "$A1,$A2" \
        --bytes "$BYTES" --cmt "$mode" "${EXTRA[@]}" --json \
        > "$TMP/client.out" 2> "$TMP/client.err" || crc=$?
    w1=$(($(tx_bytes 1) - w1))
    w2=$(($(tx_bytes 2) - w2))
    src=0
    server_end "$SPID" 100 || src=$?
    SPID=""
    { read -r cl; read -r sl; } < <(perf_results "$TMP/client.out" "$TMP/server.out")
    jq -cn --arg mode "$mode" --argjson crc "$crc" --argjson src "$src" --argjson c "$cl" \
        --argjson s "$sl" --arg b1 "$B1" --arg b2 "$B2" --argjson w1 "$w1" --argjson w2 "$w2" \
        --arg cerr "$(head -c 300 "$TMP/client.err")" --arg serr "$(head -c 300 "$TMP/server.err")" '
        def path($a): [($c.paths // [])[] | select(.addr == $a)][0] // {};
        {mode: $mode, client_status: $crc, server_status: $src,
         bytes: ($c.bytes // 0), seconds: ($c.seconds // 0), goodput_bps: ($c.goodput_bps // 0),
         client_verified: $c.verified, server_verified: $s.verified,
         server_bytes: ($s.bytes // 0), cmt_client: $c.cmt, cmt_server: $s.cmt,
         path1_bytes: (path($b1).bytes_sent // 0), path2_bytes: (path($b2).bytes_sent // 0),
         path1_rtx: (path($b1).retransmissions // 0), path2_rtx: (path($b2).retransmissions // 0),
         path1_wire: $w1, path2_wire: $w2,
         error: ([$c.error, $s.error] | map(select(. != null)) |
                 if length > 0 then join("; ") else ([$cerr, $serr] | map(select(. != "")) |
                 join("; ") | gsub("\n"; " ")) end)}' \
        >> "$TMP/results"
}

echo "CMT modes over two paths: path 1 $RATE1, path 2 $RATE2 (queue $QUEUE packets), $BYTES per transfer${BUFSPLIT:+, bufsplit $BUFSPLIT}${RTO_MIN:+, RTO.Min $RTO_MIN ms}"
: > "$TMP/results"
for m in "${MODE_LIST[@]}"; do
    run_mode "$m"
    jq -r '"  \(.mode): \(.seconds) s, \((.goodput_bps / 1e6 * 100 | round) / 100) Mbit/s" +
           (if .error != "" then " (\(.error))" else "" end)' <<< "$(tail -n 1 "$TMP/results")"
done
[ -n "$RESULTS" ] && cp "$TMP/results" "$RESULTS"

# the table
RB1=$(rate_bps "$RATE1")
RB2=$(rate_bps "$RATE2")
echo
echo "Mbit/s per path and in total; MB on the wire"
printf '%-6s %-6s %8s %8s %8s %7s %7s %8s %8s %9s\n' mode cmt "path 1" "path 2" total \
    share1 share2 "wire 1" "wire 2" verified
jq -r --argjson r1 "$RB1" --argjson r2 "$RB2" '
    def mbit: . / 1e6 * 100 | round / 100;
    (.path1_bytes + .path2_bytes) as $t |
    [.mode, (.cmt_client // "?"),
     (if .seconds > 0 then (.path1_bytes * 8 / .seconds | mbit) else 0 end),
     (if .seconds > 0 then (.path2_bytes * 8 / .seconds | mbit) else 0 end),
     (.goodput_bps | mbit),
     (if $t > 0 then (.path1_bytes / $t * 1000 | round / 10) else 0 end),
     (if $t > 0 then (.path2_bytes / $t * 1000 | round / 10) else 0 end),
     (.path1_wire / 1e4 | round / 100), (.path2_wire / 1e4 | round / 100),
     (if .client_status == 0 and .server_status == 0 and .client_verified == true
         and .server_verified == true then "yes" else "NO" end)] | @tsv' "$TMP/results" |
    awk -F '\t' '{ printf "%-6s %-6s %8s %8s %8s %6s%% %6s%% %8s %8s %9s\n",
                   $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
awk -v a="$RB1" -v b="$RB2" 'BEGIN { printf "sum of the path rates: %.2f Mbit/s (best single path %.2f)\n",
    (a + b) / 1e6, (a > b ? a : b) / 1e6 }'
echo "path Mbit/s: DATA payload the client sent to that path's address (retransmissions"
echo "included) per second; total: payload acknowledged per second; wire: bytes leaving A."
if [ -n "$PLOT" ]; then
    if command -v gnuplot > /dev/null; then
        jq -r '[.mode, (if .seconds > 0 then .path1_bytes * 8 / .seconds / 1e6 else 0 end),
                (if .seconds > 0 then .path2_bytes * 8 / .seconds / 1e6 else 0 end),
                .goodput_bps / 1e6] | @tsv' "$TMP/results" > "$TMP/plot.dat"
        gnuplot << EOF && echo "plot: $PLOT"
set terminal pngcairo size 800,480
set output '$PLOT'
set title 'CMT modes on the testbed: path 1 $RATE1, path 2 $RATE2, $BYTES each'
set ylabel 'Mbit/s'
set yrange [0:*]
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set key outside right top
plot '$TMP/plot.dat' using 2:xtic(1) title 'path 1 (sent)', '' using 3 title 'path 2 (sent)', \\
     '' using 0:4 with points pt 7 ps 2 title 'total goodput'
EOF
    else
        echo "cmt_demo.sh: gnuplot not found: no plot" >&2
    fi
fi
if jq -e 'select(.client_status != 0 or .server_status != 0 or .client_verified != true or
                 .server_verified != true)' "$TMP/results" > /dev/null; then
    echo "cmt_demo.sh: some transfers failed:" >&2
    jq -r 'select(.client_status != 0 or .server_status != 0 or .client_verified != true or
                  .server_verified != true) | "  \(.mode): \(.error)"' "$TMP/results" >&2
    exit 1
fi
