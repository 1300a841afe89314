"""The audit log end to end, with the real daemons and the real `tocsin`:
agencies follow the gateway's checkpoints and raise the alarm when its log is
rewritten; the auditor exports a bundle, verifies it offline from the root
alone, proves single receipts, renders reports, and finds and locates any
flipped byte (SECURITY.md 25, 27, 28).

Usage: audit_test.py BIN_DIR"""

import datetime
import json
import os
import re
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failure, run_tests, sqlite_only  # noqa: E402


def run_directive_to_completion(w):
    """finance acknowledges, energy only receipts; returns the directive."""
    w.start_gateway()
    w.start_client("finance-authority")
    w.start_client("energy-authority")
    d = w.issue("Audited", agencies=["finance-authority", "energy-authority"])
    w.wait_for(lambda: set(w.states(d["id"]).values()) == {"delivered"}, 10, "receipts")
    w.ack("finance-authority", d["id"], "Claire Martin")
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "acknowledged", 10, "ack")
    return d


def export(w, name="bundle"):
    out = w.tocsin("audit", "export", *w.ledger_args(), "--directory", "ca/public",
                   "--out", name, "--json")
    return json.loads(out.stdout)


def verify(w, bundle="bundle", check=True):
    return w.tocsin("audit", "verify", bundle, "--root", "ca/public/root.crt", "--json",
                    check=check)


def test_agencies_follow_the_checkpoints(make):
    w = make()
    d = run_directive_to_completion(w)
    w.wait_for(lambda: "audit log of gw.test: extended" in w.log("finance-authority"), 10,
               "a checkpoint proven consistent with the one before")
    assert "AUDIT LOG ALARM" not in w.log("finance-authority")
    assert d["id"]


def test_export_verify_prove_and_report(make):
    w = make()
    d = run_directive_to_completion(w)
    w.stop("gateway")  # SIGTERM: a last checkpoint covers everything
    summary = export(w)
    assert summary["not_yet_checkpointed"] == 0, summary
    result = json.loads(verify(w).stdout)
    assert result["verified"] and result["directives"] == 1, result
    assert result["signed_receipts_and_acknowledgements"] == 3, result

    w.tocsin("audit", "prove", "bundle", "--root", "ca/public/root.crt", "--directive",
             d["id"][:10], "--agency", "finance-authority", "--acknowledgement",
             "--out", "ack-proof.json")
    checked = json.loads(w.tocsin("audit", "check-proof", "ack-proof.json", "--root",
                                  "ca/public/root.crt", "--json").stdout)
    assert checked["verified"] and "Claire Martin" in checked["statement"], checked
    with open(os.path.join(w.dir, "ack-proof.json")) as f:
        proof = json.load(f)
    proof["index"] += 1  # the same entry claimed at another position
    with open(os.path.join(w.dir, "bad-proof.json"), "w") as f:
        json.dump(proof, f)
    bad = w.tocsin("audit", "check-proof", "bad-proof.json", "--root", "ca/public/root.crt",
                   check=False)
    assert bad.returncode == 1 and "proof" in bad.stderr, bad.stderr
    missing = w.tocsin("audit", "prove", "bundle", "--root", "ca/public/root.crt", "--directive",
                       d["id"], "--agency", "energy-authority", "--acknowledgement", check=False)
    assert missing.returncode == 1 and "no acknowledgement" in missing.stderr, missing.stderr

    csv = w.tocsin("audit", "report", "bundle", "--root", "ca/public/root.crt", "--format",
                   "csv").stdout.splitlines()
    rows = {line.split(",")[8]: line for line in csv[1:]}
    assert "acknowledged" in rows["finance-authority"], rows
    assert "Claire Martin" in rows["finance-authority"], rows
    assert ",delivered," in rows["energy-authority"], rows
    assert rows["energy-authority"].endswith(",not yet due,,0"), rows  # deadline in 1 h
    assert csv[0].split(",")[-2:] == ["escalations", "escalation_steps"], csv[0]
    # The delay is a number a spreadsheet sums (negative: early), never a guarded text.
    assert re.search(r",signed,,-\d+\.\d{3},no,", rows["finance-authority"]), rows
    assert csv[0].split(",")[14:18] == ["acknowledged_by", "acknowledged_via", "note",
                                        "ack_seconds_after_deadline"]
    report = json.loads(w.tocsin("audit", "report", "bundle", "--root", "ca/public/root.crt",
                                 "--format", "json").stdout)
    states = {r["agency"]: r["state"] for r in report["directives"][0]["deliveries"]}
    assert states == {"finance-authority": "acknowledged", "energy-authority": "delivered"}
    w.tocsin("audit", "report", "bundle", "--root", "ca/public/root.crt", "--out", "report.html")
    with open(os.path.join(w.dir, "report.html")) as f:
        html = f.read()
    assert "<svg" in html and "Claire Martin" in html and "<script" not in html
    assert 'class="open">not acknowledged yet, not due' in html  # amber, not green
    assert 'class="ok">on time' in html


