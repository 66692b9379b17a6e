#!/usr/bin/env python3
"""Self-test of check_citations.py and rewrite_citations.py on small fixture trees.

Each case builds a temporary repository (no git: the checker walks the tree),
runs the tool and checks its verdict or output. Prints one line per failed case
and "N passed, N failed"; exit 0 only when every case passes.
"""
import contextlib
import io
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check_citations  # noqa: E402
import rewrite_citations  # noqa: E402

S = "\u00a7"
DOC = """# Title

<a id="rule-one"></a>
### 1.1 Rule one (`code`)

See [two](#rule-two) and [format](other.md#fmt).

<a id="rule-two"></a>
## Rule two

```text
# not a heading
<a id="in-code"></a>
```
"""
OTHER = "# Other\n\n<a id=\"fmt\"></a>\n## Formats\n"
MAP = "# comment\n7.3\tsemantics.md#rule-one\n3.2\tsemantics.md#rule-one\n3.2|tier move\tsemantics.md#rule-two\n" \
      "18 #5\tsemantics.md#rule-two\n9\tsemantics.md#rule-two\nFORMAT 2\tother.md#fmt\n"


def tree(files):
    d = Path(tempfile.mkdtemp(prefix="citations-"))
    base = {"docs/semantics.md": DOC, "docs/other.md": OTHER, "docs/.spec-map.tsv": MAP}
    base.update(files)
    for rel, text in base.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return d


def run(tool, args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = tool.main(args)
    return rc, out.getvalue()


def check(root, *extra):
    return run(check_citations, ["--root", str(root), *extra])


CASES = []


def case(f):
    CASES.append(f)
    return f


@case
def good_citations_pass():
    root = tree({"src/a.hpp": "// see docs/semantics.md#rule-one and docs/semantics.md#title\n"
                              "// heading slug docs/semantics.md#11-rule-one-code, whole file docs/other.md\n"})
    rc, out = check(root)
    assert rc == 0, out
    assert "0 broken" in out, out


@case
def missing_anchor_fails():
    rc, out = check(tree({"src/a.hpp": "// docs/semantics.md#no-such-rule\n"}))
    assert rc == 1 and "src/a.hpp:1: docs/semantics.md#no-such-rule: no such anchor" in out, out


@case
def anchor_inside_code_fence_does_not_count():
    rc, out = check(tree({"t.py": "# docs/semantics.md#in-code\n"}))
    assert rc == 1 and "no such anchor" in out, out


@case
def missing_file_fails():
    rc, out = check(tree({"README.md": "[x](docs/nope.md#a) docs/nope.md#a\n"}))
    assert rc == 1 and "docs/nope.md does not exist" in out, out


@case
def relative_links_in_docs_are_checked():
    rc, out = check(tree({"docs/extra.md": "[a](semantics.md#rule-two) [b](#here) [c](../src/x.cpp)\n"}))
    assert rc == 1, out
    assert "docs/extra.md:1: docs/extra.md#here: no such anchor" in out, out
    assert "src/x.cpp does not exist" in out, out
    rc, out = check(tree({"docs/extra.md": "<a id=\"here\"></a>\n[a](semantics.md#rule-two) [b](#here) [c](../src/x.cpp)\n"
                                           "[web](https://example.com/#x)\n",
                          "src/x.cpp": "int x;\n"}))
    assert rc == 0, out


@case
def spec_map_targets_must_exist():
    rc, out = check(tree({"docs/.spec-map.tsv": MAP + "9.9\tsemantics.md#gone\n"}))
    assert rc == 1 and "docs/.spec-map.tsv:8: docs/semantics.md#gone: no such anchor" in out, out


@case
def outside_citations_reported_then_failed_with_flag():
    root = tree({"src/a.hpp": f"// spec {S}7.3 and {S}18 #5\n",
                 "data.json": '{"why": "\\u00a73.2 tier move"}\n',
                 "src/b.cpp": f"// draft-irtf-cfrg-xchacha {S}2.2.1 is another document\n"})
    rc, out = check(root)
    assert rc == 0 and "3 citations of sections outside the repository remain in 2 files; all mapped" in out, out
    rc, out = check(root, "--fail-on-spec")
    assert rc == 1 and "src/a.hpp:1:" in out, out


@case
def unmapped_outside_citation_fails():
    rc, out = check(tree({"src/a.hpp": f"// spec {S}99.1\n"}))
    assert rc == 1 and "not in docs/.spec-map.tsv: 99.1" in out, out


@case
def rewrite_forms():
    root = tree({
        "src/a.hpp": (f"// spec {S}7.3 step 1; ({S}3.2 / {S}7.3); jsacct {S}18 #5.\n"
                      f"// Tier move ({S}3.2); (shared/scenarios/FORMAT.md {S}2)\n"
                      f"// ranges {S}7.3\u20139, {S}3.2-{S}7.3\n"
                      f"// draft-irtf-cfrg-xchacha {S}2.2.1 stays\n"),
        "t.json": '{"why": "\\u00a73.2 / \\u00a718 #5: x"}\n'})
    rc, out = run(rewrite_citations, ["--root", str(root), "--write"])
    assert rc == 0, out
    a = (root / "src/a.hpp").read_text(encoding="utf-8")
    assert "// docs/semantics.md#rule-one step 1; (docs/semantics.md#rule-one); docs/semantics.md#rule-two.\n" in a, a
    assert "// Tier move (docs/semantics.md#rule-two); (docs/other.md#fmt)\n" in a, a
    assert "// ranges docs/semantics.md#rule-one to docs/semantics.md#rule-two\n" in a, a
    assert f"xchacha {S}2.2.1 stays" in a, a
    t = (root / "t.json").read_text(encoding="utf-8")
    assert t == '{"why": "docs/semantics.md#rule-one, docs/semantics.md#rule-two: x"}\n', t
    rc, out = check(root, "--fail-on-spec")
    assert rc == 0, out


@case
def rewrite_refuses_unmapped():
    root = tree({"src/a.hpp": f"// spec {S}99.1\n"})
    rc, out = run(rewrite_citations, ["--root", str(root), "--write"])
    assert rc == 1 and "99.1" in out, out
    assert (root / "src/a.hpp").read_text(encoding="utf-8") == f"// spec {S}99.1\n"


def main():
    passed = failed = 0
    for c in CASES:
        try:
            c()
            passed += 1
        except AssertionError as e:
            failed += 1
            print(f"{c.__name__}: FAILED\n{e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
