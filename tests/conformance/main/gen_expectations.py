#!/usr/bin/env python3
"""Write tests/conformance/main/NAME.main.json from spec-derived expectations.

Every value below was derived by hand from the behavior spec of nats-server
*main* (docs/semantics.md) and, where it is silent, main's source (plus jsacct's deliberate
deviations, docs/semantics.md#deliberate-differences), starting from the scenario and the nats-server 2.9.10
recording NAME.expected.json.  Nothing here is read from the jsacct program's
output: account_info / server_info expectations are the 2.9.10 record with
the fields that main changes overwritten by the values stated in this file.

Run from anywhere:  python3 gen_expectations.py   (rewrites the *.main.json)
"""
import copy
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # tests/conformance

E = {  # error objects as nats-server sends them (taken from the 2.9.10 recordings)
    10002: {"code": 400, "description": "resource limits exceeded for account", "err_code": 10002},
    10027: {"code": 400, "description": "maximum number of streams reached", "err_code": 10027},
    10028: {"code": 500, "description": "insufficient memory resources available", "err_code": 10028},
    10047: {"code": 500, "description": "insufficient storage resources available", "err_code": 10047},
    10058: {"code": 400, "description": "stream name already in use with a different configuration", "err_code": 10058},
    10059: {"code": 404, "description": "stream not found", "err_code": 10059},
    10074: {"code": 500, "description": "replicas > 1 not supported in non-clustered mode", "err_code": 10074},
    10003: {"code": 400, "description": "bad request", "err_code": 10003},
    10120: {"code": 400, "description": "no JetStream default or applicable tiered limit present", "err_code": 10120},
}

W_RES = "docs/semantics.md#account-usage-snapshot step 4 / docs/semantics.md#reserved-storage (main): account_info reports reserved_memory/reserved_storage = Σ MaxBytes > 0 of the account's streams by storage type, single replica, per tier by tierName; api is not part of the record"
W_PUB = "docs/semantics.md#account-publish-check, docs/semantics.md#version-differences (main): the account check runs before storing (total + size×r > limit×lr, per-stream caps not used), a rejected message is not stored and burns no sequence"
W_SEQ = "docs/semantics.md#version-differences 'Rejected publish' / docs/semantics.md#recorded-facts: account-limit rejections consume no sequence in main, so the next accepted message gets the next sequence (no gap, no num_deleted)"
W_DISC = "docs/semantics.md#account-publish-check boundary semantics (main): checked before storing, so DiscardOld / per-subject / max_msgs eviction does not make room at the account limit"
W_SRV = "docs/semantics.md#stream-update step 7 / docs/semantics.md#stream-update (main): reserve/release the clamped difference max(new,0) − max(old,0): no drift around −1"


def rec(name):
    p = next(ROOT.glob(f"*/{name}.expected.json"))
    return json.loads(p.read_text())


def setp(d, path, v):
    ks = path.split(".")
    for k in ks[:-1]:
        d = d.setdefault(k, {})
    d[ks[-1]] = v


class S:
    def __init__(self, name):
        self.name = name
        self.src = next(ROOT.glob(f"*/{name}.json")).relative_to(ROOT).as_posix()
        self.r = rec(name)["results"]
        self.exp = []
        self.known = []

    def add(self, i, expect, why, absent=None):
        e = {"i": i, "op": self.r[i]["op"], "expect": expect, "why": why}
        if absent:
            e["absent"] = absent
        self.exp.append(e)

    def ai(self, i, res, why=W_RES, tiers=None, drop=(), **sets):
        """account_info: the 2.9.10 result + reserved (mem, store) + overrides; `drop`: tiers main does not have."""
        r = copy.deepcopy(self.r[i]["result"])
        r["reserved_memory"], r["reserved_storage"] = res
        for t in drop:
            del r["tiers"][t]
        for t in r.get("tiers", {}):
            r["tiers"][t]["reserved_memory"], r["tiers"][t]["reserved_storage"] = (tiers or {}).get(t, (0, 0))
        for k, v in sets.items():
            setp(r, k.replace("__", "."), v)
        self.add(i, {"ok": True, "result": r}, why, absent=["result.api"] + [f"result.tiers.{t}" for t in drop])

    def si(self, i, why, **sets):
        r = copy.deepcopy(self.r[i]["result"])
        for k, v in sets.items():
            setp(r, k, v)
        self.add(i, {"ok": True, "result": r}, why)

    def err(self, i, code, why):
        self.add(i, {"ok": False, "error": E[code]}, why, absent=["result"])

    def ok(self, i, why, **cfg):
        x = {"ok": True}
        if cfg:
            x["result"] = {"config": cfg}
        self.add(i, x, why, absent=["error"])

    def pub(self, i, acks, why):
        ok = all("error" not in a and "no_responders" not in a for a in acks)
        self.add(i, {"ok": ok, "acks": acks}, why)

    def state(self, i, msgs, byts, first, last, why, gapless=True):
        self.add(i, {"ok": True, "result": {"state": {"messages": msgs, "bytes": byts, "first_seq": first, "last_seq": last}}},
                 why, absent=["result.state.num_deleted"] if gapless else None)

    def known_difference(self, i, expected, got, why):
        self.known.append({"i": i, "op": self.r[i]["op"], "expected": expected, "got": got, "why": why})

    def write(self):
        out = {"scenario": self.src, "semantics": "main", "expectations": self.exp, "known_differences": self.known}
        (HERE / f"{self.name}.main.json").write_text(json.dumps(out, indent=1) + "\n")


def a(n, stream, first, last):
    return {"n": n, "stream": stream, "first_seq": first, "last_seq": last}


def rej(n, stream, code=10002):
    return {"n": n, "stream": stream, "error": E[code]}


ALL = []


