#!/bin/bash
# e6.sh: experiment E6 (docs/results/README.md) on the namespace testbed: ordered
# delivery over two dissimilar paths with CMT on, K saturated streams, round robin over
# the paths (plain sender: message g on stream g mod K, blocking sends) against the
# stream-to-path mapping (MPSCTP_PATH_SELECT stream: stream s only on path s mod 2) with
# the SQINFO-driven sender (mpsctp-perf --sqinfo-limit: stream s only while SCTP_SQINFO
# says it holds less than sq_queue_limit / K). Needs root; brings up its own testbed
# (testbed.sh) and removes it on every exit path, Ctrl-C included.
#
#   testbed/e6.sh [--rate1 R] [--rate2 R] [--bytes N] [--streams K,K..] [--variants V,V..]
#                 [--sndbuf B] [--rcvbuf B] [--queue PKTS] [--rto-min MS] [--perf PATH]
#                 [--results FILE.csv] [--json FILE] [--plot FILE.png] [--name N]
#
# --rate1/--rate2: the paths (tc units; default 20mbit and 2mbit), --bytes: each transfer
# (default 16M), --streams: the stream counts (default 2,4), --variants: rr and/or map
# (default both), --sndbuf/--rcvbuf: SO_SNDBUF / SO_RCVBUF on both sides (default 128k
# each, see docs/testbed.md "E6"), --queue: the shapers' queue (default 100 packets),
# --rto-min: RTO.Min on both sides (default 200 ms), --perf: the mpsctp-perf binary
# (default $MPSCTP_PERF, else build/bin/mpsctp-perf of this repository), --results: a
# CSV with one row per run, --json: one JSON object per run (tests/testbed/testbed_e6.sh
# reads it), --plot: a PNG (gnuplot) of the goodput per variant and stream count,
# --name: the testbed's name.
#
# Goodput: payload acknowledged per second, from the client's connect to SHUTDOWN
# COMPLETE, every byte verified by the server; per stream: the bytes the server received
# on that stream per second of its association. % sum: of the sum of the two path rates.
# Exit status: 0 when every transfer succeeded and was verified, 1 otherwise, 2 on bad
# usage.
set -euo pipefail

SELF=$(readlink -f "$0")
DIR=$(dirname "$SELF")
TESTBED=$DIR/testbed.sh
RATE1=20mbit
RATE2=2mbit
BYTES=16M
STREAMS=2,4
VARIANTS=rr,map
SNDBUF=128k
RCVBUF=128k
QUEUE=100
RTO_MIN=200
PERF=${MPSCTP_PERF:-$DIR/../build/bin/mpsctp-perf}
RESULTS=""
JSON=""
PLOT=""
NAME="e6t$$"

# die, usage, parse_opts, need_root_and, rate_bps, server_wait_up, server_end
source "$DIR/lib.sh"
declare -A OPTS=([--rate1]=RATE1 [--rate2]=RATE2 [--bytes]=BYTES [--streams]=STREAMS
    [--variants]=VARIANTS [--sndbuf]=SNDBUF [--rcvbuf]=RCVBUF [--queue]=QUEUE [--rto-min]=RTO_MIN
    [--perf]=PERF [--results]=RESULTS [--json]=JSON [--plot]=PLOT [--name]=NAME)
ARGS=("$@")
parse_opts "$@"
need_root_and ip tc nft jq awk
[ -x "$PERF" ] || die "no mpsctp-perf at $PERF (build first, or give --perf)"
IFS=, read -r -a K_LIST <<< "$STREAMS"
IFS=, read -r -a V_LIST <<< "$VARIANTS"
for k in "${K_LIST[@]}"; do [[ $k =~ ^[1-9][0-9]*$ ]] || die "bad stream count '$k'"; done
for v in "${V_LIST[@]}"; do [[ $v = rr || $v = map ]] || die "unknown variant '$v' (rr, map)"; done

