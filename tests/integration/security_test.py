"""Hostile peers against the real gateway: unknown keys, NULL and PLAIN
peers, wrong server key, routing-id squatting, oversized and malformed
messages, a flood of idle connections, and revocation of a connected agency.
Everyone else must keep being served.

Usage: security_test.py BIN_DIR   (needs python3-zmq)"""

import base64
import hashlib
import os
import re
import socket
import subprocess
import sys
import time

import zmq
import zmq.utils.z85

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_tests  # noqa: E402


def raw_x25519_key(path):
    """The 32-byte key inside a PKCS#8 X25519 PEM file."""
    with open(path) as f:
        der = base64.b64decode("".join(l for l in f if not l.startswith("-----")))
    return der[-32:]


def public_of(world, principal):
    """The CURVE public key of `principal`, from its transport certificate."""
    out = world.run("openssl", "x509", "-in", f"keys/{principal}/transport.crt", "-noout",
                    "-pubkey").stdout
    der = base64.b64decode("".join(l for l in out.splitlines() if not l.startswith("-----")))
    return der[-32:]


class Peer:
    """A DEALER on the agency endpoint, configured as the test says."""

    def __init__(self, world, public=None, secret=None, server=None, plain=None, routing_id=None):
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        if routing_id:
            self.socket.setsockopt(zmq.ROUTING_ID, routing_id)
        if public:
            self.socket.curve_publickey = zmq.utils.z85.encode(public)
            self.socket.curve_secretkey = zmq.utils.z85.encode(secret)
            self.socket.curve_serverkey = zmq.utils.z85.encode(server)
        if plain:
            self.socket.plain_username, self.socket.plain_password = plain
        self.socket.connect(f"tcp://127.0.0.1:{world.client_port}")

    def send(self, *frames):
        """Sends without waiting; a peer that never got through just fails to queue."""
        try:
            self.socket.send_multipart(list(frames), flags=zmq.NOBLOCK)
        except zmq.Again:
            pass

    def receive_all(self, seconds):
        got = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.socket.poll(100):
                got.append(self.socket.recv_multipart())
        return got

    def close(self):
        self.socket.close()
        self.context.term()


def enrolled_peer(world, agency, **kw):
    return Peer(world, public=public_of(world, agency),
                secret=raw_x25519_key(os.path.join(world.dir, f"keys/{agency}/transport.key")),
                server=public_of(world, world.gateway_id), **kw)


def hello(agency):
    # envelope [2, 6 (hello), bin([agency, 0]), [], nil] in canonical msgpack
    body = bytes([0x92, 0xa0 + len(agency)]) + agency.encode() + bytes([0x00])
    return bytes([0x95, 0x03, 0x06, 0xc4, len(body)]) + body + bytes([0x90, 0xc0])


def still_serving(world, agency="finance-authority"):
    d = world.issue("still serving", agencies=[agency])
    world.wait_for(lambda: world.states(d["id"])[agency] == "delivered", 10,
                   "delivery to a legitimate agency")


def test_unauthenticated_and_unknown_peers_get_nothing(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    server = public_of(w, w.gateway_id)
    stranger_public, stranger_secret = zmq.curve_keypair()
    peers = {
        "NULL": Peer(w),
        "PLAIN": Peer(w, plain=(b"finance-authority", b"secret")),
        "unknown CURVE key": Peer(w, public=zmq.utils.z85.decode(stranger_public),
                                  secret=zmq.utils.z85.decode(stranger_secret), server=server),
        "wrong server key": Peer(
            w, public=public_of(w, "energy-authority"),
            secret=raw_x25519_key(os.path.join(w.dir, "keys/energy-authority/transport.key")),
            server=zmq.utils.z85.decode(stranger_public)),
    }
    for name, peer in peers.items():
        peer.send(hello("finance-authority"))
    d = w.issue("for finance only", agencies=["finance-authority"])
    for name, peer in peers.items():
        got = peer.receive_all(1.0)
        assert not got, f"{name} peer received {len(got)} message(s)"
        peer.close()
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "finance")
    w.stop("gateway")
    refused = re.search(r"ZAP refused (\d+) handshakes", w.log("gateway"))
    assert refused and int(refused.group(1)) >= 1, "the unknown key was not refused by ZAP"


def test_routing_id_squatter_receives_nothing_of_another_agency(make):
    w = make()
    w.start_gateway()
    # health-authority (enrolled) claims the routing id and the name of finance.
    squatter = enrolled_peer(w, "health-authority", routing_id=b"finance-authority")
    squatter.send(hello("finance-authority"))
    w.wait_for(lambda: "hello names another agency" in w.log("gateway"), 10,
               "the squatter's hello refused")  # it had the first go
    w.start_client("finance-authority")
    w.wait_for(lambda: "finance-authority connected" in w.log("gateway"), 10, "finance's hello")
    d = w.issue("finance eyes only", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "finance")
    got = squatter.receive_all(1.0)
    squatter.close()
    directives = [m for m in got if len(m[0]) > 4 and m[0][2] == 0x01]
    assert not directives, "the squatter received a directive"
    assert "hello names another agency" in w.log("gateway")


