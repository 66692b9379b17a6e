#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compile every ```cpp block of README.md and docs/*.md (tests/snippets/README.md
describes the conventions).

  snippets.py --source-root DIR --build-dir DIR --out-dir DIR [--have DEP]...
              [--markdown FILE]... [--expect-failing FILE:LINE]...

The compiler and its flags are those of the strict header TUs (tests/headers):
read from the build's compile_commands.json, so the blocks get the build's
compiler, the project's warnings plus -Wshadow -Wconversion -Wsign-conversion
-Wold-style-cast, and -Werror. Blocks with the same #include lines share one
translation unit (each in its own namespace), and so do all blocks without
#include lines (their preludes supply them), so the whole documentation costs
a few compiler runs. A block that needs an optional dependency (through its
includes or its prelude's) is skipped, and reported, unless --have names it.

Exit status 0 when every compiled block compiles (or, with --expect-failing,
when exactly the listed blocks fail).
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys

FENCE = re.compile(r"^(\s*)(`{3,})\s*([\w+-]*)\s*$")
CPP_LANGS = {"cpp", "c++"}
SNIPPET_COMMENT = re.compile(r"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
MAIN = re.compile(r"^\s*int\s+main\s*\(", re.M)
# Third-party include prefixes -> Meson dependency names (jsacct headers say
# theirs with "// jsacct: requires <dep>": tests/headers/header_check.py dep_of).
THIRD_PARTY = {"nlohmann/": "nlohmann_json", "nats/": "libnats", "openssl/": "libcrypto", "sodium": "libsodium"}
DIAGNOSTIC = re.compile(r"^(.+?):(\d+):(?:\d+:)?\s*(?:fatal )?error\b", re.M)
# The header TU whose compile command the blocks reuse.
REFERENCE_TU = "hc_jsacct_jsacct_hpp.cpp"


class Block:
    def __init__(self, md, fence_line, lines, options):
        self.md = md                  # path relative to the source root (for #line and messages)
        self.fence_line = fence_line  # 1-based line of the opening fence
        self.lines = lines            # content lines, fence indentation removed
        self.options = options        # dict from the <!-- snippet: ... --> comment
        self.prelude = None           # (path, text) when options name one

    @property
    def where(self):
        return f"{self.md}:{self.fence_line}"

    @property
    def last_line(self):
        return self.fence_line + len(self.lines)


def parse_options(text, where):
    opts = {}
    for tok in re.split(r"[\s,]+", text.strip()):
        if not tok:
            continue
        key, _, value = tok.partition("=")
        if key in ("skip", "standalone", "declarations") and not value:
            opts[key] = True
        elif key == "prelude" and value:
            opts[key] = value
        else:
            raise SystemExit(f"{where}: unknown snippet option '{tok}' "
                             "(known: skip, standalone, declarations, prelude=NAME)")
    return opts


def blocks_of(root, md):
    """The ```cpp blocks of one markdown file, with their snippet options."""
    rel = md.relative_to(root).as_posix() if md.is_relative_to(root) else md.as_posix()
    text = md.read_text(encoding="utf-8").split("\n")
    out, i, pending = [], 0, None  # pending: (line, options) of a snippet comment
    while i < len(text):
        m = SNIPPET_COMMENT.match(text[i])
        if m:
            if pending:
                raise SystemExit(f"{rel}:{pending[0]}: snippet comment not followed by a ```cpp block")
            pending = (i + 1, parse_options(m.group(1), f"{rel}:{i + 1}"))
            i += 1
            continue
        f = FENCE.match(text[i])
        if not f:
            if text[i].strip() and pending:
                raise SystemExit(f"{rel}:{pending[0]}: snippet comment not followed by a ```cpp block")
            i += 1
            continue
        indent, ticks, lang = f.group(1), f.group(2), f.group(3).lower()
        j = i + 1
        while j < len(text) and not re.match(rf"^\s*{ticks}`*\s*$", text[j]):
            j += 1
        if lang in CPP_LANGS:
            body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in text[i + 1:j]]
            out.append(Block(rel, i + 1, body, pending[1] if pending else {}))
        elif pending:
            raise SystemExit(f"{rel}:{pending[0]}: snippet comment not followed by a ```cpp block")
        pending = None
        i = j + 1
    if pending:
        raise SystemExit(f"{rel}:{pending[0]}: snippet comment not followed by a ```cpp block")
    return out


def includes(lines):
    return [(k, ln.strip()) for k, ln in enumerate(lines) if INCLUDE.match(ln)]


def header_check_module(root):
    spec = importlib.util.spec_from_file_location("header_check", root / "tests" / "headers" / "header_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def deps_of(include_lines, include_dir, header_check):
    deps = set()
    for _, ln in include_lines:
        name = INCLUDE.match(ln).group(1)
        for prefix, dep in THIRD_PARTY.items():
            if name.startswith(prefix):
                deps.add(dep)
        if name.startswith("jsacct/") and (include_dir / name).is_file():
            deps |= {d for d in header_check.dep_of(include_dir, name).split(",") if d != "-"}
    return deps


def line_directive(n, path):
    return f'#line {n} "{path}"'


def render_group(blocks):
    """One TU: the group's include lines once, then each block in its own namespace."""
    tu = ["// Generated by tests/snippets/snippets.py from the documentation's ```cpp blocks."]
    seen = set()
    for b in blocks:
        sources = ([(b.prelude[0], 1, b.prelude[1])] if b.prelude else []) + [(b.md, b.fence_line + 1, b.lines)]
        for path, first, lines in sources:
            for k, ln in includes(lines):
                if ln not in seen:
                    seen.add(ln)
                    tu += [line_directive(first + k, path), ln]
    for n, b in enumerate(blocks):
        tu.append(f"namespace jsacct_snippet_{n} {{")
        if b.prelude:
            ppath, ptext = b.prelude
            tu.append(line_directive(1, ppath))
            tu += ["" if INCLUDE.match(ln) else ln for ln in ptext]
        body = ["" if INCLUDE.match(ln) else ln for ln in b.lines]
        if b.options.get("declarations") or MAIN.search("\n".join(b.lines)):
            tu += [line_directive(b.fence_line + 1, b.md)] + body
        else:
            # A fragment: statements in a function. Variables a fragment only
            # shows being made are not an error.
            tu += ["#pragma GCC diagnostic push",
                   '#pragma GCC diagnostic ignored "-Wunused-variable"',
                   '#pragma GCC diagnostic ignored "-Wunused-but-set-variable"',
                   "[[maybe_unused]] void fragment() {",
                   line_directive(b.fence_line + 1, b.md)] + body + ["}", "#pragma GCC diagnostic pop"]
        tu.append(f"}}  // namespace jsacct_snippet_{n}")
    return "\n".join(tu) + "\n"


def render_standalone(b):
    return "\n".join([line_directive(b.fence_line + 1, b.md)] + b.lines) + "\n"


def reference_command(build_dir):
    db = pathlib.Path(build_dir, "compile_commands.json")
    if not db.is_file():
        raise SystemExit(f"{db} not found (the snippet test needs Meson's ninja backend)")
    for e in json.loads(db.read_text(encoding="utf-8")):
        if e["file"].endswith(REFERENCE_TU):
            args = e.get("arguments") or shlex.split(e["command"])
            cmd, skip = [], 0
            for a in args:
                if skip:
                    skip -= 1
                elif a in ("-o", "-MQ", "-MF", "-MT", "-c"):
                    skip = 1
                elif a in ("-MD", "-MMD"):
                    pass
                else:
                    cmd.append(a)
            return cmd, e["directory"]
    raise SystemExit(f"no {REFERENCE_TU} in {db}: the header TUs are not part of this build")


def compile_tu(cmd, cwd, path):
    r = subprocess.run(cmd + ["-fdiagnostics-color=never", "-fsyntax-only", str(path)], cwd=cwd,
                       capture_output=True, text=True)
    return path, r.returncode, r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--have", action="append", default=[], help="an optional dependency that was found")
    ap.add_argument("--markdown", action="append", default=[], help="instead of README.md and docs/*.md")
    ap.add_argument("--expect-failing", action="append", default=[], help="FILE:LINE of a block that must fail")
    a = ap.parse_args()

    root = pathlib.Path(a.source_root).resolve()
    include_dir = root / "include"
    mds = [pathlib.Path(m).resolve() for m in a.markdown] or \
        [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    blocks = [b for md in mds if md.is_file() for b in blocks_of(root, md)]
    header_check = header_check_module(root)

    groups, standalone, skipped = {}, [], []
    for b in blocks:
        if b.options.get("skip"):
            skipped.append(f"{b.where}: marked skip")
            continue
        if "prelude" in b.options:
            p = root / "tests" / "snippets" / "preludes" / f"{b.options['prelude']}.hpp"
            if not p.is_file():
                raise SystemExit(f"{b.where}: no prelude {p.relative_to(root)}")
            b.prelude = (p.relative_to(root).as_posix(), p.read_text(encoding="utf-8").split("\n"))
        incs = includes(b.lines) + (includes(b.prelude[1]) if b.prelude else [])
        missing = sorted(deps_of(incs, include_dir, header_check) - set(a.have))
        if missing:
            skipped.append(f"{b.where}: needs {', '.join(missing)} (not found)")
            continue
        if b.options.get("standalone"):
            standalone.append(b)
        elif includes(b.lines):
            # The block's own includes must be enough for it: only blocks with
            # the same ones (and the same prelude) share its TU.
            key = (b.prelude[0] if b.prelude else "", tuple(ln for _, ln in includes(b.lines)))
            groups.setdefault(key, []).append(b)
        else:
            # Fragments without includes get them from their preludes (context
            # the page leaves out): all of them share one TU.
            groups.setdefault(("", ()), []).append(b)

    out = pathlib.Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("snippets_*.cpp"):
        old.unlink()
    units = []  # (path, blocks)
    for n, bs in enumerate(groups.values()):
        p = out / f"snippets_{n}.cpp"
        p.write_text(render_group(bs), encoding="utf-8")
        units.append((p, bs))
    for n, b in enumerate(standalone):
        p = out / f"snippets_standalone_{n}.cpp"
        p.write_text(render_standalone(b), encoding="utf-8")
        units.append((p, [b]))

    cmd, cwd = reference_command(a.build_dir)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(len(units), os.cpu_count() or 1))) as ex:
        results = list(ex.map(lambda u: compile_tu(cmd, cwd, u[0]), units))

    failing = set()
    for (path, bs), (_, rc, text) in zip(units, results):
        if rc == 0:
            continue
        named = set()
        for m in DIAGNOSTIC.finditer(text):
            f, line = m.group(1), int(m.group(2))
            for b in bs:
                if (f == b.md or f.endswith("/" + b.md)) and b.fence_line < line <= b.last_line:
                    named.add(b.where)
        # An error outside every block (e.g. in a prelude) fails the whole unit.
        failing |= named or {b.where for b in bs}
        print(f"--- {path.name} ({', '.join(b.where for b in bs)}): compile failed\n{text}")

    compiled = sum(len(bs) for _, bs in units)
    print(f"{len(blocks)} ```cpp blocks in {len(mds)} files: {compiled} compiled in {len(units)} "
          f"compiler runs, {len(skipped)} skipped, {len(failing)} failed")
    for s in skipped:
        print(f"  skipped {s}")
    for f in sorted(failing):
        print(f"  FAILED {f}")
    if a.expect_failing:
        want = set(a.expect_failing)
        if failing != want:
            print(f"expected exactly these blocks to fail: {sorted(want)}")
            return 1
        print("the expected blocks failed, the others compiled")
        return 0
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
