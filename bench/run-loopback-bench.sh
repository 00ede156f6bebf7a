#!/bin/sh
# Loopback goodput benchmark: mpsctp-perf against usrsctp (SCTP over UDP encapsulation)
# and kernel TCP (iperf3) on 127.0.0.1, server and client on this host, and mpsctp with
# CMT over two loopback paths against the same over one.
#
#   bench/run-loopback-bench.sh [RUNS]     (default 5 rounds per message size)
#
# Environment: BUILD (default build-bench) holds everything built here, BYTES (default
# 200M) the transfer, SIZES (default "1200 16384") the message sizes, BUF (default 4M)
# the send and receive buffer of every stack, NO_OPT=1 skips the optimised usrsctp,
# NO_TCP=1 skips kernel TCP, NO_2PATH=1 the two-path runs, QUICK=1 is the short version
# (BYTES 100M, 3 rounds unless RUNS is given, no optimised usrsctp).
#
# 1. Builds mpsctp-perf (Release) and tests/interop/usrsctp_peer.c against Debian's
#    libusrsctp (built with -O0 by Debian, see bench/usrsctp-opt.sh), and unless NO_OPT
#    against an optimised (-O2) build of the same sources.
# 2. For each message size, RUNS rounds; each round runs every stack once, in turn
#    (alternating, so that drifts of the machine hit every stack alike). A run is one
#    server and one client moving BYTES. The SCTP runs send the interop pattern and the
#    server verifies every byte (a run that is not verified stops the benchmark); iperf3
#    sends its own buffer and checks nothing. The goodput is the client's: payload bits
#    over the time from connect to SHUTDOWN COMPLETE (iperf3: its receiver figure).
# 3. CPU: user + system seconds of each process (bench/cputime.c), as milliseconds per MB
#    moved (MB = 10^6 bytes), for the client and the server; the stacks' I/O threads and
#    the kernel work done in the processes' own context are included.
# 4. Two paths (16 KiB messages, unless NO_2PATH): mpsctp with CMT (--cmt cmt) over
#    127.0.0.1 and 127.0.0.2 on both sides, against CMT over 127.0.0.1 alone.
# 5. Prints every run, then per stack and size the median goodput (Mbit/s) and CPU per
#    MB, and the ratios mpsctp/usrsctp and two paths/one path.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build-bench}
if [ "${QUICK:-0}" = 1 ]; then
    RUNS=${1:-3}
    BYTES=${BYTES:-100M}
    NO_OPT=1
else
    RUNS=${1:-5}
    BYTES=${BYTES:-200M}
fi
SIZES=${SIZES:-1200 16384}
BUF=${BUF:-4M}
JOBS=$(nproc)
SUDP=47990
CUDP=47991
SPORT=5001
TCPPORT=47992

echo "== building mpsctp-perf (Release) in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPSCTP_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target mpsctp-perf >/dev/null
mkdir -p "$BUILD/bin"
cc -O2 -o "$BUILD/bin/cputime" bench/cputime.c
cc -O2 -g -DINET -DINET6 -Itests/interop -o "$BUILD/bin/usrsctp_peer_deb" \
    tests/interop/usrsctp_peer.c tests/interop/peer_common.c -lusrsctp -lpthread
STACKS="mpsctp usrsctp-deb"

. "$ROOT/bench/usrsctp-opt.sh"
if [ "${NO_OPT:-0}" != 1 ]; then
    echo "== building an optimised usrsctp from the Debian source package"
    if usrsctp_opt_build && cc -O2 -g -DINET -DINET6 -Itests/interop -I"$USRSCTP_OPT_INC" \
        -o "$BUILD/bin/usrsctp_peer_opt" tests/interop/usrsctp_peer.c tests/interop/peer_common.c "$USRSCTP_OPT_LIB" -lpthread; then
        STACKS="$STACKS usrsctp-opt"
    else
        echo "   could not fetch or build the usrsctp sources: comparing against the package only"
    fi
fi
if [ "${NO_TCP:-0}" != 1 ]; then
    if command -v iperf3 >/dev/null; then
        STACKS="$STACKS tcp"
    else
        echo "   iperf3 not found (scripts/install-deps.sh): no kernel TCP figures"
    fi
fi

# field NAME JSON -> value
field() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | head -1; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
# cpu FILE -> user + system seconds that cputime wrote
cpu() { awk 'END { print $1 + $2 }' "$1"; }
# tm FILE CMD...: runs CMD, writing its user and system seconds to FILE
tm() { "$BUILD/bin/cputime" "$@"; }

TMP=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$TMP"' EXIT

