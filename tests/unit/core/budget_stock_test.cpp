// SPDX-License-Identifier: Apache-2.0
// budget_stock (jsacct/usage/budget_stock.hpp) at its edges, on one thread:
// exact at the limit, unlimited, zero, requests larger than a slab, int64
// extremes, and the headroom exactly at the fallback threshold.
#include <cstdint>
#include <limits>
#include <thread>

#include "core_helpers.hpp"

using namespace jsacct;

namespace {
constexpr std::int64_t i64max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64min = std::numeric_limits<std::int64_t>::min();
using stock = budget_stock<>;

// Without concurrent callers the counters are exact and consistent.
void check_consistent(const stock& b) {
  CHECK(b.held() == b.charged() - b.stocked());
  if (b.limit() >= 0) {
    CHECK(b.charged() <= b.limit());
    CHECK(b.available() == b.limit() - b.held());
  }
  CHECK(b.stocked() >= 0);
}
}  // namespace

TEST_CASE("budget_stock: stripes and threshold") {
  stock b(1000, 10);
  CHECK(b.stripes() == detail::active_stripes());
  CHECK(b.threshold() == 10 * static_cast<std::int64_t>(b.stripes()));
  budget_stock<1> one(1000, 10);
  CHECK(one.stripes() == 1);
  CHECK(one.threshold() == 10);
}

TEST_CASE("budget_stock: a small reserve charges one slab and keeps the rest in stock") {
  stock b(1000, 10);
  REQUIRE(b.reserve(3));
  CHECK(b.charged() == 10);
  CHECK(b.stocked() == 7);
  CHECK(b.held() == 3);
  REQUIRE(b.reserve(7));  // exactly the stock
  CHECK(b.charged() == 10);
  CHECK(b.stocked() == 0);
  REQUIRE(b.reserve(1));  // next slab
  CHECK(b.charged() == 20);
  CHECK(b.held() == 11);
  b.release(11);
  CHECK(b.held() == 0);
  CHECK(b.stocked() <= b.slab());  // at most one slab kept
  check_consistent(b);
  b.drain();
  CHECK(b.charged() == 0);
  CHECK(b.available() == 1000);
}

TEST_CASE("budget_stock: exactly at the limit, and one over") {
  for (std::int64_t slab : {0, 1, 7, 10, 100, 5000}) {
    CAPTURE(slab);
    stock b(100, slab);
    // Piecewise up to the limit: every byte the limit allows is granted.
    std::int64_t got = 0;
    while (got < 100) {
      const std::int64_t piece = std::min<std::int64_t>(3, 100 - got);
      REQUIRE(b.reserve(piece));
      got += piece;
      check_consistent(b);
    }
    CHECK(b.held() == 100);
    CHECK_FALSE(b.reserve(1));  // one over
    CHECK(b.held() == 100);
    CHECK(b.charged() == 100);
    b.release(1);
    CHECK(b.available() == 1);
    CHECK(b.reserve(1));  // the released byte again (from the stock or exact)
    CHECK_FALSE(b.reserve(1));
    b.release(100);
    CHECK(b.held() == 0);
    check_consistent(b);
  }
  // One request of exactly the limit, and the limit + 1.
  stock b(100, 10);
  CHECK_FALSE(b.reserve(101));
  CHECK(b.charged() == 0);
  CHECK(b.reserve(100));
  CHECK(b.held() == 100);
  b.release(100);
  CHECK(b.charged() == 0);
}

TEST_CASE("budget_stock: a refusal drains the stocks, then the exact check decides") {
  stock b(100, 10);
  REQUIRE(b.reserve(1));  // headroom 100 >= threshold: slab charged, 9 in stock
  const bool refilled = b.threshold() <= 100;
  CHECK(b.charged() == (refilled ? 10 : 1));
  // 99 more is exactly the headroom of the held bytes: granted (stock drained first)
  REQUIRE(b.reserve(99));
  CHECK(b.held() == 100);
  CHECK(b.stocked() == 0);
  CHECK(b.charged() == 100);
  CHECK_FALSE(b.reserve(1));
  b.release(100);
  check_consistent(b);
}

TEST_CASE("budget_stock: headroom exactly stripes x slab refills, one below goes exact") {
  const std::int64_t slab = 10;
  stock probe(0, slab);
  const std::int64_t thr = probe.threshold();
  {
    stock b(thr, slab);  // headroom == threshold
    REQUIRE(b.reserve(1));
    CHECK(b.charged() == slab);  // a slab was charged
    CHECK(b.stocked() == slab - 1);
    b.release(1);
    b.drain();
    CHECK(b.charged() == 0);
  }
  {
    stock b(thr - 1, slab);  // headroom one below the threshold
    REQUIRE(b.reserve(1));
    CHECK(b.charged() == 1);  // exact: no slab
    CHECK(b.stocked() == 0);
    // exact reservations up to the limit, then none
    REQUIRE(b.reserve(thr - 2));
    CHECK_FALSE(b.reserve(1));
    CHECK(b.held() == thr - 1);
  }
  {
    // Crossing the threshold from above: slabs while headroom >= threshold, exact below.
    stock b(thr + slab + 1, slab);
    REQUIRE(b.reserve(slab));  // headroom thr + slab + 1: a slab charged and used whole
    CHECK(b.charged() == slab);
    CHECK(b.stocked() == 0);
    REQUIRE(b.reserve(1));  // headroom thr + 1: still a slab
    CHECK(b.charged() == 2 * slab);
    CHECK(b.stocked() == slab - 1);
    REQUIRE(b.reserve(slab - 1));  // from the stock
    REQUIRE(b.reserve(1));         // headroom thr - slab + 1 < thr: exact
    CHECK(b.charged() == 2 * slab + 1);
    CHECK(b.stocked() == 0);
    check_consistent(b);
  }
}

