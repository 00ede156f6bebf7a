#!/bin/bash
# testbed.sh: two multi-homed hosts A and B in network namespaces of their own, joined
# by two disjoint paths (one veth pair and one subnet per path), each path shaped to a
# rate (htb or tbf on the egress of both ends) and optionally given random loss
# (nftables) and a fixed delay (nfq_delay), both on arrival at each end. Needs
# root, iproute2 and nftables (a delay: iptables and nfq_delay too); no netem.
#
#   testbed.sh run [UP-OPTIONS] -- COMMAND [ARGS..]   up, run COMMAND, tear down
#   testbed.sh up [UP-OPTIONS]                        up; prints the testbed name
#   testbed.sh exec [--name N] a|b COMMAND [ARGS..]   run COMMAND on host A or B
#   testbed.sh path [--name N] P down|up [a|b]        take path P's link down / up
#   testbed.sh path [--name N] P loss L               random loss L on path P (0 = none)
#   testbed.sh path [--name N] P rate R               reshape path P (0 = unshaped)
#   testbed.sh path [--name N] P delay MS             delay each way on path P (0 = none)
#   testbed.sh show [--name N]                        addresses, links, qdiscs, loss
#   testbed.sh list                                   the testbeds on this machine
#   testbed.sh down [--name N | --all]                remove testbed N, or (no name)
#                                                     every leftover whose owner is gone
#
# UP-OPTIONS: --name N (default mpt<PID>), --rate1 R, --rate2 R (default 10mbit; 0 =
# unshaped), --loss1 L, --loss2 L (fraction 0.01 or percent 1%), --queue PKTS (queue
# limit of each shaped egress, default 100), --qdisc htb|tbf (default htb), --strict
# (reverse-path filter on: a packet only enters a host over the path of its source
# address), --delay1 MS, --delay2 MS (a fixed delay each way, nfq_delay; default 0),
# --delay-limit PKTS (packets a delay holds at most per direction, default 1000),
# --owner PID (the process whose end makes the testbed a leftover; default:
# the caller, or the run command itself).
# --name defaults to $TB_NAME for every command but up and run.
#
# Addresses: path P is 10.201.P.0/24 (and fd00:201:P::/64): A = .1 (::1), B = .2 (::2),
# on interface vethP of each host. run exports TB_NAME, TB_A and TB_B (namespace names),
# A and B ("ip netns exec <ns>", for "$A cmd"), A1 A2 B1 B2 (IPv4 addresses), A1_6 ..
# (IPv6) and TESTBED (this script) to COMMAND. See docs/testbed.md.
set -euo pipefail

SELF=$(readlink -f "$0")
# die, usage, rate_bps
source "$(dirname "$SELF")/lib.sh"
STATE_DIR=${TB_STATE_DIR:-/run/mpsctp-testbed}
NFT_TABLE=mpsctp_testbed
NPATHS=2
# the delay program (testbed/nfq_delay.c), needed only for a delay
NFQ_DELAY=${MPSCTP_NFQ_DELAY:-$(dirname "$SELF")/../build/bin/nfq_delay}

need_root() {
    [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, veth, tc, nftables)"
    command -v ip > /dev/null || die "ip (iproute2) not found"
    command -v tc > /dev/null || die "tc (iproute2) not found"
    command -v nft > /dev/null || die "nft (nftables) not found"
    ip netns list > /dev/null 2>&1 || die "'ip netns' does not work here"
}

valid_name() {
    [[ $1 =~ ^[A-Za-z0-9_-]{1,24}$ ]] || die "bad testbed name '$1' (letters, digits, _ and -)"
}

ns_a() { echo "${1}a"; }
ns_b() { echo "${1}b"; }
ns_of() { # ns_of NAME a|b
    case $2 in
    a | A) ns_a "$1" ;;
    b | B) ns_b "$1" ;;
    *) die "host must be a or b, not '$2'" ;;
    esac
}
ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

# loss_ppm L: parts per million of a loss given as a fraction (0.01) or percent (1%)
loss_ppm() {
    local l=$1
    [[ $l =~ ^[0-9]*\.?[0-9]+%?$ ]] || die "bad loss '$1' (a fraction like 0.01 or a percentage like 1%)"
    awk -v l="$l" 'BEGIN {
        p = l; if (p ~ /%$/) { sub(/%$/, "", p); p = p / 100 }
        if (p > 1) { exit 1 }
        printf "%d\n", p * 1000000 + 0.5 }' || die "loss '$1' is more than 100%"
}

