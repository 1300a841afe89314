"""`tocsin status --watch` under a real terminal (tmux, 80x24): counts
first, the overdue agency first with the ladder's next step, the stale
marker while the gateway is down and LIVE again once it is back, a resize
honoured at once, q to quit.

Usage: live_view_test.py BIN_DIR"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from escalation_test import POLICY as ESCALATION_POLICY, with_policy  # noqa: E402
from harness import run_tests  # noqa: E402

# One slow step, so that the view has a next step to show.
POLICY = ESCALATION_POLICY.split("[[rule]]")[0] + """
[[rule]]
severity = "critical"
ack_within = "2s"
steps = [{ after = "10m", do = "sms" }]
"""


class Terminal:
    """A tmux server of its own, one window of a fixed size."""

    def __init__(self, w, command, width=80, height=24):
        self.socket = os.path.join(w.dir, "tmux.sock")
        self.w = w
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", "wall", "-x", str(width),
                   "-y", str(height), "-c", w.dir, "env", "TERM=screen", *command)

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              check=check, timeout=10)

    def screen(self):
        return self._tmux("capture-pane", "-p", "-t", "wall").stdout.rstrip("\n").split("\n")

    def wait_for(self, predicate, timeout, what):
        """The screen once `predicate` holds for it (the harness's own wait)."""
        self.w.wait_for(lambda: predicate(self.screen()), timeout, what)
        return self.screen()

    def keys(self, *keys):
        self._tmux("send-keys", "-t", "wall", *keys)

    def resize(self, width, height):
        self._tmux("resize-window", "-t", "wall", "-x", str(width), "-y", str(height))

    def alive(self):
        return self._tmux("has-session", "-t", "wall", check=False).returncode == 0

    def close(self):
        self._tmux("kill-server", check=False)


def row_of(lines, agency):
    return next(i for i, line in enumerate(lines) if agency in line)


def test_the_live_view_on_a_real_terminal(make):
    w = make()
    with_policy(w, POLICY)
    w.start_gateway()
    w.start_client("finance-authority")
    issued = w.tocsin("issue", *w._gateway_args("op.alice"), "--title", "Wall screen", "--body",
                      "b", "--severity", "critical", "--ack-within", "2s", "--json",
                      "--agency", "finance-authority", "--agency", "energy-authority")
    directive = __import__("json").loads(issued.stdout)["id"]
    w.wait_for(lambda: w.states(directive)["finance-authority"] == "delivered", 10, "delivery")
    w.ack("finance-authority", directive, "Claire Martin")
    w.wait_for(lambda: w.states(directive)["finance-authority"] == "acknowledged", 10,
               "the acknowledgement")
    w.wait_for(lambda: {r["agency"]: r for r in w.status(directive)}["energy-authority"]
               ["escalation"] is not None, 5, "the ladder in the report")
    rows = {r["agency"]: r for r in w.status(directive)}
    ladder = rows["energy-authority"]["escalation"]
    assert ladder["steps_fired"] == 0 and ladder["next_action"] == "sms", ladder
    assert ladder["next_due"] > rows["energy-authority"]["deadline"], rows
    assert rows["finance-authority"]["escalation"] is None, rows  # acknowledged: closed
    unknown = w.tocsin("status", "--watch", *w._gateway_args("op.alice"), "ab" * 16, check=False)
    assert unknown.returncode != 0 and "holds no directive" in unknown.stderr, unknown.stderr
    tocsin = os.path.join(w.bin, "tocsin")
    term = Terminal(w, [tocsin, "status", "--watch", *w._gateway_args("op.alice")])
    try:
        lines = term.wait_for(lambda s: any("OVERDUE 1" in l for l in s[:2])
                              and any("ok finance-authority" in l for l in s), 20,
                              "the counts and both agencies")
        assert len(lines) <= 24 and all(len(l) <= 80 for l in lines), lines
        assert lines[0].startswith("TOCSIN " + w.gateway_id) and "LIVE" in lines[0], lines
        assert lines[1].startswith("2 deliveries:  sent 1  delivered 1  acked 1"), lines
        assert any(l.startswith(directive[:8] + " CRITICAL TLP:AMBER") and "ack 1/2" in l
                   for l in lines[2:4]), lines  # the title comes last: 80 columns may cut it
        energy, finance = row_of(lines, "energy-authority"), row_of(lines, "finance-authority")
        assert energy < finance, lines  # the overdue one first
        assert lines[energy].startswith("!  energy-authority") and "pending" in lines[energy], lines
        assert re.search(r"sms in (9|10)m", lines[energy]), lines[energy]
        assert "rows 1-2 of 2" in lines[-1] and "q quit" in lines[-1], lines

        w.stop("gateway")
        term.wait_for(lambda s: "STALE" in s[0] and "no answer from the gateway" in s[0], 15,
                      "the stale marker while the gateway is down")
        assert any("ok finance-authority" in l for l in term.screen()), "the last report stays"
        w.start_gateway()
        term.wait_for(lambda s: "LIVE" in s[0], 20, "LIVE again once the gateway is back")

        term.resize(140, 40)
        lines = term.wait_for(lambda s: any("NOTE" in l for l in s), 5, "the wide layout")
        assert any("ok finance-authority" in l and "by Claire Martin" in l for l in lines), lines
        assert any('"Wall screen"' in l for l in lines[2:4]), lines  # the title, whole

        term.keys("q")
        w.wait_for(lambda: not term.alive(), 5, "q ending the view")
    finally:
        term.close()


if __name__ == "__main__":
    sys.exit(run_tests([v for k, v in list(globals().items()) if k.startswith("test_")],
                       sys.argv[1]))
