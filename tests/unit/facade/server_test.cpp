// SPDX-License-Identifier: Apache-2.0
// The facade's server and account lifecycle (docs/semantics.md#server-enable, docs/semantics.md#server-restart to
// docs/semantics.md#out-of-space, docs/semantics.md#resources-exceeded-log to docs/semantics.md#server-getters,
// docs/semantics.md#account-lifecycle), in temp dirs with injected probes and clock.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/facade/server.hpp"
#include "result_print.hpp"
#include "temp_tree.hpp"

using namespace jsacct;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "jsacct-server-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct harness {
  temp_dir dir;
  std::vector<server_event> events;
  std::chrono::steady_clock::time_point now{};
  server_setup setup() {
    server_setup s;
    s.probe.total_memory = [] { return std::int64_t{16} << 30; };
    s.probe.process_memory_limit = [] { return std::optional<std::int64_t>{}; };
    s.probe.disk_available = [](const std::string&) { return std::int64_t{3} << 40; };
    s.probe.temp_dir = [this] { return dir.path.string(); };
    s.on_event = [this](const server_event& e) { events.push_back(e); };
    s.clock = [this] { return now; };
    return s;
  }
  bool saw(server_event_kind k, const std::string& text) const {
    for (const auto& e : events)
      if (e.kind == k && e.text == text) return true;
    return false;
  }
  jetstream_config explicit_cfg(std::int64_t mem, std::int64_t store) const {
    jetstream_config c;
    c.max_memory = mem;
    c.max_store = store;
    c.store_dir = dir.path.string();
    return c;
  }
};

account_limits mem_store_limits(std::int64_t mem, std::int64_t store) {
  account_limits l = dynamic_account_limits;
  l.max_memory = mem;
  l.max_store = store;
  return l;
}

}  // namespace

TEST_CASE("docs/semantics.md#server-enable enable: explicit path appends /jetstream, second enable is refused") {
  harness h;
  jetstream_server s(h.setup());
  CHECK_FALSE(s.enabled());
  CHECK(s.store_dir().empty());
  CHECK_FALSE(s.config().has_value());
  CHECK(s.num_accounts() == 0);
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 10 << 20)));
  CHECK(s.enabled());
  CHECK(s.store_dir() == (h.dir.path / "jetstream").string());
  CHECK(fs::is_directory(h.dir.path / "jetstream"));
  CHECK(s.config()->max_memory == (1 << 20));
  CHECK(s.config()->max_store == (10 << 20));
  CHECK(h.saw(server_event_kind::notice, "Starting JetStream"));
  CHECK(h.saw(server_event_kind::notice, "  Max Memory:      1.00 MB"));
  CHECK(h.saw(server_event_kind::notice, "  Max Storage:     10.00 MB"));
  const api_error again = s.enable(h.explicit_cfg(1 << 20, 10 << 20)).error();
  CHECK(again.text() == "jetstream already enabled");
  CHECK(again.err_code() == 0);
}

TEST_CASE(
    "docs/semantics.md#server-enable, docs/semantics.md#dynamic-config enable without a config: dynamic, 75% of memory, disk "
    "probe, temp dir warning") {
  harness h;
  jetstream_server s(h.setup());
  REQUIRE(s.enable());
  CHECK(s.config()->max_memory == (std::int64_t{16} << 30) / 4 * 3);
  CHECK(s.config()->max_store == std::int64_t{3} << 40);
  CHECK(s.store_dir() == (h.dir.path / "nats" / "jetstream").string());
  CHECK(h.saw(server_event_kind::warning, "Temporary storage directory used, data could be lost on system reboot"));
}

