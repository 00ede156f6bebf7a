#!/bin/bash
# compare.sh: mpsctp side by side with kernel TCP, kernel MPTCP and usrsctp's CMT on the
# namespace testbed (testbed.sh), each scenario on identical shaped paths, the runs one
# after the other in the same testbed. Needs root; a testbed of its own per scenario,
# removed on every exit path (Ctrl-C included).
#
#   testbed/compare.sh [--scenario S[,S..]|all] [--time SEC] [--reps N] [--runs R,R..]
#                      [--out DIR] [--quick] [--qdisc tbf|htb] [--queue PKTS]
#                      [--rto-min MS] [--perf PATH] [--upeer PATH] [--name N]
#
# Scenarios (all paths shaped with --qdisc, default tbf, queue --queue, default 100):
#   equal       2 x 50 Mbit/s
#   dissimilar  50 + 10 Mbit/s
#   loss1       2 x 50 Mbit/s, 1% random loss each way on both paths
#   loss3one    2 x 50 Mbit/s, 3% random loss each way on path 1 only
#   delay10     2 x 50 Mbit/s, 10 ms more each way on path 2 (nfq_delay)
# Default: all. Runs (default all, in this order, once per repetition):
#   tcp-path1, tcp-path2  iperf3 (cubic) over path 1 alone, path 2 alone
#   mptcp                 iperf3 under mptcpize, in-kernel path manager, a subflow
#                         endpoint on A's path-2 address: two subflows
#   usrsctp-path1         usrsctp_peer over path 1 alone
#   usrsctp-cmt           usrsctp_peer with CMT (--cmt 1) over both addresses
#   mpsctp-path1          mpsctp-perf over path 1 alone, CMT off
#   mpsctp-off, mpsctp-cmt, mpsctp-rpv1, mpsctp-rpv2, mpsctp-mptcp
#                         mpsctp-perf over both addresses in that SCTP_CMT_ON_OFF mode
# --time: seconds per run (default 10); --reps: repetitions (default 3: the table shows
# the median and the range); --quick: 3 s, 1 repetition. The SCTP stacks send 1200-byte
# messages, verified byte by byte by the receiver, with RTO.Min --rto-min (default 200
# ms, the minimum RTO of Linux TCP) on both sides. mpsctp-perf runs for --time seconds;
# usrsctp_peer has no time limit, so it sends what the run's path rates carry in --time
# seconds at 90%. Goodput: TCP and MPTCP, iperf3's receiver figure (bytes received in the
# test / its seconds: data still in the sender's buffers at the end is not counted);
# mpsctp, the same measure: the bytes the server had read --time seconds into the
# association / those seconds (its interval reports; the whole transfer, with the drain
# of the send buffer and the SHUTDOWN, is goodput_total_bps in runs.jsonl); usrsctp,
# bytes / time of its fixed transfer. --perf, --upeer: mpsctp-perf and usrsctp_peer
# (default: build/bin of this repository). --out: where runs.jsonl (one JSON object per
# run), summary.csv, summary.json and compare.png go (default compare-out).
#
# Exit status: 0 when every run succeeded (and every verified byte was right), 1
# otherwise, 2 on bad usage. The table goes to stdout; docs/testbed.md explains it.
set -euo pipefail

SELF=$(readlink -f "$0")
DIR=$(dirname "$SELF")
TESTBED=$DIR/testbed.sh
SCENARIO=all
TIME=10
REPS=3
RUNS=tcp-path1,tcp-path2,mptcp,usrsctp-path1,usrsctp-cmt,mpsctp-path1,mpsctp-off,mpsctp-cmt,mpsctp-rpv1,mpsctp-rpv2,mpsctp-mptcp
OUT=compare-out
QDISC=tbf
QUEUE=100
RTO_MIN=200
PERF=${MPSCTP_PERF:-$DIR/../build/bin/mpsctp-perf}
UPEER=${USRSCTP_PEER:-$DIR/../build/bin/usrsctp_peer}
NAME="cmp$$"
INSIDE=""
ALL_SCENARIOS=equal,dissimilar,loss1,loss3one,delay10

