# preload_lib.sh: what the tests of tests/preload share; sourced (bash) by each of them
# after it has set PL_TAG (a short name, letters and digits) and with the path of
# libmpsctp-preload.so as its first argument.
#
# The tests run unmodified kernel-SCTP applications (iperf3, netperfmeter, lksctp-tools,
# socat, ncat) over mpsctp through the preload library, between the two hosts of a
# testbed of their own (testbed/testbed.sh: namespaces <name>a and <name>b joined by two
# veth paths, 10.201.P.1 on A and 10.201.P.2 on B). The testbed is named pl<TAG><PID>,
# so that tests run in parallel; on every exit (failure, Ctrl-C, SIGTERM) the processes
# the test started end and the testbed goes.
#
# Debugging a failure (the environment reaches the applications):
#   MPSCTP_LOG=3                       the stack's diagnostics on each application's stderr
#   MPSCTP_PCAP=/tmp/pl-%p.pcap        one packet trace per process (%p: its PID)
#   PL_KEEP=1                          keep the output directory (its path is printed)
#   PL_STRACE=1                        run each application under strace -f (in *.strace)

# root, jq, bad, verdict (the testbed tests' checks)
source "$(dirname "${BASH_SOURCE[0]}")/../testbed/checks.sh"

PL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTBED=$PL_ROOT/testbed/testbed.sh
PL_LIB=${1:?usage: $(basename "$0") PATH/TO/libmpsctp-preload.so [ARGS..]}
shift
# shellcheck disable=SC2034 # the tests use them
A1=10.201.1.1 A2=10.201.2.1 B1=10.201.1.2 B2=10.201.2.2

PL_NAME=""
PL_OUT=""
PL_PIDS=()

# pl_fail MSG: the test fails at once, with the end of every output file
pl_fail() {
    echo "FAIL: $*"
    pl_show_outputs
    exit 1
}