def scen(name):
    s = S(name)
    ALL.append(s)
    return s


# ------------------------------------------------------------------ public
s = scen("account_max_bytes_reservation")
s.ai(0, (0, 0))
s.ai(9, (50000, 100000), W_RES + ": S1 60000 + S2 40000 file, M1 50000 memory")

s = scen("max_bytes_required")
s.ai(0, (0, 0))
s.ai(9, (10000, 2000), W_RES + ": S1 updated to 2000 file, M1 10000 memory")

s = scen("max_consumers")
s.ai(6, (1000, 1000), W_RES + ": S1 1000 file, S2 1000 memory")
s.ai(14, (1000, 2000), W_RES + ": + S3 1000 file")

s = scen("delete_releases_reservations")
s.ai(6, (20000, 100000), W_RES + ": S1 60000 + S2 40000, M1 20000")
s.ai(9, (20000, 40000), W_RES + ": S1 deleted")
s.ai(16, (20000, 100000), W_RES + ": S2 40000 + S3 60000, M2 20000")

s = scen("max_stream_bytes")
s.ai(0, (0, 0))
s.pub(7, [a(40, "F2", 1, 40)], "docs/semantics.md#account-publish-check (main) / docs/semantics.md#account-publish-check (241ad30fe): per-stream caps are not compared with the account total at publish time; 40 × 134 = 5360 ≤ max_store 100000")
s.pub(8, [a(1, "F1", 1, 1)], "docs/semantics.md#account-publish-check (main) / docs/semantics.md#account-publish-check: 5360 + 134 ≤ 100000; storage_max_stream_bytes 5000 only caps MaxBytes at create/update (docs/semantics.md#max-bytes-limits)")
s.state(9, 40, 5360, 1, 40, "docs/semantics.md#account-publish-check (main): all 40 messages stored")
s.ai(10, (2000, 5000), W_RES + "; storage 5360 + 134 (docs/semantics.md#account-publish-check main: nothing rejected)", storage=5494)

s = scen("max_streams")
s.ok(4, "docs/semantics.md#counting-streams (e13d22baf) / docs/semantics.md#counting-streams countStreams excludes the same name: identical re-create at max_streams succeeds in main", max_bytes=1000, storage="memory")
s.err(5, 10058, "docs/semantics.md#counting-streams countStreams excludes the same name (1 < 2), the reservation pre-check passes (other memory streams reserve 0, 2000 ≤ 100000), then docs/semantics.md#stream-create step 5: same name, different config → 10058")
s.ai(6, (1000, 1000))
s.ai(10, (1000, 1000), W_RES + ": S2 1000 memory, S3 1000 file")

s = scen("publish_until_account_limit")
s.state(3, 15, 1995, 1, 15, W_SEQ)
s.ai(4, (0, 0), W_RES + ": unlimited streams reserve nothing")
s.state(6, 14, 966, 1, 14, W_SEQ)
s.ai(7, (0, 0))
s.ai(9, (0, 0))

s = scen("purge_releases_usage")
for i in (4, 7, 11, 17):
    s.ai(i, (50000, 50000), W_RES + ": F 50000 file, M 50000 memory (purge releases usage, not reservations)")

s = scen("server_max_store_two_accounts")
s.ai(9, (30000, 60000))
s.ai(10, (20000, 40000))

s = scen("stream_update_max_bytes")
s.ai(11, (0, 90000), W_RES + ": S1 unlimited, S2 30000 + S3 60000")
s.si(12, W_SRV + ": S1 10000 → −1 releases 10000 (2.9.10: 10001), so 90000", reserved_storage=90000)

s = scen("usage_overhead_formula")
s.ai(24, (0, 0))

# ------------------------------------------------------------------ own, cluster
s = scen("cluster_tiered_r1_r3")
s.ai(0, (0, 0))
s.ok(1, "docs/semantics.md#replica-scaling, docs/semantics.md#account-reservation, docs/semantics.md#clustered-create (main): tiered reservation is not R×: accountReservation(R3, 3, 100001) = 100001 ≤ R3 max_store 300000", max_bytes=100001, num_replicas=3)
s.err(2, 10058, "docs/semantics.md#clustered-create step 2: A3 now exists with max_bytes 100001 → different config")
s.ok(3, "docs/semantics.md#replica-scaling (main): R3 reservation 100001 + 1 ≤ 300000", max_bytes=1, num_replicas=3)
s.err(6, 10027, "docs/semantics.md#clustered-create step 3: R3 max_streams 2 and A3, B3 exist")
s.pub(9, [{"n": 10, "no_responders": True}], "M3 was not created (op 6): no stream takes the subject")
s.ai(11, (0, 200002), W_RES + ": B1 100000 (R1), A3 100001 + B3 1 (R3); memory 0 (no M3)",
     tiers={"R1": (0, 100000), "R3": (0, 100002)}, memory=0, tiers__R3__memory=0)
s.si(12, "cluster sums over 3 servers (docs/scenario-format.md#result): messages 10 (B1) + 3×10 (A3), bytes/storage 1340 + 3×1340; memory 0 (no M3); docs/semantics.md#reserve-release server reservation per replica: B1 100000 + 3×100001 + 3×1; streams 1+3+3; ha_assets meta 3 + A3 3 + B3 3 + consumer D 3",
     bytes=5360, memory=0, messages=40, reserved_memory=0, reserved_storage=400006)
s.err(14, 10058, "docs/semantics.md#clustered-create step 2: B3 exists (max_bytes 1) → different config")
s.ai(15, (0, 100001), W_RES + ": B1 100000 (R1), B3 1 (R3); A3 deleted, no M3: streams 2, memory 0",
     tiers={"R1": (0, 100000), "R3": (0, 1)}, memory=0, streams=2, tiers__R3__memory=0, tiers__R3__streams=1)
