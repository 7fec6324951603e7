"""Real servers the suite starts itself: a PostgreSQL cluster (Debian's binaries, in a temporary folder,
on a free port) and `moderation serve` in a subprocess. Nothing here is mocked."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL bin folder that has initdb and pg_ctl, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    """A throw-away PostgreSQL cluster: initdb in a temporary folder, pg_ctl start on 127.0.0.1:PORT.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` account (or
    `nobody`) and the binaries run through runuser; otherwise it runs as the current user.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="moderation-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.owner = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.owner = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if self.owner is None:
                raise RuntimeError("running as root with neither a postgres nor a nobody account")
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        self.user = self.owner.pw_name if self.owner else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run one of the cluster's binaries as its owner; a failure raises with its output and the server log."""
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.owner is not None:
            cmd = ["runuser", "-u", self.owner.pw_name, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {proc.stderr[-2000:]}\n{log}")
        return proc

    def start(self) -> "PostgresCluster":
        """initdb (trust authentication, UTF-8), then start the server on 127.0.0.1 only and wait for it."""
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                "-c max_connections=100 -c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")
        return self

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and delete the cluster."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """`moderation serve` (or `review`) in its own process on a free port, for tests that need a real server
    (latency, kill -9). Output goes to a log file that `failure()` shows."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
        self.port = free_port()
        self.log_path = Path(tempfile.mkstemp(prefix="moderation-serve-", suffix=".log")[1])
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "moderation.cli", *args, "--port", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd or ROOT,
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> "Server":
        """Poll /health until the server answers; raise with its log if it exits or never answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.failure()}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.failure()}")

    def failure(self) -> str:
        """The end of the server's log, for assertion messages."""
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """kill -9: no shutdown handler runs, as in a crash or an OOM kill."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it hangs; remove the log."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        self.log_path.unlink(missing_ok=True)
