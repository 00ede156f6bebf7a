#!/bin/sh
# Interop between mpsctp (mpsctp_peer) and usrsctp (usrsctp_peer, Debian libusrsctp with
# sctp_no_csum_on_loopback = 0) over UDP encapsulation on loopback, in both directions:
# an mpsctp client against a usrsctp server ("m>u") and a usrsctp client against an
# mpsctp server ("u>m"). Each peer checks every byte it receives against
# interop_pattern.h and prints one JSON line; this script checks exit statuses and the
# JSON of both sides.
#   interop_run.sh GROUP USRSCTP_PEER MPSCTP_PEER WORKDIR [TSHARK [CRC_PROBE]]
# GROUP: handshake bulk_m2u bulk_u2m sweep shutdown abort heartbeat echo pcap checksum
#        sched reconf idata prsctp (prsctp: root, in a network namespace of its own:
#        unshare -n)
# Every group uses its own SCTP and UDP ports, so ctest may run groups in parallel.
set -u
. "$(dirname "$0")/../wait_udp.sh"
GROUP=${1:?usage: interop_run.sh GROUP usrsctp_peer mpsctp_peer workdir [tshark]}
UPEER=${2:?}
MPEER=${3:?}
WORK=${4:?}
TSHARK=${5:-}
PROBE=${6:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
N=0
T=120 # per-peer time limit, seconds (generous: the sanitized build is slower)

case $GROUP in
handshake) BASE=0 ;; bulk_m2u) BASE=1 ;; bulk_u2m) BASE=2 ;; sweep) BASE=3 ;;
shutdown) BASE=4 ;; abort) BASE=5 ;; heartbeat) BASE=6 ;; echo) BASE=7 ;; pcap) BASE=8 ;;
checksum) BASE=9 ;; prsctp) BASE=10 ;; sched) BASE=11 ;; reconf) BASE=12 ;; idata) BASE=13 ;;
*) echo "unknown group $GROUP"; exit 2 ;;
esac

peer() {
    case $1 in m) echo "$MPEER" ;; u) echo "$UPEER" ;; esac
}

# run NAME DIR SERVER_RC CLIENT_RC "server args" "client args" CHECKS...
# DIR is m>u (mpsctp client, usrsctp server) or u>m. CHECKS are grep -E patterns that
# the server (s:...) or client (c:...) JSON line must match.
run() {
    name=$1; dir=$2; src=$3; crc=$4; sargs=$5; cargs=$6; shift 6
    N=$((N + 1))
    case $dir in
    "m>u") cimpl=m; simpl=u ;;
    "u>m") cimpl=u; simpl=m ;;
    *) echo "bad direction $dir"; exit 2 ;;
    esac
    sport=$((5500 + BASE * 20 + N))
    # UDP ports below the kernel's ephemeral range (32768-60999), which the parallel
    # tests' kernel-chosen ports come from
    sudp=$((28000 + BASE * 40 + 2 * N)); cudp=$((sudp + 1))
    # LOSS (percent) and LOSS_TO (s or c): an nftables rule drops that share of the UDP
    # packets to the server's or the client's port (the prsctp group, own namespace) as
    # they come in: the sender's send call succeeds, the packet is lost.
    # PRLOG: each peer logs message numbers (--pr-log) into $TMP/ls.N and $TMP/lc.N.
    if [ -n "${LOSS:-}" ]; then
        lport=$sudp
        [ "${LOSS_TO:-s}" = c ] && lport=$cudp
        nft delete table inet mpsctp_pr 2>/dev/null
        nft add table inet mpsctp_pr &&
            nft add chain inet mpsctp_pr in '{ type filter hook input priority 0; }' &&
            nft add rule inet mpsctp_pr in udp dport "$lport" numgen random mod 100 lt "$LOSS" \
                counter drop || { echo "  nft failed"; FAILS=$((FAILS + 1)); return; }
    fi
    if [ -n "${PRLOG:-}" ]; then
        sargs="$sargs --pr-log $TMP/ls.$N"; cargs="$cargs --pr-log $TMP/lc.$N"
        rm -f "$TMP/ls.$N" "$TMP/lc.$N"
    fi
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$(peer $simpl)" --server $sport --udp-port $sudp --timeout $T $sargs \
        > "$TMP/s.$N" 2> "$TMP/se.$N" &
    spid=$!
    wait_udp $sudp
    # shellcheck disable=SC2086
    "$(peer $cimpl)" --client 127.0.0.1 $sport --udp-port $cudp --remote-udp-port $sudp \
        --timeout $T $cargs > "$TMP/c.$N" 2> "$TMP/ce.$N"
    c=$?
    wait $spid
    s=$?
    secs=$(echo "$t0 $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
    if [ -n "${LOSS:-}" ]; then
        dropped=$(nft list table inet mpsctp_pr 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p')
        nft delete table inet mpsctp_pr 2>/dev/null
    fi
    ok=1
    [ "$s" -eq "$src" ] || { echo "  server exit $s, expected $src"; ok=0; }
    [ "$c" -eq "$crc" ] || { echo "  client exit $c, expected $crc"; ok=0; }
    for chk in "$@"; do
        f=$TMP/s.$N
        case $chk in c:*) f=$TMP/c.$N ;; esac
        grep -Eq -- "${chk#?:}" "$f" || { echo "  ${chk%%:*} output lacks ${chk#?:}"; ok=0; }
    done
    if [ $ok -eq 1 ]; then
        echo "ok   [$dir] $name (${secs}s)"
    else
        echo "FAIL [$dir] $name (${secs}s)"
        FAILS=$((FAILS + 1))
    fi
    if [ $ok -eq 0 ] || [ -n "${INTEROP_VERBOSE:-}" ]; then
        echo "  server ($simpl) $sargs: $(cat "$TMP/s.$N") $(head -c 2000 "$TMP/se.$N")"
        echo "  client ($cimpl) $cargs: $(cat "$TMP/c.$N") $(head -c 2000 "$TMP/ce.$N")"
    fi
}

