#!/usr/bin/python3
"""Fan-out benchmark: one directive with a 4 KiB body to N real
CURVE-authenticated agency connections, against the real tocsin-gateway,
and the same fan-out through the two peers of bench/peers/ in the same run.

Measures, in one run, for each N:
- the operator's side: the first seal (every certificate verified, the
  record of pki/verified_record.h empty) and `tocsin issue` after it (Enter
  to the gateway's acceptance);
- accepted -> last durable receipt, and Enter -> last durable receipt;
- gateway CPU per recipient over the fan-out, and the simulated agencies'
  CPU apart (they share the two cores);
- restart -> all N caught up; gateway memory per connected agency; gateway
  CPU at rest with N connected;
- peer_curve: the same fan-out over bare ZeroMQ CURVE (the floor), and the
  time to connect all N;
- peer_mqtt: through a mosquitto broker, MQTT over mutual TLS, QoS 1 both
  ways; the broker's CPU per recipient.

Usage: bench/fanout/run.py BUILD_BIN N [N ...]      (e.g. build/bin 1000 5000)
BENCH_PERF=FILE records a system-wide `perf` profile of the fan-out alone.
BENCH_BACKENDS=sqlite,postgresql measures the gateway with each ledger in
turn, in the same run (default: sqlite); on PostgreSQL the script starts a
primary with a synchronous streaming standby (tests/integration/postgresql.py)
and the peers are not run again; instead a second gateway process stands
by, the writer is killed (-9), and the times to the standby serving, the
next directive delivered to all N and all N with fresh heartbeats are
measured (the agencies dial both gateways: an endpoint list).
PKI files go to /dev/shm (enrolment is set-up, not measured); the gateway's
ledger is on disk, with synchronous=FULL, as in production."""

import concurrent.futures
import json
import os
import resource
import socket
import threading
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
BIN = os.path.abspath(sys.argv[1])
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite").split(",")
SIZES = [int(n) for n in sys.argv[2:]] or [100]
PROCESSES = 2
FAILOVER_LEASE_MS = 2000  # PostgreSQL: the writer's lease, as in integration:ha


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
    if db.startswith("host="):  # a PostgreSQL connection string
        import psycopg2
        con = psycopg2.connect(db)
        try:
            with con.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM deliveries WHERE directive_id=%s AND state>=2",
                            (bytes.fromhex(directive),))
                return cur.fetchone()[0]
        finally:
            con.close()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT COUNT(*) FROM deliveries WHERE directive_id=? AND state>=2",
                           (bytes.fromhex(directive),)).fetchone()[0]
    finally:
        con.close()


