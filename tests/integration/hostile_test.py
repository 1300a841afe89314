"""Insiders against the real gateway (SECURITY.md 37, 38): an agency whose key
is in an attacker's hands floods receipts, opens connections it never uses,
sends garbage and tries to take its own route from its real daemon; none of
it may deny service to anyone else, fill the log, or move a route. And the
network between them: one corrupted byte on an established link must not cut
an agency off for good (SECURITY.md 44).

Usage: hostile_test.py BIN_DIR   (needs python3-zmq)"""

import multiprocessing
import os
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import sys
import time

import zmq
import zmq.utils.z85

sys.path.insert(0, os.path.dirname(__file__))
from harness import CorruptingRelay, free_port, run_tests  # noqa: E402
from sms_test import POLICY as SMS_POLICY  # noqa: E402
from security_test import Peer, enrolled_peer, hello, public_of, raw_x25519_key, still_serving  # noqa: E402

STATUS_REQUEST_ALL = bytes([0x95, 0x03, 0x08, 0xc4, 0x02, 0x91, 0xc0, 0x90, 0xc0])


class Operator:
    """op.alice's CURVE connection to the operator endpoint, timing status requests."""

    def __init__(self, world, reconnect_ms=100):
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.RECONNECT_IVL, reconnect_ms)
        self.socket.curve_publickey = zmq.utils.z85.encode(public_of(world, "op.alice"))
        self.socket.curve_secretkey = zmq.utils.z85.encode(
            raw_x25519_key(os.path.join(world.dir, "keys/op.alice/transport.key")))
        self.socket.curve_serverkey = zmq.utils.z85.encode(public_of(world, world.gateway_id))
        self.socket.connect(f"tcp://127.0.0.1:{world.operator_port}")

    def round_trip(self):
        started = time.perf_counter()
        self.socket.send(STATUS_REQUEST_ALL)
        if not self.socket.poll(5000):
            raise AssertionError("no status report within 5 s")
        reply = self.socket.recv()
        assert reply[:3] == b"\x95\x03\x09", reply[:8]
        return time.perf_counter() - started

    def latencies(self, count):
        return sorted(self.round_trip() for _ in range(count))

    def close(self):
        self.socket.close()
        self.context.term()


