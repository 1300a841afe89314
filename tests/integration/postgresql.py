"""Real PostgreSQL servers for the tests: a primary, and a synchronous
streaming standby when asked, each in its own folder on a loopback port.

PostgreSQL refuses to run as root: when the tests run as root, the servers
run as the `postgres` user that Debian's postgresql package creates (or
`nobody`), and their folders belong to it. Authentication is `trust` on
127.0.0.1 only, for a cluster that lives as long as one test run.

As a command, it runs another command beside a primary (and a standby):

    postgresql.py [--standby] -- COMMAND ARGS...

with TOCSIN_TEST_POSTGRESQL set to the primary's connection string.
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = "/usr/lib/postgresql/15/bin"
DATABASE = "tocsin"
ROLE = "tocsin"


def available():
    """Why PostgreSQL cannot be started here, or None."""
    if not os.path.exists(os.path.join(BIN, "postgres")):
        return "PostgreSQL 15 is not installed (scripts/setup installs postgresql-15)"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user():
    """The unprivileged user to run servers as, or None when not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and no unprivileged user (postgres, nobody) exists")


class Server:
    """One PostgreSQL server: its folder, port and log."""

    def __init__(self, cluster, name):
        self.cluster = cluster
        self.name = name
        self.data = os.path.join(cluster.root, name)
        self.log = os.path.join(cluster.root, name + ".log")
        self.port = _free_port()

    def conninfo(self, database=DATABASE):
        return (f"host=127.0.0.1 port={self.port} dbname={database} user={ROLE} "
                f"connect_timeout=5")

    def start(self):
        self.cluster.run([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-l", self.log,
                          "-w", "-t", "60", "start"])

    def stop(self, mode="fast"):
        """Stops it (mode: smart, fast or immediate, as pg_ctl says)."""
        self.cluster.run([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-m", mode,
                          "-w", "-t", "60", "stop"], check=False)

    def promote(self):
        """A standby becomes a primary (as Patroni would do it)."""
        self.cluster.run([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-w", "-t", "60",
                          "promote"])

    def sql(self, statement, database=DATABASE):
        """Runs one statement with psql; its output, trimmed."""
        out = self.cluster.run([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t",
                                "-v", "ON_ERROR_STOP=1", "-c", statement,
                                self.conninfo(database)], capture=True)
        return out.strip()

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Cluster:
    """A primary and its standbys under one temporary folder."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="tocsin-pg-")
        self.user = _server_user()
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.servers = []
        self.ca = None  # the servers' certificate, once the primary is made

    def run(self, argv, check=True, capture=False):
        """Runs a PostgreSQL program as the server user, in the cluster's folder."""
        if self.user is not None:
            argv = ["runuser", "-u", self.user.pw_name, "--"] + argv
        done = subprocess.run(argv, cwd=self.root, stdout=subprocess.PIPE if capture else
                              subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
        return done.stdout if capture else None

    def start_primary(self):
        server = Server(self, "primary")
        self.run([os.path.join(BIN, "initdb"), "-D", server.data, "-U", ROLE, "-E", "UTF8",
                  "--locale=C", "--auth=trust", "--no-sync"])
        self._configure(server, primary=True)
        server.start()
        server.sql(f"CREATE DATABASE {DATABASE}", database="postgres")
        self.servers.append(server)
        return server

    def start_standby(self, primary, synchronous=True):
        """A streaming standby of `primary`; with `synchronous`, every commit
        on the primary waits until the standby has it on disk."""
        server = Server(self, f"standby{len(self.servers)}")
        self.run([os.path.join(BIN, "pg_basebackup"), "-h", "127.0.0.1", "-p",
                  str(primary.port), "-U", ROLE, "-D", server.data, "-X", "stream", "-R",
                  "--checkpoint=fast", "--no-sync"])
        self._configure(server, primary=False)
        with open(os.path.join(server.data, "postgresql.auto.conf"), "a") as f:
            f.write(f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user={ROLE} "
                    f"application_name={server.name}'\n")
        server.start()
        if synchronous:
            primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{server.name}'",
                        database="postgres")
            primary.sql("SELECT pg_reload_conf()", database="postgres")
            self._wait_streaming(primary, server.name)
        self.servers.append(server)
        return server

    def _wait_streaming(self, primary, name, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = primary.sql("SELECT sync_state FROM pg_stat_replication "
                                f"WHERE application_name = '{name}'", database="postgres")
            if state == "sync":
                return
            time.sleep(0.1)
        raise RuntimeError(f"standby {name} did not become synchronous in {timeout} s")

    def _configure(self, server, primary):
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(server.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "40",
            "shared_buffers": "32MB",
            "wal_level": "replica",
            "max_wal_senders": "5",
            "hot_standby": "on",
            "logging_collector": "off",
            "log_min_messages": "warning",
        }
        conf = os.path.join(server.data, "postgresql.conf")
        with open(conf, "a") as f:
            for key, value in settings.items():
                f.write(f"{key} = {value}\n")
        if primary:
            self._make_certificate(server)
            with open(conf, "a") as f:
                f.write("ssl = on\n")
            with open(os.path.join(server.data, "pg_hba.conf"), "w") as f:
                f.write("local all all trust\n"
                        "host all all 127.0.0.1/32 trust\n"
                        "host replication all 127.0.0.1/32 trust\n")
        if self.user is not None:
            for folder, _, files in os.walk(server.data):
                os.chown(folder, self.user.pw_uid, self.user.pw_gid)
                for name in files:
                    os.chown(os.path.join(folder, name), self.user.pw_uid, self.user.pw_gid)

    def _make_certificate(self, server):
        """server.crt and server.key in the data folder (a standby copies
        them): a self-signed certificate for 127.0.0.1, which is also the CA
        a client names as sslrootcert (Cluster.ca)."""
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", os.path.join(server.data, "server.key"),
                        "-out", os.path.join(server.data, "server.crt")],
                       check=True, capture_output=True)
        os.chmod(os.path.join(server.data, "server.key"), 0o600)
        self.ca = os.path.join(self.root, "server-ca.crt")
        shutil.copy(os.path.join(server.data, "server.crt"), self.ca)
        os.chmod(self.ca, 0o644)

    def close(self):
        for server in reversed(self.servers):
            server.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv):
    standby = False
    while argv and argv[0] != "--":
        if argv[0] == "--standby":
            standby = True
        else:
            sys.exit(f"postgresql.py: unknown option {argv[0]} (usage: [--standby] -- COMMAND)")
        argv = argv[1:]
    command = argv[1:]
    if not command:
        sys.exit("postgresql.py: no command (usage: [--standby] -- COMMAND)")
    why = available()
    if why is not None:
        print(f"postgresql.py: skipped: {why}", file=sys.stderr)
        sys.exit(77)
    cluster = Cluster()
    try:
        started = time.monotonic()
        primary = cluster.start_primary()
        if standby:
            cluster.start_standby(primary)
        print(f"postgresql.py: primary on port {primary.port}"
              f"{' with a synchronous standby' if standby else ''}, "
              f"started in {time.monotonic() - started:.1f} s", file=sys.stderr)
        env = dict(os.environ, TOCSIN_TEST_POSTGRESQL=primary.conninfo())
        code = subprocess.call(command, env=env)
        if code != 0:
            sys.stderr.write(primary.log_text()[-4000:])
        return code
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