V='"verified":true'
A='"aborted":true'
NA='"aborted":false'
SC='"shutdown_comp":true'
# chunk counters of the mpsctp side: sent (S) or received (R) chunks of a type
S() { echo "\"sent\":\\{[^}]*\"$1\":$2[,}]"; }
R() { echo "\"recv\":\\{[^}]*\"$1\":$2[,}]"; }
ONE='1'
SOME='[1-9][0-9]*'
B50=52428800

case $GROUP in
handshake)
    # INIT, INIT ACK (with the state cookie), COOKIE ECHO, COOKIE ACK; one 1-byte
    # message; graceful shutdown.
    run "handshake, one 1-byte message" "m>u" 0 0 \
        "--bytes 1 --msg-size 1" "--bytes 1 --msg-size 1" \
        "s:\"bytes\":1,.*$V.*$NA" "c:$SC" \
        "c:$(S INIT $ONE)" "c:$(R INIT_ACK $ONE)" "c:$(S COOKIE_ECHO $ONE)" \
        "c:$(R COOKIE_ACK $ONE)" "c:$(S DATA $ONE)"
    run "handshake, one 1-byte message" "u>m" 0 0 \
        "--bytes 1 --msg-size 1" "--bytes 1 --msg-size 1" \
        "s:\"bytes\":1,.*$V.*$NA.*$SC" \
        "s:$(R INIT $ONE)" "s:$(S INIT_ACK $ONE)" "s:$(R COOKIE_ECHO $ONE)" \
        "s:$(S COOKIE_ACK $ONE)" "s:$(R DATA $ONE)"
    ;;
bulk_m2u)
    # 50 MB from mpsctp to usrsctp over 4 streams, ordered and unordered, with mpsctp as
    # the client and as the server.
    run "50 MB mpsctp -> usrsctp, 4 streams, ordered" "m>u" 0 0 \
        "--bytes 50M --streams 4" "--bytes 50M --streams 4" \
        "s:\"bytes\":$B50,.*$V.*$NA" "c:\"bytes\":$B50,.*$NA.*$SC"
    run "50 MB mpsctp -> usrsctp, 4 streams, unordered" "m>u" 0 0 \
        "--bytes 50M --streams 4 --unordered" "--bytes 50M --streams 4 --unordered" \
        "s:\"bytes\":$B50,.*$V.*$NA" "c:\"bytes\":$B50,.*$NA.*$SC"
    run "50 MB mpsctp -> usrsctp (--reverse), 4 streams, ordered" "u>m" 0 0 \
        "--reverse --bytes 50M --streams 4" "--reverse --bytes 50M --streams 4" \
        "c:\"bytes\":$B50,.*$V.*$NA" "s:\"bytes\":$B50,.*$NA.*$SC"
    run "50 MB mpsctp -> usrsctp (--reverse), 4 streams, unordered" "u>m" 0 0 \
        "--reverse --bytes 50M --streams 4 --unordered" \
        "--reverse --bytes 50M --streams 4 --unordered" \
        "c:\"bytes\":$B50,.*$V.*$NA" "s:\"bytes\":$B50,.*$NA.*$SC"
    ;;
