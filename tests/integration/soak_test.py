"""A Jepsen-style soak (SECURITY.md 43-45): two operators issue and a duty
officer acknowledges without pause, while a nemesis kills the gateway, an
agency client, both, or the e-mail bridge with SIGKILL, freezes the gateway,
or steps its wall clock an hour either way. One directive in ten is critical
and escalates by e-mail (energy never acknowledges) through the real bridge
and SMTP server. At the end, with every fault healed: no accepted directive
lost, none stored twice, every stored copy notified, every acknowledgement
typed recorded, every e-mail the gateway queued sent and received (at least
once). Not in the default suite: scripts/soak runs it.

Usage: soak_test.py BIN_DIR [ROUNDS]   (default 20; scripts/soak runs 200)"""

import collections
import os
import random
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import bridge_test  # noqa: E402
from clock_test import faketime_env, step  # noqa: E402
from harness import run_tests  # noqa: E402

ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
AGENCIES = (("finance-authority", "finance"), ("energy-authority", "energy"))
FAULTS = ("kill gateway", "kill client", "kill both", "kill bridge", "freeze gateway",
          "clock +1h", "clock -1h", "clock back")


class Load:
    """Operators issuing and an officer acknowledging, in threads of their own."""

    def __init__(self, w):
        self.w = w
        self.accepted = []      # ids the gateway answered for
        self.acknowledged = set()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._issue, args=(op,), daemon=True)
                        for op in ("op.alice", "op.bob")]
        self.threads.append(threading.Thread(target=self._acknowledge, daemon=True))

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def _issue(self, operator):
        n = 0
        while not self.stop.is_set():
            n += 1
            severity = "critical" if n % 10 == 0 else "high"  # critical ones escalate
            d = self.w.issue(f"{operator} #{n}", operator=operator, sectors=["finance", "energy"],
                             severity=severity, check=False, timeout_ms=1500)
            if d:
                self.accepted.append(d["id"])

    def _acknowledge(self):
        while not self.stop.is_set():
            try:
                inbox = self.w.inbox("finance-authority")
            except Exception:  # noqa: BLE001 -- the inbox may be mid-crash; try again
                time.sleep(0.2)
                continue
            for e in inbox:
                if not e["acknowledged_at"] and e["id"] not in self.acknowledged:
                    result = self.w.run(os.path.join(self.w.bin, "tocsin-client"), "ack",
                                        "--config", "finance-authority.toml", e["id"], "--by",
                                        "Soak Officer", check=False)
                    if result.returncode == 0:
                        self.acknowledged.add(e["id"])
            time.sleep(0.3)


def start_gateway(w):
    w.start_gateway(env=faketime_env(w))


def heal(w):
    """Every daemon running, the gateway's clock true again."""
    step(w, "+0")
    if "gateway" not in w.procs or w.procs["gateway"].poll() is not None:
        w.procs.pop("gateway", None)
        start_gateway(w)
    for agency in w.agencies:
        if agency not in w.procs or w.procs[agency].poll() is not None:
            w.procs.pop(agency, None)
            w.start_client(agency)
    if "bridge-email" not in w.procs or w.procs["bridge-email"].poll() is not None:
        w.procs.pop("bridge-email", None)
        bridge_test.start_bridge(w)


def inflict(w, fault):
    if fault == "kill gateway":
        w.stop("gateway", signal.SIGKILL)
    elif fault == "kill client":
        w.stop(random.choice(list(w.agencies)), signal.SIGKILL)
    elif fault == "kill both":
        w.stop("gateway", signal.SIGKILL)
        w.stop(random.choice(list(w.agencies)), signal.SIGKILL)
    elif fault == "kill bridge":
        w.stop("bridge-email", signal.SIGKILL)
    elif fault == "freeze gateway":
        w.signal("gateway", signal.SIGSTOP)
        time.sleep(random.uniform(0.5, 2.0))  # the fault itself
        w.signal("gateway", signal.SIGCONT)
    elif fault == "clock +1h":
        step(w, "+3600")
    elif fault == "clock -1h":
        step(w, "-3600")
    elif fault == "clock back":
        step(w, "+0")


