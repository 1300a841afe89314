#!/usr/bin/env python3
"""Several gateway processes on one PostgreSQL ledger, and the database's own
failover: a real primary with a synchronous streaming standby (started by
postgresql.py), real gateways, clients and operators.

What is covered: one writer at a time (a standby binds nothing), takeover
after kill -9 with nothing confirmed lost and nothing duplicated, agencies,
operators and an e-mail bridge following the writer through endpoint
lists, a frozen writer fenced when it wakes, and the primary database
stopped and its standby promoted. The gateway processes share one identity
here; gateways with identities of their own are docs/ha.md's next step.

Usage: ha_test.py BIN_DIR"""

import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import postgresql  # noqa: E402
from harness import Failure, free_port, run_tests  # noqa: E402

CLUSTER = None  # started once for the suite in main()


def check_config(w, name="gateway"):
    return w.run(os.path.join(w.bin, "tocsin-gateway"), "--config", name + ".toml",
                 "--check-config", check=False)


def issue_until(w, stop, accepted, refused, title):
    """Issues directives one after another until `stop`; what was confirmed."""
    n = 0
    while not stop.is_set():
        n += 1
        result = w.issue(f"{title} {n}", sectors=["finance", "energy"], check=False,
                         timeout_ms=1500)
        (accepted if result else refused).append(result["id"] if result else n)
        time.sleep(0.05)


def wait_exit(w, name, timeout):
    proc = w.procs[name]
    try:
        return proc.wait(timeout * float(os.environ.get("TOCSIN_TIME_SCALE", "1")))
    except subprocess.TimeoutExpired:
        raise Failure(f"{name} did not exit in {timeout} s") from None


def all_delivered_once(w, ids):
    """Every id in every recipient's inbox exactly once, and receipted."""
    for agency in ("finance-authority", "energy-authority"):
        inbox = [e["id"] for e in w.inbox(agency)]
        missing = [i for i in ids if i not in inbox]
        doubled = [i for i in set(inbox) if inbox.count(i) > 1]
        if missing or doubled:
            return False
    return all(state == "delivered" for i in ids for state in w.states(i).values())


def writer_and_standby(make):
    """A world whose gateway writes, and a second process of it, on ports of
    its own, standing by; the second one's (client, operator) ports."""
    w = make()
    w.start_gateway()
    client, operator = free_port(), free_port()
    w.write_gateway_copy("gateway2", client_port=client, operator_port=operator)
    w.start_gateway(name="gateway2", wait=False)
    w.wait_for(lambda: "standing by" in w.log("gateway2"), 10, "the standby")
    return w, client, operator


def test_a_bridge_follows_the_writer_and_no_notice_is_lost(make):
    """Escalation e-mails through a bridge that dials both gateway
    processes: the writer is killed as the ladder starts; the other one
    fires what is due and the bridge, connected to it, sends every notice
    (perhaps one twice, never one zero times: docs/policies.md)."""
    import bridge_test
    w = make()
    standby_bridge = free_port()
    bridge_test.setup(w, standby_bridge_port=standby_bridge)
    client, operator = free_port(), free_port()
    w.write_gateway_copy("gateway2", client_port=client, operator_port=operator)
    with open(os.path.join(w.dir, "gateway2.toml")) as f:
        text = f.read()
    bridge = re.search(r'bridge_endpoint = "tcp://127.0.0.1:(\d+)"', text).group(1)
    w._write("gateway2.toml", text.replace(f"127.0.0.1:{bridge}\"", f"127.0.0.1:{standby_bridge}\""))
    w.start_gateway(name="gateway2", wait=False)
    w.wait_for(lambda: "standing by" in w.log("gateway2"), 10, "the standby")
    w.tocsin("issue", *w._gateway_args("op.alice"), "--agency", "finance-authority",
             "--title", "Silent agency", "--body", "Nobody answers", "--severity", "critical")
    w.stop("gateway", signal.SIGKILL)  # the first step is due 1 s after acceptance
    w.wait_for(lambda: "serving agencies" in w.log("gateway2"), 20, "the takeover")
    expected = ["claire@finance.example", "desk@centre.example", "paul@finance.example"]
    w.wait_for(lambda: sorted(set(r for m in bridge_test.mails(w) for r in m["to"])) == expected,
               30, "every notice of the ladder, sent through the new writer")
    w.wait_for(lambda: all(o == 1 for (o,) in w.ledger_rows("SELECT outcome FROM bridge_tasks"))
               and len(w.ledger_rows("SELECT id FROM bridge_tasks")) >= 3, 20,
               "every task's outcome recorded by the new writer")
    sent = len(bridge_test.mails(w))
    print(f"  {sent} e-mails for 3 notices after kill -9 of the writer", flush=True)
    w.stop("bridge-email")
    w.stop("gateway2")
    verify_audit_log(w)