bulk_u2m)
    run "50 MB usrsctp -> mpsctp, 4 streams, ordered" "u>m" 0 0 \
        "--bytes 50M --streams 4" "--bytes 50M --streams 4" \
        "s:\"bytes\":$B50,.*$V.*$NA.*$SC" "c:\"bytes\":$B50,.*$NA"
    run "50 MB usrsctp -> mpsctp, 4 streams, unordered" "u>m" 0 0 \
        "--bytes 50M --streams 4 --unordered" "--bytes 50M --streams 4 --unordered" \
        "s:\"bytes\":$B50,.*$V.*$NA.*$SC" "c:\"bytes\":$B50,.*$NA"
    run "50 MB usrsctp -> mpsctp (--reverse), 4 streams, ordered" "m>u" 0 0 \
        "--reverse --bytes 50M --streams 4" "--reverse --bytes 50M --streams 4" \
        "c:\"bytes\":$B50,.*$V.*$NA.*$SC" "s:\"bytes\":$B50,.*$NA"
    run "50 MB usrsctp -> mpsctp (--reverse), 4 streams, unordered" "m>u" 0 0 \
        "--reverse --bytes 50M --streams 4 --unordered" \
        "--reverse --bytes 50M --streams 4 --unordered" \
        "c:\"bytes\":$B50,.*$V.*$NA.*$SC" "s:\"bytes\":$B50,.*$NA"
    ;;
sweep)
    # Message sizes 1, 2, 4, ... 512 KiB, 1 MiB in turn (fragmentation and reassembly
    # from one chunk to about 730), each direction of data and of connection.
    W="--bytes 24M --msg-sizes 1..1M --streams 4"
    run "sweep 1 B..1 MiB, mpsctp -> usrsctp, ordered" "m>u" 0 0 "$W" "$W" \
        "s:\"bytes\":25165824,.*$V" "c:$SC"
    run "sweep 1 B..1 MiB, mpsctp -> usrsctp (--reverse), unordered" "u>m" 0 0 \
        "--reverse $W --unordered" "--reverse $W --unordered" \
        "c:\"bytes\":25165824,.*$V" "s:$SC"
    run "sweep 1 B..1 MiB, usrsctp -> mpsctp, unordered" "u>m" 0 0 \
        "$W --unordered" "$W --unordered" "s:\"bytes\":25165824,.*$V.*$SC"
    run "sweep 1 B..1 MiB, usrsctp -> mpsctp (--reverse), ordered" "m>u" 0 0 \
        "--reverse $W" "--reverse $W" "c:\"bytes\":25165824,.*$V.*$SC"
    ;;
shutdown)
    # Graceful shutdown started by each implementation, as client and as server. The
    # mpsctp side stays up 2.5 s afterwards: a SHUTDOWN ACK or SHUTDOWN that usrsctp
    # retransmitted (because it did not see our answer) would show in the counters.
    L="--linger 2500"
    run "mpsctp (client) shuts down" "m>u" 0 0 "--bytes 1M" "--bytes 1M $L" \
        "s:\"bytes\":1048576,.*$V.*$NA" "c:$SC" \
        "c:$(S SHUTDOWN $SOME)" "c:$(R SHUTDOWN_ACK $ONE)" "c:$(S SHUTDOWN_COMPLETE $ONE)" \
        "c:$(R ABORT 0)" "c:$(S ABORT 0)"
    run "mpsctp (server) shuts down" "u>m" 0 0 "--reverse --bytes 1M $L" "--reverse --bytes 1M" \
        "c:\"bytes\":1048576,.*$V.*$NA" "s:$SC" \
        "s:$(S SHUTDOWN $SOME)" "s:$(R SHUTDOWN_ACK $ONE)" "s:$(S SHUTDOWN_COMPLETE $ONE)" \
        "s:$(R ABORT 0)" "s:$(S ABORT 0)"
    run "usrsctp (client) shuts down" "u>m" 0 0 "--bytes 1M $L" "--bytes 1M" \
        "s:\"bytes\":1048576,.*$V.*$NA.*$SC" \
        "s:$(R SHUTDOWN $SOME)" "s:$(S SHUTDOWN_ACK $ONE)" "s:$(R SHUTDOWN_COMPLETE $ONE)" \
        "s:$(R ABORT 0)" "s:$(S ABORT 0)"
    run "usrsctp (server) shuts down" "m>u" 0 0 "--reverse --bytes 1M" "--reverse --bytes 1M $L" \
        "c:\"bytes\":1048576,.*$V.*$NA.*$SC" \
        "c:$(R SHUTDOWN $SOME)" "c:$(S SHUTDOWN_ACK $ONE)" "c:$(R SHUTDOWN_COMPLETE $ONE)" \
        "c:$(R ABORT 0)" "c:$(S ABORT 0)"
    ;;