def notifications(w, agency):
    path = os.path.join(w.dir, f"notify-{agency}.log")
    if not os.path.exists(path):
        return collections.Counter()
    with open(path) as f:
        return collections.Counter(line.split()[0] for line in f if line.strip())


def test_the_nemesis_loses_nothing(make):
    w = make(agencies=AGENCIES)
    step(w, "+0")
    bridge_test.setup(w, gateway_env=faketime_env(w))
    for agency in w.agencies:
        w.start_client(agency)
    load = Load(w)
    load.start()
    faults = collections.Counter()
    started = time.time()
    try:
        for round_number in range(ROUNDS):
            time.sleep(random.uniform(0.2, 1.0))  # load runs between faults
            fault = random.choice(FAULTS)
            inflict(w, fault)
            faults[fault] += 1
            time.sleep(random.uniform(0.1, 0.5))  # a fault lasts a moment
            heal(w)
            if (round_number + 1) % 20 == 0:
                print(f"  round {round_number + 1}/{ROUNDS}: {len(load.accepted)} accepted, "
                      f"{len(load.acknowledged)} acknowledged", flush=True)
    finally:
        load.finish()
    heal(w)
    accepted = list(dict.fromkeys(load.accepted))
    assert accepted, "nothing was accepted"
    # The ledger itself, read-only: `tocsin status` of thousands of directives
    # checks every signature (tested elsewhere) and is paced below the budget.
    def deliveries():
        db = sqlite3.connect(f"file:{os.path.join(w.dir, 'gateway.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT lower(hex(directive_id)), agency, state FROM deliveries"
                              ).fetchall()
        finally:
            db.close()
    w.wait_for(lambda: all(state >= 2 for _, _, state in deliveries()), 120,
               "every delivery completed")
    known = {d for d, _, _ in deliveries()}
    lost = [i for i in accepted if i not in known]
    def acknowledged_at_gateway():
        return {d for d, agency, state in deliveries()
                if agency == "finance-authority" and state == 3}
    w.wait_for(lambda: load.acknowledged <= acknowledged_at_gateway(), 120,
               "every typed acknowledgement recorded")
    acked_at_gateway = acknowledged_at_gateway()
    duplicated = 0
    unnotified = 0
    repeated_notices = 0
    for agency in w.agencies:
        ids = [e["id"] for e in w.inbox(agency)]
        duplicated += len(ids) - len(set(ids))
        missing = set(accepted) - set(ids)
        assert not missing, f"{agency} lacks {len(missing)} accepted directive(s)"
        w.wait_for(lambda: set(ids) <= set(notifications(w, agency)), 60,
                   f"{agency}'s notify hook for every stored directive")
        counts = notifications(w, agency)
        unnotified += len([i for i in ids if counts[i] == 0])
        repeated_notices += sum(c - 1 for c in counts.values() if c > 1)
    # Every e-mail the gateway queued: sent, and received with its Message-ID.
    def email_tasks():
        db = sqlite3.connect(f"file:{os.path.join(w.dir, 'gateway.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT outcome, detail FROM bridge_tasks").fetchall()
        finally:
            db.close()
    w.wait_for(lambda: email_tasks() and all(o == 1 for o, _ in email_tasks()), 120,
               "every queued e-mail sent")
    received = collections.Counter(
        line.split(": ", 1)[1].strip() for m in bridge_test.mails(w)
        for line in m["data"].splitlines() if line.startswith("Message-ID:"))
    tasks = email_tasks()
    unreceived = [detail for _, detail in tasks if received[detail] == 0]
    print(f"  {ROUNDS} rounds in {time.time() - started:.0f} s; faults {dict(faults)}; "
          f"{len(tasks)} e-mails queued, {len(unreceived)} not received, "
          f"{sum(received.values()) - len(received)} received twice; "
          f"{len(accepted)} accepted, {len(lost)} lost, {duplicated} duplicated, "
          f"{unnotified} un-notified ({repeated_notices} notified twice after a crash), "
          f"{len(load.acknowledged)} acknowledged and {len(acked_at_gateway)} recorded",
          flush=True)
    assert not lost and not duplicated and not unnotified and not unreceived
    assert load.acknowledged <= acked_at_gateway


if __name__ == "__main__":
    sys.exit(run_tests([test_the_nemesis_loses_nothing], sys.argv[1]))
