#!/bin/sh
# mpsctp-perf end to end on loopback: one case per run.
#   perf_test.sh PATH/TO/mpsctp-perf CASE BASE_UDP_PORT [TSHARK]
# The server uses UDP port BASE, clients BASE+1.. (fixed so that parallel cases never
# collide). Every check prints what it saw; the script exits non-zero on the first
# failed check.
set -u
. "$(dirname "$0")/../wait_udp.sh"
PERF=${1:?usage: perf_test.sh mpsctp-perf CASE PORT [TSHARK]}
CASE=${2:?case}
BASE=${3:?port}
TSHARK=${4:-}
SUDP=$BASE
SPORT=$((BASE - 20000)) # the SCTP port: distinct per case as well
TMP=$(mktemp -d)
SPID=
cleanup() {
    [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$TMP"/*.out "$TMP"/*.err; do
        [ -s "$f" ] && { echo "--- $(basename "$f")"; head -c 3000 "$f"; echo; }
    done
    exit 1
}

# field NAME JSON-LINE -> the value (numbers, true/false/null, strings without quotes)
field() { printf '%s\n' "$2" | sed -n "s/^[^{]*{.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -1; }

expect() { # expect WHAT ACTUAL WANTED
    [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
    echo "ok: $1 = $2"
}

start_server() { # start_server ARGS... (output in $TMP/server.out)
    "$PERF" server --udp-port "$SUDP" --port "$SPORT" --json "$@" > "$TMP/server.out" 2> "$TMP/server.err" &
    SPID=$!
    wait_udp "$SUDP"
    kill -0 "$SPID" 2>/dev/null || fail "the server did not start"
}

wait_server() { # wait_server EXPECTED_STATUS
    i=0
    while kill -0 "$SPID" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$SPID" 2>/dev/null && fail "the server did not finish"
    wait "$SPID"
    rc=$?
    SPID=
    expect "server exit status" "$rc" "$1"
}

server_line() { # server_line N: the server's Nth report, waiting up to 10 s for it
    i=0
    while [ "$(wc -l < "$TMP/server.out")" -lt "$1" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    sed -n "$1p" "$TMP/server.out"
}

client() { # client NAME UDP_OFFSET ARGS... -> $TMP/NAME.out, status in CRC
    name=$1; off=$2; shift 2
    "$PERF" client --connect 127.0.0.1 --port "$SPORT" --remote-udp-port "$SUDP" \
        --udp-port $((BASE + off)) --json "$@" > "$TMP/$name.out" 2> "$TMP/$name.err"
    CRC=$?
}

check_transfer() { # check_transfer BYTES: both sides, verified, same byte count
    cl=$(cat "$TMP/c.out"); sl=$(server_line 1)
    expect "client exit status" "$CRC" 0
    expect "client role" "$(field role "$cl")" client
    expect "client bytes" "$(field bytes "$cl")" "$1"
    expect "client verified" "$(field verified "$cl")" true
    expect "server role" "$(field role "$sl")" server
    expect "server bytes" "$(field bytes "$sl")" "$1"
    expect "server verified" "$(field verified "$sl")" true
    g=$(field goodput_bps "$cl")
    [ "${g:-0}" -gt 0 ] || fail "client goodput $g"
    echo "ok: goodput $g bit/s"
}

case $CASE in
transfer)
    start_server --once
    client c 1 --bytes 20M
    check_transfer 20971520
    cl=$(cat "$TMP/c.out")
    expect "path address" "$(field addr "$cl")" 127.0.0.1
    sent=$(field bytes_sent "$cl")
    [ "$sent" -ge 20971520 ] || fail "path bytes_sent $sent < 20971520"
    echo "ok: path bytes_sent $sent"
    wait_server 0
    ;;
echo)
    start_server --once --echo
    client c 1 --echo --bytes 8M --msg-size 1000 --streams 2
    check_transfer 8388608
    expect "echoed bytes" "$(field echoed_bytes "$(cat "$TMP/c.out")")" 8388608
    wait_server 0
    ;;
streams_unordered)
    start_server --once
    client c 1 --bytes 24M --msg-size 16k --streams 4 --unordered
    check_transfer 25165824
    wait_server 0
    ;;
time)
    start_server --once
    client c 1 --time 1.5 --msg-size 4000
    cl=$(cat "$TMP/c.out"); sl=$(server_line 1)
    expect "client exit status" "$CRC" 0
    expect "client verified" "$(field verified "$cl")" true
    expect "server verified" "$(field verified "$sl")" true
    b=$(field bytes "$cl")
    expect "server bytes = client bytes" "$(field bytes "$sl")" "$b"
    s=$(field seconds "$cl")
    awk -v s="$s" 'BEGIN { exit !(s >= 1.5 && s < 20) }' || fail "client seconds $s"
    [ "$b" -gt 0 ] || fail "no bytes"
    echo "ok: $b bytes in $s s"
    wait_server 0
    ;;
