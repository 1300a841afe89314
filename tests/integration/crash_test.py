"""kill -9 the gateway at random points while operators issue directives:
nothing it answered is lost, nothing is torn, every pending delivery resumes.

Usage: crash_test.py BIN_DIR [ROUNDS]   (default 3; scripts/soak runs 50)"""

import os
import random
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_tests  # noqa: E402

ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def test_sigkill_at_random_points_loses_no_accepted_directive(make):
    w = make(agencies=(("finance-authority", "finance"), ("energy-authority", "energy")))
    for agency in w.agencies:
        w.start_client(agency)
    accepted = []
    for round_number in range(ROUNDS):
        w.start_gateway()
        stop = threading.Event()

        def issue_until_stopped():
            n = 0
            while not stop.is_set():
                n += 1
                result = w.issue(f"round {round_number} #{n}", sectors=["finance", "energy"],
                                 check=False, timeout_ms=1000)
                if result:
                    accepted.append(result["id"])
        issuer = threading.Thread(target=issue_until_stopped)
        issuer.start()
        time.sleep(random.uniform(0.2, 1.5))
        w.stop("gateway", signal.SIGKILL)
        stop.set()
        issuer.join()
        if not w.postgresql:  # on PostgreSQL, the server's own recovery
            db = sqlite3.connect(os.path.join(w.dir, "gateway.db"))
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
    assert accepted, "no directive was accepted at all"
    w.start_gateway()
    known = {row["directive"] for row in w.status()}
    missing = [i for i in accepted if i not in known]
    assert not missing, f"{len(missing)} accepted directive(s) lost: {missing[:3]}"
    try:
        w.wait_for(lambda: all(r["state"] == "delivered" for r in w.status()), 60,
                   "every delivery resumed")
    except Exception:
        from collections import Counter
        print("  states:", Counter((r["agency"], r["state"]) for r in w.status()), flush=True)
        for name in ["gateway", *w.agencies]:
            lines = [l for l in w.log(name).splitlines() if '"info"' not in l]
            print(f"  {name}: {len(w.log(name).splitlines())} log lines; not info:", lines[-5:])
        raise
    for agency in w.agencies:
        ids = [e["id"] for e in w.inbox(agency)]
        assert len(ids) == len(set(ids)), "duplicate in inbox"
        assert set(accepted) <= set(ids)
    print(f"  {ROUNDS} crashes, {len(accepted)} accepted directives, none lost", flush=True)


if __name__ == "__main__":
    sys.exit(run_tests([test_sigkill_at_random_points_loses_no_accepted_directive], sys.argv[1]))