TEST_CASE("docs/semantics.md#server-enable step 2: a file where the store dir should be") {
  harness h;
  jetstream_server s(h.setup());
  fs::create_directories(h.dir.path / "x");
  {
    std::FILE* f = std::fopen((h.dir.path / "x" / "jetstream").c_str(), "w");
    std::fclose(f);
  }
  jetstream_config c = h.explicit_cfg(1 << 20, 1 << 20);
  c.store_dir = (h.dir.path / "x").string();
  const api_error e = s.enable(c).error();
  CHECK(e.text() == "storage directory is not a directory");
  // The engine stays published after a late failure (docs/semantics.md#server-enable step 1).
  CHECK(s.enabled());
  CHECK(s.config().has_value());
}

TEST_CASE(
    "docs/semantics.md#server-shutdown disable and shutdown drop the engine; docs/semantics.md#server-getters getters; "
    "TestJetStreamDisabledHealthz (state part)") {
  harness h;
  jetstream_server s(h.setup());
  CHECK(s.disable());  // not enabled -> success
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  s.register_account("A");
  REQUIRE(s.enable_account("A"));
  auto a = s.lookup_account("A");
  REQUIRE(a);
  engine::account handle = a.value();
  CHECK(s.shutdown());
  CHECK_FALSE(s.enabled());
  CHECK(s.shutting_down());
  CHECK(s.num_accounts() == 0);
  CHECK(s.store_dir().empty());
  CHECK_FALSE(handle.enabled());  // the engine went away: handles see their account disabled
  auto rr = s.reserved_resources();
  CHECK_FALSE(rr);
  CHECK(rr.error().err_code() == 10039);
  // enable_account without JetStream: 10076 "JetStream not enabled" (TestJetStreamDisabledHealthz's error).
  const api_error e = s.enable_account("A").error();
  CHECK(e.err_code() == 10076);
  CHECK(e.description() == "JetStream not enabled");
  // Restart brings the configured account back (docs/semantics.md#account-wiring).
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  CHECK(s.account_enabled("A"));
  CHECK(s.num_accounts() == 1);
}

TEST_CASE("docs/semantics.md#server-restart restart: a failing enable is logged and swallowed") {
  harness h;
  jetstream_server s(h.setup());
  fs::create_directories(h.dir.path / "y");
  {
    std::FILE* f = std::fopen((h.dir.path / "y" / "jetstream").c_str(), "w");
    std::fclose(f);
  }
  jetstream_config c = h.explicit_cfg(1 << 20, 1 << 20);
  c.store_dir = (h.dir.path / "y").string();
  CHECK(s.restart(c));  // the shutdown's success is returned
  CHECK(h.saw(server_event_kind::notice, "Restarting JetStream"));
  CHECK(h.saw(server_event_kind::warning, "Can't start JetStream: storage directory is not a directory"));
  CHECK_FALSE(s.enabled());
}

TEST_CASE("docs/semantics.md#server-getters enabled for domain: local flag or any peer") {
  harness h;
  jetstream_server s(h.setup());
  const bool none[] = {false, false};
  const bool one[] = {false, true};
  CHECK_FALSE(s.enabled_for_domain(none));
  CHECK(s.enabled_for_domain(one));
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  CHECK(s.enabled_for_domain(none));
}

TEST_CASE("docs/semantics.md#out-of-space out of space: once per engine, advisory, shutdown keeps state") {
  harness h;
  jetstream_server s(h.setup());
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  CHECK(s.handle_out_of_space(storage_type::file, "ORDERS"));
  CHECK(h.saw(server_event_kind::error, "JetStream out of File resources, will be DISABLED"));
  bool advisory = false;
  for (const auto& e : h.events)
    if (e.kind == server_event_kind::advisory) {
      advisory = true;
      CHECK(e.subject == "$JS.EVENT.ADVISORY.SERVER.OUT_OF_STORAGE");
      CHECK(e.text.find("\"type\":\"io.nats.jetstream.advisory.v1.server_out_of_space\"") != std::string::npos);
      CHECK(e.text.find("\"stream\":\"ORDERS\"") != std::string::npos);
    }
  CHECK(advisory);
  CHECK_FALSE(s.enabled());
  CHECK_FALSE(s.handle_out_of_space());  // never twice
  // A new engine starts with the flag clear.
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  CHECK(s.handle_out_of_space());
  CHECK(h.saw(server_event_kind::error, "JetStream out of resources, will be DISABLED"));
}

