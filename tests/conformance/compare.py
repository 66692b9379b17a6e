#!/usr/bin/env python3
"""Compare a jsacct replay with a result recorded from a real nats-server.

usage: compare.py [--level core|full] [--quiet] EXPECTED.json ACTUAL.json
       compare.py [--level core|full] [--quiet] --run CLI SCENARIO.json
           runs `CLI replay --semantics v2.9 SCENARIO.json` and compares its
           stdout with SCENARIO.expected.json next to the scenario.

Levels (the record layout is the oracle's result format):
  core  decisions and accounting: per op `ok`, `error`, `no_responders`; publish
        acks as runs of (n, stream, error); account_info and server_info results
        whole; stream results reduced to state.messages and state.bytes; other
        results whole; startup.ok.
  full  every field of every op record except the echoed `request`, and the
        whole startup object.
Prints one line per differing op and closes with "N passed, N failed"
(counting ops). Exit 0 only when nothing differs; 2 on unusable input.
This is a self-contained reimplementation of the project's shared compare tool
(same levels and projections) so that `meson test` needs nothing outside the tree.
"""
import json
import subprocess
import sys
from pathlib import Path

STREAM_OPS = {"stream_create", "stream_update", "stream_info"}


def core(rec):
    out = {k: rec[k] for k in ("op", "i", "account", "stream", "durable", "ok",
                                "error", "no_responders") if k in rec}
    if rec.get("op") == "publish":
        out["acks"] = [{k: a[k] for k in ("n", "stream", "error", "no_responders") if k in a}
                       for a in rec.get("acks", [])]
    elif "result" in rec:
        res = rec["result"]
        if rec.get("op") in STREAM_OPS and isinstance(res, dict):
            state = res.get("state", {})
            out["state"] = {k: state.get(k) for k in ("messages", "bytes")}
        else:
            out["result"] = res
    return out


def full(rec):
    return {k: v for k, v in rec.items() if k != "request"}


def load_text(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        print(f"compare.py: {what}: not JSON: {e}", file=sys.stderr)
        sys.exit(2)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return load_text(f.read(), path)
    except OSError as e:
        print(f"compare.py: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


def diff(expected, actual, level, label, quiet):
    proj = core if level == "core" else full
    bad = 0
    exp_start, act_start = expected.get("startup", {}), actual.get("startup", {})
    if level == "core":
        exp_start, act_start = exp_start.get("ok"), act_start.get("ok")
    if exp_start != act_start:
        print(f"{label}: startup differs: expected {json.dumps(exp_start)} got {json.dumps(act_start)}")
        bad += 1
    er, ar = expected.get("results", []), actual.get("results", [])
    for i in range(max(len(er), len(ar))):
        e = proj(er[i]) if i < len(er) else None
        a = proj(ar[i]) if i < len(ar) else None
        if e != a:
            bad += 1
            if not quiet:
                print(f"{label} op {i}: expected {json.dumps(e, sort_keys=True)}")
                print(f"{' ' * len(label)}   {' ' * len(str(i))}    got {json.dumps(a, sort_keys=True)}")
    return len(er) + 1 - bad, bad


def main(argv):
    level, quiet, run = "core", False, None
    args = []
    it = iter(argv)
    for a in it:
        if a == "--level":
            level = next(it, "")
        elif a == "--quiet":
            quiet = True
        elif a == "--run":
            run = next(it, "")
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    if level not in ("core", "full") or len(args) != (1 if run else 2):
        print(__doc__, file=sys.stderr)
        return 2
    if run:
        sc = Path(args[0])
        exp_path = sc.with_name(sc.name[:-len(".json")] + ".expected.json")
        expected = load(exp_path)
        proc = subprocess.run([run, "replay", "--semantics", "v2.9", str(sc)],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            print(f"{sc.stem}: jsacct exited {proc.returncode}: {proc.stderr.strip()[:500]}")
            return 1
        actual = load_text(proc.stdout, f"output of jsacct for {sc}")
        label = sc.stem
    else:
        expected, actual = load(args[0]), load(args[1])
        label = Path(args[1]).stem
    passed, failed = diff(expected, actual, level, label, quiet)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
