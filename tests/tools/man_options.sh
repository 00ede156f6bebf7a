#!/bin/sh
# The long options a tool's --help lists and those its man page lists must be the same
# set: a new option documented in one place only fails here.
#   man_options.sh PATH/TO/TOOL PATH/TO/PAGE.1
set -u
TOOL=${1:?usage: man_options.sh TOOL PAGE.1}
PAGE=${2:?page}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# long options: "--" then a lower-case word with dashes, not preceded by a word character
longopts() { grep -oE -- '(^|[^A-Za-z0-9_-])--[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }

"$TOOL" --help > "$TMP/help.txt" 2> "$TMP/help.err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: $TOOL --help exited with $rc"; exit 1; }
longopts < "$TMP/help.txt" > "$TMP/help.opts"
# roff: \- is a dash, \fB \fI \fR \fP switch fonts, \e is a backslash
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\e/\\/g' "$PAGE" | longopts > "$TMP/man.opts"
n=$(wc -l < "$TMP/help.opts")
[ "$n" -ge 5 ] || { echo "FAIL: only $n long options in $TOOL --help"; exit 1; }
if ! diff "$TMP/help.opts" "$TMP/man.opts" > "$TMP/diff.txt"; then
    echo "FAIL: $TOOL --help (<) and $PAGE (>) list different long options:"
    grep '^[<>]' "$TMP/diff.txt"
    exit 1
fi
echo "ok: $n long options, the same in --help and in $(basename "$PAGE"):"
tr '\n' ' ' < "$TMP/help.opts"
echo
