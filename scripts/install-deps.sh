#!/bin/sh
# Install the Debian 12 packages mpsctp needs to build and test. Idempotent and
# non-interactive: packages already present are not touched; run as root.
set -eu
# second line: the testbed's path delay (nfq_delay, iptables), its ping check, the
# comparison with kernel TCP and MPTCP (testbed/compare.sh), and the kernel-SCTP
# applications tests/preload runs over the preload library (libsctp-dev: the call test
# and the layout check of the Linux structures)
PKGS="build-essential cmake pkg-config clang-14 libclang-rt-14-dev libcmocka-dev libssl-dev valgrind libusrsctp-dev tshark iproute2 nftables jq python3 gnuplot-nox
libnetfilter-queue-dev iptables iputils-ping iperf3 mptcpize netperfmeter lksctp-tools libsctp-dev socat ncat"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