# die, usage, parse_opts, need_root_and, rate_bps, server_wait_up, server_end, perf_results
source "$DIR/lib.sh"
args=()
for a in "$@"; do
    if [ "$a" = --quick ]; then args+=(--time 3 --reps 1); else args+=("$a"); fi
done
declare -A OPTS=([--scenario]=SCENARIO [--time]=TIME [--reps]=REPS [--runs]=RUNS [--out]=OUT
    [--qdisc]=QDISC [--queue]=QUEUE [--rto-min]=RTO_MIN [--perf]=PERF [--upeer]=UPEER
    [--name]=NAME [--inside]=INSIDE)
parse_opts ${args[@]+"${args[@]}"}
[ "$SCENARIO" = all ] && SCENARIO=$ALL_SCENARIOS
[[ $TIME =~ ^[1-9][0-9]*$ ]] || die "--time takes whole seconds"
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "--reps takes a count"
[[ $RTO_MIN =~ ^[1-9][0-9]*$ ]] || die "--rto-min takes milliseconds"
IFS=, read -r -a SCEN_LIST <<< "$SCENARIO"
IFS=, read -r -a RUN_LIST <<< "$RUNS"
for s in "${SCEN_LIST[@]}"; do
    case ,$ALL_SCENARIOS, in *,"$s",*) ;; *) die "unknown scenario '$s'" ;; esac
done
NEED=(ip tc nft jq ss awk)
for r in "${RUN_LIST[@]}"; do
    case $r in
    tcp-path1 | tcp-path2) NEED+=(iperf3) ;;
    mptcp) NEED+=(iperf3 mptcpize) ;;
    usrsctp-path1 | usrsctp-cmt) [ -x "$UPEER" ] || die "no usrsctp_peer at $UPEER (build it, or give --upeer)" ;;
    mpsctp-path1 | mpsctp-off | mpsctp-cmt | mpsctp-rpv1 | mpsctp-rpv2 | mpsctp-mptcp)
        [ -x "$PERF" ] || die "no mpsctp-perf at $PERF (build it, or give --perf)" ;;
    *) die "unknown run '$r'" ;;
    esac
done
need_root_and "${NEED[@]}"
PERF=$(readlink -f "$PERF")
UPEER=$(readlink -f "$UPEER")

# scenario_opts S: the testbed's up-options of scenario S
scenario_opts() {
    case $1 in
    equal) echo "--rate1 50mbit --rate2 50mbit" ;;
    dissimilar) echo "--rate1 50mbit --rate2 10mbit" ;;
    loss1) echo "--rate1 50mbit --rate2 50mbit --loss1 1% --loss2 1%" ;;
    loss3one) echo "--rate1 50mbit --rate2 50mbit --loss1 3%" ;;
    delay10) echo "--rate1 50mbit --rate2 50mbit --delay2 10" ;;
    esac
}
scenario_rate() { # scenario_rate S P: path P's rate in bit/s
    local o
    o=$(scenario_opts "$1")
    [[ $o =~ --rate$2\ ([0-9a-z]+) ]] && rate_bps "${BASH_REMATCH[1]}"
}

if [ -z "$INSIDE" ]; then
    # ---- outside: one testbed per scenario, then the table ----------------------------
    mkdir -p "$OUT"
    OUT=$(readlink -f "$OUT")
    : > "$OUT/runs.jsonl"
    rc=0
    for s in "${SCEN_LIST[@]}"; do
        echo "== $s: $(scenario_opts "$s"), $QDISC, queue $QUEUE; ${TIME} s x $REPS" >&2
        # shellcheck disable=SC2046
        "$TESTBED" run --name "$NAME" --qdisc "$QDISC" --queue "$QUEUE" $(scenario_opts "$s") \
            -- "$SELF" --inside "$s" --time "$TIME" --reps "$REPS" --runs "$RUNS" --out "$OUT" \
            --rto-min "$RTO_MIN" --perf "$PERF" --upeer "$UPEER" --name "$NAME" || rc=1
    done
    "$DIR/compare_report.sh" "$OUT" "$QDISC" "$QUEUE" "$TIME" "$REPS" || rc=1
    exit "$rc"