def gateway_rss_kib(world):
    with open(f"/proc/{world.procs['gateway'].pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def gateway_descriptors(world):
    return len(os.listdir(f"/proc/{world.procs['gateway'].pid}/fd"))


def gateway_cpu_ticks(world):
    with open(f"/proc/{world.procs['gateway'].pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_until_gateway_idle(world, timeout=15):
    """Until the gateway has used no CPU for half a second: its queues are drained."""
    samples = []

    def idle():
        samples.append(gateway_cpu_ticks(world))
        return len(samples) >= 6 and samples[-1] == samples[-6]
    world.wait_for(idle, timeout, "the gateway to drain what it was sent")


PROOF_REQUEST_0_OF_6 = bytes([0x95, 0x03, 0x0d, 0xc4, 0x03, 0x92, 0x00, 0x06, 0x90, 0xc0])


def wait_until_read_up_to_here(world, peer, timeout=20):
    """Until the gateway answers a proof request sent after everything else.

    One connection's messages arrive in order, so an answer means the gateway
    has read all the peer sent before; requests the flood's throttle drops are
    simply asked again.
    """
    def answered():
        peer.socket.send(PROOF_REQUEST_0_OF_6)
        return any(m[0][:3] == b"\x95\x03\x0e" for m in peer.receive_all(0.2))
    world.wait_for(answered, timeout, "an answer after everything the peer sent")


def stop_line(world):
    world.stop("gateway")
    return next(l for l in world.log("gateway").splitlines() if "stopping:" in l)


def test_a_receipt_replay_flood_does_not_stall_the_others(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    w.start_client("energy-authority")
    d = w.issue("flood bait", agencies=["energy-authority", "finance-authority"])
    w.wait_for(lambda: set(w.states(d["id"]).values()) == {"delivered"}, 10, "both delivered")
    with sqlite3.connect(os.path.join(w.dir, "gateway.db")) as db:
        wire = db.execute("SELECT wire FROM receipts WHERE agency='energy-authority'").fetchone()[0]
    operator = Operator(w)
    operator.latencies(5)  # warm up
    quiet = operator.latencies(40)
    rss_before = gateway_rss_kib(w)

    # energy's key, in the attacker's hands: a valid hello, then its own
    # valid receipt as fast as the socket takes it, from a process of its own
    # (in this one it would compete with the measurement for the interpreter).
    sent = multiprocessing.Value("l", 0)
    flooding = multiprocessing.Event()
    flooding.set()

    def flood():
        attacker = enrolled_peer(w, "energy-authority")
        attacker.socket.setsockopt(zmq.SNDHWM, 0)
        attacker.socket.send(hello("energy-authority"))  # blocks until connected
        count = 0
        while flooding.is_set():
            try:
                attacker.socket.send(wire, flags=zmq.NOBLOCK)
                count += 1
            except zmq.Again:
                attacker.socket.poll(10, zmq.POLLOUT)  # until the queue takes more
        sent.value = count
        attacker.close()
    flooder = multiprocessing.get_context("fork").Process(target=flood)
    flooder.start()
    flood_started = time.monotonic()
    try:
        w.wait_for(lambda: "throttling energy-authority" in w.log("gateway"), 10,
                   "the flood reaching the gateway")
        flooded = operator.latencies(40)
        d2 = w.issue("during the flood", agencies=["finance-authority"])
        w.wait_for(lambda: w.states(d2["id"])["finance-authority"] == "delivered", 5,
                   "delivery to another agency during the flood")
    finally:
        flooding.clear()
        flood_seconds = time.monotonic() - flood_started
        flooder.join(10)
    rss_after = gateway_rss_kib(w)
    operator.close()
    q50, f50 = statistics.median(quiet), statistics.median(flooded)
    q90, f90 = quiet[int(len(quiet) * 0.9)], flooded[int(len(flooded) * 0.9)]
    print(f"  flood: {sent.value} receipts sent; status round trip p50 {q50 * 1e3:.2f} -> "
          f"{f50 * 1e3:.2f} ms, p90 {q90 * 1e3:.2f} -> {f90 * 1e3:.2f} ms; "
          f"RSS {rss_before} -> {rss_after} KiB", flush=True)
    assert sent.value > 20000, f"the flood was too weak to mean anything ({sent.value} receipts)"
    # Not a speed test (the figures above are printed for the record): a
    # gateway that let one peer's queue starve the others would answer in
    # seconds. The bounds sit far above a loaded 2-core CI machine's noise
    # (p90 1.1 ms there) and far below a stall.
    assert f50 <= 4 * q50 + 0.020, f"p50 {q50 * 1e3:.2f} -> {f50 * 1e3:.2f} ms"
    assert f90 <= 0.250, f"p90 {q90 * 1e3:.2f} -> {f90 * 1e3:.2f} ms"
    if "ASAN_OPTIONS" in os.environ:  # AddressSanitizer's quarantine holds freed memory
        print("  (RSS not checked under AddressSanitizer)", flush=True)
    else:
        assert rss_after - rss_before < 20 * 1024, f"RSS grew {rss_before} -> {rss_after} KiB"
    assert "FREEZE ALARM" not in w.log("finance-authority")
    line = stop_line(w)
    throttled = int(re.search(r"(\d+) throttled", line).group(1))
    repeats = int(re.search(r"\((\d+) repeats answered from memory\)", line).group(1))
    # The budget's worth answered from memory (a burst of 1,000, then 200 a
    # second: gateway/peer_accounting.h), everything beyond it dropped unread.
    # How much the gateway reads and drops depends on its build's speed, so
    # the bound is on what it answered, not on a ratio.
    budget = 1000 + 200 * flood_seconds + 50
    assert 1 <= repeats <= budget, f"{repeats} answered in {flood_seconds:.1f} s: {line}"
    assert throttled > repeats, line


def test_connections_that_never_say_hello_cannot_exhaust_descriptors(make):
    w = make()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))  # our own 1,100 sockets
    # The gateway starts with the 1,024 descriptors a service gets by default.
    w.start_gateway(preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard)))
    assert "descriptor limit raised" in w.log("gateway"), w.log("gateway")
    context = zmq.Context()
    context.set(zmq.MAX_SOCKETS, 4096)
    key_public = zmq.utils.z85.encode(public_of(w, "energy-authority"))
    key_secret = zmq.utils.z85.encode(
        raw_x25519_key(os.path.join(w.dir, "keys/energy-authority/transport.key")))
    server = zmq.utils.z85.encode(public_of(w, w.gateway_id))
    sockets = []
    before = gateway_descriptors(w)
    try:
        for _ in range(1100):
            s = context.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RECONNECT_IVL, 60000)  # one connection each, never redialled
            s.curve_publickey, s.curve_secretkey, s.curve_serverkey = key_public, key_secret, server
            s.connect(f"tcp://127.0.0.1:{w.client_port}")
            sockets.append(s)
        # The flood is in: the key's handshake budget (16) is spent on open connections.
        w.wait_for(lambda: gateway_descriptors(w) >= before + 16, 10, "the idle connections")
        w.start_client("finance-authority")
        still_serving(w)
        # Every idle authenticated connection is cut within its hello deadline.
        w.wait_for(lambda: "no valid first message in time" in w.log("gateway"), 12, "idle connections cut")
        w.wait_for(lambda: gateway_descriptors(w) < 100, 5, "their descriptors closed")
    finally:
        for s in sockets:
            s.close()
        context.term()
    line = stop_line(w)
    fast = int(re.search(r"ZAP refused \d+ handshakes \((\d+) too fast\)", line).group(1))
    assert fast > 1000, line