def verify_audit_log(w):
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public", "--out", "b")
    w.tocsin("audit", "verify", "b", "--root", "ca/public/root.crt")


def test_check_config_reads_the_database_and_changes_nothing(make):
    w = make()
    before = check_config(w)
    assert before.returncode == 0, before.stderr
    assert "no Tocsin schema yet" in before.stdout, before.stdout
    w.start_gateway()
    after = check_config(w)
    assert after.returncode == 0, after.stderr
    assert "schema version 2 of 2; writer gw.test on " in after.stdout, after.stdout
    w.write_gateway_copy("unreachable", postgresql="host=127.0.0.1 port=1 dbname=none")
    refused = check_config(w, "unreachable")
    assert refused.returncode != 0
    assert "127.0.0.1:1/none" in refused.stderr + refused.stdout, refused.stderr


def test_a_standby_binds_nothing_and_takes_over_when_the_writer_is_killed(make):
    w = make()
    w.start_gateway()
    w.write_gateway_copy("gateway2")  # the same endpoints: it can bind them only once it writes
    w.start_gateway(name="gateway2", wait=False)
    w.wait_for(lambda: "standing by: gw.test on " in w.log("gateway2"), 10,
               "the second process standing by")
    assert "serving agencies" not in w.log("gateway2")
    for agency in ("finance-authority", "energy-authority"):
        w.start_client(agency)
    stop, accepted, refused = threading.Event(), [], []
    issuer = threading.Thread(target=issue_until, args=(w, stop, accepted, refused, "F"))
    issuer.start()
    try:
        w.wait_for(lambda: len(accepted) >= 5, 20, "directives accepted by the first writer")
        w.stop("gateway", signal.SIGKILL)
        killed = time.monotonic()
        w.wait_for(lambda: "serving agencies" in w.log("gateway2"), 20, "the takeover")
        took_over = time.monotonic() - killed
        count = len(accepted)
        w.wait_for(lambda: len(accepted) >= count + 5, 20, "directives accepted after it")
    finally:
        stop.set()
        issuer.join()
    assert "epoch 2" in w.log("gateway2"), w.log("gateway2")[-2000:]
    print(f"  takeover {took_over:.1f} s after kill -9; {len(accepted)} confirmed, "
          f"{len(refused)} unanswered while no gateway wrote", flush=True)
    w.wait_for(lambda: all_delivered_once(w, accepted), 30,
               "every confirmed directive in every inbox exactly once, receipted")
    verify_audit_log(w)


def test_agencies_and_operators_follow_the_writer_to_another_address(make):
    w, b_client, b_operator = writer_and_standby(make)
    w.client_endpoint = f"tcp://127.0.0.1:{w.client_port},tcp://127.0.0.1:{b_client}"
    w.operator_endpoint = f"tcp://127.0.0.1:{w.operator_port},tcp://127.0.0.1:{b_operator}"
    for agency in ("finance-authority", "energy-authority"):
        w._write_client_config(agency)
        w.start_client(agency)
    first = w.issue("Before", sectors=["finance", "energy"])["id"]
    w.wait_for(lambda: all_delivered_once(w, [first]), 10, "the first directive delivered")
    w.stop("gateway", signal.SIGKILL)
    killed = time.monotonic()
    w.wait_for(lambda: "serving agencies" in w.log("gateway2"), 20, "the takeover")
    serving = time.monotonic() - killed
    second = w.issue("After", sectors=["finance", "energy"], timeout_ms=10000)["id"]
    accepted = time.monotonic() - killed
    w.wait_for(lambda: all_delivered_once(w, [first, second]), 30,
               "both directives in both inboxes once, receipted by the new writer")
    delivered = time.monotonic() - killed
    print(f"  after kill -9: serving {serving:.1f} s, next directive accepted {accepted:.1f} s, "
          f"delivered to every agency {delivered:.1f} s", flush=True)
    verify_audit_log(w)