TEST_CASE("budget_stock: a request larger than a slab is exact") {
  stock b(1000, 10);
  REQUIRE(b.reserve(11));
  CHECK(b.charged() == 11);
  CHECK(b.stocked() == 0);
  b.release(11);  // >= slab: straight back
  CHECK(b.charged() == 0);
  CHECK(b.stocked() == 0);
  REQUIRE(b.reserve(10));  // == slab: from a new slab, used whole
  CHECK(b.charged() == 10);
  CHECK(b.stocked() == 0);
  b.release(10);
  CHECK(b.charged() == 0);
}

TEST_CASE("budget_stock: release keeps at most one slab in stock") {
  stock b(1000, 10);
  for (int i = 0; i < 9; ++i) REQUIRE(b.reserve(3));  // 27 held
  CHECK(b.held() == 27);
  for (int i = 0; i < 9; ++i) {
    b.release(3);
    CHECK(b.stocked() <= b.slab());
    check_consistent(b);
  }
  CHECK(b.held() == 0);
  CHECK(b.charged() == b.stocked());
}

TEST_CASE("budget_stock: limit 0") {
  for (std::int64_t slab : {0, 1, 10}) {
    stock b(0, slab);
    CHECK(b.reserve(0));
    CHECK_FALSE(b.reserve(1));
    CHECK_FALSE(b.reserve(i64max));
    CHECK(b.charged() == 0);
    CHECK(b.available() == 0);
  }
}

TEST_CASE("budget_stock: negative limit is unlimited, exact, without stocks") {
  for (std::int64_t limit : {std::int64_t{-1}, i64min}) {
    stock b(limit, 10);
    CHECK(b.slab() == 0);
    CHECK(b.reserve(1));
    CHECK(b.reserve(i64max / 2));
    CHECK(b.charged() == 1 + i64max / 2);
    CHECK(b.stocked() == 0);
    CHECK(b.available() == i64max);
    b.release(1 + i64max / 2);
    CHECK(b.charged() == 0);
  }
}

TEST_CASE("budget_stock: zero and negative amounts") {
  stock b(100, 10);
  CHECK(b.reserve(0));
  CHECK_FALSE(b.reserve(-1));
  CHECK_FALSE(b.reserve(i64min));
  b.release(0);
  b.release(-5);
  b.release(i64min);
  CHECK(b.charged() == 0);
  CHECK(b.held() == 0);
}

TEST_CASE("budget_stock: int64 extremes") {
  SUBCASE("limit int64 max, slab capped") {
    stock b(i64max, i64max);
    CHECK(b.slab() == stock::max_slab);
    CHECK(b.threshold() == stock::max_slab * static_cast<std::int64_t>(b.stripes()));
    REQUIRE(b.reserve(1));
    CHECK(b.charged() == stock::max_slab);
    CHECK(b.held() == 1);
    REQUIRE(b.reserve(i64max - 1));  // exactly the rest: drains the stock, exact
    CHECK(b.held() == i64max);
    CHECK(b.charged() == i64max);
    CHECK_FALSE(b.reserve(1));
    CHECK(b.available() == 0);
    b.release(i64max);
    CHECK(b.charged() == 0);
  }
  SUBCASE("request int64 max against a smaller limit") {
    stock b(i64max - 1, 1 << 20);
    CHECK_FALSE(b.reserve(i64max));
    CHECK(b.charged() == 0);
    REQUIRE(b.reserve(i64max - 1));
    CHECK_FALSE(b.reserve(1));
    b.release(i64max - 1);
    CHECK(b.charged() == 0);
  }
  SUBCASE("negative slab disables the stocks") {
    stock b(100, i64min);
    CHECK(b.slab() == 0);
    REQUIRE(b.reserve(1));
    CHECK(b.charged() == 1);
    CHECK(b.stocked() == 0);
    b.release(1);
    CHECK(b.charged() == 0);
  }
}

TEST_CASE("budget_stock: threads on their own stripes, exact once quiet") {
  stock b(1 << 20, 64);
  int refused = 0;  // written by the thread, read after join
  std::thread t([&] {
    for (int i = 0; i < 1000; ++i) refused += b.reserve(5) ? 0 : 1;
    for (int i = 0; i < 500; ++i) b.release(5);
  });
  for (int i = 0; i < 100; ++i) REQUIRE(b.reserve(3));
  t.join();
  CHECK(refused == 0);
  CHECK(b.held() == 500 * 5 + 300);
  check_consistent(b);
  b.release(2500);  // from another thread than the one that reserved: fine
  b.release(300);
  CHECK(b.held() == 0);
  b.drain();
  CHECK(b.charged() == 0);
}
