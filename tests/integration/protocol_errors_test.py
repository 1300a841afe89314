"""docs/protocol.md section 9 against the real gateway: every error code from
1 to 8 is provoked the way the table says, with raw messages built from the
page, and each reply must carry the code, begin with the table's name for
it, and name the directive concerned whenever the refused body named one.
The table is read from the page itself, so page and code cannot drift apart
silently. (Code 9, internal, is the gateway failing: nothing a peer sends
may provoke it.)

Usage: protocol_errors_test.py BIN_DIR   (needs python3-zmq)"""

import hashlib
import os
import re
import secrets
import sys
import time

import zmq
import zmq.utils.z85

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_tests  # noqa: E402
from security_test import (hello, mp_bin, mp_str, mp_uint, public_of,  # noqa: E402
                           raw_x25519_key, signed_by, signed_refusal)

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "protocol.md")


def error_table():
    """{code: name} from the table of docs/protocol.md section 9."""
    text = open(DOCS).read()
    section = text[text.index("## 9. Error reply"):text.index("## 10.")]
    rows = re.findall(r"^\| (\d+) \| ([a-z-]+) \|", section, re.M)
    table = {int(code): name for code, name in rows}
    assert sorted(table) == list(range(1, 10)), table
    return table


# -- a reader for the few msgpack shapes an error reply uses (section 2) ------
def unpack(data, at=0):
    """(value, next offset) of the msgpack value at `at`."""
    b = data[at]
    if b <= 0x7f:
        return b, at + 1
    if 0x90 <= b <= 0x9f:
        return unpack_array(data, at + 1, b & 0x0f)
    if 0xa0 <= b <= 0xbf:
        return data[at + 1:at + 1 + (b & 0x1f)].decode(), at + 1 + (b & 0x1f)
    if b == 0xc0:
        return None, at + 1
    sizes = {0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8}
    if b in sizes:
        n = sizes[b]
        return int.from_bytes(data[at + 1:at + 1 + n], "big"), at + 1 + n
    lengths = {0xc4: (1, bytes), 0xc5: (2, bytes), 0xc6: (4, bytes),
               0xd9: (1, str), 0xda: (2, str), 0xdc: (2, list)}
    if b in lengths:
        n, kind = lengths[b]
        size = int.from_bytes(data[at + 1:at + 1 + n], "big")
        start = at + 1 + n
        if kind is list:
            return unpack_array(data, start, size)
        raw = data[start:start + size]
        return (raw.decode() if kind is str else raw), start + size
    raise AssertionError(f"unexpected msgpack byte {b:#x} at {at}")


def unpack_array(data, at, count):
    items = []
    for _ in range(count):
        item, at = unpack(data, at)
        items.append(item)
    return items, at


def decode_envelope(wire):
    envelope, end = unpack(wire)
    assert end == len(wire), "trailing bytes"
    return envelope


class Link:
    """A CURVE DEALER as `principal` on the agency or operator endpoint."""

    def __init__(self, world, principal, port):
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.curve_publickey = zmq.utils.z85.encode(public_of(world, principal))
        self.socket.curve_secretkey = zmq.utils.z85.encode(
            raw_x25519_key(os.path.join(world.dir, f"keys/{principal}/transport.key")))
        self.socket.curve_serverkey = zmq.utils.z85.encode(public_of(world, world.gateway_id))
        self.socket.connect(f"tcp://127.0.0.1:{port}")

    def refusal(self, payload, seconds=5):
        """Sends `payload`; returns the first error reply as (code, reference, message)."""
        self.socket.send(payload)
        deadline = time.time() + seconds
        while time.time() < deadline:
            if not self.socket.poll(100):
                continue
            envelope = decode_envelope(self.socket.recv())
            if envelope[1] == 5:  # error
                (code, reference, message), _ = unpack(envelope[2])
                return code, reference, message
        raise AssertionError("no error reply within 5 s")

    def close(self):
        self.socket.close()
        self.context.term()


def envelope(kind, body, signatures=b"\x90"):
    """An unsigned envelope (section 4): [3, kind, bin(body), [], nil]."""
    return bytes([0x95, 0x03, kind]) + mp_bin(body) + signatures + b"\xc0"


def mp_bin_any(data):
    if len(data) < 256:
        return mp_bin(data)
    if len(data) < 65536:
        return bytes([0xc5]) + len(data).to_bytes(2, "big") + data
    return bytes([0xc6]) + len(data).to_bytes(4, "big") + data


def reencode_directive(parts):
    """A directive envelope from its decoded parts, canonical msgpack again."""
    version, kind, body, signatures, recipients = parts
    out = bytes([0x95, version, kind]) + mp_bin_any(body)
    out += bytes([0x90 | len(signatures)])
    for signer, value in signatures:
        out += bytes([0x92]) + mp_str(signer) + mp_bin(value)
    return out + mp_bin_any(recipients)


def seal(world, out, *extra):
    """`tocsin directive seal` for finance-authority; the sealed envelope's bytes."""
    world.tocsin("directive", "seal", "--bundle", "keys/op.alice", "--directory", "ca/public",
                 "--gateway", world.gateway_id, "--agency", "finance-authority", "--title", out,
                 "--body", "Body of " + out, "--out", out, *extra)
    with open(os.path.join(world.dir, out), "rb") as f:
        return f.read()


