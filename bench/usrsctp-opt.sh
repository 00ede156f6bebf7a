# Sourced by the benchmark scripts (run-core-bench.sh, run-loopback-bench.sh): builds an
# optimised usrsctp from the Debian source package of the installed libusrsctp-dev.
#
#   . bench/usrsctp-opt.sh
#   usrsctp_opt_build      # needs ROOT (repository), BUILD (build dir, relative to ROOT
#                          # or absolute), JOBS; returns non-zero when it cannot
#   cc ... -I"$USRSCTP_OPT_INC" prog.c "$USRSCTP_OPT_LIB" -lpthread
#
# The sources come from `apt-get source libusrsctp` (after adding a bookworm deb-src
# entry under /etc/apt/sources.list.d if there is none; needs root and network) into
# $BUILD/usrsctp-src and are built under $BUILD/usrsctp-opt; they are never part of the
# repository. Debian's package is built by autotools with --enable-debug on by default,
# which appends -O0; the build here (CMake RelWithDebInfo: -O2 -g) keeps SCTP_DEBUG (as
# the package has it) and changes only the optimisation.

usrsctp_opt_build() {
    case $BUILD in
    /*) _ub=$BUILD ;;
    *) _ub=$ROOT/$BUILD ;;
    esac
    _src="$_ub/usrsctp-src"
    _obj="$_ub/usrsctp-opt"
    if [ ! -f "$_obj/usrsctplib/libusrsctp.a" ] || [ ! -f "$_obj/source-dir" ]; then
        _ver=$(dpkg-query -W -f='${source:Version}' libusrsctp-dev 2>/dev/null || true)
        mkdir -p "$_src"
        if ! ls "$_src"/libusrsctp-*/usrsctplib >/dev/null 2>&1; then
            if ! (cd "$_src" && apt-get source -q "libusrsctp${_ver:+=$_ver}") >/dev/null 2>&1; then
                if [ "$(id -u)" -eq 0 ] && ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d; then
                    echo "   adding a deb-src entry for bookworm (/etc/apt/sources.list.d/mpsctp-deb-src.sources)"
                    cat > /etc/apt/sources.list.d/mpsctp-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
                fi
                apt-get update -q >/dev/null 2>&1 || true
                (cd "$_src" && apt-get source -q "libusrsctp${_ver:+=$_ver}") >/dev/null 2>&1 || return 1
            fi
        fi
        _dir=$(ls -d "$_src"/libusrsctp-*/ | head -1)
        cmake -S "$_dir" -B "$_obj" -DCMAKE_BUILD_TYPE=RelWithDebInfo -Dsctp_werror=0 \
            -Dsctp_build_programs=0 -Dsctp_debug=1 -Dsctp_invariants=0 >/dev/null || return 1
        cmake --build "$_obj" -j"$JOBS" --target usrsctp >/dev/null 2>&1 || return 1
        echo "$_dir" > "$_obj/source-dir"
    fi
    _dir=$(cat "$_obj/source-dir")
    USRSCTP_OPT_INC="$_dir/usrsctplib"
    USRSCTP_OPT_LIB="$_obj/usrsctplib/libusrsctp.a"
    return 0
}
