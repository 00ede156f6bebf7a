#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, MPSCTP_FUZZ=ON) into build-fuzz/ and runs each
# for FUZZ_SECONDS seconds on a working corpus seeded from tests/fuzz/corpus/<harness>/.
#
# Environment:
#   FUZZ_SECONDS    run time per harness, seconds (default 60)
#   FUZZ_HARNESSES  space-separated subset (default: fuzz_codec fuzz_endpoint fuzz_assoc
#                   fuzz_mem)
#   FUZZ_PARALLEL   1: run the harnesses at the same time instead of one after another
#   FUZZ_BUILD      build directory (default build-fuzz)
#   CC              compiler (default clang-14)
#
# Exits 0 when no harness found anything; otherwise 1, after printing for each failing
# harness the reproducer libFuzzer wrote (rerun it with: <build>/bin/<harness> <file>,
# add FUZZ_VERBOSE=1 to see the engine's log and events). See docs/fuzzing.md.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SECONDS_PER=${FUZZ_SECONDS:-60}
HARNESSES=${FUZZ_HARNESSES:-"fuzz_codec fuzz_endpoint fuzz_assoc fuzz_mem"}
BUILD=${FUZZ_BUILD:-build-fuzz}
export CC=${CC:-clang-14}

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "fuzz.sh: compiler $CC not found (install clang-14 or set CC)" >&2
    exit 2
fi

echo "== configuring and building $BUILD (CC=$CC)"
cmake -S . -B "$BUILD" -DMPSCTP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD.cmake.log" 2>&1 ||
    { cat "$BUILD.cmake.log" >&2; echo "fuzz.sh: cmake configure failed" >&2; exit 2; }
rm -f "$BUILD.cmake.log"
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$BUILD" -j "$jobs" --target $HARNESSES ||
    { echo "fuzz.sh: build failed" >&2; exit 2; }

# Largest input per harness: a packet plus slack, a record list, an operation list.
max_len_of() {
    case "$1" in
    fuzz_codec) echo 8192 ;;
    fuzz_endpoint) echo 16384 ;;
    *) echo 4096 ;;
    esac
}

# libFuzzer options per harness. fuzz_assoc reaches many features per input; with the
# default threshold (255) the entropic scheduler's list of rare features grows long and
# scanning it for every feature of every input took most of the time (docs/fuzzing.md).
extra_flags_of() {
    case "$1" in
    fuzz_assoc) echo -entropic_feature_frequency_threshold=16 ;;
    *) echo ;;
    esac
}

run_one() {
    local h=$1
    local corpus="$BUILD/corpus/$h" art="$BUILD/artifacts/$h/" log="$BUILD/logs/$h.log"
    mkdir -p "$corpus" "$art" "$BUILD/logs"
    if [ -d "tests/fuzz/corpus/$h" ]; then
        cp -n "tests/fuzz/corpus/$h"/* "$corpus"/ 2>/dev/null || true
    fi
    "$BUILD/bin/$h" "$corpus" -max_total_time="$SECONDS_PER" -timeout=5 -rss_limit_mb=2048 \
        -max_len="$(max_len_of "$h")" -artifact_prefix="$art" -print_final_stats=1 \
        $(extra_flags_of "$h") >"$log" 2>&1
    echo $? >"$BUILD/logs/$h.rc"
}

summarize() {
    local h=$1 log="$BUILD/logs/$h.log" rc
    rc=$(cat "$BUILD/logs/$h.rc" 2>/dev/null || echo 99)
    local last
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    local execs
    execs=$(grep -E 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
    echo "-- $h: exit $rc, ${execs:-?} exec/s, last status: ${last:-none}"
    if [ "$rc" != 0 ]; then
        grep -E '^==[0-9]+==ERROR|^SUMMARY|fuzz invariant failed|ALARM|Test unit written to' \
            "$log" | head -n 8
        local repro
        repro=$(grep -o 'Test unit written to .*' "$log" | tail -n 1 | sed 's/Test unit written to //')
        echo "   reproducer: ${repro:-see $log}"
        echo "   log: $log"
        return 1
    fi
    return 0
}

echo "== fuzzing ${SECONDS_PER}s per harness: $HARNESSES"
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
    for h in $HARNESSES; do run_one "$h" & done
    wait
else
    for h in $HARNESSES; do
        echo "   running $h"
        run_one "$h"
    done
fi

status=0
echo "== results"
for h in $HARNESSES; do
    summarize "$h" || status=1
done
if [ "$status" != 0 ]; then
    echo "fuzz.sh: findings above" >&2
fi
exit $status