abort)
    # Each implementation aborts, as sender and as receiver; the other sees the
    # association go (usrsctp: "aborted"; mpsctp: SCTP_COMM_LOST and ECONNRESET).
    LOST='"comm_lost":true,"econnreset":true'
    run "mpsctp (client, sender) aborts after 1 MiB" "m>u" 0 0 \
        "--bytes 8M --expect-abort" "--bytes 8M --abort-after 1M" \
        "s:$A" "c:$A" "c:$(S ABORT $SOME)"
    run "usrsctp (server, receiver) aborts after 1 MiB" "m>u" 0 0 \
        "--bytes 8M --abort-after 1M" "--bytes 8M --expect-abort" \
        "s:$A" "c:$A.*$LOST" "c:$(R ABORT $SOME)"
    run "usrsctp (client, sender) aborts after 1 MiB" "u>m" 0 0 \
        "--bytes 8M --expect-abort" "--bytes 8M --abort-after 1M" \
        "c:$A" "s:$A.*$LOST" "s:$(R ABORT $SOME)"
    run "mpsctp (server, receiver) aborts after 1 MiB" "u>m" 0 0 \
        "--bytes 8M --abort-after 1M" "--bytes 8M --expect-abort" \
        "c:$A" "s:$A" "s:$(S ABORT $SOME)"
    run "an unexpected abort by usrsctp fails the mpsctp receiver" "u>m" 1 0 \
        "--bytes 8M" "--bytes 8M --abort-after 1M" "s:$A.*$LOST"
    # The same aborts with a paced sender (--rate): the ABORT then arrives between two
    # sends, not during one, and the sender learns of it at its next send (as on a busy
    # machine, where a sender is often not blocked in a send when the ABORT comes).
    run "mpsctp (server, receiver) aborts a paced usrsctp sender" "u>m" 0 0 \
        "--bytes 8M --abort-after 1M" "--bytes 8M --expect-abort --rate 4M" \
        "c:$A" "s:$A" "s:$(S ABORT $SOME)"
    run "usrsctp (server, receiver) aborts a paced mpsctp sender" "m>u" 0 0 \
        "--bytes 8M --abort-after 1M" "--bytes 8M --expect-abort --rate 4M" \
        "s:$A" "c:$A.*$LOST" "c:$(R ABORT $SOME)"
    ;;
heartbeat)
    # Heartbeat interval 200 ms on both sides; the association idles 4.5 s before the
    # transfer. Both implementations must send HEARTBEATs and answer the other's
    # (--min-heartbeats: at least 2 of ours and 2 of usrsctp's, each acknowledged).
    # usrsctp's heartbeat period is the interval plus its RTO (at least 1 s, RTO.Initial
    # 3 s until it has measured the RTT), hence the long idle time.
    H="--hb-interval 200"
    run "idle 4.5 s, heartbeats both ways" "m>u" 0 0 "--bytes 64k $H" \
        "--bytes 64k $H --idle 4500 --min-heartbeats 2" \
        "s:\"bytes\":65536,.*$V" "c:$SC" "c:$(S HEARTBEAT $SOME)" "c:$(R HEARTBEAT_ACK $SOME)"
    run "idle 4.5 s, heartbeats both ways" "u>m" 0 0 \
        "--reverse --bytes 64k $H --idle 4500 --min-heartbeats 2" "--reverse --bytes 64k $H" \
        "c:\"bytes\":65536,.*$V" "s:$SC" "s:$(R HEARTBEAT $SOME)" "s:$(S HEARTBEAT_ACK $SOME)"
    ;;