TEST_CASE("docs/semantics.md#out-of-space write permission error: logs and shuts down, only when enabled") {
  harness h;
  jetstream_server s(h.setup());
  CHECK_FALSE(s.handle_write_permission_error());
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  CHECK(s.handle_write_permission_error());
  CHECK(h.saw(server_event_kind::error, "File system permission denied while writing, disabling JetStream"));
  CHECK_FALSE(s.enabled());
}

TEST_CASE("docs/semantics.md#resources-exceeded-log resources exceeded alert: at most once per 10 s (strictly more)") {
  harness h;
  jetstream_server s(h.setup());
  h.now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  CHECK(s.resources_exceeded_error(storage_type::memory));
  CHECK(h.saw(server_event_kind::error, "JetStream memory resource limits exceeded for server"));
  h.now += std::chrono::seconds(10);
  CHECK_FALSE(s.resources_exceeded_error(storage_type::file));  // exactly 10 s: throttled
  h.now += std::chrono::nanoseconds(1);
  CHECK(s.resources_exceeded_error(storage_type::file));
  CHECK(h.saw(server_event_kind::error, "JetStream file resource limits exceeded for server"));
}

TEST_CASE("TestJetStreamEnableAndDisableAccount (docs/semantics.md#account-enable, docs/semantics.md#account-disable)") {
  harness h;
  jetstream_server s(h.setup());
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  s.register_account("$G");
  s.register_account("$FOO");
  s.register_account("$BAR");
  REQUIRE(s.enable_account("$G"));
  CHECK(s.num_accounts() == 1);
  REQUIRE(s.disable_account("$G"));
  CHECK(s.num_accounts() == 0);
  CHECK(s.reserved_resources()->mem == 0);
  CHECK(s.reserved_resources()->store == 0);
  REQUIRE(s.enable_account("$FOO"));
  CHECK(s.num_accounts() == 1);
  CHECK(s.account_configured("$FOO"));
  REQUIRE(s.disable_account("$FOO"));
  CHECK(s.num_accounts() == 0);
  CHECK(s.account_configured("$FOO"));                           // configured limits are kept (docs/semantics.md#account-disable)
  CHECK(s.disable_account("$BAR").error().err_code() == 10039);  // never enabled
  CHECK(s.enable_account("$UNREGISTERED").error().text() == "jetstream account not registered");
}

TEST_CASE("TestJetStreamCanNotEnableOnSystemAccount (docs/semantics.md#account-enable step 2)") {
  harness h;
  jetstream_server s(h.setup());
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
  s.register_account("$SYS");
  CHECK(s.enable_account("$SYS").error().text() == "jetstream can not be enabled on the system account");
}

TEST_CASE(
    "TestJetStreamSystemLimits: account admission against the server (docs/semantics.md#sufficient-resources, "
    "docs/semantics.md#account-enable to docs/semantics.md#account-limits-update)") {
  harness h;
  jetstream_server s(h.setup());
  REQUIRE(s.enable(h.explicit_cfg(1024, 8192)));
  for (const char* n : {"F", "B", "Z"}) s.register_account(n);
  CHECK(s.enable_account("F", {{"", mem_store_limits(24, 192)}}));
  CHECK(s.enable_account("B", {{"", mem_store_limits(1000, 0)}}));  // exactly 1024 memory in all
  CHECK(s.enable_account("Z", {{"", mem_store_limits(1000, 0)}}).error().err_code() == 10028);
  CHECK(s.enable_account("Z", {{"", mem_store_limits(0, 10000)}}).error().err_code() == 10047);
  CHECK(s.disable_account("F"));
  CHECK(s.disable_account("B"));
  CHECK(s.reserved_resources()->mem == 0);
  CHECK(s.enable_account("F", {{"", mem_store_limits(24, 192)}}));
  account_limits full = mem_store_limits(1024, 8192);
  full.max_streams = 10;
  full.max_consumers = 10;
  CHECK(s.update_account_limits("F", {{"", full}}));  // exactly at the server max
  CHECK(s.lookup_account("F")->limits().at("") == full);
}