s.si(16, "cluster sums: only B1 (R1, 10 messages, 1340 bytes) and B3 (R3, empty); reserved 100000 + 3×1; ha_assets meta 3 + B3 3",
     bytes=1340, ha_assets=6, memory=0, messages=10, reserved_memory=0, reserved_storage=100003, streams=4)

s = scen("cluster_server_budget_r3")
s.ai(1, (0, 0))
s.ok(8, "docs/semantics.md#clustered-create (main, d1a18afbe): only the meta leader's account check runs (untiered R3 unlimited: accountReservation('',3,1) = 3 ≤ 60000); peers creating the stream from its assignment skip the server reservation check that refused it in 2.9.10; placement does not reserve unlimited streams", max_bytes=-1, num_replicas=3)
s.si(11, "docs/semantics.md#clustered-create (main): U exists on 3 servers (streams +3, ha_assets +3); unlimited, so reservations unchanged", streams=12, ha_assets=15)
s.si(17, "docs/semantics.md#clustered-create (main): U still present (streams +3, ha_assets +3)", streams=12, ha_assets=15)
s.ai(22, (10000, 9000), W_RES + ": C has U (unlimited), S 1000, T 8000 file and M 10000 memory (single replica each) → 4 streams", streams=4)
s.si(23, "docs/semantics.md#clustered-create (main): U present (streams +3, ha_assets +3)", streams=15, ha_assets=18)

s = scen("cluster_tiered_tier_moves")
s.add(5, {"result": {"reserved_storage": 10000, "tiers": {"R1": {"reserved_storage": 5000}, "R3": {"reserved_storage": 5000}}}},
      "docs/semantics.md#account-usage-snapshot step 4 / docs/semantics.md#reserved-storage: in clustered mode reservedStorage sums the account's stream ASSIGNMENTS (A3 5000 R3, A1 4000 R1, B1 1000 R1) (clustered: the account's assignments)")
s.add(8, {"result": {"reserved_storage": 10000, "tiers": {"R1": {"reserved_storage": 1000}, "R3": {"reserved_storage": 9000}}}},
      "docs/semantics.md#account-usage-snapshot step 4 / docs/semantics.md#reserved-storage: clustered reservedStorage is over all assignments (clustered: the account's assignments)")
W_UP = "docs/semantics.md#clustered-update (main, nats-server 4961f84ff): an update that adds replicas runs jsClusteredStreamLimitsCheck for the new replica count"
s.err(11, 10027, W_UP + ": B1 R1 → R3 counts R3's other streams A3 and A1 = 2 ≥ max_streams 2 → 10027 (2.9.10 has no scale-up check and accepted)")
s.err(12, 10027, W_UP + ": R3 still holds A3 and A1 → 10027")
s.ai(13, (0, 10100), W_RES + ": B1 stays R1 (ops 11, 12 refused): R1 B1 1000 + C1 100; R3 A3 5000 + A1 4000",
     tiers={"R1": (0, 1100), "R3": (0, 9000)}, tiers__R1__streams=2, tiers__R3__streams=2)
s.ok(15, "docs/semantics.md#replica-scaling, docs/semantics.md#stream-update (main): R3 others A1 4000 + A3 5001 = 9001 ≤ 30000 (not R×)", max_bytes=5001, num_replicas=3)
s.err(16, 10120, W_UP + ": B1 R1 → R2: selectLimits(2) finds no tier and there is no fallback to the old one → 10120 (2.9.10 accepted through configUpdateCheck's fallback to R1)")
s.ai(18, (0, 10101), W_RES + ": B1 stays R1 (op 16 refused), so main has no R2 tier: R1 B1 1000 + C1 100; R3 A3 5001 + A1 4000",
     tiers={"R1": (0, 1100), "R3": (0, 9001)}, drop=("R2",), tiers__R1__streams=2)
s.ok(20, "docs/semantics.md#stream-update (main): R3 → R1 is a scale-down (not checked again): R1 others C1 100 + B1 1000 + accountReservation(R1,1,3301) = 4401 ≤ 10000 (2.9.10 charged the old 3×3301)", max_bytes=3301, num_replicas=1)
s.ok(21, "A1 is R1 since op 20", max_bytes=3300, num_replicas=1)
s.ai(23, (0, 9401), W_RES + ": R1 C1 100 + B1 1000 + A1 3300; R3 A3 5001; no R2 tier (B1 never left R1)",
     tiers={"R1": (0, 4400), "R3": (0, 5001)}, drop=("R2",), tiers__R1__streams=3)
s.ok(27, "docs/semantics.md#max-consumers (main, e13d22baf): an existing consumer name is not counted toward max_consumers on any create action")
s.ai(30, (0, 9401), W_RES, tiers={"R1": (0, 4400), "R3": (0, 5001)}, drop=("R2",), tiers__R1__streams=3)
s.ai(34, (5000, 8401), W_RES + ": R1 C1 100 + A1 3300; R3 A3 5001 file, X3 5000 memory",
     tiers={"R1": (0, 3400), "R3": (5000, 5001)})

s = scen("cluster_untiered_replicas_update")
s.si(4, W_SRV + ": U −1 → 6666 reserves 6666 on each of its 3 servers: 10002 + 3×6666 = 30000", reserved_storage=30000)
s.ok(17, "docs/semantics.md#max-consumers (main, e13d22baf): identical re-create of an existing durable is not counted toward max_consumers")
s.ai(19, (3334, 16668), W_RES + ": S 10002 + U 6666 file, M 3333 + M1 1 memory (single replica, not R×)")
s.si(20, W_SRV + ": 10002 + 3×6666 = 30000 (2.9.10: 30003)", reserved_storage=30000)
s.si(23, W_SRV + ": U deleted releases all it reserved; S 10002 → 10000", reserved_storage=10000)
s.ai(31, (3334, 16666), W_RES + ": S 10000 + F 6666 file, M 3333 + M1 1 memory")

