"""The e-mail bridge, really started: the gateway's escalation ladder queues
e-mails, tocsin-bridge-email takes them over CURVE and sends them through a
real SMTP server (python3-aiosmtpd) with STARTTLS and a throwaway
certificate; the Message-IDs come back into the ledger and the audit log.
A server without STARTTLS gets nothing unless the configuration says so.

Usage: bridge_test.py BIN_DIR"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CorruptingRelay, Failure, free_port, run_tests  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

POLICY = """
[crisis_cell]
name = "Crisis desk"
email = "desk@centre.example"

[contacts.finance-authority]
duty_officer = { name = "Claire Martin", phone = "+33612345678", email = "claire@finance.example" }
deputy = { name = "Paul Durand", email = "paul@finance.example" }

[contacts.energy-authority]
duty_officer = { name = "Ines Moreau", email = "ines@energy.example" }

[[rule]]
severity = "critical"
ack_within = "10s"
steps = [
  { after = "1s", do = "email", to = "both" },
  { after = "2s", do = "crisis-cell" },
]
"""


def setup(w, starttls=True, allow_plaintext=False, max_attempts=8, enrol_after_start=False,
          gateway_env=None, standby_bridge_port=None):
    """The e-mail bridge and its SMTP server, the gateway started; with
    `standby_bridge_port`, the bridge also dials a second gateway process's
    bridge endpoint there (an endpoint list). Returns the SMTP server."""
    w._write("policy.toml", POLICY)
    bridge_port = free_port()
    endpoints = f"tcp://127.0.0.1:{bridge_port}"
    if standby_bridge_port:
        endpoints += f",tcp://127.0.0.1:{standby_bridge_port}"
    with open(os.path.join(w.dir, "gateway.toml"), "a") as f:
        f.write(f'policy = "policy.toml"\nbridge_endpoint = "tcp://127.0.0.1:{bridge_port}"\n')
    if enrol_after_start:
        w.start_gateway()  # its registry does not know the bridge yet
    w.tocsin("pki", "enroll", "--ca", "ca", "--id", "bridge.mail", "--role", "bridge",
             "--channel", "email", "--out", "keys/bridge.mail")
    smtp_port = free_port()
    args = ["/usr/bin/python3", os.path.join(HERE, "smtp_server.py"), str(smtp_port), "mail.jsonl"]
    if starttls:
        w.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes", "-keyout", "smtp.key", "-out", "smtp.crt", "-days", "1",
              "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
        args += ["smtp.crt", "smtp.key"]
    server = w._start("smtp", *args)
    w.wait_for(lambda: "ready" in w.log("smtp"), 10, "the SMTP server")
    w._write("bridge-email.toml", f"""
