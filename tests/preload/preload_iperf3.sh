#!/bin/bash
# iperf3 --sctp, unmodified, over mpsctp through the preload library (tests/preload):
# the server (iperf3 -s -1) on host B, the client on host A, both with --json. iperf3's
# control connection is kernel TCP (port 5201), its data association SCTP: each process
# mixes a TCP and an SCTP socket.
#
#   preload_iperf3.sh PATH/TO/libmpsctp-preload.so onepath|reverse|cmt
#
# onepath: 10 s over unshaped paths; the server listens as iperf3 does by default (an
#   AF_INET6 socket on the wildcard address with IPV6_V6ONLY off), the client connects
#   to B's path-1 address over IPv4.
# reverse: the same for 5 s with -R: the server sends, the client receives (and reads
#   its socket again after the end of the stream while the test winds down).
# cmt: paths of 20 and 5 Mbit/s (htb); client and server bound to both their addresses
#   with -X (sctp_bindx), 10 s once with MPSCTP_CMT=off (path 1 alone: the primary) and
#   once with MPSCTP_CMT=cmt; CMT's goodput must exceed 1.05 x the single path's.
#   PL_MODES (default "off cmt") runs other modes as well (each checked against off),
#   PL_RATE1/PL_RATE2/PL_TIME change the rates and the duration (scripts/demo.sh);
#   PL_KERNEL=1 adds kernel TCP over path 1 and MPTCP over both paths (iperf3 without
#   --sctp, no preload library) on the same paths, for comparison.
#
# Checked for every run: both exit 0, no "error" in either JSON, protocol SCTP, each side
# names the other's address as its peer (getpeername; iperf3 prints an IPv4-mapped IPv6
# address as IPv4, a sockaddr_in on an AF_INET6 socket as "::"); the
# sender sent and the receiver received more than 0 bytes (each side's own count); the
# client's copy of the server's count equals the server's; the receiver received no
# more than the sender sent and at most 4 MiB + 1% less (what the buffers hold when the
# test ends, which iperf3 does not count).
set -euo pipefail
PL_TAG=ipf
source "$(dirname "$0")/preload_lib.sh"
CASE=${1:?usage: preload_iperf3.sh LIB onepath|reverse|cmt}
pl_need iperf3 jq

