#!/bin/bash
# A file carried by socat or ncat, unmodified, over mpsctp through the preload library
# (tests/preload): 5 MiB of random bytes from host A to host B over one SCTP association
# (one-to-one sockets, read/write), compared byte for byte (cmp).
#
#   preload_copy.sh PATH/TO/libmpsctp-preload.so socat|relay|ncat
#
# socat: socat -u SCTP-LISTEN on B writes what arrives to a file; socat -u OPEN:file
#   SCTP-CONNECT on A sends the file, shuts its side down and exits.
# relay: one process with a kernel TCP socket and an SCTP socket: on A, socat relays
#   from TCP-LISTEN (127.0.0.1) to SCTP-CONNECT (both directions); a socat without the
#   preload sends the file to it over TCP; socat SCTP-LISTEN on B writes it to a file.
# ncat: ncat --sctp -l --recv-only on B writes what arrives to its stdout; ncat --sctp
#   --send-only on A sends its stdin (non-blocking connect, then select and SO_ERROR),
#   shuts its side down and exits.
#
# Checked: every process exits 0 (the receiving side once the sender has closed) and the
# file arrived whole.
set -euo pipefail
PL_TAG=copy
source "$(dirname "$0")/preload_lib.sh"
CASE=${1:?usage: preload_copy.sh LIB socat|relay|ncat}
MIB=5

case $CASE in
socat | relay) pl_need socat ;;
ncat) pl_need ncat ;;
*) pl_fail "unknown case '$CASE' (socat, relay, ncat)" ;;
esac
pl_up --rate 0
pl_probe
IN=$PL_OUT/sent.bin
pl_random_file "$IN" "$MIB"

case $CASE in
socat)
    OUT=$PL_OUT/received.bin
    pl_bg recv b socat -d -d -u SCTP-LISTEN:6000,reuseaddr "OPEN:$OUT,creat,trunc"
    RPID=$PL_PID
    pl_wait_line "$PL_OUT/recv.err" 'listening on' "$RPID" 10
    rc=0
    pl_fg 30 send a socat -u "OPEN:$IN" "SCTP-CONNECT:$B1:6000" || rc=$?
    [ "$rc" -eq 0 ] || bad "the sending socat exited with $rc"
    rrc=0
    pl_wait_exit "$RPID" 20 || rrc=$?
    [ "$rrc" -eq 0 ] || bad "the receiving socat exited with $rrc"
    ;;
relay)
    OUT=$PL_OUT/received.bin
    pl_bg recv b socat -d -d -u SCTP-LISTEN:6001,reuseaddr "OPEN:$OUT,creat,trunc"
    RPID=$PL_PID
    pl_wait_line "$PL_OUT/recv.err" 'listening on' "$RPID" 10
    pl_bg relay a socat -d -d TCP-LISTEN:6002,bind=127.0.0.1,reuseaddr "SCTP-CONNECT:$B1:6001"
    YPID=$PL_PID
    pl_wait_line "$PL_OUT/relay.err" 'listening on' "$YPID" 10
    # the file into the relay over kernel TCP, from a process without the preload
    rc=0
    timeout -k 2 30 ip netns exec "${PL_NAME}a" socat -u "OPEN:$IN" TCP:127.0.0.1:6002 \
        > "$PL_OUT/send.out" 2> "$PL_OUT/send.err" || rc=$?
    [ "$rc" -eq 0 ] || bad "the sending socat (TCP, no preload) exited with $rc"
    rrc=0
    pl_wait_exit "$RPID" 20 || rrc=$?
    [ "$rrc" -eq 0 ] || bad "the receiving socat exited with $rrc"
    yrc=0
    pl_wait_exit "$YPID" 10 || yrc=$?
    [ "$yrc" -eq 0 ] || bad "the relaying socat (TCP to SCTP) exited with $yrc"
    ;;
ncat)
    # ncat writes what it receives to its stdout: recv.out. Its stdin stays open (a FIFO
    # this script holds): ncat --sctp -l ends at the end of its stdin, even with
    # --recv-only (SCTP has no half-close)
    OUT=$PL_OUT/recv.out
    mkfifo "$PL_OUT/stdin"
    exec 7<> "$PL_OUT/stdin"
    PL_STDIN=$PL_OUT/stdin pl_bg recv b ncat --sctp -v -l --recv-only "$B1" 6010
    RPID=$PL_PID
    pl_wait_line "$PL_OUT/recv.err" 'Listening on' "$RPID" 10
    rc=0
    PL_STDIN=$IN pl_fg 30 send a ncat --sctp -v --send-only "$B1" 6010 || rc=$?
    [ "$rc" -eq 0 ] || bad "the sending ncat exited with $rc"
    rrc=0
    pl_wait_exit "$RPID" 20 || rrc=$?
    [ "$rrc" -eq 0 ] || bad "the receiving ncat exited with $rrc"
    exec 7>&-
    ;;
esac
pl_same "$CASE" "$IN" "$OUT" || true
[ ${#FAILED[@]} -eq 0 ] || pl_show_outputs
verdict "copy_$CASE"
