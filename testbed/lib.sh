# lib.sh: what the testbed scripts (testbed.sh, cmt_demo.sh, e6.sh) share; sourced after
# the script has set SELF (its own absolute path, whose header comment is its usage).

PROG=$(basename "$0")

# mpsctp sends runs of packets to one peer as UDP GSO trains, which the shaped queue on
# the sending side of a path (pfifo, counted in packets) would hold as one packet each:
# 100 trains of up to 44 datagrams, far more than the 100 datagrams a router with that
# queue holds. The testbed stands in for routers, so the stacks it starts send datagram
# by datagram (MPSCTP_NO_OFFLOAD=1) unless the caller set MPSCTP_NO_OFFLOAD itself.
export MPSCTP_NO_OFFLOAD=${MPSCTP_NO_OFFLOAD:-1}

die() {
    echo "$PROG: $*" >&2
    exit 1
}

# usage: the script's header comment (line 2 up to "set -euo"), exit status 2
usage() {
    sed -n '2,/^set -euo/p' "$SELF" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# parse_opts ARGS..: each "--opt VALUE" pair into the variable the associative array OPTS
# names for it (OPTS[--opt]=VAR); an option not in OPTS, or one without a value: usage
parse_opts() {
    while [ $# -gt 0 ]; do
        [[ $# -ge 2 && -n $1 && -n ${OPTS[$1]:-} ]] || usage
        printf -v "${OPTS[$1]}" '%s' "$2"
        shift 2
    done
}

# need_root_and TOOL..: root, and each TOOL on the PATH
need_root_and() {
    [ "$(id -u)" -eq 0 ] || die "needs root (it builds a testbed of network namespaces)"
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null || die "$c not found (scripts/install-deps.sh installs it)"
    done
}

# rate_bps R: bit/s of a tc rate (bit, kbit, mbit, gbit; bps, kbps, mbps: bytes); 0 = none
rate_bps() {
    local r=${1,,} n u
    [[ $r =~ ^([0-9]+)([a-z]*)$ ]] || die "bad rate '$1' (e.g. 20mbit, 500kbit, 0 = unshaped)"
    n=${BASH_REMATCH[1]}
    u=${BASH_REMATCH[2]}
    case $u in
    "" | bit) echo "$n" ;;
    kbit) echo $((n * 1000)) ;;
    mbit) echo $((n * 1000000)) ;;
    gbit) echo $((n * 1000000000)) ;;
    bps) echo $((n * 8)) ;;
    kbps) echo $((n * 8000)) ;;
    mbps) echo $((n * 8000000)) ;;
    *) die "bad rate unit in '$1'" ;;
    esac
}

# Inside "testbed.sh run" ($B): mpsctp-perf's server, started in the background on host B.
# server_wait_up PID TENTHS: until B has a UDP socket on port 9899 (the server's), PID has
# ended, or TENTHS tenths of a second have passed
server_wait_up() {
    local i=0
    until $B ss -Huln 'sport = :9899' | grep -q .; do
        i=$((i + 1))
        [ $i -lt "$2" ] && kill -0 "$1" 2> /dev/null || break
        sleep 0.1
    done
}

# server_end PID TENTHS: returns the server's exit status once it has ended, waiting at
# most TENTHS tenths of a second before it is killed
server_end() {
    local i=0
    while kill -0 "$1" 2> /dev/null && [ $i -lt "$2" ]; do
        i=$((i + 1))
        sleep 0.1
    done
    kill -KILL "$1" 2> /dev/null || true
    wait "$1"
}

# perf_results CLIENT_OUT SERVER_OUT: the final JSON lines of mpsctp-perf's client and
# server (--json output files; the server's last association), one per line in that
# order, '{}' for a side that printed none
perf_results() {
    local c s
    c=$(jq -c 'select(.role == "client")' "$1" 2> /dev/null | tail -n 1)
    s=$(jq -c 'select(.role == "server" and (.interval | not))' "$2" 2> /dev/null | tail -n 1)
    printf '%s\n%s\n' "${c:-"{}"}" "${s:-"{}"}"
}
