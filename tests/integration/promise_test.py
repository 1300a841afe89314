"""Log promises end to end (SECURITY.md 39), with the real daemons: every
confirmation is a promise signed by the log key that agencies and operators
keep and check; an administrator who erases a confirmed acknowledgement, or
rewrites the whole history, is caught by the agency at once and by the
auditor who checks the bundle against what the agency holds.

Usage: promise_test.py BIN_DIR"""

import json
import os
import signal
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, run_tests, sqlite_only  # noqa: E402

ACK_KIND = 4  # audit entry kind of an acknowledgement (docs/audit.md 1)


def issue_with_promise(w, title, agencies, promise_out):
    args = ["issue", *w._gateway_args("op.alice"), "--title", title, "--body", "Body",
            "--severity", "critical", "--json", "--promise-out", promise_out]
    for a in agencies:
        args += ["--agency", a]
    return json.loads(w.tocsin(*args).stdout)


def entry(w, agency, directive):
    """The directive in the agency's inbox, {} until it has arrived."""
    return next((e for e in w.inbox(agency) if e["id"] == directive), {})


def acknowledged_and_confirmed(w, agency, directive):
    w.ack(agency, directive, "Claire Martin")
    w.wait_for(lambda: entry(w, agency, directive).get("acknowledgement_confirmed"), 10,
               "the acknowledgement confirmed by a promise")


def export_witness(w, agency, out):
    w.run(os.path.join(w.bin, "tocsin-client"), "witness", "--config", agency + ".toml",
          "--out", out)
    with open(os.path.join(w.dir, out)) as f:
        return json.load(f)


def export_and_verify(w, bundle, *witnesses, check=True):
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public",
             "--out", bundle)
    args = ["audit", "verify", bundle, "--root", "ca/public/root.crt", "--json"]
    for witness in witnesses:
        args += ["--witness", witness]
    return w.tocsin(*args, check=check)


def test_every_confirmation_is_a_promise_that_is_kept(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = issue_with_promise(w, "Promised", ["finance-authority"], "op-witness.json")
    assert d["promise"]["index"] >= 0 and d["promise"]["file"] == "op-witness.json", d
    w.wait_for(lambda: entry(w, "finance-authority", d["id"]).get("receipt_confirmed"), 10,
               "the receipt confirmed by a promise")
    acknowledged_and_confirmed(w, "finance-authority", d["id"])
    w.wait_for(lambda: w.log("finance-authority").count("promise kept") >= 2, 10,
               "both promises proven at a later checkpoint")
    row = w.status(d["id"])[0]  # the agency's signed time, and the gateway's beside it
    assert row["acknowledged_at"] and row["acknowledgement_recorded_at"], row
    assert row["acknowledged_at"] <= row["acknowledgement_recorded_at"], row
    held = export_witness(w, "finance-authority", "finance-witness.json")
    assert len(held["promises"]) == 2 and held["checkpoints"], held
    assert oct(os.stat(os.path.join(w.dir, "finance-witness.json")).st_mode & 0o777) == "0o600"
    w.stop("gateway")  # a last checkpoint covers everything
    result = json.loads(export_and_verify(w, "bundle", "finance-witness.json",
                                          "op-witness.json").stdout)
    assert result["verified"], result
    assert result["witnesses"]["promises_kept"] == 3, result
    assert result["witnesses"]["checkpoints_agreeing"] == len(held["checkpoints"]), result
    w.stop("finance-authority")
    assert "log promises 2 kept and 0 broken" in w.log("finance-authority")
    assert "AUDIT LOG ALARM" not in w.log("finance-authority")


@sqlite_only
def test_an_erased_acknowledgement_breaks_a_promise(make):
    # Checkpoints a minute apart (the most allowed): the gateway signs one at
    # start and no other before it is killed, the widest window there is.
    w = make(checkpoint_ms=60000)
    w.start_gateway()
    w.start_client("finance-authority")
    w.wait_for(lambda: "audit log of gw.test: first checkpoint" in w.log("finance-authority"),
               10, "the checkpoint signed at start")
    d = w.issue("To be erased", agencies=["finance-authority"])
    w.wait_for(lambda: entry(w, "finance-authority", d["id"]).get("receipt_confirmed"), 10, "receipt")
    acknowledged_and_confirmed(w, "finance-authority", d["id"])
    w.stop("gateway", signal.SIGKILL)
    # The administrator erases the acknowledgement: its entry (the last), its
    # receipt row, and the delivery's state.
    db = sqlite3.connect(os.path.join(w.dir, "gateway.db"))
    last, data = db.execute("SELECT idx, entry FROM audit_entries ORDER BY idx DESC LIMIT 1").fetchone()
    if data[1] != ACK_KIND:
        raise Failure(f"the last entry is of kind {data[1]}, not the acknowledgement")
    db.execute("DELETE FROM audit_entries WHERE idx = ?", (last,))
    db.execute("DELETE FROM receipts WHERE kind = 1")
    db.execute("UPDATE deliveries SET state = 2, acknowledged_at = NULL, officer = NULL")
    db.commit()
    db.close()
    w.start_gateway()
    w.wait_for(lambda: "broke its promise" in w.log("finance-authority"), 15,
               "the agency's alarm")
    assert "AUDIT LOG ALARM" in w.log("finance-authority")
    assert w.states(d["id"])["finance-authority"] == "delivered"  # what the gateway now claims
    export_witness(w, "finance-authority", "finance-witness.json")
    w.stop("gateway")
    # The bundle alone is consistent: the administrator's premise.
    assert json.loads(export_and_verify(w, "bundle").stdout)["verified"]
    # Against what the agency holds, it is not.
    result = export_and_verify(w, "bundle2", "finance-witness.json", check=False)
    assert result.returncode != 0, result.stdout
    assert "finance-witness.json promise" in result.stderr and "broken" in result.stderr, \
        result.stderr
    w.stop("finance-authority")
    assert "1 broken" in w.log("finance-authority"), w.log("finance-authority")[-300:]


@sqlite_only
def test_a_rewritten_history_fails_against_a_witness(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Before the rewrite", agencies=["finance-authority"])
    w.wait_for(lambda: entry(w, "finance-authority", d["id"]).get("receipt_confirmed"), 10, "receipt")
    acknowledged_and_confirmed(w, "finance-authority", d["id"])
    w.wait_for(lambda: w.log("finance-authority").count("promise kept") >= 2, 10, "proofs")
    export_witness(w, "finance-authority", "finance-witness.json")
    w.stop("gateway")
    # A new database, history and checkpoints and all: verify alone passes.
    for suffix in ("", "-wal", "-shm", ".checkpoint"):
        path = os.path.join(w.dir, "gateway.db" + suffix)
        if os.path.exists(path):
            os.remove(path)
    w.stop("finance-authority")
    w.start_gateway()
    w.issue("After the rewrite", agencies=["energy-authority"])
    w.stop("gateway")
    assert json.loads(export_and_verify(w, "bundle").stdout)["verified"]
    result = export_and_verify(w, "bundle2", "finance-witness.json", check=False)
    assert result.returncode != 0, result.stdout
    assert "finance-witness.json" in result.stderr, result.stderr


if __name__ == "__main__":
    sys.exit(run_tests([
        test_every_confirmation_is_a_promise_that_is_kept,
        test_an_erased_acknowledgement_breaks_a_promise,
        test_a_rewritten_history_fails_against_a_witness,
    ], sys.argv[1]))
