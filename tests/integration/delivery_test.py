"""Fan-out, receipts, acknowledgements, offline catch-up and restarts, with
the real gateway and client daemons on loopback.

Usage: delivery_test.py BIN_DIR"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, run_tests  # noqa: E402


def test_fan_out_reaches_every_agency_and_receipts_come_back(make):
    w = make()
    w.start_gateway()
    for agency in w.agencies:
        w.start_client(agency)
    w.wait_for(lambda: all(f"{a} connected" in w.log("gateway") for a in w.agencies), 10,
               "every agency connected")
    d = w.issue("Ransomware", sectors=["finance", "energy", "health"])
    assert sorted(d["recipients"]) == sorted(w.agencies), d
    w.wait_for(lambda: set(w.states(d["id"]).values()) == {"delivered"}, 10, "three receipts")
    for agency in w.agencies:
        inbox = w.inbox(agency)
        assert [e["title"] for e in inbox] == ["Ransomware"], inbox
        assert inbox[0]["receipt_confirmed"], inbox
        with open(os.path.join(w.dir, f"notify-{agency}.log")) as f:
            assert f.read().split() == [d["id"], "critical"]


def test_acknowledgement_is_signed_and_recorded_with_the_officer(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Ack me", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "receipt")
    w.ack("finance-authority", d["id"], "Claire Martin")
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "acknowledged", 10, "ack")
    row = w.status(d["id"])[0]
    assert row["acknowledged_by"] == "Claire Martin", row
    assert row["evidence"] == "signed", row  # the agency's signature, checked by the CLI
    assert w.inbox("finance-authority")[0]["acknowledgement_confirmed"]
    shown = w.run(os.path.join(w.bin, "tocsin-client"), "show", d["id"][:8], "--config",
                  "finance-authority.toml").stdout
    assert "ACKNOWLEDGED at " in shown and "by Claire Martin" in shown, shown
    assert "the gateway has logged it" in shown and "expires " in shown, shown
    # A mistyped inbox path is an error, and leaves no new database behind.
    with open(os.path.join(w.dir, "finance-authority.toml")) as f:
        typo = f.read().replace('database = "finance-authority.db"', 'database = "finanse.db"')
    with open(os.path.join(w.dir, "typo.toml"), "w") as f:
        f.write(typo)
    listed = w.run(os.path.join(w.bin, "tocsin-client"), "inbox", "--config", "typo.toml",
                   check=False)
    assert listed.returncode == 1 and "no inbox at finanse.db" in listed.stderr, listed.stderr
    assert not os.path.exists(os.path.join(w.dir, "finanse.db"))


def test_offline_agency_catches_up_in_order_exactly_once(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    ids = [w.issue(f"D{i}", sectors=["finance", "energy"])["id"] for i in range(3)]
    w.wait_for(lambda: len(w.inbox("finance-authority")) == 3, 10, "finance inbox")
    assert all(w.states(i)["energy-authority"] == "pending" for i in ids)
    w.start_client("energy-authority")
    w.wait_for(lambda: len(w.inbox("energy-authority")) == 3, 10, "energy catch-up")
    assert [e["id"] for e in w.inbox("energy-authority")] == ids
    w.wait_for(lambda: all(w.states(i)["energy-authority"] == "delivered" for i in ids), 10,
               "energy receipts")
    # A restarted client replays and duplicates nothing.
    w.stop("energy-authority")
    before = w.log("gateway").count("energy-authority connected: sent 0 of 0")
    w.start_client("energy-authority")
    w.wait_for(lambda: w.log("gateway").count("energy-authority connected: sent 0 of 0") > before,
               10, "the restarted client's hello, with nothing left to catch up")
    assert [e["id"] for e in w.inbox("energy-authority")] == ids


def test_status_watch_returns_once_every_agency_has_acknowledged(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Watch me", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "delivery")
    watcher = subprocess.Popen([os.path.join(w.bin, "tocsin"), "status", d["id"],
                                *w._gateway_args("op.alice"), "--watch", "--json"],
                               cwd=w.dir, stdout=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(watcher.stdout), daemon=True)
    reader.start()
    # Two reports of the delivered state: it has looked again, and kept watching.
    w.wait_for(lambda: sum('"state": "delivered"' in l for l in list(lines)) >= 2, 10,
               "two reports from the watcher")
    assert watcher.poll() is None, "--watch returned before the acknowledgement"
    w.ack("finance-authority", d["id"], "Watcher")
    watcher.wait(timeout=15)
    reader.join(5)
    out = "".join(lines)
    assert watcher.returncode == 0
    assert '"acknowledged_by": "Watcher"' in out, out[-300:]


def test_acknowledgement_typed_while_the_gateway_is_down_arrives_later(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Later", agencies=["finance-authority"])
    w.wait_for(lambda: len(w.inbox("finance-authority")) == 1, 10, "delivery")
    w.stop("gateway")
    w.ack("finance-authority", d["id"], "Night duty")  # signed and stored: the daemon sends it
    w.start_gateway()
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "acknowledged", 15,
               "ack after gateway restart")


def test_gateway_restart_resumes_pending_deliveries(make):
    w = make()
    w.start_gateway()
    d = w.issue("Before restart", agencies=["health-authority"])
    w.stop("gateway", signal.SIGKILL)
    w.start_gateway()
    w.start_client("health-authority")
    w.wait_for(lambda: w.states(d["id"])["health-authority"] == "delivered", 10, "resumed")


def test_a_connected_client_says_hello_again_to_a_restarted_gateway(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    first = w.issue("before", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(first["id"])["finance-authority"] == "delivered", 10, "first")
    w.stop("gateway", signal.SIGKILL)
    w.start_gateway()
    second = w.issue("after", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(second["id"])["finance-authority"] == "delivered", 10, "second")
    # The handshake monitor saw both connections and said hello on each.
    assert w.log("finance-authority").count("connected to gateway") >= 2


def test_a_frozen_gateway_raises_the_freeze_alarm(make):
    w = make(alarm_ms=1000)
    w.start_gateway()
    w.start_client("finance-authority")
    w.wait_for(lambda: w.issue("warm-up", agencies=["finance-authority"]) is not None, 5, "up")
    w.signal("gateway", signal.SIGSTOP)
    try:
        w.wait_for(lambda: "FREEZE ALARM" in w.log("finance-authority"), 5, "freeze alarm")
    finally:
        w.signal("gateway", signal.SIGCONT)
    w.wait_for(lambda: "link to gateway" in w.log("finance-authority"), 5, "link restored")


def test_replayed_directive_is_refused_by_the_gateway(make):
    w = make()
    w.start_gateway()
    d = w.issue("Once", agencies=["finance-authority"])
    # The operator's sequence file rolled back: the gateway sees a replay.
    with open(os.path.join(w.dir, "keys/op.alice/sequence"), "w") as f:
        f.write("0")
    result = w.issue("Twice", agencies=["finance-authority"], check=False)
    assert result is None, result
    assert len(w.status()) == 1 and d


def test_an_issue_with_no_answer_is_sent_again_and_stored_once(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    w.signal("gateway", signal.SIGSTOP)  # it takes the bytes but answers nothing
    args = [os.path.join(w.bin, "tocsin"), "issue", *w._gateway_args("op.alice"), "--title",
            "Retried", "--body", "b", "--agency", "finance-authority", "--json",
            "--timeout-ms", "1000", "--retries", "3"]
    with open(os.path.join(w.dir, "issue.log"), "w") as err_file:
        issue = subprocess.Popen(args, cwd=w.dir, stdout=subprocess.PIPE, stderr=err_file,
                                 text=True)
        try:
            w.wait_for(lambda: "sending the same directive again" in w.log("issue"), 10,
                       "the first attempt timing out")
        finally:
            w.signal("gateway", signal.SIGCONT)
        out, _ = issue.communicate(timeout=20)
    err = w.log("issue")
    assert issue.returncode == 0, err
    result = json.loads(out)
    assert result["attempts"] >= 2 and "sending the same directive again" in err, (result, err)
    w.wait_for(lambda: w.states(result["id"]) == {"finance-authority": "delivered"}, 10,
               "the one directive delivered")
    assert len(w.status()) == 1, w.status()
    assert len(w.inbox("finance-authority")) == 1


def test_an_agency_started_before_it_was_admitted_connects_once_it_is(make):
    w = make()
    w.start_gateway()
    w.enroll_agency("water-authority", "health")  # after the gateway loaded its registry
    w.start_client("water-authority")
    w.wait_for(lambda: "during the handshake" in w.log("water-authority"), 10,
               "the client saying why it is not connected")
    w.wait_for(lambda: "FREEZE ALARM" in w.log("water-authority"), 10, "its freeze alarm")
    assert "does not admit this key" in w.log("water-authority").split("FREEZE ALARM")[1]
    assert "key not enrolled for this endpoint" in w.log("gateway")  # and the gateway says why
    w.signal("gateway", signal.SIGHUP)  # the gateway loads the CA folder again
    w.wait_for(lambda: "link to gateway gw.test restored" in w.log("water-authority"), 30,
               "the link once admitted")
    d = w.issue("Welcome", agencies=["water-authority"])
    w.wait_for(lambda: w.states(d["id"]) == {"water-authority": "delivered"}, 10, "delivery")


def test_a_sealed_file_is_issued_as_is_and_a_sector_label_means_the_whole_sector(make):
    w = make()
    w.start_gateway()
    seal = ["directive", "seal", "--bundle", "keys/op.alice", "--directory", "ca/public",
            "--gateway", w.gateway_id, "--sector", "energy", "--title", "Grid", "--body", "b",
            "--json"]
    stale = json.loads(w.tocsin(*seal, "--out", "stale.env").stdout)
    w.enroll_agency("grid-authority", "energy")  # after the file was sealed
    w.signal("gateway", signal.SIGHUP)
    w.wait_for(lambda: "registry reloaded" in w.log("gateway"), 10, "the gateway's reload")
    refused = w.tocsin("issue", *w._gateway_args("op.alice"), "--in", "stale.env", "--json",
                       "--retries", "0", check=False)
    assert refused.returncode != 0, refused.stdout
    assert "grid-authority is not a recipient" in refused.stderr, refused.stderr
    fresh = json.loads(w.tocsin(*seal, "--out", "fresh.env").stdout)
    issued = json.loads(w.tocsin("issue", *w._gateway_args("op.alice"), "--in", "fresh.env",
                                 "--json").stdout)
    assert issued["id"] == fresh["id"] != stale["id"], (issued, fresh)
    assert sorted(issued["recipients"]) == ["energy-authority", "grid-authority"], issued


def test_the_two_person_rule_end_to_end(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    keys = ["--directory", "ca/public", "--gateway", w.gateway_id]
    sealed = json.loads(w.tocsin(
        "directive", "seal", "--bundle", "keys/op.alice", *keys, "--agency", "finance-authority",
        "--title", "Isolate the payment network", "--body", "Now.", "--severity", "critical",
        "--signatures", "2", "--cosigner", "op.bob", "--out", "proposal.env", "--json").stdout)
    # Alice alone: refused by the gateway (the header requires two).
    alone = w.tocsin("issue", *w._gateway_args("op.alice"), "--in", "proposal.env",
                     "--retries", "0", check=False)
    assert alone.returncode != 0 and "requires 2 operators' signatures" in alone.stderr, alone.stderr
    # Bob reads exactly what agencies will read, then signs.
    shown = w.tocsin("directive", "cosign", "--bundle", "keys/op.bob", *keys, "--in",
                     "proposal.env", "--key", "proposal.env.key-for-op.bob", "--out",
                     "approved.env", "--yes").stdout
    assert "title:   Isolate the payment network" in shown and "(2 of 2 signatures)" in shown, shown
    issued = json.loads(w.tocsin("issue", *w._gateway_args("op.alice"), "--in", "approved.env",
                                 "--json").stdout)
    assert issued["id"] == sealed["id"]
    w.wait_for(lambda: w.states(sealed["id"]) == {"finance-authority": "delivered"}, 10,
               "delivery of the co-signed directive")
    assert [e["title"] for e in w.inbox("finance-authority")] == ["Isolate the payment network"]


def test_the_cas_signature_rule_binds_operators_and_the_gateway(make):
    w = make()
    # A copy of the published folder from before the rule: an operator tool
    # that does not know it, to reach the gateway's own check.
    shutil.copytree(os.path.join(w.dir, "ca", "public"), os.path.join(w.dir, "old-public"))
    rule = json.loads(w.tocsin("pki", "signature-rule", "--ca", "ca", "--set", "critical=2",
                               "--set", "downgrade=2", "--json").stdout)
    assert rule["signature_rule"]["critical"] == 2 and rule["signature_rule"]["high"] == 1, rule
    w.start_gateway()
    w.start_client("finance-authority")
    bypass = ["--bundle", "keys/op.bob", "--directory", "old-public", "--gateway", w.gateway_id,
              "--endpoint", f"tcp://127.0.0.1:{w.operator_port}"]
    refused = w.tocsin("issue", *bypass, "--agency", "finance-authority", "--title", "Alone",
                       "--body", "b", "--severity", "critical", "--retries", "0", check=False)
    assert refused.returncode != 0, refused.stdout
    assert ("a critical directive needs 2 distinct operators' signatures under the CA's "
            "signature rule; it carries 1") in refused.stderr, refused.stderr
    # The operator's own tool says it first, and how to get the second signature.
    alone = w.tocsin("issue", *w._gateway_args("op.alice"), "--agency", "finance-authority",
                     "--title", "Alone again", "--body", "b", "--severity", "critical", check=False)
    assert alone.returncode != 0 and "propose it instead (tocsin propose" in alone.stderr, \
        alone.stderr
    high = w.issue("High is one", agencies=["finance-authority"], severity="high")
    w.wait_for(lambda: w.states(high["id"]) == {"finance-authority": "delivered"}, 10, "delivery")
    lowered = w.tocsin("update", high["id"], *w._gateway_args("op.alice"), "--title", "Less",
                       "--body", "b", "--tlp", "GREEN", "--retries", "0", check=False)
    assert lowered.returncode != 0, lowered.stdout
    assert "an update lowering severity, TLP or status needs 2" in lowered.stderr, lowered.stderr
    # Two operators: sealed for two, co-signed, accepted and delivered.
    keys = ["--directory", "ca/public", "--gateway", w.gateway_id]
    sealed = json.loads(w.tocsin(
        "directive", "seal", "--bundle", "keys/op.alice", *keys, "--agency", "finance-authority",
        "--title", "Two of us", "--body", "Now.", "--severity", "critical", "--signatures", "2",
        "--cosigner", "op.bob", "--out", "proposal.env", "--json").stdout)
    shown = w.tocsin("directive", "cosign", "--bundle", "keys/op.bob", *keys, "--in",
                     "proposal.env", "--key", "proposal.env.key-for-op.bob", "--out",
                     "approved.env", "--yes").stdout
    assert "(2 required by its header, 2 by the CA's signature rule)" in shown, shown
    w.tocsin("issue", *w._gateway_args("op.alice"), "--in", "approved.env", "--json")
    w.wait_for(lambda: w.states(sealed["id"]) == {"finance-authority": "delivered"}, 10,
               "delivery of the co-signed directive")
    assert sorted(e["title"] for e in w.inbox("finance-authority")) == ["High is one", "Two of us"]
    w.stop("gateway")
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public",
             "--out", "audit.bundle")
    verified = w.tocsin("audit", "verify", "audit.bundle", "--root", "ca/public/root.crt",
                        check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_proposal_is_held_read_approved_and_delivered(make):
    w = make()
    w.tocsin("pki", "enroll", "--ca", "ca", "--id", "op.carol", "--role", "operator",
             "--out", "keys/op.carol")
    w.tocsin("pki", "signature-rule", "--ca", "ca", "--set", "critical=2")
    w.start_gateway()
    w.start_client("finance-authority")
    gw = lambda op: w._gateway_args(op)  # noqa: E731
    proposed = json.loads(w.tocsin(
        "propose", *gw("op.alice"), "--agency", "finance-authority", "--severity", "critical",
        "--tlp", "RED", "--title", "Isolate the payment network", "--body", "Now.",
        "--cosigner", "op.bob", "--json").stdout)
    pid = proposed["id"]
    assert proposed["result"] == "proposed" and proposed["required_signatures"] == 2, proposed
    # Held, not sent: the agency has nothing, the cell sees it waiting.
    listed = json.loads(w.tocsin("proposals", *gw("op.carol"), "--json").stdout)
    assert [(p["id"], p["signers"], p["cosigners"], p["required_signatures"]) for p in listed] == \
        [(pid, ["op.alice"], ["op.bob"], 2)], listed
    assert w.inbox("finance-authority") == []
    view = w.tocsin("status", *[a for a in gw("op.carol")]).stdout
    assert "1 waiting for approval:" in view and pid in view and "may approve: op.bob" in view, view
    # The issuer goes on issuing meanwhile (its sequence moves past the proposal's).
    other = w.issue("Meanwhile", agencies=["finance-authority"], severity="high")
    # Only a named co-signer can read it, so only they may approve it.
    carol = w.tocsin("approve", pid, *gw("op.carol"), "--yes", check=False)
    assert carol.returncode != 0 and "is not a co-signer of this proposal" in carol.stderr, \
        carol.stderr
    shown = w.tocsin("approve", pid, *gw("op.bob"), "--yes")
    assert "title:   Isolate the payment network" in shown.stdout, shown.stdout
    assert "(2 required by its header, 2 by the CA's signature rule)" in shown.stdout, shown.stdout
    assert "approved: the gateway accepted directive " + pid in shown.stdout, shown.stdout
    w.wait_for(lambda: w.states(pid) == {"finance-authority": "delivered"}, 10,
               "delivery of the approved directive")
    assert sorted(e["title"] for e in w.inbox("finance-authority")) == \
        ["Isolate the payment network", "Meanwhile"]
    assert other["id"] != pid
    assert json.loads(w.tocsin("proposals", *gw("op.alice"), "--json").stdout) == []
    again = w.tocsin("approve", pid, *gw("op.bob"), "--yes", check=False)
    assert again.returncode != 0 and "is held (approved, withdrawn or lapsed?)" in again.stderr, \
        again.stderr
    # A withdrawn proposal is gone; one that outlives its directive lapses.
    second = json.loads(w.tocsin(
        "propose", *gw("op.alice"), "--agency", "finance-authority", "--severity", "critical",
        "--title", "Second thoughts", "--body", "b", "--cosigner", "op.bob", "--json").stdout)
    stranger = w.tocsin("withdraw", second["id"], *gw("op.carol"), check=False)
    assert stranger.returncode != 0 and "only its issuer or a co-signer" in stranger.stderr, \
        stranger.stderr
    w.tocsin("withdraw", second["id"], *gw("op.bob"))
    assert json.loads(w.tocsin("proposals", *gw("op.alice"), "--json").stdout) == []
    short = json.loads(w.tocsin(
        "propose", *gw("op.alice"), "--agency", "finance-authority", "--severity", "critical",
        "--title", "Too late", "--body", "b", "--cosigner", "op.bob", "--expires-in", "2s",
        "--ack-within", "1s", "--json").stdout)
    w.wait_for(lambda: "proposal " + short["id"] + " lapsed" in w.log("gateway"), 10,
               "the proposal lapsing")
    late = w.tocsin("approve", short["id"], *gw("op.bob"), "--yes", check=False)
    assert late.returncode != 0 and "lapsed?" in late.stderr, late.stdout + late.stderr
    assert [e["title"] for e in w.inbox("finance-authority")].count("Too late") == 0
    # A cancel of the critical directive needs two as well; the co-signer sees
    # what it cancels, as its signers signed it.
    cancel = json.loads(w.tocsin(
        "propose", *gw("op.alice"), "--cancel", pid, "--title", "Stand down", "--body", "b",
        "--cosigner", "op.bob", "--json").stdout)
    shown = w.tocsin("approve", cancel["id"], *gw("op.bob"), "--yes").stdout
    assert ("it cancels directive " + pid + " from op.alice, critical, TLP:RED, signed by "
            "op.alice, op.bob, to 1 agencies") in shown, shown
    w.wait_for(lambda: w.states(cancel["id"]) == {"finance-authority": "delivered"}, 10,
               "delivery of the approved cancel")


def test_an_operator_profile_replaces_the_connection_flags(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    os.makedirs(os.path.join(w.dir, "profiles"))
    with open(os.path.join(w.dir, "profiles", "alice.toml"), "w") as f:  # paths: from its folder
        f.write(f'bundle = "../keys/op.alice"\ndirectory = "../ca/public"\n'
                f'gateway = "{w.gateway_id}"\nendpoint = "tcp://127.0.0.1:{w.operator_port}"\n')
    tocsin = os.path.join(w.bin, "tocsin")
    env = {**os.environ, "TOCSIN_PROFILE": "profiles/alice.toml", "HOME": w.dir}
    issued = subprocess.run([tocsin, "issue", "--agency", "finance-authority", "--title", "Profiled",
                             "--body", "b", "--json"], cwd=w.dir, env=env, capture_output=True,
                            text=True, timeout=30)
    assert issued.returncode == 0, issued.stderr
    d = json.loads(issued.stdout)
    w.wait_for(lambda: w.states(d["id"]) == {"finance-authority": "delivered"}, 10, "delivery")
    shown = w.tocsin("status", d["id"], "--profile", "profiles/alice.toml", "--json")
    assert json.loads(shown.stdout)[0]["state"] == "delivered"
    # Nothing given and no profile anywhere: every missing flag is named.
    bare = subprocess.run([tocsin, "status", "--json"], cwd=w.dir, capture_output=True, text=True,
                          env={**os.environ, "HOME": os.path.join(w.dir, "nobody"),
                               "TOCSIN_PROFILE": "", "XDG_CONFIG_HOME": ""}, timeout=30)
    assert bare.returncode == 1, bare.stderr
    assert "missing --bundle, --directory, --gateway, --endpoint" in bare.stderr, bare.stderr


def test_cancel_and_update_reach_the_same_agencies_and_reference_the_original(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    w.start_client("energy-authority")
    d = json.loads(w.tocsin("issue", *w._gateway_args("op.alice"), "--title", "Original",
                            "--body", "b", "--severity", "critical", "--tlp", "RED", "--sector",
                            "finance", "--sector", "energy", "--json").stdout)
    for command, extra in (("update", ["--title", "Updated", "--body", "New text"]),
                           ("cancel", [])):
        result = w.tocsin(command, d["id"], *w._gateway_args("op.alice"), *extra, "--json")
        follow_up = __import__("json").loads(result.stdout)
        assert sorted(follow_up["recipients"]) == ["energy-authority", "finance-authority"]
        w.wait_for(lambda: set(w.states(follow_up["id"]).values()) == {"delivered"}, 10,
                   command + " delivered")
    inbox = w.inbox("finance-authority")
    titles = [e["title"] for e in inbox]
    assert titles == ["Original", "Updated", "Cancelled: directive " + d["id"][:8]], titles
    # Threaded: the follow-ups under the original, which is cancelled, not pending.
    assert [e["references"] for e in inbox] == [None, d["id"], d["id"]], inbox
    assert inbox[0]["cancelled_by"] == inbox[2]["id"] and not inbox[0]["needs_acknowledgement"]
    assert inbox[0]["updated_by"] == [inbox[1]["id"]], inbox[0]
    listing = w.run(os.path.join(w.bin, "tocsin-client"), "inbox", "--config",
                    "finance-authority.toml").stdout
    assert "CANCELLED" in listing and "cancel of " + d["id"][:8] in listing, listing
    # Labels are the original's unless told otherwise (not the defaults: high, AMBER).
    assert {(e["severity"], e["tlp"]) for e in inbox} == {("critical", "RED")}, inbox
    lowered = w.tocsin("update", d["id"], *w._gateway_args("op.alice"), "--title", "Lower",
                       "--body", "b", "--severity", "low", "--json")
    assert "severity critical -> low (changed from the original)" in lowered.stderr, lowered.stderr
    assert "TLP RED, as the original" in lowered.stderr, lowered.stderr
    bad = w.tocsin("cancel", "00" * 16, *w._gateway_args("op.alice"), check=False)
    assert bad.returncode == 1 and "no directive 0000" in bad.stderr, bad.stderr


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