state_file() { echo "$STATE_DIR/$1.env"; }

# shape NS DEV RATE: replace the root qdisc of DEV (egress) with the configured shaper
shape() {
    local ns=$1 dev=$2 rate=$3 bps burst limit
    bps=$(rate_bps "$rate")
    ip netns exec "$ns" tc qdisc del dev "$dev" root 2> /dev/null || true
    [ "$bps" -eq 0 ] && return 0
    # 10 ms worth of tokens, at least two full-size frames
    burst=$((bps / 8 / 100))
    [ "$burst" -lt 3100 ] && burst=3100
    case $QDISC in
    htb)
        ip netns exec "$ns" tc qdisc add dev "$dev" root handle 1: htb default 1
        ip netns exec "$ns" tc class add dev "$dev" parent 1: classid 1:1 htb \
            rate "${bps}bit" ceil "${bps}bit" burst "$burst" cburst "$burst" quantum 1514
        ip netns exec "$ns" tc qdisc add dev "$dev" parent 1:1 handle 10: pfifo limit "$QUEUE"
        ;;
    tbf)
        limit=$((QUEUE * 1514))
        ip netns exec "$ns" tc qdisc add dev "$dev" root handle 1: tbf \
            rate "${bps}bit" burst "$burst" limit "$limit"
        ;;
    *) die "--qdisc must be htb or tbf" ;;
    esac
}

# set_loss NS P PPM: the drop rule for the packets that arrive at this host over path P.
# On arrival, not on departure: a packet dropped in the sender's output hook is a failed
# send to the sending kernel, which TCP sends again as if nothing was lost (213 drops of
# 1% loss in 5 s: 1 retransmission, no slowdown)
set_loss() {
    local ns=$1 p=$2 ppm=$3
    ip netns exec "$ns" nft flush chain inet "$NFT_TABLE" "path$p"
    if [ "$ppm" -ge 1000000 ]; then
        ip netns exec "$ns" nft add rule inet "$NFT_TABLE" "path$p" counter drop
    elif [ "$ppm" -gt 0 ]; then
        ip netns exec "$ns" nft add rule inet "$NFT_TABLE" "path$p" \
            numgen random mod 1000000 "<" "$ppm" counter drop
    fi
}

# set_delay NAME SIDE P MS: MS milliseconds of delay for the packets that arrive at host
# SIDE over path P: nfq_delay holds the packets of NFQUEUE P of that namespace; an
# iptables rule (IPv4 and IPv6, INPUT -i vethP) sends them there. nftables' own queue
# statement needs a kernel module this kernel lacks; the xtables NFQUEUE target is built
# in. On arrival, not on departure: a packet held on the sender's egress still belongs
# to its socket, and TCP small queues then let a flow keep only about 1 ms of its data
# below the socket (10 ms of delay held TCP to 4.6 of 50 Mbit/s); an arriving packet
# belongs to no socket. A delay already running there is replaced; 0 removes it.
delay_rule() { # delay_rule NS -A|-D P: add or delete the NFQUEUE rule of path P
    local c
    for c in iptables ip6tables; do
        ip netns exec "$1" "$c" -w "$2" INPUT -i "veth$3" -j NFQUEUE --queue-num "$3"
    done
}
set_delay() {
    local name=$1 side=$2 p=$3 ms=$4 ns pid log i
    ns=$(ns_of "$name" "$side")
    delay_rule "$ns" -D "$p" 2> /dev/null || true
    pid=$(sed -n "s/^DELAYPID$p$side=//p" "$(state_file "$name")" 2> /dev/null || true)
    if [ -n "$pid" ] && ip netns pids "$ns" | grep -qx "$pid"; then
        kill -TERM "$pid" 2> /dev/null || true
        for i in $(seq 1 20); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.05
        done
    fi
    save_state "$name" "DELAYPID$p$side" ""
    [ "$ms" -eq 0 ] && return 0
    command -v iptables > /dev/null || die "iptables not found (a delay needs it; scripts/install-deps.sh installs it)"
    [ -x "$NFQ_DELAY" ] || die "no nfq_delay at $NFQ_DELAY (build it: libnetfilter-queue-dev; or set MPSCTP_NFQ_DELAY)"
    log="$STATE_DIR/$name.delay$p$side.log"
    # real-time priority (it needs little CPU): the load of other programs must not add
    # to the delay
    ip netns exec "$ns" chrt -f 10 "$NFQ_DELAY" --queue "$p" --delay "$ms" --limit "$DELAY_LIMIT" \
        < /dev/null > /dev/null 2>> "$log" &
    pid=$!
    save_state "$name" "DELAYPID$p$side" "$pid"
    # the rule only once the queue is bound: an unbound queue drops everything
    i=0
    until ip netns exec "$ns" awk -v q="$p" '$1 == q { f = 1 } END { exit !f }' \
        /proc/net/netfilter/nfnetlink_queue 2> /dev/null; do
        kill -0 "$pid" 2> /dev/null || die "nfq_delay on path $p ($side) failed: $(tail -n 1 "$log")"
        i=$((i + 1))
        [ "$i" -lt 100 ] || die "nfq_delay on path $p ($side) did not bind its queue in 5 s"
        sleep 0.05
    done
    delay_rule "$ns" -A "$p"
}

