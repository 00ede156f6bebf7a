#!/bin/bash
# Experiment E6 (docs/results/README.md) on the namespace testbed, through testbed/e6.sh: two paths of
# 20 and 2 Mbit/s, CMT on (cmt), ordered delivery, 2 saturated streams, 16 MiB per run,
# SO_SNDBUF = SO_RCVBUF = 128 KiB on both sides (docs/testbed.md, E6: why these):
#   rr:  MPSCTP_PATH_SELECT round robin, the plain sender (blocking sends, stream g mod 2)
#   map: MPSCTP_PATH_SELECT stream (stream s on path s mod 2) with the SQINFO-driven
#        sender (mpsctp-perf --sqinfo-limit)
#
#   testbed_e6.sh PATH/TO/mpsctp-perf PATH/TO/e6.sh
#
# Checked: both transfers succeed, every byte verified; both sides report the policy;
# map reaches at least 80% of the sum of the path rates and more than round robin. The
# issue's 85% is asserted where runs are exact (sim/test_sim_sqinfo: 96%); here, where a
# 16 MiB run also pays the handshake and two slow starts on real, shared CPUs, mapping
# measured 86-91%, so the bar leaves room for that noise without letting a regression
# through (round robin measured 61-77%). Under map each stream's
# goodput stays near its own path (stream 0 above 12 Mbit/s, stream 1 at most 2.2 Mbit/s:
# the mapping holds), and the SQINFO samples never show more queued than the limit.
# Needs root and network namespaces: without them it fails (the suite runs as root).
set -euo pipefail
PERF=${1:?usage: testbed_e6.sh mpsctp-perf e6.sh}
E6=${2:?e6.sh}
# root, jq, bad, verdict
source "$(dirname "$0")/checks.sh"
RES=$(mktemp)
trap 'rm -f "$RES"' EXIT
rc=0
"$E6" --streams 2 --bytes 16M --perf "$PERF" --json "$RES" --name "e6t$$" || rc=$?
echo
get() { jq -r --arg v "$1" "select(.variant == \$v) | $2" "$RES"; }
[ "$(jq -s length "$RES")" = 2 ] || bad "e6.sh ran $(jq -s length "$RES") of 2 transfers (exit status $rc)"
for v in rr map; do
    [ "$(get $v '.verified and .client_status == 0 and .server_status == 0')" = true ] ||
        bad "$v: transfer failed or not verified: $(get $v .error)"
done
[ "$(get rr .path_select)" = rr ] || bad "rr: the association reports path_select '$(get rr .path_select)'"
[ "$(get map .path_select)" = stream ] || bad "map: the association reports path_select '$(get map .path_select)'"
RR=$(get rr .goodput_bps)
MAP=$(get map .goodput_bps)
PCT=$(get map .pct_sum)
RATIO=$(awk -v a="${MAP:-0}" -v b="${RR:-0}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "round robin: $(get rr '.pct_sum | round')% of the sum; mapping + SQINFO: $(get map '.pct_sum | round')% (${RATIO}x round robin)"
awk -v p="${PCT:-0}" 'BEGIN { exit !(p >= 80) }' || bad "map: ${PCT}% of the sum of the paths (need >= 80%)"
awk -v a="${MAP:-0}" -v b="${RR:-0}" 'BEGIN { exit !(a > b) }' ||
    bad "map: $MAP bit/s, not above round robin's $RR bit/s"
read -r s0 s1 <<< "$(get map '.stream_goodput_bps | map(tostring) | join(" ")')"
awk -v a="${s0:-0}" -v b="${s1:-0}" 'BEGIN { exit !(a > 12e6 && b <= 2.2e6 && b > 0) }' ||
    bad "map: per-stream goodput $s0 / $s1 bit/s (stream 0 on the 20 Mbit/s path > 12e6, stream 1 on the 2 Mbit/s path <= 2.2e6)"
[ "$(get map '.sqinfo_max_total != null and .sqinfo_max_total <= .sqinfo_limit')" = true ] ||
    bad "map: SQINFO samples $(get map '[.sqinfo_max_total, .sqinfo_limit]')"
verdict "e6"
