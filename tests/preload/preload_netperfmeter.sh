#!/bin/bash
# NetPerfMeter, unmodified, over mpsctp through the preload library (tests/preload):
# the passive node (netperfmeter 9000) on host B, the active node on host A with one
# SCTP association carrying two saturated flows of 1400-byte frames from A to B, flow 0
# ordered, flow 1 unordered (unordered=1), for 8 s. The control association (port 9001)
# is SCTP as well; the passive node also listens on kernel TCP and UDP ports (9000,
# 9001), which must stay kernel sockets. The active node writes its scalars and
# downloads the passive node's over the control association.
#
#   preload_netperfmeter.sh PATH/TO/libmpsctp-preload.so onepath|rpv2
#
# onepath: paths of 20 and 5 Mbit/s (htb), MPSCTP_CMT=off, neither side bound to an
#   address: the passive node's sockets are AF_INET6 wildcard sockets with IPV6_V6ONLY off
#   that the active node reaches over IPv4.
# rpv2: the same paths, MPSCTP_CMT=rpv2, the data sockets bound to both IPv4 addresses of
#   each host (-local=, sctp_bindx), on the passive node an AF_INET6 socket with its
#   IPv4 addresses and B's IPv6 address of path 1 (first: netperfmeter 1.9.4 binds the
#   first -local address to its kernel TCP and UDP sockets as well, which it makes
#   AF_INET6, and an IPv4 address there is EINVAL). Bound to the wildcard address the
#   passive node would list no address in its INIT ACK (mpsctp, unlike kernel SCTP, puts
#   none there), and the active node would know only B's path-1 address. Path 2 must
#   carry at least 5% of what A sends (its capacity share is 20%).
#
# Checked, from the scalar files: for each flow the active node sent and the passive node
# received more than 0 bytes; each side's bytes are 1400 x its messages (whole messages);
# the passive node received no more than the active node sent and at most 4 MiB + 1% less
# (what is in flight when the measurement stops). The active node exits 0.
set -euo pipefail
PL_TAG=npm
source "$(dirname "$0")/preload_lib.sh"
CASE=${1:?usage: preload_netperfmeter.sh LIB onepath|rpv2}
pl_need netperfmeter
FRAME=1400
RUNTIME=8

case $CASE in
onepath) MODE=off PLOCAL=() ALOCAL=() ;;
rpv2) MODE=rpv2 PLOCAL=("-local=fd00:201:1::2,$B1,$B2") ALOCAL=("-local=$A1,$A2") ;;
*) pl_fail "unknown case '$CASE' (onepath, rpv2)" ;;
esac

pl_up --rate1 20mbit --rate2 5mbit
pl_probe
pl_bg passive b MPSCTP_CMT="$MODE" netperfmeter 9000 "${PLOCAL[@]}"
PPID_=$PL_PID
pl_wait_line "$PL_OUT/passive.out" 'Passive Mode: Accepting' "$PPID_" 10
SCA=$PL_OUT/np.sca
rc=0
tx() { ip netns exec "${PL_NAME}a" cat "/sys/class/net/veth$1/statistics/tx_bytes"; }
TX1=$(tx 1) TX2=$(tx 2)
pl_fg $((RUNTIME + 30)) active a MPSCTP_CMT="$MODE" netperfmeter "$B1:9000" "${ALOCAL[@]}" \
    -runtime=$RUNTIME -scalar="$SCA" -config="$PL_OUT/np.config" \
    -sctp "const0:const$FRAME:const0:const0:description=ordered" \
    "const0:const$FRAME:const0:const0:unordered=1:description=unordered" || rc=$?
TX1=$(($(tx 1) - TX1)) TX2=$(($(tx 2) - TX2))
P2=$(awk -v a="$TX1" -v b="$TX2" 'BEGIN { printf "%.1f", (a + b > 0) ? 100 * b / (a + b) : 0 }')
echo "A sent $TX1 bytes on path 1, $TX2 on path 2 ($P2%)"
[ "$CASE" != rpv2 ] || awk -v p="$P2" 'BEGIN { exit !(p >= 5) }' ||
    bad "path 2 carried $P2% of what A sent (MPSCTP_CMT=rpv2 over both paths: at least 5%)"
[ "$rc" -eq 0 ] || bad "the active node exited with $rc"
! grep -q 'ERROR' "$PL_OUT/active.out" "$PL_OUT/active.err" ||
    bad "the active node reports: $(grep -h 'ERROR' "$PL_OUT/active.out" "$PL_OUT/active.err" | head -n 1)"
prc=0
pl_stop "$PPID_" INT || prc=$?
echo "passive node: exit status $prc after SIGINT"
[ "$prc" -lt 128 ] || bad "the passive node died of signal $((prc - 128))"

# sca FILE FLOW METRIC: the value of scalar METRIC ("Transmitted Bytes" ...) of flow FLOW
sca() {
    awk -v f="flow[$2]\"" -v m="\"$3\"" 'index($0, f) && index($0, m) { v = $NF } END { print v + 0 }' "$1"
}
ACT=$PL_OUT/np-active.sca
PAS=$PL_OUT/np-passive.sca
[ -s "$ACT" ] || bad "no active scalar file ($(basename "$ACT"))"
[ -s "$PAS" ] || bad "no passive scalar file ($(basename "$PAS")): the download over the control association failed"
TOTAL=0
if [ -s "$ACT" ] && [ -s "$PAS" ]; then
    for flow in 0 1; do
        name=ordered
        [ "$flow" = 1 ] && name=unordered
        tb=$(sca "$ACT" $flow "Transmitted Bytes")
        tp=$(sca "$ACT" $flow "Transmitted Packets")
        rb=$(sca "$PAS" $flow "Received Bytes")
        rp=$(sca "$PAS" $flow "Received Packets")
        rate=$(sca "$PAS" $flow "Received Bit Rate")
        TOTAL=$(awk -v t="$TOTAL" -v r="$rate" 'BEGIN { print t + r / 1e6 }')
        echo "flow $flow ($name): active sent $tb bytes in $tp messages, passive received" \
             "$rb bytes in $rp messages ($((tb - rb)) fewer), $(awk -v r="$rate" 'BEGIN { printf "%.2f", r / 1e6 }') Mbit/s"
        [ "$tb" -gt 0 ] || bad "flow $flow: the active node sent nothing"
        [ "$rb" -gt 0 ] || bad "flow $flow: the passive node received nothing"
        [ "$tb" -eq $((tp * FRAME)) ] || bad "flow $flow: $tb bytes sent are not $tp messages of $FRAME"
        [ "$rb" -eq $((rp * FRAME)) ] || bad "flow $flow: $rb bytes received are not $rp messages of $FRAME"
        [ "$rb" -le "$tb" ] || bad "flow $flow: received $rb bytes, more than the $tb sent"
        [ $((tb - rb)) -le $((4 * 1048576 + tb / 100)) ] ||
            bad "flow $flow: received $rb of $tb bytes sent (more than 4 MiB + 1% missing)"
    done
fi
echo "FIGURE netperfmeter $CASE (MPSCTP_CMT=$MODE, 20 + 5 Mbit/s, 2 saturated flows): $(printf '%.2f' "$TOTAL") Mbit/s received"
[ ${#FAILED[@]} -eq 0 ] || pl_show_outputs
verdict "netperfmeter_$CASE"
