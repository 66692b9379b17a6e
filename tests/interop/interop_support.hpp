// SPDX-License-Identifier: Apache-2.0
// Interop test support (POSIX): temporary directories, child processes that
// are always killed (RAII, plus PR_SET_PDEATHSIG so they die with the test
// even when it crashes or is killed by a timeout), free loopback ports, and a
// nats-server started on 127.0.0.1 with bounded waits.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace interop {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A fresh directory under $TMPDIR, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "jsacct-interop-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

/// True when something accepts TCP connections on 127.0.0.1:port.
inline bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// Poll `pred` every `step` until it holds or `limit` passes.
inline bool wait_until(const std::function<bool()>& pred, steady::duration limit, steady::duration step = 20ms) {
  const auto deadline = steady::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

/// A child process, killed (SIGKILL) and reaped when this object goes away.
/// Optionally with pipes to its stdin and from its stdout; stderr goes to a file or is inherited.
class child_process {
 public:
  struct options {
    bool pipe_stdin = false;
    bool pipe_stdout = false;
    std::string stderr_file;  ///< "" = inherit
    std::string stdout_file;  ///< "" = inherit (unless piped)
  };

  child_process(const std::vector<std::string>& argv, const options& o) {
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (o.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (o.pipe_stdout && ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // Child: die with the parent, whatever happens to it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      if (o.pipe_stdin) ::dup2(in[0], 0);
      if (o.pipe_stdout) {
        ::dup2(out[1], 1);
      } else if (!o.stdout_file.empty()) {
        const int fd = ::open(o.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) ::dup2(fd, 1);
      }
      if (!o.stderr_file.empty()) {
        const int fd = ::open(o.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) ::dup2(fd, 2);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    if (o.pipe_stdin) {
      ::close(in[0]);
      stdin_ = in[1];
    }
    if (o.pipe_stdout) {
      ::close(out[1]);
      stdout_ = out[0];
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() { kill(); }

  pid_t pid() const { return pid_; }

  /// SIGKILL and reap (idempotent).
  void kill() {
    close_stdin();
    if (stdout_ >= 0) {
      ::close(stdout_);
      stdout_ = -1;
    }
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {}
      exited_ = true;
    }
  }

  /// Wait up to `limit` for the process to exit by itself; its exit status, or nullopt (still running).
  std::optional<int> wait_exit(steady::duration limit) {
    if (exited_) return status_;
    const auto deadline = steady::now() + limit;
    for (;;) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      if (steady::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(10ms);
    }
  }

  bool running() {
    if (exited_) return false;
    return !wait_exit(0ms).has_value();
  }

  /// Write a line (adds '\n') to the child's stdin.
  bool write_line(const std::string& line) {
    if (stdin_ < 0) return false;
    std::string s = line + "\n";
    const char* p = s.data();
    std::size_t left = s.size();
    while (left > 0) {
      const ssize_t n = ::write(stdin_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return true;
  }

  void close_stdin() {
    if (stdin_ >= 0) {
      ::close(stdin_);
      stdin_ = -1;
    }
  }

  /// Read one line from the child's stdout within `limit` (nullopt on timeout or EOF).
  std::optional<std::string> read_line(steady::duration limit) {
    const auto deadline = steady::now() + limit;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      if (stdout_ < 0) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return std::nullopt;
      char tmp[4096];
      const ssize_t n = ::read(stdout_, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool exited_ = false;
  std::optional<int> status_;
  std::string buf_;
};

/// The nats-server binary: $NATS_SERVER, else the first of PATH / /usr/sbin / /usr/bin that exists.
inline std::string nats_server_path() {
  if (const char* e = std::getenv("NATS_SERVER"); e != nullptr && *e != '\0') return e;
  std::vector<std::string> dirs;
  if (const char* p = std::getenv("PATH")) {
    std::string s = p;
    std::size_t start = 0;
    for (;;) {
      const auto colon = s.find(':', start);
      dirs.push_back(s.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  dirs.insert(dirs.end(), {"/usr/sbin", "/usr/bin", "/usr/local/bin"});
  for (const auto& d : dirs) {
    const auto p = std::filesystem::path(d) / "nats-server";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

/// A nats-server on 127.0.0.1 with a random free client port, its own temp
/// dir (config, log, store) and the given config body (`port`/`host` are
/// added). Waits (bounded) until the client port accepts connections;
/// throws if it does not within `start_limit`. Always killed on destruction.
class nats_server {
 public:
  explicit nats_server(const std::string& config_body, steady::duration start_limit = 10s) {
    const std::string bin = nats_server_path();
    if (bin.empty()) throw std::runtime_error("nats-server not found (set NATS_SERVER)");
    for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken in between: retry
      port_ = free_port();
      const auto cfg = dir_.path() / "server.conf";
      {
        std::ofstream f(cfg);
        f << "host: 127.0.0.1\nport: " << port_ << "\n" << replace_store_dir(config_body);
      }
      child_process::options o;
      o.stderr_file = (dir_.path() / "server.log").string();
      o.stdout_file = o.stderr_file;
      proc_.emplace(std::vector<std::string>{bin, "-c", cfg.string()}, o);
      const auto t0 = steady::now();
      const bool up = wait_until([&] { return port_open(port_) || !proc_->running(); }, start_limit) && proc_->running();
      startup_ = steady::now() - t0;
      if (up) return;
      proc_->kill();
      proc_.reset();
    }
    throw std::runtime_error("nats-server did not start; log:\n" + log());
  }
  nats_server(const nats_server&) = delete;
  nats_server& operator=(const nats_server&) = delete;
  ~nats_server() { stop(); }

  void stop() {
    if (proc_) proc_->kill();
  }
  bool running() { return proc_ && proc_->running(); }
  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_.path(); }
  steady::duration startup_time() const { return startup_; }
  std::string log() const {
    std::ifstream f(dir_.path() / "server.log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  /// "@STORE_DIR@" in the config body becomes <temp dir>/store.
  std::string replace_store_dir(std::string body) const {
    const std::string key = "@STORE_DIR@";
    const std::string store = "\"" + (dir_.path() / "store").string() + "\"";
    for (auto pos = body.find(key); pos != std::string::npos; pos = body.find(key, pos + store.size()))
      body.replace(pos, key.size(), store);
    return body;
  }

  temp_dir dir_;
  int port_ = 0;
  std::optional<child_process> proc_;
  steady::duration startup_{};
};

}  // namespace interop