# run STACK MSG -> prints "Mbit/s client-ms/MB server-ms/MB"
run() {
    case $1 in
    mpsctp|mpsctp-1path|mpsctp-2path)
        sb=; cb="--connect 127.0.0.1"
        case $1 in
        mpsctp-1path) sb="--bind 127.0.0.1 --cmt cmt"; cb="--connect 127.0.0.1 --cmt cmt" ;;
        mpsctp-2path) sb="--bind 127.0.0.1,127.0.0.2 --cmt cmt"
                      cb="--bind 127.0.0.1,127.0.0.2 --connect 127.0.0.1,127.0.0.2 --cmt cmt" ;;
        esac
        # shellcheck disable=SC2086
        tm "$TMP/ts" "$BUILD/bin/mpsctp-perf" server --once --json --udp-port $SUDP \
            --port $SPORT --sndbuf "$BUF" --rcvbuf "$BUF" $sb > "$TMP/s" 2>&1 &
        SPID=$!
        sleep 0.2
        # shellcheck disable=SC2086
        tm "$TMP/tc" "$BUILD/bin/mpsctp-perf" client --json --port $SPORT \
            --remote-udp-port $SUDP --udp-port $CUDP --bytes "$BYTES" --msg-size "$2" \
            --sndbuf "$BUF" --rcvbuf "$BUF" $cb > "$TMP/c" 2>&1 || true
        ;;
    usrsctp-*)
        peer=$BUILD/bin/usrsctp_peer_${1#usrsctp-}
        tm "$TMP/ts" "$peer" --server $SPORT --udp-port $SUDP --bytes "$BYTES" --msg-size "$2" \
            --buf "$BUF" > "$TMP/s" 2>&1 &
        SPID=$!
        sleep 0.2
        tm "$TMP/tc" "$peer" --client 127.0.0.1 $SPORT --udp-port $CUDP --remote-udp-port $SUDP \
            --bytes "$BYTES" --msg-size "$2" --buf "$BUF" > "$TMP/c" 2>&1 || true
        ;;
    tcp)
        tm "$TMP/ts" iperf3 -s -1 -p $TCPPORT -B 127.0.0.1 > "$TMP/s" 2>&1 &
        SPID=$!
        sleep 0.2
        tm "$TMP/tc" iperf3 -c 127.0.0.1 -p $TCPPORT -n "$BYTES" -l "$2" -w "$BUF" --json \
            > "$TMP/c" 2>&1 || true
        ;;
    esac
    wait "$SPID" || true
    SPID=
    if [ "$1" = tcp ]; then
        g=$(jq -r '.end.sum_received.bits_per_second // empty' "$TMP/c" 2>/dev/null || true)
        bytes=$(jq -r '.end.sum_received.bytes // empty' "$TMP/c" 2>/dev/null || true)
        if [ -z "$g" ]; then
            echo "FAILED: tcp, $2-byte writes: $(cat "$TMP/c")" >&2
            exit 1
        fi
    else
        s=$(grep '"role":"server"' "$TMP/s" || true)
        c=$(grep '"role":"client"' "$TMP/c" || true)
        g=$(field goodput_bps "$c")
        bytes=$(field bytes "$c")
        if [ "$(field verified "$s")" != true ] || [ -z "$g" ]; then
            echo "FAILED: $1, $2-byte messages" >&2
            echo "  server: $(cat "$TMP/s")" >&2
            echo "  client: $(cat "$TMP/c")" >&2
            exit 1
        fi
    fi
    awk -v g="$g" -v b="$bytes" -v c="$(cpu "$TMP/tc")" -v s="$(cpu "$TMP/ts")" \
        'BEGIN { printf "%.1f %.3f %.3f\n", g / 1e6, c * 1e3 / (b / 1e6), s * 1e3 / (b / 1e6) }'
}

# round SIZE STACKS...: RUNS rounds of every stack in turn
rounds() {
    m=$1
    shift
    i=1
    while [ "$i" -le "$RUNS" ]; do
        line="  $m-byte messages, round $i:"
        for s in "$@"; do
            r=$(run "$s" "$m")
            echo "$r" | awk '{print $1}' >> "$TMP/$s-$m.g"
            echo "$r" | awk '{print $2}' >> "$TMP/$s-$m.c"
            echo "$r" | awk '{print $3}' >> "$TMP/$s-$m.s"
            line="$line $s $(echo "$r" | awk '{print $1}')"
        done
        echo "$line Mbit/s"
        i=$((i + 1))
    done
}

echo "== loopback goodput: $BYTES per run, buffers $BUF, $RUNS rounds, stacks: $STACKS"
for m in $SIZES; do
    # shellcheck disable=SC2086
    rounds "$m" $STACKS
done
PATHS=
if [ "${NO_2PATH:-0}" != 1 ]; then
    echo "== CMT over one and two loopback paths (127.0.0.1, 127.0.0.2), 16384-byte messages"
    PATHS="mpsctp-1path mpsctp-2path"
    # shellcheck disable=SC2086
    rounds 16384 $PATHS
fi

med() { median < "$TMP/$1"; }
echo
printf '%-13s %6s %16s %8s %22s %22s\n' stack msg "Mbit/s (median)" "MB/s" "client CPU ms per MB" "server CPU ms per MB"
show() {
    printf '%-13s %6s %16s %8s %22s %22s\n' "$1" "$2" "$(med "$1-$2.g")" \
        "$(awk -v g="$(med "$1-$2.g")" 'BEGIN { printf "%.0f", g / 8 }')" \
        "$(med "$1-$2.c")" "$(med "$1-$2.s")"
}
for m in $SIZES; do
    for s in $STACKS; do
        show "$s" "$m"
    done
done
for s in $PATHS; do
    show "$s" 16384
done
echo
echo "ratios (goodput; goal: mpsctp >= 4x usrsctp with both message sizes; two paths >= one)"
for m in $SIZES; do
    for s in $STACKS; do
        [ "$s" = mpsctp ] && continue
        awk -v m="$m" -v n="$s" -v a="$(med "mpsctp-$m.g")" -v b="$(med "$s-$m.g")" \
            'BEGIN { printf "  %5s-byte messages, mpsctp vs %-12s x%.2f\n", m, n, a / b }'
    done
done
if [ -n "$PATHS" ]; then
    awk -v a="$(med "mpsctp-2path-16384.g")" -v b="$(med "mpsctp-1path-16384.g")" \
        'BEGIN { printf "  16384-byte messages, CMT two paths vs one      x%.2f\n", a / b }'
fi