fi

# ---- inside "testbed.sh run": TB_NAME, TB_A, TB_B, A, B, A1 A2 B1 B2 come from it -----
SCEN=$INSIDE
RATE1=$(scenario_rate "$SCEN" 1)
RATE2=$(scenario_rate "$SCEN" 2)
TMP=$(mktemp -d)
SPID=""
trap '[ -n "$SPID" ] && kill -KILL "$SPID" 2> /dev/null; rm -rf "$TMP"' EXIT
CTIMEOUT=$((TIME * 4 + 30)) # a client that takes longer has failed

# per-path byte counters: what leaves host A on each path's interface (after the
# testbed's loss rule, priority 0): the data direction of every run
counters_reset() {
    $A nft delete table inet mpsctp_compare 2> /dev/null || true
    $A nft -f - << 'EOF'
table inet mpsctp_compare {
    counter p1 { }
    counter p2 { }
    chain out {
        type filter hook output priority 10; policy accept;
        oifname "veth1" counter name p1
        oifname "veth2" counter name p2
    }
}
EOF
}
counter() { $A nft -j list counter inet mpsctp_compare "$1" | jq '.nftables[] | select(.counter) | .counter.bytes'; }
# TCP counters of host A (kernel TCP and MPTCP subflows): retransmitted segments, RTO
# expiries, MP_JOIN subflows established by the client
tcp_counters() {
    $A awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { for (i = 2; i <= NF; i++) if (h[i] == "RetransSegs") r = $i }
            $1 == "Tcp:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) h[i] = $i }
            END { print r + 0 }' /proc/net/snmp
    $A awk 'function get(name,   i) { for (i = 2; i <= NF; i++) if (hd[$1, i] == name) return $i; return "" }
            $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) hd[$1, i] = $i; next }
            $1 == "TcpExt:" { t = get("TCPTimeouts") }
            $1 == "MPTcpExt:" { j = get("MPJoinSynAckRx") }
            END { print t + 0; print j + 0 }' /proc/net/netstat
}
tcp_listen_wait() { # until B listens on TCP port 5201 (iperf3), at most 10 s
    local i=0
    until $B ss -Htln 'sport = :5201' | grep -q .; do
        i=$((i + 1))
        [ $i -lt 100 ] || return 0
        sleep 0.1
    done
}

# record TOOL REP JSON: one result line (the common fields added)
record() {
    jq -c --arg scen "$SCEN" --arg tool "$1" --argjson rep "$2" --argjson r1 "$RATE1" \
        --argjson r2 "$RATE2" --argjson w1 "$W1" --argjson w2 "$W2" \
        '{scenario: $scen, tool: $tool, rep: $rep, rate1_bps: $r1, rate2_bps: $r2,
          wire1: $w1, wire2: $w2} + .' <<< "$3" >> "$OUT/runs.jsonl"
    jq -r '"  \(.tool) #\(.rep): \((.goodput_bps / 1e4 | round) / 100) Mbit/s" +
           (if .ok then "" else " FAILED: \(.error)" end)' <<< "$(tail -n 1 "$OUT/runs.jsonl")" >&2
}

