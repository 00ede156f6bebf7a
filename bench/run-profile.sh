#!/bin/sh
# Where the time of a loopback transfer goes: records mpsctp-perf server and client with
# `perf record` and prints, for each side, the share of its samples by category (the
# kernel's UDP/IP work, scheduling and wake-ups, CRC32c, copies, allocation, locks, the
# SCTP core and runtime, the tool's own pattern work) and its CPU time.
#
#   bench/run-profile.sh [MSG_SIZE] [REF]
#
# MSG_SIZE: message size (default 16384). REF: a git commit to profile as well, built from
# a worktree in $BUILD-ref (for a before/after comparison in the same run). Environment:
# BUILD (default build-bench), BYTES (default 400M). Needs perf (Debian: linux-perf) and
# root or kernel.perf_event_paranoid <= 1.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
MSG=${1:-16384}
REF=${2:-}
BYTES=${BYTES:-400M}
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }
TMP=$(mktemp -d)
WT=
trap 'rm -rf "$TMP"; [ -n "$WT" ] && git worktree remove --force "$WT" 2>/dev/null; true' EXIT

build() { # SRC BUILDDIR
    cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DMPSCTP_TESTS=OFF >/dev/null
    cmake --build "$2" -j"$(nproc)" --target mpsctp-perf >/dev/null
}

# categorize: perf report lines "percent dso symbol" -> category shares
categorize() {
    awk '
    function cat(dso, sym) {
        if (sym ~ /finish_task_switch|^__?schedule|^schedule|try_to_wake_up|futex|_lll_lock|wake_up|__pthread_cond|pthread_cond|select_task_rq|enqueue_task|dequeue_task|update_curr|psi_/) return "scheduling, wake-ups, futexes"
        if (sym ~ /crc32c/) return "CRC32c"
        if (sym ~ /memmove|memcpy|copy_user|_copy_to_iter|_copy_from_iter|copyout|copyin/) return "copies (memcpy, kernel copies)"
        if (sym ~ /malloc|free|calloc|realloc|unlink_chunk|arena|tcache|kmem_cache|kmalloc|kfree|page_frag|__alloc_skb|alloc_pages|free_pages|__free_frozen/) return "allocation (user and kernel)"
        if (sym ~ /pthread_mutex|_raw_spin_lock$|spin_lock/) return "locks"
        if (sym ~ /^run_client|^rx_part|^interop_|^streams_|^perf_/) return "tool: pattern fill and check, counting"
        if (dso ~ /kernel/) return "kernel: syscalls, UDP/IP, loopback, softirq"
        if (dso ~ /mpsctp-perf/) return "mpsctp: core and runtime"
        return "other (libc, vdso)"
    }
    /%/ { p = $1; sub(/%/, "", p); dso = $2; sym = $3; s[cat(dso, sym)] += p; t += p }
    END { for (k in s) printf "    %5.1f%%  %s\n", s[k] * 100 / t, k }' | sort -rn
}

profile() { # LABEL BUILDDIR
    bin=$2/bin/mpsctp-perf
    perf record -q -F 1000 -o "$TMP/s.data" "$bin" server --once --json --udp-port 47990 --port 5001 \
        --sndbuf 4M --rcvbuf 4M > "$TMP/s.json" 2>/dev/null &
    spid=$!
    sleep 0.3
    perf record -q -F 1000 -o "$TMP/c.data" "$bin" client --json --connect 127.0.0.1 --port 5001 \
        --remote-udp-port 47990 --udp-port 47991 --bytes "$BYTES" --msg-size "$MSG" \
        --sndbuf 4M --rcvbuf 4M > "$TMP/c.json" 2>/dev/null
    wait "$spid"
    g=$(sed -n 's/.*"goodput_bps":\([0-9]*\).*/\1/p' "$TMP/c.json")
    echo "== $1: $BYTES of $MSG-byte messages, $(awk -v g="$g" 'BEGIN { printf "%.0f", g / 1e6 }') Mbit/s"
    for side in c s; do
        [ $side = c ] && name=client || name=server
        # the cpu-clock event counts nanoseconds of CPU
        ns=$(perf report -i "$TMP/$side.data" --stdio --sort dso 2>/dev/null |
             awk "/of event 'cpu-clock/ { on = 1 } on && /Event count/ { print \$NF; exit }")
        echo "  $name: $(awk -v n="$ns" 'BEGIN { printf "%.2f", n / 1e9 }') s of CPU (sampled at 1000 Hz)"
        perf report -i "$TMP/$side.data" --stdio --no-children --sort dso,sym 2>/dev/null |
            grep -v '^#' | grep '%' | sed 's/\[\.\] //; s/\[k\] //' | categorize
    done
}

echo "== building mpsctp-perf (Release) in $BUILD"
build . "$BUILD"
if [ -n "$REF" ]; then
    WT=$TMP/ref
    git worktree add --detach "$WT" "$REF" >/dev/null 2>&1
    echo "== building $REF in $BUILD-ref"
    rm -rf "$BUILD-ref" # its cache names the last worktree
    build "$WT" "$(pwd)/$BUILD-ref"
    profile "$REF" "$BUILD-ref"
fi
profile "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- lib tools || echo '+changes')" "$BUILD"