# ------------------------------------------------------------------ own, standalone
s = scen("consumers_account_and_stream")
s.ai(16, (1000, 2000))
s.ai(25, (1000, 1000))
s.ai(37, (0, 0))

s = scen("headers_file_memory")
s.ai(14, (0, 0))
s.ai(25, (300, 1000), W_RES + ": FO 500 + FN 500 file, MN 300 memory")
s.pub(27, [a(1, "F", 4, 4)], W_SEQ + ": op 26 was rejected, F's last sequence is 3")
s.ai(30, (300, 1000))

for n in ("js_disabled_dynamic_config", "js_disabled_dynamic_jwt"):
    s = scen(n)
    s.ai(7, (0, 0))
    s.ai(15, (20000, 49000), W_RES + ": F1 49000, M1 20000, F2 unlimited")
    if n.endswith("config"):
        s.ai(16, (0, 0))
    s.ai(19, (0, 0))
    s.ai(24, (20000, 1000), W_RES + ": S 1000 file, M 20000 memory")

s = scen("many_accounts_server_budget")
s.ai(13, (0, 60000))
s.ai(14, (30000, 0))
s.ai(28, (10000, 30000))
s.ai(29, (10000, 30000))
s.ai(30, (0, 39000))

s = scen("max_bytes_required_and_caps")
s.ai(0, (0, 0))
s.ai(21, (2500, 8000), W_RES + ": F1 4000 + F2 4000, M1 2000 + M2 500")
s.pub(29, [a(3, "M2", 1, 3)], "docs/semantics.md#account-publish-check (main) / docs/semantics.md#account-publish-check: per-stream caps are not compared with the account tier total at publish time; memory 300 + 3×100 = 600 ≤ max_memory 3000")
s.state(30, 3, 300, 1, 3, "docs/semantics.md#account-publish-check (main): all three stored")
s.ai(31, (0, 5000), W_RES + ": F 5000, memory streams unlimited; memory 600 (docs/semantics.md#account-publish-check main)", memory=600)

s = scen("msgs_limits_discard_retention")
s.pub(9, [rej(1, "F3")], W_DISC + ": 1000 + 100 > 1000 although max_msgs_per_subject would evict the old F3.a")
s.pub(10, [rej(2, "F1")], W_DISC + ": 1000 + 100 > 1000 although max_msgs/DiscardOld would evict")
s.ai(12, (0, 0), W_RES + "; storage stays 1000 (ops 8-11 rejected before storing)", storage=1000)
s.state(13, 5, 500, 4, 8, W_PUB + ": F1 still holds seq 4-8")
s.state(14, 2, 200, 3, 4, W_PUB + ": F3 holds F3.a seq 3 and F3.b seq 4")
s.pub(17, [a(2, "F4", 1, 2), rej(1, "F4")], W_DISC + ": 800 → 900 → 1000, the 3rd is rejected before the per-subject eviction")
s.pub(18, [rej(2, "F4")], W_DISC + ": account at 1000, the account check precedes the stream's max_msgs check")
s.state(19, 2, 200, 1, 2, W_PUB)
s.ai(20, (0, 0))
s.ai(24, (0, 0))
s.state(31, 3, 300, 4, 6, W_SEQ)
s.pub(35, [rej(1, "MO")], W_DISC + ": memory 300 + 300 > 500 although max_msgs 1 would evict the 100-byte message")
s.state(37, 1, 100, 1, 1, W_PUB + ": the 100-byte MO message stays")
s.ai(38, (0, 0), W_RES + "; memory W 200 + MO 100", memory=300)

s = scen("publish_boundary_one_byte")
for i in (4, 14, 20, 27, 36):
    s.ai(i, (0, 0))
s.state(5, 10, 1000, 1, 10, W_SEQ)
s.pub(9, [a(1, "F", 10, 10)], W_SEQ)
s.pub(12, [a(1, "M", 10, 10)], W_SEQ)
s.pub(31, [a(1, "F", 1, 1)], "docs/semantics.md#diff-first-message: jsacct main checks the first message of a tier like any other (op 30 rejected: 100 > 99), " + W_SEQ)
s.pub(33, [a(1, "M", 1, 1)], W_SEQ)
s.state(34, 1, 99, 1, 1, W_SEQ)
s.state(35, 1, 99, 1, 1, W_SEQ)

