// SPDX-License-Identifier: Apache-2.0
/// \file
/// A progress line on standard error for long replays: "jsacct: op 120 of
/// 340 (35%)", shown only when enabled (stderr is a terminal, or asked for)
/// and once the run has taken longer than a delay (1 s), redrawn at most every
/// 100 ms, erased at the end. The clock is injectable so the timing can be
/// tested without a terminal or real time passing.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace jsacct_cli {

class progress_meter {
 public:
  using clock = std::chrono::steady_clock;
  using now_fn = std::function<clock::time_point()>;

  progress_meter(
      std::ostream& out, bool enabled, std::chrono::milliseconds delay = std::chrono::seconds(1),
      now_fn now = [] { return clock::now(); })
      : out_(out), enabled_(enabled), delay_(delay), now_(std::move(now)), start_(now_()) {}
  progress_meter(const progress_meter&) = delete;
  progress_meter& operator=(const progress_meter&) = delete;
  ~progress_meter() { finish(); }

  /// `done` of `total` ops are finished.
  void update(std::size_t done, std::size_t total) {
    if (!enabled_) return;
    const auto t = now_();
    if (t - start_ < delay_) return;
    if (drawn_ && t - last_ < redraw_interval) return;
    const std::size_t pct = total == 0 ? 100 : (done >= total ? 100 : done * 100 / total);
    const std::string line = fmt::format("jsacct: op {} of {} ({}%)", done, total, pct);
    // Pad to the previous width so a shorter line leaves no stale characters.
    out_ << '\r' << line << std::string(width_ > line.size() ? width_ - line.size() : 0, ' ') << std::flush;
    width_ = line.size();
    drawn_ = true;
    last_ = t;
  }

  /// Erase the line (if one was drawn), so the next output starts clean.
  void finish() {
    if (!drawn_) return;
    out_ << '\r' << std::string(width_, ' ') << '\r' << std::flush;
    drawn_ = false;
  }

  bool drawn() const { return drawn_; }

  static constexpr std::chrono::milliseconds redraw_interval{100};

 private:
  std::ostream& out_;
  bool enabled_;
  std::chrono::milliseconds delay_;
  now_fn now_;
  clock::time_point start_, last_{};
  std::size_t width_ = 0;
  bool drawn_ = false;
};

}  // namespace jsacct_cli
