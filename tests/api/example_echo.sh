#!/bin/sh
# The API guide's echo client and server, as a new user runs them: the client connects,
# sends one message, prints the echo, closes and frees its stack at once. Five rounds;
# each must print the echo and end gracefully: the client's packet trace shows a
# SHUTDOWN COMPLETE and no ABORT (the graceful close must survive mpsctp_stack_free).
# Usage: example_echo.sh example_server example_client tshark
set -u
SERVER=$1 CLIENT=$2 TSHARK=$3
SUDP=26910 SPORT=5490
TMP=$(mktemp -d)
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$TSHARK" ] || fail "tshark not found (scripts/install-deps.sh installs it)"
"$SERVER" "$SUDP" "$SPORT" > "$TMP/server.log" 2>&1 &
spid=$!
. "$(dirname "$0")/../wait_udp.sh"
wait_udp "$SUDP"
for round in 1 2 3 4 5; do
    f="$TMP/client-$round.pcap"
    # The server binds its UDP port before it listens: until it does, a connect is
    # refused. Only the first round may meet that (for at most 10 s).
    tries=0
    while ! MPSCTP_PCAP="$f" "$CLIENT" 127.0.0.1 "$SUDP" "$SPORT" > "$TMP/client.out" 2>&1; do
        tries=$((tries + 1))
        if [ "$round" != 1 ] || [ $tries -ge 50 ] || ! grep -q "connect: Connection refused" "$TMP/client.out"; then
            fail "round $round: client failed: $(cat "$TMP/client.out")"
        fi
        sleep 0.2
    done
    grep -q "^echo: hello, SCTP$" "$TMP/client.out" || fail "round $round: no echo: $(cat "$TMP/client.out")"
    chunks=$("$TSHARK" -n -r "$f" -d udp.port=="$SUDP",sctp -T fields -E occurrence=a \
        -E aggregator=, -e sctp.chunk_type 2>"$TMP/tshark.err" | tr ',' '\n') ||
        fail "round $round: tshark failed: $(cat "$TMP/tshark.err")"
    aborts=$(echo "$chunks" | grep -c '^6$')
    completes=$(echo "$chunks" | grep -c '^14$')
    echo "round $round: $(echo "$chunks" | grep -c .) chunks, ABORT $aborts, SHUTDOWN COMPLETE $completes"
    [ "$aborts" = 0 ] && [ "$completes" = 1 ] || fail "round $round: the close was not graceful"
done
echo "PASS: 5 rounds, every one graceful"
