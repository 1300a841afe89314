"""A Tocsin world on loopback for integration tests: a CA, a gateway, agency
clients and operators, all real processes started from the build tree.

Tests call World methods and assert on what the real binaries print (JSON).
Everything lives in a temporary folder removed at the end.

When TOCSIN_TEST_POSTGRESQL names a PostgreSQL server (postgresql.py sets
it), every world's gateway keeps its ledger there instead, in a database of
its own; tests that read the SQLite file directly are marked sqlite_only and
skipped."""

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time


class Failure(Exception):
    pass


class Skipped(Exception):
    pass


def postgresql_server():
    """The PostgreSQL connection string the tests run against, or None."""
    return os.environ.get("TOCSIN_TEST_POSTGRESQL") or None


def sqlite_only(test):
    """Marks a test that reads or damages the gateway's SQLite file itself."""
    def run(make):
        if postgresql_server():
            raise Skipped("reads the SQLite ledger file")
        return test(make)
    run.__name__ = test.__name__
    return run


def free_port():
    """A free port below the kernel's ephemeral range, so that no outgoing
    connection (ours or another test's) can take it while a gateway restarts."""
    low, _ = (int(x) for x in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    for _ in range(200):
        port = random.randint(max(1024, low - 12000), low - 1)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise Failure("no free port below the ephemeral range")


class World:
    def __init__(self, bin_dir, agencies=(("finance-authority", "finance"),
                                          ("energy-authority", "energy"),
                                          ("health-authority", "health")),
                 heartbeat_ms=300, alarm_ms=1500, checkpoint_ms=500):
        self.bin = os.path.abspath(bin_dir)
        self.dir = tempfile.mkdtemp(prefix="tocsin-it-")
        self.agencies = dict(agencies)
        self.procs = {}
        self.client_port = free_port()
        self.operator_port = free_port()
        # Lists of several gateway processes, when a test sets them.
        self.client_endpoint = None
        self.operator_endpoint = None
        self.gateway_id = "gw.test"
        self.heartbeat_ms = heartbeat_ms
        self.alarm_ms = alarm_ms
        self.checkpoint_ms = checkpoint_ms
        self.postgresql = self._make_database() if postgresql_server() else None
        self._make_pki()
        self._write_configs()

    # -- set-up ---------------------------------------------------------
    def run(self, *args, check=True, timeout=30):
        result = subprocess.run(list(args), cwd=self.dir, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise Failure(f"{' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
        return result

    def tocsin(self, *args, **kw):
        return self.run(os.path.join(self.bin, "tocsin"), *args, **kw)

    def _make_database(self):
        """A database of this world's own on the test server; its conninfo."""
        name = "world_" + os.path.basename(self.dir).replace("-", "_").lower()
        server = postgresql_server()
        subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                        f"CREATE DATABASE {name}", server], check=True, capture_output=True)
        return " ".join(part for part in server.split() if not part.startswith("dbname=")) + \
            f" dbname={name}"

    def ledger_rows(self, sql, *args):
        """Rows of a query on the gateway's ledger, read-only, whichever the
        backend (`?` placeholders)."""
        if self.postgresql:
            import psycopg2  # python3-psycopg2, only where PostgreSQL is tested
            con = psycopg2.connect(self.postgresql)
            try:
                with con.cursor() as cur:
                    cur.execute(sql.replace("?", "%s"), args)
                    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                            for row in cur.fetchall()]
            finally:
                con.close()
        con = sqlite3.connect(f"file:{os.path.join(self.dir, 'gateway.db')}?mode=ro", uri=True,
                              timeout=5)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def ledger_args(self):
        """Where `tocsin audit export` reads this world's ledger."""
        if self.postgresql:
            return ["--postgresql", self.postgresql]
        return ["--database", "gateway.db"]

    def _make_pki(self):
        self.tocsin("pki", "init", "--ca", "ca")
        self.tocsin("pki", "enroll", "--ca", "ca", "--id", self.gateway_id, "--role", "gateway",
                    "--out", "keys/" + self.gateway_id)
        for op in ("op.alice", "op.bob"):
            self.tocsin("pki", "enroll", "--ca", "ca", "--id", op, "--role", "operator",
                        "--out", "keys/" + op)
        for agency, sector in self.agencies.items():
            self.enroll_agency(agency, sector)

    def enroll_agency(self, agency, sector):
        self.agencies[agency] = sector
        self.tocsin("pki", "enroll", "--ca", "ca", "--id", agency, "--role", "agency",
                    "--sector", sector, "--out", "keys/" + agency)
        self._write_client_config(agency)

    def _write(self, name, text):
        """Writes a configuration file, private to us (bridges refuse any other mode)."""
        fd = os.open(os.path.join(self.dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    def _write_configs(self):
        self._write("gateway.toml", f"""
id = "{self.gateway_id}"
bundle = "keys/{self.gateway_id}"
directory = "ca/public"
database = "gateway.db"
client_endpoint = "tcp://127.0.0.1:{self.client_port}"
operator_endpoint = "tcp://127.0.0.1:{self.operator_port}"
heartbeat_interval_ms = {self.heartbeat_ms}
heartbeat_validity_ms = {self.heartbeat_ms * 5}
checkpoint_interval_ms = {self.checkpoint_ms}
log_format = "json"
""" + (f"""store.backend = "postgresql"
store.postgresql = "{self.postgresql}"
store.writer_lease_ms = 2000
""" if self.postgresql else ""))
        for agency in self.agencies:
            self._write_client_config(agency)

    def _write_client_config(self, agency):
        self._write(agency + ".toml", f"""
bundle = "keys/{agency}"
directory = "ca/public"
gateway = "{self.gateway_id}"
gateway_endpoint = "{self.client_endpoint or f'tcp://127.0.0.1:{self.client_port}'}"
database = "{agency}.db"
notify = "echo \\"$TOCSIN_ID $TOCSIN_SEVERITY\\" >> notify-{agency}.log"
heartbeat_alarm_ms = {self.alarm_ms}
log_format = "json"
""")

    # -- processes ------------------------------------------------------
    def _start(self, name, *args, preexec_fn=None, env=None):
        log = open(os.path.join(self.dir, name + ".log"), "a")
        self.procs[name] = subprocess.Popen(list(args), cwd=self.dir, stdout=log, stderr=log,
                                            preexec_fn=preexec_fn,
                                            env=None if env is None else {**os.environ, **env})
        return self.procs[name]

    def start_gateway(self, wait=True, preexec_fn=None, env=None, flags=(), name="gateway"):
        """Starts the gateway process `name` (its configuration NAME.toml)."""
        before = self.log(name).count("serving agencies")
        self._start(name, os.path.join(self.bin, "tocsin-gateway"), "--config", name + ".toml",
                    *flags, preexec_fn=preexec_fn, env=env)
        if wait:
            self.wait_for(lambda: self.log(name).count("serving agencies") > before, 10,
                          f"{name} start")

    def write_gateway_copy(self, name, client_port=None, operator_port=None, postgresql=None):
        """NAME.toml: another process of the same gateway (same identity and
        ledger), with its own local files, and its own ports or ours."""
        with open(os.path.join(self.dir, "gateway.toml")) as f:
            text = f.read()
        text = text.replace('database = "gateway.db"', f'database = "{name}.db"')
        text = text.replace(f":{self.client_port}\"", f":{client_port or self.client_port}\"")
        text = text.replace(f":{self.operator_port}\"", f":{operator_port or self.operator_port}\"")
        if postgresql:
            text = text.replace(f'store.postgresql = "{self.postgresql}"',
                                f'store.postgresql = "{postgresql}"')
        self._write(name + ".toml", text)

    def start_client(self, agency, env=None):
        self._start(agency, os.path.join(self.bin, "tocsin-client"), "run", "--config",
                    agency + ".toml", env=env)

    def stop(self, name, sig=signal.SIGTERM):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise Failure(f"{name} did not stop on {sig}")

    def signal(self, name, sig):
        self.procs[name].send_signal(sig)

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name + ".log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def close(self):
        for name in list(self.procs):
            proc = self.procs.pop(name)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if os.environ.get("TOCSIN_KEEP"):
            print("kept", self.dir)
        else:
            subprocess.run(["rm", "-rf", self.dir])

    # -- operator and agency commands -----------------------------------
    def _gateway_args(self, operator):
        return ["--bundle", "keys/" + operator, "--directory", "ca/public", "--gateway",
                self.gateway_id, "--endpoint",
                self.operator_endpoint or f"tcp://127.0.0.1:{self.operator_port}"]

    def issue(self, title="Directive", operator="op.alice", sectors=(), agencies=(),
              severity="critical", check=True, timeout_ms=5000):
        args = ["issue", *self._gateway_args(operator), "--title", title, "--body",
                "Body of " + title, "--severity", severity, "--json", "--timeout-ms",
                str(timeout_ms)]
        for s in sectors:
            args += ["--sector", s]
        for a in agencies:
            args += ["--agency", a]
        result = self.tocsin(*args, check=check)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def status(self, directive=None, operator="op.alice", strict=True):
        """`tocsin status --json`; strict: it must exit 0, every state backed
        by the agencies' signatures."""
        args = ["status", *self._gateway_args(operator), "--json"]
        if directive:
            args.append(directive)
        result = self.tocsin(*args, check=False)
        if strict and result.returncode != 0:
            doubtful = [row for row in json.loads(result.stdout or "[]")
                        if row.get("evidence") not in ("signed", "none", None)] \
                if result.returncode == 1 else []
            raise Failure(f"tocsin status exited {result.returncode}: {result.stderr.strip()}; "
                          f"rows in doubt: {doubtful[:4]}")
        if result.returncode not in (0, 1):
            raise Failure(f"tocsin status exited {result.returncode}: {result.stderr}")
        return json.loads(result.stdout)

    def states(self, directive, strict=True):
        return {row["agency"]: row["state"] for row in self.status(directive, strict=strict)}

    def inbox(self, agency):
        result = self.run(os.path.join(self.bin, "tocsin-client"), "inbox", "--config",
                          agency + ".toml", "--json")
        return json.loads(result.stdout)

    def ack(self, agency, directive, by):
        self.run(os.path.join(self.bin, "tocsin-client"), "ack", "--config", agency + ".toml",
                 directive[:12], "--by", by)

    @staticmethod
    def wait_for(predicate, timeout, what):
        """Polls `predicate` until true. TOCSIN_TIME_SCALE stretches every
        timeout (the sanitizer build runs the same tests about 3x slower)."""
        timeout *= float(os.environ.get("TOCSIN_TIME_SCALE", "1"))
        deadline = time.time() + timeout
        last_error = None
        while time.time() < deadline:
            try:
                if predicate():
                    return
            # A reader may meet a database busy with a writer's checkpoint.
            except (Failure, json.JSONDecodeError, subprocess.TimeoutExpired,
                    sqlite3.OperationalError) as e:
                last_error = e
            time.sleep(0.1)
        raise Failure(f"timed out after {timeout:.0f}s waiting for {what}"
                      + (f" (last error: {last_error})" if last_error else ""))


def run_tests(tests, bin_dir):
    """Runs each test(world_factory); prints the closing 'N passed, N failed' line."""
    passed = failed = skipped = 0
    only = os.environ.get("TOCSIN_ONLY")  # a part of a test's name: run just those
    for test in (t for t in tests if not only or only in t.__name__):
        worlds = []

        def make(**kw):
            world = World(bin_dir, **kw)
            worlds.append(world)
            return world
        started = time.time()
        try:
            test(make)
            passed += 1
            print(f"PASS {test.__name__} ({time.time() - started:.1f}s)", flush=True)
        except Skipped as why:
            skipped += 1
            print(f"SKIP {test.__name__}: {why}", flush=True)
        except Exception as e:  # noqa: BLE001 -- report any failure, keep going
            failed += 1
            print(f"FAIL {test.__name__}: {type(e).__name__}: {e}", flush=True)
            for world in worlds:
                for name in dict.fromkeys(["gateway", *world.agencies, *world.procs]):
                    text = world.log(name)
                    if text:
                        print(f"--- {name}.log (last lines)\n" + "\n".join(text.splitlines()[-15:]))
        finally:
            for world in worlds:
                world.close()
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 else 1


def random_delay(low, high):
    time.sleep(random.uniform(low, high))


class CorruptingRelay:
    """A TCP relay between an agency client and the gateway that, once armed,
    flips one byte in the next sizeable chunk the gateway sends: a CURVE frame
    that no longer authenticates, as a faulty middlebox leaves it."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.port = free_port()
        self.armed = threading.Event()
        self.corrupted = threading.Event()
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                downstream.close()
                continue
            self.connections += 1
            threading.Thread(target=self._pump, args=(downstream, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, downstream, True), daemon=True).start()

    def _pump(self, source, sink, from_gateway):
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if from_gateway and len(chunk) >= 64 and self.armed.is_set():
                    self.armed.clear()
                    chunk = bytearray(chunk)
                    chunk[len(chunk) // 2] ^= 0x20
                    self.corrupted.set()
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()