s = scen("purge_then_refill")
W_FP = "docs/semantics.md#message-sizes, docs/semantics.md#usage-model: usage is the sum of the sizes of the stored messages; the store reports −size on every removal, filtered purges included (upstream main test TestJetStreamPurgeExAndAccounting); the 2.9.10 file store kept them counted"
s.ai(6, (0, 0))
s.pub(7, [a(5, "F", 21, 25), rej(1, "F")], W_SEQ + ": op 4's rejection burned nothing, last seq 20")
s.state(9, 10, 1000, 6, 25, W_SEQ + "; the filtered purge of F.b leaves an interior gap", gapless=False)
s.ai(10, (0, 0), W_FP + ": 2000 − 1000", storage=1000)
s.pub(11, [a(1, "F", 26, 26)], W_FP + ": 1000 + 33 ≤ 2000")
s.add(12, {"ok": True, "result": {"success": True, "purged": 6}}, W_SEQ + ": F holds 6-10 and 21-26 (11 messages); keep 5 compacts at last_seq − 5 + 1 = 22, removing 6")
s.state(13, 5, 433, 22, 26, "purge keep 5 = compact at last_seq − 5 + 1 = 22: keeps 22-25 (4 × 100) and 26 (33)")
s.ai(14, (0, 0), W_FP, storage=433)
s.pub(15, [a(11, "F", 27, 37)], W_FP + ": 433 + 1100 ≤ 2000")
s.add(16, {"ok": True, "result": {"success": True, "purged": 9}}, W_FP + ": all 11 F.a (27-37) were accepted by op 15, keep 2 removes 9")
s.state(18, 5, 433, 22, 37, W_FP + ": the 11 F.a messages purged again by ops 16-17", gapless=False)
s.ai(19, (0, 0), W_FP, storage=433)
s.add(20, {"ok": True, "result": {"success": True, "purged": 5}}, "F holds 22-26 (5 messages, see op 18)")
s.ai(21, (0, 0), W_FP + ": full purge", storage=0)
s.ai(25, (0, 0), W_FP, storage=0)
s.pub(26, [a(4, "M", 11, 14), rej(1, "M")], W_SEQ)
s.pub(28, [a(4, "M", 15, 18), rej(1, "M")], W_SEQ)
s.state(30, 7, 700, 5, 18, W_SEQ, gapless=False)
s.pub(32, [a(10, "M", 19, 28), rej(1, "M")], W_SEQ)
s.state(33, 10, 1000, 19, 28, W_SEQ)
s.ai(34, (0, 0), W_FP, storage=0)
s.ai(39, (0, 0), W_FP, storage=500)
s.ai(41, (0, 0), W_FP + ": nothing left after the delete", storage=0)
s.pub(43, [a(6, "G2", 1, 6)], W_FP + ": no phantom bytes, 600 ≤ 1000")
s.ai(44, (0, 0), W_FP, storage=600)
s.si(45, W_FP + ": F empty, M 10 × 100, G2 6 × 100", bytes=1600, messages=16, storage=600)

s = scen("raw_values_create")
s.ok(1, "docs/semantics.md#limit-values, docs/semantics.md#stream-create step 3: MaxBytes 0 or < −1 is normalized to −1 in main", max_bytes=-1)
s.ai(12, (500, 1000), W_RES + ": S2 1000 file, M1 500 memory")
s.si(16, W_SRV + ": S1 −1 → 1000 reserves 1000 (2.9.10: raw −5 → 1000 = 1005)", reserved_storage=1000)
s.ok(17, "docs/semantics.md#limit-values: −5 normalized to −1", max_bytes=-1)
s.add(18, {"ok": True, "result": {"config": {"max_bytes": -1}}}, "docs/semantics.md#limit-values: −5 normalized to −1")
s.ok(19, "docs/semantics.md#tier-names: tierName(0) = R1 in main, so tiered limits are found for an unset replica count", max_bytes=100, num_replicas=1)
s.ok(20, "docs/semantics.md#tier-names: replicas 0 → R1; identical to the existing A (normalized replicas 1) → success (docs/semantics.md#stream-create step 5)", max_bytes=100, num_replicas=1)
s.err(23, 10074, "docs/semantics.md#replica-scaling, docs/semantics.md#stream-create step 2c (main): tiered R3 pre-check charges 1001 (not 3×1001) ≤ 3000, then standalone replicas > 1 → 10074")
s.ai(29, (0, 400), W_RES + ": A 400 in R1", tiers={"R1": (0, 400), "R3": (0, 0)})

s = scen("server_info_reservations")
s.ok(16, W_SRV + ": server check adds the clamped diff 50000: 50000 + 50000 ≤ 100000", max_bytes=50000)
s.si(17, W_SRV, reserved_memory=100000)
for i in (20, 27, 29, 32):
    s.si(i, W_SRV + ": A/M1 49999 + D/M1 50000", reserved_memory=99999)
s.si(34, W_SRV + ": D/M1 deleted releases 50000; A/M1 49999 left", reserved_memory=49999)
s.si(39, W_SRV + ": everything deleted, no drift", reserved_memory=0)
s.ai(40, (0, 0))
s.ai(41, (0, 0))

s = scen("server_usage_limit_publish")
s.ai(9, (0, 0))

s = scen("startup_memory_limits_jwt")
s.ai(3, (0, 0))

s = scen("tiered_standalone_limits")
s.ai(0, (0, 0))
s.ok(2, "docs/semantics.md#counting-streams tieredReservation (main): same storage type only; R1 file others 0 + 300 ≤ 1000 (2.9.10 summed the 800 memory bytes)", max_bytes=300)
s.err(3, 10058, "F exists since op 2 with max_bytes 300 → different config (docs/semantics.md#stream-create step 5)")
s.ok(5, "docs/semantics.md#counting-streams (main): file others F 300 + 1 ≤ 1000", max_bytes=-1)
s.ok(9, "docs/semantics.md#counting-streams: identical re-create at max_streams succeeds in main", max_bytes=-1)
s.ai(15, (700, 300), W_RES + ": M 700 memory, F 300 file, G unlimited", tiers={"R1": (700, 300)})
s.ai(18, (1000, 0), W_RES + ": M 700 + H 300 memory, G unlimited", tiers={"R1": (1000, 0)})
s.ai(19, (0, 0))
s.ai(22, (0, 0))
s.pub(25, [a(5, "S", 1, 5), rej(1, "S")], W_DISC + ": R1 max_store 500, 500 + 100 > 500 before DiscardOld could evict (spec's own example)")
s.ai(26, (0, 500), W_RES + ": S 500", tiers={"R1": (0, 500)})

