"""The gateway as the adversary (issue 11): a small hostile gateway of ours
(tests/tools/hostile_gateway.cc) holding the gateway's and an operator's keys
plays against the real agency daemon.

Usage: hostile_gateway_test.py BIN_DIR"""

import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_tests  # noqa: E402


def start_hostile(w, scenario, *extra):
    w._start("hostile", os.path.join(w.bin, "hostile_gateway"),
             "--gateway-bundle", "keys/" + w.gateway_id, "--operator-bundle", "keys/op.alice",
             "--directory", "ca/public", "--endpoint", f"tcp://127.0.0.1:{w.client_port}",
             "--agency", "finance-authority", "--scenario", scenario, *extra)
    w.wait_for(lambda: "listening" in w.log("hostile"), 10, "the hostile gateway")


def test_one_id_with_two_contents_raises_the_alarm_and_keeps_both(make):
    w = make()
    start_hostile(w, "two-contents")
    w.start_client("finance-authority")
    w.wait_for(lambda: w.log("hostile").count("sent directive") == 2, 10, "both contents sent")
    w.wait_for(lambda: "DIRECTIVE ALARM" in w.log("finance-authority"), 10, "the agency's alarm")
    inbox = w.inbox("finance-authority")
    assert [e["title"] for e in inbox] == ["First content"], inbox  # the first stands
    w.stop("finance-authority")
    assert "1 audit-log alarms" in w.log("finance-authority")


def test_a_promise_dated_far_ahead_confirms_nothing(make):
    w = make()
    start_hostile(w, "future-promise")
    w.start_client("finance-authority")
    w.wait_for(lambda: "sent a promise dated a day ahead" in w.log("hostile"), 10, "the promise")
    w.wait_for(lambda: "refused promise" in w.log("finance-authority"), 10, "its refusal")
    assert "too far from this clock" in w.log("finance-authority")
    inbox = w.inbox("finance-authority")
    assert len(inbox) == 1 and not inbox[0]["receipt_confirmed"], inbox  # still resent


def test_a_flood_of_contradictions_is_bounded_in_log_and_disk(make):
    w = make()
    start_hostile(w, "alarm-flood")
    w.start_client("finance-authority")
    w.wait_for(lambda: "sent 2000 contradicting checkpoints" in w.log("hostile"), 30, "the flood")
    w.wait_for(lambda: w.log("finance-authority").count("AUDIT LOG ALARM") >= 10, 10, "alarms")
    w.stop("finance-authority")
    log = w.log("finance-authority")
    assert log.count('"level":"critical"') <= 12, log.count('"level":"critical"')
    rows = sqlite3.connect(os.path.join(w.dir, "finance-authority.db")).execute(
        "SELECT COUNT(*), MIN(length(offending_note)) FROM log_alarms").fetchone()
    assert 1 <= rows[0] <= 10, rows
    assert rows[1] > 100, rows  # each row keeps the contradicting message itself


def test_a_follow_up_goes_to_the_recipients_the_issuer_signed_not_the_gateways(make):
    w = make()
    sealed = json.loads(w.tocsin(
        "directive", "seal", "--bundle", "keys/op.alice", "--directory", "ca/public",
        "--gateway", w.gateway_id, "--agency", "finance-authority", "--title", "To finance only",
        "--body", "b", "--out", "original.env", "--json").stdout)
    start_hostile(w, "forged-status", "--operator-endpoint",
                  f"tcp://127.0.0.1:{w.operator_port}", "--directive-file", "original.env")
    cancel = w.tocsin("cancel", sealed["id"], *w._gateway_args("op.alice"), "--json",
                      "--timeout-ms", "3000", "--retries", "0")
    assert json.loads(cancel.stdout)["recipients"] == ["finance-authority"], cancel.stdout
    assert "follow-up for 1 recipient(s): finance-authority" in w.log("hostile"), w.log("hostile")
    assert "an extra agency" not in w.log("hostile")  # the unsigned report is not even asked

    # And the status it reports is held against the agencies' signatures.
    status = w.tocsin("status", sealed["id"], *w._gateway_args("op.alice"), "--json",
                      "--timeout-ms", "3000", check=False)
    assert status.returncode == 1, (status.returncode, status.stderr)
    assert "2 state(s) the gateway reports are not backed" in status.stderr, status.stderr
    rows = {r["agency"]: r for r in json.loads(status.stdout)}
    assert rows["energy-authority"]["evidence"] == "unverified", rows
    assert "not a recipient" in rows["energy-authority"]["evidence_problem"], rows
    assert rows["finance-authority"]["state"] == "acknowledged", rows
    assert rows["finance-authority"]["evidence"] == "unverified", rows
    assert rows["finance-authority"]["evidence_problem"] == "no signed acknowledgement", rows
    text = w.tocsin("status", sealed["id"], *w._gateway_args("op.alice"), "--timeout-ms", "3000",
                    check=False).stdout
    assert text.count("UNVERIFIED") == 2 and "^ not a recipient" in text, text