echo)
    # One association, data both ways: the server echoes every message.
    # The echo server checks what it receives too.
    E="--bytes 8M --msg-sizes 1..64k --streams 3"
    run "echo: mpsctp client, usrsctp echo server" "m>u" 0 0 "--echo $E" "--echo $E" \
        "c:\"bytes\":8388608,.*$V.*$NA.*$SC" "s:\"bytes\":8388608,.*$V"
    run "echo: usrsctp client, mpsctp echo server" "u>m" 0 0 "--echo $E" "--echo $E" \
        "c:\"bytes\":8388608,.*$V.*$NA" "s:\"bytes\":8388608,.*$V.*$SC"
    run "echo, unordered: mpsctp client, usrsctp echo server" "m>u" 0 0 \
        "--echo $E --unordered" "--echo $E --unordered" \
        "c:\"bytes\":8388608,.*$V.*$NA.*$SC" "s:\"bytes\":8388608,.*$V"
    run "echo, unordered: usrsctp client, mpsctp echo server" "u>m" 0 0 \
        "--echo $E --unordered" "--echo $E --unordered" \
        "c:\"bytes\":8388608,.*$V.*$NA" "s:\"bytes\":8388608,.*$V.*$SC"
    ;;
reconf)
    # Stream reconfiguration (RFC 6525): the client sends 40 messages on streams 0..3,
    # resets its outgoing streams 1 and 2 and waits for the stream reset event, adds 2
    # outgoing streams (10 and 11) and waits for the stream change event, asks for 2
    # more incoming streams (the server adds outgoing ones: 12 -> 14) and waits for the
    # change event again, then sends 60 messages on streams 0..3, 10 and 11. The server
    # checks every byte and the order, that SSNs run on per stream and start at 0 again
    # on the 2 reset streams, and sees the reset and both change events.
    RS="--reconf --msg-size 1000 --streams 12"
    RCL="--reconf --msg-size 1000 --streams 4"
    RCC='"messages":100,.*"reconf_resets":1,"reconf_changes":2,"ssn_restarts":0,"streams_in":14,"streams_out":12'
    RSC='"messages":100,.*"reconf_resets":1,"reconf_changes":2,"ssn_restarts":2,"streams_in":12,"streams_out":14'
    run "reconf: mpsctp client resets and adds streams, usrsctp server" "m>u" 0 0 "$RS" "$RCL" \
        "c:$RCC" "s:$V" "s:$RSC"
    run "reconf: usrsctp client resets and adds streams, mpsctp server" "u>m" 0 0 "$RS" "$RCL" \
        "c:$RCC" "s:$V" "s:$RSC"
    ;;
pcap)
    # One run traced by the mpsctp side (every packet sent and received), then read by
    # tshark with CRC32c verification: no malformed packet, no expert error, no bad
    # checksum, every packet decoded as SCTP with a good checksum. ULP dissection is off:
    # the PPIDs carry message numbers, which tshark would hand to whichever telecom
    # protocol is registered for that PPID, and the pattern bytes are not that protocol.
    if [ -z "$TSHARK" ] || [ ! -x "$TSHARK" ]; then
        echo "FAIL tshark not found (scripts/install-deps.sh installs it)"
        exit 1
    fi
    PCAP=$WORK/interop-m2u.pcap
    rm -f "$PCAP"
    run "traced: sweep 1 B..64 KiB, 2 streams, heartbeats, echo" "m>u" 0 0 \
        "--echo --bytes 4M --msg-sizes 1..64k --streams 2 --hb-interval 200" \
        "--echo --bytes 4M --msg-sizes 1..64k --streams 2 --hb-interval 200 --idle 2500 --pcap $PCAP" \
        "c:\"bytes\":4194304,.*$V.*$NA.*$SC" "s:\"bytes\":4194304,.*$V"
    sent=$(sed -n 's/.*"sent":{[^}]*"packets":\([0-9]*\)}.*/\1/p' "$TMP/c.$N")
    recv=$(sed -n 's/.*"recv":{[^}]*"packets":\([0-9]*\)}.*/\1/p' "$TMP/c.$N")
    sudp=$((28000 + BASE * 40 + 2 * N)); cudp=$((sudp + 1))
    "$TSHARK" -n -r "$PCAP" -d udp.port==$sudp,sctp -d udp.port==$cudp,sctp \
        -o sctp.checksum:"CRC 32c" -o ip.check_checksum:TRUE -o sctp.ulp_dissection:FALSE \
        -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e _ws.malformed -e sctp.checksum.status -e sctp.chunk_type \
        -e _ws.expert.severity -e ip.checksum.status \
        > "$TMP/tshark.txt" 2> "$TMP/tshark.err"
    trc=$?
    # fields: frame, malformed, checksum status (1/Good, 0/Bad), chunk types
    # fields: frame, malformed, SCTP checksum status (1/Good, 0/Bad), chunk types,
    # expert severities (errors are 0x800000 and up), IP header checksum status.
    awk -F'\t' -v want=$((sent + recv)) '
        function good_bad(v) {
            if (v == "1" || tolower(v) == "good") return 1
            if (v == "0" || tolower(v) == "bad") return 0
            return -1 }
        { frames++; if ($2 != "") malformed++;
          k = good_bad($3); if (k == 1) good++; else if (k == 0) bad++; else other++;
          if (good_bad($6) != 1) ipbad++;
          n = split($4, t, ",");
          for (i = 1; i <= n; i++) { ch[t[i]]++; chunks++ }
          n = split($5, t, ",");
          for (i = 1; i <= n; i++) if (t[i] + 0 >= 8388608 || tolower(t[i]) == "error") experr++ }
        END { printf "tshark: frames=%d (traced %d) malformed=%d expert_errors=%d " \
                     "crc_good=%d crc_bad=%d crc_other=%d ip_not_good=%d chunks=%d " \
                     "data=%d sack=%d hb=%d hb_ack=%d\n", frames, want, malformed, experr, \
                     good, bad, other, ipbad, chunks, ch[0], ch[3], ch[4], ch[5];
              exit !(frames == want && frames > 0 && malformed == 0 && experr == 0 && \
                     bad == 0 && other == 0 && good == frames && ipbad == 0 && \
                     ch[0] > 0 && ch[4] > 0 && ch[5] > 0) }' "$TMP/tshark.txt"
    arc=$?
    if [ $trc -ne 0 ] || [ $arc -ne 0 ]; then
        echo "FAIL tshark check of $PCAP (tshark exit $trc): $(head -c 500 "$TMP/tshark.err")"
        FAILS=$((FAILS + 1))
    else
        echo "ok   tshark: $PCAP has no malformed packet and no bad checksum"
    fi
    ;;
