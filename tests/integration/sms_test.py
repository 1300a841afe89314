"""The SMS bridge with the real Kannel from Debian's packages: bearerbox and
smsbox with a fake SMSC connection driven by Kannel's own fakesmsc
(kannel-extras). The gateway's ladder queues an SMS; tocsin-bridge-sms hands
it to Kannel's sendsms interface; fakesmsc receives it (a notice, never the
directive's text) and Kannel's delivery report comes back to the ledger; the
duty officer's reply "ACK <code>", injected through fakesmsc, acknowledges the
directive by code; wrong codes and unknown phones do not, and repeated
attempts are rate-limited.

Usage: sms_test.py BIN_DIR"""

import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, free_port, run_tests  # noqa: E402

CALLBACK_SECRET = secrets.token_hex(32)

POLICY = """
[crisis_cell]
name = "Crisis desk"
email = "desk@centre.example"

[contacts.finance-authority]
duty_officer = { name = "Claire Martin", phone = "+33612345678" }

[[rule]]
severity = "critical"
ack_within = "1h"
steps = [
  { after = "1s", do = "sms" },
  { after = "1h", do = "crisis-cell" },
]
"""

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def start_kannel(w):
    ports = {name: free_port() for name in ("admin", "smsbox", "smsc", "sendsms", "listen")}
    w._write("kannel.conf", f"""
group = core
admin-port = {ports['admin']}
admin-password = {os.urandom(8).hex()}
admin-interface = 127.0.0.1
smsbox-port = {ports['smsbox']}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "bearerbox-kannel.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {ports['smsc']}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {ports['smsbox']}
sendsms-port = {ports['sendsms']}
sendsms-interface = 127.0.0.1
log-file = "smsbox-kannel.log"
log-level = 1

group = sendsms-user
username = tocsin
password = kannel-secret
max-messages = 3
concatenation = true

group = sms-service
keyword = default
get-url = "http://127.0.0.1:{ports['listen']}/mo?from=%p&text=%a&secret={CALLBACK_SECRET}"
max-messages = 0
catch-all = true
""")
    w._start("bearerbox", "/usr/sbin/bearerbox", "kannel.conf")
    w.wait_for(lambda: "Start-up done, entering mainloop" in w.log("bearerbox-kannel"), 15,
               "bearerbox listening for its smsbox")
    w._start("smsbox", "/usr/sbin/smsbox", "kannel.conf")
    log = open(os.path.join(w.dir, "fakesmsc.log"), "a")
    fake = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(ports["smsc"])], cwd=w.dir,
                            stdin=subprocess.PIPE, stdout=log, stderr=log, text=True)
    w.procs["fakesmsc"] = fake
    w.wait_for(lambda: "Fakesmsc client connected" in w.log("bearerbox-kannel") and
               "Client connected" in w.log("bearerbox-kannel"), 15, "Kannel up")
    return ports, fake


def setup(w):
    w._write("policy.toml", POLICY)
    bridge_port = free_port()
    with open(os.path.join(w.dir, "gateway.toml"), "a") as f:
        f.write(f'policy = "policy.toml"\nbridge_endpoint = "tcp://127.0.0.1:{bridge_port}"\n')
    w.tocsin("pki", "enroll", "--ca", "ca", "--id", "bridge.sms", "--role", "bridge",
             "--channel", "sms", "--out", "keys/bridge.sms")
    ports, fake = start_kannel(w)
    w._write("bridge-sms.toml", f"""
bundle = "keys/bridge.sms"
directory = "ca/public"
gateway = "{w.gateway_id}"
gateway_endpoint = "tcp://127.0.0.1:{bridge_port}"
database = "bridge-sms.db"
retry_initial_ms = 200
kannel_sendsms_url = "http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms"
kannel_username = "tocsin"
kannel_password = "kannel-secret"
sms_from = "TOCSIN"
listen_port = {ports['listen']}
callback_secret = "{CALLBACK_SECRET}"
log_format = "json"
""")
    w.listen_port = ports["listen"]
    w.start_gateway()
    w._start("bridge-sms", os.path.join(w.bin, "tocsin-bridge-sms"), "--config", "bridge-sms.toml")
    return fake


def received_sms(w):
    """MT messages as fakesmsc printed them, the parts of a concatenated one
    joined: [(from, to, text)]."""
    out = []
    for line in w.log("fakesmsc").splitlines():
        m = re.search(r"Got message \d+: <(\S+) (\S+) (?:text (.*)|udh (\S+) data (.*))>$", line)
        if not m:
            continue
        sender, to, plain, udh, data = m.groups()
        text = plain if plain is not None else urllib.parse.unquote_plus(data)
        if udh and not udh.endswith("%01") and out:   # a later part of the same SMS
            out[-1] = (out[-1][0], out[-1][1], out[-1][2] + text)
        else:
            out.append((sender, to, text))
    return out


