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

# 1. Install into a temporary prefix (headers, jsacct.pc, CMake package),
#    configured as on a machine without cmake: a native file names a cmake
#    that does not exist, so range-v3 must be found by its headers.
printf "[binaries]\ncmake = '%s'\n" "$tmp/no-such-cmake" >"$tmp/no-cmake.ini"
run "meson setup (install tree, no cmake)" meson setup "$tmp/build" "$src" --prefix="$prefix" --wrap-mode=nofallback \
  --native-file "$tmp/no-cmake.ini" -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled || exit 1
grep -q 'range-v3 .*: headers on the include path' "$tmp/build/meson-logs/meson-log.txt" ||
  { echo "!!! without cmake, range-v3 was not found by its headers"; failed=1; }
run "meson install" meson install -C "$tmp/build" || exit 1
for f in include/jsacct/jsacct.hpp include/jsacct/version.hpp share/pkgconfig/jsacct.pc \
         share/doc/jsacct/LICENSE share/doc/jsacct/README.md share/doc/jsacct/CHANGELOG.md \
         share/doc/jsacct/docs/semantics.md share/doc/jsacct/docs/consuming.md \
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
case " $cflags " in
  *" -std="*) echo "!!! pkg-config --cflags jsacct forces a language mode: $cflags"; failed=1 ;;
esac
run "pkgconfig consumer: build (strict warnings, -Werror)" "$here/pkgconfig/build.sh" "$tmp/pkgconfig-consumer" &&
  run "pkgconfig consumer: run" "$tmp/pkgconfig-consumer" && cat "$tmp/last.log"
# The installed headers also work as system headers (-isystem instead of -I).
run "pkgconfig consumer: compile with -isystem" c++ -std=c++20 -fsyntax-only -Werror \
  $(printf '%s\n' $cflags | sed 's/^-I/-isystem /') "$here/pkgconfig/main.cpp"

# 3. CMake: find_package(jsacct CONFIG REQUIRED) -> jsacct::jsacct.
run "cmake consumer: configure" cmake -S "$here/cmake" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" &&
  run "cmake consumer: build" cmake --build "$tmp/cmake-build" &&
  run "cmake consumer: run" "$tmp/cmake-build/consumer" && cat "$tmp/last.log"
# Version rule (cmake/jsacctConfigVersion.cmake.in): same major, and same
# minor while the major is 0; never older than asked. A range's upper end counts.
version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$prefix/share/cmake/jsacct/jsacctConfigVersion.cmake")
IFS=. read -r vmaj vmin vpatch <<EOV
$version
EOV
cmake_version() {  # cmake_version EXPECT(ok|fail) REQUEST
  echo "--- cmake consumer: find_package(jsacct $2) must ${1/ok/succeed} (installed: $version)"
  if cmake -S "$here/cmake" -B "$tmp/cmake-build-v" -DCMAKE_PREFIX_PATH="$prefix" "-DJSACCT_REQUIRED_VERSION=$2" \
       >"$tmp/last.log" 2>&1; then
    [ "$1" = ok ] || { echo "!!! find_package(jsacct $2) accepted $version"; failed=1; }
  else
    [ "$1" = fail ] || { cat "$tmp/last.log"; echo "!!! find_package(jsacct $2) refused $version"; failed=1; }
  fi
  rm -rf "$tmp/cmake-build-v"
}
cmake_version ok "$vmaj.$vmin"
cmake_version ok "$version"
cmake_version ok "$vmaj.$vmin...<$vmaj.$((vmin + 1))"
cmake_version fail "$((vmaj + 1)).0"
cmake_version fail "$vmaj.$vmin.$((vpatch + 1))"
[ "$vmaj" != 0 ] || cmake_version fail "0.$((vmin + 1))"
[ "$vmaj" != 0 ] || [ "$vmin" = 0 ] || cmake_version fail "0.$((vmin - 1))"

# 4. Meson subproject: a copy of the consumer with subprojects/jsacct -> $src.
cp -r "$here/meson-subproject" "$tmp/meson-consumer"
mkdir -p "$tmp/meson-consumer/subprojects"
ln -s "$src" "$tmp/meson-consumer/subprojects/jsacct"
run "meson consumer: setup" meson setup "$tmp/meson-consumer/build" "$tmp/meson-consumer" --force-fallback-for=jsacct &&
  run "meson consumer: build" ninja -C "$tmp/meson-consumer/build" &&
  run "meson consumer: run" "$tmp/meson-consumer/build/consumer" && cat "$tmp/last.log"

if [ "$failed" -ne 0 ]; then echo "consumers: FAILED"; exit 1; fi
echo "consumers: all three built and ran"
