#!/usr/bin/env python3
"""The jsacct CLI's bad-input contract: for an unusable scenario or bad
arguments it exits 2, prints nothing on stdout and exactly one line on stderr
that names the file and the JSON path (and what is allowed there).

usage: bad_input.py PATH/TO/jsacct
"""
import json
import os
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
]


def run(cli, args):
    return subprocess.run([cli] + args, capture_output=True, text=True, timeout=60)


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
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