def bench(n, backend="sqlite", conninfo=None):
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
    # On PostgreSQL a second gateway process stands by on ports of its own,
    # with files of its own, for the failover measurement.
    standby_ports = (free_port(), free_port()) if backend == "postgresql" else None
    db = os.path.join(disk, "gateway.db")
    for name, (cport, oport), database in (
            ("gateway", (client_port, operator_port), db),
            ("standby", standby_ports or (0, 0), os.path.join(disk, "standby.db"))):
        if name == "standby" and not standby_ports:
            continue
        with open(os.path.join(work, name + ".toml"), "w") as f:
            f.write(f'id = "gw.bench"\nbundle = "keys/gw.bench"\ndirectory = "ca/public"\n'
                    f'database = "{database}"\nclient_endpoint = "tcp://127.0.0.1:{cport}"\n'
                    f'operator_endpoint = "tcp://127.0.0.1:{oport}"\n')
            if backend == "postgresql":
                f.write(f'store.backend = "postgresql"\nstore.postgresql = "{conninfo}"\n'
                        f'store.writer_lease_ms = {FAILOVER_LEASE_MS}\n')
    if backend == "postgresql":
        db = conninfo
    endpoints = f"tcp://127.0.0.1:{client_port}"
    if standby_ports:
        endpoints += f",tcp://127.0.0.1:{standby_ports[0]}"
    procs = []

    def serving_count(name="gateway"):
        path = os.path.join(work, name + ".log")
        if not os.path.exists(path):
            return 0
        with open(path) as f:
            return f.read().count("serving agencies")

    def start_gateway(name="gateway", wait=True):
        log = open(os.path.join(work, name + ".log"), "a")
        before = serving_count(name)
        p = subprocess.Popen([os.path.join(BIN, "tocsin-gateway"), "--config", name + ".toml"],
                             cwd=work, stdout=log, stderr=log)
        if wait:
            wait_for(lambda: serving_count(name) > before, 30, name)
        return p

    def seal_cold():
        """The first seal for the sector: every certificate verified."""
        started = time.time()
        sh(tocsin, "directive", "seal", "--bundle", "keys/op.bench", "--directory", "ca/public",
           "--gateway", "gw.bench", "--sector", "finance", "--title", "warm-up",
           "--body", "x" * 4096, "--out", "warm-up.msg", cwd=work)
        return time.time() - started

    def issue(title, port=operator_port):
        args = [tocsin, "issue", "--bundle", "keys/op.bench", "--directory", "ca/public",
                "--gateway", "gw.bench", "--endpoint", f"tcp://127.0.0.1:{port}",
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
             "--endpoint", endpoints, "--bundles", "keys",
             "--first", str(k * share), "--count", str(count)],
            cwd=work, stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"agents{k}.log"), "w"),
            text=True))
    connect_start = time.time()
    for a in agents:
        for line in a.stdout:
            if json.loads(line)["event"] == "connected":
                break
    connect_s = time.time() - connect_start
    connected_at = [[] for _ in agents]  # when each process says all its agencies are fresh

    def follow(k):
        for line in agents[k].stdout:
            if json.loads(line)["event"] == "connected":
                connected_at[k].append(time.time())
    for k in range(len(agents)):
        threading.Thread(target=follow, args=(k,), daemon=True).start()
    time.sleep(3)  # let the connections settle
    rss_after = rss_kib(gateway.pid)
    # Keeping N agencies connected, nothing to deliver: signed heartbeats
    # (every 2 s by default: 10 s holds 5 rounds, whatever the phase).
    idle_before = cpu_ms(gateway.pid)
    time.sleep(10)
    idle_cpu_per_s = (cpu_ms(gateway.pid) - idle_before) / 10

    seal_cold_s = seal_cold()
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
    serving_s = time.time() - t_restart
    directive2 = issue("after restart")
    wait_for(lambda: delivered(db, directive2) == n, 300, "catch-up after restart")
    catch_up_s = time.time() - t_restart
    # Each agent process says "connected" once all its agencies have fresh
    # heartbeats again after some went stale; a restart quicker than the
    # staleness (a PostgreSQL writer hands its lease back at a clean stop)
    # leaves none stale, and that is reported as null.
    reconnected_s = fresh_again(connected_at, t_restart, 20, "heartbeats again")

    failover = failover_after(gateway, start_gateway, serving_count, issue, standby_ports,
                              connected_at, lambda d: delivered(db, d) == n) \
        if standby_ports else {}
    if not failover:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait()
    for a in agents:
        a.kill()
        a.wait()
    result = {
        "n": n,
        "backend": backend,
        "seal_cold_s": round(seal_cold_s, 3),
        "issue_command_s": round(t_accepted - t0, 3),
        "accepted_to_last_receipt_ms": round((t_done - t_accepted) * 1000, 1),
        "enter_to_last_receipt_ms": round((t_done - t0) * 1000, 1),
        "receipts_per_s": round(n / (t_done - t_accepted)),
        "first_connect_s": round(connect_s, 2),
        "restart_catch_up_s": round(catch_up_s, 2),
        "restart_serving_s": round(serving_s, 2),
        "restart_heartbeats_s": reconnected_s,
        "gateway_kib_per_agency": round((rss_after - rss_before) / n, 1),
        "gateway_cpu_ms": gateway_cpu,
        "gateway_cpu_us_per_recipient": round(gateway_cpu * 1000 / n),
        "gateway_idle_cpu_ms_per_s": round(idle_cpu_per_s),
        "agents_cpu_ms": agents_cpu,
        **failover,
    }
    print(json.dumps(result), flush=True)
    if backend != "sqlite":
        sh("rm", "-rf", work, disk, cwd="/")
        return
    print(f"  peer_curve: {n} bare CURVE connections", file=sys.stderr)
    curve = json.loads(sh(os.path.join(BIN, "peer_curve"), str(n), cwd=work,
                          timeout=600).stdout)
    print(f"  peer_mqtt: {n} MQTT connections over mutual TLS", file=sys.stderr)
    mqtt = mqtt_peer(n, work)
    sh("rm", "-rf", work, disk, cwd="/")
    result.update({
        "curve_fanout_ms": curve["fanout_ms"],
        "curve_connect_s": curve["connect_s"],
        "ratio_fanout_to_curve": round(result["accepted_to_last_receipt_ms"] / curve["fanout_ms"], 1),
        "ratio_restart_to_curve_connect": round(catch_up_s / curve["connect_s"], 1),
        "mqtt_fanout_ms": mqtt["fanout_ms"],
        "mqtt_connect_s": mqtt["connect_s"],
        "mqtt_broker_cpu_us_per_recipient": round(mqtt["broker_cpu_ms"] * 1000 / n),
        "mqtt_clients_cpu_ms": mqtt["clients_cpu_ms"],
        "ratio_cpu_to_mqtt": round(gateway_cpu / max(mqtt["broker_cpu_ms"], 1), 1),
    })
    print(json.dumps(result), flush=True)


