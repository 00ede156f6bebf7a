#!/bin/sh
# Runs a command inside the network namespace this script was started in (ctest starts
# it with "unshare -n"): brings loopback up (127.0.0.0/8 then answers, as in the default
# namespace) and checks that nft is there, since the command adds and removes nftables
# rules that must not touch the host's.
#   unshare -n sh netns_run.sh COMMAND [ARGS...]
set -u
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net 2>/dev/null)" ]; then
    echo "netns_run.sh: not in a network namespace of its own (start it with unshare -n)" >&2
    exit 1
fi
ip link set lo up || { echo "netns_run.sh: cannot bring lo up" >&2; exit 1; }
command -v nft > /dev/null || { echo "netns_run.sh: nft not found (apt-get install nftables)" >&2; exit 1; }
exec "$@"