def test_a_stripped_co_signature_is_refused_by_the_agency(make):
    w = make()
    start_hostile(w, "stripped-cosignature")
    w.start_client("finance-authority")  # its own rule: one signature (min_signatures = 1)
    w.wait_for(lambda: "sent directive" in w.log("hostile"), 10, "the stripped directive sent")
    w.wait_for(lambda: "requires 2 operators' signatures" in w.log("finance-authority"), 10,
               "the agency refusing it")
    assert w.inbox("finance-authority") == []
    assert "receipt" not in w.log("hostile")


def test_a_critical_directive_below_the_cas_rule_is_refused_by_the_agency(make):
    w = make()
    w.tocsin("pki", "signature-rule", "--ca", "ca", "--set", "critical=2")
    start_hostile(w, "one-signature-critical")  # a gateway that lets one signature through
    w.start_client("finance-authority")  # its own min_signatures: 1
    w.wait_for(lambda: "refusal" in w.log("hostile"), 10, "the agency's signed refusal")
    assert ("a critical directive needs 2 distinct operators' signatures under the CA's "
            "signature rule; it carries 1") in w.log("finance-authority"), w.log("finance-authority")
    assert w.inbox("finance-authority") == []
    assert "receipt" not in w.log("hostile").replace("refusal", "")


def test_a_cancel_of_a_directive_not_held_needs_the_strictest_count(make):
    w = make()
    w.tocsin("pki", "signature-rule", "--ca", "ca", "--set", "critical=2")
    start_hostile(w, "unheld-cancel")  # the cancel first; the critical original would follow
    w.start_client("finance-authority")
    w.wait_for(lambda: "refusal" in w.log("hostile"), 10, "the agency's signed refusal")
    assert "a follow-up of a directive not held here (it may be the most severe) needs 2" in \
        w.log("finance-authority"), w.log("finance-authority")
    assert w.inbox("finance-authority") == []


def test_a_log_shown_to_one_agency_only_is_proven_by_its_receipts(make):
    w = make()
    start_hostile(w, "fake-log")  # an impostor with the gateway's keys, first
    w.start_client("finance-authority")
    w.wait_for(lambda: "first checkpoint (size 7)" in w.log("finance-authority"), 10,
               "the agency holding the other log")
    w.stop("hostile")
    w.start_gateway()  # the real one, on the same endpoint
    w.start_client("energy-authority")  # shown the real log only
    w.wait_for(lambda: "first checkpoint (size 7)" in w.log("energy-authority"), 10,
               "energy holding the real log")
    d = w.issue("After the split", agencies=["finance-authority", "energy-authority"])
    w.wait_for(lambda: set(w.states(d["id"], strict=False).values()) == {"delivered"}, 15,
               "delivery")
    w.wait_for(lambda: "SPLIT VIEW: finance-authority" in w.log("gateway"), 10,
               "the gateway seeing the agency's signed view")
    # The crisis cell sees it too: two agencies signed two roots for one size.
    status = w.tocsin("status", d["id"], *w._gateway_args("op.alice"), "--json", check=False)
    assert status.returncode == 1, status.stderr
    assert ("SPLIT VIEW: energy-authority and finance-authority signed two different roots "
            "for the log at size 7") in status.stderr, status.stderr
    w.stop("gateway")
    assert re.search(r"[1-9]\d* split views", w.log("gateway")), w.log("gateway")[-300:]
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public",
             "--out", "bundle")
    verified = w.tocsin("audit", "verify", "bundle", "--root", "ca/public/root.crt", check=False)
    assert verified.returncode == 1, verified.stdout
    assert "SPLIT VIEW: finance-authority signed that the log's root at size 7" in verified.stderr, \
        verified.stderr


if __name__ == "__main__":
    sys.exit(run_tests([
        test_a_follow_up_goes_to_the_recipients_the_issuer_signed_not_the_gateways,
        test_a_flood_of_contradictions_is_bounded_in_log_and_disk,
        test_one_id_with_two_contents_raises_the_alarm_and_keeps_both,
        test_a_promise_dated_far_ahead_confirms_nothing,
        test_a_stripped_co_signature_is_refused_by_the_agency,
        test_a_critical_directive_below_the_cas_rule_is_refused_by_the_agency,
        test_a_cancel_of_a_directive_not_held_needs_the_strictest_count,
        test_a_log_shown_to_one_agency_only_is_proven_by_its_receipts,
    ], sys.argv[1]))
