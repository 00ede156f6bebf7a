#!/bin/bash
# Multi-homed transfers of mpsctp-perf across the namespace testbed (testbed/testbed.sh):
# host A (client) and host B (server), each with one address on each of two paths.
#
#   testbed_failover.sh PATH/TO/mpsctp-perf PATH/TO/testbed.sh CASE
#
# failover: 32 MiB over two 20 Mbit/s paths; after a third of it path 1 (the primary)
#   is taken down for 3 s, then brought back. Both sides exit 0 with every byte
#   verified; the client's path events show path 1 UNREACHABLE, then AVAILABLE; its
#   per-path bytes show path 1 carrying data before the failure, path 2 while path 1 is
#   down and path 1 again after it is back. The failover time (link down to UNREACHABLE)
#   is printed against the rule: Path.Max.Retrans + 1 T3-rtx expiries, the RTO doubling
#   each time up to RTO.Max (RFC 9260 s6.3.3 E2, s8.2), plus up to one RTO.
# failover6: the same over the testbed's IPv6 addresses (fd00:201:P::1 and ::2).
# pf: the same with PotentiallyFailed.Max.Retrans 0 (RFC 7829): path 1 is reported
#   POTENTIALLY_FAILED within about one RTO of the link going down (the first T3
#   expiry), before UNREACHABLE.
# loss: 16 MiB with 1% random loss on path 1 (the primary), both directions: every
#   byte verified.
#
# Needs root and network namespaces: without them it fails (the suite runs as root).
set -euo pipefail

PERF=${1:?usage: testbed_failover.sh mpsctp-perf testbed.sh CASE}
TESTBED=${2:?testbed.sh}
CASE=${3:?case}

# fast path management: RTO 100..1000 ms, a path fails after 2 + 1 consecutive errors
RTO_MIN=100
RTO_MAX=1000
PMR=2
HB=300
FAST=(--rto-min "$RTO_MIN" --rto-initial 200 --rto-max "$RTO_MAX" --path-max-retrans "$PMR"
      --max-retrans 10 --hb-interval "$HB")

