#!/usr/bin/env python3
"""Check that every citation of the project's docs resolves.

usage: check_citations.py [--root DIR] [--fail-on-spec] [--quiet]

Scans the repository's text files (tracked by git, plus docs/*.md) for
citations `docs/<file>.md#<anchor>` and, inside docs/*.md, for relative
markdown links (`[text](file.md#anchor)`, `[text](#anchor)`,
`[text](../path)`). A citation fails when the file does not exist or the
anchor is not defined in it. Anchors are explicit `<a id="...">` /
`<a name="...">` tags and GitHub heading slugs (fenced code is skipped).

It also checks docs/.spec-map.tsv (each mapped target must exist) and counts
the citations of sections outside the repository ("spec §N", bare "§N",
"FORMAT.md §N", JSON-escaped "\\u00a7N") that remain. One the map does not
cover fails (it names no section of the spec, so the sweep could not rewrite
it); the others fail only with --fail-on-spec (turned on once the citation
sweep, tests/docs/rewrite_citations.py, has rewritten them all).

Exit 0 when everything resolves; 1 otherwise; 2 on bad usage.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

SECTION_SIGN = "\u00a7"
# A section sign, literal or JSON-escaped.
SIGN_RE = r"(?:" + SECTION_SIGN + r"|\\u00a7)"
# Files that talk about citations rather than make them (the map is checked on its own).
SELF = {
    "tests/docs/check_citations.py", "tests/docs/rewrite_citations.py", "tests/docs/citations_selftest.py",
    "docs/.spec-map.tsv"
}

DOC_REF = re.compile(r"(?<![\w./-])docs/((?:[\w.-]+/)*[\w.-]+\.md)(?:#([\w-]+))?")
MD_LINK = re.compile(r"\]\(\s*<?([^()\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
ANCHOR_TAG = re.compile(r"<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def repo_files(root):
    """Tracked files (git), plus docs/*.md so that new pages count before their first commit."""
    files = set()
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True).stdout
        files.update(p for p in out.decode("utf-8", "replace").split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        for dirpath, dirnames, filenames in os.walk(root):
            rel = Path(dirpath).relative_to(root)
            dirnames[:] = [d for d in dirnames if not (d.startswith(".") or d.startswith("build") or d == "subprojects")]
            files.update(str(rel / f) if str(rel) != "." else f for f in filenames)
    docs = root / "docs"
    if docs.is_dir():
        files.update(str(p.relative_to(root)) for p in docs.rglob("*.md"))
    return sorted(f for f in files if (root / f).is_file())


def read_text(path):
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) > 4_000_000 or b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def slug(heading):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"<[^>]+>", "", heading)                      # inline HTML (e.g. <a id>)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)      # links and images -> their text
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(text):
    """Explicit anchors and heading slugs of a markdown text (outside fenced code)."""
    found, seen = set(), {}
    fence = None
    for line in text.splitlines():
        m = FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * 3
            elif line.strip().startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        found.update(ANCHOR_TAG.findall(line))
        h = HEADING.match(line)
        if h:
            s = slug(h.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            found.add(s if n == 0 else f"{s}-{n}")
    return found


class Checker:
    def __init__(self, root):
        self.root = root
        self.cache = {}
        self.errors = []

    def anchors(self, rel):
        if rel not in self.cache:
            text = read_text(self.root / rel)
            self.cache[rel] = None if text is None else anchors_of(text)
        return self.cache[rel]

    def check(self, where, target_rel, anchor):
        """target_rel: path relative to the root (posix)."""
        path = self.root / target_rel
        if not path.exists():
            self.errors.append(f"{where}: {target_rel} does not exist")
            return
        if anchor is None:
            return
        if not target_rel.endswith(".md"):
            return
        anchors = self.anchors(target_rel)
        if anchors is None or anchor not in anchors:
            self.errors.append(f"{where}: {target_rel}#{anchor}: no such anchor")


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def load_spec_map(root, checker):
    """docs/.spec-map.tsv: KEY <TAB> TARGET[,TARGET...]; targets relative to docs/.
    A key "SECTION|text" is a context variant of SECTION (see the file's header)."""
    path = root / "docs" / ".spec-map.tsv"
    keys = {}
    text = read_text(path)
    if text is None:
        return keys
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2:
            checker.errors.append(f"docs/.spec-map.tsv:{n}: expected KEY<TAB>TARGET")
            continue
        key, targets = cols[0].strip(), [t.strip() for t in cols[1].split(",") if t.strip()]
        if not targets:
            checker.errors.append(f"docs/.spec-map.tsv:{n}: no target for {key!r}")
        if key in keys:
            checker.errors.append(f"docs/.spec-map.tsv:{n}: duplicate key {key!r}")
        keys[key] = targets
        for t in targets:
            file, _, anchor = t.partition("#")
            checker.check(f"docs/.spec-map.tsv:{n}", "docs/" + file, anchor or None)
    return keys


# Outside-section citations: an optional prefix naming the scenario format, the sign, the section,
# an optional "#N" item list (sections 15 and 18 number their items).
FORMAT_PREFIX = r"(?:shared/scenarios/)?FORMAT(?:\.md)?\s+"
SECTION = r"\d+(?:\.\d+)*"
ITEMS = r"(?:\s#\d+(?:/#\d+)*)?"
OUTSIDE = re.compile(r"(?P<prefix>" + FORMAT_PREFIX + r")?" + SIGN_RE + r"(?P<sec>" + SECTION + r")(?P<items>" + ITEMS + r")")
# Sections of other documents (IETF drafts, RFCs) are real citations, not the spec's.
FOREIGN = re.compile(r"(?:draft-[\w-]+|RFC\s*\d+|FIPS\s*[\d-]+)\s*$", re.I)


def is_foreign(text, pos):
    start = text.rfind("\n", 0, pos) + 1
    return FOREIGN.search(text[start:pos]) is not None


def item_keys(sec, items, fmt=False):
    """Map keys of one cited section ("7.5.3", "18 #5", "FORMAT 2")."""
    if fmt:
        return ["FORMAT " + sec]
    nums = re.findall(r"#(\d+)", items or "")
    return [f"{sec} #{i}" for i in nums] if nums else [sec]


def outside_keys(m):
    return item_keys(m.group("sec"), m.group("items"), bool(m.group("prefix")))


def main(argv):
    root, fail_on_spec, quiet = None, False, False
    it = iter(argv)
    for a in it:
        if a == "--root":
            root = next(it, None)
        elif a == "--fail-on-spec":
            fail_on_spec = True
        elif a == "--quiet":
            quiet = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            print(f"check_citations.py: unknown argument {a!r}\n{__doc__}", file=sys.stderr)
            return 2
    root = Path(root) if root else Path(__file__).resolve().parents[2]
    if not (root / "docs").is_dir():
        print(f"check_citations.py: {root}/docs is not a directory", file=sys.stderr)
        return 2

    checker = Checker(root)
    spec_map = load_spec_map(root, checker)
    citations = 0
    outside = []  # (file, line, text, keys)
    for rel in repo_files(root):
        text = read_text(root / rel) if rel not in SELF else None
        if text is None:
            continue
        for m in DOC_REF.finditer(text):
            citations += 1
            checker.check(f"{rel}:{line_of(text, m.start())}", "docs/" + m.group(1), m.group(2))
        if rel.startswith("docs/") and rel.endswith(".md"):
            base = Path(rel).parent
            for m in MD_LINK.finditer(text):
                target = m.group(1)
                if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
                    continue
                citations += 1
                file, _, anchor = target.partition("#")
                dest = rel if not file else os.path.normpath(str(base / file)).replace(os.sep, "/")
                if dest.startswith("../") or dest == "..":
                    checker.errors.append(f"{rel}:{line_of(text, m.start())}: {target} leaves the repository")
                    continue
                checker.check(f"{rel}:{line_of(text, m.start())}", dest, anchor or None)
        for m in OUTSIDE.finditer(text):
            if not is_foreign(text, m.start()):
                outside.append((rel, line_of(text, m.start()), m.group(0), outside_keys(m)))

    unmapped = sorted({k for _, _, _, keys in outside for k in keys if k not in spec_map})
    files = sorted({f for f, _, _, _ in outside})
    for e in checker.errors:
        print(e)
    if not quiet or fail_on_spec:
        print(f"{citations} citations of docs/ checked, {len(checker.errors)} broken")
        print(f"{len(outside)} citations of sections outside the repository remain in {len(files)} files"
              + (f"; not in docs/.spec-map.tsv: {', '.join(unmapped)}" if unmapped else "; all mapped"))
        if fail_on_spec:
            for f, n, t, _ in outside:
                print(f"{f}:{n}: {t}")
    failed = bool(checker.errors) or bool(unmapped) or (fail_on_spec and bool(outside))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