s = scen("update_max_bytes_unlimited_transitions")
s.si(3, W_SRV + ": −1 → 6000 reserves 6000", reserved_storage=6000)
s.ok(4, W_SRV + ": server check 6000 + 4000 ≤ 10000", max_bytes=4000)
s.err(5, 10047, "docs/semantics.md#stream-create step 2c: the pre-check (server 10000 + 3999 > 10000) runs before the name check")
s.ok(8, W_SRV + ": F1 shrank to 5000 → 9000 reserved, + 1000 = 10000 ≤ 10000", max_bytes=5000)
s.si(13, W_SRV + ": G1 4999 → −1 releases 4999: 0, never wraps", reserved_storage=0)
s.err(14, 10047, W_SRV + ": reserved 0, 10001 > 10000")
s.si(15, "G2 not created", reserved_storage=0, streams=2)
s.err(16, 10059, "G2 was never created (op 14)")
s.si(18, W_SRV, reserved_storage=0)
s.si(24, W_SRV + ": M1 3000 → 0(−1) releases 3000", reserved_memory=0, reserved_storage=0)
s.si(28, W_SRV, reserved_storage=0)
s.ai(32, (0, 0))
s.si(33, W_SRV + ": nothing left", reserved_storage=0)


# ------------------------------------------------------------------ own, issue 13 fidelity sweep
# These files pin each area's decisions under main (accept / error code, purge counts and
# stream states, the counts an area is about). The reserved_* fields that main adds to every
# account_info follow the rule pinned above (W_RES) and are not repeated here.
# Error descriptions are pinned where main's text is the one jsacct reproduces; for 10025
# main appends the Go decoder's message ("invalid JSON: json: cannot unmarshal ..."), which
# jsacct does not reproduce (docs/differences.md), so only code and err_code are pinned.


def errc(s, i, code, why, http=400):
    s.add(i, {"ok": False, "error": {"code": http, "err_code": code}}, why, absent=["result"])


W_IDENT = "jsClusteredStreamRequest (main): an assignment with the same (normalized) config is re-proposed; tieredStreamAndReservationCount skips the stream's own name, so the account at max_streams still accepts it"
W_DIFF = "jsClusteredStreamRequest (main): an existing assignment with a different config -> 10058 before the limits check"
W_MAXS = "jsClusteredStreamLimitsCheck (main): the other streams of the tier already reach max_streams"

s = scen("cluster_max_streams_untiered")
for i in (3, 4, 5, 6, 15):
    s.ok(i, W_IDENT)
for i in (7, 8, 9):
    s.err(i, 10058, W_DIFF)
for i in (10, 11, 14):
    s.err(i, 10027, W_MAXS + " (untiered: R1 and R3 count together)")

s = scen("cluster_max_streams_tiered")
for i in (2, 3, 4, 13, 18):
    s.ok(i, W_IDENT)
for i in (5, 6):
    s.err(i, 10058, W_DIFF)
for i in (7, 8, 11, 15, 16):
    s.err(i, 10027, W_MAXS + " (per tier)")

s = scen("cluster_max_streams_one")
for i in (4, 5, 11, 12, 16):
    s.ok(i, W_IDENT)
for i in (6, 17):
    s.err(i, 10058, W_DIFF)
for i in (7, 13):
    s.err(i, 10027, W_MAXS)

W_C74 = "jsConsumerCreateRequest (main): a single server refuses Replicas > 1 with 10074 before it looks the stream up"
W_C26 = "checkConsumerCfg passes; the stream / account max_consumers is reached -> 10026"
W_C126 = "checkConsumerCfg (main): Replicas > stream replicas -> 10126, before any limit"
W_C133 = "checkConsumerCfg (main): negative Replicas -> 10133, before any limit"

s = scen("consumer_replicas_standalone")
for i in (3, 4, 5, 6, 8, 13, 15, 19, 22):
    errc(s, i, 10074, W_C74, http=500)
for i in (7, 14):
    errc(s, i, 10133, W_C133)
for i in (12, 20):
    errc(s, i, 10026, W_C26)
s.ok(11, "account max_consumers 3 applies per stream: S holds r0 and r1, r1b is the third")

s = scen("consumer_replicas_tiered_standalone")
for i in (3, 6, 11, 13):
    errc(s, i, 10074, W_C74, http=500)
errc(s, 4, 10133, W_C133)
for i in (5, 14):
    errc(s, i, 10026, W_C26)
errc(s, 9, 10074, "configUpdateCheckLocked (main): a single server refuses an update to Replicas > 1 (2.9.10 accepted it)", http=500)
s.add(15, {"ok": True, "result": {"tiers": {"R1": {"consumers": 4, "streams": 2}, "R3": {"consumers": 0, "streams": 0}}}},
      "Q stays R1 in main (op 9 refused), so both streams and all four consumers count in R1")

s = scen("cluster_consumer_replicas_untiered")
for i in (5, 6, 8, 9, 14):
    errc(s, i, 10126, W_C126)
errc(s, 7, 10133, W_C133)
s.ok(16, "an update of an existing durable is not counted against max_consumers in main (e13d22baf): a1 becomes R3")
s.add(20, {"ok": True, "result": {"consumers": 10, "ha_assets": 14}},
      "/jsz (main, as 2.9.10): a consumer counts once per server holding a replica (0 = the stream's count): a1 R3 now, a2 R2, a3 R3 (x2, mem), b0 (R1 stream) 1, b1 1 -> 3+2+3+1+1 = 10; HA assets: meta 3 + S3 3 + a1 3 + a2 2 + a3 3 = 14")

s = scen("cluster_consumer_replicas_tiered")
for i in (3, 9, 11):
    errc(s, i, 10126, W_C126)
for i in (8, 12):
    errc(s, i, 10026, W_C26 + " (per tier)")

W_JSON = "the request does not decode into the Go struct (wrong type, float for an integer, out-of-range integer, unknown or null enum) -> 10025 before any other check"
s = scen("raw_types_stream_create")
for i in list(range(0, 18)) + [20, 21]:
    errc(s, i, 10025, W_JSON)
for i in (19, 22, 23):
    s.ok(i, "null for a plain field is unset; unknown keys are ignored")

