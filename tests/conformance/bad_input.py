#!/usr/bin/env python3
"""The jsacct CLI's bad-input contract: for an unusable scenario or bad
arguments it exits 2, prints nothing on stdout and exactly one line on stderr
that names the file and the JSON path (and what is allowed there).

usage: bad_input.py PATH/TO/jsacct
"""
import json
import os
import re
import subprocess
import sys
import tempfile

GOOD = {
    "name": "bad_input_probe",
    "accounts": {"A": {"jetstream": {"max_store": 1000}}},
    "ops": [{"op": "stream_create", "account": "A", "name": "S", "max_bytes": 100},
            {"op": "account_info", "account": "A"}],
}


def variant(mutate):
    doc = json.loads(json.dumps(GOOD))
    mutate(doc)
    return doc


def setitem(path, value):
    def f(doc):
        cur = doc
        for k in path[:-1]:
            cur = cur[k]
        cur[path[-1]] = value
    return f


def delitem(path):
    def f(doc):
        cur = doc
        for k in path[:-1]:
            cur = cur[k]
        del cur[path[-1]]
    return f


# (label, document or raw text or None for a missing file, expected substrings of stderr)
CASES = [
    ("unknown top-level key", variant(setitem(["nmae"], "x")), ["nmae", "unknown key"]),
    ("missing name", variant(delitem(["name"])), ["name", "missing"]),
    # Values the oracle sends to the server as given (max_bytes, raw config keys) are the
    # simulated server's to answer; only the scenario's own keys are typed.
    ("wrong type in op", variant(setitem(["ops", 0, "name"], 5)), ["ops[0].name", "string"]),
    ("unknown op key", variant(setitem(["ops", 1, "stream"], "S")), ["ops[1].stream", "unknown key"]),
    ("unknown op", variant(setitem(["ops", 1, "op"], "acount_info")), ["ops[1].op", "unknown op"]),
    ("undeclared account", variant(setitem(["ops", 1, "account"], "B")), ["ops[1].account", "declared"]),
    ("missing stream name", variant(delitem(["ops", 0, "name"])), ["ops[0].name", "missing"]),
    ("bad limit type", variant(setitem(["accounts", "A", "jetstream", "max_store"], True)),
     ["accounts.A.jetstream.max_store", "integer"]),
    ("unknown limit key", variant(setitem(["accounts", "A", "jetstream", "max_file"], 1)),
     ["accounts.A.jetstream.max_file", "unknown key"]),
    ("bad mode", variant(setitem(["mode"], "cluser")), ["mode", "standalone"]),
    ("publish count range", variant(lambda d: d["ops"].append({"op": "publish", "account": "A", "subject": "S.x", "count": 0})),
     ["ops[2].count", "1..200000"]),
    ("raw config not an object", variant(setitem(["ops", 0, "config"], [1])), ["ops[0].config", "object"]),
    ("not JSON", "{\"name\": ", ["not valid JSON"]),
    ("missing file", None, ["cannot open"]),
    # Hostile input (issue 17): exit 2 with one line, never a crash or an abort.
    ("1e400 in a comment", json.dumps(GOOD).replace('"max_bytes": 100', '"max_bytes": 100, "comment": 1e400'),
     ["not valid JSON", "number overflow", "1e400"]),
    ("-1e400 as a limit", json.dumps(GOOD).replace('"max_store": 1000', '"max_store": -1e400'), ["not valid JSON", "1e400"]),
    ("1e400 at the top level", "1e400", ["not valid JSON"]),
    ("comment nested 100,000 deep", json.dumps(GOOD).replace('"max_bytes": 100', '"max_bytes": 100, "comment": ' +
                                                             "[" * 100000 + "]" * 100000),
     ["nested deeper than 64 levels (the limit)"]),
    ("newline in an unknown key", variant(setitem(["bad\nkey"], 1)), ["bad\\nkey", "unknown key"]),
    ("newline in an account name", variant(lambda d: d["accounts"].update({"A\nB": {}})), ["accounts.A\\nB", "invalid account name"]),
    ("newline in an unknown op", variant(setitem(["ops", 1, "op"], "x\ny")), ["ops[1].op", "unknown op \"x\\ny\""]),
]


