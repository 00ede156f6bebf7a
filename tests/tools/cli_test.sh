#!/bin/sh
# The command lines of mpsctp-perf and mpsctp-sim: one case per run.
#   cli_test.sh CASE PATH/TO/mpsctp-perf PATH/TO/mpsctp-sim [UDP_PORT]
# Cases:
#   perf_usage   every kind of wrong option: exit status 2, nothing on stdout, exactly one
#                line on stderr that names the option; --help on stdout with status 0;
#                --version; sizes and times in every unit form
#   sim_usage    the same for mpsctp-sim
#   perf_oversize  a message larger than the send buffer is refused before connecting
#   perf_refused a socket option the stack refuses, and a trace file MPSCTP_PCAP names
#                that cannot be created: exit status 1 and a line that names it
#   perf_echo    client --echo against a server without --echo: both fail within seconds
#                and say why (UDP_PORT: the server's fixed port)
set -u
CASE=${1:?usage: cli_test.sh CASE mpsctp-perf mpsctp-sim [UDP_PORT]}
PERF=${2:?mpsctp-perf}
SIM=${3:?mpsctp-sim}
PORT=${4:-}
TMP=$(mktemp -d)
SPID=
cleanup() {
    [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0

fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}

# bad WANT TOOL ARGS...: exit status 2, no stdout, one stderr line containing WANT
bad() {
    want=$1
    shift
    "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    rc=$?
    lines=$(wc -l < "$TMP/err")
    line=$(head -n 1 "$TMP/err")
    if [ $rc -ne 2 ]; then
        fail "$* -> exit status $rc, expected 2 ($line)"
    elif [ -s "$TMP/out" ]; then
        fail "$* -> wrote to stdout: $(head -c 200 "$TMP/out")"
    elif [ "$lines" -ne 1 ]; then
        fail "$* -> $lines lines on stderr, expected 1: $(head -c 300 "$TMP/err")"
    else
        case $line in
        *"$want"*) echo "ok   $* -> $line" ;;
        *) fail "$* -> '$line' does not name '$want'" ;;
        esac
    fi
}

# help TOOL: --help and -h on stdout with status 0, nothing on stderr; then --version
help() {
    tool=$1
    name=$(basename "$tool")
    for h in --help -h; do
        "$tool" $h > "$TMP/out" 2> "$TMP/err"
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$TMP/err" ] || ! grep -q "^usage:" "$TMP/out"; then
            fail "$name $h: status $rc, stderr '$(head -c 200 "$TMP/err")'"
        else
            echo "ok   $name $h: usage on stdout, status 0"
        fi
    done
    grep -q "powers of two" "$TMP/out" && grep -q "powers of ten" "$TMP/out" ||
        fail "$name --help does not explain the size units"
    "$tool" --version > "$TMP/out" 2> "$TMP/err"
    rc=$?
    v=$(cat "$TMP/out")
    if [ $rc -ne 0 ] || ! printf '%s\n' "$v" | grep -Eq "^$name [0-9]+\.[0-9]+\.[0-9]+$"; then
        fail "$name --version: status $rc, '$v'"
    else
        echo "ok   $name --version: $v"
    fi
}

C="$PERF client --connect 127.0.0.1"

