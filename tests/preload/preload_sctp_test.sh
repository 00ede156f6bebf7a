#!/bin/bash
# lksctp-tools' sctp_test, unmodified, over mpsctp through the preload library
# (tests/preload): the server (-l) on host B prints each message and notification it
# receives, the client (-s) on host A sends messages of several sizes on several streams
# (sendmsg with an SCTP_SNDRCV cmsg) and closes.
#
#   preload_sctp_test.sh PATH/TO/libmpsctp-preload.so seqpacket|stream
#
# seqpacket: one-to-many sockets (SOCK_SEQPACKET, sctp_test's default); the client's
#   first sendmsg to the server's address sets the association up. 200 messages (test
#   case 4: 1 to 32768 bytes, 2.2 MB), random streams of 10, random ordered/unordered.
#   More than the send buffer (1 MiB), so that sendmsg waits for the association, as
#   with kernel SCTP's smaller buffer: had the client queued everything and closed while
#   the handshake was still under way, the association would have been dropped (mpsctp
#   aborts it, kernel SCTP deletes it in COOKIE-WAIT) and nothing delivered.
# stream: one-to-one sockets (-T: listen/accept, connect), both sides bound to both of
#   their addresses (bind, then sctp_bindx with -B); 40 messages (test case 1: 1452 to
#   4356 bytes) on 4 streams in turn, ordered and unordered alternating.
#
# Checked: the client exits 0; the server printed as many messages as the client sent,
# of the same total size, and the association's COMMUNICATION_UP notification; then the
# end of the association: the SHUTDOWN_COMPLETE notification (seqpacket) or the end of
# the stream (stream: recvmsg returned 0).
set -euo pipefail
PL_TAG=stt
source "$(dirname "$0")/preload_lib.sh"
CASE=${1:?usage: preload_sctp_test.sh LIB seqpacket|stream}
pl_need sctp_test

case $CASE in
seqpacket)
    SRV=(-H "$B1" -P 5000 -l)
    CLI=(-H "$A1" -P 5001 -h "$B1" -p 5000 -s -c 4 -x 20 -M 10 -t 1 -o 3 -r 7)
    END='SCTP_ASSOC_CHANGE\(SHUTDOWN_COMPLETE\)'
    ;;
stream)
    SRV=(-H "$B1" -B "$B2" -P 5002 -l -T)
    CLI=(-H "$A1" -B "$A2" -P 5003 -h "$B1" -p 5002 -s -T -c 1 -x 4 -M 4 -t 0 -o 2)
    END='No association is present now'
    ;;
*) pl_fail "unknown case '$CASE' (seqpacket, stream)" ;;
esac

pl_up --rate 0
pl_probe
pl_bg server b sctp_test "${SRV[@]}"
SPID=$PL_PID
pl_wait_line "$PL_OUT/server.out" 'Server: Receiving packets' "$SPID" 10
rc=0
pl_fg 30 client a sctp_test "${CLI[@]}" || rc=$?
[ "$rc" -eq 0 ] || bad "the client exited with $rc"

# sizes of the messages the client sent, the server received
sent() { grep -oE 'sendmsg\(sk=[0-9]+, assoc=[0-9]+\) +[0-9]+ bytes' "$PL_OUT/client.out" | awk '{ print $(NF - 1) }'; }
rcvd() { grep -oE 'Data [0-9]+ bytes' "$PL_OUT/server.out" | awk '{ print $2 }'; }
NSENT=$(sent | wc -l)
BSENT=$(sent | awk '{ s += $1 } END { print s + 0 }')
STREAMS=$(grep -oE 'SNDRCV\(stream=[0-9]+' "$PL_OUT/client.out" | sort -u | wc -l)
[ "$NSENT" -gt 0 ] || bad "the client sent no message"
# until the server has every message and the end of the association (at most 15 s; not
# at all when the client failed)
for _ in $(seq 1 300); do
    [ "$rc" -eq 0 ] || break
    [ "$(rcvd | wc -l)" -ge "$NSENT" ] && grep -qE "$END" "$PL_OUT/server.out" && break
    kill -0 "$SPID" 2> /dev/null || break
    sleep 0.05
done
pl_stop "$SPID" || true
NRCVD=$(rcvd | wc -l)
BRCVD=$(rcvd | awk '{ s += $1 } END { print s + 0 }')
echo "sctp_test $CASE: client sent $NSENT messages ($BSENT bytes) on $STREAMS streams, server received $NRCVD messages ($BRCVD bytes)"
[ "$BRCVD" -eq "$BSENT" ] || bad "the server received $BRCVD bytes of $BSENT sent"
[ "$NRCVD" -eq "$NSENT" ] || bad "the server received $NRCVD messages of $NSENT sent"
[ "$STREAMS" -gt 1 ] || bad "the client used $STREAMS stream(s), not several"
grep -q 'SCTP_ASSOC_CHANGE(COMMUNICATION_UP)' "$PL_OUT/server.out" ||
    bad "the server printed no COMMUNICATION_UP notification"
grep -qE "$END" "$PL_OUT/server.out" ||
    bad "the server printed no end of the association (/$END/) after the client closed"
[ ${#FAILED[@]} -eq 0 ] || pl_show_outputs
verdict "sctp_test_$CASE"