def task_outcomes(w):
    con = sqlite3.connect(f"file:{os.path.join(w.dir, 'gateway.db')}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT outcome, detail FROM bridge_tasks ORDER BY id").fetchall()
    finally:
        con.close()


def code_attempts(w, phone):
    con = sqlite3.connect(f"file:{os.path.join(w.dir, 'gateway.db')}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT COUNT(*) FROM code_attempts WHERE phone = ?",
                           (phone,)).fetchone()[0]
    finally:
        con.close()


def reply(w, fake, sender, text):
    """One SMS from `sender`, once the bridge has stored it (fakesmsc takes one
    line per read of its standard input: one at a time)."""
    before = w.log("bridge-sms").count(f"from {sender}")
    fake.stdin.write(f"{sender} 1234 text {text}\n")
    fake.stdin.flush()
    w.wait_for(lambda: w.log("bridge-sms").count(f"from {sender}") > before, 10,
               f"the reply from {sender} at the bridge")


def test_sms_notice_delivery_report_and_acknowledgement_by_code(make):
    w = make()
    fake = setup(w)
    args = ["issue", *w._gateway_args("op.alice"), "--agency", "finance-authority",
            "--title", "Secret title", "--body", "Secret body", "--summary", "Clear summary",
            "--tlp", "AMBER+STRICT", "--severity", "critical", "--json"]
    d = json.loads(w.tocsin(*args).stdout)
    w.wait_for(lambda: len(received_sms(w)) == 1, 20, "the SMS at the fake SMSC")
    sender, to, text = received_sms(w)[0]
    assert (sender, to) == ("TOCSIN", "+33612345678"), (sender, to)
    assert "Secret" not in text and "Clear+summary" not in text and "Clear summary" not in text, text
    code = re.search(r"ACK[+ ](\d{8})", text).group(1)
    w.wait_for(lambda: task_outcomes(w)[0][0] == 3, 15, "the delivery report (delivered)")

    reply(w, fake, "+33699999999", f"ACK {code}")          # unknown phone
    # Wrong code, while the gateway is frozen: the bridge repeats the reply
    # every second until answered, and a repeat is not one more attempt.
    w.signal("gateway", signal.SIGSTOP)
    reply(w, fake, "+33612345678", "ACK 00000000")
    reference = re.findall(r"SMS reply (\d+) from \+33612345678", w.log("bridge-sms"))[-1]
    answered = f"gateway on SMS reply {reference}:"
    time.sleep(2.5)  # frozen for 2.5 s (the fault itself): the bridge repeats the reply meanwhile
    w.signal("gateway", signal.SIGCONT)
    # Answered at least twice: a repeat, queued behind the first, got through too.
    w.wait_for(lambda: w.log("bridge-sms").count(answered) >= 2, 10, "a repeat answered")
    assert code_attempts(w, "+33612345678") == 1, code_attempts(w, "+33612345678")
    assert w.states(d["id"])["finance-authority"] != "acknowledged"
    reply(w, fake, "+33612345678", f"ack {code}")           # right phone, right code
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "acknowledged", 15,
               "the acknowledgement by SMS code")
    row = [r for r in w.status(d["id"]) if r["agency"] == "finance-authority"][0]
    assert row["acknowledged_by"] == "SMS code from +33612345678", row
    assert row["evidence"] == "gateway-word", row  # nothing the agency signed backs it
    assert row["delivered_at"] is None, row    # no signed receipt: not 'delivered'
    assert "no matching code" in w.log("gateway")

    for _ in range(6):                                   # brute force: rate-limited
        reply(w, fake, "+33612345678", "ACK 11111111")
    w.wait_for(lambda: "too many attempts" in w.log("gateway"), 15, "the rate limit")


def test_a_revoked_agencys_codes_acknowledge_nothing(make):
    w = make()
    fake = setup(w)
    d = w.issue("to be acknowledged by SMS", agencies=["finance-authority"])
    w.wait_for(lambda: len(received_sms(w)) == 1, 20, "the SMS at the fake SMSC")
    code = re.search(r"ACK[+ ](\d{8})", received_sms(w)[0][2]).group(1)
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", "finance-authority")
    w.wait_for(lambda: "registry reloaded" in w.log("gateway"), 5, "gateway reload")
    reply(w, fake, "+33612345678", f"ACK {code}")
    w.wait_for(lambda: "no matching code" in w.log("gateway"), 10, "the refused code")
    assert w.states(d["id"])["finance-authority"] != "acknowledged"


