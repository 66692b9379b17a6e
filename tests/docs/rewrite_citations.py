#!/usr/bin/env python3
"""One-time sweep: rewrite citations of the outside behavior spec into docs/ anchors.

usage: rewrite_citations.py [--root DIR] [--write] [--show] [PATH...]

Every citation such as `spec §7.3`, `§7.5.3 step 3`, `(§3.5 / §7.4)`,
`spec §3.4–3.6, §7`, `jsacct §18 #1`, `§15 #21/#26`, `FORMAT.md §2` or the
JSON-escaped `\\u00a78.1` becomes `docs/<file>.md#<anchor>` following
docs/.spec-map.tsv (a range becomes "A to B", a list "A, B"; a leading
"spec " / "jsacct " / "FORMAT.md " is dropped; text after the citation such as
"step 3" is kept: the docs number those steps the same way). Sections of other
documents (e.g. an IETF draft's §2.2.1) are left alone.

Without --write it only reports what it would change (per file, and every
replacement with --show). PATHs (files or directories, relative to the root)
limit the sweep; by default every text file of the repository is swept except
the sweep's own files. After writing: clang-format the changed C++ files,
regenerate generated files whose generator was rewritten (e.g.
tests/conformance/main/gen_expectations.py), reread the prose around each
citation, and run tests/docs/check_citations.py --fail-on-spec.

Exit 0 on success; 1 when a citation has no mapping (nothing is written then);
2 on bad usage.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_citations as cc  # noqa: E402  (shared parsing and file listing)

ATOM = cc.SIGN_RE + r"(?:" + cc.SECTION + r")" + cc.ITEMS
ATOM_G = re.compile(cc.SIGN_RE + r"(?P<sec>" + cc.SECTION + r")(?P<items>" + cc.ITEMS + r")")
# A compound citation: optional prefix, an atom, then more atoms (list "," / "/", range "–" / "-"),
# or a bare range end directly after a dash ("§3.4–3.6").
CONNECTOR = r"(?:\s*/\s*|,\s*|\s*[\u2013-]\s*)"
COMPOUND = re.compile(
    r"(?P<prefix>(?:(?:the\s+)?(?:[Ss]pec|jsacct)\s+)|(?P<fmt>" + cc.FORMAT_PREFIX + r"))?"
    r"(?P<body>" + ATOM + r"(?:" + CONNECTOR + ATOM + r"|[\u2013-]" + cc.SECTION + r"(?![\d.]*\d))*)")
PIECE = re.compile(r"(?P<conn>" + CONNECTOR + r")?(?:(?P<atom>" + ATOM + r")|(?P<bare>" + cc.SECTION + r"))")


def load_map(root):
    rows = {}
    for line in (root / "docs" / ".spec-map.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, targets = line.split("\t")[:2]
        rows[key.strip()] = ["docs/" + t.strip() for t in targets.split(",") if t.strip()]
    return rows


def targets_for(key, line, spec_map):
    """Targets of one key, preferring a context variant "KEY|text" whose text occurs on the line."""
    low = line.lower()
    for k, v in spec_map.items():
        base, sep, ctx = k.partition("|")
        if sep and base == key and ctx.lower() in low:
            return v
    return spec_map.get(key)


def rewrite_match(m, line, spec_map, missing):
    fmt = bool(m.group("fmt"))
    groups = []  # list of (connector, [targets])
    for p in PIECE.finditer(m.group("body")):
        conn = p.group("conn") or ""
        if p.group("atom"):
            a = ATOM_G.match(p.group("atom"))
            keys = cc.item_keys(a.group("sec"), a.group("items"), fmt)
        else:
            keys = cc.item_keys(p.group("bare"), "", fmt)
        tg = []
        for k in keys:
            t = targets_for(k, line, spec_map)
            if t is None:
                missing.add(k)
                t = []
            tg.extend(x for x in t if x not in tg)
        groups.append(("range" if conn.strip() in ("\u2013", "-") else "list", tg))
    out, seen = [], set()
    for kind, tg in groups:
        new = [t for t in tg if t not in seen]  # a target is named once per citation
        for i, t in enumerate(new):
            if out:
                out.append(" to " if kind == "range" and i == 0 else ", ")
            out.append(t)
            seen.add(t)
    return "".join(out)


def rewrite_text(text, spec_map, missing):
    changes = []

    def repl(m):
        if cc.is_foreign(text, m.start("body")):
            return m.group(0)
        ls = text.rfind("\n", 0, m.start()) + 1
        le = text.find("\n", m.end())
        line = text[ls:le if le >= 0 else len(text)]
        new = rewrite_match(m, line, spec_map, missing)
        changes.append((cc.line_of(text, m.start()), m.group(0), new))
        return new

    return COMPOUND.sub(repl, text), changes


def main(argv):
    root, write, show, paths = None, False, False, []
    it = iter(argv)
    for a in it:
        if a == "--root":
            root = next(it, None)
        elif a == "--write":
            write = True
        elif a == "--show":
            show = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            print(f"rewrite_citations.py: unknown option {a!r}\n{__doc__}", file=sys.stderr)
            return 2
        else:
            paths.append(a.rstrip("/"))
    root = Path(root) if root else Path(__file__).resolve().parents[2]
    spec_map = load_map(root)
    files = [f for f in cc.repo_files(root) if f not in cc.SELF]
    if paths:
        files = [f for f in files if any(f == p or f.startswith(p + "/") for p in paths)]
    missing, results, total = set(), [], 0
    for rel in files:
        text = cc.read_text(root / rel)
        if text is None:
            continue
        new, changes = rewrite_text(text, spec_map, missing)
        if changes:
            results.append((rel, new, changes))
            total += len(changes)
    for rel, _, changes in results:
        print(f"{rel}: {len(changes)} citation{'s' if len(changes) != 1 else ''}")
        if show:
            for n, old, rep in changes:
                print(f"  {n}: {old!r} -> {rep!r}")
    if missing:
        print(f"no mapping in docs/.spec-map.tsv for: {', '.join(sorted(missing))}; nothing written")
        return 1
    if write:
        for rel, new, _ in results:
            (root / rel).write_text(new, encoding="utf-8")
        cpp = [r for r, _, _ in results if r.endswith((".hpp", ".cpp", ".h"))]
        print(f"rewrote {total} citations in {len(results)} files"
              + (f"; clang-format these: {' '.join(cpp)}" if cpp else ""))
    else:
        print(f"would rewrite {total} citations in {len(results)} files (dry run; --write applies)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