def test_idle_operator_connections_are_cut_too(make):
    w = make()
    w.start_gateway()
    # op.alice's key, never a request, and never redialled once cut
    before = gateway_descriptors(w)
    operators = [Operator(w, reconnect_ms=60000) for _ in range(30)]
    try:
        w.wait_for(lambda: gateway_descriptors(w) >= before + 30, 10, "the idle connections")
        busy = gateway_descriptors(w)
        w.wait_for(lambda: "operator connection(s): no valid first message in time"
                   in w.log("gateway"), 10, "idle operator connections cut")
        w.wait_for(lambda: gateway_descriptors(w) <= busy - 25, 5, "their descriptors closed")
        assert Operator(w).round_trip() < 5  # a new request is served
    finally:
        for o in operators:
            o.close()


def test_garbage_from_one_peer_is_counted_not_logged_line_by_line(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    peer = enrolled_peer(w, "energy-authority")
    peer.socket.setsockopt(zmq.SNDHWM, 0)
    peer.socket.send(hello("energy-authority"))  # blocks until connected: nothing is dropped
    assert peer.socket.poll(5000), "no checkpoint after the hello"  # the gateway has us
    for i in range(10000):
        peer.socket.send(b"\xc1garbage" + i.to_bytes(4, "big"))  # no high-water mark: queued
    w.wait_for(lambda: "refused message from energy-authority" in w.log("gateway"), 10,
               "the garbage at the gateway")
    # The peer stays open until the gateway has read everything: closing a
    # socket with unread answers in it resets the connection, and a reset
    # discards what the gateway's kernel still holds unread.
    wait_until_read_up_to_here(w, peer)
    still_serving(w)
    line = stop_line(w)
    peer.close()
    log = w.log("gateway")
    about_energy = [l for l in log.splitlines() if "energy-authority" in l and "refus" in l]
    counted = sum(int(re.search(rf"(\d+) {kind}", line).group(1))
                  for kind in ("malformed", "throttled"))
    assert counted >= 10000, line  # every one, read in order before the answer
    assert len(about_energy) <= 6, "\n".join(about_energy[:10])


def test_a_second_connection_with_an_agency_key_takes_no_route(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("first", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "finance")
    # finance's key on a second connection: everything but a valid hello.
    intruder = enrolled_peer(w, "finance-authority")
    intruder.send(b"\x95\x03\x02\xc4\x01\x00\x91")    # a truncated receipt
    intruder.send(hello("energy-authority"))         # a hello naming another agency
    intruder.send(b"\x92\x01")                        # garbage
    w.wait_for(lambda: "refused message from finance-authority" in w.log("gateway"), 5,
               "the intruder's messages at the gateway")
    d2 = w.issue("second", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d2["id"])["finance-authority"] == "delivered", 5,
               "the real daemon keeps its route")
    got = intruder.receive_all(0.5)
    intruder.close()
    directives = [m for m in got if len(m[0]) > 4 and m[0][2] == 0x01]
    assert not directives, "the second connection received a directive"




def bridge_hello(channel):
    body = bytes([0x92, 0x01, 0xa0 + len(channel)]) + channel.encode()
    return bytes([0x95, 0x03, 0x0b, 0xc4, len(body)]) + body + bytes([0x90, 0xc0])


def is_task(frames):
    """A bridge envelope [3, 11, bin([2, task, ...]), [], nil]."""
    m = frames[0]
    return len(m) > 6 and m[:3] == b"\x95\x03\x0b" and m[5] == 0x02


def with_bridges(w):
    w._write("policy.toml", SMS_POLICY)
    w.bridge_port = free_port()
    with open(os.path.join(w.dir, "gateway.toml"), "a") as f:
        f.write(f'policy = "policy.toml"\nbridge_endpoint = "tcp://127.0.0.1:{w.bridge_port}"\n')
    for bridge, channel in (("bridge.mail", "email"), ("bridge.sms", "sms")):
        w.tocsin("pki", "enroll", "--ca", "ca", "--id", bridge, "--role", "bridge",
                 "--channel", channel, "--out", "keys/" + bridge)


def bridge_peer(w, bridge):
    peer = enrolled_peer(w, bridge)
    peer.socket.disconnect(f"tcp://127.0.0.1:{w.client_port}")
    peer.socket.connect(f"tcp://127.0.0.1:{w.bridge_port}")
    return peer


def test_a_bridge_serves_only_the_channel_it_is_enrolled_for(make):
    w = make()
    with_bridges(w)
    w.start_gateway()
    w.start_client("finance-authority")
    impostor = bridge_peer(w, "bridge.mail")  # the e-mail bridge's key claims the SMS route
    impostor.send(bridge_hello("sms"))
    w.wait_for(lambda: "hello for channel 'sms', but enrolled for 'email'" in w.log("gateway"), 5,
               "the refused hello")
    w.issue("needs an SMS", agencies=["finance-authority"])
    got = impostor.receive_all(2.5)  # the ladder's SMS step is due after 1 s
    impostor.close()
    assert not [m for m in got if is_task(m)], "the e-mail bridge received an SMS task"


def test_a_revoked_bridge_loses_its_route_at_once(make):
    w = make()
    with_bridges(w)
    w.start_gateway()
    w.start_client("finance-authority")
    bridge = bridge_peer(w, "bridge.sms")
    bridge.send(bridge_hello("sms"))
    w.wait_for(lambda: "sms bridge bridge.sms connected" in w.log("gateway"), 5, "its route")
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", "bridge.sms")
    w.wait_for(lambda: "registry reloaded" in w.log("gateway"), 5, "gateway reload")
    w.issue("needs an SMS", agencies=["finance-authority"])
    got = bridge.receive_all(2.5)
    bridge.close()
    assert not [m for m in got if is_task(m)], "the revoked bridge received an SMS task"
    assert "no longer enrolled for it: route dropped" in w.log("gateway")


def test_only_its_signers_follow_a_directive_up(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("alice's", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "delivery")
    bob = w.tocsin("update", d["id"], *w._gateway_args("op.bob"), "--title", "bob's rewrite",
                   "--body", "x", check=False)
    assert bob.returncode == 1 and "only its signers (op.alice)" in bob.stderr, bob.stderr
    cancel = w.tocsin("cancel", d["id"], *w._gateway_args("op.alice"), "--json")
    c = __import__("json").loads(cancel.stdout)
    again = w.tocsin("cancel", c["id"], *w._gateway_args("op.alice"), check=False)
    assert again.returncode == 1 and "a cancel cannot be followed up" in again.stderr, again.stderr
    w.wait_for(lambda: w.states(c["id"])["finance-authority"] == "delivered", 10, "the cancel")
    titles = [e["title"] for e in w.inbox("finance-authority")]
    assert "bob's rewrite" not in titles, titles


def test_an_older_crl_put_back_is_refused_everywhere(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    w.start_client("energy-authority")
    old = os.path.join(w.dir, "old-crl.pem")
    crl = os.path.join(w.dir, "ca/public/crl.pem")
    shutil.copy(crl, old)  # still valid, and lists nobody
    w.wait_for(lambda: "connected to gateway" in w.log("finance-authority"), 5, "finance up")
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", "energy-authority")
    w.wait_for(lambda: "registry reloaded" in w.log("gateway"), 5, "gateway reload")
    w.wait_for(lambda: "CA folder reloaded" in w.log("finance-authority"), 5, "client reload")
    shutil.copy(old, crl)  # a local user rolls the revocation back
    w.wait_for(lambda: "older than number" in w.log("gateway"), 5, "the gateway's refusal")
    w.wait_for(lambda: "older than number" in w.log("finance-authority"), 5,
               "the client's refusal")
    assert w.issue("to the revoked", agencies=["energy-authority"], check=False) is None
    refused = w.tocsin("pki", "crl", "--ca", "ca", check=False)  # nor does the CA build on it
    assert refused.returncode == 1 and "is not the CRL this CA last issued" in refused.stderr, refused.stderr
    still_serving(w)


def test_a_running_client_stops_trusting_a_revoked_gateway(make):
    w = make(alarm_ms=1500)
    w.start_gateway()
    w.start_client("finance-authority")
    still_serving(w)  # the client runs, and trusts its gateway
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", w.gateway_id)
    w.wait_for(lambda: "is no longer trusted" in w.log("finance-authority"), 5,
               "the client's reload")
    w.wait_for(lambda: "FREEZE ALARM" in w.log("finance-authority"), 6,
               "the revoked gateway's heartbeats refused")


def test_a_running_bridge_stops_trusting_a_revoked_gateway(make):
    w = make()
    with_bridges(w)
    w._write("bridge-email.toml", f"""
bundle = "keys/bridge.mail"
directory = "ca/public"
gateway = "{w.gateway_id}"
gateway_endpoint = "tcp://127.0.0.1:{w.bridge_port}"
database = "bridge-email.db"
smtp_url = "smtp://localhost:{free_port()}"
smtp_from = "tocsin@centre.example"
log_format = "json"
""")
    w.start_gateway()
    w._start("bridge-email", os.path.join(w.bin, "tocsin-bridge-email"), "--config",
             "bridge-email.toml")
    w.wait_for(lambda: "email bridge bridge.mail connected" in w.log("gateway"), 10,
               "the bridge's hello")
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", w.gateway_id)
    w.wait_for(lambda: "is no longer trusted" in w.log("bridge-email"), 5, "the bridge's reload")


def test_one_corrupted_byte_on_the_link_does_not_cut_an_agency_off(make):
    w = make()
    w.start_gateway()
    relay = CorruptingRelay(w.client_port)
    try:
        path = os.path.join(w.dir, "finance-authority.toml")
        with open(path) as f:
            config = f.read().replace(f"127.0.0.1:{w.client_port}", f"127.0.0.1:{relay.port}")
        with open(path, "w") as f:
            f.write(config)
        w.start_client("finance-authority")
        d = w.issue("before", agencies=["finance-authority"])
        w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "delivery")
        relay.armed.set()  # the next heartbeat, at the latest, is corrupted
        w.wait_for(relay.corrupted.is_set, 10, "a corrupted frame")
        w.wait_for(lambda: "rebuilding the connection" in w.log("finance-authority"), 20,
                   "the client rebuilding its link")
        assert "bytes damaged on the way" in w.log("finance-authority")  # and why
        d2 = w.issue("after", agencies=["finance-authority"])
        w.wait_for(lambda: w.states(d2["id"])["finance-authority"] == "delivered", 30,
                   "delivery over the rebuilt link")
        assert relay.connections >= 2, relay.connections
    finally:
        relay.close()


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