prsctp)
    # Partial reliability (RFC 3758) with each policy, both directions of data, under
    # loss: an nftables rule drops LOSS % of the UDP packets to the receiver. The
    # receiver checks every message it gets (pattern, length, no duplicate, ordered ones
    # in ascending order) and logs their numbers; the sender logs the messages reported
    # abandoned (SEND_FAILED). pr_check: something was abandoned, and every message sent
    # was delivered or abandoned. usrsctp has no priority policy (SCTP_PR_SCTP_BUF
    # instead): PRIO runs with mpsctp as the sender, as client and as server.
    if [ "$(id -u)" -ne 0 ] || ! command -v nft > /dev/null; then
        echo "FAIL prsctp needs root and nft (run it with unshare -n)"; exit 1
    fi
    ip link set lo up
    PRLOG=1
    LOSS=20
    # pr_check S: S (s or c) is the sender of case N
    pr_check() {
        snd=$1; rcv=c; [ "$snd" = c ] && rcv=s
        sent=$(sed -n 's/.*"messages":\([0-9]*\),.*/\1/p' "$TMP/$snd.$N")
        ab=$(sed -n 's/.*"abandoned":\([0-9]*\).*/\1/p' "$TMP/$snd.$N")
        dl=$(sed -n 's/.*"messages":\([0-9]*\),.*/\1/p' "$TMP/$rcv.$N")
        touch "$TMP/l$snd.$N" "$TMP/l$rcv.$N"
        union=$(sort -nu "$TMP/l$snd.$N" "$TMP/l$rcv.$N" | wc -l)
        top=$(sort -nu "$TMP/l$snd.$N" "$TMP/l$rcv.$N" | tail -n 1)
        nab=$(sort -nu "$TMP/l$snd.$N" | wc -l)
        ndl=$(sort -nu "$TMP/l$rcv.$N" | wc -l)
        both=$((ab + dl - union))
        echo "  sent $sent, delivered $dl, abandoned $ab (of them delivered before: $both)," \
             "packets dropped $dropped"
        if [ -z "$sent" ] || [ -z "$ab" ] || [ "$ab" -eq 0 ] || [ "$union" -ne "$sent" ] ||
            [ "$top" -ne $((sent - 1)) ] || [ "$nab" -ne "$ab" ] || [ "$ndl" -ne "$dl" ]; then
            echo "FAIL   pr_check: nothing abandoned, or delivered + abandoned != sent"
            FAILS=$((FAILS + 1))
        fi
    }
    # 1 MiB in 1000-byte messages at 2 MB/s; RTO 100..500 ms on both sides, so that a
    # lost FORWARD TSN at the end of a transfer is sent again within a second, and
    # Association.Max.Retrans 30: with short RTOs a run of T3-rtx expiries under this
    # loss would otherwise end the association
    P="--bytes 1M --msg-size 1000 --streams 4 --rate 2M --rto 100,200,500 --amr 30"
    # mpsctp mostly repairs a loss within milliseconds here: a 2 ms lifetime
    run "ttl 2 ms, ordered, mpsctp -> usrsctp" "m>u" 0 0 \
        "$P --pr ttl,2" "$P --pr ttl,2" "s:$V.*$NA" "c:$SC" "c:$(S FORWARD_TSN $SOME)"
    pr_check c
    LOSS_TO=c
    run "ttl 100 ms, ordered, usrsctp -> mpsctp" "m>u" 0 0 \
        "--reverse $P --pr ttl,100" "--reverse $P --pr ttl,100" "c:$V.*$NA.*$SC" \
        "c:$(R FORWARD_TSN $SOME)"
    pr_check s
    LOSS_TO=s
    run "rtx 0, unordered, mpsctp -> usrsctp" "m>u" 0 0 \
        "$P --unordered --pr rtx,0" "$P --unordered --pr rtx,0" "s:$V.*$NA" "c:$SC" \
        "c:$(S FORWARD_TSN $SOME)"
    pr_check c
    # usrsctp as an RTX sender under 20 % loss sometimes aborts the association itself
    # (its own ABORT, seen in about one run in ten): 10 % loss here
    LOSS=10
    run "rtx 0, unordered, usrsctp -> mpsctp" "u>m" 0 0 \
        "$P --unordered --pr rtx,0" "$P --unordered --pr rtx,0" "s:$V.*$NA.*$SC" \
        "s:$(R FORWARD_TSN $SOME)"
    pr_check c
    LOSS=20
    # PRIO abandons only when the send buffer is full: unpaced, a 32 KiB buffer
    P="--bytes 1M --msg-size 1000 --streams 4 --rto 100,200,500 --amr 30 --buf 32768"
    run "prio (4 levels), ordered, mpsctp client -> usrsctp" "m>u" 0 0 \
        "$P --pr prio,4" "$P --pr prio,4" "s:$V.*$NA" "c:$SC"
    pr_check c
    LOSS_TO=c
    run "prio (4 levels), ordered, mpsctp server -> usrsctp" "u>m" 0 0 \
        "--reverse $P --pr prio,4" "--reverse $P --pr prio,4" "c:$V.*$NA" "s:$SC"
    pr_check s
    ;;
