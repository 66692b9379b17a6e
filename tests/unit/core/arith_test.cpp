// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#saturating-arithmetic: saturating arithmetic on the unsigned reinterpretation.
#include <doctest/doctest.h>

#include "jsacct/detail/arith.hpp"

using namespace jsacct;

TEST_CASE("add_saturate (docs/semantics.md#saturating-arithmetic)") {
  CHECK(add_saturate(1, 2) == 3);
  CHECK(add_saturate(max_int64, 0) == max_int64);
  CHECK(add_saturate(max_int64, 1) == max_int64);
  CHECK(add_saturate(max_int64 - 1, 1) == max_int64);
  CHECK(add_saturate(max_int64 - 2, 1) == max_int64 - 1);
  CHECK(add_saturate(5, -1) == max_int64);  // a negative argument saturates (carry)
  CHECK(add_saturate(-1, -1) == max_int64);
  CHECK(add_saturate(0, 0) == 0);
}

TEST_CASE("mul_saturate (docs/semantics.md#saturating-arithmetic)") {
  CHECK(mul_saturate(3, 100) == 300);
  CHECK(mul_saturate(0, max_int64) == 0);
  CHECK(mul_saturate(max_int64, 1) == max_int64);
  CHECK(mul_saturate(2, max_int64 / 2) == max_int64 - 1);
  CHECK(mul_saturate(2, max_int64 / 2 + 1) == max_int64);
  CHECK(mul_saturate(3, max_int64) == max_int64);
  CHECK(mul_saturate(-1, 2) == max_int64);                                         // negative saturates
  CHECK(mul_saturate(std::int64_t{1} << 32, std::int64_t{1} << 32) == max_int64);  // high word non-zero
}

TEST_CASE("wrapping helpers match Go's int64") {
  CHECK(wrap_add(max_int64, 1) == std::numeric_limits<std::int64_t>::min());
  CHECK(wrap_mul(max_int64, 2) == -2);
  CHECK(wrap_sub(std::numeric_limits<std::int64_t>::min(), 1) == max_int64);
  CHECK(saturate_cast(static_cast<int128>(max_int64) * 3) == max_int64);
  CHECK(wrap_cast(static_cast<int128>(max_int64) * 2) == -2);
}