case $CASE in
perf_usage)
    help "$PERF"
    bad "--bytes" $C --bytes abc
    bad "--bytes" $C --bytes 1.5
    bad "--bytes" $C --bytes 1KB
    bad "--bytes" $C --bytes -1M
    bad "--msg-size" $C --bytes 1M --msg-size 0
    bad "--msg-size" $C --bytes 1M --msg-size 65M
    bad "--cmt" $C --bytes 1M --cmt 7
    bad "--cmt" $C --bytes 1M --cmt fast
    bad "--bufsplit" $C --bytes 1M --bufsplit 4
    bad "--path-select" $C --bytes 1M --path-select 2
    bad "--port" $C --bytes 1M --port 70000
    bad "--port" $C --bytes 1M --port 0
    bad "--udp-port" $PERF server --udp-port 65536
    bad "--remote-udp-port" $C --bytes 1M --remote-udp-port x
    bad "--streams" $C --bytes 1M --streams 0
    bad "--streams" $C --bytes 1M --streams 4k
    bad "--sndbuf" $C --bytes 1M --sndbuf 1k
    bad "--time" $C --time 0
    bad "--time" $C --time 5min
    bad "--interval" $PERF server --interval 1ms
    bad "--rto-min" $C --bytes 1M --rto-min 1.5ms
    bad "--hb-interval" $C --bytes 1M --hb-interval soon
    bad "--max-retrans" $C --bytes 1M --max-retrans 65536
    bad "--connect" $PERF client --connect 127.0.0.300 --bytes 1M
    bad "--bind" $PERF server --bind nowhere
    bad "--frobnicate" $C --bytes 1M --frobnicate
    bad "'-x'" $C --bytes 1M -x
    bad "'stray'" $C --bytes 1M stray
    bad "--bytes and --time" $C --bytes 1M --time 1
    bad "--bytes" $PERF client --connect 127.0.0.1
    bad "--connect" $PERF client --bytes 1M
    bad "--bytes" $C --bytes
    bad "--cmt" $C --bytes 1M --cmt
    bad "--bytes" $PERF server --bytes 1M
    bad "--once" $C --bytes 1M --once
    bad "server or client" $PERF
    bad "'fast'" $PERF fast
    bad "--msg-size" $C --bytes 1M --msg-size 2M --sndbuf 1M
    bad "--rto-min" $C --bytes 1M --rto-min 2000 --rto-max 500
    # every unit form is taken (the values show in the refusal of a too large message)
    for v in 1048577 1025KiB 1.5M 1.5MiB 2MB 0.0011GB 1G; do
        bad "--msg-size" $C --bytes 1M --msg-size $v --sndbuf 1M
    done
    bad "a message of 1500000 bytes" $C --bytes 1M --msg-size 1.5MB --sndbuf 1M
    bad "a message of 1572864 bytes" $C --bytes 1M --msg-size 1.5M --sndbuf 1M
    bad "--sndbuf 1000000 bytes" $C --bytes 1M --msg-size 1000001 --sndbuf 1MB
    ;;
sim_usage)
    help "$SIM"
    L="$SIM --link rate=10mbit,delay=5ms"
    bad "--bytes" $L --bytes abc
    bad "--bytes" $L --bytes 64KB
    bad "--bytes" $L --bytes 0
    bad "--msg" $L --msg 0
    bad "--streams" $L --streams 0
    bad "--sndbuf" $L --sndbuf 1k
    bad "--mtu" $L --mtu 100
    bad "--duration" $L --duration 5min
    bad "--duration" $L --duration 0
    bad "--warmup" $L --warmup x
    bad "--seed" $L --seed -1
    bad "--log" $L --log 9
    bad "--cmt" $L --cmt 7
    bad "--set" $L --set speed=3
    bad "--link" $SIM --link rate=fast
    bad "--frobnicate" $L --frobnicate
    bad "--bytes" $L --bytes
    bad "--link" $SIM
    bad "--link" $SIM /dev/null --link rate=1mbit,delay=1ms
    # sizes and times in every form: a transfer of exactly that many bytes
    for sz in "1MB 1000000" "1M 1048576" "1MiB 1048576" "0.5MB 500000" "64kB 64000" \
              "64KiB 65536" "100000B 100000"; do
        set -- $sz
        out=$($SIM --link rate=100mbit,delay=5ms --bytes "$1" --duration 10s --seed 1 --json)
        case $out in
        *"\"bytes_delivered\":$2,"*) echo "ok   mpsctp-sim --bytes $1 = $2 bytes" ;;
        *) fail "mpsctp-sim --bytes $1: $(printf '%s' "$out" | head -c 200)" ;;
        esac
    done
    ;;
perf_oversize)
    # refused up front: no server is needed, and none is reached
    bad "--msg-size" $C --bytes 8M --msg-size 2M
    bad "raise --sndbuf" $C --bytes 8M --msg-size 1048577
    bad "--sndbuf 131072" $C --bytes 8M --msg-size 200k --sndbuf 128k
    ;;
