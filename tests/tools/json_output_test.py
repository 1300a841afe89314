"""Every command's --json output against its JSON Schema in docs/json/
(docs/json.md): one scenario runs each command for real (a gateway, an
agency client, operators, the CA, the auditor) and validates what it
printed. A command with --json and no schema, a schema no command fills,
or an output that drifts from its schema fails.

Usage: json_output_test.py SOURCE_DIR BIN_DIR [--draft DIR]
(--draft writes a first schema for each output into DIR, for a new command;
review it before it goes into docs/json/.)"""

import glob
import json
import os
import re
import sys

import jsonschema

SOURCE = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from harness import World  # noqa: E402

SCHEMAS = os.path.join(SOURCE, "docs", "json")


def run_scenario(bin_dir):
    """{schema name: parsed output} for every command with --json."""
    out = {}
    w = World(bin_dir)
    try:
        def tocsin(name, *args, binary="tocsin", stdin=None):
            result = w.run(os.path.join(w.bin, binary), *args, check=False)
            assert result.returncode == 0, (name, result.returncode, result.stderr)
            out[name] = json.loads(result.stdout)
            return out[name]
        g = w._gateway_args("op.alice")
        w.start_gateway()
        w.start_client("finance-authority")
        d = tocsin("issue", "issue", *g, "--agency", "finance-authority", "--agency",
                   "energy-authority", "--title", "T", "--body", "B", "--json")
        w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "delivery")
        w.ack("finance-authority", d["id"], "M. Officer")
        w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "acknowledged", 10, "ack")
        rows = tocsin("status", "status", *g, "--json")
        # Titles come from what this operator sealed: the gateway cannot read them.
        assert {r["title"] for r in rows if r["directive"] == d["id"]} == {"T"}, rows
        other = w.run(os.path.join(w.bin, "tocsin"), "status", *w._gateway_args("op.bob"),
                      "--json", check=False)
        assert all(r["title"] is None for r in json.loads(other.stdout)), other.stdout
        p = tocsin("propose", "propose", *g, "--agency", "finance-authority", "--title", "P",
                   "--body", "B", "--cosigner", "op.bob", "--json")
        tocsin("proposals", "proposals", *g, "--json")
        tocsin("approve", "approve", *w._gateway_args("op.bob"), p["id"], "--yes", "--json")
        q = tocsin("propose", "propose", *g, "--agency", "finance-authority", "--title", "Q",
                   "--body", "B", "--cosigner", "op.bob", "--json")
        tocsin("withdraw", "withdraw", *g, q["id"], "--json")
        tocsin("issue", "update", d["id"], *g, "--title", "U", "--body", "B", "--json")
        w.wait_for(lambda: len(w.inbox("finance-authority")) >= 3, 10, "the update and approval")
        tocsin("inbox", "inbox", "--config", "finance-authority.toml", "--json",
               binary="tocsin-client")
        tocsin("show", "show", "--config", "finance-authority.toml", d["id"][:12], "--json",
               binary="tocsin-client")
        tocsin("directive-seal", "directive", "seal", "--bundle", "keys/op.alice", "--directory",
               "ca/public", "--gateway", w.gateway_id, "--agency", "finance-authority",
               "--title", "S", "--body", "B", "--out", "sealed.tocsin", "--json")
        tocsin("directive-open", "directive", "open", "--bundle", "keys/finance-authority",
               "--directory", "ca/public", "--gateway", w.gateway_id, "--in", "sealed.tocsin",
               "--json")
        # The schema holds a co-signed seal too (a key file per co-signer).
        tocsin("directive-seal", "directive", "seal", "--bundle", "keys/op.alice", "--directory",
               "ca/public", "--gateway", w.gateway_id, "--agency", "finance-authority",
               "--title", "S2", "--body", "B", "--signatures", "2", "--cosigner", "op.bob",
               "--out", "cosigned.tocsin", "--json")
        assert list(out["directive-seal"]["cosigner_keys"]) == ["op.bob"], out["directive-seal"]
        w.stop("gateway")
        tocsin("audit-export", "audit", "export", "--database", "gateway.db", "--directory",
               "ca/public", "--out", "bundle", "--json")
        tocsin("audit-verify", "audit", "verify", "bundle", "--root", "ca/public/root.crt", "--json")
        proof = w.run(os.path.join(w.bin, "tocsin"), "audit", "prove", "bundle", "--root",
                      "ca/public/root.crt", "--directive", d["id"], "--agency",
                      "finance-authority", "--acknowledgement", "--out", "proof.json")
        assert proof.returncode == 0, proof.stderr
        with open(os.path.join(w.dir, "proof.json")) as f:
            out["audit-prove"] = json.load(f)
        tocsin("audit-check-proof", "audit", "check-proof", "proof.json", "--root",
               "ca/public/root.crt", "--json")
        tocsin("audit-report", "audit", "report", "bundle", "--root", "ca/public/root.crt",
               "--format", "json")
        tocsin("audit-summary", "audit", "summary", "bundle", d["id"], "--root",
               "ca/public/root.crt", "--format", "json")
        tocsin("pki-list", "pki", "list", "--ca", "ca", "--json")
        tocsin("pki-crl-status", "pki", "crl-status", "--ca", "ca", "--json")
        tocsin("pki-signature-rule", "pki", "signature-rule", "--ca", "ca", "--set", "critical=2",
               "--json")
        tocsin("pki-request", "pki", "request", "--id", "public-services-authority", "--role", "agency",
               "--sector", "public-services", "--root", "ca/public/root.crt", "--bundle", "services",
               "--json")
        tocsin("pki-certify", "pki", "certify", "--ca", "ca", "--request", "services/request.toml",
               "--out", "services-certs", "--json")
        with open(os.path.join(w.dir, "ca", "ca.toml"), "a") as f:
            f.write("freshness_crl_validity_days = 14\n")
        tocsin("pki-delegate-freshness", "pki", "delegate-freshness", "--ca", "ca", "--out",
               "signer", "--json")
        tocsin("pki-refresh", "pki", "refresh", "--signer", "signer", "--public", "ca/public",
               "--json")
        tocsin("init", "init", "--dir", "deployment", "--agency", "transport-authority:transport",
               "--crisis-cell", "Crisis cell,+33100000000,cell@example.org", "--json")
        tocsin("policy-check", "policy", "check", "deployment/policy.toml", "--json")
    finally:
        w.close()
    return out