run_tcp() { # run_tcp TOOL REP: iperf3, one path or MPTCP
    local tool=$1 rep=$2 c0 c1 dst src wrap=() crc=0 j
    case $tool in
    tcp-path1) dst=$B1 src=$A1 ;;
    tcp-path2) dst=$B2 src=$A2 ;;
    mptcp) dst=$B1 src=$A1 wrap=(mptcpize run) ;;
    esac
    mapfile -t c0 < <(tcp_counters)
    $B ${wrap[@]+"${wrap[@]}"} iperf3 -s -1 -B "$dst" > "$TMP/s.out" 2>&1 &
    SPID=$!
    tcp_listen_wait
    counters_reset
    timeout "$CTIMEOUT" $A ${wrap[@]+"${wrap[@]}"} iperf3 -c "$dst" -B "$src" -t "$TIME" \
        -C cubic -J > "$TMP/c.json" 2> "$TMP/c.err" || crc=$?
    W1=$(counter p1)
    W2=$(counter p2)
    mapfile -t c1 < <(tcp_counters)
    server_end "$SPID" 50 > /dev/null 2>&1 || true
    SPID=""
    j=$(jq -c --argjson crc "$crc" --argjson rtx $((c1[0] - c0[0])) --argjson to $((c1[1] - c0[1])) \
        --argjson joins $((c1[2] - c0[2])) --arg err "$(head -c 300 "$TMP/c.err")" '
        {goodput_bps: (.end.sum_received.bits_per_second // 0),
         seconds: (.end.sum_received.seconds // 0), bytes: (.end.sum_received.bytes // 0),
         verified: null, retransmissions: $rtx, rtx_unit: "segments", timeouts: $to,
         mptcp_joins: $joins, stack_split: null,
         ok: ($crc == 0 and .error == null and (.end.sum_received.bytes // 0) > 0),
         error: (.error // (if $crc != 0 then "exit status \($crc) \($err)" else null end))}' \
        "$TMP/c.json" 2> /dev/null) ||
        j=$(jq -cn --arg e "iperf3: no JSON (exit $crc) $(head -c 300 "$TMP/c.err")" \
            '{goodput_bps: 0, ok: false, error: $e}')
    record "$tool" "$rep" "$j"
}

run_usrsctp() { # run_usrsctp TOOL REP: usrsctp_peer client in A, server in B
    local tool=$1 rep=$2 caddr laddr raddr cmt=() bytes crc=0 src=0 cl sl j rate
    if [ "$tool" = usrsctp-cmt ]; then
        caddr=$B1,$B2 laddr=$A1,$A2 raddr=$B1,$B2 cmt=(--cmt 1) rate=$((RATE1 + RATE2))
    else
        caddr=$B1 laddr=$A1 raddr=$B1 rate=$RATE1
    fi
    # what the path rates carry in TIME seconds at 90%, in whole messages
    bytes=$((rate / 8 * TIME * 9 / 10 / 1200 * 1200))
    $B "$UPEER" --server 5001 --udp-port 9899 --local-addrs "$raddr" ${cmt[@]+"${cmt[@]}"} \
        --bytes "$bytes" --msg-size 1200 --timeout "$CTIMEOUT" > "$TMP/s.out" 2> "$TMP/s.err" &
    SPID=$!
    server_wait_up "$SPID" 100
    counters_reset
    $A "$UPEER" --client "$caddr" 5001 --udp-port 9900 --remote-udp-port 9899 \
        --local-addrs "$laddr" ${cmt[@]+"${cmt[@]}"} --bytes "$bytes" --msg-size 1200 \
        --rto "$RTO_MIN,1000,60000" --wait-confirm 3000 --timeout "$CTIMEOUT" \
        > "$TMP/c.out" 2> "$TMP/c.err" || crc=$?
    W1=$(counter p1)
    W2=$(counter p2)
    server_end "$SPID" 100 || src=$?
    SPID=""
    cl=$(tail -n 1 "$TMP/c.out")
    sl=$(tail -n 1 "$TMP/s.out")
    jq -e . <<< "$cl" > /dev/null 2>&1 || cl='{}'
    jq -e . <<< "$sl" > /dev/null 2>&1 || sl='{}'
    j=$(jq -cn --argjson c "$cl" --argjson s "$sl" --argjson crc "$crc" --argjson src "$src" \
        --argjson want "$bytes" --arg err "$(cat "$TMP/c.err" "$TMP/s.err" | head -c 300)" '
        {goodput_bps: ($s.goodput_bps // 0), seconds: ($s.seconds // 0), bytes: ($s.bytes // 0),
         verified: $s.verified, retransmissions: $c.retransmissions, rtx_unit: "chunks",
         timeouts: $c.t3_timeouts, cmt: $c.cmt, stack_split: null,
         ok: ($crc == 0 and $src == 0 and $s.verified == true and $s.bytes == $want),
         error: ([$c.error, $s.error] | map(select(. != null)) |
                 if length > 0 then join("; ")
                 elif $crc != 0 or $src != 0 then "exit status \($crc)/\($src) \($err)"
                 else null end)}')
    record "$tool" "$rep" "$j"
}

run_mpsctp() { # run_mpsctp TOOL REP: mpsctp-perf client in A, server in B
    local tool=$1 rep=$2 mode baddr laddr crc=0 src=0 cl sl wl j
    if [ "$tool" = mpsctp-path1 ]; then
        mode=off baddr=$B1 laddr=$A1
    else
        mode=${tool#mpsctp-} baddr=$B1,$B2 laddr=$A1,$A2
    fi
    $B "$PERF" server --once --json --interval 0.5 --bind "$baddr" --cmt "$mode" \
        --rto-min "$RTO_MIN" > "$TMP/s.out" 2> "$TMP/s.err" &
    SPID=$!
    server_wait_up "$SPID" 100
    counters_reset
    timeout "$CTIMEOUT" $A "$PERF" client --connect "$baddr" --bind "$laddr" --time "$TIME" \
        --msg-size 1200 --cmt "$mode" --rto-min "$RTO_MIN" --json \
        > "$TMP/c.out" 2> "$TMP/c.err" || crc=$?
    W1=$(counter p1)
    W2=$(counter p2)
    server_end "$SPID" 100 || src=$?
    SPID=""
    { read -r cl; read -r sl; } < <(perf_results "$TMP/c.out" "$TMP/s.out")
    # The window: what the server had read TIME seconds into the association (its last
    # interval report by then), as iperf3's receiver figure counts the test's seconds.
    wl=$(jq -c --argjson t "$TIME" 'select(.role == "server" and .interval == true and
        .seconds <= $t + 0.05)' "$TMP/s.out" 2> /dev/null | tail -n 1)
    j=$(jq -cn --argjson c "$cl" --argjson s "$sl" --argjson w "${wl:-"{}"}" \
        --argjson crc "$crc" --argjson src "$src" \
        --arg b1 "$B1" --arg b2 "$B2" --arg err "$(cat "$TMP/c.err" "$TMP/s.err" | head -c 300)" '
        def sent($a): ([($c.paths // [])[] | select(.addr == $a) | .bytes_sent] | add) // 0;
        ($w.seconds // 0) as $ws |
        {goodput_bps: (if $ws > 0 then $w.bytes * 8 / $ws else ($c.goodput_bps // 0) end),
         window_seconds: $ws, window_bytes: ($w.bytes // 0),
         goodput_total_bps: ($c.goodput_bps // 0), seconds: ($c.seconds // 0),
         bytes: ($c.bytes // 0),
         verified: $s.verified,
         retransmissions: ([($c.paths // [])[] | .retransmissions // 0] | add),
         rtx_unit: "chunks", timeouts: ([($c.paths // [])[] | .t3_expirations // 0] | add),
         cmt: $c.cmt,
         stack_split: [sent($b1), sent($b2)],
         ok: ($crc == 0 and $src == 0 and $c.verified == true and $s.verified == true and
              $s.bytes == $c.bytes),
         error: ([$c.error, $s.error] | map(select(. != null)) |
                 if length > 0 then join("; ")
                 elif $crc != 0 or $src != 0 or $s.verified != true then
                     "exit status \($crc)/\($src), verified \($s.verified) \($err)"
                 else null end)}')
    record "$tool" "$rep" "$j"
}

# MPTCP: limits on both hosts, a subflow endpoint on A's path-2 address (bound to veth2:
# its subflow to B's path-1 address leaves over path 2, and B answers over path 2)
$A ip mptcp limits set subflows 2 add_addr_accepted 2
$B ip mptcp limits set subflows 2 add_addr_accepted 2
$A ip mptcp endpoint add "$A2" dev veth2 subflow

for rep in $(seq 1 "$REPS"); do
    for r in "${RUN_LIST[@]}"; do
        case $r in
        tcp-path1 | tcp-path2 | mptcp) run_tcp "$r" "$rep" ;;
        usrsctp-*) run_usrsctp "$r" "$rep" ;;
        mpsctp-*) run_mpsctp "$r" "$rep" ;;
        esac
    done
done
