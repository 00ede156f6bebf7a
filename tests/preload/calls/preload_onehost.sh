#!/bin/sh
# Two programs with default settings on one host: an iperf3 --sctp server and client over
# loopback, both through the preload library, neither told a UDP port. The server's stack
# takes UDP port 9899 when it listens; the client's keeps a port of the kernel's choice.
# Runs in a network namespace of its own (port 9899 may be taken on the host):
#   unshare -n sh preload_onehost.sh PATH/TO/libmpsctp-preload.so
set -u
LIB=$(readlink -f "$1")
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v iperf3 > /dev/null || fail "iperf3 not found (scripts/install-deps.sh installs it)"
command -v jq > /dev/null || fail "jq not found (scripts/install-deps.sh installs it)"
ip link set lo up || fail "cannot bring lo up (run it under unshare -n)"
rt=$(ldd "$LIB" | awk '$1 ~ /^lib(asan|ubsan)\.so/ { print $3 }' | tr '\n' ' ')
PRE="$rt$LIB"
[ -n "$rt" ] && export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
unset MPSCTP_UDP_PORT
TMP=$(mktemp -d)
SPID= SPID0=
trap 'kill $SPID $SPID0 2>/dev/null; rm -rf "$TMP"' EXIT
LD_PRELOAD="$PRE" iperf3 -s -1 -p 5201 --json > "$TMP/s.json" 2> "$TMP/s.err" &
SPID=$!
i=0
until ss -Hltn "sport = :5201" | grep -q .; do
    i=$((i + 1))
    [ $i -lt 200 ] && kill -0 "$SPID" 2> /dev/null || fail "the iperf3 server did not start: $(cat "$TMP/s.err")"
    sleep 0.05
done
LD_PRELOAD="$PRE" timeout 30 iperf3 --sctp -c 127.0.0.1 -p 5201 -t 2 --json > "$TMP/c.json" 2> "$TMP/c.err" ||
    fail "the client failed: $(jq -r '.error // empty' "$TMP/c.json") $(cat "$TMP/c.err")"
wait "$SPID" || fail "the server failed: $(jq -r '.error // empty' "$TMP/s.json")"
SPID=
for f in s c; do
    err=$(jq -r '.error // empty' "$TMP/$f.json")
    [ -z "$err" ] || fail "$f: $err"
done
sent=$(jq -r '.end.sum_sent.bytes' "$TMP/c.json")
recv=$(jq -r '.end.sum_received.bytes' "$TMP/s.json")
proto=$(jq -r '.start.test_start.protocol' "$TMP/c.json")
[ "$proto" = SCTP ] || fail "protocol $proto"
[ "$sent" -gt 0 ] && [ "$recv" -gt 0 ] && [ "$recv" -le "$sent" ] ||
    fail "client sent $sent, server received $recv"
echo "ok: one host, default settings: client sent $sent bytes, server received $recv"

# A second server on another UDP port (MPSCTP_UDP_PORT), its client told with
# MPSCTP_REMOTE_UDP_PORT; the first server's port 9899 is taken meanwhile by a third.
LD_PRELOAD="$PRE" iperf3 -s -1 -p 5203 > "$TMP/s0.out" 2>&1 &
SPID0=$!
LD_PRELOAD="$PRE" MPSCTP_UDP_PORT=27555 iperf3 -s -1 -p 5202 --json > "$TMP/s2.json" 2> "$TMP/s2.err" &
SPID=$!
i=0
until ss -Hltn "sport = :5202" | grep -q . && ss -Hltn "sport = :5203" | grep -q .; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "the iperf3 servers did not start"
    sleep 0.05
done
LD_PRELOAD="$PRE" MPSCTP_REMOTE_UDP_PORT=27555 timeout 30 iperf3 --sctp -c 127.0.0.1 -p 5202 -t 1 --json \
    > "$TMP/c2.json" 2> "$TMP/c2.err" ||
    fail "the client of the second server failed: $(jq -r '.error // empty' "$TMP/c2.json") $(cat "$TMP/c2.err")"
wait "$SPID" || fail "the second server failed: $(jq -r '.error // empty' "$TMP/s2.json")"
SPID=
kill "$SPID0" 2> /dev/null
SPID0=
recv=$(jq -r '.end.sum_received.bytes' "$TMP/s2.json")
[ "$recv" -gt 0 ] || fail "the second server received $recv bytes"
ss -Hlun "sport = :27555" | grep -q . && fail "UDP port 27555 still bound after the server ended"
echo "PASS: a server on UDP port 27555 beside one on 9899, its client told with MPSCTP_REMOTE_UDP_PORT ($recv bytes)"