# iperf_run LABEL MODE SECONDS [OPTION..]: one test; OPTIONs go to both sides (-4), XS and
# XC hold the server's and the client's own (-X .., -R); sets GOODPUT (Mbit/s, at the
# receiver), TX1 and TX2 (bytes that left A on each path)
iperf_run() {
    local label=$1 mode=$2 secs=$3 spid rc=0 src=0 s c rcv sent recv copy orig what err proto peer
    local tx1a tx2a
    shift 3
    pl_bg "srv-$label" b MPSCTP_CMT="$mode" iperf3 -s -1 -p 5201 --json "$@" "${XS[@]}"
    spid=$PL_PID
    pl_wait_port b t 5201 "$spid" 10
    tx1a=$(ip netns exec "${PL_NAME}a" cat /sys/class/net/veth1/statistics/tx_bytes)
    tx2a=$(ip netns exec "${PL_NAME}a" cat /sys/class/net/veth2/statistics/tx_bytes)
    pl_fg $((secs + 15)) "cli-$label" a MPSCTP_CMT="$mode" iperf3 -c "$B1" -p 5201 --sctp \
        -t "$secs" --json "$@" "${XC[@]}" || rc=$?
    TX1=$(($(ip netns exec "${PL_NAME}a" cat /sys/class/net/veth1/statistics/tx_bytes) - tx1a))
    TX2=$(($(ip netns exec "${PL_NAME}a" cat /sys/class/net/veth2/statistics/tx_bytes) - tx2a))
    pl_wait_exit "$spid" 10 || src=$?
    GOODPUT=0
    s=$PL_OUT/srv-$label.out
    c=$PL_OUT/cli-$label.out
    [ "$rc" -eq 0 ] || bad "$label: the client exited with $rc"
    [ "$src" -eq 0 ] || bad "$label: the server exited with $src"
    if ! jq -e . "$c" > /dev/null 2>&1 || ! jq -e . "$s" > /dev/null 2>&1; then
        bad "$label: no JSON from the client or the server"
        return 0
    fi
    for f in "$c" "$s"; do
        err=$(jq -r '.error // empty' "$f")
        [ -z "$err" ] || bad "$label: the $(basename "$f" .out | sed 's/-.*//;s/srv/server/;s/cli/client/') reports: $err"
    done
    proto=$(jq -r '.start.test_start.protocol // "?"' "$c")
    [ "$proto" = SCTP ] || bad "$label: protocol $proto, not SCTP"
    # the peers as the sides name them (getpeername on the data socket)
    peer=$(jq -r '.start.connected[0].remote_host // "?"' "$s")
    [ "$peer" = "$A1" ] || bad "$label: the server names its peer '$peer', not $A1 (getpeername)"
    peer=$(jq -r '.start.connected[0].remote_host // "?"' "$c")
    [ "$peer" = "$B1" ] || bad "$label: the client names its peer '$peer', not $B1 (getpeername)"
    # each side's own count: the sender's of bytes sent, the receiver's of bytes received;
    # the client also reports the server's (exchanged at the end of the test): COPY, ORIG
    if [[ " ${XC[*]} " == *" -R "* ]]; then
        rcv=$c what="server sent, client received"
        sent=$(jq -r '.end.sum_sent.bytes // 0' "$s")
        recv=$(jq -r '.end.sum_received.bytes // 0' "$c")
        copy=$(jq -r '.end.sum_sent.bytes // 0' "$c") orig=$sent
    else
        rcv=$s what="client sent, server received"
        sent=$(jq -r '.end.sum_sent.bytes // 0' "$c")
        recv=$(jq -r '.end.sum_received.bytes // 0' "$s")
        copy=$(jq -r '.end.sum_received.bytes // 0' "$c") orig=$recv
    fi
    GOODPUT=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e6' "$rcv")
    echo "$label (MPSCTP_CMT=$mode): $what $sent and $recv bytes" \
         "($((sent - recv)) fewer), $(printf '%.2f' "$GOODPUT") Mbit/s;" \
         "A sent $TX1 bytes on path 1, $TX2 on path 2"
    [ "$sent" -gt 0 ] || bad "$label: the sender sent nothing"
    [ "$recv" -gt 0 ] || bad "$label: the receiver received nothing"
    [ "$copy" = "$orig" ] ||
        bad "$label: the client's copy of the server's count ($copy) is not the server's ($orig)"
    [ "$recv" -le "$sent" ] || bad "$label: received $recv bytes, more than the $sent sent"
    [ $((sent - recv)) -le $((4 * 1048576 + sent / 100)) ] ||
        bad "$label: received $recv bytes of $sent sent (more than 4 MiB + 1% missing)"
}

# kernel_run LABEL tcp|mptcp: the same paths with kernel TCP over path 1, or MPTCP over
# both (mptcpize, in-kernel path manager, a subflow endpoint on A's path-2 address), for
# comparison (PL_KERNEL=1; no preload library); sets GOODPUT as iperf_run does
kernel_run() {
    local label=$1 kind=$2 spid rc=0 wrap=()
    [ "$kind" = mptcp ] && wrap=(mptcpize run)
    ip netns exec "${PL_NAME}b" "${wrap[@]}" iperf3 -s -1 -p 5202 --json \
        > "$PL_OUT/srv-$label.out" 2> "$PL_OUT/srv-$label.err" &
    spid=$!
    PL_PIDS+=("$spid")
    pl_wait_port b t 5202 "$spid" 10
    timeout -k 2 $((SECS + 15)) ip netns exec "${PL_NAME}a" "${wrap[@]}" iperf3 -c "$B1" \
        -p 5202 -t "$SECS" --json > "$PL_OUT/cli-$label.out" 2> "$PL_OUT/cli-$label.err" || rc=$?
    pl_wait_exit "$spid" 10 || true
    GOODPUT=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e6' "$PL_OUT/srv-$label.out" 2> /dev/null || echo 0)
    [ "$rc" -eq 0 ] || bad "$label: kernel iperf3 client exited with $rc"
}