def run(cli, args):
    return subprocess.run([cli] + args, capture_output=True, text=True, timeout=60)


def one_line_exit_2(label, p, needles):
    """Exit 2, nothing on stdout, one stderr line holding every needle."""
    lines = p.stderr.splitlines()
    problems = []
    if p.returncode != 2:
        problems.append(f"exit {p.returncode}, want 2")
    if p.stdout:
        problems.append(f"stdout not empty: {p.stdout[:100]!r}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines, want 1: {p.stderr[:300]!r}")
    problems += [f"stderr lacks {n!r}" for n in needles if not lines or n not in lines[0]]
    print(("FAIL " if problems else "ok   ") + label + (": " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0


def limit_memory(nbytes):
    """preexec_fn: cap the address space (skipped when the binary cannot start under it, e.g. with ASan)."""
    def f():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
    return f


def hostile_runs(cli, tmp):
    failures = 0
    # An endless input (/dev/zero) is refused at the size cap, with or without a memory limit.
    cap = 1 << 30
    probe = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=60, preexec_fn=limit_memory(cap))
    pre = limit_memory(cap) if probe.returncode == 0 else None
    for cmd in (["replay"], ["report"], ["validate"]):
        try:
            p = subprocess.run([cli] + cmd + ["/dev/zero"], capture_output=True, text=True, timeout=60, preexec_fn=pre)
        except subprocess.TimeoutExpired:
            p = subprocess.CompletedProcess([], -1, "", "timeout after 60 s")
        failures += one_line_exit_2(f"/dev/zero {cmd} (memory limit {'1 GiB' if pre else 'none'})", p,
                                    ["/dev/zero", "input larger than 64 MiB (the limit for one input)"])
    # validate: the same JSON guards.
    for label, text, needles in (("validate 1e400", '{"max_memory": 1e400}', ["not valid JSON", "1e400"]),
                                 ("validate nested 100,000 deep", '{"x": ' + "[" * 100000 + "]" * 100000 + "}",
                                  ["nested deeper than 64 levels"]),
                                 ("validate newline in a key", '{"a\\nb": 1}', ["a\\nb", "unknown key"])):
        path = os.path.join(tmp, "validate_hostile.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        p = run(cli, ["validate", "--probe-memory", "1", "--probe-disk", "1", path])
        failures += one_line_exit_2(label, p, needles)
    # A file name with a newline stays on one line.
    odd = os.path.join(tmp, "odd\nname.json")
    p = run(cli, ["replay", odd])
    failures += one_line_exit_2("file name with a newline", p, ["odd\\nname.json", "cannot open"])
    # A stream name with U+001F and a refused publish: runs, exit 0, the refusal in the report.
    doc = {"name": "unit_separator", "accounts": {"A": {"jetstream": {"max_store": 100}}},
           "ops": [{"op": "stream_create", "account": "A", "name": "S\u001fX", "subjects": ["s.>"]},
                   {"op": "publish", "account": "A", "subject": "s.a", "size": 80, "count": 3}]}
    path = os.path.join(tmp, "unit_separator.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    for cmd in ("replay", "report"):
        p = run(cli, [cmd, "--semantics", "v2.9", path])
        ok = p.returncode == 0 and not p.stderr and ("10047" in p.stdout or "10002" in p.stdout or "10028" in p.stdout)
        print(("ok   " if ok else "FAIL ") + f"U+001F stream name, refused publish ({cmd})" +
              ("" if ok else f": exit {p.returncode}, stderr {p.stderr!r}, stdout {p.stdout[-300:]!r}"))
        failures += 0 if ok else 1
    # Values at the int64 limits: the report's arithmetic saturates (no negative sizes, no wrapped percentages).
    big = (1 << 63) - 1
    doc = {"name": "extremes", "mode": "cluster", "server": {"max_memory": big, "max_store": big},
           "accounts": {"A": {"jetstream": {"max_memory": big, "max_store": big}},
                        "B": {"jetstream": {"max_memory": 1, "max_store": 1}}},
           "ops": [{"op": "stream_create", "account": "A", "name": "S3", "replicas": 3, "max_bytes": big},
                   {"op": "stream_create", "account": "A", "name": "M3", "replicas": 3, "storage": "memory",
                    "max_bytes": 1 << 62},
                   {"op": "stream_create", "account": "A", "name": "U", "replicas": 3},
                   {"op": "publish", "account": "A", "subject": "U.x", "size": 1000, "count": 5},
                   {"op": "stream_create", "account": "B", "name": "T"},
                   {"op": "publish", "account": "B", "subject": "T.x", "size": 10, "count": 2}]}
    path = os.path.join(tmp, "extremes.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    for sem in ("main", "v2.9"):
        for fmt in ("text", "csv", "json"):
            p = run(cli, ["report", "--semantics", sem] + (["--format", fmt] if fmt != "text" else []) + [path])
            bad = re.findall(r"-\d[\d.]* ?[KMGTPE]?i?B|-\d+%|\d{4,}%", p.stdout)
            ok = p.returncode == 0 and not p.stderr and not bad and p.stdout
            if fmt == "csv":
                ok = ok and all(not c.startswith("-") or c == "-1" for row in p.stdout.splitlines()[1:] for c in row.split(","))
            print(("ok   " if ok else "FAIL ") + f"int64 extremes: report --format {fmt} ({sem})" +
                  ("" if ok else f": exit {p.returncode}, stderr {p.stderr[:300]!r}, bad {bad[:5]}, stdout {p.stdout[-400:]!r}"))
            failures += 0 if ok else 1
    return failures


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    cli = argv[0]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, doc, needles) in enumerate(CASES):
            path = os.path.join(tmp, f"case{i}.json")
            if doc is not None:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(doc if isinstance(doc, str) else json.dumps(doc))
            for cmd in ("replay", "report"):
                p = run(cli, [cmd, "--semantics", "v2.9", path])
                lines = p.stderr.splitlines()
                problems = []
                if p.returncode != 2:
                    problems.append(f"exit {p.returncode}, want 2")
                if p.stdout:
                    problems.append(f"stdout not empty: {p.stdout[:100]!r}")
                if len(lines) != 1:
                    problems.append(f"{len(lines)} stderr lines, want 1: {p.stderr!r}")
                elif path not in lines[0]:
                    problems.append(f"stderr does not name the file: {lines[0]!r}")
                for n in needles:
                    if lines and n not in lines[0]:
                        problems.append(f"stderr lacks {n!r}: {lines[0]!r}")
                if problems:
                    failures += 1
                    print(f"FAIL {label} ({cmd}): " + "; ".join(problems))
                else:
                    print(f"ok   {label} ({cmd}): {lines[0]}")
        # A good scenario works (sanity) and bad arguments exit 2.
        good = os.path.join(tmp, "good.json")
        with open(good, "w", encoding="utf-8") as f:
            json.dump(GOOD, f)
        p = run(cli, ["replay", "--semantics", "v2.9", good])
        if p.returncode != 0 or not p.stdout.startswith("{"):
            failures += 1
            print(f"FAIL good scenario: exit {p.returncode}: {p.stderr!r}")
        for args in (["replay", "--semantics", "v3", good], ["replay"], ["frobnicate", good], ["replay", "--bogus", good]):
            p = run(cli, args)
            if p.returncode != 2 or p.stdout:
                failures += 1
                print(f"FAIL args {args}: exit {p.returncode}, stdout {p.stdout[:80]!r}")
            else:
                print(f"ok   args {args}")
        failures += hostile_runs(cli, tmp)
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