s = scen("raw_types_consumer_create")
for i in list(range(2, 15)) + [18]:
    errc(s, i, 10025, W_JSON)
errc(s, 19, 10026, W_C26)

s = scen("raw_types_update_purge")
for i in (2, 3, 4, 5, 8, 11, 12, 13, 14, 15, 22):
    errc(s, i, 10025, W_JSON + " (update and purge requests alike; the purge body is decoded before the stream lookup)")
for i in (16, 17):
    s.err(i, 10003, "jsStreamPurgeRequest: seq > 0 and keep > 0 together -> 10003")
s.add(19, {"ok": True, "result": {"purged": 3, "success": True}}, "all-null body: every field unset, a full purge")

s = scen("raw_types_tiered")
for i in (0, 1, 2, 3, 7, 9, 12, 13, 15, 17, 18, 20):
    errc(s, i, 10025, W_JSON)
s.ok(8, "tierName(0) = R1 in main: null replicas is unset, so the R1 tier applies and the stream is created", num_replicas=1)

s = scen("raw_types_go_decoding")
for i in (2, 3, 5, 7, 8, 12, 13, 15):
    errc(s, i, 10025, W_JSON + " (case-sensitive enums except discard; nested and list elements are checked; int32 / uint64 ranges)")
for i in (0, 1, 4, 6, 9, 11, 14):
    s.ok(i, "decodes: discard compared lower-cased, 'undefined' deliver policy, keys matched case-insensitively, in-range integers")

s = scen("cluster_raw_types")
for i in (0, 1, 2, 3, 5, 6, 9, 10, 12, 13, 14):
    errc(s, i, 10025, W_JSON + " (in a cluster too: the meta leader decodes creates, the stream leader purges)")
s.ok(11, "replicas 3 on the R3 stream S: not more than the stream's (checkConsumerCfg)", num_replicas=3)

W_MC = "memStore.compact (main): no error when the compact point has no message; the new first sequence is the next stored one, everything below it goes, per-subject state is updated"
s = scen("purge_sequences_memory")
s.add(11, {"ok": True, "result": {"state": {"messages": 1, "num_subjects": 1}}}, W_MC)
s.add(16, {"ok": True, "result": {"state": {"messages": 1, "num_subjects": 1}}}, W_MC)
s.add(21, {"ok": True, "result": {"purged": 0, "success": True}}, W_MC + "; a sequence below the first one purges nothing")

s = scen("purge_empty_and_errors")
s.add(47, {"ok": True, "result": {"purged": 2, "success": True}}, W_MC + ": keep 2 compacts to the hole at 4, so 2 and 3 go")
s.state(48, 1, 24, 5, 5, W_MC)
for i in (49, 51, 53):
    s.add(i, {"ok": True, "result": {"purged": 0, "success": True}}, W_MC + "; the first sequence (5) is above the compact point")
s.add(41, {"ok": True, "result": {"storage": 38}}, "fileStore.PurgeEx with a subject (main) reports every removal to the account (TestJetStreamPurgeExAndAccounting): only E's last message (38 bytes) is counted")

s = scen("cluster_purge_r3")
s.add(7, {"ok": True, "result": {"storage": 387}}, "filtered purge of a file stream releases usage in main: 3 messages x 43 bytes x 3 replicas")
s.add(25, {"ok": True, "result": {"purged": 3, "success": True}}, W_MC + ": keep 1 compacts to the deleted last sequence 5, so 1..3 go")
s.state(26, 0, 0, 6, 5, W_MC)
s.add(29, {"ok": True, "result": {"purged": 1, "success": True}}, "seq 7 after publishing 6 and 7: only 6 is below it")
s.add(32, {"ok": True, "result": {"purged": 0, "success": True}}, W_MC + "; a sequence below the first one purges nothing")

W_NEG = "jsacct decision (docs/semantics.md#diff-negative-replicas): negative replicas are invalid input, 10133 before any tier logic; upstream main's raw pre-check would answer 10120 (no tier R-1) in a tiered account and 10027 at max_streams"
W_R1 = "tierName(0) = R1 in main: replicas 0 selects the R1 tier"
s = scen("replicas_validation_tiered")
for i in (0, 1, 2, 3, 16, 21, 22, 23, 24, 25, 38, 43, 60):
    errc(s, i, 10133, W_NEG)
for i in (4, 5, 26, 27):
    s.ok(i, W_R1, num_replicas=1)
for i in (17, 39):
    errc(s, i, 10047, W_R1 + "; 1000000 > its max_store 1000 in the pre-check", http=500)
for i in (79, 80, 86, 87, 93, 94):
    errc(s, i, 10074, "configUpdateCheckLocked (main): a single server refuses an update to Replicas > 1", http=500)

s = scen("replicas_validation_order_limits")
for i in (6, 7, 13, 21, 22, 28, 36, 37, 43):
    errc(s, i, 10133, W_NEG)
for i in (8, 9, 14):
    s.err(i, 10027, W_R1 + ", which is at max_streams")
errc(s, 35, 10074, "the tiered R3 pre-check charges 2000 once (main: not replicas x) <= 3000, then the single server refuses R3", http=500)
s.ok(38, W_R1 + " with room: 100 + 100 <= 1000 and <= its max stream bytes 500", num_replicas=1)
errc(s, 44, 10113, W_R1 + "; its max_bytes_required refuses an unset max_bytes (checkStreamCfg)", http=400)

s = scen("cluster_replicas_validation_order_limits")
s.ok(36, "jsClusteredStreamLimitsCheck (main): the tiered R3 reservation is not replicas x: 100 + 2000 <= 3000", num_replicas=3)

W_SU = "configUpdateCheckLocked (main): a single server refuses an update to Replicas > 1 (2.9.10 accepted it), so the reservation stays single"
s = scen("standalone_replicas_update_untiered")
for i in (2, 4, 28, 30, 34, 35):
    errc(s, i, 10074, W_SU, http=500)
