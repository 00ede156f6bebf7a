#!/bin/bash
# compare_report.sh: the summary of a testbed/compare.sh run: from OUT/runs.jsonl (one JSON
# object per run) the table on stdout, OUT/summary.csv, OUT/summary.json and, with
# gnuplot, OUT/compare.png (median goodput as a share of the sum of the path rates, bars
# per scenario, the range as error bars). compare.sh calls it; run it again by hand to
# redo the summary of an output directory.
#
#   testbed/compare_report.sh OUT [QDISC QUEUE TIME REPS]
#
# (the last four only label the table and the plot). Exit status 1 when a run failed.
set -euo pipefail

OUT=${1:?usage: compare_report.sh OUT [QDISC QUEUE TIME REPS]}
LABEL="${2:-?} queue ${3:-?}, ${4:-?} s per run, ${5:-?} repetition(s)"
[ -s "$OUT/runs.jsonl" ] || { echo "compare_report.sh: no runs in $OUT/runs.jsonl" >&2; exit 1; }

# one object per (scenario, tool), in the order the runs came
jq -s '
    def median: sort | length as $n |
        if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2]
        else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
    def firsts(f): reduce (.[] | f) as $k ([]; if index([$k]) then . else . + [$k] end);
    def pct(a; b): if (a + b) > 0 then (a / (a + b) * 1000 | round) / 10 else null end;
    . as $all |
    [ ($all | firsts([.scenario, .tool]))[] as $k |
      [$all[] | select(.scenario == $k[0] and .tool == $k[1])] as $g |
      ([$g[] | select(.ok)] | if length > 0 then . else $g end) as $use |
      ($use | map(.goodput_bps)) as $gp |
      ($g[0].rate1_bps + $g[0].rate2_bps) as $sum |
      ($g | map(.wire1) | add) as $w1 | ($g | map(.wire2) | add) as $w2 |
      {scenario: $k[0], tool: $k[1], runs: ($g | length), ok: ([$g[] | select(.ok)] | length),
       rate1_bps: $g[0].rate1_bps, rate2_bps: $g[0].rate2_bps,
       goodput_median_bps: ($gp | median), goodput_min_bps: ($gp | min),
       goodput_max_bps: ($gp | max),
       share_of_sum: (($gp | median) / $sum),
       share_min: (($gp | min) / $sum), share_max: (($gp | max) / $sum),
       retransmissions: ([$use[] | .retransmissions | select(. != null)] | median),
       rtx_unit: $g[0].rtx_unit,
       timeouts: ([$use[] | .timeouts | select(. != null)] | median),
       wire_path1_pct: pct($w1; $w2), wire_path2_pct: pct($w2; $w1),
       stack_path1_pct: ([$g[] | .stack_split // empty] |
                         if length > 0 then pct(map(.[0]) | add; map(.[1]) | add) else null end),
       mptcp_joins: ([$g[] | .mptcp_joins // empty] | min),
       verified: ([$g[] | .verified] | if all(. == true) then true
                  elif any(. == false) then false else null end),
       errors: [$g[] | select(.ok | not) | .error]}]' "$OUT/runs.jsonl" > "$OUT/summary.json"

jq -r '(["scenario", "tool", "runs", "ok", "goodput_median_mbps", "goodput_min_mbps",
         "goodput_max_mbps", "share_of_sum_pct", "retransmissions", "rtx_unit", "timeouts",
         "wire_path1_pct", "wire_path2_pct", "stack_path1_pct", "mptcp_joins", "verified"] | @csv),
       (.[] | [.scenario, .tool, .runs, .ok, (.goodput_median_bps / 1e6),
               (.goodput_min_bps / 1e6), (.goodput_max_bps / 1e6),
               (.share_of_sum * 1000 | round / 10), .retransmissions, .rtx_unit, .timeouts,
               .wire_path1_pct, .wire_path2_pct, .stack_path1_pct, .mptcp_joins, .verified] | @csv)' \
    "$OUT/summary.json" > "$OUT/summary.csv"

# the table
echo "Goodput per run ($LABEL); Mbit/s"
printf '%-10s %-14s %7s %13s %6s %7s %6s %11s %4s\n' scenario run median range "% sum" rtx \
    T3/RTO "path 1/2 %" ok
jq -r '.[] | [.scenario, .tool, (.goodput_median_bps / 1e6 * 10 | round / 10),
              "\(.goodput_min_bps / 1e6 * 10 | round / 10)-\(.goodput_max_bps / 1e6 * 10 | round / 10)",
              (.share_of_sum * 1000 | round / 10),
              (if .retransmissions == null then "-" else (.retransmissions | round) end),
              (if .timeouts == null then "-" else (.timeouts | round) end),
              (if .wire_path1_pct == null then "-" else "\(.wire_path1_pct)/\(.wire_path2_pct)" end),
              "\(.ok)/\(.runs)"] | @tsv' "$OUT/summary.json" |
    awk -F '\t' '{ if ($1 != last && NR > 1) print ""; last = $1
                   printf "%-10s %-14s %7s %13s %5s%% %7s %6s %11s %4s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
