// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/store_dir.hpp: the legacy layout migration (docs/semantics.md#store-dir-migration)
// and the store-dir preparation of enableJetStream (docs/semantics.md#server-enable step 2), in temp dirs.
//
// Tests may run as root, where permission bits do not stop writes: the
// read-only cases then use an entry in the way (a file named `jetstream`, a
// dangling symlink) or /proc, whose directories refuse new entries even for
// root, and are skipped with a message only when neither is usable.
#include "jsacct/facade/store_dir.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;
using jsacct::check_store_dir;
using jsacct::prepare_store_dir;

namespace {

/// A fresh temp directory, removed (after restoring permissions) at scope exit.
struct temp_dir {
  fs::path path;
  temp_dir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("jsacct-sd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

void write_file(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

bool is_root() { return ::geteuid() == 0; }

auto accounts(std::set<std::string> names) {
  return [names = std::move(names)](std::string_view n) { return names.count(std::string(n)) > 0; };
}

constexpr const char* acc_key = "ADDZKBJFT5CABYBGCPPBKOLEGGOGKPTLXCYCUVSVYTR4VFS4IUQKR3SK";

/// check_store_dir's result together with the notices it sent to its sink, in order.
struct checked {
  jsacct::result<void> result;
  std::vector<std::string> notices;
  bool ok() const { return result.has_value(); }
  std::string error_text() const { return result.error().text(); }
};

checked check(const std::string& store, const std::function<bool(std::string_view)>& is_account, bool resolver = false) {
  checked c;
  c.result = check_store_dir(store, is_account, resolver, [&c](std::string_view n) { c.notices.emplace_back(n); });
  return c;
}

/// prepare_store_dir's error text, or "<ok>" on success.
std::string prep(const std::string& dir) {
  const auto r = prepare_store_dir(dir);
  return r ? std::string("<ok>") : r.error().text();
}

}  // namespace

TEST_CASE("TestJetStreamStoreDirectoryFix: account dirs beside <store>/jetstream are moved into it") {
  temp_dir t;
  const fs::path sd = t.path;
  write_file(sd / "$G" / "streams" / "TEST" / "meta.inf", "{\"name\":\"TEST\"}");
  write_file(sd / "$G" / "streams" / "TEST" / "obs" / "dlc" / "meta.inf", "consumer");
  write_file(sd / "B" / "streams" / "X" / "meta.inf", "x");
  write_file(sd / "notes.txt", "not an account");
  fs::create_directories(sd / "other");
  const std::string store = (sd / "jetstream").string();

  const auto rep = check(store, accounts({"$G", "B"}));
  REQUIRE(rep.ok());
  CHECK(rep.error_text().empty());
  REQUIRE(rep.notices.size() == 2);
  CHECK(rep.notices[0] ==
        "JetStream relocated account \"" + (sd / "$G").string() + "\" to \"" + (sd / "jetstream" / "$G").string() + "\"");
  CHECK(rep.notices[1] ==
        "JetStream relocated account \"" + (sd / "B").string() + "\" to \"" + (sd / "jetstream" / "B").string() + "\"");
  CHECK(names_in(sd) == std::set<std::string>{"jetstream", "notes.txt", "other"});
  CHECK(names_in(sd / "jetstream") == std::set<std::string>{"$G", "B"});
  CHECK(read_file(sd / "jetstream" / "$G" / "streams" / "TEST" / "meta.inf") == "{\"name\":\"TEST\"}");
  CHECK(read_file(sd / "jetstream" / "$G" / "streams" / "TEST" / "obs" / "dlc" / "meta.inf") == "consumer");
  CHECK((fs::status(sd / "jetstream").permissions() & fs::perms::all) == fs::perms::owner_all);

  // Running again is a no-op: the store dir now has entries.
  const auto again = check(store, accounts({"$G", "B", "other"}));
  CHECK(again.ok());
  CHECK(again.notices.empty());
  CHECK(fs::is_directory(sd / "other"));
}

TEST_CASE("check_store_dir: nothing to do") {
  SUBCASE("store dir has entries") {
    temp_dir t;
    fs::create_directories(t.path / "jetstream" / "$G");
    fs::create_directories(t.path / "A");
    const auto rep = check((t.path / "jetstream").string(), accounts({"A"}));
    CHECK(rep.ok());
    CHECK(rep.notices.empty());
    CHECK(fs::is_directory(t.path / "A"));
  }
  SUBCASE("parent has exactly one entry, even if it is an account") {
    temp_dir t;
    fs::create_directories(t.path / "A");
    const auto rep = check((t.path / "jetstream").string(), accounts({"A"}));
    CHECK(rep.ok());
    CHECK(rep.notices.empty());
    CHECK(names_in(t.path) == std::set<std::string>{"A"});
  }
  SUBCASE("no account entries: no jetstream dir is created") {
    temp_dir t;
    fs::create_directories(t.path / "x");
    fs::create_directories(t.path / "y");
    const auto rep = check((t.path / "jetstream").string(), accounts({}));
    CHECK(rep.ok());
    CHECK(rep.notices.empty());
    CHECK(names_in(t.path) == std::set<std::string>{"x", "y"});
  }
  SUBCASE("missing parent") {
    temp_dir t;
    const auto rep = check((t.path / "nope" / "jetstream").string(), accounts({"A"}));
    CHECK(rep.ok());
    CHECK(rep.notices.empty());
  }
  SUBCASE("null predicate") {
    temp_dir t;
    fs::create_directories(t.path / "A");
    fs::create_directories(t.path / "B");
    const auto rep = check((t.path / "jetstream").string(), nullptr);
    CHECK(rep.ok());
    CHECK(rep.notices.empty());
  }
}

TEST_CASE("check_store_dir: existing empty jetstream dir, files count as accounts too") {
  temp_dir t;
  fs::create_directories(t.path / "jetstream");
  write_file(t.path / "A", "a file named like an account");
  const auto rep = check((t.path / "jetstream").string(), accounts({"A"}));
  REQUIRE(rep.ok());
  CHECK(rep.notices.size() == 1);
  CHECK(read_file(t.path / "jetstream" / "A") == "a file named like an account");
}

TEST_CASE("check_store_dir: NKEY-named dirs move only with an account resolver") {
  temp_dir t;
  fs::create_directories(t.path / acc_key / "streams");
  fs::create_directories(t.path / "UNKNOWN");
  const std::string store = (t.path / "jetstream").string();
  auto rep = check(store, accounts({}), false);
  CHECK(rep.ok());
  CHECK(rep.notices.empty());
  CHECK(fs::is_directory(t.path / acc_key));

  rep = check(store, accounts({}), true);
  CHECK(rep.ok());
  REQUIRE(rep.notices.size() == 1);
  CHECK(fs::is_directory(t.path / "jetstream" / acc_key / "streams"));
  CHECK(fs::is_directory(t.path / "UNKNOWN"));  // not a valid key: stays
}

TEST_CASE("check_store_dir: entries are visited in name order") {
  temp_dir t;
  for (const char* n : {"c", "A", "b", "B"}) fs::create_directories(t.path / n);
  const auto rep = check((t.path / "jetstream").string(), accounts({"c", "A", "b", "B"}));
  REQUIRE(rep.notices.size() == 4);
  const std::vector<std::string> order{"A", "B", "b", "c"};
  for (std::size_t i = 0; i < order.size(); ++i)
    CHECK(rep.notices[i].find("\"" + (t.path / order[i]).string() + "\" to") != std::string::npos);
}

TEST_CASE("check_store_dir: a failing rename is returned, after its notice") {
  // A *file* named jetstream: the store dir cannot be listed (counts as empty),
  // the parent "has" jetstream, and the move into it fails. Works as root too.
  temp_dir t;
  write_file(t.path / "jetstream", "in the way");
  fs::create_directories(t.path / "A");
  fs::create_directories(t.path / "B");
  const std::string store = (t.path / "jetstream").string();
  const auto rep = check(store, accounts({"A", "B"}));
  CHECK_FALSE(rep.ok());
  CHECK(rep.error_text() ==
        "rename " + (t.path / "A").string() + " " + (t.path / "jetstream" / "A").string() + ": not a directory");
  REQUIRE(rep.notices.size() == 1);  // logged before the failed move; B is never tried
  CHECK(rep.notices[0] ==
        "JetStream relocated account \"" + (t.path / "A").string() + "\" to \"" + (t.path / "jetstream" / "A").string() + "\"");
  CHECK(fs::is_directory(t.path / "A"));
  CHECK(fs::is_directory(t.path / "B"));
}

TEST_CASE("check_store_dir: a failing mkdir of <parent>/jetstream is returned") {
  if (!is_root()) {
    temp_dir t;
    fs::create_directories(t.path / "A");
    fs::create_directories(t.path / "B");
    fs::permissions(t.path, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
    const auto rep = check((t.path / "jetstream").string(), accounts({"A"}));
    fs::permissions(t.path, fs::perms::owner_all, fs::perm_options::replace);
    CHECK(rep.error_text() == "mkdir " + (t.path / "jetstream").string() + ": permission denied");
    CHECK(rep.notices.empty());
    CHECK(fs::is_directory(t.path / "A"));
  } else if (fs::is_directory("/proc/self")) {
    // Root ignores permission bits; /proc refuses new directories even for root.
    const auto rep = check("/proc/jetstream", [](std::string_view n) { return n == "self"; });
    CHECK_FALSE(rep.ok());
    CHECK(rep.error_text().rfind("mkdir /proc/jetstream: ", 0) == 0);
    CHECK(rep.notices.empty());
  } else {
    MESSAGE("running as root without /proc: mkdir-failure case skipped");
  }
}

TEST_CASE("prepare_store_dir: creates a missing directory recursively with 0700") {
  temp_dir t;
  const fs::path dir = t.path / "a" / "b" / "jetstream";
  CHECK(prep(dir.string()) == "<ok>");
  CHECK(fs::is_directory(dir));
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK((fs::status(t.path / "a").permissions() & fs::perms::all) == fs::perms::owner_all);
}

TEST_CASE("prepare_store_dir: an existing writable directory passes and is left clean") {
  temp_dir t;
  fs::create_directories(t.path / "js");
  write_file(t.path / "js" / "keep", "k");
  CHECK(prep((t.path / "js").string()) == "<ok>");
  CHECK(names_in(t.path / "js") == std::set<std::string>{"keep"});  // the _test_ file was removed
}

TEST_CASE("prepare_store_dir: not a directory") {
  temp_dir t;
  write_file(t.path / "file", "x");
  CHECK(prep((t.path / "file").string()) == "storage directory is not a directory");
  // Below a file: stat fails with ENOTDIR (not "does not exist"), reported the same way.
  CHECK(prep((t.path / "file" / "sub").string()) == "storage directory is not a directory");
}

TEST_CASE("prepare_store_dir: could not create storage directory") {
  SUBCASE("dangling symlink in the way (works as root)") {
    temp_dir t;
    fs::create_symlink(t.path / "missing" / "target", t.path / "link");
    const std::string e = prep((t.path / "link").string());
    CHECK(e == "could not create storage directory - mkdir " + (t.path / "link").string() + ": file exists");
  }
  SUBCASE("dangling symlink as a parent component") {
    temp_dir t;
    fs::create_symlink(t.path / "missing", t.path / "link");
    const std::string e = prep((t.path / "link" / "js").string());
    CHECK(e == "could not create storage directory - mkdir " + (t.path / "link").string() + ": file exists");
  }
  SUBCASE("read-only parent") {
    if (!is_root()) {
      temp_dir t;
      fs::permissions(t.path, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
      const std::string e = prep((t.path / "x" / "jetstream").string());
      fs::permissions(t.path, fs::perms::owner_all, fs::perm_options::replace);
      CHECK(e == "could not create storage directory - mkdir " + (t.path / "x").string() + ": permission denied");
    } else if (fs::is_directory("/proc/self")) {
      const std::string e = prep("/proc/jsacct-no-such-dir/jetstream");
      CHECK(e == "could not create storage directory - mkdir /proc/jsacct-no-such-dir: no such file or directory");
    } else {
      MESSAGE("running as root without /proc: read-only-parent case skipped");
    }
  }
}

TEST_CASE("prepare_store_dir: storage directory is not writable") {
  if (!is_root()) {
    temp_dir t;
    fs::create_directories(t.path / "js");
    fs::permissions(t.path / "js", fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
    const std::string e = prep((t.path / "js").string());
    fs::permissions(t.path / "js", fs::perms::owner_all, fs::perm_options::replace);
    CHECK(e == "storage directory is not writable");
  } else if (fs::is_directory("/proc/self")) {
    // Root ignores permission bits; /proc is a directory nobody can create files in.
    CHECK(prep("/proc") == "storage directory is not writable");
  } else {
    MESSAGE("running as root without /proc: not-writable case skipped");
  }
}
