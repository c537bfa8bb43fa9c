"""A real, throwaway PostgreSQL server for the tests and the benchmarks.

`initdb` into a fresh temp folder (password authentication, a random password), `postgres` listening on
127.0.0.1 at a free port and on a socket inside that folder, stopped and deleted at the end. As root it
runs as the `postgres` user (Debian's package creates it; `nobody` otherwise): postgres refuses root.
Debian keeps the server binaries in /usr/lib/postgresql/<version>/bin, off PATH: `add_to_path` finds them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SERVER_TOOLS = ("initdb", "postgres", "openssl")


def add_to_path() -> None:
    """Put Debian's server binaries (the newest version installed) at the end of PATH when they are not on it."""
    if shutil.which("initdb"):
        return
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
                   if p.parts[-3].isdigit() else 0)
    if found:
        os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + str(found[-1].parent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    port: int
    user: str
    password: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def ca_file(self) -> Path:
        """The server's self-signed certificate (for 127.0.0.1), to verify it with sslmode=verify-full."""
        return self.folder / "server.crt"

    def dsn(self, dbname: str = "postgres", **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"sslmode": "disable", **params}.items())
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{dbname}?{query}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its DSN."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: roll back, close connections, exit
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _run_as() -> tuple[int | None, int | None]:
    """The uid/gid to run the server as: postgres refuses root. The server stays our direct child, so
    stopping it needs no signal forwarding."""
    if os.geteuid() != 0:
        return None, None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and no postgres or nobody user to run PostgreSQL as")


@contextlib.contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[PgServer]:
    """A started server; `durable=False` (tests) turns fsync off, the benchmark keeps the defaults."""
    add_to_path()
    uid, gid = _run_as()
    as_user = {"user": uid, "group": gid, "extra_groups": []} if uid is not None else {}
    folder = Path(tempfile.mkdtemp(prefix="posture-pg-"))  # under /tmp: reachable by the server's user
    data, pwfile = folder / "data", folder / "pw"
    password = "pw-" + secrets.token_hex(12)
    pwfile.write_text(password + "\n")
    if uid is not None and gid is not None:
        for path in (folder, pwfile):
            os.chown(path, uid, gid)
    process = None
    try:
        subprocess.run(["initdb", "-D", str(data), "-U", "posture", "--pwfile", str(pwfile),
                        "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-instructions"],
                       check=True, capture_output=True, timeout=120, **as_user)
        pwfile.unlink()
        _make_certificate(folder, uid, gid)
        port = _free_port()
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"port={port}", "-c", f"unix_socket_directories={folder}",
                    "-c", "max_connections=120", "-c", "shared_buffers=32MB",
                    "-c", "ssl=on", "-c", f"ssl_cert_file={folder / 'server.crt'}",
                    "-c", f"ssl_key_file={folder / 'server.key'}"]
        if not durable:
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        with open(folder / "server.log", "wb") as log:
            process = subprocess.Popen(["postgres", "-D", str(data), *settings], stdout=subprocess.DEVNULL,
                                       stderr=log, **as_user)
        server = PgServer(port, "posture", password, folder, process)
        _wait_ready(server)
        yield server
    finally:
        if process is not None:
            PgServer(0, "", "", folder, process).stop()
        shutil.rmtree(folder, ignore_errors=True)


def _make_certificate(folder: Path, uid: int | None, gid: int | None) -> None:
    """A one-day self-signed certificate for 127.0.0.1, so TLS settings in a DSN can be tested for real."""
    key, crt = folder / "server.key", folder / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True, timeout=60)
    key.chmod(0o600)
    crt.chmod(0o644)
    if uid is not None and gid is not None:
        os.chown(key, uid, gid)


def _wait_ready(server: PgServer, timeout_s: float = 60.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        if server.process.poll() is not None:
            log = (server.folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"postgres exited with {server.process.returncode}: {log}")
        try:
            psycopg.connect(server.dsn(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
