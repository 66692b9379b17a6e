#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang + ASan/UBSan and fuzzes the $JSC.ARU
# usage-update codec for a bounded time.
#
#   tests/fuzz/run.sh [seconds]        (default 60)
#
# Environment: BUILD_DIR (default <repo>/build-fuzz). The corpus and any crash
# artifacts live under $BUILD_DIR/fuzz-work/usage_update/. Exits non-zero if the
# build fails or the fuzzer reports a crash, sanitizer error or invariant violation.
set -euo pipefail

secs="${1:-60}"
if ! [[ "$secs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [seconds]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"

if [[ ! -f "$build/build.ninja" ]]; then
  CXX=clang++ meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
if ! ninja -C "$build" -t targets all | grep -q '^tests/fuzz/usage_update_fuzz:'; then
  echo "$build is not a clang build with -Dfuzz=true; remove it or set BUILD_DIR" >&2
  exit 2
fi
ninja -C "$build" tests/fuzz/usage_update_fuzz

work="$build/fuzz-work/usage_update"
mkdir -p "$work/corpus" "$work/artifacts"

# Seeds: the worked examples of spec §6.4 and the f04c3b437 regression messages.
seed() {  # seed <file> <hex>
  local hex="${2// /}"
  printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$work/corpus/$1"
}
z8=0000000000000000
seed untiered  "6400000000000000 0008000000000000 0500000000000000 0100000000000000 00000000 $z8"
seed r1_r3     "$z8 e803000000000000 0700000000000000 0200000000000000 01000000 0200000000000000 5231 0a00000000000000 $z8 0200000000000000 5233"
seed observed  "$z8 2400000000000000 0200000000000000 $z8 00000000 $z8"
seed legacy32  "$z8 3200000000000000 0100000000000000 $z8"
seed ovf_first "$z8 $z8 $z8 $z8 00000000 ffffffffffffffff"
seed ovf_extra "$z8 $z8 $z8 $z8 01000000 $z8 $z8 $z8 ffffffffffffffff"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
exec "$build/tests/fuzz/usage_update_fuzz" -max_total_time="$secs" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus"
