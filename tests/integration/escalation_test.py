"""Escalation ladders with the real gateway: steps fire in order from the
policy, each once, across a restart; an invalid policy on SIGHUP leaves the
running one in force; queued fallback messages respect the TLP label and
never carry the directive's text; the auditor replays every step.

Usage: escalation_test.py BIN_DIR"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, run_tests  # noqa: E402

POLICY = """
[crisis_cell]
name = "Crisis desk"
phone = "+33100000001"
email = "desk@centre.example"

[contacts.finance-authority]
duty_officer = { name = "Claire Martin", phone = "+33612345678", email = "claire@finance.example" }
deputy = { name = "Paul Durand", phone = "+33698765432", email = "paul@finance.example" }

[contacts.energy-authority]
duty_officer = { name = "Ines Moreau", phone = "+33611111111", email = "ines@energy.example" }

[[rule]]
severity = "critical"
ack_within = "10s"
steps = [
  { after = "1s", unless = "delivered", do = "resend", repeat = 2, every = "1s" },
  { after = "2s", do = "sms" },
  { after = "3s", do = "email", to = "both" },
  { after = "4s", do = "crisis-cell" },
]
"""


def with_policy(w, policy=POLICY):
    w._write("policy.toml", policy)
    with open(os.path.join(w.dir, "gateway.toml"), "a") as f:
        f.write('policy = "policy.toml"\n')


def rows(w, sql, *args):
    return w.ledger_rows(sql, *args)


def steps_fired(w, agency):
    return rows(w, "SELECT step, repeat, action, outcome FROM escalations WHERE agency=? "
                   "ORDER BY fired_at, step, repeat", agency)


def test_the_ladder_fires_in_order_once_and_resumes_after_a_restart(make):
    w = make()
    with_policy(w)
    w.start_gateway()
    w.start_client("finance-authority")   # receives, never acknowledges
    d = w.issue("Silent agencies", agencies=["finance-authority", "energy-authority"],
                severity="critical")
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "receipt")
    w.wait_for(lambda: len(steps_fired(w, "energy-authority")) >= 2, 10, "first steps")
    w.stop("gateway")                     # mid-ladder
    before = steps_fired(w, "energy-authority")
    time.sleep(1.5)  # downtime (the fault itself): steps fall due while the gateway is down
    w.start_gateway()
    # One escalation pass fires both agencies' steps one after the other:
    # wait for both ladders, not only the one that fires first.
    w.wait_for(lambda: len(steps_fired(w, "energy-authority")) == 5
               and len(steps_fired(w, "finance-authority")) == 3, 15, "the whole ladder")
    energy = steps_fired(w, "energy-authority")
    assert energy[:len(before)] == before, (before, energy)   # nothing fired twice
    assert [(s, r, a) for s, r, a, _ in energy] == [
        (0, 0, "resend"), (0, 1, "resend"), (1, 0, "sms"), (2, 0, "email"), (3, 0, "crisis-cell")]
    assert energy[0][3] == "agency not connected", energy
    assert energy[2][3] == "queued 1 message(s)", energy       # no deputy for energy: one e-mail
    finance = steps_fired(w, "finance-authority")
    assert [a for _, _, a, _ in finance] == ["sms", "email", "crisis-cell"], finance  # delivered: no resend
    assert finance[1][3] == "queued 2 message(s)", finance     # duty officer and deputy
    # The ladder is over: an escalation tick that fires a later directive's
    # first step fires nothing more for this one.
    marker = w.issue("tick marker", agencies=["energy-authority"], severity="critical")
    w.wait_for(lambda: len(steps_fired(w, "energy-authority")) > 5, 10, "the marker's first step")
    assert len(steps_fired(w, "finance-authority")) == 3, steps_fired(w, "finance-authority")
    assert marker["id"]
    w.ack("finance-authority", d["id"], "Claire Martin")


def test_fallback_messages_obey_the_label_and_carry_no_directive_text(make):
    w = make()
    with_policy(w)
    w.start_gateway()
    for tlp, summary_allowed in (("RED", False), ("AMBER", False), ("GREEN", True)):
        args = ["issue", *w._gateway_args("op.alice"), "--agency", "energy-authority",
                "--title", f"Secret title {tlp}", "--body", f"Secret body {tlp}",
                "--summary", f"Summary {tlp}", "--tlp", tlp, "--severity", "critical", "--json"]
        d = json.loads(w.tocsin(*args).stdout)
        w.wait_for(lambda: rows(w, "SELECT COUNT(*) FROM bridge_tasks WHERE directive_id=?",
                                bytes.fromhex(d["id"]))[0][0] >= 3, 15, f"messages for {tlp}")
        for channel, address, text in rows(w, "SELECT channel, address, text FROM bridge_tasks "
                                              "WHERE directive_id=?", bytes.fromhex(d["id"])):
            assert "Secret" not in text, text
            assert (f"Summary {tlp}" in text) == summary_allowed, (tlp, text)
            assert d["id"][:8] in text, text
            if address != "+33100000001" and address != "desk@centre.example":
                assert "ACK " in text, text   # the one-time code, not for the crisis desk


def test_an_invalid_policy_on_sighup_keeps_the_running_one(make):
    w = make()
    with_policy(w)
    w.start_gateway()
    w._write("policy.toml", POLICY.replace('do = "sms"', 'do = "pigeon"'))
    w.signal("gateway", signal.SIGHUP)
    w.wait_for(lambda: "policy reload failed, keeping the policy in force" in w.log("gateway"), 5,
               "the refusal")
    assert "pigeon" in w.log("gateway") or "steps[1].do" in w.log("gateway")
    d = w.issue("Still escalating", agencies=["energy-authority"])
    w.wait_for(lambda: len(steps_fired(w, "energy-authority")) >= 3, 10, "steps of the old policy")
    bad = w.tocsin("policy", "check", "policy.toml", check=False)
    assert bad.returncode == 1 and "policy.toml:" in bad.stderr and "steps[1].do" in bad.stderr, bad.stderr
    assert d["id"]


def test_the_auditor_replays_every_step(make):
    w = make()
    with_policy(w)
    w.start_gateway()
    d = w.issue("Audited escalation", agencies=["energy-authority"])
    w.wait_for(lambda: len(steps_fired(w, "energy-authority")) == 5, 15, "the ladder")
    w.stop("gateway")
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public", "--out", "b")
    report = json.loads(w.tocsin("audit", "report", "b", "--root", "ca/public/root.crt",
                                 "--format", "json").stdout)
    assert report["policy_changes"] == 1, report
    delivery = report["directives"][0]["deliveries"][0]
    whats = [e["what"] for e in delivery["escalations"]]
    assert len(whats) == 5 and whats[-1].startswith("step 4 crisis-cell"), whats
    assert d["id"]


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