def test_the_auditor_holds_each_directive_to_the_rule_adopted_before_it(make):
    w = make()
    run_directive_to_completion(w)  # critical, one operator: the rule asks one
    w.stop("gateway")
    # The CA raises the rule; the gateway records the new CRL when it adopts it.
    w.tocsin("pki", "signature-rule", "--ca", "ca", "--set", "critical=2")
    w.start_gateway()
    w.wait_for(lambda: "CRL 2 adopted (signature rule: low 1, moderate 1, high 1, critical 2"
               in w.log("gateway"), 10, "the gateway recording the CRL it adopted")
    proposed = json.loads(w.tocsin(
        "propose", *w._gateway_args("op.alice"), "--agency", "finance-authority",
        "--severity", "critical", "--title", "Under the new rule", "--body", "b",
        "--cosigner", "op.bob", "--json").stdout)
    w.tocsin("approve", proposed["id"], *w._gateway_args("op.bob"), "--yes")
    w.stop("gateway")
    export(w)
    # The first directive was accepted under the rule of its time: no alarm;
    # the second carries the two signatures the new rule asks.
    result = json.loads(verify(w).stdout)
    assert result["verified"] is True and result["directives"] == 2, result


def test_a_copy_the_agency_refuses_is_a_signed_refusal_everyone_sees(make):
    """Issued while energy is offline, its copy is wrapped to the encryption
    key energy had then; energy is re-enrolled with new keys before it comes
    back. It refuses the copy (superseded key) with a signed refusal: the
    gateway records it once, the operator's status shows REFUSED backed by
    energy's signature, and the auditor replays it."""
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("For a key energy no longer holds", agencies=["finance-authority",
                                                              "energy-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "finance")
    os.rename(os.path.join(w.dir, "keys", "energy-authority"),
              os.path.join(w.dir, "energy-old-keys"))
    w.tocsin("pki", "revoke", "--ca", "ca", "--id", "energy-authority")
    w.tocsin("pki", "enroll", "--ca", "ca", "--id", "energy-authority", "--role", "agency",
             "--sector", "energy", "--out", "keys/energy-authority")
    w.wait_for(lambda: "registry reloaded" in w.log("gateway"), 10, "the revocation loaded")
    w.signal("gateway", signal.SIGHUP)  # an enrolment alone changes no CRL: reload by hand
    w.wait_for(lambda: w.log("gateway").count("registry reloaded") >= 2, 10, "the new keys loaded")
    w.start_client("energy-authority")
    w.wait_for(lambda: "REFUSED: energy-authority refused its copy" in w.log("gateway"), 10,
               "the gateway recording the refusal")
    assert "superseded-key" in w.log("gateway")
    assert "the gateway is told, signed" in w.log("energy-authority")
    row = next(r for r in w.status(d["id"]) if r["agency"] == "energy-authority")
    assert row["state"] == "refused" and row["evidence"] == "signed", row
    assert row["refusal"] == "superseded-key", row
    # The copy comes again on the next connection (a cause on the agency's
    # side would heal): refused and signed again, recorded and said once.
    w.stop("energy-authority")
    w.start_client("energy-authority")
    w.wait_for(lambda: w.log("energy-authority").count("the gateway is told, signed") >= 2, 10,
               "energy refusing the copy again")
    w.wait_for(lambda: w.log("gateway").count("energy-authority connected: sent 1 of 1") >= 2, 10,
               "the copy sent again")
    assert w.log("gateway").count("REFUSED: energy-authority") == 1, w.log("gateway")[-800:]
    w.stop("gateway")
    export(w)
    result = json.loads(verify(w).stdout)
    assert result["verified"], result
    report = json.loads(w.tocsin("audit", "report", "bundle", "--root", "ca/public/root.crt",
                                 "--format", "json").stdout)
    energy = next(r for r in report["directives"][0]["deliveries"]
                  if r["agency"] == "energy-authority")
    assert energy["state"] == "refused" and energy["refusal"]["reason"] == "superseded-key", energy


def expected_location(relative, text, offset):
    """What the verifier must name for a flip at `offset` of file `relative`."""
    if relative in ("entries.jsonl", "checkpoints.jsonl"):
        line = text.count(b"\n", 0, offset) + 1
        return f"{relative} line {line}"
    return relative


def test_flipping_any_byte_of_the_bundle_is_detected_and_located(make):
    w = make()
    run_directive_to_completion(w)
    w.stop("gateway")
    export(w)
    bundle = os.path.join(w.dir, "bundle")
    rng = random.Random(6962)
    files = []
    for root, _, names in os.walk(bundle):
        for name in names:
            files.append(os.path.relpath(os.path.join(root, name), bundle))
    checked = 0
    for relative in sorted(files):
        path = os.path.join(bundle, relative)
        with open(path, "rb") as f:
            original = f.read()
        offsets = {0, len(original) - 1}
        offsets.update(rng.randrange(len(original)) for _ in range(12))
        for offset in sorted(offsets):
            flipped = bytearray(original)
            flipped[offset] ^= 1 << rng.randrange(8)
            with open(path, "wb") as f:
                f.write(flipped)
            result = verify(w, check=False)
            where = expected_location(relative, original, offset)
            if result.returncode != 1 or where not in result.stderr:
                raise Failure(f"flip at {relative}:{offset} -> rc {result.returncode}, "
                              f"expected '{where}' in: {result.stderr.strip()}")
            checked += 1
        with open(path, "wb") as f:
            f.write(original)
    assert json.loads(verify(w).stdout)["verified"]
    print(f"  {checked} single-bit flips over {len(files)} files: all detected and located")


@sqlite_only
def test_a_rewritten_log_raises_the_agency_alarm(make):
    w = make()
    w.start_gateway()
    w.start_client("finance-authority")
    d = w.issue("Before the rewrite", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(d["id"])["finance-authority"] == "delivered", 10, "receipt")
    w.wait_for(lambda: "audit log of gw.test" in w.log("finance-authority"), 10, "a checkpoint")
    w.stop("gateway")
    # An administrator swaps the database: the history the agency saw is gone.
    os.rename(os.path.join(w.dir, "gateway.db"), os.path.join(w.dir, "old-gateway.db"))
    for suffix in ("-wal", "-shm", ".checkpoint"):
        if os.path.exists(os.path.join(w.dir, "gateway.db" + suffix)):
            os.remove(os.path.join(w.dir, "gateway.db" + suffix))
    w.start_gateway()
    w.issue("After the rewrite", agencies=["finance-authority"])
    w.wait_for(lambda: "AUDIT LOG ALARM" in w.log("finance-authority"), 15, "the alarm")
    w.stop("finance-authority")
    assert "audit-log alarms" in w.log("finance-authority")
    assert '1 audit-log alarms' in w.log("finance-authority"), w.log("finance-authority")[-400:]


@sqlite_only
def test_a_database_that_lost_signed_history_is_refused_at_start(make):
    w = make()
    d = run_directive_to_completion(w)
    w.stop("gateway")  # the last checkpoint, kept beside the database too
    # The database loses its last entries, as a discarded WAL would lose them.
    db = sqlite3.connect(os.path.join(w.dir, "gateway.db"))
    db.execute("DELETE FROM audit_entries WHERE idx >= (SELECT MAX(idx) - 1 FROM audit_entries)")
    db.commit()
    db.close()
    w.start_gateway(wait=False)
    w.wait_for(lambda: w.procs["gateway"].poll() is not None, 10, "the gateway refusing to start")
    assert w.procs["gateway"].returncode != 0
    assert "confirmed history is lost or changed" in w.log("gateway"), w.log("gateway")[-500:]
    assert d["id"]


def index_root_page(w, index, database="gateway.db"):
    """The database's path, page size and `index`'s root page, all in the main file."""
    path = os.path.join(w.dir, database)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (index,)).fetchone()[0]
    db.close()
    return path, page_size, root


def alter_index_key(w, index, key, database="gateway.db"):
    """Changes the last byte of `key` inside `index`'s root page: the page stays
    sound (quick_check passes), the index no longer matches its table."""
    path, page_size, root = index_root_page(w, index, database)
    with open(path, "r+b") as f:
        f.seek(page_size * (root - 1))
        page = bytearray(f.read(page_size))
        page[page.rindex(key) + len(key) - 1] = ord("z")
        f.seek(page_size * (root - 1))
        f.write(page)
    return path


@sqlite_only
def test_a_damaged_database_is_refused_at_start(make):
    w = make()
    run_directive_to_completion(w)
    w.stop("gateway")
    path, page_size, root = index_root_page(w, "deliveries_by_agency")
    with open(path, "r+b") as f:  # an index page's cell pointers, as a bad sector leaves them
        f.seek(page_size * (root - 1) + 8)
        f.write(b"\xff" * 16)
    w.start_gateway(wait=False)
    w.wait_for(lambda: w.procs["gateway"].poll() is not None, 10, "the gateway refusing to start")
    assert w.procs["gateway"].returncode != 0
    assert "fails SQLite's quick_check" in w.log("gateway"), w.log("gateway")[-500:]


@sqlite_only
def test_an_index_that_no_longer_matches_its_table_is_found_on_request(make):
    w = make()
    run_directive_to_completion(w)
    w.stop("gateway")
    path = alter_index_key(w, "deliveries_by_agency", b"finance-authority")
    w.start_gateway(wait=False, flags=["--integrity-check"])
    w.wait_for(lambda: w.procs["gateway"].poll() is not None, 10, "the gateway refusing to start")
    assert w.procs["gateway"].returncode != 0
    assert "fails SQLite's integrity_check" in w.log("gateway"), w.log("gateway")[-500:]
    w.procs.pop("gateway")
    # Healthy again (the index rebuilt from its table), the full check passes.
    db = sqlite3.connect(path)
    db.execute("REINDEX deliveries_by_agency")
    db.commit()
    db.close()
    w.start_gateway(flags=["--integrity-check"])
    assert "passes SQLite's integrity_check" in w.log("gateway")


def test_an_agency_inbox_whose_index_went_wrong_is_found_on_request(make):
    w = make()
    run_directive_to_completion(w)
    w.stop("finance-authority")
    path = alter_index_key(w, "sqlite_autoindex_issuer_marks_1", b"op.alice",
                           "finance-authority.db")
    client = os.path.join(w.bin, "tocsin-client")
    w._start("finance-authority", client, "run", "--config", "finance-authority.toml",
             "--integrity-check")
    w.wait_for(lambda: w.procs["finance-authority"].poll() is not None, 10,
               "the client refusing to start")
    assert w.procs.pop("finance-authority").returncode != 0
    assert "fails SQLite's integrity_check" in w.log("finance-authority"), \
        w.log("finance-authority")[-500:]
    db = sqlite3.connect(path)
    db.execute("REINDEX sqlite_autoindex_issuer_marks_1")
    db.commit()
    db.close()
    w._start("finance-authority", client, "run", "--config", "finance-authority.toml",
             "--integrity-check")
    w.wait_for(lambda: "passes SQLite's integrity_check" in w.log("finance-authority"), 10,
               "the client passing the full check once repaired")
    w.wait_for(lambda: "connected to gateway" in w.log("finance-authority"), 10,
               "the repaired client connecting")


@sqlite_only
def test_a_damaged_stored_directive_is_held_back_loudly_and_others_served(make):
    w = make()
    w.start_gateway()
    d = w.issue("Pending for energy", agencies=["energy-authority"])  # energy is offline
    w.stop("gateway")
    db = sqlite3.connect(os.path.join(w.dir, "gateway.db"))
    (wire,) = db.execute("SELECT wire FROM directives WHERE hex(id) = ?", (d["id"].upper(),)
                         ).fetchone()
    damaged = bytearray(wire)
    damaged[len(damaged) // 2] ^= 0x01  # one bit, as a bad sector or a stray write leaves it
    db.execute("UPDATE directives SET wire = ?", (bytes(damaged),))
    db.commit()
    db.close()
    w.start_gateway()
    w.start_client("energy-authority")
    w.wait_for(lambda: "no longer matches audit entry" in w.log("gateway"), 10,
               "the gateway's critical line")
    assert w.inbox("energy-authority") == []
    w.start_client("finance-authority")
    other = w.issue("Still served", agencies=["finance-authority"])
    w.wait_for(lambda: w.states(other["id"]) == {"finance-authority": "delivered"}, 10,
               "the others still served")


def chromium(w, *args):
    """Headless Chromium (Debian's chromium, installed by scripts/setup)."""
    binary = shutil.which("chromium")
    if binary is None:
        raise Failure("chromium is not installed: run scripts/setup")
    result = subprocess.run([binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                             "--no-first-run", "--user-data-dir=" + os.path.join(w.dir, "chrome"),
                             *args], capture_output=True, text=True, timeout=90, cwd=w.dir)
    if result.returncode != 0:
        raise Failure(f"chromium {args} exited {result.returncode}: {result.stderr[-2000:]}")
    return result.stdout


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def test_the_printable_summary_renders_in_chromium(make):
    """On time, late, never and a follow-up, on one page: the JSON counts
    them, and headless Chromium renders the page at 800 and 1400 px with
    nothing wider than the window, and prints it on one A4 page."""
    w = make()
    w.start_gateway()
    for agency in ("finance-authority", "health-authority"):
        w.start_client(agency)
    issued = w.tocsin("issue", *w._gateway_args("op.alice"), "--title", "Summarised", "--body",
                      "b", "--severity", "critical", "--ack-within", "6s", "--json",
                      "--agency", "finance-authority", "--agency", "health-authority",
                      "--agency", "energy-authority")
    d = json.loads(issued.stdout)["id"]
    w.wait_for(lambda: w.states(d)["health-authority"] == "delivered"
               and w.states(d)["finance-authority"] == "delivered", 10, "receipts")
    w.ack("finance-authority", d, "Claire Martin")  # on time
    w.wait_for(lambda: w.states(d)["finance-authority"] == "acknowledged", 10, "the first ack")
    deadline = datetime.datetime.fromisoformat(w.status(d)[0]["deadline"].replace("Z", "+00:00"))
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now < deadline, "the on-time acknowledgement came too late for this test"
    late = deadline + datetime.timedelta(milliseconds=300)  # health will be late, energy never
    w.wait_for(lambda: datetime.datetime.now(datetime.timezone.utc) > late, 10,
               "the acknowledgement deadline to pass")
    w.ack("health-authority", d, "Dr Late")
    w.wait_for(lambda: w.states(d)["health-authority"] == "acknowledged", 10, "the late ack")
    update = w.tocsin("update", d, *w._gateway_args("op.alice"), "--title", "Follow-up",
                      "--body", "b", "--json")
    follow_up = json.loads(update.stdout)["id"]
    w.stop("gateway")  # a last checkpoint, after the deadline
    export(w)
    summary = json.loads(w.tocsin("audit", "summary", "bundle", d[:12], "--root",
                                  "ca/public/root.crt", "--format", "json").stdout)
    assert summary["total"] == {"recipients": 3, "delivered": 2, "on_time": 1, "late": 1,
                                "never": 1, "open": 0, "refused": 0}, summary["total"]
    assert summary["sectors"]["energy"]["never"] == 1, summary["sectors"]
    assert summary["sectors"]["health"]["late"] == 1, summary["sectors"]
    assert [f["id"] for f in summary["follow_ups"]] == [follow_up], summary["follow_ups"]
    assert [(r["agency"], r["outcome"]) for r in summary["not_on_time"]] == [
        ("energy-authority", "never"), ("health-authority", "late")], summary["not_on_time"]
    assert summary["signers"] == ["op.alice"], summary
    back = json.loads(w.tocsin("audit", "summary", "bundle", follow_up, "--root",
                               "ca/public/root.crt", "--format", "json").stdout)
    assert back["references"] == d, back
    missing = w.tocsin("audit", "summary", "bundle", "ffff", "--root", "ca/public/root.crt",
                       check=False)
    assert missing.returncode != 0 and "no directive ffff" in missing.stderr, missing.stderr

    w.tocsin("audit", "summary", "bundle", d, "--root", "ca/public/root.crt", "--out",
             "summary.html")
    with open(os.path.join(w.dir, "summary.html")) as f:
        html = f.read()
    assert "<script" not in html and "http" not in html.split("<body>")[1], "self-contained"
    assert "never acknowledged (not delivered)" in html and "Dr Late" in html, html
    assert follow_up in html and "updated by" in html, html
    # Nothing wider than the window: a copy with a probe script reports the
    # document's width as Chromium laid it out.
    probe = html.replace("</body>", "<script>document.body.insertAdjacentHTML('beforeend',"
                         "'<p id=probe>'+document.documentElement.scrollWidth+'</p>')</script>"
                         "</body>")
    with open(os.path.join(w.dir, "probe.html"), "w") as f:
        f.write(probe)
    for width in (800, 1400):
        dom = chromium(w, f"--window-size={width},1200", "--dump-dom",
                       "file://" + os.path.join(w.dir, "probe.html"))
        laid_out = int(re.search(r'<p id="probe">(\d+)</p>', dom).group(1))
        assert laid_out <= width, f"at {width} px the page is {laid_out} px wide"
        shot = os.path.join(w.dir, f"summary-{width}.png")
        chromium(w, f"--window-size={width},1200", "--screenshot=" + shot,
                 "file://" + os.path.join(w.dir, "summary.html"))
        assert png_size(shot) == (width, 1200), png_size(shot)
        assert os.path.getsize(shot) > 20000, "a blank screenshot"
    # The full report too: nothing clipped at 800 px, notes and signing times shown.
    w.tocsin("audit", "report", "bundle", "--root", "ca/public/root.crt", "--out", "report.html")
    with open(os.path.join(w.dir, "report.html")) as f:
        report = f.read()
    assert "Dr Late" in report and "Updated</a>" not in report, "sanity"
    assert f'Updated by <a href="#d{follow_up}">' in report, "the update is linked"
    with open(os.path.join(w.dir, "report-probe.html"), "w") as f:
        f.write(report.replace("</body>", probe[probe.index("<script>"):]))
    dom = chromium(w, "--window-size=800,1200", "--dump-dom",
                   "file://" + os.path.join(w.dir, "report-probe.html"))
    laid_out = int(re.search(r'<p id="probe">(\d+)</p>', dom).group(1))
    assert laid_out <= 800, f"at 800 px the report is {laid_out} px wide"
    pdf = os.path.join(w.dir, "summary.pdf")
    chromium(w, "--no-pdf-header-footer", "--print-to-pdf=" + pdf,
             "file://" + os.path.join(w.dir, "summary.html"))
    with open(pdf, "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-"), data[:16]
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert pages == 1, f"the summary prints on {pages} pages, not one"


if __name__ == "__main__":
    sys.exit(run_tests([
        test_the_auditor_holds_each_directive_to_the_rule_adopted_before_it,
        test_a_damaged_stored_directive_is_held_back_loudly_and_others_served,
        test_a_damaged_database_is_refused_at_start,
        test_an_index_that_no_longer_matches_its_table_is_found_on_request,
        test_an_agency_inbox_whose_index_went_wrong_is_found_on_request,
        test_a_copy_the_agency_refuses_is_a_signed_refusal_everyone_sees,
        test_a_database_that_lost_signed_history_is_refused_at_start,
        test_agencies_follow_the_checkpoints,
        test_export_verify_prove_and_report,
        test_flipping_any_byte_of_the_bundle_is_detected_and_located,
        test_a_rewritten_log_raises_the_agency_alarm,
        test_the_printable_summary_renders_in_chromium,
    ], sys.argv[1]))
