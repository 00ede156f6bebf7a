# Sourced by the test scripts: wait_udp PORT waits (up to 10 s) until some process has a
# UDP socket bound to PORT on this host, then a moment more for the program behind it to
# reach listen(). A fixed sleep is not enough on a loaded machine.
wait_udp() {
    _w=0
    while [ -z "$(ss -Huln "sport = :$1" 2>/dev/null)" ] && [ $_w -lt 100 ]; do
        sleep 0.1
        _w=$((_w + 1))
    done
    sleep 0.2
}
