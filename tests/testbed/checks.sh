# checks.sh: sourced by testbed_cmt.sh and testbed_e6.sh (bash). Fails without root or
# jq; bad records a failed check and goes on, so that a run reports every failed check;
# verdict NAME ends the test: FAIL with the failed checks, else PASS: NAME.
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the testbed tests need root; run the suite as root"; exit 1; }
command -v jq > /dev/null || { echo "FAIL: jq not found (scripts/install-deps.sh installs it)"; exit 1; }
FAILED=()
bad() {
    echo "FAILED CHECK: $*"
    FAILED+=("$*")
}
verdict() {
    [ ${#FAILED[@]} -eq 0 ] || {
        echo "FAIL: ${#FAILED[@]} check(s) failed: $(printf '%s; ' "${FAILED[@]}")"
        exit 1
    }
    echo "PASS: $1"
}