def test_oversized_malformed_and_multipart_messages_are_refused_and_counted(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    peer = enrolled_peer(w, "energy-authority")
    peer.send(b"\xdd\xff\xff\xff\xff")              # 4-billion-element array
    peer.send(b"\x95\x03\x02\xc4\x01\x00\x91")       # truncated receipt envelope
    peer.send(b"one", b"two", b"three")             # wrong frame count
    answers = peer.receive_all(1.0)
    errors = [m for m in answers if m[0][:3] == b"\x95\x03\x05"]
    assert len(errors) >= 2, answers
    events = peer.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
    peer.send(b"x" * (3 << 20))                     # over ZMQ_MAXMSGSIZE: disconnected
    assert events.poll(10000), "the gateway kept a peer that sent 3 MiB"
    peer.socket.disable_monitor()
    events.close()
    peer.close()
    still_serving(w)
    w.stop("gateway")
    log = w.log("gateway")
    # The first refusal is logged in full, the others summed up (at the latest at stop).
    assert "too-large: " in log and "refused 2 more message(s) from energy-authority" in log
    assert int(re.search(r"(\d+) malformed", log).group(1)) >= 3


def test_a_thousand_idle_connections_do_not_stop_an_enrolled_agency(make):
    w = make()
    w.start_gateway()
    idle = []
    for _ in range(1000):
        s = socket.create_connection(("127.0.0.1", w.client_port))
        idle.append(s)
    w.start_client("finance-authority")
    try:
        still_serving(w)
    finally:
        for s in idle:
            s.close()


def test_revoking_a_connected_agency_cuts_it_off(make):
    w = make(alarm_ms=1000)
    w.start_gateway()
    w.start_client("finance-authority")
    w.start_client("energy-authority")
    d = w.issue("before", sectors=["energy"])
    w.wait_for(lambda: w.states(d["id"])["energy-authority"] == "delivered", 10, "energy")
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", "energy-authority")
    w.wait_for(lambda: "registry reloaded" in w.log("gateway"), 5, "gateway reload")
    w.wait_for(lambda: "FREEZE ALARM" in w.log("energy-authority"), 5,
               "no more heartbeats for the revoked agency")
    refused = w.issue("after", agencies=["energy-authority"], check=False)
    assert refused is None, "an operator encrypted to a revoked agency"
    refusals = w.log("gateway").count("not an active agency")
    w.ack("energy-authority", d["id"], "Revoked officer")
    # The client's acknowledgement reaches the gateway only if its handshake
    # does; either way it must not be recorded. The client says it is cut off
    # (its acknowledgement waits), the gateway refuses what arrives.
    w.wait_for(lambda: w.log("gateway").count("not an active agency") > refusals or
               "the server refused the handshake" in w.log("energy-authority"), 15,
               "the revoked client refused")
    # Not strict: a receipt signed in the second energy was revoked shows as
    # unverified (a CRL dates revocations to the second, and doubt counts
    # against the agency).
    assert w.states(d["id"], strict=False)["energy-authority"] == "delivered", \
        "revoked agency's ack recorded"
    still_serving(w)


def mp_uint(n):
    if n < 0x80:
        return bytes([n])
    for tag, size in ((0xcc, 1), (0xcd, 2), (0xce, 4), (0xcf, 8)):
        if n < 1 << (8 * size):
            return bytes([tag]) + n.to_bytes(size, "big")
    raise ValueError(n)


def mp_str(text):
    data = text.encode()
    return (bytes([0xa0 | len(data)]) if len(data) < 32 else bytes([0xd9, len(data)])) + data


def mp_bin(data):
    return bytes([0xc4, len(data)]) + data


def signed_by(world, agency, kind, context, body):
    """An envelope of `kind` over `body`, signed with `agency`'s key by openssl
    under `context` (docs/protocol.md section 5), built by hand as another
    implementation would."""
    message = os.path.join(world.dir, "to-sign")
    with open(message, "wb") as f:
        f.write(context + b"\x00" + body)
    signature = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey",
                                f"keys/{agency}/signing.key", "-in", message], cwd=world.dir,
                               capture_output=True, check=True).stdout
    assert len(signature) == 64, signature
    return (bytes([0x95, 0x03, kind]) + mp_bin(body) + bytes([0x91, 0x92]) + mp_str(agency) +
            mp_bin(signature) + bytes([0xc0]))


def signed_refusal(world, agency, directive_id, digest, reason):
    """A refusal (type 18), docs/protocol.md 7.1."""
    body = (bytes([0x98]) + mp_bin(directive_id) + mp_bin(digest) + mp_str(agency) +
            mp_str(world.gateway_id) + mp_uint(int(time.time() * 1000)) + mp_uint(0) +
            bytes([0xc0]) + mp_uint(reason))
    return signed_by(world, agency, 18, b"tocsin/refusal/v1", body)


def test_an_agency_refuses_only_the_copy_it_was_sent(make):
    """A refusal must name the digest of the very copy the gateway sent that
    agency: a refusal of bytes it never sent is refused, the genuine one is
    recorded (with whatever reason the agency states: its word)."""
    w = make()
    w.start_gateway()
    d = w.issue("Refused by a peer", agencies=["finance-authority"])
    peer = enrolled_peer(w, "finance-authority")
    try:
        peer.send(hello("finance-authority"))
        copies = [m[-1] for m in peer.receive_all(2) if m[-1][2] == 1]  # type 1: the copy
        assert copies, "the catch-up copy never came"
        directive_id = bytes.fromhex(d["id"])
        peer.send(signed_refusal(w, "finance-authority", directive_id, bytes(32), 1))
        answers = peer.receive_all(1.5)
        assert any(b"did not send" in m[-1] for m in answers), answers
        assert "REFUSED" not in w.log("gateway")
        genuine = hashlib.sha256(copies[0]).digest()
        peer.send(signed_refusal(w, "finance-authority", directive_id, genuine, 1))
        w.wait_for(lambda: "REFUSED: finance-authority refused its copy" in w.log("gateway"), 10,
                   "the genuine refusal recorded")
        row = w.status(d["id"])[0]
        assert row["state"] == "refused" and row["refusal"] == "signature", row
    finally:
        peer.close()


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
