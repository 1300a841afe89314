"""The daemons as systemd services see them (sd_notify(3)), without systemd:
the test plays the service manager on a $NOTIFY_SOCKET datagram socket.
READY=1 comes only once the daemon serves, WATCHDOG=1 comes from the serving
loop at half of $WATCHDOG_USEC and stops when the loop does, STOPPING=1 on
SIGTERM.

Usage: service_test.py BIN_DIR"""

import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from bridge_test import setup as setup_email_bridge  # noqa: E402
from clock_test import faketime_env, step  # noqa: E402
from harness import Failure, run_tests  # noqa: E402


class ServiceManager:
    """The receiving end of $NOTIFY_SOCKET: every datagram, with its arrival time."""

    def __init__(self, w):
        self.path = os.path.join(w.dir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages = []  # (time, {key: value})

    def env(self, watchdog_ms=1000):
        return {"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": str(watchdog_ms * 1000)}

    def pump(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.messages.append((time.time(), fields))

    def wait_for(self, key, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for at, fields in self.messages:
                if key in fields:
                    return at, fields
            self.pump(0.1)
        raise Failure(f"no {key} within {timeout}s; got {[m for _, m in self.messages][-5:]}")

    def count(self, key, since):
        return sum(1 for at, fields in self.messages if key in fields and at >= since)

    def close(self):
        self.sock.close()


def check_watchdog(manager, w, name):
    """About 2 pings a second with WatchdogSec=1 s; none while the loop is stopped."""
    started = time.time()
    manager.pump(2.0)
    pings = manager.count("WATCHDOG", started)
    if not 3 <= pings <= 6:
        raise Failure(f"{name}: {pings} WATCHDOG=1 in 2 s, expected about 4")
    w.signal(name, signal.SIGSTOP)  # a hung loop, as far as systemd can tell
    manager.pump(0.3)
    stopped = time.time()
    manager.pump(1.5)
    if manager.count("WATCHDOG", stopped):
        raise Failure(f"{name}: WATCHDOG=1 while its loop was stopped")
    w.signal(name, signal.SIGCONT)
    resumed = time.time()
    manager.pump(1.0)
    if not manager.count("WATCHDOG", resumed):
        raise Failure(f"{name}: no WATCHDOG=1 after its loop resumed")


def test_the_gateway_says_ready_only_once_it_serves_and_pets_the_watchdog(make):
    w = make()
    manager = ServiceManager(w)
    try:
        w.start_gateway(wait=False, env=manager.env())
        _, ready = manager.wait_for("READY", 15)
        assert "serving agencies on tcp://127.0.0.1:" in ready.get("STATUS", ""), ready
        # Ready means serving: an operator's command is answered at once.
        w.status()
        assert "serving agencies" in w.log("gateway")
        check_watchdog(manager, w, "gateway")
        w.stop("gateway")
        manager.pump(0.2)
        assert any("STOPPING" in fields for _, fields in manager.messages), manager.messages[-3:]
    finally:
        manager.close()


def test_the_client_and_the_bridge_say_ready_and_pet_the_watchdog(make):
    w = make()
    manager = ServiceManager(w)
    try:
        w.start_gateway()
        w.start_client("finance-authority", env=manager.env())
        _, ready = manager.wait_for("READY", 15)
        assert "agency client" in ready.get("STATUS", ""), ready
        check_watchdog(manager, w, "finance-authority")
        w.stop("finance-authority")
        manager.pump(0.2)
        assert any("STOPPING" in fields for _, fields in manager.messages)
    finally:
        manager.close()
    w = make()
    manager = ServiceManager(w)
    try:
        os.environ.update(manager.env())  # the bridge inherits it from the harness
        try:
            setup_email_bridge(w)
        finally:
            for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
                os.environ.pop(key, None)
        # The gateway started with the same environment: keep the bridge's word.
        deadline = time.time() + 15
        while time.time() < deadline and not any(
                "bridge serving channel email" in f.get("STATUS", "") for _, f in manager.messages):
            manager.pump(0.1)
        assert any("bridge serving channel email" in f.get("STATUS", "")
                   for _, f in manager.messages), manager.messages[-5:]
    finally:
        manager.close()


def test_a_client_waiting_for_a_current_crl_says_why_in_its_status(make):
    w = make()
    manager = ServiceManager(w)
    try:
        w.start_gateway()
        step(w, "+172800")  # two days on: past the CRL's next update
        w.start_client("finance-authority", env={**faketime_env(w), **manager.env()})
        _, status = manager.wait_for("STATUS", 15)
        assert "waiting to start" in status["STATUS"], status
        assert not any("READY" in f for _, f in manager.messages), "ready while waiting"
    finally:
        manager.close()


if __name__ == "__main__":
    sys.exit(run_tests([
        test_the_gateway_says_ready_only_once_it_serves_and_pets_the_watchdog,
        test_the_client_and_the_bridge_say_ready_and_pet_the_watchdog,
        test_a_client_waiting_for_a_current_crl_says_why_in_its_status,
    ], sys.argv[1]))