refused)
    start_server --once
    # nobody listens on this SCTP port: the INIT gets an ABORT
    "$PERF" client --connect 127.0.0.1 --port $((SPORT + 1)) --remote-udp-port "$SUDP" \
        --udp-port $((BASE + 1)) --bytes 1M --json > "$TMP/c.out" 2> "$TMP/c.err"
    rc=$?
    # docs/perf.md: exit status 1 on any failure (connection refused), 2 on bad usage
    expect "refused: exit status" "$rc" 1
    cl=$(cat "$TMP/c.out")
    expect "refused: ok" "$(field ok "$cl")" false
    grep -q "refused" "$TMP/c.out" || fail "no 'refused' in the error"
    echo "ok: refused, exit status $rc"
    # a bad address is a usage error
    "$PERF" client --connect 127.0.0.300 --bytes 1M > /dev/null 2>&1
    expect "bad address exit status" "$?" 2
    # no role / both --bytes and --time
    "$PERF" client --connect 127.0.0.1 --bytes 1M --time 1 > /dev/null 2>&1
    expect "--bytes with --time exit status" "$?" 2
    client c2 2 --bytes 1M
    expect "the server still serves: client exit status" "$CRC" 0
    wait_server 0
    ;;
no_verify)
    # a client that does not send the pattern: the server counts, verified null, success
    start_server --once
    client c 1 --bytes 4M --no-verify
    cl=$(cat "$TMP/c.out"); sl=$(server_line 1)
    expect "client exit status" "$CRC" 0
    expect "client verified" "$(field verified "$cl")" null
    expect "server bytes" "$(field bytes "$sl")" 4194304
    expect "server verified" "$(field verified "$sl")" null
    expect "server ok" "$(field ok "$sl")" true
    wait_server 0
    # a server with --no-verify counts a pattern client without checking
    start_server --once --no-verify
    client c 2 --bytes 4M
    sl=$(server_line 1)
    expect "server --no-verify: client exit status" "$CRC" 0
    expect "server --no-verify: client verified" "$(field verified "$(cat "$TMP/c.out")")" true
    expect "server --no-verify: bytes" "$(field bytes "$sl")" 4194304
    expect "server --no-verify: verified" "$(field verified "$sl")" null
    expect "server --no-verify: ok" "$(field ok "$sl")" true
    wait_server 0
    ;;
corrupt)
    # one wrong byte in message 100 (test hook): verified false, non-zero exit
    start_server --once
    client c 1 --bytes 4M --corrupt-at 100
    sl=$(server_line 1)
    expect "server bytes" "$(field bytes "$sl")" 4194304
    expect "server verified" "$(field verified "$sl")" false
    expect "server ok" "$(field ok "$sl")" false
    grep -q 'message 99 of stream 0 differs at byte 722' "$TMP/server.out" ||
        fail "the error does not name the wrong byte"
    echo "ok: $(field error "$sl")"
    wait_server 1
    ;;
