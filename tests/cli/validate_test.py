#!/usr/bin/env python3
"""`jsacct validate OPTIONS.json`: every validateJetStreamOptions rule's exact
text (docs/semantics.md#validate-options, exit 1, the text alone on stdout), the resolved JetStream
config with injected probes (docs/semantics.md#server-enable steps 3-4, docs/semantics.md#dynamic-config incl. its explicit-0
vs unset table, both semantics), and the bad-input contract (exit 2, one
stderr line naming the file and the JSON path, nothing on stdout).

usage: validate_test.py PATH/TO/jsacct
       JSACCT_SEED_DIR=DIR validate_test.py PATH/TO/jsacct   (also writes each options document to DIR)
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

GIB = 1 << 30
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


def crc16_xmodem(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def account_nkey(seed_byte):
    raw = bytes([0]) + bytes([seed_byte] * 32)
    raw += crc16_xmodem(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


class Cli:
    def __init__(self, exe, tmp):
        self.exe, self.tmp, self.n = exe, tmp, 0

    def write(self, doc):
        self.n += 1
        path = os.path.join(self.tmp, f"opts{self.n}.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        # JSACCT_SEED_DIR: also keep every options document (the validate fuzz target's seed corpus).
        if os.environ.get("JSACCT_SEED_DIR"):
            with open(os.path.join(os.environ["JSACCT_SEED_DIR"], f"validate_test_{self.n:03d}.json"), "w",
                      encoding="utf-8") as f:
                f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def run(self, args, env=None):
        e = dict(os.environ)
        e["TMPDIR"] = os.path.join(self.tmp, "tmpdir")
        if env:
            e.update(env)
        return subprocess.run([self.exe] + args, capture_output=True, text=True, timeout=60, env=e)

    def validate(self, doc, extra=("--probe-memory", str(16 * GIB), "--probe-disk", "5000"), semantics=None):
        args = ["validate"] + list(extra)
        if semantics:
            args += ["--semantics", semantics]
        return self.run(args + [self.write(doc)])


def expect_error(cli, label, doc, text):
    """validate must refuse with exactly `text` (exit 1, one stdout line, empty stderr)."""
    p = cli.validate(doc)
    ok = p.returncode == 1 and p.stdout == text + "\n" and p.stderr == ""
    check(f"rule: {label}", ok, f"exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}, want {text!r}")


def expect_config(cli, label, doc, want_config, semantics=None, extra=None, want_accounts=None, want_warnings=None,
                  want_debug=None):
    """validate must succeed with exactly `want_config` (and the other parts when given)."""
    p = cli.validate(doc, semantics=semantics) if extra is None else cli.validate(doc, extra=extra, semantics=semantics)
    if p.returncode != 0 or p.stderr:
        check(f"config: {label}", False, f"exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")
        return None
    try:
        out = json.loads(p.stdout)
    except ValueError as e:
        check(f"config: {label}", False, f"stdout is not JSON ({e}): {p.stdout!r}")
        return None
    problems = []
    if list(out.keys()) != ["config", "accounts", "warnings", "debug"]:
        problems.append(f"top-level keys {list(out.keys())}")
    if want_config is not None and out.get("config") != want_config:
        problems.append(f"config {out.get('config')} != {want_config}")
    if want_config is not None and out.get("config") is not None and list(out["config"].keys()) != list(want_config.keys()):
        problems.append(f"config key order {list(out['config'].keys())} != {list(want_config.keys())}")
    if want_accounts is not None and out.get("accounts") != want_accounts:
        problems.append(f"accounts {out.get('accounts')} != {want_accounts}")
    if want_warnings is not None and out.get("warnings") != want_warnings:
        problems.append(f"warnings {out.get('warnings')} != {want_warnings}")
    if want_debug is not None and out.get("debug") != want_debug:
        problems.append(f"debug {out.get('debug')} != {want_debug}")
    check(f"config: {label}", not problems, "; ".join(problems))
    return out


def rules(cli):
    js_cluster = {"jetstream": True, "server_name": "S1", "cluster": {"name": "C1", "port": 6222}}

    def with_(base, **kw):
        d = json.loads(json.dumps(base))
        d.update(kw)
        return d

    # docs/semantics.md#validate-options rule 2: the server domain.
    expect_error(cli, "domain with a dot", {"jetstream": True, "jetstream_domain": "a.b"},
                 "invalid domain name: may not contain ., * or >")
    expect_error(cli, "domain *", {"jetstream_domain": "*"}, "invalid domain name: may not contain ., * or >")
    expect_error(cli, "domain x>", {"jetstream_domain": "x>"}, "invalid domain name: may not contain ., * or >")
    expect_error(cli, "domain with a space", {"jetstream": True, "jetstream_domain": "a b"},
                 'invalid domain name: derived "$JS.a b.API.>" is not a valid subject')
    expect_error(cli, "domain >", {"jetstream_domain": ">"},
                 'invalid domain name: derived "$JS.>.API.>" is not a valid subject')
    # Rules 4-7 only with JetStream and a cluster port.
    expect_error(cli, "cluster without server_name", with_(js_cluster, server_name=""),
                 "jetstream cluster requires `server_name` to be set")
    expect_error(cli, "random cluster port (-1) counts as set", {"jetstream": True, "cluster": {"name": "C1", "port": -1}},
                 "jetstream cluster requires `server_name` to be set")
    expect_error(cli, "cluster without a name", with_(js_cluster, cluster={"port": 6222}),
                 "jetstream cluster requires `cluster.name` to be set")
    expect_error(cli, "bad extension hint (lower-cased in the text)", with_(js_cluster, extension_hint="Maybe_Extend"),
                 "expected 'no_extend' for string value, got 'maybe_extend'")
    expect_error(cli, "negative catchup", with_(js_cluster, max_outstanding_catchup=-1),
                 "jetstream max catchup cannot be negative")
    expect_error(cli, "server_name checked before the cluster name", {"jetstream": True, "cluster": {"port": 6222}},
                 "jetstream cluster requires `server_name` to be set")
    expect_error(cli, "hint checked before catchup", with_(js_cluster, extension_hint="x", max_outstanding_catchup=-1),
                 "expected 'no_extend' for string value, got 'x'")
    expect_error(cli, "domain checked before the cluster rules", with_(js_cluster, server_name="", jetstream_domain="a.b"),
                 "invalid domain name: may not contain ., * or >")
    # Rule 1: default_js_domain.
    expect_error(cli, "default_js_domain: non-existing account", {"default_js_domain": {"NOPE": "hub"}},
                 'in non operator mode, `default_js_domain` references non existing account "NOPE"')
    expect_error(cli, "default_js_domain: account with JetStream",
                 {"accounts": {"A": {"jetstream": {"max_store": 1}}}, "default_js_domain": {"A": "hub"}},
                 'default_js_domain contains account name "A" with enabled JetStream')
    expect_error(cli, "default_js_domain: account with jetstream: enabled",
                 {"accounts": {"A": {"jetstream": "enabled"}}, "default_js_domain": {"A": "hub"}},
                 'default_js_domain contains account name "A" with enabled JetStream')
    expect_error(cli, "default_js_domain: system account", {"accounts": {"$SYS": {}}, "default_js_domain": {"$SYS": "hub"}},
                 'system account "$SYS" can not be in default_js_domain')
    expect_error(cli, "default_js_domain: configured system account",
                 {"accounts": {"SYS": {}}, "system_account": "SYS", "default_js_domain": {"SYS": ""}},
                 'system account "SYS" can not be in default_js_domain')
    expect_error(cli, "default_js_domain: invalid domain", {"accounts": {"A": {}}, "default_js_domain": {"A": "a b"}},
                 'default_js_domain contains account "A" with invalid domain name "a b"')
    expect_error(cli, "default_js_domain: operator mode, not an nkey",
                 {"trusted_operators": ["op"], "default_js_domain": {"A": "hub"}},
                 'default_js_domain contains account name "A", which is not a valid public account nkey')
    expect_error(cli, "default_js_domain: %q quoting", {"default_js_domain": {'Q"\t': "hub"}},
                 'in non operator mode, `default_js_domain` references non existing account "Q\\"\\t"')
    expect_error(cli, "system account with JetStream limits", {"jetstream": True, "accounts": {"$SYS": {"jetstream": True}}},
                 "Not allowed to enable JetStream on the system account")
    # Accepted forms.
    nkey = account_nkey(7)
    expect_config(cli, "default_js_domain: $G, JetStream account with empty domain, plain account",
                  {"accounts": {"A": {"jetstream": True}, "B": {}}, "default_js_domain": {"$G": "hub", "A": "", "B": "hub"}},
                  None)
    expect_config(cli, "default_js_domain: operator mode with a valid nkey",
                  {"trusted_operators": ["op"], "default_js_domain": {nkey: "hub"}}, None)
    expect_config(cli, "no cluster port: cluster rules skipped",
                  {"jetstream": True, "extension_hint": "bogus", "max_outstanding_catchup": -5}, None)
    expect_config(cli, "JetStream off: cluster rules skipped", with_(js_cluster, jetstream=False, server_name=""), None)
    expect_config(cli, "extension hint upper-case accepted", with_(js_cluster, extension_hint="WILL_EXTEND"), None)
    expect_config(cli, "system account with limits but JetStream off", {"accounts": {"$SYS": {"jetstream": True}}},
                  None)


def resolution(cli, tmp):
    store = os.path.join(tmp, "data")
    tmpdir = os.path.join(tmp, "tmpdir")
    dflt = [-1] * 7
    keys = ["max_memory", "max_storage", "max_streams", "max_consumers", "max_ack_pending", "memory_max_stream_bytes",
            "storage_max_stream_bytes"]

    def lim(**kw):
        d = dict(zip(keys, dflt))
        d["max_bytes_required"] = False
        d.update(kw)
        return d

    mem16 = 16 * GIB // 4 * 3
    expect_config(cli, "valid config: 75% of injected memory, injected disk, accounts",
                  {"jetstream": True, "server_name": "S1", "cluster": {"name": "C1", "port": 6222},
                   "extension_hint": "no_extend", "store_dir": store,
                   "accounts": {"A": {"jetstream": {"max_store": 1000, "max_streams": 3, "max_bytes_required": True}},
                                "B": {"jetstream": "disabled"}, "C": {"jetstream": True}, "D": {}}},
                  {"max_memory": mem16, "max_storage": 5000, "store_dir": store + "/jetstream", "strict": True},
                  want_accounts={"A": lim(max_storage=1000, max_streams=3, max_bytes_required=True), "B": None,
                                 "C": lim(), "D": None},
                  want_warnings=[], want_debug=["JetStream creating dynamic configuration - 12.00 GB memory, 4.88 KB disk"])
    for total, want in ((10, 6), (7, 3), (3, 0), (16 * GIB + 3, 12 * GIB)):
        expect_config(cli, f"integer division first: memory {total} -> {want}", {"jetstream": True, "store_dir": store},
                      {"max_memory": want, "max_storage": 5000, "store_dir": store + "/jetstream", "strict": True},
                      extra=["--probe-memory", str(total), "--probe-disk", "5000"])
    expect_config(cli, "unknown memory (0) -> 256 MiB", {"jetstream": True, "store_dir": store},
                  {"max_memory": 256 << 20, "max_storage": 5000, "store_dir": store + "/jetstream", "strict": True},
                  extra=["--probe-memory", "0", "--probe-disk", "5000"])
    # docs/semantics.md#dynamic-config: explicit 0 vs unset (config-file cases) and the programmatic table.
    base = {"jetstream": True, "store_dir": store}
    cases = [
        ("max_mem_store: 0 set -> memory 0", dict(max_memory=0, max_memory_set=True), 0, 5000, "main"),
        ("max_memory 0 unset -> 75% memory", dict(max_memory=0), mem16, 5000, "main"),
        ("max_file_store: 0 set -> store 0", dict(max_store=0, max_store_set=True), mem16, 0, "main"),
        ("max_store 0 unset -> disk", dict(max_store=0), mem16, 5000, "main"),
        ("max_mem_store: -1 set -> dynamic", dict(max_memory=-1, max_memory_set=True), mem16, 5000, "main"),
        ("only max_file_store: 1GB set", dict(max_store=GIB, max_store_set=True), mem16, GIB, "main"),
        ("programmatic 0 / 1 GiB (main keeps the store)", dict(max_store=GIB), mem16, GIB, "main"),
        ("programmatic 2 GiB / 0", dict(max_memory=2 * GIB), 2 * GIB, 5000, "main"),
        ("max_mem_store: 0 set -> memory 0 (v2.9)", dict(max_memory=0, max_memory_set=True), 0, 5000, "v2.9"),
        ("max_memory 0 unset -> 75% memory (v2.9)", dict(max_memory=0), mem16, 5000, "v2.9"),
        ("max_file_store: 0 set -> store 0 (v2.9)", dict(max_store=0, max_store_set=True), mem16, 0, "v2.9"),
        ("only max_file_store: 1GB set (v2.9)", dict(max_store=GIB, max_store_set=True), mem16, GIB, "v2.9"),
        ("programmatic 0 / 1 GiB (v2.9 ignores the store)", dict(max_store=GIB), mem16, 5000, "v2.9"),
        ("programmatic 2 GiB / 0 (v2.9 override)", dict(max_memory=2 * GIB), 2 * GIB, 5000, "v2.9"),
    ]
    for label, kw, mem, disk, sem in cases:
        doc = dict(base, **kw)
        want = {"max_memory": mem, "max_storage": disk, "store_dir": store + "/jetstream"}
        if sem == "main":
            want["strict"] = True
        expect_config(cli, label, doc, want, semantics=sem)
    # Explicit path: both limits > 0, the input is kept (CompressOK = true from startup).
    expect_config(cli, "programmatic 2 GiB / 1 GiB: explicit path",
                  dict(base, max_memory=2 * GIB, max_store=GIB, jetstream_domain="hub"),
                  {"max_memory": 2 * GIB, "max_storage": GIB, "store_dir": store + "/jetstream", "domain": "hub",
                   "compress_ok": True, "strict": True}, want_debug=[])
    expect_config(cli, "explicit path (v2.9): no strict", dict(base, max_memory=2 * GIB, max_store=GIB),
                  {"max_memory": 2 * GIB, "max_storage": GIB, "store_dir": store + "/jetstream", "compress_ok": True},
                  semantics="v2.9")
    # Store-dir fallbacks (docs/semantics.md#defaults): dynamic <tmp>/nats/jetstream, explicit <tmp>/jetstream.
    warn = ["Temporary storage directory used, data could be lost on system reboot"]
    expect_config(cli, "dynamic path without store_dir: <tmp>/nats/jetstream, domain kept", {"jetstream": True,
                                                                                         "jetstream_domain": "hub"},
                  {"max_memory": mem16, "max_storage": 5000, "store_dir": tmpdir + "/nats/jetstream", "domain": "hub",
                   "strict": True}, want_warnings=warn)
    expect_config(cli, "explicit path without store_dir: <tmp>/jetstream", {"jetstream": True, "max_memory": 1,
                                                                           "max_store": 2},
                  {"max_memory": 1, "max_storage": 2, "store_dir": tmpdir + "/jetstream", "compress_ok": True,
                   "strict": True}, want_warnings=warn)
    expect_config(cli, "no warning in v2.9", {"jetstream": True},
                  {"max_memory": mem16, "max_storage": 5000, "store_dir": tmpdir + "/nats/jetstream"}, semantics="v2.9",
                  want_warnings=[])
    expect_config(cli, "store_dir is cleaned like filepath.Join", dict(base, store_dir=store + "//x/../"),
                  {"max_memory": mem16, "max_storage": 5000, "store_dir": store + "/jetstream", "strict": True})
    expect_config(cli, "JetStream off: config null, accounts still resolved",
                  {"accounts": {"A": {"jetstream": "enabled"}}}, None, want_accounts={"A": lim()})
    # The real probe, as the server uses it: memory > 0, and the disk probe creates the store dir.
    real = os.path.join(tmp, "real")
    out = expect_config(cli, "real probes", {"jetstream": True, "store_dir": real}, None, extra=[])
    if out is not None:
        cfg = out["config"]
        check("real probes: memory and disk positive, store dir created",
              cfg["max_memory"] > 0 and cfg["max_storage"] > 0 and os.path.isdir(real + "/jetstream"), str(cfg))
    out = expect_config(cli, "real disk probe with injected memory", {"jetstream": True, "store_dir": real}, None,
                        extra=["--probe-memory", "100"])
    if out is not None:
        check("real disk probe with injected memory: memory 75", out["config"]["max_memory"] == 75, str(out["config"]))


BAD = [
    ("unknown top-level key", {"jetstream": True, "max_mem": 1}, ["max_mem", "unknown key"]),
    ("unknown cluster key", {"cluster": {"name": "C", "listen": 4}}, ["cluster.listen", "unknown key"]),
    ("jetstream not a bool", {"jetstream": "yes"}, ["jetstream", "true or false"]),
    ("cluster not an object", {"cluster": "C"}, ["cluster", "object"]),
    ("cluster.port a string", {"cluster": {"port": "6222"}}, ["cluster.port", "integer"]),
    ("cluster.port out of range", {"cluster": {"port": 70000}}, ["cluster.port", "-1..65535"]),
    ("server_name a number", {"server_name": 1}, ["server_name", "string"]),
    ("default_js_domain value", {"default_js_domain": {"A": 1}}, ["default_js_domain.A", "string"]),
    ("default_js_domain not an object", {"default_js_domain": ["A"]}, ["default_js_domain", "object"]),
    ("account not an object", {"accounts": {"A": True}}, ["accounts.A", "object"]),
    ("unknown account key", {"accounts": {"A": {"jetstrem": True}}}, ["accounts.A.jetstrem", "unknown key"]),
    ("bad jetstream string", {"accounts": {"A": {"jetstream": "on"}}}, ["accounts.A.jetstream", "enabled"]),
    ("unknown limit key", {"accounts": {"A": {"jetstream": {"max_file": 1}}}}, ["accounts.A.jetstream.max_file", "unknown key"]),
    ("limit wrong type", {"accounts": {"A": {"jetstream": {"max_store": "1G"}}}}, ["accounts.A.jetstream.max_store", "integer"]),
    ("limit bool wrong type", {"accounts": {"A": {"jetstream": {"max_bytes_required": 1}}}},
     ["accounts.A.jetstream.max_bytes_required", "true or false"]),
    ("trusted_operators not an array", {"trusted_operators": "op"}, ["trusted_operators", "array"]),
    ("trusted_operators element", {"trusted_operators": ["op", 2]}, ["trusted_operators[1]", "string"]),
    ("max_outstanding_catchup a float", {"max_outstanding_catchup": 1.5}, ["max_outstanding_catchup", "integer"]),
    ("max_memory too big", {"max_memory": 1 << 63}, ["max_memory", "64-bit"]),
    ("max_store_set not a bool", {"max_store": 0, "max_store_set": 1}, ["max_store_set", "true or false"]),
    ("max_memory_set without max_memory", {"max_memory_set": True}, ["max_memory_set", "max_memory"]),
    ("store_dir not a string", {"store_dir": ["/x"]}, ["store_dir", "string"]),
    ("not an object", [1], ["object"]),
    ("not JSON", "{\"jetstream\": ", ["not valid JSON"]),
    ("missing file", None, ["cannot open"]),
]


def bad_input(cli, tmp):
    for label, doc, needles in BAD:
        path = os.path.join(tmp, "missing.json") if doc is None else cli.write(doc)
        p = cli.run(["validate", "--probe-memory", "1", "--probe-disk", "1", path])
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
        check(f"bad input: {label}" + (f" -> {lines[0]}" if len(lines) == 1 and not problems else ""), not problems,
              "; ".join(problems))
    good = cli.write({"jetstream": True})
    for args in (["validate"], ["validate", "--probe-memory", "abc", good], ["validate", "--probe-disk", "-1", good],
                 ["validate", "--probe-disk"], ["validate", "--semantics", "v3", good], ["validate", good, good],
                 ["replay", "--probe-memory", "1", good], ["validate", "--bogus", good]):
        p = cli.run(args)
        check(f"bad args {args[:3]}", p.returncode == 2 and not p.stdout, f"exit {p.returncode}, stdout {p.stdout[:80]!r}")


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "tmpdir"))
        cli = Cli(argv[0], tmp)
        rules(cli)
        resolution(cli, tmp)
        bad_input(cli, tmp)
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