# save_state NAME KEY VALUE: record a setting for show
save_state() {
    local f tmp
    f=$(state_file "$1")
    tmp="$f.tmp"
    { grep -v "^$2=" "$f" 2> /dev/null || true; printf '%s=%q\n' "$2" "$3"; } > "$tmp"
    mv "$tmp" "$f"
}

tb_free() { # tb_free NAME: fails when testbed NAME exists
    if ns_exists "$(ns_a "$1")" || ns_exists "$(ns_b "$1")"; then
        die "testbed '$1' exists already ('$PROG down --name $1' removes it)"
    fi
}

tb_up() { # tb_up NAME OWNER (tb_free first)
    local name=$1 owner=$2 nsa nsb p side ns addr host rate loss rv lv dv
    nsa=$(ns_a "$name")
    nsb=$(ns_b "$name")
    mkdir -p "$STATE_DIR"
    {
        printf 'OWNER=%q\n' "$owner"
        printf 'QDISC=%q\nQUEUE=%q\nSTRICT=%q\nDELAY_LIMIT=%q\n' "$QDISC" "$QUEUE" "$STRICT" "$DELAY_LIMIT"
    } > "$(state_file "$name")"
    ip netns add "$nsa"
    ip netns add "$nsb"
    for ns in "$nsa" "$nsb"; do
        ip -n "$ns" link set lo up
        # IPv6 addresses stay while a path is down, as IPv4 ones do
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter="$STRICT" \
            net.ipv4.conf.default.rp_filter="$STRICT" \
            net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
        ip netns exec "$ns" nft -f - << EOF
table inet $NFT_TABLE {
    chain path1 {
    }
    chain path2 {
    }
    chain arrive {
        type filter hook prerouting priority 0; policy accept;
        iifname "veth1" jump path1
        iifname "veth2" jump path2
    }
}
EOF
    done
    for p in $(seq 1 "$NPATHS"); do
        ip link add "veth$p" netns "$nsa" type veth peer name "veth$p" netns "$nsb"
        for side in a b; do
            ns=$(ns_of "$name" "$side")
            host=1
            [ "$side" = b ] && host=2
            addr="10.201.$p.$host"
            ip netns exec "$ns" sysctl -qw "net.ipv4.conf.veth$p.rp_filter=$STRICT"
            ip -n "$ns" addr add "$addr/24" dev "veth$p"
            ip -n "$ns" addr add "fd00:201:$p::$host/64" dev "veth$p" nodad
            # one packet per buffer: a TCP send of many segments in one buffer (GSO)
            # would meet the loss rule (and the delay) as one packet, so a loss of 1%
            # of the buffers would hit about 0.03% of the segments, in bursts
            ip -n "$ns" link set "veth$p" gso_max_segs 1
            ip -n "$ns" link set "veth$p" up
        done
        rv="RATE$p"
        lv="LOSS$p"
        rate=${!rv}
        loss=${!lv}
        shape "$nsa" "veth$p" "$rate"
        shape "$nsb" "veth$p" "$rate"
        set_loss "$nsa" "$p" "$(loss_ppm "$loss")"
        set_loss "$nsb" "$p" "$(loss_ppm "$loss")"
        save_state "$name" "RATE$p" "$rate"
        save_state "$name" "LOSS$p" "$loss"
        dv="DELAY$p"
        set_delay "$name" a "$p" "${!dv}"
        set_delay "$name" b "$p" "${!dv}"
        save_state "$name" "DELAY$p" "${!dv}"
    done
}