def test_a_frozen_writer_is_fenced_and_steps_down(make):
    w, _, other_operator = writer_and_standby(make)
    first = w.issue("Before the freeze", sectors=["finance"])
    w.signal("gateway", signal.SIGSTOP)
    try:
        w.wait_for(lambda: "serving agencies" in w.log("gateway2"), 20, "the takeover")
    finally:
        w.signal("gateway", signal.SIGCONT)
    code = wait_exit(w, "gateway", 10)
    assert code == 1, code
    log = w.log("gateway")
    assert "fenced" in log and "steps down" in log, log[-1500:]
    w.operator_port = other_operator  # from now on the operators use the new writer
    second = w.issue("After the takeover", sectors=["finance"])
    known = {row["directive"] for row in w.status()}
    assert {first["id"], second["id"]} <= known
    verify_audit_log(w)


def test_the_ledger_over_tls_with_the_server_verified(make):
    w = make()
    tls = w.postgresql + f" sslmode=verify-full sslrootcert={CLUSTER.ca}"
    w.write_gateway_copy("gateway", postgresql=tls)
    w.postgresql = tls
    w.start_gateway()  # under its system-call filter, as always
    sessions = CLUSTER.servers[0].sql(
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
        "WHERE s.ssl AND a.application_name = 'tocsin-gateway'")
    assert int(sessions) >= 1, sessions
    w.start_client("finance-authority")
    d = w.issue("Over TLS", sectors=["finance"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "delivery")
    wrong = w.postgresql.replace(f"sslrootcert={CLUSTER.ca}", "sslrootcert=/etc/ssl/certs/ca-certificates.crt")
    w.write_gateway_copy("untrusting", postgresql=wrong)
    refused = check_config(w, "untrusting")
    assert refused.returncode != 0 and "certificate" in refused.stderr, refused.stderr


def test_the_database_fails_over_to_its_synchronous_standby(make):
    primary, standby = CLUSTER.servers[0], CLUSTER.servers[1]
    w = make()
    both = (f"host=127.0.0.1,127.0.0.1 port={primary.port},{standby.port} "
            f"dbname={w.postgresql.split('dbname=')[1]} user={postgresql.ROLE} "
            "target_session_attrs=read-write connect_timeout=2")
    w.write_gateway_copy("gateway", postgresql=both)
    w.postgresql = both  # the auditor's and the test's reads follow the writable one too
    w.start_gateway()
    w.start_client("finance-authority")
    w.start_client("energy-authority")
    confirmed = [w.issue(f"P{i}", sectors=["finance", "energy"])["id"] for i in range(5)]
    primary.stop("immediate")  # the primary's machine is gone
    code = wait_exit(w, "gateway", 20)  # its next write fails: fatal, loud
    assert code == 1
    assert "stopping on a fatal error" in w.log("gateway")
    standby.promote()  # as Patroni would
    w.start_gateway()  # as systemd would (Restart=on-failure)
    known = {row["directive"] for row in w.status()}
    lost = [i for i in confirmed if i not in known]
    assert not lost, f"confirmed before the failover, lost after it: {lost}"
    confirmed.append(w.issue("After the failover", sectors=["finance", "energy"])["id"])
    w.wait_for(lambda: all_delivered_once(w, confirmed), 30, "every directive delivered once")
    verify_audit_log(w)


def main():
    global CLUSTER
    why = postgresql.available()
    if why:
        print(f"skipped: {why}")
        return 77
    CLUSTER = postgresql.Cluster()
    try:
        primary = CLUSTER.start_primary()
        CLUSTER.start_standby(primary)
        os.environ["TOCSIN_TEST_POSTGRESQL"] = primary.conninfo()
        # The database failover test ends the primary: it runs last.
        return run_tests([test_check_config_reads_the_database_and_changes_nothing,
                          test_a_standby_binds_nothing_and_takes_over_when_the_writer_is_killed,
                          test_agencies_and_operators_follow_the_writer_to_another_address,
                          test_a_frozen_writer_is_fenced_and_steps_down,
                          test_the_ledger_over_tls_with_the_server_verified,
                          test_a_bridge_follows_the_writer_and_no_notice_is_lost,
                          test_the_database_fails_over_to_its_synchronous_standby],
                         sys.argv[1])
    finally:
        CLUSTER.close()


if __name__ == "__main__":
    sys.exit(main())
