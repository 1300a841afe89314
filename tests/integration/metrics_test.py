"""Every daemon's Prometheus metrics, scraped over real HTTP (urllib) from
its loopback port: the gateway's while a directive moves through its states,
an agency client's and the e-mail bridge's (issue 12).

Usage: metrics_test.py BIN_DIR"""

import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import zmq  # noqa: E402
import zmq.utils.z85  # noqa: E402
from harness import Failure, free_port, run_tests  # noqa: E402
from bridge_test import setup as setup_email_bridge, start_bridge  # noqa: E402
from security_test import Peer, enrolled_peer, hello, public_of, still_serving  # noqa: E402

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf'^({NAME})(?:\{{((?:{NAME}="(?:[^"\\]|\\.)*",?)*)\}})? (\S+)$')
LABEL = re.compile(rf'({NAME})="((?:[^"\\]|\\.)*)"')


def parse(text):
    """Parses the text format strictly: every sample belongs to a family
    declared with # HELP and # TYPE before it. Returns {(name, labels): value}."""
    types, helps, samples = {}, set(), {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            helps.add(line.split(" ", 3)[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            if kind not in ("counter", "gauge", "histogram"):
                raise Failure(f"line {number}: unknown type {kind}")
            if name not in helps:
                raise Failure(f"line {number}: # TYPE {name} without # HELP")
            types[name] = kind
        else:
            match = SAMPLE.match(line)
            if not match:
                raise Failure(f"line {number}: not a sample: {line!r}")
            name, labels, value = match.groups()
            family = re.sub(r"_(bucket|sum|count)$", "", name) \
                if re.sub(r"_(bucket|sum|count)$", "", name) in types else name
            if family not in types:
                raise Failure(f"line {number}: {name} has no # TYPE")
            key = (name, tuple(sorted(LABEL.findall(labels or ""))))
            if key in samples:
                raise Failure(f"line {number}: {key} twice")
            samples[key] = float(value)
    return samples


class Scraper:
    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}/metrics"

    def scrape(self):
        with urllib.request.urlopen(self.url, timeout=10) as answer:
            if answer.status != 200:
                raise Failure(f"GET /metrics answered {answer.status}")
            kind = answer.headers["Content-Type"]
            if not kind.startswith("text/plain; version=0.0.4"):
                raise Failure(f"Content-Type {kind}")
            return parse(answer.read().decode())

    def value(self, name, **labels):
        return self.scrape().get((name, tuple(sorted(labels.items()))))

    def try_value(self, name, **labels):
        """The value, or None when the scrape failed (a connection cut)."""
        try:
            return self.value(name, **labels)
        except OSError:
            return None


def with_metrics(w, listen=None):
    port = free_port()
    with open(os.path.join(w.dir, "gateway.toml"), "a") as f:
        f.write(f'metrics_listen = "{listen or f"127.0.0.1:{port}"}"\n')
    return Scraper(port)


def wait_value(w, scraper, expected, name, **labels):
    w.wait_for(lambda: scraper.try_value(name, **labels) == expected, 15,
               f"{name}{labels} == {expected} (last {scraper.try_value(name, **labels)})")


def test_a_directive_moves_through_its_states_in_the_metrics(make):
    w = make()
    scraper = with_metrics(w)
    w.start_gateway()
    w.start_client("finance-authority")
    wait_value(w, scraper, 1, "tocsin_agencies_connected")
    m = scraper.scrape()
    assert m[("tocsin_agencies_enrolled", ())] == 3, m
    assert m[("tocsin_deliveries", (("state", "pending"),))] == 0, m
    assert m[("tocsin_crl_current_until_timestamp_seconds", ())] > time.time(), m
    info = [labels for (name, labels) in m if name == "tocsin_build_info"]
    assert len(info) == 1 and dict(info[0])["program"] == "tocsin-gateway", info
    d = w.issue("Metered", agencies=["finance-authority", "energy-authority"])
    # finance holds it, energy is not connected: its delivery waits.
    wait_value(w, scraper, 1, "tocsin_deliveries", state="delivered")
    m = scraper.scrape()
    assert m[("tocsin_deliveries", (("state", "sent"),))] + \
        m[("tocsin_deliveries", (("state", "pending"),))] == 1, m
    assert m[("tocsin_directives_accepted_total", ())] == 1, m
    assert m[("tocsin_receipt_latency_seconds_count", ())] == 1, m
    assert m[("tocsin_receipt_latency_seconds_bucket", (("le", "+Inf"),))] == 1, m
    w.start_client("energy-authority")
    wait_value(w, scraper, 2, "tocsin_deliveries", state="delivered")
    assert scraper.value("tocsin_directives", state="delivered") == 1
    assert scraper.value("tocsin_agencies_connected") == 2
    w.ack("finance-authority", d["id"], "Duty officer")
    w.ack("energy-authority", d["id"], "Duty officer")
    wait_value(w, scraper, 2, "tocsin_deliveries", state="acknowledged")
    m = scraper.scrape()
    assert m[("tocsin_directives", (("state", "acknowledged"),))] == 1, m
    assert m[("tocsin_acknowledgement_latency_seconds_count", ())] == 2, m
    assert m[("tocsin_deliveries", (("state", "delivered"),))] == 0, m
    # The audit log and its checkpoint follow.
    w.wait_for(lambda: scraper.value("tocsin_audit_checkpoint_entries") ==
               scraper.value("tocsin_audit_log_entries"), 10, "a checkpoint of the whole log")
    assert scraper.value("tocsin_audit_checkpoint_timestamp_seconds") > time.time() - 60


def with_daemon_metrics(w, config):
    port = free_port()
    with open(os.path.join(w.dir, config), "a") as f:
        f.write(f'metrics_listen = "127.0.0.1:{port}"\n')
    return Scraper(port)


def test_the_client_and_the_bridge_serve_their_own_metrics(make):
    w = make()
    client = with_daemon_metrics(w, "finance-authority.toml")
    w.start_gateway()
    w.start_client("finance-authority")
    wait_value(w, client, 1, "tocsin_client_gateway_live")
    assert client.value("tocsin_client_gateway_trusted") == 1
    d = w.issue("Held by the agency", agencies=["finance-authority"])
    wait_value(w, client, 1, "tocsin_client_directives_unacknowledged")
    assert client.value("tocsin_client_directives_stored") == 1
    w.ack("finance-authority", d["id"], "Duty officer")
    wait_value(w, client, 0, "tocsin_client_directives_unacknowledged")
    wait_value(w, client, 0, "tocsin_client_confirmations_pending")
    w.stop("gateway")  # the agency sees the silence
    wait_value(w, client, 0, "tocsin_client_gateway_live")
    assert client.value("tocsin_client_freeze_alarms_total") >= 1

    w = make()
    setup_email_bridge(w)
    w.stop("bridge-email")
    bridge = with_daemon_metrics(w, "bridge-email.toml")
    start_bridge(w)
    wait_value(w, bridge, 1, "tocsin_bridge_linked")
    assert bridge.value("tocsin_bridge_messages_total", event="sent") == 0
    w.issue("Escalated", agencies=["energy-authority"])  # nobody answers: e-mails go out
    w.wait_for(lambda: (bridge.try_value("tocsin_bridge_messages_total", event="sent") or 0) >= 1, 20,
               "an e-mail counted as sent")
    w.wait_for(lambda: (bridge.value("tocsin_bridge_queue_tasks", outcome="sent") or 0) >= 1, 10,
               "the queue showing a sent task")


def events(w, name):
    text = w.log(name)
    complete = text[:text.rfind("\n") + 1]  # a line still being written is read next time
    lines = [json.loads(line) for line in complete.splitlines() if line.startswith("{")]
    for line in lines:
        missing = {"time_ms", "level", "program", "message"} - set(line)
        assert not missing, f"a {name} line without {missing}: {line}"
    return [line for line in lines if "event" in line]


def test_json_log_lines_carry_stable_event_fields(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Logged", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "delivery")
    w.stop("finance-authority")
    w.wait_for(lambda: any(e["event"] == "agency_disconnected" for e in events(w, "gateway")), 10,
               "the disconnect logged")
    gateway = events(w, "gateway")
    accepted = [e for e in gateway if e["event"] == "directive_accepted"]
    assert accepted and accepted[0]["directive"] == d["id"] and accepted[0]["issuer"] == "op.alice" \
        and accepted[0]["recipients"] == 1, accepted
    connected = [e for e in gateway if e["event"] == "agency_connected"]
    assert connected and connected[0]["agency"] == "finance-authority" \
        and isinstance(connected[0]["sent"], int), connected
    gone = [e for e in gateway if e["event"] == "agency_disconnected"]
    assert gone[0]["agency"] == "finance-authority", gone
    client = events(w, "finance-authority")
    assert any(e["event"] == "gateway_connected" and e["gateway"] == w.gateway_id for e in client), \
        client


def test_refused_handshakes_and_messages_are_counted(make):
    w = make()
    scraper = with_metrics(w)
    w.start_gateway()
    stranger_public, stranger_secret = zmq.curve_keypair()
    stranger = Peer(w, public=zmq.utils.z85.decode(stranger_public),
                    secret=zmq.utils.z85.decode(stranger_secret), server=public_of(w, w.gateway_id))
    stranger.send(hello("finance-authority"))
    w.wait_for(lambda: scraper.value("tocsin_handshakes_refused_total", reason="key") >= 1, 10,
               "the stranger's handshake counted")
    # The ZAP thread counts the refusal, then writes its line: wait for both.
    w.wait_for(lambda: '"event":"handshakes_refused"' in w.log("gateway"), 10,
               "the refusal's log line")
    refused = [e for e in events(w, "gateway") if e["event"] == "handshakes_refused"]
    assert refused and refused[0]["domain"] == "tocsin-agency" and refused[0]["count"] >= 1 \
        and refused[0]["reason"], refused
    garbage = enrolled_peer(w, "finance-authority")
    garbage.send(b"\xc1 not msgpack")
    w.wait_for(lambda: scraper.value("tocsin_messages_refused_total", reason="malformed") == 1, 10,
               "the malformed message counted")
    for peer in (stranger, garbage):
        peer.close()


def test_the_endpoint_is_loopback_only_bounded_and_serves_nothing_else(make):
    w = make()
    with_metrics(w, listen="0.0.0.0:9464")
    result = w.run(os.path.join(w.bin, "tocsin-gateway"), "--config", "gateway.toml",
                   "--check-config", check=False)
    assert result.returncode != 0, result
    assert "not a loopback address" in result.stderr, result.stderr
    w = make()
    scraper = with_metrics(w)
    w.start_gateway()
    port = int(scraper.url.split(":")[2].split("/")[0])
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        raise Failure("GET / answered")
    except urllib.error.HTTPError as e:
        assert e.code == 404, e
    # Idle connections that never send a request: below the cap of 4 they
    # hold nothing back; beyond it, they are closed 2 s after their accept,
    # and the broker itself serves on meanwhile.
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    assert scraper.value("tocsin_agencies_enrolled") == 3
    idle += [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    w.start_client("finance-authority")
    still_serving(w)
    w.wait_for(lambda: scraper.try_value("tocsin_agencies_enrolled") == 3, 15,
               "a scrape once the idle connections are cut")
    for s in idle:
        s.close()
    w.wait_for(lambda: (scraper.try_value("tocsin_metrics_refused_total") or 0) >= 4, 15,
               "the idle connections that held a slot cut and counted")
    # A request that never ends its headers is answered 431 after 2 KiB:
    # nothing a client sends makes the daemon hold more.
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nX-Padding: " + b"a" * 2100)
        s.settimeout(5)
        answer = s.recv(200)
    assert answer.startswith(b"HTTP/1.1 431"), f"a 2 KiB header answered {answer!r}"
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /metrics HTTP/1.1\r\n\r\n")
        s.settimeout(5)
        assert s.recv(200).startswith(b"HTTP/1.1 405")
    assert w.procs["gateway"].poll() is None
    assert "metrics on http://127.0.0.1:" in w.log("gateway")


if __name__ == "__main__":
    sys.exit(run_tests([
        test_a_directive_moves_through_its_states_in_the_metrics,
        test_the_client_and_the_bridge_serve_their_own_metrics,
        test_json_log_lines_carry_stable_event_fields,
        test_refused_handshakes_and_messages_are_counted,
        test_the_endpoint_is_loopback_only_bounded_and_serves_nothing_else,
    ], sys.argv[1]))
