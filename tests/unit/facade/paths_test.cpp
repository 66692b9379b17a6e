// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/detail/paths.hpp: Go's filepath.Clean / Join / Dir
// (the cases of Go's own path/filepath tests), and go_mkdir_all at depth: a
// 100,000-component store dir used to overflow the stack through recursion,
// and paths longer than PATH_MAX - 1 are refused with their length, changing
// nothing on disk.
#include "jsacct/facade/detail/paths.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/facade/dyn_config.hpp"
#include "jsacct/facade/store_dir.hpp"
#include "temp_tree.hpp"

namespace fs = std::filesystem;
using facade_test::snapshot;
using facade_test::temp_root;
using jsacct::detail::go_clean;
using jsacct::detail::go_dir;
using jsacct::detail::go_join;
using jsacct::detail::go_mkdir_all;
using jsacct::detail::join_under;
using jsacct::detail::max_path_length;

namespace {

/// `n` repetitions of `part`.
std::string repeat(std::string_view part, std::size_t n) {
  std::string s;
  s.reserve(part.size() * n);
  for (std::size_t i = 0; i < n; ++i) s.append(part);
  return s;
}

/// A path below `root` of exactly `len` bytes made of 200-byte components (the last one shorter).
std::string path_of_length(const std::string& root, std::size_t len) {
  std::string p = root;
  while (p.size() < len) {
    p += '/';
    const std::size_t room = len - p.size();
    p.append(room > 200 ? 200 : (room == 0 ? 1 : room), 'c');
  }
  return p;
}

}  // namespace

TEST_CASE("go_clean: Go's filepath.Clean cases") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"abc", "abc"},
      {"abc/def", "abc/def"},
      {"a/b/c", "a/b/c"},
      {".", "."},
      {"..", ".."},
      {"../..", "../.."},
      {"../../abc", "../../abc"},
      {"/abc", "/abc"},
      {"/", "/"},
      {"", "."},
      {"abc/", "abc"},
      {"abc/def/", "abc/def"},
      {"a/b/c/", "a/b/c"},
      {"./", "."},
      {"../", ".."},
      {"../../", "../.."},
      {"/abc/", "/abc"},
      {"abc//def//ghi", "abc/def/ghi"},
      {"//abc", "/abc"},
      {"///abc", "/abc"},
      {"//abc//", "/abc"},
      {"abc//", "abc"},
      {"abc/./def", "abc/def"},
      {"/./abc/def", "/abc/def"},
      {"abc/.", "abc"},
      {"abc/def/ghi/../jkl", "abc/def/jkl"},
      {"abc/def/../ghi/../jkl", "abc/jkl"},
      {"abc/def/..", "abc"},
      {"abc/def/../..", "."},
      {"/abc/def/../..", "/"},
      {"abc/def/../../..", ".."},
      {"/abc/def/../../..", "/"},
      {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
      {"/../abc", "/abc"},
      {"abc/./../def", "def"},
      {"abc//./../def", "def"},
      {"abc/../../././../def", "../../def"},
      // Names that only look like dot elements stay.
      {"a/.../b", "a/.../b"},
      {"a/..b/.c", "a/..b/.c"},
  };
  for (const auto& c : cases) {  // (clang 14 cannot capture structured bindings)
    CAPTURE(c.first);
    CHECK(go_clean(c.first) == c.second);
    CHECK(go_clean(c.second) == c.second);  // idempotent
  }
}

TEST_CASE("go_join / go_dir: Go's filepath.Join and Dir cases; an absolute part stays under the base") {
  CHECK(go_join({}).empty());
  CHECK(go_join({""}).empty());
  CHECK(go_join({"/"}) == "/");
  CHECK(go_join({"a"}) == "a");
  CHECK(go_join({"a", "b"}) == "a/b");
  CHECK(go_join({"a", ""}) == "a");
  CHECK(go_join({"", "b"}) == "b");
  CHECK(go_join({"/", "a"}) == "/a");
  CHECK(go_join({"/", "a/b"}) == "/a/b");
  CHECK(go_join({"/", ""}) == "/");
  CHECK(go_join({"//", "a"}) == "/a");
  CHECK(go_join({"/a", "b"}) == "/a/b");
  CHECK(go_join({"a/", "b"}) == "a/b");
  CHECK(go_join({"a/", ""}) == "a");
  CHECK(go_join({"", ""}).empty());
  CHECK(go_join({"/", "a", "b"}) == "/a/b");
  // Unlike std::filesystem's operator/, an absolute second part does not replace the first.
  CHECK(go_join({"/store", "/x/victim"}) == "/store/x/victim");
  CHECK((fs::path("/store") / "/x/victim").string() == "/x/victim");
  CHECK(go_join({"/store", "../x"}) == "/x");  // Join cleans; climbing out is the caller's check

  const std::vector<std::pair<std::string, std::string>> dirs{
      {"", "."},   {".", "."},   {"/.", "/"},        {"/", "/"},        {"////", "/"},     {"/foo", "/"},
      {"x/", "x"}, {"abc", "."}, {"abc/def", "abc"}, {"a/b/.x", "a/b"}, {"a/b/c.", "a/b"}, {"a/b/c.x", "a/b"},
  };
  for (const auto& c : dirs) {
    CAPTURE(c.first);
    CHECK(go_dir(c.first) == c.second);
  }
}