case $CASE in
onepath)
    pl_up --rate 0
    pl_probe
    XS=() XC=()
    iperf_run onepath off 10
    echo "FIGURE iperf3 --sctp one path (unshaped veth): $(printf '%.1f' "$GOODPUT") Mbit/s"
    ;;
reverse)
    pl_up --rate 0
    pl_probe
    XS=() XC=(-R)
    iperf_run reverse off 5
    echo "FIGURE iperf3 --sctp -R one path (unshaped veth): $(printf '%.1f' "$GOODPUT") Mbit/s"
    ;;
cmt)
    RATE1=${PL_RATE1:-20mbit} RATE2=${PL_RATE2:-5mbit} SECS=${PL_TIME:-10}
    read -r -a MODES <<< "${PL_MODES:-off cmt}"
    [ "${MODES[0]}" = off ] || pl_fail "PL_MODES must start with off (the reference)"
    pl_up --rate1 "$RATE1" --rate2 "$RATE2"
    pl_probe
    XS=(-X "$B1" -X "$B2") XC=(-X "$A1" -X "$A2")
    declare -A G P2
    for m in "${MODES[@]}"; do
        iperf_run "$m" "$m" "$SECS" -4
        G[$m]=$GOODPUT
        P2[$m]=$(awk -v a="$TX1" -v b="$TX2" 'BEGIN { printf "%.0f", (a + b > 0) ? 100 * b / (a + b) : 0 }')
    done
    echo
    echo "iperf3 --sctp over two paths of $RATE1 + $RATE2 (htb), $SECS s, goodput at the server:"
    printf '  %-6s %10s %8s %14s\n' mode Mbit/s "x off" "path 2 share"
    FIG=()
    for m in "${MODES[@]}"; do
        r=$(awk -v g="${G[$m]}" -v o="${G[off]}" 'BEGIN { printf "%.2f", (o > 0) ? g / o : 0 }')
        printf '  %-6s %10.2f %8s %13s%%\n' "$m" "${G[$m]}" "$r" "${P2[$m]}"
        FIG+=("FIGURE iperf3 --sctp $RATE1 + $RATE2 MPSCTP_CMT=$m: $(printf '%.2f' "${G[$m]}") Mbit/s (${r}x off)")
        [ "$m" = off ] && continue
        awk -v g="${G[$m]}" -v o="${G[off]}" 'BEGIN { exit !(o > 0 && g > 1.05 * o) }' ||
            bad "MPSCTP_CMT=$m: $(printf '%.2f' "${G[$m]}") Mbit/s is not above 1.05 x the single path's $(printf '%.2f' "${G[off]}")"
    done
    if [ "${PL_KERNEL:-0}" = 1 ]; then
        # the kernel's TCP and MPTCP on the same paths, in the same run
        pl_need mptcpize
        ip netns exec "${PL_NAME}a" ip mptcp limits set subflows 2 add_addr_accepted 2
        ip netns exec "${PL_NAME}b" ip mptcp limits set subflows 2 add_addr_accepted 2
        ip netns exec "${PL_NAME}a" ip mptcp endpoint add "$A2" dev veth2 subflow
        for k in tcp mptcp; do
            kernel_run "kernel-$k" "$k"
            r=$(awk -v g="$GOODPUT" -v o="${G[off]}" 'BEGIN { printf "%.2f", (o > 0) ? g / o : 0 }')
            printf '  %-6s %10.2f %8s   (kernel %s, %s)\n' "$k" "$GOODPUT" "$r" \
                "$([ $k = tcp ] && echo "TCP over path 1" || echo "MPTCP over both paths")" "iperf3 without --sctp"
            FIG+=("FIGURE iperf3 kernel $k $RATE1 + $RATE2: $(printf '%.2f' "$GOODPUT") Mbit/s (${r}x mpsctp off)")
        done
    fi
    echo
    printf '%s\n' "${FIG[@]}"
    ;;
*) pl_fail "unknown case '$CASE' (onepath, reverse, cmt)" ;;
esac
[ ${#FAILED[@]} -eq 0 ] || pl_show_outputs
verdict "iperf3_$CASE"