def header_of(wire):
    """The header (6.1): the body's first element."""
    body, _ = unpack(decode_envelope(wire)[2])
    header, _ = unpack(body[0])
    return header


def directive_id(wire):
    return header_of(wire)[0]


def receipt(world, agency, directive, digest, at_ms):
    """A receipt (type 2) signed with `agency`'s key, section 7, by hand."""
    body = (bytes([0x97]) + mp_bin(directive) + mp_bin(digest) + mp_str(agency) +
            mp_str(world.gateway_id) + mp_uint(at_ms) + mp_uint(0) + b"\xc0")
    return signed_by(world, agency, 2, b"tocsin/receipt/v3", body)


def test_every_error_code_is_the_one_the_page_gives(make):
    table = error_table()
    w = make()
    w.start_gateway()
    alice = Link(w, "op.alice", w.operator_port)
    bob = Link(w, "op.bob", w.operator_port)
    finance = Link(w, "finance-authority", w.client_port)
    energy = Link(w, "energy-authority", w.client_port)
    seen = {}

    def expect(code, got, reference=None, says=""):
        got_code, got_reference, message = got
        assert got_code == code, f"expected {code} {table[code]}, got {got}"
        assert message.startswith(table[code] + ": "), (table[code], message)
        assert says in message, (says, message)
        assert got_reference == reference, (reference, got_reference, message)
        seen[code] = message

    try:
        # 1 malformed: a type the operator endpoint does not take.
        expect(1, alice.refusal(hello("op.alice")), says="unexpected hello")

        first = seal(w, "first.tocsin")
        second = seal(w, "second.tocsin")
        first_id, second_id = directive_id(first), directive_id(second)

        # 2 bad-signature: one bit of the signature flipped; the id still named.
        parts = decode_envelope(second)
        signer, value = parts[3][0]
        parts[3][0] = [signer, value[:-1] + bytes([value[-1] ^ 1])]
        expect(2, alice.refusal(reencode_directive(parts)), second_id)

        # 3 unauthorized: op.bob submits what only op.alice signed.
        expect(3, bob.refusal(second), second_id, "did not sign")

        # 5 replay: the second accepted, then the first (a lower sequence).
        alice.socket.send(second)
        w.wait_for(lambda: w.states(second_id.hex()) == {"finance-authority": "pending"}, 10,
                   "the second directive accepted")
        expect(5, alice.refusal(first), first_id, "not above")

        # 7 not-found: a directive the gateway does not hold.
        unknown = secrets.token_bytes(16)
        expect(7, alice.refusal(envelope(15, b"\x91" + mp_bin(unknown))), unknown, "no directive")

        # 6 too-large: a hello naming an agency id over 64 bytes (section 3).
        long_id = "a" * 65
        body = b"\x92" + mp_str(long_id) + b"\x00"
        expect(6, finance.refusal(envelope(6, body)))

        # Receipts: 3 (not a recipient), 2 (another digest), 4 (dated in the future).
        now = int(time.time() * 1000)
        accepted_digest = hashlib.sha256(decode_envelope(second)[2]).digest()
        expect(3, energy.refusal(receipt(w, "energy-authority", second_id, accepted_digest, now)),
               second_id, "not a recipient")
        expect(2, finance.refusal(receipt(w, "finance-authority", second_id, bytes(32), now)),
               second_id, "digest")
        expect(4, finance.refusal(receipt(w, "finance-authority", second_id, accepted_digest,
                                          now + 3600 * 1000)), second_id, "future")
        # 3 again: a refusal of bytes the gateway never sent that agency.
        expect(3, finance.refusal(signed_refusal(w, "finance-authority", second_id, bytes(32), 1)),
               second_id, "did not send")

        # 8 unavailable: over the per-issuer proposal limit (10.6), retry later.
        def propose(title):
            return w.tocsin("propose", *w._gateway_args("op.alice"), "--agency",
                            "finance-authority", "--title", title, "--body", "b", "--cosigner",
                            "op.bob", "--json", check=False)
        for i in range(16):
            held = propose(f"held {i}")
            assert held.returncode == 0, held.stderr
        over = propose("one more")
        assert over.returncode != 0, over.stderr
        assert re.search(table[8] + r": proposal [0-9a-f]+: too many proposals held", over.stderr), \
            over.stderr
        seen[8] = over.stderr

        # 4 expired: a directive sealed to expire at once, submitted after it did.
        late = seal(w, "late.tocsin", "--expires-in", "1s", "--ack-within", "1s")
        expires_at = header_of(late)[5]  # the signed expires_at, Unix ms
        w.wait_for(lambda: time.time() * 1000 > expires_at + 100, 10, "the directive's expiry")
        expect(4, alice.refusal(late), directive_id(late), "expired")
    finally:
        for link in (alice, bob, finance, energy):
            link.close()
    assert sorted(seen) == list(range(1, 9)), sorted(seen)


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