def json_flags(source):
    """The --json flags the command-line sources define."""
    count = 0
    for path in glob.glob(os.path.join(source, "tools", "*.cc")) + \
            glob.glob(os.path.join(source, "client", "*.cc")):
        with open(path) as f:
            count += len(re.findall(r'add_flag\("--json"', f.read()))
    return count


def draft(value):
    """A first schema for `value`: what a reviewer starts from."""
    if isinstance(value, dict):
        return {"type": "object", "additionalProperties": False, "required": sorted(value),
                "properties": {k: draft(v) for k, v in sorted(value.items())}}
    if isinstance(value, list):
        items = None
        for item in value:
            items = draft(item) if items is None else merge(items, draft(item))
        return {"type": "array", "items": items or {}}
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", value):
        return {"$ref": "common.schema.json#/$defs/time"}
    if re.fullmatch(r"[0-9a-f]{32}", value):
        return {"$ref": "common.schema.json#/$defs/id"}
    if re.fullmatch(r"[0-9a-f]{64}", value):
        return {"$ref": "common.schema.json#/$defs/sha256"}
    return {"type": "string"}


def merge(a, b):
    """One schema for two drafts of the same place."""
    if a == b:
        return a
    if a.get("type") == "object" and b.get("type") == "object":
        keys = sorted(set(a["properties"]) | set(b["properties"]))
        return {"type": "object", "additionalProperties": False,
                "required": sorted(set(a["required"]) & set(b["required"])),
                "properties": {k: merge(a["properties"][k], b["properties"][k])
                               if k in a["properties"] and k in b["properties"]
                               else a["properties"].get(k) or b["properties"][k] for k in keys}}
    if a.get("type") == "array" and b.get("type") == "array":
        return {"type": "array", "items": merge(a["items"], b["items"]) if a["items"] and b["items"]
                else a["items"] or b["items"]}
    options = []
    for schema in (a, b):
        for option in schema.get("anyOf", [schema]):
            if option not in options:
                options.append(option)
    return {"anyOf": options}


def main():
    outputs = run_scenario(os.path.abspath(sys.argv[2]))
    if len(sys.argv) == 5 and sys.argv[3] == "--draft":
        os.makedirs(sys.argv[4], exist_ok=True)
        with open(os.path.join(sys.argv[4], "outputs.json"), "w") as f:
            json.dump(outputs, f, indent=1, sort_keys=True)
        for name, value in outputs.items():
            with open(os.path.join(sys.argv[4], name + ".schema.json"), "w") as f:
                json.dump({"$schema": "https://json-schema.org/draft/2020-12/schema",
                           "$id": name + ".schema.json", **draft(value)}, f, indent=2)
                f.write("\n")
        return 0
    with open(os.path.join(SCHEMAS, "common.schema.json")) as f:
        common = json.load(f)
    store = {"common.schema.json": common}
    failures = 0
    files = {os.path.basename(p)[:-len(".schema.json")]
             for p in glob.glob(os.path.join(SCHEMAS, "*.schema.json"))} - {"common"}
    for name in sorted(files - set(outputs)):
        print(f"FAIL docs/json/{name}.schema.json: no command of the scenario fills it")
        failures += 1
    for name, value in sorted(outputs.items()):
        path = os.path.join(SCHEMAS, name + ".schema.json")
        if not os.path.exists(path):
            print(f"FAIL {name}: prints JSON but docs/json/{name}.schema.json does not exist")
            failures += 1
            continue
        with open(path) as f:
            schema = json.load(f)
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        for e in errors[:5]:
            print(f"FAIL {name}: at {'/'.join(map(str, e.path)) or '(top)'}: {e.message}")
        failures += 1 if errors else 0
        if not errors:
            print(f"PASS {name}")
    flags = json_flags(SOURCE)
    if flags != EXPECTED_FLAGS:
        print(f"FAIL the sources define {flags} --json flags, {EXPECTED_FLAGS} expected: a "
              "command gained or lost --json; give it a schema and run it in the scenario")
        failures += 1
    print(f"{len(outputs) - failures} passed, {failures} failed" if failures else
          f"{len(outputs)} passed, 0 failed")
    return 1 if failures else 0


# The --json flags of tools/ and client/; each is exercised above (issue,
# update and cancel share one flag and one schema).
EXPECTED_FLAGS = 18

if __name__ == "__main__":
    sys.exit(main())
