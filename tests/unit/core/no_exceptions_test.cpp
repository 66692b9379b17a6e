// SPDX-License-Identifier: Apache-2.0
// Built with -fno-exceptions: reading the value of an error result prints the
// error's text to stderr and aborts (no exception to throw, never a crash on
// garbage). A child process does the bad access; the parent checks how it ended.
#if defined(__cpp_exceptions)
#error "this test must be built with -fno-exceptions"
#endif

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "jsacct/jsacct.hpp"

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

/// Runs `f` in a child with stderr captured; returns (terminating signal, stderr text).
template <class F>
std::pair<int, std::string> run_child(F f) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, {}};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    f();
    _exit(0);  // reached only when f did not abort
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFSIGNALED(status) ? WTERMSIG(status) : 0, out};
}
}  // namespace

int main() {
  using namespace jsacct;
  {
    auto [sig, err] = run_child([] {
      result<int> r = errc::storage_resources_exceeded;
      std::printf("%d", r.value());
    });
    expect(sig == SIGABRT, "value() of an error aborts");
    expect(err == "jsacct: bad result access: insufficient storage resources available (10047)\n", "the text is on stderr");
  }
  {
    auto [sig, err] = run_child([] {
      engine js(jetstream_config{.max_memory = 1 << 20, .max_store = 1 << 20});
      auto a = js.enable_account("A").value();
      auto s = a.create_stream(stream_config{.name = "S", .max_bytes = 2 << 20});
      (void)s->did_create();
    });
    expect(sig == SIGABRT, "operator-> of a refused create aborts");
    expect(err == "jsacct: bad result access: insufficient storage resources available (10047)\n", "refusal text");
  }
  {
    auto [sig, err] = run_child([] {
      result<void> r = api_error(errc::stream_invalid_config, "maximum replicas is 5");
      r.value();
    });
    expect(sig == SIGABRT, "result<void>::value() of an error aborts");
    expect(err == "jsacct: bad result access: maximum replicas is 5 (10052)\n", "templated text");
  }
  {
    auto [sig, err] = run_child([] {
      result<int> r = 5;
      if (r.value() != 5) std::abort();
    });
    expect(sig == 0 && err.empty(), "value() of a value does not abort");
  }
  if (failures == 0) std::puts("no-exceptions: 7 checks passed");
  return failures == 0 ? 0 : 1;
}
