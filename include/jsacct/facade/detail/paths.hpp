// SPDX-License-Identifier: Apache-2.0
/// \file
/// Path helpers of the facade, ported from the behaviour of Go's `path/filepath`
/// and `os` (POSIX only): `go_clean`, `go_join`, `go_dir`, `go_mkdir_all`,
/// Go's texts of OS errors, and `join_under`, which joins like Go and refuses
/// a result that is not strictly below the directory it starts from. Not
/// public API (namespace `jsacct::detail`): the facade's public functions use
/// them and report failures in their own error shape.
#pragma once

#include "jsacct/config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace jsacct::detail {

/// The longest path the OS takes, in bytes: PATH_MAX counts the terminating NUL.
inline constexpr std::size_t max_path_length = PATH_MAX - 1;

/// Go's `filepath.Clean` for POSIX paths: the shortest lexically equivalent
/// path. Repeated separators become one; `.` elements go; each `..` removes
/// the element before it, and a `..` right after the root is dropped; trailing
/// separators go (except for "/"); an empty result is ".". Linear in the
/// length of `path`, no recursion.
inline std::string go_clean(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  const std::size_t n = path.size();
  std::string out;
  out.reserve(n);
  if (rooted) out.push_back('/');
  std::size_t backtrack_floor = out.size();  // a `..` never removes anything before this
  std::size_t r = rooted ? 1 : 0;
  while (r < n) {
    if (path[r] == '/' || (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))) {
      ++r;  // a separator or a `.` element
    } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
      r += 2;
      if (out.size() > backtrack_floor) {
        std::size_t w = out.size() - 1;
        while (w > backtrack_floor && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out.push_back('/');
        out += "..";
        backtrack_floor = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out.push_back('/');
      for (; r < n && path[r] != '/'; ++r) out.push_back(path[r]);
    }
  }
  if (out.empty()) return ".";
  return out;
}

/// Go's `filepath.Join`: the non-empty parts joined with `/`, then cleaned; ""
/// when every part is empty. An absolute later part does not replace what
/// comes before it (`go_join({"/s", "/x"})` is "/s/x"), unlike
/// `std::filesystem::path::operator/`.
inline std::string go_join(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (const std::string_view p : parts) {
    if (p.empty()) continue;
    if (!joined.empty()) joined.push_back('/');
    joined.append(p);
  }
  if (joined.empty()) return joined;
  return go_clean(joined);
}

/// Go's `filepath.Dir`: everything before the last separator, cleaned ("." when
/// there is none).
inline std::string go_dir(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return go_clean(path.substr(0, slash + 1));
}

/// True if the cleaned path `p` names something strictly below the cleaned
/// directory `root` (lexically: symbolic links are not followed).
inline bool is_strictly_below(std::string_view root, std::string_view p) noexcept {
  const auto starts_with_dotdot = [](std::string_view s) {
    return s == ".." || (s.size() > 2 && s[0] == '.' && s[1] == '.' && s[2] == '/');
  };
  if (p == root) return false;
  if (root == "/") return !p.empty() && p.front() == '/';
  if (root == ".") return !p.empty() && p.front() != '/' && !starts_with_dotdot(p);
  if (p.size() <= root.size() + 1 || p.substr(0, root.size()) != root || p[root.size()] != '/') return false;
  // Only a root made of `..` elements can be followed by another `..` in a clean path.
  return !starts_with_dotdot(p.substr(root.size() + 1));
}

/// `go_join({root, parts...})` when the result lies strictly below `root`
/// (compared after cleaning both), nullopt otherwise: for a part that climbs
/// out with `..`, a part that is empty or `.` so that the result is `root`
/// itself, or any NUL byte (the OS would cut the path there).
inline std::optional<std::string> join_under(std::string_view root, std::initializer_list<std::string_view> parts) {
  if (root.find('\0') != std::string_view::npos) return std::nullopt;
  for (const std::string_view p : parts)
    if (p.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string clean_root = go_clean(root);
  std::string joined = clean_root;
  for (const std::string_view p : parts) {
    if (p.empty()) continue;
    joined.push_back('/');
    joined.append(p);
  }
  joined = go_clean(joined);
  if (!is_strictly_below(clean_root, joined)) return std::nullopt;
  return joined;
}

/// Go's text for an errno (its syscall table): the C library message with a
/// lower-case first letter, e.g. "permission denied", "not a directory".
inline std::string go_errno_text(int err) {
  std::string m = std::generic_category().message(err);
  if (!m.empty() && m[0] >= 'A' && m[0] <= 'Z') m[0] = static_cast<char>(m[0] - 'A' + 'a');
  return m;
}

/// An OS error as Go renders a failed call: `<op> <path>: <reason>`.
struct os_error {
  std::error_code code;
  std::string text;
};

/// The start of a long path for an error text: at most 128 bytes, then "...".
inline std::string abbreviated_path(std::string_view path) {
  constexpr std::size_t shown = 128;
  if (path.size() <= shown) return std::string(path);
  std::string out(path.substr(0, shown));
  out += "...";
  return out;
}

/// Go's `os.MkdirAll(path, perm)`, iteratively (a path of any depth costs no
/// stack): creates every missing directory of `path`; an existing directory is
/// success, an existing non-directory fails with ENOTDIR. The first failure is
/// returned as `mkdir <path-of-the-failing-component>: <reason>`. A path longer
/// than PATH_MAX - 1 bytes is refused before any file-system call with
/// ENAMETOOLONG and a text that gives its length and the limit.
inline std::optional<os_error> go_mkdir_all(const std::string& path, mode_t perm) {
  if (path.size() > max_path_length) {
    return os_error{std::error_code(ENAMETOOLONG, std::generic_category()),
                    "mkdir " + abbreviated_path(path) + ": " + go_errno_text(ENAMETOOLONG) + " (the path is " +
                        std::to_string(path.size()) + " bytes long; at most " + std::to_string(max_path_length) +
                        " bytes are allowed, PATH_MAX - 1)"};
  }
  // Walk up until a component exists, remembering the lengths of the missing ones.
  std::vector<std::size_t> missing;  // prefix lengths, deepest first
  std::string_view cur = path;
  while (true) {
    struct stat st {};
    if (::stat(std::string(cur).c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) break;
      return os_error{std::error_code(ENOTDIR, std::generic_category()),
                      "mkdir " + std::string(cur) + ": " + go_errno_text(ENOTDIR)};
    }
    missing.push_back(cur.size());
    std::size_t i = cur.size();
    while (i > 0 && cur[i - 1] == '/') --i;  // trailing separators
    std::size_t j = i;
    while (j > 0 && cur[j - 1] != '/') --j;  // the last element
    if (j <= 1) break;                       // no parent left to create ("x" or "/x")
    cur = cur.substr(0, j - 1);
  }
  // Create them from the shallowest down; one that appeared meanwhile is fine.
  std::reverse(missing.begin(), missing.end());  // shallowest first
  for (const std::size_t len : missing) {
    const std::string dir = path.substr(0, len);
    if (::mkdir(dir.c_str(), perm) != 0) {
      const int err = errno;
      struct stat lst {};
      if (::lstat(dir.c_str(), &lst) == 0 && S_ISDIR(lst.st_mode)) continue;
      return os_error{std::error_code(err, std::generic_category()), "mkdir " + dir + ": " + go_errno_text(err)};
    }
  }
  return std::nullopt;
}

}  // namespace jsacct::detail