checksum)
    # Both implementations check CRC32c on loopback: an INIT with a wrong checksum gets
    # no answer, a correct one an INIT ACK with a correct checksum (crc_probe.c). For
    # usrsctp this shows that sctp_no_csum_on_loopback = 0 is in effect. The servers
    # never see an association and end by their time limit (exit status 3).
    for impl in u m; do
        N=$((N + 1))
        sport=$((5500 + BASE * 20 + N)); sudp=$((28000 + BASE * 40 + 2 * N))
        "$(peer $impl)" --server $sport --udp-port $sudp --timeout 4 > "$TMP/s.$N" 2>&1 &
        spid=$!
        wait_udp $sudp
        "$PROBE" $sudp $sport > "$TMP/p.$N" 2>&1
        prc=$?
        wait $spid
        name=$([ $impl = u ] && echo usrsctp || echo mpsctp)
        if [ $prc -eq 0 ]; then
            echo "ok   $name server checks CRC32c on loopback"
        else
            echo "FAIL $name server checks CRC32c on loopback"
            FAILS=$((FAILS + 1))
        fi
        sed 's/^/  /' "$TMP/p.$N"
    done
    ;;
sched)
    # Stream schedulers both stacks have (RFC 8260 s3): the sender sets one (mpsctp:
    # SCTP_STREAM_SCHEDULER / SCTP_STREAM_SCHEDULER_VALUE; usrsctp: SCTP_PLUGGABLE_SS /
    # SCTP_SS_VALUE) and writes 8 MiB in 1000-byte messages alternately on streams 0 and
    # 1 into its 4 MiB send buffer; the receiver reads at most 8 MB/s (--read-rate) with
    # a 64 KiB buffer (its window), so that it holds the sender back however fast or slow
    # the machine is, and the send buffer holds both streams' messages.
    # The receiver verifies every byte and reports the order of arrival (--order-stats):
    # the stream whose last message came first and how many messages came after it.
    # Priority, stream 0 high (value 0, stream 1 value 1; the lower value goes first in
    # both stacks): stream 0 finishes first although its last message was written
    # before stream 1's, with at least 200 of stream 1's messages still to come (usrsctp
    # as the sender keeps fewer queued than mpsctp: about 450 come after). Round robin
    # (per message, per packet): the streams interleave to the end: one finishes at most
    # a few dozen messages before the other (which one depends on where the last
    # retransmissions fall).
    X="--bytes 8M --msg-size 1000 --streams 2"
    RX="$X --order-stats --buf 64k --read-rate 8M"
    PRIO_AFTER='"after_done_first":([2-9][0-9]{2}|[0-9]{4,})[,}]'
    RR_AFTER='"after_done_first":[0-9]{1,2}[,}]'
    run "priority, stream 0 high: mpsctp -> usrsctp" "m>u" 0 0 \
        "$RX" "$X --sched prio --ssvalue 0:0,1:1" \
        "s:\"bytes\":8388608,.*$V.*$NA" "s:\"done_first\":0,$PRIO_AFTER" "c:$SC"
    run "priority, stream 0 high: usrsctp -> mpsctp" "u>m" 0 0 \
        "$RX" "$X --sched prio --ssvalue 0:0,1:1" \
        "s:\"bytes\":8388608,.*$V.*$NA.*$SC" "s:\"done_first\":0,$PRIO_AFTER"
    run "round robin: mpsctp -> usrsctp" "m>u" 0 0 "$RX" "$X --sched rr" \
        "s:\"bytes\":8388608,.*$V.*$NA" "s:\"done_first\":[01],$RR_AFTER" "c:$SC"
    run "round robin: usrsctp -> mpsctp" "u>m" 0 0 "$RX" "$X --sched rr" \
        "s:\"bytes\":8388608,.*$V.*$NA.*$SC" "s:\"done_first\":[01],$RR_AFTER"
    run "round robin per packet: mpsctp (server, --reverse) -> usrsctp" "u>m" 0 0 \
        "--reverse $X --sched rrp" "--reverse $RX" \
        "c:\"bytes\":8388608,.*$V.*$NA" "c:\"done_first\":[01],$RR_AFTER" "s:$SC"
    run "round robin per packet: usrsctp (server, --reverse) -> mpsctp" "m>u" 0 0 \
        "--reverse $X --sched rrp" "--reverse $RX" \
        "c:\"bytes\":8388608,.*$V.*$NA.*$SC" "c:\"done_first\":[01],$RR_AFTER"
    ;;
