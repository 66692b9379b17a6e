#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds a libFuzzer target with clang + ASan/UBSan and fuzzes it for a bounded time.
#
#   tests/fuzz/run.sh [seconds] [target]     (defaults: 60, usage_update)
#
# Targets: usage_update (the $JSC.ARU codec), scenario (the CLI's scenario
# parser + replay + report, both semantics; seeds: the recorded scenarios),
# validate (the CLI's validate option parser; seeds: tests/fuzz/seeds/validate,
# written by JSACCT_SEED_DIR=... tests/cli/validate_test.py).
# Environment: BUILD_DIR (default <repo>/build-fuzz); FUZZ_ARGS (extra libFuzzer
# flags, e.g. -runs=1000000). The corpus and any crash artifacts live under
# $BUILD_DIR/fuzz-work/<target>/. Exits non-zero if the build fails or the
# fuzzer reports a crash, sanitizer error or invariant violation.
set -euo pipefail

secs="${1:-60}"
target="${2:-usage_update}"
if ! [[ "$secs" =~ ^[1-9][0-9]*$ ]] || ! [[ "$target" =~ ^(usage_update|scenario|validate)$ ]]; then
  echo "usage: $0 [seconds] [usage_update|scenario|validate]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"

if [[ ! -f "$build/build.ninja" ]]; then
  CXX=clang++ meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
# (The list is captured first: with pipefail, `grep -q` closing the pipe early
# would make a long target list look like a failure.)
targets="$(ninja -C "$build" -t targets all)"
if ! grep -q "^tests/fuzz/${target}_fuzz:" <<<"$targets"; then
  echo "$build is not a clang build with -Dfuzz=true; remove it or set BUILD_DIR" >&2
  exit 2
fi
ninja -C "$build" "tests/fuzz/${target}_fuzz"

work="$build/fuzz-work/$target"
mkdir -p "$work/corpus" "$work/artifacts"
extra=()
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

if [[ "$target" == scenario || "$target" == validate ]]; then
  if [[ "$target" == scenario ]]; then
    # Seeds: the recorded scenarios (not their .expected results).
    for f in "$root"/tests/conformance/public/*.json "$root"/tests/conformance/own/*.json; do
      [[ "$f" == *.expected.json ]] || cp "$f" "$work/corpus/"
    done
    extra+=(-dict="$root/tests/fuzz/scenario.dict")
  else
    cp "$root"/tests/fuzz/seeds/validate/*.json "$work/corpus/"
  fi
  # shellcheck disable=SC2086
  exec "$build/tests/fuzz/${target}_fuzz" -max_total_time="$secs" -print_final_stats=1 -max_len=8192 -timeout=20 \
    -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/" "${extra[@]}" ${FUZZ_ARGS:-} "$work/corpus"
fi

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

exec "$build/tests/fuzz/usage_update_fuzz" -max_total_time="$secs" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus"