TEST_CASE("go_clean / go_join: 100,000 components, linear and without recursion") {
  // Double parentheses: a failure prints `false`, not the 400 kB operands.
  CHECK((go_clean(repeat("a/../", 100'000)) == "."));
  CHECK((go_clean("/" + repeat("../", 100'000)) == "/"));
  CHECK((go_clean(repeat("../", 100'000)) == repeat("../", 99'999) + ".."));
  const std::string deep = repeat("/a", 100'000);
  CHECK((go_clean(deep + "//") == deep));
  CHECK((go_join({"/root", deep}) == "/root" + deep));
}

TEST_CASE("go_mkdir_all: a store dir of 100,000 components is refused (PATH_MAX), nothing is created") {
  temp_root t;
  const auto before = snapshot(t.path);
  const std::string deep = t.path.string() + repeat("/a", 100'000);
  const auto err = go_mkdir_all(deep, 0700);  // used to recurse once per component and overflow the stack
  REQUIRE(err.has_value());
  CHECK(err->code == std::errc::filename_too_long);
  CHECK(err->text.rfind("mkdir " + t.path.string() + "/a/a/", 0) == 0);
  CHECK(err->text.find("...: file name too long (the path is " + std::to_string(deep.size()) + " bytes long; at most " +
                       std::to_string(PATH_MAX - 1) + " bytes are allowed, PATH_MAX - 1)") != std::string::npos);
  CHECK(err->text.size() < 400);  // the path is abbreviated
  CHECK(snapshot(t.path) == before);

  // The same store dir through prepare_store_dir and through the dynamic config's real disk probe
  // (the path `jsacct validate` takes): an error, or the probe's failure value; no crash.
  const auto prep = jsacct::prepare_store_dir(deep);
  REQUIRE_FALSE(prep.has_value());
  const std::string prep_text = prep.error().text();
  CHECK(prep_text.rfind("could not create storage directory - mkdir " + t.path.string(), 0) == 0);
  CHECK(prep_text.find("the path is " + std::to_string(deep.size()) + " bytes long") != std::string::npos);
  CHECK(jsacct::detail::real_disk_available(deep) == jsacct::jetstream_max_store_default);
  jsacct::jetstream_config cfg;
  cfg.store_dir = deep;
  const auto r = jsacct::resolve_enable_config(cfg, {}, jsacct::system_probe{});
  CHECK(r.config.store_dir == deep + "/jetstream");
  CHECK(r.config.max_store == jsacct::jetstream_max_store_default);
  CHECK(snapshot(t.path) == before);
}

TEST_CASE("go_mkdir_all: PATH_MAX - 1 bytes is the longest path, at any depth") {
  temp_root t;
  const std::string root = t.path.string();

  SUBCASE("exactly PATH_MAX - 1 bytes: created") {
    const std::string p = path_of_length(root, max_path_length);
    REQUIRE(p.size() == max_path_length);
    CHECK_FALSE(go_mkdir_all(p, 0700).has_value());
    CHECK(fs::is_directory(p));
    CHECK_FALSE(go_mkdir_all(p, 0700).has_value());  // existing: success
  }
  SUBCASE("PATH_MAX bytes: refused before touching the disk") {
    const auto before = snapshot(t.path);
    const std::string p = path_of_length(root, max_path_length + 1);
    const auto err = go_mkdir_all(p, 0700);
    REQUIRE(err.has_value());
    CHECK(err->code == std::errc::filename_too_long);
    CHECK(err->text.find("the path is " + std::to_string(max_path_length + 1) + " bytes long") != std::string::npos);
    CHECK(snapshot(t.path) == before);
  }
  SUBCASE("2,000 levels below the root, within PATH_MAX") {
    const std::string p = root + repeat("/d", (max_path_length - root.size()) / 2);
    REQUIRE(p.size() <= max_path_length);
    CHECK_FALSE(go_mkdir_all(p, 0700).has_value());
    CHECK(fs::is_directory(p));
    CHECK((fs::status(root + "/d").permissions() & fs::perms::all) == fs::perms::owner_all);
  }
}

TEST_CASE("go_mkdir_all: Go's results for files in the way, trailing and doubled separators") {
  temp_root t;
  const std::string root = t.path.string();
  { std::ofstream(root + "/file") << "x"; }
  auto err = go_mkdir_all(root + "/file", 0700);
  REQUIRE(err.has_value());
  CHECK(err->text == "mkdir " + root + "/file: not a directory");
  err = go_mkdir_all(root + "/file/sub/deeper", 0700);  // the failing component is named
  REQUIRE(err.has_value());
  CHECK(err->code == std::errc::not_a_directory);
  CHECK(err->text == "mkdir " + root + "/file: not a directory");
  CHECK_FALSE(go_mkdir_all(root + "/x//y///", 0700).has_value());
  CHECK(fs::is_directory(root + "/x/y"));
  CHECK_FALSE(go_mkdir_all(root, 0700).has_value());
  err = go_mkdir_all("", 0700);
  REQUIRE(err.has_value());
  CHECK(err->text == "mkdir : no such file or directory");
}

TEST_CASE("join_under: joined like Go, refused unless strictly below the root") {
  using namespace std::string_literals;
  // An absolute part stays under the root, as in Go's filepath.Join.
  CHECK(join_under("/store", {"/x/victim"}) == "/store/x/victim");
  CHECK(join_under("/store/", {"acc", "streams"}) == "/store/acc/streams");
  CHECK(join_under("/store", {"a/../b"}) == "/store/b");
  CHECK(join_under("/store", {"a", "", "b"}) == "/store/a/b");
  CHECK(join_under("store", {"a"}) == "store/a");
  CHECK(join_under("/", {"a"}) == "/a");
  CHECK(join_under(".", {"a"}) == "a");
  CHECK(join_under("", {"a"}) == "a");
  CHECK(join_under("../..", {"a"}) == "../../a");
  CHECK(join_under("/store", {"...", "..a"}) == "/store/.../..a");
  CHECK(join_under("/store", {"../store/a"}) == "/store/a");  // out and back in: lexically below
  // Climbing out, or landing on the root itself.
  for (const std::string_view part : {"..", "../x", "a/../..", "a/../../store2", "/..", ".", "", "a/..", "//"}) {
    CAPTURE(part);
    CHECK_FALSE(join_under("/store", {part}).has_value());
  }
  CHECK_FALSE(join_under("/store", {"a", "../.."}).has_value());
  CHECK_FALSE(join_under("/store", {}).has_value());
  CHECK_FALSE(join_under("/", {".."}).has_value());
  CHECK_FALSE(join_under(".", {".."}).has_value());
  CHECK(join_under(".", {"/a"}) == "a");
  CHECK_FALSE(join_under("..", {".."}).has_value());
  CHECK_FALSE(join_under("../..", {"../a"}).has_value());
  CHECK_FALSE(join_under("/store", {"../store"}).has_value());
  CHECK_FALSE(join_under("/st", {"../store/x"}).has_value());  // a sibling that shares the prefix
  // NUL anywhere: the OS would see a shorter path.
  CHECK_FALSE(join_under("/store", {"a\0b"s}).has_value());
  CHECK_FALSE(join_under("/store", {"a\0/../.."s}).has_value());
  CHECK_FALSE(join_under("/store", {"\0"s}).has_value());
  CHECK_FALSE(join_under(std::string("/st\0re", 6), {"a"}).has_value());
  // Very long parts: linear, no recursion.
  const std::string deep = repeat("a/", 50'000);
  CHECK((join_under("/store", {deep}) == "/store/" + deep.substr(0, deep.size() - 1)));
  CHECK_FALSE(join_under("/store", {deep + repeat("../", 50'001)}).has_value());
  CHECK((join_under("/store", {deep + repeat("../", 49'999)}) == "/store/a"));
}
