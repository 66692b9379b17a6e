#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds a libFuzzer target with clang + ASan/UBSan and fuzzes it for a bounded time.
#
#   tests/fuzz/run.sh [seconds] [target]     (defaults: 60, usage_update)
#
# Targets: usage_update (the $JSC.ARU codec), wire_merge (the $JSC.ARU merge into
# an account, checked against a model; seeds: the codec's messages), scenario (the CLI's scenario
# parser + replay + report, both semantics; seeds: the recorded scenarios),
# validate (the CLI's validate option parser; seeds: tests/fuzz/seeds/validate,
# written by JSACCT_SEED_DIR=... tests/cli/validate_test.py), usage_snapshot
# (restore_usage_snapshot; seeds: tests/fuzz/seeds/usage_snapshot).
# Environment: BUILD_DIR (default <repo>/build-fuzz); FUZZ_ARGS (extra libFuzzer
# flags, e.g. -runs=1000000). The corpus and any crash artifacts live under
# $BUILD_DIR/fuzz-work/<target>/. Exits non-zero if the build fails or the
# fuzzer reports a crash, sanitizer error or invariant violation.
set -euo pipefail

secs="${1:-60}"
target="${2:-usage_update}"
if ! [[ "$secs" =~ ^[1-9][0-9]*$ ]] || ! [[ "$target" =~ ^(usage_update|wire_merge|scenario|validate|usage_snapshot)$ ]]; then
  echo "usage: $0 [seconds] [usage_update|wire_merge|scenario|validate|usage_snapshot]" >&2
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

if [[ "$target" == scenario || "$target" == validate || "$target" == usage_snapshot ]]; then
  if [[ "$target" == usage_snapshot ]]; then
    cp "$root"/tests/fuzz/seeds/usage_snapshot/*.json "$work/corpus/"
    extra+=(-dict="$root/tests/fuzz/usage_snapshot.dict")
  elif [[ "$target" == scenario ]]; then
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

seed() {  # seed <file> <hex>
  local hex="${2// /}"
  printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$work/corpus/$1"
}
# The worked examples of docs/semantics.md#aru-layout and the f04c3b437 regression messages (as in
# tests/unit/wire/usage_update_test.cpp).
z8=0000000000000000
msg_untiered="6400000000000000 0008000000000000 0500000000000000 0100000000000000 00000000 $z8"
msg_r1_r3="$z8 e803000000000000 0700000000000000 0200000000000000 01000000 0200000000000000 5231 0a00000000000000 $z8 0200000000000000 5233"
msg_observed="$z8 2400000000000000 0200000000000000 $z8 00000000 $z8"
msg_legacy32="$z8 3200000000000000 0100000000000000 $z8"
msg_ovf_first="$z8 $z8 $z8 $z8 00000000 ffffffffffffffff"
msg_ovf_extra="$z8 $z8 $z8 $z8 01000000 $z8 $z8 $z8 ffffffffffffffff"
msg_r1_r3_zero="$z8 $z8 0800000000000000 0200000000000000 01000000 0200000000000000 5231 $z8 $z8 0200000000000000 5233"

if [[ "$target" == usage_update ]]; then
  for m in untiered r1_r3 observed legacy32 ovf_first ovf_extra; do
    v="msg_$m"
    seed "$m" "${!v}"
  done
else
  # wire_merge scripts (see wire_merge_fuzz.cpp): caps byte 1b (4 per node, 5 per
  # account), then "raw" operations: 04, node, u16 length, the message.
  raw() {  # raw <node byte> <message hex>
    local hex="${2// /}"
    printf '04%s%02x%02x%s' "$1" $(((${#hex} / 2) & 255)) $(((${#hex} / 2) >> 8)) "$hex"
  }
  for m in untiered r1_r3 observed legacy32 ovf_first ovf_extra; do
    v="msg_$m"
    seed "$m" "1b $(raw 01 "${!v}")"
  done
  # Two nodes report R1/R3, one reports them gone, the other is removed (op 05).
  seed report_gone_remove "1b $(raw 01 "$msg_r1_r3") $(raw 02 "$msg_r1_r3") $(raw 01 "$msg_r1_r3_zero") 05 02"
  # A structured message (op 00): node 1, plain shape, 3 records (a, c\xFF, R5), values, api, errors.
  seed structured "00 00 01 00 03 04 06 03 0308 0308 0308 $z8 $z8"
fi

# shellcheck disable=SC2086
exec "$build/tests/fuzz/${target}_fuzz" -max_total_time="$secs" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" ${FUZZ_ARGS:-} "$work/corpus"
