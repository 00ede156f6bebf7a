#!/bin/bash
# The testbed's random loss is network loss for kernel TCP too: iperf3 (cubic) for 4 s
# over path 1 (50 Mbit/s, tbf) with 1% loss each way. Checked: the loss rules dropped at
# least 0.5% of the TCP segments A sent (one packet per drop: 1% of the packets, not of
# multi-segment buffers), and A's TCP retransmitted at least half as many segments as the
# rules dropped on the way from A to B (a drop TCP does not see as a loss gives none).
#
#   testbed_tcploss.sh PATH/TO/testbed.sh
#
# Needs root, network namespaces and iperf3.
set -euo pipefail
TESTBED=${1:?usage: testbed_tcploss.sh testbed.sh}
# root, jq, bad, verdict
source "$(dirname "$0")/checks.sh"
command -v iperf3 > /dev/null || { echo "FAIL: iperf3 not found (scripts/install-deps.sh installs it)"; exit 1; }

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
"$TESTBED" run --name "tcpl$$" --rate 50mbit --qdisc tbf --loss1 1% -- bash -c '
    # Tcp: OutSegs and RetransSegs of host A
    tcp() { $A awk "\$1 == \"Tcp:\" && \$2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) h[i] = \$i }
                    \$1 == \"Tcp:\" && \$2 ~ /^[0-9]/ { for (i = 2; i <= NF; i++) v[h[i]] = \$i }
                    END { print v[\"OutSegs\"], v[\"RetransSegs\"] }" /proc/net/snmp; }
    # packets the loss rules of path 1 dropped, on host $1 (a or b)
    drops() { ip netns exec "$TB_NAME$1" nft -j list chain inet mpsctp_testbed path1 |
              jq "[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add // 0"; }
    $B iperf3 -s -1 -B $B1 > /dev/null 2>&1 &
    for i in $(seq 1 100); do $B ss -Htln "sport = :5201" | grep -q . && break; sleep 0.05; done
    read -r o0 r0 < <(tcp)
    $A iperf3 -c $B1 -B $A1 -t 4 -C cubic > /dev/null
    read -r o1 r1 < <(tcp)
    wait
    echo "segments $((o1 - o0)) retransmitted $((r1 - r0)) drops_a $(drops a) drops_b $(drops b)"' \
    > "$OUT" || bad "testbed run failed"
cat "$OUT"
read -r _ segs _ rtx _ da _ db < "$OUT" || true
# with the loss on arrival, B's rules drop A's data; on departure, A's own rules would
DATA_DROPS=$(( ${db:-0} > ${da:-0} ? ${db:-0} : ${da:-0} ))
awk -v d="$DATA_DROPS" -v s="${segs:-0}" 'BEGIN { exit !(s > 0 && d >= 0.005 * s) }' ||
    bad "the loss rules dropped $DATA_DROPS packets of ${segs:-0} segments (need >= 0.5%)"
awk -v r="${rtx:-0}" -v d="$DATA_DROPS" 'BEGIN { exit !(d > 0 && r >= 0.5 * d) }' ||
    bad "TCP retransmitted ${rtx:-0} segments for $DATA_DROPS dropped packets (need >= half)"
verdict tcp_loss
