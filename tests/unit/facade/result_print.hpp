// SPDX-License-Identifier: Apache-2.0
// doctest printing of jsacct::result<T>, so that a failed REQUIRE(call(...))
// shows the error's text: "ok" or "error: <text>".
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "jsacct/error.hpp"

namespace doctest {
template <class T>
struct StringMaker<jsacct::result<T>> {
  static String convert(const jsacct::result<T>& r) {
    if (r.has_value()) return String("ok");
    return String(("error: " + r.error().text()).c_str());
  }
};
}  // namespace doctest