bundle = "keys/bridge.mail"
directory = "ca/public"
gateway = "{w.gateway_id}"
gateway_endpoint = "{endpoints}"
database = "bridge-email.db"
max_attempts = {max_attempts}
retry_initial_ms = 200
retry_max_ms = 1000
smtp_url = "smtp://localhost:{smtp_port}"
smtp_from = "tocsin@centre.example"
{'smtp_ca_file = "smtp.crt"' if starttls else ''}
allow_plaintext_smtp = {'true' if allow_plaintext else 'false'}
log_format = "json"
""")
    if not enrol_after_start:
        w.start_gateway(env=gateway_env)
    start_bridge(w)
    return server


def start_bridge(w, *flags):
    w._start("bridge-email", os.path.join(w.bin, "tocsin-bridge-email"), "--config",
             "bridge-email.toml", *flags)


def mails(w):
    try:
        with open(os.path.join(w.dir, "mail.jsonl")) as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def tasks(w):
    con = sqlite3.connect(f"file:{os.path.join(w.dir, 'gateway.db')}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT address, outcome, detail FROM bridge_tasks ORDER BY id").fetchall()
    finally:
        con.close()


def test_escalation_emails_go_out_over_starttls_and_come_back_with_their_message_ids(make):
    w = make()
    setup(w)
    args = ["issue", *w._gateway_args("op.alice"), "--agency", "finance-authority",
            "--title", "Secret title", "--body", "Secret body of the directive",
            "--summary", "Clear summary", "--tlp", "RED", "--severity", "critical", "--json"]
    d = json.loads(w.tocsin(*args).stdout)
    w.wait_for(lambda: len(mails(w)) == 3, 20, "three e-mails (officer, deputy, crisis desk)")
    received = mails(w)
    assert all(m["tls"] for m in received), received
    assert sorted(r for m in received for r in m["to"]) == [
        "claire@finance.example", "desk@centre.example", "paul@finance.example"], received
    for m in received:
        assert "Secret" not in m["data"] and "Clear summary" not in m["data"], m["data"]  # RED
        assert d["id"][:8] in m["data"], m["data"]
        assert "Message-ID: <tocsin." in m["data"], m["data"]
    w.wait_for(lambda: [o for _, o, _ in tasks(w)] == [1, 1, 1], 10, "outcomes in the ledger")
    ids = {detail for _, _, detail in tasks(w)}
    for m in received:
        mid = [line for line in m["data"].splitlines() if line.startswith("Message-ID:")][0]
        assert mid.split(": ", 1)[1] in ids, (mid, ids)
    w.stop("bridge-email")
    # Started with the full check of its queue (indexes too), it says it passed.
    start_bridge(w, "--integrity-check")
    w.wait_for(lambda: "bridge-email.db passes SQLite's integrity_check" in w.log("bridge-email"),
               10, "the bridge's full integrity check")
    w.stop("bridge-email")
    w.stop("gateway")
    w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public", "--out", "b")
    report = json.loads(w.tocsin("audit", "report", "b", "--root", "ca/public/root.crt",
                                 "--format", "json").stdout)
    whats = [e["what"] for e in report["directives"][0]["deliveries"][0]["escalations"]]
    assert sum("email" in x and ": sent" in x for x in whats) == 3, whats


def test_a_bridge_admitted_late_connects_and_a_sighup_reloads_it(make):
    w = make()
    setup(w, enrol_after_start=True)
    w.wait_for(lambda: "during the handshake" in w.log("bridge-email"), 10,
               "the bridge saying why it is not linked")
    w.signal("gateway", signal.SIGHUP)  # the gateway admits it now
    w.signal("bridge-email", signal.SIGHUP)  # and the bridge reloads its CA folder, alive
    w.wait_for(lambda: "SIGHUP: the CA folder was loaded again" in w.log("bridge-email"), 10,
               "the bridge's reload")
    w.tocsin("issue", *w._gateway_args("op.alice"), "--agency", "finance-authority",
             "--title", "Late bridge", "--body", "b", "--severity", "critical")
    w.wait_for(lambda: len(mails(w)) == 3, 40, "the e-mails through the late-admitted bridge")
    assert w.procs["bridge-email"].poll() is None


def test_one_corrupted_byte_on_the_bridge_link_does_not_cut_the_bridge_off(make):
    """The client's test (hostile_test) for the bridge: a CURVE frame from the
    gateway damaged on the way ends the connection (libzmq 4.3 does not dial
    again by itself); the bridge rebuilds its socket and e-mails go on."""
    w = make()
    setup(w)
    w.stop("bridge-email")
    path = os.path.join(w.dir, "bridge-email.toml")
    with open(path) as f:
        config = f.read()
    port = config.split('gateway_endpoint = "tcp://127.0.0.1:')[1].split('"')[0]
    relay = CorruptingRelay(int(port))
    try:
        w._write("bridge-email.toml", config.replace(f"127.0.0.1:{port}", f"127.0.0.1:{relay.port}"))
        start_bridge(w)
        issue = ["issue", *w._gateway_args("op.alice"), "--agency", "finance-authority",
                 "--body", "b", "--severity", "critical"]
        w.tocsin(*issue, "--title", "Through the relay")
        w.wait_for(lambda: len(mails(w)) == 3, 20, "the e-mails through the relay")
        relay.armed.set()  # the tasks of the next escalation, at the latest, are damaged
        w.tocsin(*issue, "--title", "Through a faulty middlebox")
        w.wait_for(relay.corrupted.is_set, 10, "a corrupted frame")
        w.wait_for(lambda: "dialling again on a fresh socket" in w.log("bridge-email"), 20,
                   "the bridge rebuilding its link")
        w.wait_for(lambda: len(mails(w)) == 6, 40, "the e-mails over the rebuilt link")
        assert relay.connections >= 2, relay.connections
        assert w.procs["bridge-email"].poll() is None
    finally:
        relay.close()


def test_check_config_checks_every_daemon_and_starts_none(make):
    w = make()
    setup(w)  # the real gateway and bridge run meanwhile: the checks need no port
    def check(program, *args):
        return subprocess.run([os.path.join(w.bin, program), *args, "--check-config"], cwd=w.dir,
                              capture_output=True, text=True, timeout=30)
    gateway = check("tocsin-gateway", "--config", "gateway.toml")
    assert gateway.returncode == 0, gateway.stderr
    assert "policy policy.toml: 1 rule(s)" in gateway.stdout, gateway.stdout
    assert "tocsin-gateway: configuration OK" in gateway.stdout, gateway.stdout
    client = check("tocsin-client", "run", "--config", "finance-authority.toml")
    assert client.returncode == 0 and "gateway gw.test: its transport certificate" in client.stdout, \
        client.stdout + client.stderr
    assert not os.path.exists(os.path.join(w.dir, "finance-authority.db"))  # nothing written
    bridge = check("tocsin-bridge-email", "--config", "bridge-email.toml")
    assert bridge.returncode == 0 and "channel email" in bridge.stdout, bridge.stdout + bridge.stderr
    # What is wrong is named, exit 1.
    with open(os.path.join(w.dir, "finance-authority.toml")) as f:
        w._write("wrong-gateway.toml", f.read().replace('gateway = "gw.test"', 'gateway = "gw.other"'))
    wrong = check("tocsin-client", "run", "--config", "wrong-gateway.toml")
    assert wrong.returncode == 1 and "gateway gw.other" in wrong.stderr, wrong.stderr
    w._write("bad-policy.toml", "[[rule]]\nseverity = \"apocalyptic\"\n")
    with open(os.path.join(w.dir, "gateway.toml")) as f:
        w._write("bad-gateway.toml", f.read().replace('policy = "policy.toml"',
                                                       'policy = "bad-policy.toml"'))
    bad = check("tocsin-gateway", "--config", "bad-gateway.toml")
    assert bad.returncode == 1 and "bad-policy.toml" in bad.stderr, bad.stderr


def test_a_server_without_starttls_gets_nothing_unless_allowed(make):
    w = make()
    setup(w, starttls=False, max_attempts=2)
    w.issue("No TLS", agencies=["energy-authority"])
    w.wait_for(lambda: [o for _, o, _ in tasks(w)][:1] == [2], 20, "the e-mail given up")
    assert mails(w) == [], mails(w)
    assert "STARTTLS" in tasks(w)[0][2] or "SSL" in tasks(w)[0][2], tasks(w)

    w2 = make()
    setup(w2, starttls=False, allow_plaintext=True)
    w2.issue("Plain allowed", agencies=["energy-authority"])
    w2.wait_for(lambda: len(mails(w2)) >= 1, 20, "an e-mail over plain SMTP")
    assert not mails(w2)[0]["tls"]


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