perf_refused)
    # failed WANT ARGS...: exit status 1, nothing on stdout, WANT on the first stderr line
    failed() {
        want=$1
        shift
        "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
        rc=$?
        line=$(head -n 1 "$TMP/err")
        if [ $rc -ne 1 ] || [ -s "$TMP/out" ]; then
            fail "$* -> exit status $rc (expected 1), stdout '$(head -c 200 "$TMP/out")'"
        else
            case $line in
            *"$want"*) echo "ok   $* -> $line" ;;
            *) fail "$* -> '$line' does not say '$want'" ;;
            esac
        fi
    }
    # RTO.Max below the stack's RTO.Min (1 s): the stack refuses SCTP_RTOINFO
    failed "mpsctp-perf client: setsockopt SCTP_RTOINFO" $C --bytes 1M --rto-max 500
    failed "mpsctp-perf: setsockopt SCTP_RTOINFO" $PERF server --rto-max 500 --udp-port 26401
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "server: more than one line: $(cat "$TMP/err")"
    # the library names the variable and the path
    failed "mpsctp: MPSCTP_PCAP=/nonexistent/dir/t.pcap: No such file or directory" \
        env MPSCTP_PCAP=/nonexistent/dir/t.pcap $C --bytes 1M
    failed "mpsctp: MPSCTP_PCAP=/nonexistent/dir/t-%u.pcap (/nonexistent/dir/t-" \
        env MPSCTP_PCAP=/nonexistent/dir/t-%u.pcap $C --bytes 1M
    ;;
perf_echo)
    [ -n "$PORT" ] || { echo "FAIL: perf_echo needs a UDP port"; exit 1; }
    . "$(dirname "$0")/../wait_udp.sh"
    SPORT=$((PORT - 20000))
    for mode in text json; do
        j=
        [ $mode = json ] && j=--json
        "$PERF" server --once --udp-port "$PORT" --port "$SPORT" --json \
            > "$TMP/s.out" 2> "$TMP/s.err" &
        SPID=$!
        wait_udp "$PORT"
        t0=$(date +%s.%N)
        timeout 30 "$PERF" client --connect 127.0.0.1 --port "$SPORT" --remote-udp-port "$PORT" \
            --echo --bytes 100M $j > "$TMP/c.out" 2> "$TMP/c.err"
        rc=$?
        t1=$(date +%s.%N)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
        [ $rc -eq 1 ] || fail "[$mode] client --echo against a server without it: exit status $rc"
        awk -v s="$secs" 'BEGIN { exit !(s < 5) }' || fail "[$mode] the client took $secs s"
        if [ $mode = text ]; then
            msg=$(head -n 1 "$TMP/c.err")
        else
            msg=$(sed -n 's/.*"error":"\([^"]*\)".*/\1/p' "$TMP/c.out")
        fi
        case $msg in
        *"does not echo"*"--echo"*) echo "ok   [$mode] client: exit status 1 after $secs s: $msg" ;;
        *) fail "[$mode] the client does not say the server does not echo: '$msg'" ;;
        esac
        i=0
        while kill -0 "$SPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        wait "$SPID"
        src=$?
        SPID=
        [ $src -eq 1 ] || fail "[$mode] server exit status $src, expected 1"
        grep -q '"ok":false,"error":"the client asked for echoes (--echo)' "$TMP/s.out" &&
            echo "ok   [$mode] server: exit status $src, reports the client's --echo" ||
            fail "[$mode] the server's report: $(head -c 400 "$TMP/s.out")"
    done
    # the same client against an echo server: every byte comes back
    "$PERF" server --once --echo --udp-port "$PORT" --port "$SPORT" --json \
        > "$TMP/s.out" 2> "$TMP/s.err" &
    SPID=$!
    wait_udp "$PORT"
    "$PERF" client --connect 127.0.0.1 --port "$SPORT" --remote-udp-port "$PORT" \
        --echo --bytes 4M --json > "$TMP/c.out" 2> "$TMP/c.err"
    rc=$?
    grep -q '"echoed_bytes":4194304,' "$TMP/c.out" && [ $rc -eq 0 ] &&
        echo "ok   client --echo against an echo server: 4 MiB back, exit status 0" ||
        fail "echo server: status $rc, $(head -c 400 "$TMP/c.out") $(head -c 200 "$TMP/c.err")"
    wait "$SPID"
    SPID=
    ;;
*)
    fail "unknown case $CASE"
    ;;
esac
[ $FAILS -eq 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "PASS: $CASE"
