// SPDX-License-Identifier: Apache-2.0
/// \file
/// Store-directory handling of server enable: `check_store_dir`, the legacy
/// layout migration of docs/semantics.md#store-dir-migration (account directories beside
/// `<configured>/jetstream` are moved into it), and `prepare_store_dir`, the
/// create / is-a-directory / is-writable check of docs/semantics.md#server-enable step 2, both with
/// nats-server's exact texts. Both return `result<void>`; an error's text is
/// what Go would print (`mkdir <path>: <reason>`, `rename <old> <new>: <reason>`).
#pragma once

#include "jsacct/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "jsacct/error.hpp"
#include "jsacct/facade/dyn_config.hpp"
#include "jsacct/facade/text.hpp"
#include "jsacct/facade/validate.hpp"

namespace jsacct {

namespace detail {

/// Sorted entry names of `dir` (Go's `os.ReadDir` order); empty on any error.
inline std::vector<std::string> list_dir_names(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code fs_err;
  std::filesystem::directory_iterator it(dir, fs_err), end;
  for (; !fs_err && it != end; it.increment(fs_err)) names.push_back(it->path().filename().string());
  if (fs_err) return {};
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace detail

/// Permission bits of directories the server creates (nats-server main; 2.9.10 used 0750).
inline constexpr mode_t store_dir_perms = 0700;

/// Receives the notice-level log lines of `check_store_dir`, in order, each
/// before the move it announces.
using store_dir_notice_sink = std::function<void(std::string_view)>;

/// `checkStoreDir` (docs/semantics.md#store-dir-migration): `store_dir` is the effective store dir (it
/// already ends in `/jetstream`). When it has no entries and its parent has
/// more than one, every parent entry other than `jetstream` that names an
/// account (`is_account(name)`, or, with an account resolver configured, a
/// valid public account NKEY) is moved to `<store_dir>/<name>`, creating
/// `<parent>/jetstream` (0700) first if the parent has no entry of that name.
/// Entries are visited in name order; the notice
/// `JetStream relocated account "<old>" to "<new>"` goes to `on_notice` (if
/// set) before each move. The first failing mkdir or rename stops the
/// migration and is the error (`api_error::plain`, err_code 0), with Go's text
/// `mkdir <path>: <reason>` / `rename <old> <new>: <reason>`; non-account
/// entries stay where they are.
inline result<void> check_store_dir(const std::string& store_dir, const std::function<bool(std::string_view)>& is_account,
                                    bool account_resolver = false, const store_dir_notice_sink& on_notice = {}) {
  if (!detail::list_dir_names(store_dir).empty()) return {};
  const std::string parent = detail::go_dir(store_dir);
  const auto entries = detail::list_dir_names(parent);
  if (entries.size() == 1) return {};
  bool have_js = std::find(entries.begin(), entries.end(), jetstream_store_dir_name) != entries.end();
  for (const auto& name : entries) {
    if (name == jetstream_store_dir_name || name.empty()) continue;
    const bool account = (is_account && is_account(name)) || (account_resolver && is_valid_public_account_key(name));
    if (!account) continue;
    if (!have_js) {
      const std::string js_dir = detail::go_join({parent, jetstream_store_dir_name});
      if (::mkdir(js_dir.c_str(), store_dir_perms) != 0) {
        const int err = errno;
        return api_error::plain("mkdir " + js_dir + ": " + detail::go_errno_text(err));
      }
      have_js = true;
    }
    const std::string from = detail::go_join({parent, name});
    const std::string to = detail::go_join({store_dir, name});
    if (on_notice) on_notice("JetStream relocated account " + detail::go_quote(from) + " to " + detail::go_quote(to));
    if (std::rename(from.c_str(), to.c_str()) != 0) {
      const int err = errno;
      std::string text = "rename ";
      text.append(from).append(" ").append(to).append(": ").append(detail::go_errno_text(err));
      return api_error::plain(std::move(text));
    }
  }
  return {};
}

/// The store-dir check of `enableJetStream` (docs/semantics.md#server-enable step 2): a missing
/// `dir` is created recursively (0700), failing with
/// `could not create storage directory - <mkdir error>`; an existing one must
/// be a directory (`storage directory is not a directory`, also when it cannot
/// be examined) in which a temporary `_test_*` file can be created and removed
/// (`storage directory is not writable`). The errors are `api_error::plain`
/// (err_code 0) with these texts. A `dir` longer than PATH_MAX - 1 bytes fails
/// with `could not create storage directory - mkdir <dir>: file name too long
/// (the path is N bytes long; ...)` (nats-server says `storage directory is
/// not a directory` then, which misleads).
inline result<void> prepare_store_dir(const std::string& dir) {
  const auto fail = [](std::string text) { return api_error::plain(std::move(text)); };
  if (dir.size() > detail::max_path_length)  // stat would fail with ENAMETOOLONG; say why instead
    return fail("could not create storage directory - " +
                detail::go_mkdir_all(dir, store_dir_perms).value_or(detail::os_error{}).text);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      if (auto err = detail::go_mkdir_all(dir, store_dir_perms)) return fail("could not create storage directory - " + err->text);
      return {};
    }
    return fail("storage directory is not a directory");
  }
  if (!S_ISDIR(st.st_mode)) return fail("storage directory is not a directory");
  std::string tmpl = detail::go_join({dir, "_test_XXXXXX"});
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return fail("storage directory is not writable");
  ::close(fd);
  ::unlink(tmpl.c_str());
  return {};
}

}  // namespace jsacct
