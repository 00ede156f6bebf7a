#!/bin/sh
# In-memory core benchmark: mpsctp's sans-IO core against usrsctp's AF_CONN, both with
# CRC32c computed and checked on every packet (see core_inmem.c, usrsctp_inmem.c).
#
#   bench/run-core-bench.sh [RUNS]        (default 5 runs per configuration)
#
# Environment: BUILD (default build-bench) holds everything built here, BYTES (default
# 200M) the throughput transfer, CG_BYTES/CG_BASE (default 22M/2M) the two callgrind
# transfers, NO_OPT=1 skips the optimised usrsctp build.
#
# 1. Builds mpsctp optimised (Release) and usrsctp_inmem against Debian's libusrsctp.
# 2. Builds an optimised usrsctp (RelWithDebInfo: -O2 -g) from the Debian source package
#    of the installed version under $BUILD/usrsctp-* (bench/usrsctp-opt.sh, shared with
#    run-loopback-bench.sh); its sources are never part of the repository.
# 3. Throughput: for 1200- and 16384-byte messages, RUNS runs of each stack, alternating,
#    and the median MB/s (MB = 10^6 bytes of payload).
# 4. Instructions per MB under valgrind --tool=callgrind: total instructions (all threads)
#    of a CG_BYTES transfer minus those of a CG_BASE transfer, divided by the difference
#    in MB, so set-up (pattern table, stack start, handshake) cancels out.
# Prints medians, instructions/MB and the ratios mpsctp/usrsctp.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build-bench}
RUNS=${1:-5}
BYTES=${BYTES:-200M}
CG_BYTES=${CG_BYTES:-22M}
CG_BASE=${CG_BASE:-2M}
JOBS=$(nproc)

echo "== building mpsctp (Release) in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPSCTP_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target core_inmem usrsctp_inmem >/dev/null
STACKS="mpsctp:$BUILD/bin/core_inmem usrsctp-deb:$BUILD/bin/usrsctp_inmem"

. "$ROOT/bench/usrsctp-opt.sh"

build_usrsctp_opt() {
    usrsctp_opt_build || return 1
    cc -O2 -g -DINET -DINET6 -I"$USRSCTP_OPT_INC" -o "$BUILD/bin/usrsctp_inmem_opt" \
        bench/usrsctp_inmem.c "$USRSCTP_OPT_LIB" -lpthread || return 1
}

if [ "${NO_OPT:-0}" != 1 ]; then
    echo "== building an optimised usrsctp from the Debian source package"
    if build_usrsctp_opt; then
        STACKS="$STACKS usrsctp-opt:$BUILD/bin/usrsctp_inmem_opt"
    else
        echo "   could not fetch or build the usrsctp sources: comparing against the package only"
    fi
fi

# field NAME JSON -> value
field() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== throughput: $BYTES, $RUNS runs each, alternating"
for m in 1200 16384; do
    i=1
    while [ "$i" -le "$RUNS" ]; do
        for s in $STACKS; do
            name=${s%%:*}; prog=${s#*:}
            out=$("$prog" --bytes "$BYTES" --msg-size "$m" --json)
            [ "$(field verified "$out")" = true ] || { echo "FAILED: $name: $out"; exit 1; }
            [ "$(field crc32c_checked "$out")" = true ] || { echo "FAILED (CRC): $name: $out"; exit 1; }
            field MBps "$out" >> "$TMP/$name-$m.mbps"
        done
        i=$((i + 1))
    done
done

echo "== callgrind: instructions for $CG_BYTES minus $CG_BASE"
for m in 1200 16384; do
    for s in $STACKS; do
        name=${s%%:*}; prog=${s#*:}
        for b in "$CG_BASE" "$CG_BYTES"; do
            valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$name.$m.$b" \
                "$prog" --bytes "$b" --msg-size "$m" --json > "$TMP/cg.$name.$m.$b.json" 2>/dev/null
            sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$TMP/cg.$name.$m.$b" > "$TMP/cg.$name.$m.$b.ir"
        done
        hi=$(cat "$TMP/cg.$name.$m.$CG_BYTES.ir"); lo=$(cat "$TMP/cg.$name.$m.$CG_BASE.ir")
        bh=$(field bytes "$(cat "$TMP/cg.$name.$m.$CG_BYTES.json")")
        bl=$(field bytes "$(cat "$TMP/cg.$name.$m.$CG_BASE.json")")
        awk -v h="$hi" -v l="$lo" -v bh="$bh" -v bl="$bl" \
            'BEGIN { printf "%.0f\n", (h - l) / ((bh - bl) / 1e6) }' > "$TMP/$name-$m.ipm"
    done
done

echo
printf '%-12s %6s %12s %14s\n' stack msg "MB/s(median)" "instr/MB"
for m in 1200 16384; do
    for s in $STACKS; do
        name=${s%%:*}
        med=$(median < "$TMP/$name-$m.mbps")
        echo "$med" > "$TMP/$name-$m.med"
        printf '%-12s %6s %12s %14s\n' "$name" "$m" "$med" "$(cat "$TMP/$name-$m.ipm")"
    done
done
echo
echo "ratios mpsctp/usrsctp (throughput: higher is better for mpsctp; instructions: lower)"
for m in 1200 16384; do
    for s in $STACKS; do
        name=${s%%:*}
        [ "$name" = mpsctp ] && continue
        awk -v m="$m" -v n="$name" -v a="$(cat "$TMP/mpsctp-$m.med")" -v b="$(cat "$TMP/$name-$m.med")" \
            -v ia="$(cat "$TMP/mpsctp-$m.ipm")" -v ib="$(cat "$TMP/$name-$m.ipm")" \
            'BEGIN { printf "  %5s-byte messages vs %-12s throughput x%.2f  instructions/MB x%.3f\n", m, n, a / b, ia / ib }'
    done
done