TEST_CASE(
    "TestJetStreamJWTLimits: diff-checked updates keep the old limits on failure (docs/semantics.md#account-limits-update)") {
  harness h;
  jetstream_server s(h.setup());
  REQUIRE(s.enable(h.explicit_cfg(10 << 20, 10 << 20)));
  s.register_account("A");
  account_limits l1 = mem_store_limits(1 << 20, 2 << 20);
  l1.max_streams = 1;
  l1.max_consumers = 2;
  l1.max_bytes_required = true;
  account_limits l2 = mem_store_limits(4 << 20, 8 << 20);
  l2.max_streams = 3;
  l2.max_consumers = 4;
  account_limits too_big = mem_store_limits(8 << 20, 16 << 20);
  REQUIRE(s.enable_account("A", {{"", l1}}));
  CHECK(s.update_account_limits("A", {{"", l2}}));
  CHECK(s.update_account_limits("A", {{"", l2}}));  // re-applying: the diff is 0, not double counted
  CHECK(s.update_account_limits("A", {{"", too_big}}).error().err_code() == 10047);
  CHECK(s.lookup_account("A")->limits().at("") == l2);  // old limits stay in force
}

// ---------------------------------------------------------------- issue 17 item 9: paths from account names

TEST_CASE("enable_account(\"/x/victim\") leaves /x/victim/__snapshots__ alone (the reported data loss)") {
  harness h;
  const fs::path root = h.dir.path;
  fs::create_directories(root / "x" / "victim" / "__snapshots__");
  { std::ofstream(root / "x" / "victim" / "__snapshots__" / "keep") << "not the store's"; }
  fs::create_directories(root / "x" / "victim" / "empty-dir");
  jetstream_server s(h.setup());
  jetstream_config c = h.explicit_cfg(1 << 20, 1 << 20);
  c.store_dir = (root / "store").string();
  REQUIRE(s.enable(c));
  const std::string victim = (root / "x" / "victim").string();  // an absolute account name
  s.register_account(victim);
  const auto before = facade_test::snapshot(root);

  const api_error e = s.enable_account(victim).error();  // ran remove_all("<root>/x/victim/__snapshots__")
  CHECK(e.err_code() == 10051);
  CHECK(e.description() == "account name can not contain path separators");
  CHECK(facade_test::snapshot(root) == before);  // nothing changed anywhere, the store included
  CHECK(fs::exists(root / "x" / "victim" / "__snapshots__" / "keep"));
  CHECK_FALSE(s.account_enabled(victim));
  CHECK_FALSE(s.account_configured(victim));  // refused before the limits are recorded
  CHECK(s.num_accounts() == 0);
}

