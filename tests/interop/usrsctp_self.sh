#!/bin/sh
# usrsctp_peer against itself over UDP encapsulation on loopback: a usrsctp client and a
# usrsctp server, each case with its own SCTP and UDP ports. Checks exit statuses and
# the JSON lines (bytes, verified, aborted) of both sides.
#   usrsctp_self.sh PATH/TO/usrsctp_peer
set -u
. "$(dirname "$0")/../wait_udp.sh"
PEER=${1:?usage: usrsctp_self.sh usrsctp_peer}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
N=0

# run NAME EXPECT_SERVER_RC EXPECT_CLIENT_RC "server args" "client args" CHECKS...
# CHECKS are grep -E patterns the server (s:...) or client (c:...) JSON must match.
run() {
    name=$1; src=$2; crc=$3; sargs=$4; cargs=$5; shift 5
    N=$((N + 1))
    sport=$((5200 + N)); sudp=$((27100 + 2 * N)); cudp=$((sudp + 1))
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$PEER" --server $sport --udp-port $sudp --timeout 120 $sargs > "$TMP/s.$N" 2> "$TMP/se.$N" &
    spid=$!
    wait_udp $sudp
    # shellcheck disable=SC2086
    "$PEER" --client 127.0.0.1 $sport --udp-port $cudp --remote-udp-port $sudp --timeout 120 \
        $cargs > "$TMP/c.$N" 2> "$TMP/ce.$N"
    c=$?
    wait $spid
    s=$?
    secs=$(echo "$t0 $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
    ok=1
    [ "$s" -eq "$src" ] || { echo "  server exit $s, expected $src"; ok=0; }
    [ "$c" -eq "$crc" ] || { echo "  client exit $c, expected $crc"; ok=0; }
    for chk in "$@"; do
        f=$TMP/s.$N
        case $chk in c:*) f=$TMP/c.$N ;; esac
        grep -Eq -- "${chk#?:}" "$f" || { echo "  ${chk%%:*} output lacks ${chk#?:}"; ok=0; }
    done
    if [ $ok -eq 1 ]; then
        echo "ok   $name (${secs}s)"
    else
        echo "FAIL $name (${secs}s)"
        echo "  server $sargs: $(cat "$TMP/s.$N") $(head -c 500 "$TMP/se.$N")"
        echo "  client $cargs: $(cat "$TMP/c.$N") $(head -c 500 "$TMP/ce.$N")"
        FAILS=$((FAILS + 1))
    fi
}

V='"verified":true'
A='"aborted":true'
NA='"aborted":false'

run "ordered, 1 stream, 8 MiB of 1452-byte messages" 0 0 \
    "--bytes 8M" "--bytes 8M" \
    "s:\"bytes\":8388608,.*$V.*$NA" "c:\"bytes\":8388608,.*$NA"
# Unordered messages only up to 64 KiB, usrsctp's partial delivery point: usrsctp 0.9.5
# delivers a larger unordered message (DATA chunks) in parts, and when a message of the
# same stream sent before it is lost and retransmitted meanwhile, it aborts the
# association (Protocol Violation "Reass 30000004"); such runs also ended in heap
# corruption or a hang of the receiver. On loopback, where the only losses are overflows
# of the receiver's UDP socket buffer, 1 B..1 MiB failed 5 of 80 runs. Ordered messages up
# to 1 MiB follow (usrsctp's partial delivery of ordered messages works).
run "sweep 1 B..64 KiB, 4 streams, unordered, 20 MiB" 0 0 \
    "--bytes 20M --msg-sizes 1..64k --streams 4 --unordered" \
    "--bytes 20M --msg-sizes 1..64k --streams 4 --unordered" \
    "s:\"bytes\":20971520,.*$V" "c:\"bytes\":20971520"
run "sweep 1 B..1 MiB, 3 streams, ordered, 8 MiB" 0 0 \
    "--bytes 8M --msg-sizes 1..1048576 --streams 3" "--bytes 8M --msg-sizes 1..1048576 --streams 3" \
    "s:\"bytes\":8388608,.*$V"
run "server to client (--reverse), 16 KiB messages, 8 MiB" 0 0 \
    "--reverse --bytes 8M --msg-size 16k" "--reverse --bytes 8M --msg-size 16k" \
    "c:\"bytes\":8388608,.*$V" "s:\"bytes\":8388608"
run "echo, 2 streams, 1000-byte messages, 4 MiB" 0 0 \
    "--echo --streams 2" "--echo --bytes 4M --msg-size 1000 --streams 2" \
    "c:\"bytes\":4194304,.*$V.*$NA"
run "heartbeats every 100 ms, slow transfer of 2 MiB" 0 0 \
    "--bytes 2M --hb-interval 100" "--bytes 2M --hb-interval 100" \
    "s:\"bytes\":2097152,.*$V"
run "client aborts after 1 MiB of 8 MiB" 0 0 \
    "--bytes 8M --expect-abort" "--bytes 8M --abort-after 1M" \
    "s:$A" "c:$A"
run "server (receiver) aborts after 1 MiB of 8 MiB" 0 0 \
    "--bytes 8M --abort-after 1M" "--bytes 8M --expect-abort" \
    "s:$A" "c:$A"
run "server (receiver) aborts a client sending at 4 MB/s (between two sends)" 0 0 \
    "--bytes 8M --abort-after 1M" "--bytes 8M --expect-abort --rate 4M" \
    "s:$A" "c:$A"
run "an unexpected abort fails the receiver" 1 0 \
    "--bytes 8M" "--bytes 8M --abort-after 1M" \
    "s:$A"
run "wrong data is caught (sizes differ)" 1 0 \
    "--bytes 1M --msg-size 1000" "--bytes 1M --msg-size 1452" \
    's:"verified":false'
run "wrong data is caught (stream numbering differs)" 1 0 \
    "--bytes 1M --streams 2" "--bytes 1M --streams 1" \
    's:"verified":false'

echo "$N cases, $FAILS failed"
[ "$FAILS" -eq 0 ]
