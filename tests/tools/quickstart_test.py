"""docs/quickstart.md, executed: its ```sh blocks are run line by line as
written, from a fresh folder (build/bin/ standing for the build under test;
`scripts/setup` skipped, the test's build having done it). The first block
must leave the agency holding the directive, signed; the second must run.

Usage: quickstart_test.py SOURCE_DIR BIN_DIR"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time


def blocks(path):
    text = open(path).read()
    return [b.strip().splitlines() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def main(source, bin_dir):
    commands = blocks(os.path.join(source, "docs", "quickstart.md"))
    first = [line for line in commands[0] if not line.startswith("scripts/setup")]
    if len(commands[0]) > 5:
        print(f"FAIL the quickstart has {len(commands[0])} commands, at most 5 promised")
        return 1
    work = tempfile.mkdtemp(prefix="tocsin-quickstart-")
    os.makedirs(os.path.join(work, "build"))
    os.symlink(os.path.abspath(bin_dir), os.path.join(work, "build", "bin"))
    script = "set -e\n" + "\n".join(first) + "\n"
    shell = subprocess.Popen(["bash", "-c", script + "wait"], cwd=work, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        profile = "quick/operator-op.duty-1.toml"
        deadline = time.time() + 30 * float(os.environ.get("TOCSIN_TIME_SCALE", "1"))
        rows = []
        while time.time() < deadline:
            status = subprocess.run([os.path.join(bin_dir, "tocsin"), "status", "--profile", profile,
                                     "--json"], cwd=work, capture_output=True, text=True)
            rows = json.loads(status.stdout) if status.returncode == 0 and status.stdout else []
            if rows and rows[0]["state"] == "delivered" and rows[0]["evidence"] == "signed":
                break
            if shell.poll() is not None:
                print("FAIL the quickstart's commands ended:\n" + shell.stdout.read())
                return 1
            time.sleep(0.3)
        else:
            print(f"FAIL the directive was not delivered, signed, within 30 s: {rows}")
            return 1
        for line in commands[1]:
            result = subprocess.run(["bash", "-c", line], cwd=work, capture_output=True, text=True)
            if result.returncode != 0 or not result.stdout:
                print(f"FAIL {line}: exit {result.returncode}: {result.stderr}")
                return 1
            if "inbox" in line and "Quickstart test" not in result.stdout:
                print(f"FAIL the inbox does not show the directive:\n{result.stdout}")
                return 1
        print(f"PASS quickstart: {len(commands[0])} commands, the agency holds the directive, signed")
        return 0
    finally:
        os.killpg(shell.pid, signal.SIGTERM)
        shell.wait(10)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