TEST_CASE("enable_account: absolute, '..', NUL, empty and very long names change nothing on disk") {
  harness h;
  const fs::path root = h.dir.path;
  fs::create_directories(root / "outside" / "__snapshots__");
  fs::create_directories(root / "store" / "jetstream" / "__snapshots__");
  jetstream_server s(h.setup());
  jetstream_config c = h.explicit_cfg(1 << 20, 1 << 20);
  c.store_dir = (root / "store").string();
  REQUIRE(s.enable(c));
  using namespace std::string_literals;
  const std::vector<std::string> names{
      "/",
      "..",
      "../outside",
      "../../x",
      "x/../..",
      "/etc",
      "a/b",
      "a\\b",
      "",
      ".",
      "a.b",
      "..\\outside",
      "\0"s,
      "a\0b"s,
      "a\0/../../x"s,
      " ",
      "a\tb",
      "*",
      ">",
      std::string(256, 'a'),
      std::string(100'000, 'a'),
      std::string(5000, '/'),
  };
  const auto before = facade_test::snapshot(root);
  for (const auto& name : names) {
    CAPTURE(name.size());
    CAPTURE(name.substr(0, 40));
    s.register_account(name);
    const api_error e = s.enable_account(name).error();
    CHECK(e.err_code() == 10051);
    CHECK_FALSE(s.account_enabled(name));
    CHECK_FALSE(s.account_configured(name));
    CHECK(facade_test::snapshot(root) == before);
  }
  CHECK(s.num_accounts() == 0);
  CHECK(s.enable_account(std::string(300, 'a')).error().description() ==
        "jetstream account not registered");  // the registry is asked first

  // The longest name that is allowed (255 bytes) works and leaves the tree as it was:
  // its directories are created for the probe and removed again.
  const std::string longest(255, 'L');
  s.register_account(longest);
  CHECK(s.enable_account(longest));
  CHECK(s.account_enabled(longest));
  CHECK(facade_test::snapshot(root) == before);
}

// ---------------------------------------------------------------- issue 17 item 11: queued asynchronous shutdowns

TEST_CASE("a queued out-of-space shutdown that runs after the server is destroyed does nothing") {
  harness h;
  std::vector<std::function<void()>> queue;  // a task runner that has not got round to it yet
  {
    server_setup st = h.setup();
    st.run_async = [&queue](std::function<void()> f) { queue.push_back(std::move(f)); };
    jetstream_server s(st);
    REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
    CHECK(s.handle_out_of_space(storage_type::file, "ORDERS"));
    CHECK(s.handle_write_permission_error());
    CHECK(queue.size() == 2);
    CHECK(s.enabled());  // queued, not run
  }
  const std::size_t events = h.events.size();
  for (auto& task : queue) task();  // used the destroyed server before (ASan: stack-use-after-scope)
  CHECK(h.events.size() == events);
}

TEST_CASE("a queued shutdown stops the engine it was queued for, not one enabled since") {
  harness h;
  std::vector<std::function<void()>> queue;
  server_setup st = h.setup();
  st.run_async = [&queue](std::function<void()> f) { queue.push_back(std::move(f)); };
  jetstream_server s(st);
  REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));

  SUBCASE("the same engine: shut down, state kept") {
    CHECK(s.handle_out_of_space());
    REQUIRE(queue.size() == 1);
    CHECK(s.enabled());
    queue.front()();
    CHECK_FALSE(s.enabled());
    CHECK(s.shutting_down());
    CHECK(h.saw(server_event_kind::notice, "JetStream Shutdown"));
    queue.front()();  // running it twice is harmless
    CHECK_FALSE(s.enabled());
  }
  SUBCASE("shut down and enabled again before the task runs: the new engine stays") {
    CHECK(s.handle_write_permission_error());
    REQUIRE(queue.size() == 1);
    REQUIRE(s.shutdown());
    REQUIRE(s.enable(h.explicit_cfg(1 << 20, 1 << 20)));
    queue.front()();
    CHECK(s.enabled());
  }
}

TEST_CASE("destroying the server waits for a shutdown task running on another thread") {
  harness h;
  std::atomic<bool> task_started{false}, task_finished{false};
  std::thread runner;
  server_setup st = h.setup();
  st.on_event = [&](const server_event& e) {
    if (e.text == "Initiating JetStream Shutdown...") {
      task_started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // widen the window for the destructor
    }
    if (e.text == "JetStream Shutdown") task_finished = true;
  };
  st.run_async = [&runner](std::function<void()> f) { runner = std::thread(std::move(f)); };
  auto s = std::make_unique<jetstream_server>(st);
  REQUIRE(s->enable(h.explicit_cfg(1 << 20, 1 << 20)));
  REQUIRE(s->handle_out_of_space());
  while (!task_started) std::this_thread::yield();
  s.reset();  // the task is inside shutdown(): the destructor waits for it
  CHECK(task_finished);
  runner.join();
}