killed_client)
    # Failure detection lowered: heartbeats every 100 ms, RTO 50..200 ms, the association
    # fails after 4 + 1 unanswered heartbeats: at most (4 + 1) * (100 + 200) ms = 1.5 s
    # after the last packet of the peer; allowed: 3 s.
    HB=100; RTOMAX=200; MAXRT=4
    LIMIT=$(awk -v h=$HB -v r=$RTOMAX -v m=$MAXRT 'BEGIN { printf "%.2f", 2 * (m + 1) * (h + r) / 1000 }')
    start_server --hb-interval $HB --rto-min 50 --rto-initial 100 --rto-max $RTOMAX \
        --max-retrans $MAXRT --path-max-retrans $MAXRT
    "$PERF" client --connect 127.0.0.1 --port "$SPORT" --remote-udp-port "$SUDP" \
        --udp-port $((BASE + 1)) --bytes 100G --json > "$TMP/a.out" 2> "$TMP/a.err" &
    APID=$!
    sleep 1
    kill -0 "$APID" 2>/dev/null || fail "client A ended early"
    kill -9 "$APID"
    wait "$APID" 2>/dev/null
    t0=$(date +%s.%N)
    echo "ok: client A killed mid-transfer"
    # client B while the server still holds A's dead association
    client b 2 --bytes 16M
    expect "client B exit status" "$CRC" 0
    expect "client B verified" "$(field verified "$(cat "$TMP/b.out")")" true
    i=0
    while ! grep -q '"assoc":2,' "$TMP/server.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q '"assoc":2,' "$TMP/server.out" || fail "no report for client B"
    bl=$(grep '"assoc":2,' "$TMP/server.out")
    expect "server: B verified" "$(field verified "$bl")" true
    expect "server: B bytes" "$(field bytes "$bl")" 16777216
    # A's association is reported lost
    i=0
    while ! grep -q '"assoc":1,' "$TMP/server.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    t1=$(date +%s.%N)
    al=$(grep '"assoc":1,' "$TMP/server.out") || fail "A's loss was not reported within 10 s"
    expect "server: A ok" "$(field ok "$al")" false
    echo "$al" | grep -q 'association lost' || fail "A's report lacks the loss: $al"
    silent=$(field silent_seconds "$al")
    echo "ok: A reported lost $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s after the kill (at most), silent for $silent s before; limit $LIMIT s"
    awk -v s="$silent" -v l="$LIMIT" 'BEGIN { exit !(s > 0 && s <= l) }' ||
        fail "detection took $silent s, limit $LIMIT s"
    kill -0 "$SPID" 2>/dev/null || fail "the server died"
    client c 3 --bytes 1M
    expect "client C after the loss: exit status" "$CRC" 0
    sleep 0.2
    kill -TERM "$SPID"
    # a failure was seen: the server's exit status says so
    wait_server 1
    ;;
trace)
    [ -n "$TSHARK" ] && [ -x "$TSHARK" ] || fail "tshark not found (scripts/install-deps.sh installs it)"
    start_server --once
    MPSCTP_PCAP="$TMP/client-%u.pcap" client c 1 --bytes 4M --streams 2
    check_transfer 4194304
    wait_server 0
    f="$TMP/client-$((BASE + 1)).pcap"
    [ -s "$f" ] || fail "no trace file $f"
    # tshark with its default settings, as a user runs it: only the UDP ports are named
    # as SCTP (Wireshark knows 9899 only) and CRC32c checking is on. No setting for the
    # PPIDs: mpsctp-perf sends PPID 0, which no protocol dissector claims, so the DATA
    # must decode as plain data and nothing may be malformed.
    D="-d udp.port==$SUDP,sctp -d udp.port==$((BASE + 1)),sctp"
    # shellcheck disable=SC2086
    "$TSHARK" -n -r "$f" $D -o sctp.checksum:"CRC 32c" \
        -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e _ws.malformed -e _ws.expert.severity -e sctp.checksum.status \
        -e ip.checksum.status -e sctp.chunk_type -e sctp.data_payload_proto_id \
        > "$TMP/tshark.out" 2> "$TMP/tshark.err" ||
        fail "tshark failed"
    awk -F'\t' '
        { frames++; if ($2 != "") malformed++
          n = split($3, sv, ","); for (i = 1; i <= n; i++) if (sv[i] + 0 >= 8388608 || sv[i] == "Error") experr++
          n = split($4, cs, ","); for (i = 1; i <= n; i++) { if (cs[i] == "1" || cs[i] == "Good") good++; else if (cs[i] == "0" || cs[i] == "Bad") bad++ }
          if ($5 == "0" || $5 == "Bad") ipbad++
          n = split($6, ct, ","); for (i = 1; i <= n; i++) chunk[ct[i] + 0]++
          n = split($7, pp, ","); for (i = 1; i <= n; i++) if (pp[i] != "" && pp[i] + 0 != 0) ppid++ }
        END {
          printf "frames=%d malformed=%d expert_errors=%d crc_good=%d crc_bad=%d ip_bad=%d DATA=%d SACK=%d NR_SACK=%d INIT=%d SHUTDOWN_COMPLETE=%d PPID_not_0=%d\n",
                 frames, malformed, experr, good, bad, ipbad, chunk[0], chunk[3], chunk[16], chunk[1], chunk[14], ppid
          exit !(frames > 100 && malformed == 0 && experr == 0 && bad == 0 && ipbad == 0 &&
                 good == frames && chunk[0] > 0 && chunk[3] + chunk[16] > 0 && chunk[1] == 1 &&
                 chunk[14] == 1 && ppid == 0) }' \
        "$TMP/tshark.out" || fail "tshark found problems in the trace"
    # the same count the way a user asks for it: a display filter for malformed packets
    # shellcheck disable=SC2086
    m=$("$TSHARK" -n -r "$f" $D -Y _ws.malformed 2> "$TMP/tshark.err" | wc -l)
    expect "tshark -Y _ws.malformed: packets" "$m" 0
    # and the DATA decode as data, not as some telecom protocol
    # shellcheck disable=SC2086
    other=$("$TSHARK" -n -r "$f" $D -T fields -e frame.protocols 2> "$TMP/tshark.err" |
        grep ':sctp:' | grep -vc ':sctp:data$')
    expect "DATA chunks decoded as another protocol than data" "$other" 0
    ;;
