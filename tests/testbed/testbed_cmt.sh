#!/bin/bash
# Two-path CMT transfers of mpsctp-perf across the namespace testbed, one per
# SCTP_CMT_ON_OFF mode (off, cmt, rpv1, rpv2, mptcp), run by testbed/cmt_demo.sh (which
# brings the testbed up and down and prints the per-mode, per-path table).
#
#   testbed_cmt.sh PATH/TO/mpsctp-perf PATH/TO/cmt_demo.sh CASE
#
# equal: two 20 Mbit/s paths. dissimilar: 20 and 5 Mbit/s. 16 MiB per mode (3.5 to 7.5
# s), both sides bound to both addresses, the mode set on both sockets before
# listen/connect, RTO.Min 200 ms on both. Why those two: a lost fast retransmission, or
# a loss with fewer than three later TSNs on its path (split fast retransmit counts
# misses per path), waits for T3 (RFC 9260 s6.3.3); at the default RTO.Min of 1 s such a
# stall, which comes now and then when both queues overflow together, decided the
# result of a short run (plain CMT over 20 + 5 Mbit/s: 1.06x one path with 1 s, 1.16 to
# 1.2x with 200 ms; over 8 MiB one stall took the equal case to 1.3x). With 200 ms and
# 16 MiB one stall still leaves every check met.
#
# Checked for every mode: exit status 0 on both sides, every byte received and verified
# by the server, and both sides report the association in the mode asked for. Then
# (shares: of the DATA payload the client sent, per peer address, MPSCTP_PATH_STATS; the
# kernel's byte counters of A's two interfaces must agree, so a stack that counted one
# path and sent on another would fail):
# - off: one path only. Path 2 (not the primary) carries less than 2% of the payload
#   (RFC 9260 s6.4 allows a retransmission to an alternate path; new data all goes to
#   the primary) and less than 2% of the bytes on the wire.
# - cmt, rpv1, rpv2, mptcp, equal paths: each path carries at least 20% of the payload
#   (an even split is 50%), and goodput is at least 1.5 times the goodput of mode off in
#   the same run. Why 1.5: two equal paths allow twice one path (the simulator's E1
#   asks 1.9x over long runs, docs/results/README.md; on this testbed kernel MPTCP gets
#   94% of the sum); a run of a few seconds pays for the handshake and each path's slow start, so 3/4 of the
#   doubling is required. An association that leaves one path idle or lets it block the
#   other gets about 1.0x, well below.
# - the same modes, dissimilar paths: the 5 Mbit/s path carries at least 8% of the
#   payload (its share of the capacity is 20%), and goodput is at least that of mode off
#   (CMT must never fall below the best single path; usrsctp's CMT falls to 54-58% of
#   the sum there, about 0.7x its single path). The ideal is 1.25x; single-path runs of
#   this size vary by about 6% here, so asking more would test the noise; the share
#   check is what tells a run that used one path.
# Needs root and network namespaces: without them it fails (the suite runs as root).
set -euo pipefail

PERF=${1:?usage: testbed_cmt.sh mpsctp-perf cmt_demo.sh CASE}
DEMO=${2:?cmt_demo.sh}
CASE=${3:?case}
BYTES=$((16 << 20))
case $CASE in
equal) RATES=(--rate1 20mbit --rate2 20mbit) MIN_SHARE=0.20 MIN_SHARE2=0.20 GAIN=1.5 ;;
dissimilar) RATES=(--rate1 20mbit --rate2 5mbit) MIN_SHARE=0 MIN_SHARE2=0.08 GAIN=1.0 ;;
*) echo "FAIL: unknown case $CASE"; exit 1 ;;
esac
# root, jq, bad, verdict
source "$(dirname "$0")/checks.sh"

RES=$(mktemp)
trap 'rm -f "$RES"' EXIT
DRC=0
"$DEMO" "${RATES[@]}" --bytes "$BYTES" --rto-min 200 --perf "$PERF" --results "$RES" \
    --name "cmtt$$" || DRC=$?
echo

check() { awk "BEGIN { exit !($1) }"; }
# share X Y: X / (X + Y), 0 when both are 0
share() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.4f", (x + y > 0 ? x / (x + y) : 0) }'; }
get() { jq -r --arg m "$1" "select(.mode == \$m) | $2" "$RES"; }

[ "$(jq -s length "$RES")" = 5 ] || bad "cmt_demo.sh ran $(jq -s length "$RES") of 5 modes (exit status $DRC)"
OFF_G=$(get off .goodput_bps)
for m in off cmt rpv1 rpv2 mptcp; do
    [ -n "$(get "$m" .mode)" ] || { bad "$m: no result"; continue; }
    read -r crc src cv sv cb sb cc cs g p1 p2 w1 w2 err <<< "$(get "$m" \
        '[.client_status, .server_status, .client_verified, .server_verified, .bytes,
          .server_bytes, .cmt_client, .cmt_server, .goodput_bps, .path1_bytes, .path2_bytes,
          .path1_wire, .path2_wire, (.error | @json)] | map(tostring) | join(" ")')"
    if [ "$crc" != 0 ] || [ "$src" != 0 ] || [ "$cv" != true ] || [ "$sv" != true ] ||
        [ "$cb" != "$BYTES" ] || [ "$sb" != "$BYTES" ]; then
        bad "$m: exit $crc/$src, verified $cv/$sv, bytes $cb/$sb of $BYTES: $err"
        continue
    fi
    if [ "$cc" != "$m" ] || [ "$cs" != "$m" ]; then
        bad "$m: the association reports CMT mode '$cc' (client) / '$cs' (server)"
    fi
    s1=$(share "$p1" "$p2")
    s2=$(share "$p2" "$p1")
    ws2=$(share "$w2" "$w1")
    r=$(awk -v g="$g" -v o="${OFF_G:-0}" 'BEGIN { printf "%.3f", (o > 0 ? g / o : 0) }')
    echo "$m: $(awk -v g="$g" 'BEGIN { printf "%.2f", g / 1e6 }') Mbit/s (${r}x off);" \
        "payload sent on path 1 / 2: $p1 / $p2 bytes (shares $s1 / $s2);" \
        "wire bytes out of A: $w1 / $w2 (path 2 share $ws2)"
    if [ "$m" = off ]; then
        check "$s2 < 0.02 && $ws2 < 0.02" ||
            bad "off: path 2 carried $s2 of the payload and $ws2 of the wire bytes (one path only: < 0.02)"
        continue
    fi
    check "$s1 >= $MIN_SHARE && $s2 >= $MIN_SHARE2" ||
        bad "$m: shares $s1 / $s2 (need >= $MIN_SHARE / >= $MIN_SHARE2)"
    check "(1 - $ws2) >= $MIN_SHARE && $ws2 >= $MIN_SHARE2" ||
        bad "$m: wire shares $(awk -v s="$ws2" 'BEGIN { printf "%.4f", 1 - s }') / $ws2 (need >= $MIN_SHARE / >= $MIN_SHARE2)"
    check "$r >= $GAIN" || bad "$m: goodput ${r}x that of mode off (need >= $GAIN)"
done
verdict "$CASE"