def http_get(port, path):
    """A local user's request to the bridge's Kannel listener: the HTTP status."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def rss_kib(world, name):
    with open(f"/proc/{world.procs[name].pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def test_local_users_cannot_forge_or_starve_kannel_callbacks(make):
    w = make()
    fake = setup(w)
    listen = w.listen_port
    d = w.issue("forgery bait", agencies=["finance-authority"])
    w.wait_for(lambda: len(received_sms(w)) == 1, 20, "the SMS at the fake SMSC")
    code = re.search(r"ACK[+ ](\d{8})", received_sms(w)[0][2]).group(1)
    w.wait_for(lambda: task_outcomes(w)[0][0] == 3, 15, "the real delivery report")
    # Sequential task ids are no secret: without the task's token, nothing.
    assert http_get(listen, "/dlr?task=1&status=2") == 403
    assert http_get(listen, "/dlr?task=1&status=2&token=" + "0" * 32) == 403
    # A forged reply from the officer's number, six times: refused, no attempt counted.
    for _ in range(6):
        assert http_get(listen, "/mo?from=%2B33612345678&text=ACK+00000000") == 403
    # Refused before storing (403 is the bridge's answer): nothing can reach the gateway.
    assert "refused an SMS reply without the callback secret" in w.log("bridge-sms")
    assert code_attempts(w, "+33612345678") == 0
    assert task_outcomes(w)[0][0] == 3, task_outcomes(w)
    # Slow local clients, one header byte every 0.5 s (inside any read timeout),
    # more of them than a small worker pool: they hold nothing back, and each
    # is cut at its total deadline.
    slow = [socket.create_connection(("127.0.0.1", listen)) for _ in range(40)]
    stop = threading.Event()
    trickling = threading.Event()
    cut = set()

    def trickle():
        while not stop.wait(0.5):
            for i, s in enumerate(slow):
                try:
                    s.send(b"G")
                except OSError:
                    cut.add(i)
            trickling.set()
    t = threading.Thread(target=trickle)
    t.start()
    try:
        assert trickling.wait(5), "the slow clients never sent"
        reply(w, fake, "+33612345678", f"ACK {code}")
        w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "acknowledged", 15,
                   "the genuine reply through Kannel, past the slow clients")
        w.wait_for(lambda: len(cut) == len(slow), 15, "every slow client cut at its deadline")
    finally:
        stop.set()
        t.join()
        for s in slow:
            s.close()
    # Endless header lines (cpp-httplib, the listener before, read them without
    # a limit: four such clients took a bridge to 1.85 GB): answered 431 at
    # 2 KiB, and the bridge's memory does not grow with what they send.
    before = rss_kib(w, "bridge-sms")
    flooders = [socket.create_connection(("127.0.0.1", listen)) for _ in range(4)]
    outcomes = []
    for f in flooders:
        f.settimeout(5)
        f.sendall(b"GET /mo HTTP/1.1\r\nX-Flood: ")
        cut = False
        try:
            for _ in range(64):
                f.send(b"a" * 65536)
        except OSError:
            cut = True  # the server closed on it: what a flooder should see
        try:
            answer = f.recv(64)
        except OSError:
            answer = b""  # a reset may overtake the 431
        outcomes.append((cut, answer))
        f.close()
    assert all(cut or answer.startswith(b"HTTP/1.1 431") for cut, answer in outcomes), outcomes
    assert rss_kib(w, "bridge-sms") < before + 16 * 1024, (before, rss_kib(w, "bridge-sms"))
    assert "refused a delivery report without its task's token" in w.log("bridge-sms")
    assert "the Kannel listener: cut " in w.log("bridge-sms") and "still open after 1000 ms" in w.log("bridge-sms")


def test_a_bridge_refuses_a_configuration_others_can_read(make):
    w = make()
    setup(w)
    w.stop("bridge-sms")
    os.chmod(os.path.join(w.dir, "bridge-sms.toml"), 0o644)
    result = w.run(os.path.join(w.bin, "tocsin-bridge-sms"), "--config", "bridge-sms.toml",
                   check=False, timeout=10)
    assert result.returncode == 1, result
    assert "holds secrets but has mode 0644" in result.stderr, result.stderr
    assert "chmod 600" in result.stderr, result.stderr


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