s.ok(8, "S stays R1: 3000 + 1000 reserved, 1 byte fits", max_bytes=1)

s = scen("standalone_replicas_update_tiered")
for i in (5, 11, 12):
    errc(s, i, 10074, W_SU, http=500)
s.err(9, 10047, "S stays R1 (op 5 refused): R1 holds S 3000 + Q 1000, so 9000 does not fit")

s = scen("standalone_replicas_update_with_messages")
for i in (5, 6):
    errc(s, i, 10074, W_SU, http=500)
s.ok(14, "M stays R1: 300 + 101 <= 1000 memory", max_bytes=101)

W_NORM = "checkStreamCfg (main): values below -1 become -1 (max_bytes, max_msgs, max_msgs_per_subject, max_msg_size, max_consumers)"
s = scen("edge_max_bytes_values")
s.ok(0, W_NORM, max_bytes=-1)
s.ok(1, W_NORM, max_bytes=-1)
s.err(17, 10047, "the server reservation check saturates (main): 200 + MaxInt64 - 1 exceeds max_store instead of wrapping")
s.err(18, 10059, "FM1 was not created (op 17)")

s = scen("edge_negative_limits")
s.ok(0, W_NORM, max_msgs=-1, max_msgs_per_subject=-1, max_msg_size=-1)
s.ok(3, W_NORM, max_consumers=-1)
s.ok(6, "max_consumers -5 was normalized to -1 at create, so -1 is no change (2.9.10 kept -5 and refused the change)")
s.add(7, {"ok": False, "error": {"code": 500, "err_code": 10052, "description": "max age can not be negative"}},
      "checkStreamCfg (main): a negative max_age is refused before the duplicates window is derived from it", absent=["result"])

s = scen("edge_max_bytes_required")
s.add(23, {"ok": False, "error": {"code": 500, "err_code": 10028}}, "the pre-check saturates (main): 5000 + MaxInt64 > max_memory, before checkStreamCfg's 10122 (2.9.10 wrapped and passed it)", absent=["result"])

s = scen("cluster_edge_values")
for i in (0, 14):
    s.ok(i, W_NORM, max_bytes=-1)
for i in (1, 15):
    s.ok(i, W_NORM, max_bytes=-1)


W_SRC = "checkStreamCfg (main): a stream with sources gets no default duplicates window (2.9.10 gives it 2 minutes), so the merged update request carries none"
W_PROMOTE = "configUpdateCheck (main): an update may drop the mirror ('promotion'); checkStreamCfg then gives the stream its name as subject and max_age (1 s) as window"
s = scen("mirror_dedup_window")
s.add(9, {"ok": True}, W_SRC, absent=["request.duplicate_window", "error"])
s.ok(25, W_PROMOTE, subjects=["A"], max_age=1000000000)
s.ai(26, (1100, 4000), W_RES + ": M 2000 + W 1000 + P 1000 file, S 500 + A 500 + N4 100 memory (mirrors reserve like any stream)")
s.ai(31, (1100, 10000), W_RES + ": W deleted, N8 7000 file")

s = scen("cluster_mirror_dedup_window")
s.add(10, {"ok": True}, W_SRC, absent=["request.duplicate_window", "error"])
s.ok(26, W_PROMOTE, subjects=["A"], max_age=1000000000)
W_T3 = "docs/semantics.md#replica-scaling (main): a tiered R3 stream reserves max_bytes once in its tier"
s.ai(27, (1100, 4000), W_RES + ": tier R3 holds M 2000 + W 1000 + P 1000 file, S 500 + A 500 + N4 100 memory", tiers={"R3": (1100, 4000)})
s.ok(29, W_T3 + ": M 2000 + P 1000 + N8 7001 = 10001 <= 30000, so N8 is created")
s.err(30, 10058, W_DIFF + ": N8 exists with max_bytes 7001")
s.ok(31, "the merged update keeps N8's max_bytes 7001", max_bytes=7001)
s.ai(32, (1100, 10001), W_RES + ": W deleted, N8 7001", tiers={"R3": (1100, 10001)})
s.si(33, "each of the 3 servers reserves every R3 stream's max_bytes once: 3 x 10001 file, 3 x 1100 memory", reserved_storage=30003, reserved_memory=3300)

s = scen("cluster_refused_replica_growth")
W_SAME = "docs/semantics.md#clustered-update: a refused update changes nothing: the stream stays R1 in tier R1 with its 399 bytes and its 4000-byte reservation, on one server"
s.err(3, 10120, W_UP + ": R1 → R2: selectLimits(2) finds no tier, no fallback → 10120 (2.9.10 has no such check and accepts it)")
s.ai(4, (0, 4000), W_SAME, tiers={"R1": (0, 4000)}, drop=("R2",), streams=1, tiers__R1__streams=1, tiers__R1__storage=399)
s.err(5, 10120, W_UP + ": R1 → R3: no R3 tier → 10120")
s.ok(6, "after the refused scale-ups the stream is unchanged, so an update that keeps R1 is accepted (the replay used to keep the refused peer and fail here with an internal error)", max_bytes=4000, num_replicas=1)
s.ai(8, (0, 6000), "docs/semantics.md#stream-update: the max_bytes change 4000 → 6000 moves the reservation; nothing is left of the refused scale-ups", tiers={"R1": (0, 6000)})
s.si(10, "docs/semantics.md#clustered-update: one server holds the stream (the refused updates added no peer) and reserves its 6000 bytes", streams=1, storage=399, reserved_storage=6000)


if __name__ == "__main__":
    for s in ALL:
        s.write()
        print(f"{s.name}: {len(s.exp)} expectations, {len(s.known)} known differences")
