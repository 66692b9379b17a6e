// SPDX-License-Identifier: Apache-2.0
// The server's striped used-bytes counter: stripes sized to the CPUs, handed to
// live threads (given back when a thread ends), sums exact whatever the threads do.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core_helpers.hpp"

using namespace jsacct;

namespace {
using counter8 = striped_counter<atomic_counter, 8>;

// Runs f on a new thread and returns what it returned, after the thread ended.
template <class F>
auto on_thread(F f) {
  decltype(f()) r{};
  std::thread t([&] { r = f(); });
  t.join();
  return r;
}
}  // namespace

TEST_CASE("striped_counter: active stripes are the CPU count clamped to [1, 8]") {
  const auto n = detail::active_stripes();
  CHECK(n >= 1);
  CHECK(n <= detail::max_stripes);
  const unsigned hc = std::thread::hardware_concurrency();
  if (hc != 0) CHECK(n == std::min<std::size_t>(hc, detail::max_stripes));
  CHECK(detail::thread_stripe() < n);
  CHECK(on_thread([] { return detail::thread_stripe(); }) < n);
}

TEST_CASE("striped_counter: sums stay exact with threads coming and going") {
  counter8 c;
  std::int64_t expected = 0;
  c.add(5);
  expected += 5;
  CHECK(c.load() == expected);
  for (int round = 0; round < 6; ++round) {
    // more threads than stripes in some rounds (shared stripes), fewer in others
    const int nthreads = 1 + round * 3;
    std::vector<std::thread> ts;
    for (int t = 0; t < nthreads; ++t) {
      const std::int64_t d = (t % 2 == 0 ? 1 : -3) * (round + 1);
      ts.emplace_back([&c, d] {
        for (int i = 0; i < 10000; ++i) c.add(d);
        c.add(-d);  // net (10000 - 1) * d
      });
      expected += 9999 * d;
    }
    for (auto& t : ts) t.join();
    CHECK(c.load() == expected);
    c.add(-7);  // the main thread keeps adding between rounds
    expected -= 7;
    CHECK(c.load() == expected);
  }
  // wrapping, like Go's int64
  counter8 w;
  w.add(std::numeric_limits<std::int64_t>::max());
  on_thread([&w] {
    w.add(1);
    return 0;
  });
  CHECK(w.load() == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("striped_counter: two live threads get different stripes; an ended thread's stripe is reused") {
  if (detail::active_stripes() < 2) return;
  const std::size_t mine = detail::thread_stripe();  // the main thread holds its stripe while it lives
  std::size_t other = 0;
  std::atomic<bool> got{false}, done{false};
  std::thread t([&] {
    other = detail::thread_stripe();
    got = true;
    while (!done) std::this_thread::yield();
  });
  while (!got) std::this_thread::yield();
  CHECK(other != mine);
  CHECK(other < detail::active_stripes());
  done = true;
  t.join();
  // the ended thread gave its stripe back: a new thread takes the lowest free one again
  CHECK(on_thread([] { return detail::thread_stripe(); }) == other);
  CHECK(on_thread([] { return detail::thread_stripe(); }) != mine);
}
