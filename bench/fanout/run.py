#!/usr/bin/python3
"""Fan-out benchmark: one directive with a 4 KiB body to N real
CURVE-authenticated agency connections, against the real tocsin-gateway.

Measures, in one run: issue-to-last-durable-receipt time and receipts/s;
reconnect-and-catch-up time for all N after a gateway restart; gateway memory
per connected agency; and the same fan-out over bare ZeroMQ CURVE (the floor).

Usage: bench/fanout/run.py BUILD_BIN N [N ...]      (e.g. build/bin 100 1000 5000)
BENCH_PERF=FILE records a system-wide `perf` profile of the fan-out alone.
PKI files go to /dev/shm (enrolment is set-up, not measured); the gateway's
ledger is on disk, with synchronous=FULL, as in production."""

import concurrent.futures
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
SIZES = [int(n) for n in sys.argv[2:]] or [100]
PROCESSES = 2


def sh(*args, cwd, **kw):
    return subprocess.run(list(args), cwd=cwd, check=True, capture_output=True, text=True, **kw)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ms(pid):
    """User + system CPU time of a process so far, in milliseconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks * 1000 // os.sysconf("SC_CLK_TCK")


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise RuntimeError(f"timed out waiting for {what}")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def enroll(ca, n):
    tocsin = os.path.join(BIN, "tocsin")

    def one(i):
        sh(tocsin, "pki", "enroll", "--ca", "ca", "--id", f"agency-{i:05d}", "--role", "agency",
           "--sector", "finance", "--out", f"keys/agency-{i:05d}", "--days", "2", cwd=ca)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(n)))


def delivered(db, directive):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT COUNT(*) FROM deliveries WHERE directive_id=? AND state>=2",
                           (bytes.fromhex(directive),)).fetchone()[0]
    finally:
        con.close()


def bench(n):
    work = tempfile.mkdtemp(prefix="tocsin-bench-", dir="/dev/shm")
    disk = tempfile.mkdtemp(prefix="tocsin-bench-db-")
    tocsin = os.path.join(BIN, "tocsin")
    sh(tocsin, "pki", "init", "--ca", "ca", cwd=work)
    for pid, role in (("gw.bench", "gateway"), ("op.bench", "operator")):
        sh(tocsin, "pki", "enroll", "--ca", "ca", "--id", pid, "--role", role, "--out",
           "keys/" + pid, cwd=work)
    started = time.time()
    enroll(work, n)
    print(f"  enrolled {n} agencies in {time.time() - started:.1f}s (set-up)", file=sys.stderr)
    client_port, operator_port = free_port(), free_port()
    db = os.path.join(disk, "gateway.db")
    with open(os.path.join(work, "gateway.toml"), "w") as f:
        f.write(f'id = "gw.bench"\nbundle = "keys/gw.bench"\ndirectory = "ca/public"\n'
                f'database = "{db}"\nclient_endpoint = "tcp://127.0.0.1:{client_port}"\n'
                f'operator_endpoint = "tcp://127.0.0.1:{operator_port}"\n')
    procs = []

    def serving_count():
        with open(os.path.join(work, "gateway.log")) as f:
            return f.read().count("serving agencies")

    def start_gateway():
        log = open(os.path.join(work, "gateway.log"), "a")
        before = serving_count() if os.path.exists(os.path.join(work, "gateway.log")) else 0
        p = subprocess.Popen([os.path.join(BIN, "tocsin-gateway"), "--config", "gateway.toml"],
                             cwd=work, stdout=log, stderr=log)
        wait_for(lambda: serving_count() > before, 30, "gateway")
        return p

    def issue(title):
        args = [tocsin, "issue", "--bundle", "keys/op.bench", "--directory", "ca/public",
                "--gateway", "gw.bench", "--endpoint", f"tcp://127.0.0.1:{operator_port}",
                "--sector", "finance", "--title", title, "--body", "x" * 4096, "--json",
                "--timeout-ms", "60000"]
        return json.loads(sh(*args, cwd=work).stdout)["id"]

    gateway = start_gateway()
    rss_before = rss_kib(gateway.pid)
    share = n // PROCESSES
    agents = []
    for k in range(PROCESSES):
        count = share if k < PROCESSES - 1 else n - share * (PROCESSES - 1)
        agents.append(subprocess.Popen(
            [os.path.join(BIN, "load_agents"), "--directory", "ca/public", "--gateway", "gw.bench",
             "--endpoint", f"tcp://127.0.0.1:{client_port}", "--bundles", "keys",
             "--first", str(k * share), "--count", str(count)],
            cwd=work, stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"agents{k}.log"), "w"),
            text=True))
    connect_start = time.time()
    for a in agents:
        for line in a.stdout:
            if json.loads(line)["event"] == "connected":
                break
    connect_s = time.time() - connect_start
    time.sleep(1.5)  # let heartbeats settle
    rss_after = rss_kib(gateway.pid)
    # Keeping N agencies connected, nothing to deliver: PINGs, signed heartbeats.
    idle_before = cpu_ms(gateway.pid)
    time.sleep(3)
    idle_cpu_per_s = (cpu_ms(gateway.pid) - idle_before) / 3

    cpu_before = cpu_ms(gateway.pid), sum(cpu_ms(a.pid) for a in agents)
    profiler = None
    if os.environ.get("BENCH_PERF"):  # e.g. BENCH_PERF=/tmp/fanout.perf: profile the fan-out
        profiler = subprocess.Popen(["perf", "record", "-F", "1999", "-a", "-g", "-o",
                                     os.environ["BENCH_PERF"]], stderr=subprocess.DEVNULL)
        time.sleep(1)
    t0 = time.time()
    directive = issue("benchmark")
    t_accepted = time.time()
    wait_for(lambda: delivered(db, directive) == n, 300, "all receipts")
    t_done = time.time()
    if profiler:
        profiler.send_signal(signal.SIGINT)
        profiler.wait()
    gateway_cpu = cpu_ms(gateway.pid) - cpu_before[0]
    agents_cpu = sum(cpu_ms(a.pid) for a in agents) - cpu_before[1]

    gateway.send_signal(signal.SIGTERM)
    gateway.wait()
    t_restart = time.time()
    gateway = start_gateway()
    directive2 = issue("after restart")
    wait_for(lambda: delivered(db, directive2) == n, 300, "catch-up after restart")
    catch_up_s = time.time() - t_restart

    gateway.send_signal(signal.SIGTERM)
    gateway.wait()
    for a in agents:
        a.kill()
        a.wait()
    result = {
        "n": n,
        "issue_command_s": round(t_accepted - t0, 3),
        "accepted_to_last_receipt_ms": round((t_done - t_accepted) * 1000, 1),
        "issue_to_last_receipt_ms": round((t_done - t0) * 1000, 1),
        "receipts_per_s": round(n / (t_done - t_accepted)),
        "first_connect_s": round(connect_s, 2),
        "restart_catch_up_s": round(catch_up_s, 2),
        "gateway_kib_per_agency": round((rss_after - rss_before) / n, 1),
        "gateway_cpu_ms": gateway_cpu,
        "gateway_idle_cpu_ms_per_s": round(idle_cpu_per_s),
        "agents_cpu_ms": agents_cpu,
    }
    print(json.dumps(result), flush=True)
    floor = json.loads(sh(os.path.join(BIN, "fanout_floor"), str(n), cwd=work,
                          timeout=600).stdout)
    sh("rm", "-rf", work, disk, cwd="/")
    result.update({
        "floor_fanout_ms": floor["fanout_ms"],
        "floor_connect_s": floor["connect_s"],
        "ratio_to_floor": round(result["accepted_to_last_receipt_ms"] / floor["fanout_ms"], 1),
    })
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    for size in SIZES:
        bench(size)
