#!/usr/bin/env python3
"""The jsacct command line: per-command help and exit codes, --version,
standard input (`-`), `report --format text|json|csv`, the progress line,
the report's wording (plurals, 1-based op numbers, binary units, a cluster's
accounts counted once), and that `meson install` installs bin/jsacct.

usage: cli_test.py PATH/TO/jsacct PROJECT_VERSION SOURCE_ROOT BUILD_ROOT
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

failures = 0
passed = 0


def check(label, ok, detail=""):
    global failures, passed
    if ok:
        passed += 1
        print(f"ok   {label}")
    else:
        failures += 1
        print(f"FAIL {label}: {detail}")


def run(cli, args, stdin=None):
    return subprocess.run([cli] + args, capture_output=True, text=True, timeout=120,
                          input=stdin if stdin is not None else "", errors="replace")


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    cli, version, src, build = argv
    demo = os.path.join(src, "examples", "scenarios", "demo.json")
    cluster = os.path.join(src, "tests", "conformance", "own", "cluster_tiered_tier_moves.json")
    with open(demo, encoding="utf-8") as f:
        demo_text = f.read()
    demo_doc = json.loads(demo_text)

    # --help: the top level and each command, exit 0 on stdout, exit codes listed.
    for args in (["--help"], ["replay", "--help"], ["report", "--help"], ["validate", "--help"], ["report", "-h"],
                 ["explain", "--help"]):
        p = run(cli, args)
        check(f"help {args}", p.returncode == 0 and "Usage: jsacct" in p.stdout and "Exit codes:" in p.stdout
              and "  2  bad usage or bad input" in p.stdout and not p.stderr, f"exit {p.returncode}: {p.stdout[:200]!r}")
    p = run(cli, ["report", "--help"])
    check("report help names the csv columns", "memory_used" in p.stdout and "--format text|json|csv" in p.stdout, p.stdout)
    p = run(cli, ["validate", "--help"])
    check("validate help has its own options", "--probe-disk" in p.stdout and "--format" not in p.stdout, p.stdout)
    p = run(cli, ["--version"])
    check("--version", p.returncode == 0 and p.stdout == f"jsacct {version}\n", repr(p.stdout))

    # Bad arguments: exit 2, the message first, then the usage, all on stderr.
    for args, needle in ((["replay"], "SCENARIO.json is required"), (["frobnicate"], 'unknown command "frobnicate"'),
                         (["report", "--format", "xml", demo], '--format: "xml" (allowed: text, json, csv)'),
                         (["replay", "--semantics", "v3", demo], '"v3" (allowed: main, v2.9)'),
                         (["validate", "--probe-disk", "-1", demo], '"-1" (allowed: a byte count'),
                         (["replay", demo, demo], "not expected"), ([], "A subcommand is required")):
        p = run(cli, args)
        lines = p.stderr.splitlines()
        ok = (p.returncode == 2 and not p.stdout and len(lines) >= 2 and lines[0].startswith("jsacct: ") and needle in lines[0]
              and lines[1].startswith("Usage: jsacct"))
        check(f"bad args {args}", ok, f"exit {p.returncode}, stdout {p.stdout[:80]!r}, stderr {p.stderr!r}")

    # `-` reads standard input: the same output as the file.
    for cmd in (["replay"], ["report"], ["report", "--format", "csv"]):
        f = run(cli, cmd + [demo])
        s = run(cli, cmd + ["-"], stdin=demo_text)
        check(f"stdin {cmd}", f.returncode == 0 and s.returncode == 0 and f.stdout == s.stdout and f.stdout,
              f"exit {f.returncode}/{s.returncode}: {s.stderr!r}")
    p = run(cli, ["replay", "-"], stdin="{")
    check("stdin: bad input names <stdin>", p.returncode == 2 and p.stderr.startswith("jsacct: <stdin>: not valid JSON"),
          repr(p.stderr))
    p = run(cli, ["validate", "--probe-memory", "1", "--probe-disk", "1", "-"], stdin='{"jetstream": false}')
    check("stdin: validate", p.returncode == 0 and json.loads(p.stdout)["config"] is None, repr(p.stdout))

    # The replay record of every op: the expected report rows come from it.
    replay = json.loads(run(cli, ["replay", demo]).stdout)
    results = replay["results"]
    info = {r["account"]: r["result"] for r in results if r["op"] == "account_info"}

    # report --format csv / json: one row per account and tier, the documented columns.
    p = run(cli, ["report", "--format", "csv", demo])
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    cols = ["scenario", "semantics", "account", "jetstream", "tier", "memory_used", "memory_reserved", "memory_limit",
            "storage_used", "storage_reserved", "storage_limit", "streams", "streams_limit", "consumers", "consumers_limit",
            "messages", "stored_bytes", "rejected_ops"]
    check("csv header", p.stdout.splitlines()[0] == ",".join(cols), p.stdout.splitlines()[:1])
    keys = [(r["account"], r["tier"]) for r in rows]
    check("csv rows: ORDERS untiered, TEAM tier R1", keys == [("ORDERS", "all"), ("TEAM", "R1")], keys)
    by = {r["account"]: r for r in rows}
    o, t = by.get("ORDERS", {}), by.get("TEAM", {})
    check("csv ORDERS usage = account_info", o.get("storage_used") == str(info["ORDERS"]["storage"])
          and o.get("memory_used") == str(info["ORDERS"]["memory"])
          and o.get("storage_limit") == str(info["ORDERS"]["limits"]["max_storage"])
          and o.get("streams") == str(info["ORDERS"]["streams"]), o)
    check("csv TEAM R1 = account_info tier", t.get("storage_used") == str(info["TEAM"]["tiers"]["R1"]["storage"])
          and t.get("streams_limit") == str(info["TEAM"]["tiers"]["R1"]["limits"]["max_streams"]), t)
    # reserved = the accepted creates' max_bytes: NEW 131072 (file), CACHE 32768 (memory); CHAT 65536 (TEAM R1).
    check("csv reservations", (o.get("storage_reserved"), o.get("memory_reserved"), t.get("storage_reserved"))
          == ("131072", "32768", "65536"), o)
    rejected = {}
    for r in results:
        if r.get("ok") is False:
            rejected[r["account"]] = rejected.get(r["account"], 0) + 1
    check("csv rejected_ops per account", {k: int(v["rejected_ops"]) for k, v in by.items()} == rejected, rejected)
    p = run(cli, ["report", "--format", "json", demo])
    rows_json = json.loads(p.stdout)
    check("json rows = csv rows", [{k: ("" if v is None else str(v)) for k, v in r.items()} for r in rows_json] == rows,
          rows_json[:1])
    p = run(cli, ["report", "--format", "csv", os.path.join(src, "tests", "conformance", "own", "js_disabled_dynamic_config.json")])
    js = {r["account"]: r["jetstream"] for r in csv.DictReader(io.StringIO(p.stdout))}
    check("csv: accounts without JetStream get a row", "disabled" in js.values() and "enabled" in js.values(), js)

    # The text report: plurals, 1-based op numbers, binary units.
    text = run(cli, ["report", demo]).stdout
    check("plural: 1 stream", "TEAM (tiered): 1 stream, 0 consumers" in text, text)
    check("plural: messages", "40 messages" in text and " msgs" not in text, text)
    check("binary units", " KiB" in text and " MiB" in text and not re.search(r"\d (KB|MB|GB)\b", text), text)
    check("op numbers are 1-based and said to be", "counting from 1" in text, text)
    refused = [r["i"] for r in results if r.get("ok") is False]
    shown = [int(m) - 1 for m in re.findall(r"^  op #(\d+) ", text, re.M)]
    check("op #N is ops[N-1]", shown == refused and refused, f"{shown} vs {refused}")
    check("publish refusal counts messages", "(18 of 150 messages refused)" in text, text)

    # Explanations (docs/explanations.md): a why line under each refused op of the report.
    # demo op #2: ORDERS max_store 262144 = 256 KiB holds NEW's 131072 = 128 KiB; DONE asks 131073.
    why2 = "      why: 10047: account storage: requested 131073 B + reserved 128 KiB (NEW 128 KiB) > limit 256 KiB"
    lines = text_of(cli, demo).splitlines()
    ops = [k for k, line in enumerate(lines) if re.match(r"^  op #\d+ ", line)]
    def why_code(k):  # the code of the why line under line k, or None
        m = re.match(r"^      why: (\d+): ", lines[k + 1]) if k + 1 < len(lines) else None
        return m.group(1) if m else None
    check("report: a why line under every refused op of the demo, with its code",
          ops and all(why_code(k) and lines[k].endswith(f"({why_code(k)})") for k in ops), [lines[k:k + 2] for k in ops])
    check("report: op #2's why", any(lines[k].startswith("  op #2 ") and lines[k + 1] == why2 for k in ops),
          [lines[k:k + 2] for k in ops])

    # jsacct explain SCENARIO OP: the op, its outcome and every field of the why.
    p = run(cli, ["explain", demo, "2"])
    out = p.stdout.splitlines()
    check("explain op #2", p.returncode == 0 and not p.stderr and out[:3] == [
        "op #2 stream_create ORDERS DONE", "outcome: refused: insufficient storage resources available (10047)",
        why2.strip()] and "  requested:  131073 (131073 B)" in out and "  reserved:   131072 (128 KiB)" in out
        and "  limit:      262144 (256 KiB)" in out and "  level:      account" in out and "  source:     account config" in out
        and out[-2:] == ["  contributors:", "    NEW 131072 (128 KiB)"], p.stdout + p.stderr)
    for spelling in ("#2", "op #2"):
        q = run(cli, ["explain", demo, spelling])
        check(f"explain {spelling!r} = explain 2", q.returncode == 0 and q.stdout == p.stdout, q.stdout + q.stderr)
    p = run(cli, ["explain", demo, "1"])
    check("explain an accepted op", p.returncode == 0 and p.stdout == "op #1 stream_create ORDERS NEW\noutcome: accepted\n",
          p.stdout)
    p = run(cli, ["explain", demo, "10"])
    check("explain op #10: the account's max_consumers", p.returncode == 0
          and "why: 10026: account consumers: requested 1 + used 2 > limit 2" in p.stdout, p.stdout)
    p = run(cli, ["explain", "--semantics", "v2.9", demo, "2"])
    check("explain --semantics v2.9", p.returncode == 0 and "why: 10047: account storage: " in p.stdout, p.stdout)
    n_ops = len(demo_doc["ops"])
    for bad in (str(n_ops + 1), "0", "-1", "x", "2x"):
        p = run(cli, ["explain", demo, bad])
        check(f"explain OP {bad!r} out of range: exit 2, one line", p.returncode == 2 and not p.stdout
              and p.stderr.count("\n") == 1 and p.stderr.startswith(f'jsacct: OP: "{bad}" is not an op of ')
              and f"(allowed: 1 to {n_ops}," in p.stderr, repr(p.stderr))

    # A cluster report counts each account, stream and consumer once.
    text = run(cli, ["report", "--semantics", "v2.9", cluster]).stdout
    check("cluster: 1 account, 4 streams, 2 consumers", "  1 account, 4 streams, 2 consumers," in text, text[-300:])

    # Progress: only when asked (or stderr is a terminal) and after the delay; erased at the end.
    p = subprocess.run([cli, "report", "--progress", "always", "--progress-delay-ms", "0", demo], capture_output=True,
                       timeout=120)
    n = len(demo_doc["ops"])
    err = p.stderr.decode()
    # The first op draws (delay 0); redraws are at most every 100 ms; the line is erased with spaces at the end.
    check("progress always: drawn and erased", p.returncode == 0 and err.startswith(f"\rjsacct: op 1 of {n} (5%)")
          and err.endswith("\r") and err.split("\r")[-2].strip() == "" and p.stdout.decode() == text_of(cli, demo),
          repr(err[-120:]))
    p = run(cli, ["report", "--progress", "always", demo])
    check("progress: nothing for a run shorter than the 1 s delay", p.stderr == "", repr(p.stderr))
    p = run(cli, ["replay", demo])
    check("progress auto: nothing when stderr is not a terminal", p.stderr == "", repr(p.stderr))

    # Installable: `meson install` puts jsacct in bin/.
    p = subprocess.run(["meson", "introspect", "--installed", build], capture_output=True, text=True, timeout=120)
    installed = json.loads(p.stdout) if p.returncode == 0 else {}
    check("meson install puts jsacct in bin/", any(dest.endswith("/bin/jsacct") for dest in installed.values()),
          p.stderr or sorted(installed.values())[:5])

    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


def text_of(cli, path):
    return run(cli, ["report", path]).stdout


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
