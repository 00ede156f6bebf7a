#!/bin/sh
# Multi-homed interop with usrsctp, inside a network namespace of the test's own (ctest
# starts it with "unshare -n"; root): both peers bind 127.0.0.1 and 127.0.0.2 (bindx) and
# the client gives both server addresses to connectx. Checks that each side confirms
# both of the other's addresses (states via SCTP_GET_PEER_ADDR_INFO before the transfer,
# SCTP_PEER_ADDR_CHANGE events), then failover in both directions: mid-transfer
# (--run-at, after 1 MiB of 8 MiB sent at 2 MB/s) an nftables rule drops every UDP packet
# to the receiver's primary address 127.0.0.1 (its UDP port): the sender's primary path.
# Replies keep flowing: usrsctp sends all its packets from 127.0.0.1, and mpsctp leaves the
# source to the kernel (127.0.0.1 on loopback) on the path to 127.0.0.2, so every reply
# goes to 127.0.0.1 and a rule on the address pair in both directions would leave no
# path at all. The transfer must complete, every byte verified, over 127.0.0.2. Prints the failover times:
# from the drop to the sender's UNREACHABLE event, and the receiver's longest pause.
#   unshare -n sh interop_multihome.sh USRSCTP_PEER MPSCTP_PEER
set -u
. "$(dirname "$0")/../wait_udp.sh"
UPEER=${1:?usage: interop_multihome.sh usrsctp_peer mpsctp_peer}
MPEER=${2:?}
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net 2>/dev/null)" ]; then
    echo "interop_multihome.sh: run it in a network namespace of its own (unshare -n)"
    exit 1
fi
ip link set lo up && ip addr add 127.0.0.2/8 dev lo || exit 1  # usrsctp binds only interface addresses
command -v nft > /dev/null || { echo "nft not found (apt-get install nftables)"; exit 1; }
TMP=$(mktemp -d)
trap 'nft delete table inet mpsctp_test 2>/dev/null; rm -rf "$TMP"' EXIT
FAILS=0
N=0
ADDRS=127.0.0.1,127.0.0.2
# fast failure detection on both stacks: RTO 100..400 ms (initial 200), Path.Max.Retrans
# 2, Association.Max.Retrans 30, heartbeats every 200 ms
FAST="--local-addrs $ADDRS --rto 100,200,400 --pmr 2 --amr 30 --hb-interval 200 --wait-confirm 5000"
DROP=$TMP/drop.sh

field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" "$1"; }

# run NAME DIR SENDER(m|u) EXTRA_CLIENT EXTRA_SERVER
run() {
    name=$1; dir=$2; sender=$3; cx=$4; sx=$5
    N=$((N + 1))
    case $dir in "m>u") cp=$MPEER; sp=$UPEER ;; *) cp=$UPEER; sp=$MPEER ;; esac
    nft delete table inet mpsctp_test 2>/dev/null
    sport=$((5700 + N)); sudp=$((49000 + 2 * N)); cudp=$((sudp + 1))
    # the receiver (the server) loses its primary address for what the sender sends
    printf '%s\n' '#!/bin/sh' 'nft add table inet mpsctp_test &&' \
        "nft add chain inet mpsctp_test out '{ type filter hook output priority 0; }' &&" \
        "nft add rule inet mpsctp_test out ip daddr 127.0.0.1 udp dport $sudp drop" > "$DROP"
    chmod +x "$DROP"
    # shellcheck disable=SC2086
    "$sp" --server $sport --udp-port $sudp --timeout 50 $FAST $sx > "$TMP/s.$N" 2> "$TMP/se.$N" &
    spid=$!
    wait_udp $sudp
    # shellcheck disable=SC2086
    "$cp" --client $ADDRS $sport --udp-port $cudp --remote-udp-port $sudp --timeout 50 \
        $FAST $cx > "$TMP/c.$N" 2> "$TMP/ce.$N"
    c=$?
    wait $spid
    s=$?
    ok=1
    [ $s -eq 0 ] || { echo "  server exit $s"; ok=0; }
    [ $c -eq 0 ] || { echo "  client exit $c"; ok=0; }
    for f in s c; do
        grep -q '"verified":\(true\|null\)' "$TMP/$f.$N" || { echo "  $f: not verified"; ok=0; }
        st=$(field "$TMP/$f.$N" paddrs_start)
        echo "  $f ($(field "$TMP/$f.$N" impl)) peer addresses before the transfer: $st"
        echo "$st" | grep -q '127.0.0.1=ACTIVE' && echo "$st" | grep -q '127.0.0.2=ACTIVE' ||
            { echo "  $f: not both peer addresses confirmed and active"; ok=0; }
        echo "  $f events: $(field "$TMP/$f.$N" path_events)"
    done
    # the server learned the client's second address from the INIT: it confirmed it
    field "$TMP/s.$N" path_events | grep -q '127.0.0.2 CONFIRMED' ||
        { echo "  server did not report 127.0.0.2 CONFIRMED"; ok=0; }
    if [ "$sender" != - ]; then
        sf=$TMP/c.$N; rf=$TMP/s.$N
        case $cx in *--reverse*) sf=$TMP/s.$N; rf=$TMP/c.$N ;; esac
        trun=$(field "$sf" t_run)
        ev=$(field "$sf" path_events)
        tun=$(echo "$ev" | tr ';' '\n' | sed -n 's/^127.0.0.1 UNREACHABLE @//p' | head -1)
        gap=$(field "$rf" max_gap_ms)
        if [ -z "$tun" ] || [ "$trun" = "-1.000" ]; then
            echo "  sender: no UNREACHABLE for 127.0.0.1 after the drop (run at $trun)"; ok=0
        else
            echo "  failover [$dir, $sender sends]: drop at ${trun}s, sender's UNREACHABLE" \
                 "$(echo "$tun $trun" | awk '{printf "%.0f", ($1 - $2) * 1000}') ms later;" \
                 "receiver's longest pause ${gap} ms; sender's states after: $(field "$sf" paddrs_end)"
        fi
    fi
    if [ $ok -eq 1 ]; then echo "ok   [$dir] $name"; else
        echo "FAIL [$dir] $name"; FAILS=$((FAILS + 1))
        echo "  server: $(cat "$TMP/s.$N") $(head -c 1500 "$TMP/se.$N")"
        echo "  client: $(cat "$TMP/c.$N") $(head -c 1500 "$TMP/ce.$N")"
    fi
}

T="--bytes 8M --msg-size 8k --rate 2M"
# The client paces its 128 KiB over about 0.5 s so the association outlives the server's
# own wait for confirmation (a client done in a few ms closed it before the server looked).
C="--bytes 128k --msg-size 8k --rate 2M"
run "confirmation both ways, mpsctp client" "m>u" - "$C" "--bytes 128k --msg-size 8k"
run "confirmation both ways, usrsctp client" "u>m" - "$C" "--bytes 128k --msg-size 8k"
run "failover, mpsctp sends" "m>u" m "$T --run-at 1M $DROP" "$T"
run "failover, usrsctp sends" "u>m" u "$T --run-at 1M $DROP" "$T"
echo "multihome: $N cases, $FAILS failed"
[ "$FAILS" -eq 0 ]