if [ -z "${E6_INSIDE:-}" ]; then
    # absolute paths for the run inside the testbed, then up / run / down
    PERF=$(readlink -f "$PERF")
    for f in RESULTS JSON PLOT; do
        if [ -n "${!f}" ]; then
            : > "${!f}"
            printf -v "$f" '%s' "$(readlink -f "${!f}")"
        fi
    done
    E6_INSIDE=1 E6_PERF=$PERF E6_RESULTS=$RESULTS E6_JSON=$JSON E6_PLOT=$PLOT \
        exec "$TESTBED" run --name "$NAME" --rate1 "$RATE1" --rate2 "$RATE2" --queue "$QUEUE" \
        -- "$SELF" "${ARGS[@]}"
fi
PERF=$E6_PERF RESULTS=$E6_RESULTS JSON=$E6_JSON PLOT=$E6_PLOT

# inside testbed.sh run: A, B (ip netns exec ...), A1 A2 B1 B2 come from it
TMP=$(mktemp -d)
SPID=""
cleanup() {
    if [ -n "$SPID" ]; then kill -KILL "$SPID" 2> /dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
SUM=$(($(rate_bps "$RATE1") + $(rate_bps "$RATE2")))
COMMON=(--cmt cmt --sndbuf "$SNDBUF" --rcvbuf "$RCVBUF" --rto-min "$RTO_MIN")

# one VARIANT K: a transfer; its result (a JSON object) goes to $TMP/runs
one() {
    local v=$1 k=$2 ps=rr extra=() crc=0 src=0
    if [ "$v" = map ]; then
        ps=stream
        extra=(--sqinfo-limit)
    fi
    $B "$PERF" server --once --json --bind "$B1,$B2" --path-select $ps "${COMMON[@]}" \
        > "$TMP/s.out" 2> "$TMP/s.err" &
    SPID=$!
    server_wait_up "$SPID" 50
    timeout 120 $A "$PERF" client --json --bind "$A1,$A2" --connect "$B1,$B2" --bytes "$BYTES" \
        --streams "$k" --path-select $ps "${extra[@]}" "${COMMON[@]}" --interval 0.5 \
        > "$TMP/c.out" 2> "$TMP/c.err" || crc=$?
    server_end "$SPID" 50 || src=$?
    SPID=""
    local c s
    c=$(jq -c 'select(.role == "client" and (.interval | not))' "$TMP/c.out" 2> /dev/null | tail -n 1)
    s=$(jq -c 'select(.role == "server" and (.interval | not))' "$TMP/s.out" 2> /dev/null | tail -n 1)
    [ -n "$c" ] || c='{}'
    [ -n "$s" ] || s='{}'
    jq -cn --arg v "$v" --argjson k "$k" --argjson crc "$crc" --argjson src "$src" \
        --argjson c "$c" --argjson s "$s" --argjson sum "$SUM" \
        --arg b1 "$B1" --arg b2 "$B2" --arg err "$(cat "$TMP/c.err" "$TMP/s.err" | head -c 300)" '
        def path($a): [($c.paths // [])[] | select(.addr == $a)][0].bytes_sent // 0;
        {variant: $v, streams: $k, path_select: $c.path_select, client_status: $crc,
         server_status: $src, verified: ($c.verified == true and $s.verified == true),
         bytes: ($c.bytes // 0), seconds: ($c.seconds // 0), goodput_bps: ($c.goodput_bps // 0),
         pct_sum: (($c.goodput_bps // 0) / $sum * 100),
         path1_bps: (if ($c.seconds // 0) > 0 then path($b1) * 8 / $c.seconds else 0 end),
         path2_bps: (if ($c.seconds // 0) > 0 then path($b2) * 8 / $c.seconds else 0 end),
         stream_goodput_bps: ($s.stream_goodput_bps // []),
         sqinfo_max_total: ([($c.sqinfo_samples // [])[].total] | max),
         sqinfo_limit: ([($c.sqinfo_samples // [])[].limit] | max),
         error: ([$c.error, $s.error] | map(select(. != null)) | join("; ") |
                 if . == "" then ($err | gsub("\n"; " ")) else . end)}' >> "$TMP/runs"
}

echo "E6 on the testbed: path 1 $RATE1, path 2 $RATE2 (queue $QUEUE packets), CMT on (cmt),"
echo "ordered, $BYTES per transfer, SO_SNDBUF $SNDBUF, SO_RCVBUF $RCVBUF, RTO.Min $RTO_MIN ms"
: > "$TMP/runs"
for k in "${K_LIST[@]}"; do
    for v in "${V_LIST[@]}"; do
        one "$v" "$k"
        jq -r '"  \(.variant) \(.streams) streams: \(.goodput_bps / 1e4 | round / 100) Mbit/s, " +
               "\(.pct_sum | round)% of the sum, per stream \([.stream_goodput_bps[] | . / 1e4 | round / 100])" +
               (if .error != "" then " (\(.error))" else "" end)' <<< "$(tail -n 1 "$TMP/runs")"
    done
done
echo
printf '%-8s %7s %9s %6s %8s %8s  %s\n' variant streams "Mbit/s" "% sum" "path 1" "path 2" "per stream (Mbit/s)"
jq -r 'def m: . / 1e4 | round / 100;
       [(if .variant == "map" then "map+sq" else "rr" end), .streams, (.goodput_bps | m),
        (.pct_sum * 10 | round / 10), (.path1_bps | m), (.path2_bps | m),
        ([.stream_goodput_bps[] | m] | map(tostring) | join(" ")),
        (if .verified and .client_status == 0 and .server_status == 0 then "" else "FAILED" end)]
       | @tsv' "$TMP/runs" |
    awk -F '\t' '{ printf "%-8s %7s %9s %5s%% %8s %8s  %s %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
echo "path 1/2: DATA payload the client sent to that path (retransmissions included) per second"

[ -n "$JSON" ] && cp "$TMP/runs" "$JSON"
if [ -n "$RESULTS" ]; then
    {
        echo "variant,streams,rate1,rate2,bytes,sndbuf,rcvbuf,seconds,goodput_mbps,pct_sum,path1_mbps,path2_mbps,stream_mbps,sqinfo_max_total,sqinfo_limit,verified"
        jq -r --arg r1 "$RATE1" --arg r2 "$RATE2" --arg b "$BYTES" --arg sb "$SNDBUF" --arg rb "$RCVBUF" '
            def m: . / 1e4 | round / 100;
            [.variant, .streams, $r1, $r2, $b, $sb, $rb, (.seconds * 1000 | round / 1000),
             (.goodput_bps | m), (.pct_sum * 10 | round / 10), (.path1_bps | m), (.path2_bps | m),
             ([.stream_goodput_bps[] | m] | map(tostring) | join(";")),
             (.sqinfo_max_total // ""), (.sqinfo_limit // ""), .verified] | @csv' "$TMP/runs"
    } > "$RESULTS"
    echo "results: $RESULTS"
fi
if [ -n "$PLOT" ]; then
    if command -v gnuplot > /dev/null; then
        # rows: streams; columns: round robin, mapping + SQINFO (Mbit/s)
        jq -rs 'group_by(.streams)[] |
            [.[0].streams, ((map(select(.variant == "rr"))[0].goodput_bps // 0) / 1e6),
             ((map(select(.variant == "map"))[0].goodput_bps // 0) / 1e6)] | @tsv' \
            "$TMP/runs" > "$TMP/plot.dat"
        gnuplot << EOF && echo "plot: $PLOT"
set terminal pngcairo size 800,480
set output '$PLOT'
set title "E6 testbed: $RATE1 + $RATE2, CMT, ordered, $BYTES\nsndbuf $SNDBUF, rcvbuf $RCVBUF"
set ylabel 'goodput (Mbit/s)'
set xlabel 'streams'
set yrange [0:$(awk -v s="$SUM" 'BEGIN { print s / 1e6 * 1.15 }')]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key inside left bottom opaque box
plot '$TMP/plot.dat' using 2:xtic(1) title 'round robin', '' using 3 title 'mapping + SQINFO', \
     $(awk -v s="$SUM" 'BEGIN { print s / 1e6 }') with lines dt 2 lw 2 title 'sum of the path rates'
EOF
    else
        echo "e6.sh: gnuplot not found: no plot" >&2
    fi
fi
if jq -e 'select(.verified != true or .client_status != 0 or .server_status != 0)' "$TMP/runs" > /dev/null; then
    echo "e6.sh: some transfers failed" >&2
    exit 1
fi
