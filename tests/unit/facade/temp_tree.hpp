// SPDX-License-Identifier: Apache-2.0
// Test helpers for the facade's file-system tests: a temp root removed at scope
// exit, and a snapshot of everything below a directory (paths, types, sizes,
// contents of small files) to assert that an operation changed nothing outside
// the place it may write to.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <system_error>

namespace facade_test {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.
struct temp_root {
  fs::path path;
  temp_root() {
    std::string tmpl = (fs::temp_directory_path() / "jsacct-facade-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  temp_root(const temp_root&) = delete;
  temp_root& operator=(const temp_root&) = delete;
  ~temp_root() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
};

/// Every entry below `dir` (relative path -> "d", "l:<target>" or "f:<contents>").
inline std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path rel = it->path().lexically_relative(dir);
    if (it->is_symlink(ec)) {
      out[rel.string()] = "l:" + fs::read_symlink(it->path(), ec).string();
    } else if (it->is_directory(ec)) {
      out[rel.string()] = "d";
    } else {
      std::ifstream in(it->path(), std::ios::binary);
      out[rel.string()] = "f:" + std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  return out;
}

}  // namespace facade_test