pl_show_outputs() {
    local f
    [ -n "$PL_OUT" ] || return 0
    for f in "$PL_OUT"/*.out "$PL_OUT"/*.err; do
        [ -s "$f" ] || continue
        if ! grep -qI . "$f"; then
            echo "--- $(basename "$f"): $(stat -c %s "$f") bytes of data"
            continue
        fi
        echo "--- $(basename "$f") (last lines)"
        tail -n 8 "$f" | cut -c 1-400
    done
}

# pl_need TOOL..: each TOOL on the PATH
pl_need() {
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null || pl_fail "$c not found (scripts/install-deps.sh installs it)"
    done
}

pl_cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${PL_PIDS[@]}"; do
        kill -TERM "$p" 2> /dev/null || true
    done
    for p in "${PL_PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$p" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2> /dev/null || true
    done
    [ -n "$PL_NAME" ] && "$TESTBED" down --name "$PL_NAME" 2> /dev/null
    if [ -n "$PL_OUT" ]; then
        if [ "${PL_KEEP:-0}" = 1 ]; then
            echo "outputs kept in $PL_OUT"
        else
            rm -rf "$PL_OUT"
        fi
    fi
    exit "$rc"
}

# LD_PRELOAD for the applications: the preload library, after the sanitizer runtimes it
# needs when it was built with them (in an uninstrumented program an ASan library must
# come after libasan); leak detection is then off, since the leaks it would report are
# mostly the applications' own.
pl_preload_env() {
    local rt
    [ -f "$PL_LIB" ] || pl_fail "no preload library at $PL_LIB"
    PL_PRELOAD=$(readlink -f "$PL_LIB")
    rt=$(ldd "$PL_PRELOAD" 2> /dev/null | awk '$1 ~ /^lib(asan|ubsan)\.so/ { print $3 }' | tr '\n' ' ')
    if [ -n "$rt" ]; then
        PL_PRELOAD="${rt% } $PL_PRELOAD"
        export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
    fi
}

# pl_up [UP-OPTIONS]: the testbed (testbed.sh up), torn down on exit; an output directory
pl_up() {
    [[ ${PL_TAG:-} =~ ^[a-z0-9]{1,12}$ ]] || pl_fail "PL_TAG must be set (letters, digits)"
    pl_need ip tc nft ss timeout
    ip netns list > /dev/null 2>&1 || pl_fail "'ip netns' is not available (iproute2)"
    pl_preload_env
    PL_OUT=$(mktemp -d "/tmp/pl-$PL_TAG.XXXXXX")
    trap pl_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    PL_NAME="pl$PL_TAG$$"
    "$TESTBED" up --name "$PL_NAME" --owner $$ "$@" > /dev/null ||
        { PL_NAME=""; pl_fail "testbed.sh up $* failed"; }
}

# pl_cmd SIDE [VAR=VALUE..] PROGRAM [ARGS..]: the command line that runs PROGRAM on host
# SIDE (a or b) over the preload library, in the array PL_CMD. The stacks send datagram
# by datagram (MPSCTP_NO_OFFLOAD=1, as testbed/lib.sh sets for the testbed's stacks) so
# that a shaped queue counts packets, not UDP GSO trains.
pl_cmd() {
    local side=$1
    shift
    PL_CMD=(ip netns exec "$PL_NAME$side" env LD_PRELOAD="$PL_PRELOAD"
            MPSCTP_NO_OFFLOAD="${MPSCTP_NO_OFFLOAD:-1}")
    while [[ $# -gt 0 && $1 == *=* && $1 != -* ]]; do
        PL_CMD+=("$1")
        shift
    done
    if [ "${PL_STRACE:-0}" = 1 ]; then
        PL_CMD+=(strace -f -tt -o "$PL_OUT/$(basename "$1").$side.$RANDOM.strace")
    fi
    PL_CMD+=("$@")
}

# pl_bg LABEL SIDE [VAR=VALUE..] PROGRAM [ARGS..]: starts it in the background, stdout in
# $PL_OUT/LABEL.out, stderr in LABEL.err, stdin from /dev/null (or from $PL_STDIN when
# set); its PID in PL_PID. It ends with the test at the latest.
pl_bg() {
    local label=$1
    shift
    pl_cmd "$@"
    "${PL_CMD[@]}" < "${PL_STDIN:-/dev/null}" > "$PL_OUT/$label.out" 2> "$PL_OUT/$label.err" &
    PL_PID=$!
    PL_PIDS+=("$PL_PID")
}

# pl_fg SECONDS LABEL SIDE [VAR=VALUE..] PROGRAM [ARGS..]: runs it in the foreground for at
# most SECONDS (then SIGTERM, SIGKILL 2 s later), outputs as pl_bg; returns its exit
# status (124 on the time limit)
pl_fg() {
    local secs=$1 label=$2
    shift 2
    pl_cmd "$@"
    timeout -k 2 "$secs" "${PL_CMD[@]}" < "${PL_STDIN:-/dev/null}" > "$PL_OUT/$label.out" \
        2> "$PL_OUT/$label.err"
}

# pl_wait_line FILE REGEX PID SECONDS: until a line of FILE matches the extended REGEX;
# fails when PID ends first or after SECONDS
pl_wait_line() {
    local file=$1 re=$2 pid=$3 i=0 n=$(($4 * 20))
    until grep -qE -- "$re" "$file" 2> /dev/null; do
        kill -0 "$pid" 2> /dev/null ||
            pl_fail "$(basename "$file" | sed 's/\.[a-z]*$//') ended before printing /$re/"
        i=$((i + 1))
        [ "$i" -lt "$n" ] || pl_fail "no /$re/ in $(basename "$file") after $4 s"
        sleep 0.05
    done
}

# pl_wait_port SIDE t|u PORT PID SECONDS: until host SIDE has a TCP socket listening (t) or a
# UDP socket bound (u) on PORT; fails when PID ends first or after SECONDS
pl_wait_port() {
    local side=$1 proto=$2 port=$3 pid=$4 i=0 n=$(($5 * 20))
    until ip netns exec "$PL_NAME$side" ss -Hln"$proto" "sport = :$port" | grep -q .; do
        kill -0 "$pid" 2> /dev/null || pl_fail "the process expected on port $port ($side) ended"
        i=$((i + 1))
        [ "$i" -lt "$n" ] || pl_fail "nothing on port $port ($proto) of host $side after $5 s"
        sleep 0.05
    done
}

# pl_wait_exit PID SECONDS: returns the exit status of background process PID, waiting at
# most SECONDS before it is ended (then 124)
pl_wait_exit() {
    local pid=$1 i=0 n=$(($2 * 20)) rc=0
    while kill -0 "$pid" 2> /dev/null && [ "$i" -lt "$n" ]; do
        i=$((i + 1))
        sleep 0.05
    done
    if kill -0 "$pid" 2> /dev/null; then
        kill -TERM "$pid" 2> /dev/null || true
        sleep 0.5
        kill -KILL "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        return 124
    fi
    wait "$pid" || rc=$?
    return "$rc"
}

# pl_stop PID [SIGNAL]: ends background process PID with SIGNAL (default TERM; a process
# started in the background by a script ignores SIGINT unless it catches it), SIGKILL
# after 3 s, and returns its exit status
pl_stop() {
    local pid=$1 sig=${2:-TERM} rc=0 i=0
    kill -"$sig" "$pid" 2> /dev/null || true
    while kill -0 "$pid" 2> /dev/null && [ "$i" -lt 60 ]; do
        i=$((i + 1))
        sleep 0.05
    done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || rc=$?
    return "$rc"
}

# pl_probe: fails at once when the library does not take over SCTP sockets (the kernel
# here has no SCTP: without the preload, socket(IPPROTO_SCTP) fails with
# EPROTONOSUPPORT)
pl_probe() {
    local err py=/usr/bin/python3
    [ -x "$py" ] || py=python3
    pl_cmd a "$py" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132).close()'
    err=$("${PL_CMD[@]}" 2>&1 > /dev/null) ||
        pl_fail "socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails under LD_PRELOAD=$PL_PRELOAD: $(echo "$err" | tail -n 1)"
}

# pl_random_file PATH MIB: MIB MiB of random bytes
pl_random_file() {
    head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$1"
}

# pl_same WHAT EXPECTED ACTUAL: cmp, a bad check with the first difference when they differ
pl_same() {
    local d
    if ! d=$(cmp -- "$2" "$3" 2>&1); then
        bad "$1: the received file differs from the one sent ($(stat -c %s "$2") bytes sent, $(stat -c %s "$3" 2> /dev/null || echo 0) received): $d"
        return 1
    fi
    echo "$1: $(stat -c %s "$3") bytes identical"
}