idata)
    # Message interleaving (RFC 8260 I-DATA; usrsctp 0.9.5 has it behind
    # SCTP_INTERLEAVING_SUPPORTED 0x1206): both sides set fragment interleave level 2 and
    # offer I-DATA (--idata). The sender writes a 1 MiB message on stream 0, then twelve
    # 1000-byte messages on streams 1, 2, 3, 0, ... into its 4 MiB send buffer, under
    # round robin; the receiver's 64 KiB buffer (its window) paces the transfer and it
    # gathers the pieces of each stream apart, checking every byte. With I-DATA the 9
    # small messages of streams 1..3 are complete before the large one
    # ("first_msg_index":9 or more: messages complete before message 0); with DATA
    # (one side does not offer I-DATA: "idata":0) they wait behind it (index 0).
    X="--bytes 1060576 --first-size 1M --msg-size 1000 --streams 4"
    RX="$X --buf 64k"
    TX="$X --buf 4M --sched rr"
    AHEAD='"idata":1,"first_msg_index":(9|1[0-2])[,}]'
    BEHIND='"idata":0,"first_msg_index":0[,}]'
    run "interleaved: mpsctp -> usrsctp" "m>u" 0 0 "$RX --idata" "$TX --idata" \
        "s:\"bytes\":1060576,.*$V.*$NA" "s:$AHEAD" "c:$SC.*\"idata\":1"
    run "interleaved: usrsctp -> mpsctp" "u>m" 0 0 "$RX --idata" "$TX --idata" \
        "s:\"bytes\":1060576,.*$V.*$NA.*$SC" "s:$AHEAD" "c:\"idata\":1"
    run "not negotiated (usrsctp does not offer it): mpsctp -> usrsctp" "m>u" 0 0 \
        "$RX" "$TX --idata" "s:\"bytes\":1060576,.*$V.*$NA" "s:\"first_msg_index\":0[,}]" \
        "c:$SC.*\"idata\":0"
    run "not negotiated (usrsctp does not offer it): usrsctp -> mpsctp" "u>m" 0 0 \
        "$RX --idata" "$TX" "s:\"bytes\":1060576,.*$V.*$NA.*$SC.*$BEHIND"
    ;;
esac

echo "$GROUP: $N cases, $FAILS failed"
[ "$FAILS" -eq 0 ]
