#!/bin/sh
# Runs the CMT experiments E1-E6 (docs/results/README.md) in the simulator
# (scenarios/e*.scn) over several seeds and writes docs/results/: eN.csv per run,
# results.md (mean and 95% confidence interval per variant and point) and gnuplot PNG
# plots. Builds mpsctp-sim first.
# Arguments go to scripts/experiments.py (--seeds N, --only e1,e2, --jobs N, --out DIR).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ ! -x "$BUILD/bin/mpsctp-sim" ] || [ "${REBUILD:-1}" = 1 ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" --target mpsctp-sim -j"$(nproc)" >/dev/null
fi
exec python3 scripts/experiments.py --sim "$BUILD/bin/mpsctp-sim" "$@"
