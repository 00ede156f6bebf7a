#!/bin/sh
# The preload library's environment settings, seen from an unmodified program (python3's
# socket module: socket(2) and getsockopt(2) from the C library):
#   MPSCTP_PRELOAD_HELP=1 prints the settings at start;
#   MPSCTP_CMT=rpv2 gives new SCTP sockets SCTP_CMT_ON_OFF 3, the digits work too, no
#   MPSCTP_CMT means 0;
#   an invalid MPSCTP_CMT or MPSCTP_REMOTE_UDP_PORT is reported at start and socket()
#   fails with EINVAL.
# Usage: preload_env.sh PATH/TO/libmpsctp-preload.so
set -u
LIB=$(readlink -f "$1")
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 > /dev/null || fail "python3 not found (scripts/install-deps.sh installs it)"
# An instrumented library (ASan build) needs the sanitizer runtimes before it.
rt=$(ldd "$LIB" | awk '$1 ~ /^lib(asan|ubsan)\.so/ { print $3 }' | tr '\n' ' ')
PRE="$rt$LIB"
[ -n "$rt" ] && export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# the CMT mode of a new SCTP socket, or the errno of socket()
probe() {
    env LD_PRELOAD="$PRE" "$@" python3 -c '
import socket, struct, sys
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)
except OSError as e:
    print("errno", e.errno); sys.exit(0)
v = s.getsockopt(132, 0x1200, 8)  # SCTP_CMT_ON_OFF, struct sctp_assoc_value
print("cmt", struct.unpack("=iI", v)[1])
s.close()' 2> "$TMP/err"
}

env LD_PRELOAD="$PRE" MPSCTP_PRELOAD_HELP=1 python3 -c 'pass' 2> "$TMP/help" ||
    fail "python3 under the preload library failed: $(cat "$TMP/help")"
for v in MPSCTP_CMT MPSCTP_UDP_PORT MPSCTP_REMOTE_UDP_PORT MPSCTP_PCAP MPSCTP_LOG MPSCTP_NO_OFFLOAD MPSCTP_PRELOAD_HELP; do
    grep -q "$v" "$TMP/help" || fail "MPSCTP_PRELOAD_HELP=1 does not name $v: $(cat "$TMP/help")"
done
echo "ok: MPSCTP_PRELOAD_HELP=1 names every setting"
[ "$(env LD_PRELOAD="$PRE" python3 -c 'pass' 2>&1)" = "" ] ||
    fail "the preload library prints something without MPSCTP_PRELOAD_HELP"

# the stack of each probe is the process's own: no fixed port needed
export MPSCTP_UDP_PORT=-1
got=$(probe env -u MPSCTP_CMT)
[ "$got" = "cmt 0" ] || fail "no MPSCTP_CMT: $got $(cat "$TMP/err")"
for m in off:0 cmt:1 rpv1:2 rpv2:3 mptcp:4 MPTCP:4 3:3; do
    got=$(probe MPSCTP_CMT="${m%%:*}")
    [ "$got" = "cmt ${m#*:}" ] || fail "MPSCTP_CMT=${m%%:*}: $got, expected cmt ${m#*:} $(cat "$TMP/err")"
done
echo "ok: MPSCTP_CMT sets SCTP_CMT_ON_OFF of new sockets (names and digits)"
got=$(probe MPSCTP_CMT=fast)
[ "$got" = "errno 22" ] || fail "MPSCTP_CMT=fast: $got, expected EINVAL from socket()"
grep -q "MPSCTP_CMT=fast" "$TMP/err" || fail "MPSCTP_CMT=fast is not reported: $(cat "$TMP/err")"
echo "ok: an invalid MPSCTP_CMT is reported and socket() fails with EINVAL"
for bad in 0 70000 x9899; do
    got=$(probe MPSCTP_REMOTE_UDP_PORT=$bad)
    [ "$got" = "errno 22" ] || fail "MPSCTP_REMOTE_UDP_PORT=$bad: $got, expected EINVAL from socket()"
    grep -q "MPSCTP_REMOTE_UDP_PORT=$bad" "$TMP/err" || fail "MPSCTP_REMOTE_UDP_PORT=$bad is not reported"
done
echo "ok: an invalid MPSCTP_REMOTE_UDP_PORT is reported and socket() fails with EINVAL"
# other sockets are untouched whatever the setting
env LD_PRELOAD="$PRE" MPSCTP_CMT=fast python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()' 2> /dev/null ||
    fail "a UDP socket fails under MPSCTP_CMT=fast"
echo "PASS"
