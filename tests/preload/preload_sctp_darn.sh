#!/bin/bash
# lksctp-tools' sctp_darn, unmodified, over mpsctp through the preload library
# (tests/preload): a short scripted session. The listener (-l) on host B prints every
# message and notification; the sender (-s) on host A reads lines from stdin, sends each
# as a message (sendmsg to the listener's address: the first one sets the association
# up), checks the association with getsockopt(SCTP_STATUS) and prints the peer's
# addresses (sctp_getpaddrs); at the end of its input (once the listener has printed
# every line) it closes the socket.
#
#   preload_sctp_darn.sh PATH/TO/libmpsctp-preload.so seqpacket|stream
#
# seqpacket: one-to-many sockets (sctp_darn's default); the sender reads the
#   association's COMM_UP notification after its first message.
# stream: one-to-one sockets (-t): the listener accepts, the sender's first sendmsg
#   with a destination on the unconnected socket connects it, the next use send().
#
# Checked: the sender ends as after a successful session (its exit status is the size of
# the last message sent) and printed the listener's address as a peer address; the
# listener printed every line, in order, as a message of the line's length + 2 (its
# newline and a NUL), one of them 4002 bytes (several chunks); the end of the
# association after the sender closed: the SHUTDOWN_COMP notification (seqpacket) or the
# end of the stream (stream); seqpacket: both printed the COMM_UP notification.
set -euo pipefail
PL_TAG=drn
source "$(dirname "$0")/preload_lib.sh"
CASE=${1:?usage: preload_sctp_darn.sh LIB seqpacket|stream}
pl_need sctp_darn stdbuf

case $CASE in
seqpacket) T=() END='NOTIFICATION: ASSOC_CHANGE - SHUTDOWN_COMP' ;;
stream) T=(-t) END='No association is present now' ;;
*) pl_fail "unknown case '$CASE' (seqpacket, stream)" ;;
esac

pl_up --rate 0
pl_probe
IN=$PL_OUT/lines.txt
{
    for i in 1 2 3; do echo "mpsctp preload line $i"; done
    head -c 4000 /dev/zero | tr '\0' 'x'
    echo
    echo "the last line"
} > "$IN"
NLINES=$(wc -l < "$IN")

# line-buffered output: the listener runs until it is stopped
pl_bg listener b stdbuf -oL sctp_darn -H "$B1" -P 5010 -l "${T[@]}"
LPID=$PL_PID
pl_wait_line "$PL_OUT/listener.out" 'listening' "$LPID" 10
# The session: the lines into the sender's stdin (a FIFO), and its end (the end of its
# input: it closes its socket) only once the listener has printed them all. Ended at
# once, sctp_darn's listener may find the association gone (it checks it with
# SCTP_STATUS after each message) before it has read the last lines, and stops reading.
mkfifo "$PL_OUT/stdin"
PL_STDIN=$PL_OUT/stdin pl_bg sender a stdbuf -oL sctp_darn -H "$A1" -P 5011 -h "$B1" -p 5010 -s "${T[@]}"
SPID=$PL_PID
exec 7> "$PL_OUT/stdin"
cat "$IN" >&7 || true
for _ in $(seq 1 200); do
    [ "$(grep -c '^DATA(' "$PL_OUT/listener.out" || true)" -ge "$NLINES" ] && break
    { kill -0 "$SPID" && kill -0 "$LPID"; } 2> /dev/null || break
    sleep 0.05
done
exec 7>&-
rc=0
pl_wait_exit "$SPID" 10 || rc=$?
# sctp_darn's exit status is command_send's return value: the size of the last message
LAST=$(( ($(tail -n 1 "$IN" | wc -c) + 1) % 256 ))
[ "$rc" -eq "$LAST" ] || bad "the sender exited with $rc (after a successful session: $LAST, the size of its last message)"
# until the listener has seen the end of the association (at most 10 s; not at all when
# the sender failed)
for _ in $(seq 1 200); do
    [ "$rc" -eq "$LAST" ] || break
    grep -qF "$END" "$PL_OUT/listener.out" && break
    kill -0 "$LPID" 2> /dev/null || break
    sleep 0.05
done
pl_stop "$LPID" || true

# every line, in order, as a message of its length + 2 (its newline, which sctp_darn
# prints as a dot, and the NUL it sends)
want=$(awk '{ printf "DATA(%d):  %s.\n", length($0) + 2, $0 }' "$IN")
got=$(grep -a '^DATA(' "$PL_OUT/listener.out" | grep -v '^DATA(0)' || true)
if [ "$got" = "$want" ]; then
    echo "sctp_darn $CASE: the listener printed all $NLINES lines in order"
else
    bad "the listener printed $(echo "$got" | grep -c . || true) of $NLINES lines, or other ones: first difference: $(diff <(echo "$want") <(echo "$got") | sed -n 2p | cut -c 1-120)"
fi
grep -A1 'New connection, peer addresses' "$PL_OUT/sender.out" | grep -qF "$B1" ||
    bad "the sender printed no peer address $B1 (sctp_getpaddrs)"
grep -q 'No association is present now' "$PL_OUT/sender.out" &&
    bad "the sender lost its association (getsockopt SCTP_STATUS failed)"
grep -qF "$END" "$PL_OUT/listener.out" ||
    bad "the listener printed no end of the association (/$END/) after the sender closed"
if [ "$CASE" = seqpacket ]; then
    grep -q 'NOTIFICATION: ASSOC_CHANGE - COMM_UP' "$PL_OUT/listener.out" ||
        bad "the listener printed no COMM_UP notification"
    grep -q 'Received SCTP_COMM_UP' "$PL_OUT/sender.out" ||
        bad "the sender read no COMM_UP notification"
fi
[ ${#FAILED[@]} -eq 0 ] || pl_show_outputs
verdict "sctp_darn_$CASE"
