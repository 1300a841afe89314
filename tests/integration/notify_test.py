"""The notify hook, the duty officer's pager, with the real client daemon
(SECURITY.md 45): a failing or hanging hook is retried with backoff and each
outcome is one log line with the hook's output escaped; a daemon killed
before its hook succeeded runs it again on start.

Usage: notify_test.py BIN_DIR"""

import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, run_tests  # noqa: E402

HOOK = """#!/bin/sh
echo "$TOCSIN_ID $TOCSIN_AGENCY $TOCSIN_ACTION $TOCSIN_ATTEMPT" >> runs.log
if [ -e fail-once ]; then rm fail-once; echo "pager: no route to host" >&2; exit 3; fi
if [ -e hang-once ]; then rm hang-once; sleep 30; fi
if [ -e slow ]; then echo $$ > hook.pid; sleep 30; fi
echo "$TOCSIN_ID" >> paged.log
"""


def with_hook(w, agency, timeout_ms=1000):
    with open(os.path.join(w.dir, "hook.sh"), "w") as f:
        f.write(HOOK)
    path = os.path.join(w.dir, agency + ".toml")
    with open(path) as f:
        config = [line for line in f if not line.startswith("notify")]
    w._write(agency + ".toml", "".join(config) +
             f'notify = "sh hook.sh"\nnotify_timeout_ms = {timeout_ms}\n')


def touch(w, name):
    open(os.path.join(w.dir, name), "w").close()


def read(w, name):
    path = os.path.join(w.dir, name)
    return open(path).read() if os.path.exists(path) else ""


def test_a_failing_or_hanging_hook_is_retried_and_logged(make):
    w = make()
    with_hook(w, "finance-authority")
    touch(w, "fail-once")
    touch(w, "hang-once")
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Page me", agencies=["finance-authority"])
    w.wait_for(lambda: "notified the duty officer" in w.log("finance-authority"), 15,
               "the page after two failures")
    # Every line is JSON: the hook's output never lands raw in the log.
    log = "\n".join(json.loads(line)["message"]
                     for line in w.log("finance-authority").splitlines())
    assert 'failed (attempt 1): exit status 3; output: "pager: no route to host"' in log, log
    assert "failed (attempt 2): timed out after 1000 ms" in log, log
    assert f"notified the duty officer of {d['id']} (attempt 3" in log, log
    runs = read(w, "runs.log").splitlines()
    assert runs == [f"{d['id']} finance-authority new {n}" for n in (1, 2, 3)], runs
    assert read(w, "paged.log").count(d["id"]) == 1


def test_a_client_killed_before_its_hook_succeeded_pages_on_restart(make):
    w = make()
    with_hook(w, "finance-authority", timeout_ms=60000)
    touch(w, "slow")
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Page me after a crash", agencies=["finance-authority"])
    w.wait_for(lambda: read(w, "hook.pid").strip(), 10, "the hook running")
    # The machine goes down: the daemon and its hook with it.
    w.stop("finance-authority", signal.SIGKILL)
    os.killpg(os.getpgid(int(read(w, "hook.pid"))), signal.SIGKILL)
    os.remove(os.path.join(w.dir, "slow"))
    assert d["id"] not in read(w, "paged.log")
    w.start_client("finance-authority")
    w.wait_for(lambda: "notified the duty officer" in w.log("finance-authority"), 10,
               "the page after restart")
    assert len(w.inbox("finance-authority")) == 1
    assert read(w, "paged.log").count(d["id"]) == 1


if __name__ == "__main__":
    sys.exit(run_tests([
        test_a_failing_or_hanging_hook_is_retried_and_logged,
        test_a_client_killed_before_its_hook_succeeded_pages_on_restart,
    ], sys.argv[1]))