cmt)
    # bad values: usage, exit status 2
    for bad in "--cmt 5" "--cmt rpv3" "--bufsplit 4" "--bufsplit all"; do
        # shellcheck disable=SC2086
        "$PERF" client --connect 127.0.0.1 --bytes 1k $bad > /dev/null 2>&1
        expect "exit status of client $bad" "$?" 2
    done
    # --cmt and --bufsplit on both sides, set on the sockets before listen/connect: the
    # association reports them; one path carries every byte (share 1)
    start_server --once --cmt rpv2 --bufsplit sender
    client c 1 --bytes 4M --cmt rpv2 --bufsplit sender
    check_transfer 4194304
    cl=$(cat "$TMP/c.out"); sl=$(server_line 1)
    expect "client cmt" "$(field cmt "$cl")" rpv2
    expect "server cmt" "$(field cmt "$sl")" rpv2
    expect "client bufsplit" "$(field bufsplit "$cl")" sender
    expect "server bufsplit" "$(field bufsplit "$sl")" sender
    expect "client sent_share" "$(field sent_share "$cl")" 1.0000
    expect "server received_share" "$(field received_share "$sl")" 1.0000
    wait_server 0
    # numbers work as well as names
    start_server --once --cmt 4 --bufsplit 0
    client c 2 --bytes 1M --cmt 4 --bufsplit 0
    check_transfer 1048576
    expect "client cmt (4)" "$(field cmt "$(cat "$TMP/c.out")")" mptcp
    expect "client bufsplit (0)" "$(field bufsplit "$(cat "$TMP/c.out")")" none
    wait_server 0
    # without --cmt: the stack's default, CMT off, buffer splitting both
    start_server --once
    client c 3 --bytes 1M
    check_transfer 1048576
    expect "default cmt" "$(field cmt "$(cat "$TMP/c.out")")" off
    expect "default bufsplit" "$(field bufsplit "$(cat "$TMP/c.out")")" both
    wait_server 0
    ;;
