#!/bin/sh
# Installs a build tree into a fresh temporary prefix and uses it as a program outside
# the tree would:
#   a) hello.c built with pkg-config --cflags --libs (libmpsctp.so) and run;
#   b) the same with pkg-config --static against libmpsctp.a, checked to need no
#      libmpsctp.so (and, without sanitizers, as a fully static program with -static);
#   c) a CMake project with find_package(mpsctp), mpsctp::mpsctp and
#      mpsctp::mpsctp_static, built and run;
#   d) libmpsctp.so exports exactly the functions the installed headers declare (the list
#      comes from the compiler, gcc -aux-info, not from the build's own version script);
#   e) the installed tree has the headers, the tools, mpsctp.pc, the CMake package, the
#      preload library (exporting only the calls it replaces) and
#      every man page of man/.
# Usage: install_test.sh BUILD-DIR SOURCE-DIR [CFLAGS]
# CFLAGS go to every compile and link of hello (-fsanitize=... for an instrumented build).
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD-DIR SOURCE-DIR [CFLAGS]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
cflags=${3:-}
cc=${CC:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpsctp-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
prefix=$tmp/prefix

fail() {
    echo "install_test: FAIL: $*" >&2
    exit 1
}
step() {
    echo "== $*"
}
cache_value() { # cache_value NAME DEFAULT: a value of the build's CMakeCache.txt
    v=$(sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt")
    echo "${v:-$2}"
}
under_prefix() { # a GNUInstallDirs directory as installed with --prefix
    case $1 in
    /*) echo "$1" ;;
    *) echo "$prefix/$1" ;;
    esac
}
# run WHAT PROGRAM: runs it with a time limit; fails the test unless it exits 0.
run() {
    what=$1
    shift
    timeout 60 "$@" || fail "$what exited with $?"
}
# needed FILE: the NEEDED entries of an ELF file.
needed() {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

libdir=$(under_prefix "$(cache_value CMAKE_INSTALL_LIBDIR lib)")
includedir=$(under_prefix "$(cache_value CMAKE_INSTALL_INCLUDEDIR include)")
bindir=$(under_prefix "$(cache_value CMAKE_INSTALL_BINDIR bin)")
mandir=$(under_prefix "$(cache_value CMAKE_INSTALL_MANDIR share/man)")

step "cmake --install $build --prefix $prefix"
if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "cmake --install"
fi

# Build outside the tree: nothing but the prefix can supply headers or libraries.
mkdir "$tmp/consumer"
cp "$src/tests/install/hello.c" "$tmp/hello.c"
cp "$src/tests/install/consumer/CMakeLists.txt" "$tmp/consumer/"
cd "$tmp"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
pc_prefix=$(pkg-config --variable=prefix mpsctp) || fail "pkg-config finds no mpsctp.pc"
[ "$pc_prefix" = "$prefix" ] || fail "mpsctp.pc names prefix $pc_prefix, not $prefix"

step "a) shared: $cc hello.c \$(pkg-config --cflags --libs mpsctp)"
# shellcheck disable=SC2046,SC2086 # flags are word lists
$cc $cflags -o hello_shared hello.c $(pkg-config --cflags --libs mpsctp) ||
    fail "hello.c does not build with pkg-config --cflags --libs"
needed hello_shared | grep -qx 'libmpsctp.so.0' || fail "hello_shared does not need libmpsctp.so.0"
LD_LIBRARY_PATH=$libdir ldd ./hello_shared | grep -q "libmpsctp.so.0 => $libdir/libmpsctp.so.0" ||
    fail "hello_shared does not load libmpsctp.so.0 from $libdir"
LD_LIBRARY_PATH=$libdir run hello_shared ./hello_shared

step "b) static: pkg-config --static against libmpsctp.a"
static_libs=$(pkg-config --static --libs mpsctp)
case " $static_libs " in
*" -lmpsctp "*"-lpthread "*) ;;
*) fail "pkg-config --static --libs gives '$static_libs', not -lmpsctp ... -lpthread" ;;
esac
# -Bstatic makes the linker take libmpsctp.a although libmpsctp.so sits beside it.
# shellcheck disable=SC2046,SC2086
$cc $cflags -o hello_static hello.c $(pkg-config --cflags mpsctp) \
    -Wl,-Bstatic $static_libs -Wl,-Bdynamic || fail "hello.c does not link with libmpsctp.a"
if needed hello_static | grep -q libmpsctp; then
    fail "hello_static needs $(needed hello_static | grep libmpsctp)"
fi
nm hello_static | grep -q ' T mpsctp_stack_new$' || fail "hello_static does not hold mpsctp_stack_new"
run hello_static env -u LD_LIBRARY_PATH ./hello_static
case $cflags in
*-fsanitize=*) ;; # the sanitizers have no fully static runtime
*)
    # shellcheck disable=SC2046
    $cc -static -o hello_full_static hello.c $(pkg-config --static --cflags --libs mpsctp) ||
        fail "hello.c does not link with -static and pkg-config --static"
    run "-static hello" ./hello_full_static
    ;;
esac

step "c) CMake: find_package(mpsctp)"
if ! cmake -S consumer -B consumer-build -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$cflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$cflags" >consumer.log 2>&1 ||
    ! cmake --build consumer-build >>consumer.log 2>&1; then
    cat consumer.log >&2
    fail "the find_package(mpsctp) project does not build"
fi
found=$(sed -n 's/^mpsctp_DIR:PATH=//p' consumer-build/CMakeCache.txt)
[ "$found" = "$libdir/cmake/mpsctp" ] || fail "find_package(mpsctp) found $found"
# The imported target carries the library's path: CMake's build RPATH finds it.
run "find_package hello" env -u LD_LIBRARY_PATH ./consumer-build/hello
ldd ./consumer-build/hello | grep -q "libmpsctp.so.0 => $libdir/libmpsctp.so.0" ||
    fail "consumer hello does not load $libdir/libmpsctp.so.0"
if needed consumer-build/hello_static | grep -q libmpsctp; then
    fail "mpsctp::mpsctp_static links libmpsctp.so"
fi
run "find_package hello_static" ./consumer-build/hello_static

step "d) exported symbols of libmpsctp.so"
# The compiler's list of the functions the installed headers declare (static ones are
# not exported by any library).
for h in "$includedir"/mpsctp/*.h; do
    echo "#include <mpsctp/${h##*/}>"
done >decl.c
gcc -fsyntax-only -I"$includedir" -aux-info decl.txt decl.c || fail "gcc -aux-info"
grep -F "/* $includedir/mpsctp/" decl.txt | sed 's|^/\*[^*]*\*/ ||' | grep -v '^static ' |
    sed 's/ (.*//; s/.*[ *]//' | sort -u >declared.txt
nm -D --defined-only "$libdir/libmpsctp.so" | awk '{print $NF}' | sed 's/@.*//' |
    sort -u >exported.txt
n=$(wc -l <declared.txt)
[ "$n" -ge 50 ] || fail "only $n functions found in the installed headers"
if ! diff declared.txt exported.txt >symbols.diff; then
    echo "declared in include/mpsctp/*.h but not exported (<), exported but not declared (>):" >&2
    cat symbols.diff >&2
    fail "libmpsctp.so exports other symbols than the public headers declare"
fi
echo "$n functions declared and exported, nothing else"
soname=$(readelf -d "$libdir/libmpsctp.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libmpsctp.so.0 ] || fail "SONAME is '$soname', not libmpsctp.so.0"
version=$(pkg-config --modversion mpsctp)
[ -f "$libdir/libmpsctp.so.$version" ] || fail "no $libdir/libmpsctp.so.$version"

step "e) installed files"
for h in "$src"/include/mpsctp/*.h; do
    cmp -s "$h" "$includedir/mpsctp/${h##*/}" || fail "header ${h##*/} not installed"
done
for f in "$bindir/mpsctp-perf" "$bindir/mpsctp-sim"; do
    [ -x "$f" ] || fail "$f not installed"
done
for f in "$libdir/libmpsctp.a" "$libdir/pkgconfig/mpsctp.pc" \
    "$libdir/cmake/mpsctp/mpsctpConfig.cmake" "$libdir/cmake/mpsctp/mpsctpConfigVersion.cmake" \
    "$libdir/cmake/mpsctp/mpsctpTargets.cmake"; do
    [ -f "$f" ] || fail "$f not installed"
done
pages=0
for m in "$src"/man/*.1; do
    [ -f "$m" ] || continue
    cmp -s "$m" "$mandir/man1/${m##*/}" || fail "man page ${m##*/} not installed"
    pages=$((pages + 1))
done
for m in mpsctp-perf.1 mpsctp-sim.1; do
    [ -f "$mandir/man1/$m" ] || fail "man page $m not installed"
done
# the preload library, which exports the calls it replaces and nothing of the stack
pre="$libdir/libmpsctp-preload.so"
[ -f "$pre" ] || fail "$pre not installed"
nm -D --defined-only "$pre" | awk '{ print $NF }' | grep -q '^socket$' || fail "$pre does not export socket"
leak=$(nm -D --defined-only "$pre" | awk '{ print $NF }' | grep -E '^(mpsctp_|net_|codec_|assoc_)' | head -3)
[ -z "$leak" ] || fail "$pre exports stack functions: $leak"
echo "headers, tools, mpsctp.pc, CMake package, $pages man pages and the preload library installed"
echo "install_test: ok"
