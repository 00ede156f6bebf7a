#!/bin/sh
# Loopback goodput benchmark: mpsctp-perf against usrsctp over UDP encapsulation on
# 127.0.0.1, single path, server and client on this host.
#
#   bench/run-loopback-bench.sh [RUNS]     (default 5 runs per stack and message size)
#
# Environment: BUILD (default build-bench) holds everything built here, BYTES (default
# 200M) the transfer, SIZES (default "1200 16384") the message sizes, BUF (default 4M)
# the send and receive buffer of both stacks, NO_OPT=1 skips the optimised usrsctp.
#
# 1. Builds mpsctp-perf (Release) and tests/interop/usrsctp_peer.c against Debian's
#    libusrsctp (built with -O0 by Debian, see bench/usrsctp-opt.sh).
# 2. Builds usrsctp_peer against an optimised (-O2) usrsctp from the Debian source
#    package as well (bench/usrsctp-opt.sh, shared with run-core-bench.sh).
# 3. For each message size, RUNS rounds; each round runs every stack once, in turn
#    (alternating, so that drifts of the machine hit every stack alike). A run is one
#    server (--once) and one client moving BYTES of the interop pattern; the server
#    verifies every byte (a run that is not verified stops the benchmark). The figure is
#    the client's goodput: payload bits over the time from connect to SHUTDOWN COMPLETE.
# 4. Prints every run, the median per stack and size (Mbit/s, 10^6 bit/s) and the ratios
#    mpsctp/usrsctp. Goal: at least 2x usrsctp with 16 KiB messages.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build-bench}
RUNS=${1:-5}
BYTES=${BYTES:-200M}
SIZES=${SIZES:-1200 16384}
BUF=${BUF:-4M}
JOBS=$(nproc)
SUDP=47990
CUDP=47991
SPORT=5001

echo "== building mpsctp-perf (Release) in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPSCTP_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target mpsctp-perf >/dev/null
mkdir -p "$BUILD/bin"
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

# field NAME JSON -> value
field() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | head -1; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

TMP=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$TMP"' EXIT

# run STACK MSG -> prints the client's goodput in Mbit/s
run() {
    case $1 in
    mpsctp)
        "$BUILD/bin/mpsctp-perf" server --once --json --udp-port $SUDP --port $SPORT \
            --sndbuf "$BUF" --rcvbuf "$BUF" > "$TMP/s" 2>&1 &
        SPID=$!
        sleep 0.2
        "$BUILD/bin/mpsctp-perf" client --json --connect 127.0.0.1 --port $SPORT \
            --remote-udp-port $SUDP --udp-port $CUDP --bytes "$BYTES" --msg-size "$2" \
            --sndbuf "$BUF" --rcvbuf "$BUF" > "$TMP/c" 2>&1 || true
        ;;
    usrsctp-*)
        peer=$BUILD/bin/usrsctp_peer_${1#usrsctp-}
        "$peer" --server $SPORT --udp-port $SUDP --bytes "$BYTES" --msg-size "$2" \
            --buf "$BUF" > "$TMP/s" 2>&1 &
        SPID=$!
        sleep 0.2
        "$peer" --client 127.0.0.1 $SPORT --udp-port $CUDP --remote-udp-port $SUDP \
            --bytes "$BYTES" --msg-size "$2" --buf "$BUF" > "$TMP/c" 2>&1 || true
        ;;
    esac
    wait "$SPID" || true
    SPID=
    s=$(grep '"role":"server"' "$TMP/s" || true)
    c=$(grep '"role":"client"' "$TMP/c" || true)
    if [ "$(field verified "$s")" != true ] || [ -z "$(field goodput_bps "$c")" ]; then
        echo "FAILED: $1, $2-byte messages" >&2
        echo "  server: $(cat "$TMP/s")" >&2
        echo "  client: $(cat "$TMP/c")" >&2
        exit 1
    fi
    awk -v g="$(field goodput_bps "$c")" 'BEGIN { printf "%.1f\n", g / 1e6 }'
}

echo "== loopback goodput: $BYTES per run, buffers $BUF, $RUNS rounds, stacks: $STACKS"
for m in $SIZES; do
    i=1
    while [ "$i" -le "$RUNS" ]; do
        line="  $m-byte messages, round $i:"
        for s in $STACKS; do
            g=$(run "$s" "$m")
            echo "$g" >> "$TMP/$s-$m"
            line="$line $s $g"
        done
        echo "$line Mbit/s"
        i=$((i + 1))
    done
done

echo
printf '%-12s %6s %16s\n' stack msg "Mbit/s (median)"
for m in $SIZES; do
    for s in $STACKS; do
        med=$(median < "$TMP/$s-$m")
        echo "$med" > "$TMP/$s-$m.med"
        printf '%-12s %6s %16s\n' "$s" "$m" "$med"
    done
done
echo
echo "ratios mpsctp/usrsctp (goodput; goal: >= 2 with 16 KiB messages)"
for m in $SIZES; do
    for s in $STACKS; do
        [ "$s" = mpsctp ] && continue
        awk -v m="$m" -v n="$s" -v a="$(cat "$TMP/mpsctp-$m.med")" -v b="$(cat "$TMP/$s-$m.med")" \
            'BEGIN { printf "  %5s-byte messages vs %-12s x%.2f\n", m, n, a / b }'
    done
done
