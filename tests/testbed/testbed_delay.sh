#!/bin/bash
# The testbed's path delay (testbed.sh --delay2 / "path P delay MS", testbed/nfq_delay.c):
# with 10 ms on path 2 the round-trip time of path 2 grows by 20 ms (the delay applies
# each way) and path 1's stays under a millisecond; "path 2 delay 25" changes it to
# 50 ms; "path 2 delay 0" removes it and ends the delay programs.
#
#   testbed_delay.sh PATH/TO/testbed.sh PATH/TO/nfq_delay
#
# RTTs are the minimum of 10 pings with user-to-user timing (ping -U: the kernel's receive
# timestamp is taken before the delay, so plain ping sees only the outbound half).
# Scheduling on a busy machine only adds to an RTT, so the minimum is the delay's own;
# the bounds allow 3 ms above it. Needs root and network namespaces.
set -euo pipefail
TESTBED=${1:?usage: testbed_delay.sh testbed.sh nfq_delay}
export MPSCTP_NFQ_DELAY=${2:?nfq_delay}
# root, jq, bad, verdict
source "$(dirname "$0")/checks.sh"
command -v ping > /dev/null || { echo "FAIL: ping not found (scripts/install-deps.sh installs it)"; exit 1; }

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
# inside the testbed: "label min_rtt_ms" lines
"$TESTBED" run --name "dly$$" --rate 50mbit --qdisc tbf --delay2 10 -- bash -c '
    rtt() { $A ping -U -n -q -c 10 -i 0.05 "$2" | awk -F/ -v l="$1" "/^rtt/ { print l, \$4 }" | sed "s/^\([a-z0-9]*\) .*= /\1 /"; }
    nfq() { for p in $(ip netns pids $TB_A) $(ip netns pids $TB_B); do cat /proc/$p/comm; done | grep -c nfq_delay || true; }
    rtt path1 $B1; rtt path2 $B2; rtt path2v6 $B2_6
    echo "programs $(nfq)"
    $TESTBED path 2 delay 25; rtt path2at25 $B2
    $TESTBED path 2 delay 0; rtt path2off $B2
    echo "programsoff $(nfq)"' > "$OUT" || bad "testbed run failed (exit status $?)"
cat "$OUT"
get() { awk -v k="$1" '$1 == k { print $2 }' "$OUT"; }
within() { # within KEY LO HI
    local v
    v=$(get "$1")
    [ -n "$v" ] || { bad "$1: no RTT measured"; return; }
    awk -v v="$v" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
        bad "$1: minimum RTT $v ms, expected $2 .. $3 ms"
}
within path1 0 1
within path2 20 23
within path2v6 20 23
within path2at25 50 53
within path2off 0 1
[ "$(get programs)" = 2 ] || bad "$(get programs) delay programs ran (one per end of path 2 expected)"
[ "$(get programsoff)" = 0 ] || bad "$(get programsoff) delay programs left after 'path 2 delay 0'"
verdict delay