# kill_ns_procs NS: end the processes still running in namespace NS (ours: the testbed's)
kill_ns_procs() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2> /dev/null || true)
    [ -z "$pids" ] && return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2> /dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "$ns" 2> /dev/null || true)
        [ -z "$pids" ] && return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2> /dev/null || true
}

tb_down() { # tb_down NAME: remove everything of testbed NAME (quietly: parts may be gone)
    local name=$1 ns
    for ns in "$(ns_a "$name")" "$(ns_b "$name")"; do
        ns_exists "$ns" || continue
        kill_ns_procs "$ns"
        ip netns exec "$ns" nft delete table inet "$NFT_TABLE" 2> /dev/null || true
        ip netns del "$ns" 2> /dev/null || true
    done
    rm -f "$(state_file "$name")" "$(state_file "$name").tmp" "$STATE_DIR/$name".delay*.log
}

# testbed names on this machine: state files and namespace pairs named <name>a/<name>b
tb_names() {
    {
        if [ -d "$STATE_DIR" ]; then
            find "$STATE_DIR" -maxdepth 1 -name '*.env' -printf '%f\n' | sed 's/\.env$//'
        fi
        ip netns list | awk '{print $1}' | sed -n 's/^\(mpt[0-9]\{1,\}\)[ab]$/\1/p'
    } | sort -u
}

tb_owner() { # the owner PID of testbed NAME (the state file's, else the number in mptNNN)
    local f owner=""
    f=$(state_file "$1")
    if [ -f "$f" ]; then
        owner=$(sed -n 's/^OWNER=//p' "$f")
    fi
    if [ -z "$owner" ] && [[ $1 =~ ^mpt([0-9]+)$ ]]; then
        owner=${BASH_REMATCH[1]}
    fi
    echo "$owner"
}

name_arg() { # resolves --name or $TB_NAME into NAME; the rest stays in ARGS
    NAME=${TB_NAME:-}
    ARGS=()
    while [ $# -gt 0 ]; do
        case $1 in
        --name)
            [ $# -ge 2 ] || usage
            NAME=$2
            shift 2
            ;;
        *)
            ARGS=("$@")
            break
            ;;
        esac
    done
    [ -n "$NAME" ] || die "which testbed? (--name NAME or TB_NAME)"
    valid_name "$NAME"
    ns_exists "$(ns_a "$NAME")" || die "no testbed '$NAME'"
}

parse_up() { # UP-OPTIONS into globals; what follows "--" into CMD
    NAME="mpt$$"
    OWNER=""
    RATE1=10mbit RATE2=10mbit LOSS1=0 LOSS2=0 QUEUE=100 QDISC=htb STRICT=0
    DELAY1=0 DELAY2=0 DELAY_LIMIT=1000
    CMD=()
    while [ $# -gt 0 ]; do
        case $1 in
        --name) NAME=${2:?}; shift ;;
        --owner) OWNER=${2:?}; shift ;;
        --rate1) RATE1=${2:?}; shift ;;
        --rate2) RATE2=${2:?}; shift ;;
        --rate) RATE1=${2:?}; RATE2=$2; shift ;;
        --loss1) LOSS1=${2:?}; shift ;;
        --loss2) LOSS2=${2:?}; shift ;;
        --delay1) DELAY1=${2:?}; shift ;;
        --delay2) DELAY2=${2:?}; shift ;;
        --delay-limit) DELAY_LIMIT=${2:?}; shift ;;
        --queue) QUEUE=${2:?}; shift ;;
        --qdisc) QDISC=${2:?}; shift ;;
        --strict) STRICT=1 ;;
        --) shift; CMD=("$@"); break ;;
        *) usage ;;
        esac
        shift
    done
    valid_name "$NAME"
    [[ $QUEUE =~ ^[1-9][0-9]*$ ]] || die "--queue takes a packet count"
    [[ $DELAY1 =~ ^[0-9]+$ && $DELAY2 =~ ^[0-9]+$ ]] || die "--delay1/--delay2 take milliseconds"
    [[ $DELAY_LIMIT =~ ^[1-9][0-9]*$ ]] || die "--delay-limit takes a packet count"
    [[ -z $OWNER || $OWNER =~ ^[1-9][0-9]*$ ]] || die "--owner takes a PID"
    case $QDISC in htb | tbf) ;; *) die "--qdisc must be htb or tbf" ;; esac
    # check values before anything is created
    rate_bps "$RATE1" > /dev/null
    rate_bps "$RATE2" > /dev/null
    loss_ppm "$LOSS1" > /dev/null
    loss_ppm "$LOSS2" > /dev/null
}

