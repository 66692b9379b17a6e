#!/usr/bin/env bash
# Consumer tests: install jsacct into a temporary prefix, then build and run
# three small consumers against it: pkg-config (plain c++), CMake
# find_package(jsacct CONFIG), and a Meson project using jsacct as a
# subproject (subprojects/jsacct is a symlink to this source tree).
# Exits non-zero if any step fails. Keeps nothing: the temp dir is removed
# (set KEEP=1 to keep it).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
here="$src/tests/consumers"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jsacct-consumers.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
failed=0

run() {  # run DESCRIPTION CMD... : print, run, log output, show it on failure
  local what=$1; shift
  echo "--- $what"
  echo "+ $*"
  if ! "$@" >"$tmp/last.log" 2>&1; then
    cat "$tmp/last.log"
    echo "!!! consumer step failed: $what"
    failed=1
    return 1
  fi
}

# 1. Install into a temporary prefix (headers, jsacct.pc, CMake package).
run "meson setup (install tree)" meson setup "$tmp/build" "$src" --prefix="$prefix" --wrap-mode=nofallback \
  -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled || exit 1
run "meson install" meson install -C "$tmp/build" || exit 1
for f in include/jsacct/jsacct.hpp share/pkgconfig/jsacct.pc \
         share/cmake/jsacct/jsacctConfig.cmake share/cmake/jsacct/jsacctConfigVersion.cmake; do
  [ -f "$prefix/$f" ] || { echo "!!! not installed: $f"; failed=1; }
done

# 2. pkg-config: the flags point into the prefix, then a plain c++ build.
export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
cflags=$(pkg-config --cflags jsacct)
echo "--- pkg-config --cflags jsacct: $cflags"
case " $cflags " in
  *" -I$prefix/include "*) ;;
  *) echo "!!! pkg-config --cflags jsacct does not give -I$prefix/include"; failed=1 ;;
esac
run "pkgconfig consumer: build" "$here/pkgconfig/build.sh" "$tmp/pkgconfig-consumer" &&
  run "pkgconfig consumer: run" "$tmp/pkgconfig-consumer" && cat "$tmp/last.log"

# 3. CMake: find_package(jsacct CONFIG REQUIRED) -> jsacct::jsacct.
run "cmake consumer: configure" cmake -S "$here/cmake" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" &&
  run "cmake consumer: build" cmake --build "$tmp/cmake-build" &&
  run "cmake consumer: run" "$tmp/cmake-build/consumer" && cat "$tmp/last.log"
# SameMajorVersion: asking for 1.0 must not find 0.x.
echo "--- cmake consumer: find_package(jsacct 1.0) must fail"
if cmake -S "$here/cmake" -B "$tmp/cmake-build-v1" -DCMAKE_PREFIX_PATH="$prefix" -DJSACCT_REQUIRED_VERSION=1.0 \
     >"$tmp/last.log" 2>&1; then
  echo "!!! find_package(jsacct 1.0) accepted version $(sed -n 's/.*PACKAGE_VERSION "\(.*\)".*/\1/p' \
    "$prefix/share/cmake/jsacct/jsacctConfigVersion.cmake" | head -1)"
  failed=1
fi

# 4. Meson subproject: a copy of the consumer with subprojects/jsacct -> $src.
cp -r "$here/meson-subproject" "$tmp/meson-consumer"
mkdir -p "$tmp/meson-consumer/subprojects"
ln -s "$src" "$tmp/meson-consumer/subprojects/jsacct"
run "meson consumer: setup" meson setup "$tmp/meson-consumer/build" "$tmp/meson-consumer" --force-fallback-for=jsacct &&
  run "meson consumer: build" ninja -C "$tmp/meson-consumer/build" &&
  run "meson consumer: run" "$tmp/meson-consumer/build/consumer" && cat "$tmp/last.log"

if [ "$failed" -ne 0 ]; then echo "consumers: FAILED"; exit 1; fi
echo "consumers: all three built and ran"
