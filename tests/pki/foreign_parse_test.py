"""Our certificates and CRL through another X.509 library than OpenSSL's
command line: Debian's python3-cryptography 38, which refuses any OID arc
over 64 bits (docs/pki.md, "The identifiers"). Every certificate `tocsin
pki` makes parses; its extended key usage is the documented one for its
file; the CRL parses and carries the 23-byte signature rule; and the root's
Ed25519 signatures over each certificate and the CRL check out by hand, as
docs/pki.md tells an implementer to do (cryptography 38 cannot check an
Ed25519 CRL signature itself).

Usage: foreign_parse_test.py PATH/TO/tocsin"""

import os
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtensionOID

ARC = "1.2.840.113556.1.8000.2554.59834.57726.30062.16779.44623.1303954.1052481"
USAGE = {"signing.crt": ARC + ".1", "encryption.crt": ARC + ".2", "transport.crt": ARC + ".3",
         "log.crt": ARC + ".4", "crl-freshness.crt": ARC + ".5"}
RULE_OID = ARC + ".6"


def run(tocsin, work, *args):
    subprocess.run([tocsin, *args], cwd=work, check=True, capture_output=True)


def load_certificate(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def main(tocsin):
    work = tempfile.mkdtemp(prefix="tocsin-foreign-")
    try:
        run(tocsin, work, "pki", "init", "--ca", "ca")
        with open(os.path.join(work, "ca", "ca.toml"), "a") as f:
            f.write("freshness_crl_validity_days = 14\n")
        run(tocsin, work, "pki", "enroll", "--ca", "ca", "--id", "gw.national", "--role",
            "gateway", "--out", "gw")
        run(tocsin, work, "pki", "enroll", "--ca", "ca", "--id", "finance-authority", "--role",
            "agency", "--sector", "finance", "--out", "finance")
        run(tocsin, work, "pki", "enroll", "--ca", "ca", "--id", "op.alice", "--role",
            "operator", "--out", "alice")
        run(tocsin, work, "pki", "delegate-freshness", "--ca", "ca", "--out", "signer")
        run(tocsin, work, "pki", "signature-rule", "--ca", "ca", "--set", "critical=2")

        root = load_certificate(os.path.join(work, "ca/public/root.crt"))
        root_key = root.public_key()
        assert isinstance(root_key, ed25519.Ed25519PublicKey), type(root_key)
        checked = 0
        for bundle in ("gw", "finance", "alice", "signer"):
            for name in sorted(os.listdir(os.path.join(work, bundle))):
                if name not in USAGE:
                    continue
                certificate = load_certificate(os.path.join(work, bundle, name))
                usages = certificate.extensions.get_extension_for_oid(
                    ExtensionOID.EXTENDED_KEY_USAGE).value
                dotted = [u.dotted_string for u in usages]
                assert dotted == [USAGE[name]], (bundle, name, dotted)
                for arc in dotted[0].split("."):
                    assert int(arc) < 2 ** 63, (bundle, name, arc)
                root_key.verify(certificate.signature, certificate.tbs_certificate_bytes)
                checked += 1
        assert checked == 3 + 4 + 3 + 1, checked

        with open(os.path.join(work, "ca/public/crl.pem"), "rb") as f:
            crl = x509.load_pem_x509_crl(f.read())
        root_key.verify(crl.signature, crl.tbs_certlist_bytes)
        rule = crl.extensions.get_extension_for_oid(x509.ObjectIdentifier(RULE_OID))
        assert not rule.critical
        assert rule.value.value.hex() == "3015020101020101020101020101020102020101020101", \
            rule.value.value.hex()
        print(f"PASS {checked} certificates and the CRL parsed and checked by python3-cryptography")
        print("1 passed, 0 failed")
        return 0
    finally:
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))