export_env() { # the variables COMMAND of run (and eval "$(testbed.sh env)") gets
    local name=$1
    echo "export TB_NAME=$name TB_A=$(ns_a "$name") TB_B=$(ns_b "$name")"
    echo "export A='ip netns exec $(ns_a "$name")' B='ip netns exec $(ns_b "$name")'"
    echo "export A1=10.201.1.1 A2=10.201.2.1 B1=10.201.1.2 B2=10.201.2.2"
    echo "export A1_6=fd00:201:1::1 A2_6=fd00:201:2::1 B1_6=fd00:201:1::2 B2_6=fd00:201:2::2"
    echo "export TESTBED=$SELF"
}

# delay_stats NAME SIDE: for each delay running on host SIDE, its counts so far (nfq_delay
# prints them at SIGUSR1) and the kernel's drops of its queue
delay_stats() {
    local p pid ns log
    ns=$(ns_of "$1" "$2")
    for p in $(seq 1 "$NPATHS"); do
        pid=$(sed -n "s/^DELAYPID$p$2=//p" "$(state_file "$1")" 2> /dev/null || true)
        [ -n "$pid" ] || continue
        log="$STATE_DIR/$1.delay$p$2.log"
        kill -USR1 "$pid" 2> /dev/null && sleep 0.2
        echo "  $(tail -n 1 "$log" 2> /dev/null)"
        ip netns exec "$ns" awk -v q="$p" '$1 == q { printf "  kernel: queue %s: %s dropped (kernel queue full), %s dropped (socket full)\n", q, $6, $7 }' \
            /proc/net/netfilter/nfnetlink_queue
    done
}

cmd_show() {
    local ns side f
    f=$(state_file "$NAME")
    echo "testbed $NAME (owner $(tb_owner "$NAME"))"
    [ -f "$f" ] && sed 's/^/  /' "$f"
    for side in a b; do
        ns=$(ns_of "$NAME" "$side")
        echo "host ${side^^} (netns $ns):"
        ip -n "$ns" -br addr show | sed 's/^/  /'
        ip netns exec "$ns" tc -s qdisc show | grep -v '^ *$' | sed 's/^/  /'
        ip netns exec "$ns" nft list table inet "$NFT_TABLE" | grep -E 'chain path|drop' | sed 's/^/  /'
        ip netns exec "$ns" iptables -w -S INPUT 2> /dev/null | grep NFQUEUE | sed 's/^/  /' || true
        delay_stats "$NAME" "$side"
    done
}

cmd_path() {
    [ ${#ARGS[@]} -ge 2 ] || usage
    local p=${ARGS[0]} what=${ARGS[1]} arg=${ARGS[2]:-} side ns
    if ! [[ $p =~ ^[1-9]$ ]] || [ "$p" -gt "$NPATHS" ]; then
        die "path must be 1..$NPATHS"
    fi
    QDISC=$(sed -n 's/^QDISC=//p' "$(state_file "$NAME")" 2> /dev/null || true)
    QUEUE=$(sed -n 's/^QUEUE=//p' "$(state_file "$NAME")" 2> /dev/null || true)
    DELAY_LIMIT=$(sed -n 's/^DELAY_LIMIT=//p' "$(state_file "$NAME")" 2> /dev/null || true)
    QDISC=${QDISC:-htb}
    QUEUE=${QUEUE:-100}
    DELAY_LIMIT=${DELAY_LIMIT:-1000}
    case $what in
    down | up)
        # both ends by default: a cut link, seen by both hosts
        for side in a b; do
            [ -n "$arg" ] && [ "$arg" != "$side" ] && continue
            ns=$(ns_of "$NAME" "$side")
            ip -n "$ns" link set "veth$p" "$what"
        done
        save_state "$NAME" "LINK$p" "$what${arg:+ ($arg)}"
        ;;
    loss)
        [ -n "$arg" ] || usage
        local ppm
        ppm=$(loss_ppm "$arg")
        set_loss "$(ns_a "$NAME")" "$p" "$ppm"
        set_loss "$(ns_b "$NAME")" "$p" "$ppm"
        save_state "$NAME" "LOSS$p" "$arg"
        ;;
    rate)
        [ -n "$arg" ] || usage
        rate_bps "$arg" > /dev/null
        shape "$(ns_a "$NAME")" "veth$p" "$arg"
        shape "$(ns_b "$NAME")" "veth$p" "$arg"
        save_state "$NAME" "RATE$p" "$arg"
        ;;
    delay)
        [[ $arg =~ ^[0-9]+$ ]] || die "delay takes milliseconds (0: none)"
        set_delay "$NAME" a "$p" "$arg"
        set_delay "$NAME" b "$p" "$arg"
        save_state "$NAME" "DELAY$p" "$arg"
        ;;
    *) usage ;;
    esac
}

