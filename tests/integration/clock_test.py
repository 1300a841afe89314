"""Clock steps (SECURITY.md 43), with the real daemons and libfaketime: the
gateway's wall clock steps two days ahead, then an hour back, while agencies
are connected. Nobody raises a freeze alarm, directives and
acknowledgements go on, the gateway says loudly that its wall clock stepped,
no audit entry is dated in the future, and the bundle still verifies.

Usage: clock_test.py BIN_DIR"""

import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, run_tests  # noqa: E402

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def faketime_env(w):
    """The gateway's wall clock, offset by what clock.offset says (read on every
    call); its monotonic clock stays true, as a real step leaves it."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": LIBFAKETIME,
            "FAKETIME_TIMESTAMP_FILE": os.path.join(w.dir, "clock.offset"),
            "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            # The sanitizer build: libfaketime is preloaded before ASan's runtime.
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}


def step(w, offset):
    with open(os.path.join(w.dir, "clock.offset"), "w") as f:
        f.write(offset + "\n")


def acknowledged_round(w, title):
    d = w.issue(title, agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"]) == {"finance-authority": "delivered"}, 10, title)
    w.ack("finance-authority", d["id"], "Claire Martin")
    w.wait_for(lambda: w.states(d["id"]) == {"finance-authority": "acknowledged"}, 10,
               title + " acknowledged")
    return d


def test_a_gateway_clock_step_either_way_is_not_followed(make):
    if not os.path.exists(LIBFAKETIME):
        raise Failure(f"{LIBFAKETIME} is missing: scripts/setup installs faketime")
    w = make()
    step(w, "+0")
    w.start_gateway(env=faketime_env(w))
    w.start_client("finance-authority")
    acknowledged_round(w, "Before the steps")
    issued = 1
    for offset, warning in (("+172800", "s ahead of this daemon's clock"),
                            ("-3600", "s behind this daemon's clock")):
        step(w, offset)
        w.wait_for(lambda: warning in w.log("gateway"), 10,
                   f"the gateway's warning about a {offset} s step")
        # Acknowledged rounds, each a positive proof that the link works,
        # over longer than it takes the agency to raise its freeze alarm.
        stepped_at = time.monotonic()
        rounds = 0
        while rounds == 0 or time.monotonic() - stepped_at < 2 * w.alarm_ms / 1000:
            rounds += 1
            acknowledged_round(w, f"After a {offset} s step, round {rounds}")
        issued += rounds
    assert "FREEZE ALARM" not in w.log("finance-authority"), w.log("finance-authority")[-600:]
    assert "refused heartbeat" not in w.log("finance-authority")
    w.stop("gateway")
    latest = sqlite3.connect(os.path.join(w.dir, "gateway.db")).execute(
        "SELECT MAX(at) FROM audit_entries").fetchone()[0]
    assert latest <= time.time() * 1000 + 60000, f"an entry dated {latest - time.time() * 1000} ms ahead"
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public",
             "--out", "bundle")
    verified = json.loads(w.tocsin("audit", "verify", "bundle", "--root", "ca/public/root.crt",
                                   "--json").stdout)
    assert verified["verified"] and verified["directives"] == issued, verified


def test_an_agency_clock_stepped_back_an_hour_still_acknowledges(make):
    w = make()
    step(w, "+0")
    w.start_gateway()
    w.start_client("finance-authority", env=faketime_env(w))
    d = w.issue("Before the agency's step", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"]) == {"finance-authority": "delivered"}, 10, "delivery")
    step(w, "-3600")  # the agency's machine loses an hour
    w.wait_for(lambda: "this machine's clock is 3600 s behind" in w.log("finance-authority")
               or "this machine's clock is 3599 s behind" in w.log("finance-authority"), 10,
               "the agency's clock warning")
    e = w.issue("After the agency's step", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(e["id"]) == {"finance-authority": "delivered"}, 10,
               "delivery after the step (receipts dated by the daemon's paced clock)")
    # The officer acknowledges from a shell on that machine, its clock an hour slow.
    ack = subprocess.run([os.path.join(w.bin, "tocsin-client"), "ack", "--config",
                          "finance-authority.toml", e["id"][:12], "--by", "Claire Martin"],
                         cwd=w.dir, capture_output=True, text=True,
                         env={**os.environ, **faketime_env(w)})
    assert ack.returncode == 0 and "dated by the gateway's clock" in ack.stderr, ack.stderr
    w.wait_for(lambda: w.states(e["id"]) == {"finance-authority": "acknowledged"}, 10,
               "the acknowledgement recorded")
    assert "FREEZE ALARM" not in w.log("finance-authority")


def test_an_expired_crl_admits_nobody_loudly_and_revokes_nobody_in_the_log(make):
    w = make()
    w.start_gateway()
    w.stop("gateway")
    # Started two days later with no fresh CRL (a restart adopts the clock).
    step(w, "+172800")
    w.start_gateway(env=faketime_env(w))
    w.wait_for(lambda: "its next update passed; publish a fresh CRL (tocsin pki crl): nobody is "
               "admitted" in w.log("gateway"),
               10, "the gateway saying why it admits nobody")
    w.stop("gateway")
    revoked = sqlite3.connect(os.path.join(w.dir, "gateway.db")).execute(
        "SELECT COUNT(*) FROM audit_entries WHERE hex(substr(entry, 2, 1)) = '08'").fetchone()[0]
    assert revoked == 0, f"{revoked} principals recorded as revoked for a stale CRL"


def test_a_crl_about_to_expire_is_warned_of_by_every_daemon(make):
    w = make()
    step(w, "+72000")  # 20 h on: the 24 h CRL has 4 h left
    w.start_gateway(env=faketime_env(w))
    w.start_client("finance-authority", env=faketime_env(w))
    warning = "expires at"
    w.wait_for(lambda: warning in w.log("gateway") and warning in w.log("finance-authority"), 10,
               "the gateway's and the client's CRL warnings")
    for name in ("gateway", "finance-authority"):
        line = next(l for l in w.log(name).splitlines() if warning in l)
        assert "(in 23" in line and "publish a fresh one (tocsin pki crl" in line, line
    d = w.issue("still served until it expires", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"]) == {"finance-authority": "delivered"}, 10, "delivery")


def test_a_long_lived_crl_is_kept_current_by_the_freshness_signer_alone(make):
    """The root issues a 14-day CRL and delegates freshness statements; 30 h
    later, with no statement, nobody is admitted and the operator cannot
    issue; the signer's statement, made with the root's key out of reach,
    brings everyone back within seconds."""
    w = make()
    with open(os.path.join(w.dir, "ca", "ca.toml"), "a") as f:
        f.write("freshness_crl_validity_days = 14\n")
    step(w, "-108000")  # the CA works 30 h ago: the CRL it issues is that old now
    delegated = subprocess.run([os.path.join(w.bin, "tocsin"), "pki", "delegate-freshness",
                                "--ca", "ca", "--out", "signer", "--json"], cwd=w.dir,
                               capture_output=True, text=True, env={**os.environ, **faketime_env(w)})
    assert delegated.returncode == 0, delegated.stderr
    w.start_gateway()
    w.start_client("finance-authority")
    w.wait_for(lambda: "needs a freshness statement" in w.log("gateway")
               and "needs a freshness statement" in w.log("finance-authority"), 10,
               "the gateway and the client saying why the CRL is not current")
    refused = w.tocsin("issue", *w._gateway_args("op.alice"), "--title", "refused", "--body", "b",
                       "--agency", "finance-authority", check=False)
    assert refused.returncode != 0 and "freshness statement" in refused.stderr, refused.stderr
    os.rename(os.path.join(w.dir, "ca", "private"), os.path.join(w.dir, "root-offline"))
    refreshed = json.loads(w.tocsin("pki", "refresh", "--signer", "signer", "--public",
                                    "ca/public", "--json").stdout)
    assert refreshed["crl_number"] >= 2, refreshed
    w.wait_for(lambda: "registry reloaded: 6 active principals" in w.log("gateway"), 10,
               "the gateway reloading the folder with the statement")
    # The client waited to start (it cannot pin its gateway under a stale CRL).
    assert "waiting to start until it is fixed" in w.log("finance-authority")
    w.wait_for(lambda: "connected to gateway" in w.log("finance-authority"), 20,
               "the client connecting once the CRL is current")
    d = w.issue("Current again", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"]) == {"finance-authority": "delivered"}, 10,
               "delivery under a CRL kept current by its statement")


if __name__ == "__main__":
    sys.exit(run_tests([
        test_a_gateway_clock_step_either_way_is_not_followed,
        test_an_agency_clock_stepped_back_an_hour_still_acknowledges,
        test_an_expired_crl_admits_nobody_loudly_and_revokes_nobody_in_the_log,
        test_a_crl_about_to_expire_is_warned_of_by_every_daemon,
        test_a_long_lived_crl_is_kept_current_by_the_freshness_signer_alone,
    ], sys.argv[1]))