sqinfo)
    # SCTP_SQINFO and MPSCTP_PATH_SELECT through mpsctp-perf: the flags' parsing,
    # the SQINFO-driven sender, per-stream counts and the SQINFO samples.
    command -v jq > /dev/null || fail "jq not found (scripts/install-deps.sh installs it)"
    for bad in "--path-select 2" "--path-select mapped" "--path-select"; do
        # shellcheck disable=SC2086
        "$PERF" client --connect 127.0.0.1 --bytes 1k $bad > /dev/null 2>&1
        expect "exit status of client $bad" "$?" 2
    done
    "$PERF" server --sqinfo-limit > /dev/null 2>&1
    expect "exit status of server --sqinfo-limit (a client option)" "$?" 2
    # 3 streams for 1 s, a send buffer of 128 KiB: stream s gets a message only while it
    # holds less than 128 KiB / 3 (the client's SQINFO readings); samples every 10 ms
    LIMIT=131072; K=3; MSG=1000
    start_server --once --path-select stream
    client c 1 --time 1 --streams $K --msg-size $MSG --sqinfo-limit --interval 0.01 \
        --sndbuf $LIMIT --path-select stream
    cl=$(jq -c 'select(.role == "client" and (.interval | not))' "$TMP/c.out")
    sl=$(server_line 1)
    expect "client exit status" "$CRC" 0
    expect "client verified" "$(field verified "$cl")" true
    expect "server verified" "$(field verified "$sl")" true
    b=$(field bytes "$cl")
    expect "server bytes = client bytes" "$(field bytes "$sl")" "$b"
    expect "client path_select" "$(field path_select "$cl")" stream
    expect "server path_select" "$(field path_select "$sl")" stream
    expect "client sqinfo_limit" "$(field sqinfo_limit "$cl")" true
    # per stream: every stream carried data, the streams add up to the total, and the
    # server received on each stream what the client sent on it
    expect "client streams" "$(printf '%s' "$cl" | jq '.stream_bytes | length')" $K
    expect "client: sum of stream bytes" "$(printf '%s' "$cl" | jq '.stream_bytes | add')" "$b"
    expect "server: sum of stream bytes" "$(printf '%s' "$sl" | jq '.stream_bytes | add')" "$b"
    expect "server: sum of stream messages" \
        "$(printf '%s' "$sl" | jq '.stream_messages | add')" "$(field messages "$sl")"
    expect "per-stream bytes, client vs server" "$(printf '%s' "$cl" | jq -c .stream_bytes)" \
        "$(printf '%s' "$sl" | jq -c .stream_bytes)"
    printf '%s' "$sl" | jq -e '. as $o | [range(3)] | all($o.stream_bytes[.] > 0 and
        (($o.stream_goodput_bps[.] - $o.stream_bytes[.] * 8 / $o.seconds) | fabs) < 1000)' \
        > /dev/null || fail "server: a stream without bytes, or its goodput is not bytes * 8 / seconds"
    reads=$(field sqinfo_reads "$cl")
    [ "$reads" -gt 0 ] || fail "the SQINFO-driven sender read SCTP_SQINFO $reads times"
    echo "ok: $reads SCTP_SQINFO readings by the sender"
    # the samples: one per tick, each a snapshot with sum(per stream) == total <= limit;
    # the limit is the send buffer; a stream never holds more than its share plus the one
    # message written while it was below it; the queue was used (not always empty)
    n=$(printf '%s' "$cl" | jq '.sqinfo_samples | length')
    [ "$n" -ge 20 ] || fail "$n SQINFO samples in 1 s at 10 ms intervals"
    ticks=$(jq -c 'select(.interval == true and .sqinfo != null)' "$TMP/c.out" | wc -l)
    expect "interval lines with sqinfo" "$ticks" "$n"
    printf '%s' "$cl" | jq -e --argjson l $LIMIT '.sqinfo_samples | all(.limit == $l)' > /dev/null ||
        fail "sq_queue_limit is not the send buffer ($LIMIT)"
    bad=$(printf '%s' "$cl" | jq -c '[.sqinfo_samples[] | select((.queued | add) != .total or .total > .limit)] | .[0]')
    [ "$bad" = null ] || fail "sample with sum(per stream) != total or total > limit: $bad"
    bad=$(printf '%s' "$cl" | jq -c --argjson k $K --argjson m $MSG \
        '[.sqinfo_samples[] | . as $s | select(any($s.queued[]; . >= ($s.limit / $k | floor) + $m))] | .[0]')
    [ "$bad" = null ] || fail "a stream above its share (limit / $K + one message): $bad"
    printf '%s' "$cl" | jq -e '.sqinfo_samples | any(.total > 0)' > /dev/null ||
        fail "the send queue was empty at every sample"
    printf '%s' "$cl" | jq -e '.sqinfo_samples | all(.queued | length >= 3)' > /dev/null ||
        fail "samples without an entry per stream"
    echo "ok: $n samples, sum(per stream) == total <= $LIMIT, at most $(printf '%s' "$cl" | jq '[.sqinfo_samples[].total] | max') queued"
    wait_server 0
    # text form: per stream lines and the sample summary
    start_server --once
    "$PERF" client --connect 127.0.0.1 --port "$SPORT" --remote-udp-port "$SUDP" \
        --udp-port $((BASE + 2)) --bytes 2M --streams 2 --sqinfo-limit --interval 0.01 \
        > "$TMP/t.out" 2> "$TMP/t.err"
    expect "text client exit status" "$?" 0
    grep -q '^  stream 1: [0-9]* bytes, [0-9]* messages, [0-9.]* Mbit/s$' "$TMP/t.out" ||
        fail "no per-stream line in the text output"
    grep -q '^  sqinfo [0-9]*/[0-9]* queued: s0 [0-9]*, s1 [0-9]*' "$TMP/t.out" ||
        fail "no sqinfo line at the interval reports"
    grep -q '^  sqinfo: [0-9]* samples, at most [0-9]* of [0-9]* bytes queued$' "$TMP/t.out" ||
        fail "no sqinfo summary line"
    echo "ok: text output"
    wait_server 0
    ;;
*)
    fail "unknown case $CASE"
    ;;
esac
echo "PASS: $CASE"