cat << 'EOF'
median, range: goodput (payload delivered per second) over the repetitions, for TCP,
MPTCP and mpsctp over the run's first --time seconds at the receiver (iperf3's receiver
figure; mpsctp: the server's interval report), for usrsctp over its whole fixed
transfer; % sum: the median against the sum of the two path rates; rtx:
retransmissions (median; TCP and MPTCP: segments, host A's kernel counter; SCTP stacks:
DATA chunks, the stack's own count); T3/RTO: retransmission timeouts (TCP: RTO
expiries; SCTP stacks: expiries of their T3-rtx timers; "-": the stack does not report
them); path 1/2 %: the bytes that left host A on each path's interface (nftables
counters, headers and retransmissions included).
EOF
jq -r '.[] | select(.tool == "mptcp") |
       "mptcp in \(.scenario): at least \(.mptcp_joins) MP_JOIN subflow(s) per run (iperf3 opens two connections, data and control: one each expected)"' \
    "$OUT/summary.json"
echo "files: $OUT/runs.jsonl, $OUT/summary.csv, $OUT/summary.json"

if command -v gnuplot > /dev/null; then
    mapfile -t tools < <(jq -r '[.[].tool] | reduce .[] as $t ([]; if index([$t]) then . else . + [$t] end) | .[]' "$OUT/summary.json")
    jq -r --argjson tools "$(printf '%s\n' "${tools[@]}" | jq -R . | jq -s .)" '
        . as $all | [$all[].scenario] | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end) |
        .[] as $s | [$s] + [$tools[] as $t |
            ([$all[] | select(.scenario == $s and .tool == $t)][0] //
             {share_of_sum: null, share_min: null, share_max: null}) |
            (.share_of_sum, .share_min, .share_max) | if . == null then "-" else . * 100 end] |
        @tsv' "$OUT/summary.json" > "$OUT/plot.dat"
    n=${#tools[@]}
    gnuplot << EOF && echo "plot: $OUT/compare.png"
set terminal pngcairo size 1400,560
set output '$OUT/compare.png'
set title "Goodput, % of the sum of the path rates (median, range over the repetitions)\n$LABEL"
set datafile separator '\t'
set datafile missing '-'
set ylabel '% of the sum of the path rates'
set yrange [0:110]
set grid ytics
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set key outside right top
tools = "${tools[*]}"
colors = "#9e9e9e #616161 #1565c0 #ffb74d #e65100 #a5d6a7 #81c784 #43a047 #2e7d32 #1b5e20 #004d40 #6a1b9a"
plot for [i=0:$((n - 1))] '$OUT/plot.dat' using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) title word(tools, i + 1) lc rgb word(colors, (i % 12) + 1)
EOF
    rm -f "$OUT/plot.dat"
else
    echo "compare_report.sh: gnuplot not found: no plot" >&2
fi
jq -e 'all(.[]; .ok == .runs)' "$OUT/summary.json" > /dev/null || {
    echo "compare_report.sh: failed runs:" >&2
    jq -r '.[] | select(.ok < .runs) | "  \(.scenario) \(.tool): \(.errors | join("; "))"' \
        "$OUT/summary.json" >&2
    exit 1
}