def fresh_again(connected_at, since, timeout, what):
    """Seconds from `since` until every agent process said all its agencies
    have fresh heartbeats again, or None if none went stale in `timeout`."""
    try:
        wait_for(lambda: all(at and at[-1] > since for at in connected_at), timeout, what)
        return round(max(at[-1] for at in connected_at) - since, 2)
    except RuntimeError:
        return None


def failover_after(writer, start_gateway, serving_count, issue, standby_ports, connected_at,
                   all_delivered):
    """With a second gateway standing by, kill -9 the writer; times from the
    kill to: the standby serving, the next directive delivered to every
    agency (issued to the standby), every agency with fresh heartbeats."""
    standby = start_gateway("standby", wait=False)
    time.sleep(2)  # it connects, finds the lease held, and stands by
    t_kill = time.time()
    writer.kill()
    writer.wait()
    wait_for(lambda: serving_count("standby") > 0, 60, "the standby taking over")
    serving_s = time.time() - t_kill
    directive = issue("after failover", port=standby_ports[1])
    accepted_s = time.time() - t_kill
    wait_for(lambda: all_delivered(directive), 300, "delivery after failover")
    delivered_s = time.time() - t_kill
    heartbeats_s = fresh_again(connected_at, t_kill, 30, "heartbeats after failover")
    standby.send_signal(signal.SIGTERM)
    standby.wait()
    return {"failover_lease_ms": FAILOVER_LEASE_MS, "failover_serving_s": round(serving_s, 2),
            "failover_accepted_s": round(accepted_s, 2),
            "failover_delivered_s": round(delivered_s, 2),
            "failover_heartbeats_s": heartbeats_s}


def openssl(*args, cwd):
    sh("openssl", *args, cwd=cwd)


def mqtt_peer(n, work):
    """The same fan-out through mosquitto: a CA, a server and a client
    certificate (P-256), the broker requiring the client's; QoS 1, no queue
    limits (the broker's defaults would drop the collector's receipts past
    1,000), TCP_NODELAY, no persistence (mosquitto has no per-message
    durable mode: Tocsin's synchronous=FULL commits are not matched)."""
    d = os.path.join(work, "mqtt")
    os.makedirs(d)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=bench-ca", cwd=d)
    for name, cn in (("server", "127.0.0.1"), ("client", "bench-agency")):
        openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj",
                f"/CN={cn}", cwd=d)
        with open(os.path.join(d, "san.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2",
                *(["-extfile", "san.ext"] if name == "server" else []), cwd=d)
    port = free_port()
    with open(os.path.join(d, "mosquitto.conf"), "w") as f:
        f.write(f"""per_listener_settings false
persistence false
log_dest stderr
log_type error
allow_anonymous false
max_queued_messages 0
max_inflight_messages 0
set_tcp_nodelay true
{"user root" if os.getuid() == 0 else ""}
listener {port} 127.0.0.1
cafile {d}/ca.crt
certfile {d}/server.crt
keyfile {d}/server.key
require_certificate true
use_identity_as_username true
""")

    def more_files():
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    broker = subprocess.Popen(["mosquitto", "-c", "mosquitto.conf"], cwd=d,
                              stderr=open(os.path.join(d, "broker.log"), "w"),
                              preexec_fn=more_files)
    try:
        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        wait_for(listening, 10, "mosquitto")
        out = sh(os.path.join(BIN, "peer_mqtt"), str(n), str(port), "ca.crt", "client.crt",
                 "client.key", str(broker.pid), cwd=d, timeout=600).stdout
        return json.loads(out)
    finally:
        broker.terminate()
        broker.wait()


def bench_postgresql(sizes):
    import postgresql
    cluster = postgresql.Cluster()
    try:
        primary = cluster.start_primary()
        cluster.start_standby(primary)  # every commit waits for the standby's disk
        for i, size in enumerate(sizes):
            name = f"bench{i}"
            primary.sql(f"CREATE DATABASE {name}", database="postgres")
            bench(size, "postgresql", primary.conninfo(name))
    finally:
        cluster.close()


if __name__ == "__main__":
    for size in SIZES:
        if "sqlite" in BACKENDS:
            bench(size)
        if "postgresql" in BACKENDS:
            bench_postgresql([size])