fail() {
    echo "FAIL: $*"
    if [ -n "${TMP:-}" ]; then
        for f in "$TMP"/*.out "$TMP"/*.err; do
            [ -s "$f" ] || continue
            echo "--- $(basename "$f") (last lines)"
            tail -n 5 "$f" | cut -c 1-3000
        done
    fi
    if [ -n "${UP:-}" ]; then
        echo "--- testbed"
        "$TESTBED" show --name "$NAME" 2> /dev/null | grep -vE '^ *(backlog|qdisc noqueue)' || true
    fi
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "the testbed tests need root (network namespaces, veth, tc, nftables); run the suite as root"
if ! command -v ip > /dev/null || ! ip netns list > /dev/null 2>&1; then
    fail "'ip netns' is not available (iproute2)"
fi
for c in tc nft jq ss; do
    command -v "$c" > /dev/null || fail "$c not found (scripts/install-deps.sh installs it)"
done
[ -x "$PERF" ] || fail "no mpsctp-perf at $PERF"

NAME="mpt$$"
TMP=$(mktemp -d)
UP=""
SPID=""
CPID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for p in $CPID $SPID; do
        kill -KILL "$p" 2> /dev/null || true
    done
    [ -n "$UP" ] && "$TESTBED" down --name "$NAME"
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

A1=10.201.1.1 A2=10.201.2.1 B1=10.201.1.2 B2=10.201.2.2
# failover6: the same failover over the testbed's IPv6 addresses
if [ "$CASE" = failover6 ]; then
    A1=fd00:201:1::1 A2=fd00:201:2::1 B1=fd00:201:1::2 B2=fd00:201:2::2
fi

ok() { echo "ok: $*"; }
# a failed check after which the others still tell something: reported, fails at the end
FAILED=()
bad() {
    echo "FAILED CHECK: $*"
    FAILED+=("$*")
}
now() { date +%s.%N; }
# calc EXPR: awk arithmetic, printed with 3 decimals
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
# check AWK-CONDITION: true or false
check() { awk "BEGIN { exit !($1) }"; }

testbed_up() { # testbed_up UP-OPTIONS
    "$TESTBED" up --name "$NAME" --owner $$ "$@" > /dev/null || fail "testbed up failed"
    UP=1
    ok "testbed $NAME up: $*"
}

start_server() { # start_server: in B, bound to both addresses; waits for its UDP port
    "$TESTBED" exec --name "$NAME" b "$PERF" server --once --json --bind "$B1,$B2" \
        --interval 0.2 "${FAST[@]}" > "$TMP/server.out" 2> "$TMP/server.err" &
    SPID=$!
    local i=0
    while [ -z "$("$TESTBED" exec --name "$NAME" b ss -Huln 'sport = :9899')" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "the server did not bind its UDP port"
        kill -0 "$SPID" 2> /dev/null || fail "the server ended at once"
        sleep 0.1
    done
    sleep 0.2
}

start_client() { # start_client OPTIONS: in A, bound to both addresses, both server addresses
    "$TESTBED" exec --name "$NAME" a "$PERF" client --connect "$B1,$B2" --bind "$A1,$A2" \
        --json --interval 0.2 "${FAST[@]}" "$@" > "$TMP/client.out" 2> "$TMP/client.err" &
    CPID=$!
}

wait_pid() { # wait_pid PID SECONDS: its exit status in RC (fails after SECONDS)
    local i=0 lim=$(($2 * 10))
    while kill -0 "$1" 2> /dev/null; do
        i=$((i + 1))
        [ $i -lt $lim ] || fail "process $1 still runs after $2 s"
        sleep 0.1
    done
    RC=0
    wait "$1" || RC=$?
}

final_line() { # final_line FILE: the last report that is not an interval report
    jq -c 'select(.interval | not)' "$1" 2> /dev/null | tail -n 1
}

# the client's interval reports as "wall bytes_sent(B1) bytes_sent(B2) rto_ms(B1)" lines
samples() {
    jq -r --arg b1 "$B1" --arg b2 "$B2" 'select(.interval) |
        [.wall, ((.paths[] | select(.addr == $b1) | .bytes_sent) // 0),
         ((.paths[] | select(.addr == $b2) | .bytes_sent) // 0),
         ((.paths[] | select(.addr == $b1) | .rto_ms) // 0)] | @tsv' "$TMP/client.out"
}

# bytes_sent of path ADDR in the last sample at or before wall time T (0 when none)
bytes_at() { # bytes_at COLUMN T
    samples | awk -v c="$1" -v t="$2" '$1 <= t { v = $c } END { print v + 0 }'
}

# wait until the client has handed N bytes to the stack (its interval reports)
wait_client_bytes() { # wait_client_bytes N SECONDS
    local i=0 b=0
    while :; do
        # The client is still writing: the last line may be cut, jq then fails after
        # printing the lines before it (set -e must not end the test there).
        b=$(jq -r 'select(.interval) | .bytes' "$TMP/client.out" 2> /dev/null | tail -n 1) || true
        [ "${b:-0}" -ge "$1" ] && break
        kill -0 "$CPID" 2> /dev/null || fail "the client ended before $1 bytes"
        i=$((i + 1))
        [ $i -lt $(($2 * 20)) ] || fail "the client sent only ${b:-0} of $1 bytes in $2 s"
        sleep 0.05
    done
}

check_both() { # check_both BYTES: exit statuses, byte counts, verification on both sides
    local crc src cl sl
    wait_pid "$CPID" 60
    crc=$RC
    CPID=""
    wait_pid "$SPID" 10
    src=$RC
    SPID=""
    cl=$(final_line "$TMP/client.out")
    sl=$(final_line "$TMP/server.out")
    [ -n "$cl" ] || fail "no final report from the client"
    [ -n "$sl" ] || fail "no final report from the server"
    echo "client paths: $(jq -c '[.paths[] | {addr, state, bytes_sent, retransmissions, heartbeats_sent}]' <<< "$cl")"
    echo "server paths: $(jq -c '[.paths[] | {addr, state, bytes_received}]' <<< "$sl")"
    echo "client path events: $(jq -c '[.path_events[] | {t, addr, state}]' <<< "$cl")"
    echo "server path events: $(jq -c '[.path_events[] | {t, addr, state}]' <<< "$sl")"
    [ "$crc" = 0 ] || fail "client exit status $crc: $(jq -r '.error // empty' <<< "$cl")"
    [ "$src" = 0 ] || fail "server exit status $src: $(jq -r '.error // empty' <<< "$sl")"
    ok "exit status 0 on both sides"
    [ "$(jq -r .bytes <<< "$cl")" = "$1" ] || fail "client bytes $(jq -r .bytes <<< "$cl"), expected $1"
    [ "$(jq -r .verified <<< "$cl")" = true ] || fail "client verified: $(jq -r .verified <<< "$cl")"
    [ "$(jq -r .bytes <<< "$sl")" = "$1" ] || fail "server bytes $(jq -r .bytes <<< "$sl"), expected $1"
    [ "$(jq -r .verified <<< "$sl")" = true ] || fail "server verified: $(jq -r .verified <<< "$sl")"
    ok "$1 bytes sent, received and verified byte by byte, in $(jq -r .seconds <<< "$cl") s" \
        "($(calc "$(jq -r .goodput_bps <<< "$cl") / 1e6") Mbit/s)"
}

case $CASE in
failover | failover6 | pf)
    TOTAL=$((32 << 20))
    DOWN_S=3
    [ "$CASE" = pf ] && FAST+=(--pf-max-retrans 0)
    testbed_up --rate 20mbit
    start_server
    start_client --bytes "$TOTAL"
    wait_client_bytes $((TOTAL / 3)) 30
    t_down0=$(now)
    "$TESTBED" path --name "$NAME" 1 down
    t_down=$(now)
    ok "path 1 down at $(calc "$t_down - $t_down0") s after the command started"
    sleep "$DOWN_S"
    t_up0=$(now)
    "$TESTBED" path --name "$NAME" 1 up
    t_up=$(now)
    ok "path 1 up again after $(calc "$t_up - $t_down") s ($(calc "$t_up - $t_up0") s for the command)"
    check_both "$TOTAL"
    cl=$(final_line "$TMP/client.out")

    # path events of path 1: UNREACHABLE after the link went down, AVAILABLE after it came back.
    # The link went down (up) at some instant while its command ran, between t_down0 and
    # t_down (t_up0 and t_up); on a busy machine the command takes a while, so each check
    # takes the end of that interval that is fair to the stack.
    t_unr=$(jq -r --arg a "$B1" --argjson t "$t_down0" \
        '[.path_events[] | select(.addr == $a and .state == "UNREACHABLE" and .wall >= $t)][0].wall // empty' <<< "$cl")
    [ -n "$t_unr" ] || fail "no UNREACHABLE event for $B1 after the link went down"
    t_avail=$(jq -r --arg a "$B1" --argjson t "$t_unr" \
        '[.path_events[] | select(.addr == $a and .state == "AVAILABLE" and .wall > $t)][0].wall // empty' <<< "$cl")
    [ -n "$t_avail" ] || fail "no AVAILABLE event for $B1 after the UNREACHABLE one"
    check "$t_avail >= $t_up0" || fail "$B1 AVAILABLE at $(calc "$t_avail - $t_down") s, before the link came back"
    ok "path 1 ($B1) UNREACHABLE $(calc "$t_unr - $t_down") s after the link went down, AVAILABLE $(calc "$t_avail - $t_up") s after it came back"
    if jq -e --arg a "$B2" '[.path_events[] | select(.addr == $a and .state == "UNREACHABLE")] | length > 0' <<< "$cl" > /dev/null; then
        bad "path 2 ($B2), whose link stayed up, was reported UNREACHABLE"
    fi

    # the failover time against the rule
    R=$(samples | awk -v t="$t_down0" '$1 <= t && $4 > 0 { r = $4 } END { print r + 0 }')
    [ "$R" -ge "$RTO_MIN" ] 2> /dev/null || R=$RTO_MIN
    RULE=$(awk -v r="$R" -v m="$RTO_MAX" -v n="$PMR" 'BEGIN {
        for (k = 0; k <= n; k++) { x = r * 2 ^ k; s += (x > m ? m : x) } printf "%.3f", s / 1000 }')
    FO=$(calc "$t_unr - $t_down")     # the shortest it can have been
    FO_MAX=$(calc "$t_unr - $t_down0") # the longest
    LO=$(calc "$RULE - $R / 1000 - 0.05")
    HI=$(calc "$RULE + $R / 1000 + 0.3")
    echo "failover time: $FO s (link down -> UNREACHABLE; at most $FO_MAX s from the start of" \
         "the command); rule: Path.Max.Retrans + 1 = $((PMR + 1))" \
         "T3 expiries from RTO $R ms doubling (max $RTO_MAX ms) = $RULE s, plus up to one RTO:" \
         "accepted $LO .. $HI s"
    if check "$FO_MAX >= $LO && $FO <= $HI"; then
        ok "failover time within the rule"
    else
        bad "failover time $FO .. $FO_MAX s outside $LO .. $HI s"
    fi

    if [ "$CASE" = pf ]; then
        # RFC 7829: with PFMR 0 the first T3 expiry makes the path PF (new data moves)
        t_pf=$(jq -r --arg a "$B1" --argjson t "$t_down0" \
            '[.path_events[] | select(.addr == $a and .state == "POTENTIALLY_FAILED" and .wall >= $t)][0].wall // empty' <<< "$cl")
        if [ -z "$t_pf" ]; then
            bad "no POTENTIALLY_FAILED event for $B1 after the link went down"
        else
            PF_T=$(calc "$t_pf - $t_down")
            PF_HI=$(calc "$R / 1000 + 0.3")
            echo "PF time: $PF_T s (link down -> POTENTIALLY_FAILED); rule: one T3 expiry, at most one RTO ($R ms): accepted up to $PF_HI s"
            if check "$PF_T <= $PF_HI && $t_pf <= $t_unr"; then
                ok "PF within one RTO, before UNREACHABLE"
            else
                bad "POTENTIALLY_FAILED $PF_T s after the link went down (at most $PF_HI s, and before UNREACHABLE)"
            fi
        fi
    fi

    # bytes per path: path 1 before the failure, path 2 while path 1 was down, path 1 after
    b1_down=$(bytes_at 2 "$t_down0")
    b2_down=$(bytes_at 3 "$t_down0")
    b2_unr=$(bytes_at 3 "$t_unr")
    b2_avail=$(bytes_at 3 "$t_avail")
    b1_avail=$(bytes_at 2 "$t_avail")
    b1_end=$(jq -r --arg a "$B1" '.paths[] | select(.addr == $a) | .bytes_sent' <<< "$cl")
    b2_end=$(jq -r --arg a "$B2" '.paths[] | select(.addr == $a) | .bytes_sent' <<< "$cl")
    echo "bytes sent to $B1 / $B2: before the failure $b1_down / $b2_down," \
         "at UNREACHABLE $(bytes_at 2 "$t_unr") / $b2_unr, at AVAILABLE $b1_avail / $b2_avail," \
         "at the end $b1_end / $b2_end"
    [ "$b1_down" -gt 0 ] || bad "path 1 carried no data before the failure"
    # at 20 Mbit/s path 2 could carry about 2.5 MB a second: ask for a fifth of that
    need=$(awk -v a="$t_avail" -v u="$t_unr" 'BEGIN { printf "%d", (a - u) * 500000 }')
    if check "$b2_avail - $b2_unr >= $need"; then
        ok "path 2 carried $((b2_avail - b2_unr)) bytes while path 1 was down"
    else
        bad "path 2 carried $((b2_avail - b2_unr)) bytes in the $(calc "$t_avail - $t_unr") s path 1 was down (expected at least $need)"
    fi
    if [ "$b1_end" -gt "$b1_avail" ]; then
        ok "path 1 carried $((b1_end - b1_avail)) bytes after it came back"
    else
        bad "no data went back to path 1 (the primary) after it came back"
    fi
    check "$b1_end + $b2_end >= $TOTAL" || bad "the paths carried $((b1_end + b2_end)) bytes, fewer than $TOTAL"
    ;;
loss)
    TOTAL=$((16 << 20))
    testbed_up --rate 20mbit --loss1 1%
    start_server
    start_client --bytes "$TOTAL"
    check_both "$TOTAL"
    cl=$(final_line "$TMP/client.out")
    echo "retransmissions per path: $(jq -c '[.paths[] | {addr, retransmissions}]' <<< "$cl")"
    ;;
*)
    fail "unknown case $CASE"
    ;;
esac
[ ${#FAILED[@]} -eq 0 ] || fail "${#FAILED[@]} check(s) failed: $(printf '%s; ' "${FAILED[@]}")"
echo "PASS: $CASE"
