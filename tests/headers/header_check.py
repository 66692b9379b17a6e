#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Public-header hygiene for jsacct.

  header_check.py list  <include-dir>   print "<header>\t<deps>" per public header
                                         (<deps>: Meson dependency names joined by ",", or "-")
  header_check.py pragma <source-root>  fail unless every public header has "#pragma once"
                                         and includes jsacct/config.hpp first (the C++20 gate)
  header_check.py detail <source-root>  fail if an example or consumer includes a
                                         jsacct/detail/ header (not public API)
  header_check.py check <source-root>   both
  header_check.py version <include-dir> <project-version>
                                         jsacct/version.hpp's macros must say <project-version>
  header_check.py cxx17 <include-dir> <compiler> [args...]
                                         each public header, included in a -std=c++17 TU,
                                         must fail with exactly one error: CXX20_MESSAGE

A header that needs an optional dependency says so with a line
"// jsacct: requires <meson-dependency-name>" (one line per dependency); OPTIONAL_BY_PATH covers
headers written before that marker existed.
"""
import pathlib
import re
import sys

OPTIONAL_BY_PATH = {
    "jsacct/facade/encryption.hpp": "libsodium,libcrypto",  # #error without them
}
MARKER = re.compile(r"^\s*//\s*jsacct:\s*requires\s+(\S+)\s*$", re.M)
FIRST_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
CONFIG = "jsacct/config.hpp"
CXX20_MESSAGE = "jsacct requires C++20 or later"
DIAGNOSTIC_ERROR = re.compile(r"^\S.*?:\s*(fatal )?error[: ]", re.M)
DETAIL_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]jsacct/detail/', re.M)


def headers(include_dir):
    root = pathlib.Path(include_dir)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.hpp"))


def dep_of(include_dir, rel):
    deps = MARKER.findall(pathlib.Path(include_dir, rel).read_text(encoding="utf-8"))
    return ",".join(deps) if deps else OPTIONAL_BY_PATH.get(rel, "-")


def cmd_list(include_dir):
    for rel in headers(include_dir):
        print(f"{rel}\t{dep_of(include_dir, rel)}")
    return 0


def pragma_problems(src):
    bad = []
    for rel in headers(src / "include"):
        text = (src / "include" / rel).read_text(encoding="utf-8")
        if not re.search(r"^\s*#\s*pragma\s+once\b", text, re.M):
            bad.append(f"include/{rel}: no #pragma once")
        first = FIRST_INCLUDE.search(text)
        if rel != CONFIG and (first is None or first.group(1) != CONFIG):
            bad.append(f"include/{rel}: the first #include must be \"{CONFIG}\" (the C++20 gate)")
    print(f"{len(headers(src / 'include'))} public headers checked for #pragma once and {CONFIG} first")
    return bad


def detail_problems(src):
    users = [p for d in ("examples", "tests/consumers") if (src / d).is_dir()
             for p in sorted((src / d).rglob("*")) if p.suffix in (".cpp", ".hpp", ".h", ".cc")]
    bad = [f"{p.relative_to(src)}: includes a jsacct/detail/ header (not public API)"
           for p in users if DETAIL_INCLUDE.search(p.read_text(encoding="utf-8"))]
    print(f"{len(users)} example/consumer sources checked for jsacct/detail/ includes")
    return bad


def cmd_cxx17(include_dir, compiler):
    """Each header under -std=c++17: a failed compile whose only error names C++20."""
    import subprocess
    import tempfile
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        for rel in headers(include_dir):
            tu = pathlib.Path(tmp, "cxx17.cpp")
            tu.write_text(f"#include <{rel}>\nint main() {{ return 0; }}\n", encoding="utf-8")
            r = subprocess.run(compiler + ["-std=c++17", "-fsyntax-only", "-I", include_dir, str(tu)],
                               capture_output=True, text=True)
            out = r.stdout + r.stderr
            errors = DIAGNOSTIC_ERROR.findall(out)
            if r.returncode == 0:
                bad.append(f"{rel}: compiles under -std=c++17")
            elif len(errors) != 1 or CXX20_MESSAGE not in out:
                bad.append(f"{rel}: {len(errors)} errors under -std=c++17, expected exactly one "
                           f"saying \"{CXX20_MESSAGE}\":\n{out[:2000]}")
    print(f"{len(headers(include_dir))} public headers compiled with -std=c++17: {len(bad)} problems")
    for b in bad:
        print(b)
    return 1 if bad else 0


def cmd_version(include_dir, project_version):
    """jsacct/version.hpp against meson.build's project version."""
    text = pathlib.Path(include_dir, "jsacct", "version.hpp").read_text(encoding="utf-8")
    macros = dict(re.findall(r"^#define (JSACCT_VERSION_\w+) (\S+)$", text, re.M))
    want = project_version.split(".")
    got = [macros.get(f"JSACCT_VERSION_{p}") for p in ("MAJOR", "MINOR", "PATCH")]
    bad = []
    if got != want:
        bad.append(f"JSACCT_VERSION_MAJOR/MINOR/PATCH are {got}, meson.build says {project_version}")
    if macros.get("JSACCT_VERSION_STRING") != f'"{project_version}"':
        bad.append(f"JSACCT_VERSION_STRING is {macros.get('JSACCT_VERSION_STRING')}, meson.build says {project_version}")
    for b in bad:
        print(f"include/jsacct/version.hpp: {b}")
    print(f"version.hpp vs project version {project_version}: {len(bad)} problems")
    return 1 if bad else 0


def cmd_check(what, src):
    src = pathlib.Path(src)
    bad = []
    if what in ("pragma", "check"):
        bad += pragma_problems(src)
    if what in ("detail", "check"):
        bad += detail_problems(src)
    for b in bad:
        print(b)
    print(f"{len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "version":
        sys.exit(cmd_version(sys.argv[2], sys.argv[3]))
    if len(sys.argv) >= 4 and sys.argv[1] == "cxx17":
        sys.exit(cmd_cxx17(sys.argv[2], sys.argv[3:]))
    if len(sys.argv) != 3 or sys.argv[1] not in ("list", "pragma", "detail", "check"):
        sys.exit(__doc__)
    sys.exit(cmd_list(sys.argv[2]) if sys.argv[1] == "list" else cmd_check(sys.argv[1], sys.argv[2]))