cmd_down() {
    local all=0 name="" n owner removed=0
    while [ $# -gt 0 ]; do
        case $1 in
        --all) all=1 ;;
        --name) name=${2:?}; shift ;;
        *) usage ;;
        esac
        shift
    done
    [ -z "$name" ] && [ "$all" -eq 0 ] && name=${TB_NAME:-}
    if [ -n "$name" ]; then
        valid_name "$name"
        tb_down "$name"
        return 0
    fi
    for n in $(tb_names); do
        owner=$(tb_owner "$n")
        if [ "$all" -eq 0 ] && [ -n "$owner" ] && kill -0 "$owner" 2> /dev/null; then
            continue # its owner still runs: not a leftover
        fi
        echo "$PROG: removing testbed $n${owner:+ (owner $owner gone)}" >&2
        tb_down "$n"
        removed=$((removed + 1))
    done
    [ "$removed" -gt 0 ] || echo "$PROG: no leftovers" >&2
}

cmd_list() {
    local n owner alive
    for n in $(tb_names); do
        owner=$(tb_owner "$n")
        alive=gone
        [ -n "$owner" ] && kill -0 "$owner" 2> /dev/null && alive=running
        echo "$n owner=${owner:-?} ($alive)"
    done
}

RUN_NAME=""
RUN_CHILD=""
run_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$RUN_CHILD" ]; then
        kill -TERM "$RUN_CHILD" 2> /dev/null || true
    fi
    [ -n "$RUN_NAME" ] && tb_down "$RUN_NAME"
    exit "$rc"
}

cmd_run() {
    parse_up "$@"
    [ ${#CMD[@]} -gt 0 ] || die "run: no command (run [options] -- COMMAND)"
    tb_free "$NAME"
    RUN_NAME=$NAME
    trap run_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    tb_up "$NAME" "${OWNER:-$$}"
    eval "$(export_env "$NAME")"
    # in the background, so that a signal to this script tears down at once
    "${CMD[@]}" &
    RUN_CHILD=$!
    local rc=0
    wait "$RUN_CHILD" || rc=$?
    RUN_CHILD=""
    return "$rc"
}

main() {
    [ $# -ge 1 ] || usage
    local sub=$1
    shift
    case $sub in
    -h | --help | help) usage ;;
    esac
    need_root
    case $sub in
    run) cmd_run "$@" ;;
    up)
        parse_up "$@"
        [ ${#CMD[@]} -eq 0 ] || die "up takes no command (use run)"
        tb_free "$NAME"
        # a failure half-way leaves nothing behind
        trap 'tb_down "$NAME"' EXIT
        tb_up "$NAME" "${OWNER:-$PPID}"
        trap - EXIT
        echo "$NAME"
        ;;
    exec)
        name_arg "$@"
        [ ${#ARGS[@]} -ge 2 ] || usage
        local ns
        ns=$(ns_of "$NAME" "${ARGS[0]}")
        exec ip netns exec "$ns" "${ARGS[@]:1}"
        ;;
    env)
        name_arg "$@"
        export_env "$NAME"
        ;;
    path)
        name_arg "$@"
        cmd_path
        ;;
    show)
        name_arg "$@"
        cmd_show
        ;;
    list) cmd_list ;;
    down) cmd_down "$@" ;;
    *) usage ;;
    esac
}

main "$@"
