"""Many sites, one history: 20 client configs scanned at once into one real PostgreSQL, then `posture history`
per client and `posture fleet` over all of them; the same commands on the SQLite default; a connection lost
mid-run; and the DSN's password in no output at all."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from posture.cli import main
from posture.runner import Runner
from posture.store import open_store
from posture.store.migrations import LATEST
from posture.testing import minimal_config, write_config
from tests.pgserver import PgServer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20


def _client_config(folder: Path, n: int, *, fixed: bool = False) -> Path:
    """Client n: every third is mid-incident (critical problems), the rest readiness; `fixed` names contacts."""
    contacts = {"it_provider": "Bayou IT", "attorney": "Lee & Co"} if fixed else {}
    sections: dict[str, object] = {"organization": {"name": f"Client {n:02d} LLC", "contacts": contacts},
                                   "client": f"client-{n:02d}", "report": {"out_dir": "reports"}}
    if n % 3 == 0:
        sections["incident"] = {"discovered": "2026-11-30", "kind": "ransomware"}
    folder.mkdir(parents=True, exist_ok=True)
    return write_config(folder, minimal_config(**sections))


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "posture", *args], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def _finish(procs: list[subprocess.Popen[str]], codes: set[int]) -> list[str]:
    """Wait for all; every exit code in `codes`; returns every stdout and stderr, for the secrets check."""
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode in codes, (proc.args, proc.returncode, err)
        outputs += [out, err]
    return outputs


def _posture(*args: str, env: dict[str, str] | None = None) -> tuple[str, str]:
    proc = _start(*args, env=env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out, err


def _scan_all(configs: list[Path], db: list[str]) -> list[str]:
    """Every config scanned by its own `posture scan` process, all started at once."""
    procs = [_start("scan", str(c), *db, "-q") for c in configs]
    return _finish(procs, {0, 1})


def _no_password_anywhere(password: str, texts: list[str], folder: Path) -> None:
    for text in texts:
        assert password not in text
    for path in folder.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def _in_process(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    return [captured.out, captured.err]


def test_twenty_sites_scan_into_one_postgres_at_once(postgres: PgServer, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    dsn = postgres.create_database(f"fleet_{uuid.uuid4().hex[:8]}")
    configs = [_client_config(tmp_path / f"site-{n:02d}", n) for n in range(CLIENTS)]
    outputs = _scan_all(configs, ["--db", dsn])  # a fresh database: twenty processes race to migrate it
    for n, config in enumerate(configs):  # a week later half the clients have named their contacts
        if n % 2 == 0:
            _client_config(tmp_path / f"site-{n:02d}", n, fixed=True)
        outputs += _in_process(capsys, "scan", str(config), "--db", dsn, "-q")

    store = open_store(dsn)
    runs = store.runs()
    assert len(runs) == 2 * CLIENTS and len({r.id for r in runs}) == 2 * CLIENTS  # none lost
    for n, config in enumerate(configs):
        mine = store.runs(client=f"client-{n:02d}")
        assert len(mine) == 2 and {r.config_path for r in mine} == {str(config)}  # none mixed
        assert {r.organization for r in mine} == {f"Client {n:02d} LLC"}
        written = (config.parent / "reports" / "posture-results.json").read_text("utf-8")
        assert f'"run_id": "{mine[-1].id}"' in written  # the report and the history agree
        assert mine[-1].resolved == (2 if n % 2 == 0 else 0) and mine[-1].new == 0
    assert store.schema_version() == LATEST

    for n, config in enumerate(configs):  # `posture history` per client, against the DSN
        out, err = _in_process(capsys, "history", str(config), "--db", dsn)
        outputs += [out, err]
        lines = out.splitlines()
        assert len(lines) == 3 and lines[0].split()[0] == "run"
        assert lines[2].split()[4:6] == ["0", "2" if n % 2 == 0 else "0"]  # new, resolved

    fleet_dir = tmp_path / "fleet"
    out, err = _posture("-v", "fleet", "--out", str(fleet_dir), env={"POSTURE_DB": dsn})  # DSN from the environment
    outputs += [out, err]
    assert out.splitlines() == [str(fleet_dir / "posture-fleet.md"), str(fleet_dir / "posture-fleet.html")]
    markdown = (fleet_dir / "posture-fleet.md").read_text("utf-8")
    page = (fleet_dir / "posture-fleet.html").read_text("utf-8")
    assert "# Fleet: 20 client(s)" in markdown and postgres.password not in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "client-" in line]
    assert len(rows) == CLIENTS
    # Worst first: the clients mid-incident (criticals) lead; each row carries its counts.
    incident = {f"client-{n:02d}" for n in range(0, CLIENTS, 3)}
    leading = [row.split(" | ")[1].split(" ")[0].replace("\\", "") for row in rows[:len(incident)]]
    assert set(leading) == incident
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        client = cells[1].split(" ")[0].replace("\\", "")
        n = int(client.split("-")[1])
        run = store.runs(client=client)[-1]
        assert cells[5:9] == [str(run.critical), str(run.high), str(run.medium), str(run.low)]
        # mid-incident with no IT provider named: critical
        assert int(cells[5]) > 0 if n % 3 == 0 and n % 2 == 1 else cells[5] == "0"
    assert page.count("<svg") == CLIENTS
    for n in range(CLIENTS):
        assert f'<tr data-client="client-{n:02d}">' in page
        assert f"<title>client-{n:02d}: problems over 2 run(s)" in page
    assert "postgresql://posture:***@127.0.0.1" in page
    _no_password_anywhere(postgres.password, outputs, tmp_path)


def test_the_same_commands_on_the_sqlite_default(tmp_path: Path, _isolated_history: Path) -> None:
    """No --db: the SQLite file (here $POSTURE_DB of the test) takes concurrent sites, history and fleet alike."""
    configs = [_client_config(tmp_path / f"site-{n:02d}", n) for n in range(4)]
    _scan_all(configs, [])
    store = open_store(_isolated_history)
    assert len(store.runs()) == 4 and {r.client for r in store.runs()} == {f"client-{n:02d}" for n in range(4)}
    out, _ = _posture("history", str(configs[1]))
    assert len(out.splitlines()) == 2
    out, _ = _posture("fleet")
    assert "# Fleet: 4 client(s)" in out and out.count("| client-") == 4
    assert out.index("client-00") < out.index("client-01")  # mid-incident first
    assert str(_isolated_history) in out


class _Proxy:
    """A TCP relay to the server that can be cut: the network between a site and the database."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.is_cut = False
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut:
                client.close()
                continue
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                thread = threading.Thread(target=self._pump, args=(a, b), daemon=True)
                thread.start()
                self.threads.append(thread)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        """Stop listening (shutdown wakes the blocked accept) and drop every open connection."""
        self.is_cut = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.cut()
        for thread in self.threads:
            thread.join(timeout=5)
        for s in (self.listener, *self.sockets):
            s.close()


def test_a_connection_lost_mid_run_leaves_the_reports_and_one_warning(
        postgres: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        request: pytest.FixtureRequest) -> None:
    dsn = postgres.create_database(f"lost_{uuid.uuid4().hex[:8]}")
    proxy = _Proxy(postgres.port)
    request.addfinalizer(proxy.close)
    via_proxy = dsn.replace(f":{postgres.port}/", f":{proxy.port}/")
    config = _client_config(tmp_path / "site", 1)
    out = tmp_path / "out"
    assert main(["scan", str(config), "--db", via_proxy, "--out", str(out), "-q"]) == 1
    first_err = capsys.readouterr().err

    prepare = Runner.prepare

    def prepare_then_lose_the_network(self: Runner) -> None:
        prepare(self)  # the previous run has been read by now
        proxy.cut()

    monkeypatch.setattr(Runner, "prepare", prepare_then_lose_the_network)
    (out / "posture-plan.md").unlink()
    # the reports are written; the lost record makes it 4, as any history failure (README's exit codes)
    assert main(["scan", str(config), "--db", via_proxy, "--out", str(out), "-q"]) == 4
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warnings) == 1, captured.err
    assert "the reports are written, but the run was not recorded" in warnings[0]
    assert "postgresql://posture:***@127.0.0.1" in warnings[0]
    assert (out / "posture-plan.md").is_file() and (out / "posture-results.json").is_file()
    assert len(open_store(dsn).runs()) == 1  # the first run only; nothing half-written
    _no_password_anywhere(postgres.password, [first_err, captured.out, captured.err], tmp_path)


def test_tls_settings_ride_in_the_dsn(postgres: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    dsn = postgres.create_database(f"tls_{uuid.uuid4().hex[:8]}")
    verified = dsn.replace("sslmode=disable", f"sslmode=verify-full&sslrootcert={postgres.ca_file}")
    config = _client_config(tmp_path / "site", 2)
    assert main(["scan", str(config), "--db", verified, "--out", str(tmp_path / "out"), "-q"]) == 1
    assert len(open_store(dsn).runs()) == 1
    with psycopg.connect(verified) as conn:  # the same settings give an encrypted, verified connection
        assert conn.info.pgconn.ssl_in_use
    wrong_ca = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
                    "-keyout", str(tmp_path / "k.pem"), "-out", str(wrong_ca)], check=True, capture_output=True)
    capsys.readouterr()
    assert main(["history", str(config), "--db", verified.replace(str(postgres.ca_file), str(wrong_ca))]) == 4
    err = capsys.readouterr().err
    assert err.startswith("posture: history database postgresql://posture:***@") and "certificate" in err
    assert postgres.password not in err and len(err.splitlines()) == 1


def test_a_wrong_password_with_verbose_logging_prints_neither_password(postgres: PgServer, tmp_path: Path) -> None:
    """The server refuses the password; the message and every debug log line mask both passwords."""
    config = _client_config(tmp_path / "site", 3)
    wrong = "Wr0ng-" + postgres.password[::-1]
    dsn = postgres.dsn().replace(postgres.password, wrong)
    proc = _start("-v", "history", str(config), "--db", dsn)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 4 and out == ""
    assert "password authentication failed" in err and "postgresql://posture:***@127.0.0.1" in err
    _no_password_anywhere(wrong, [out, err], tmp_path)
    _no_password_anywhere(postgres.password, [out, err], tmp_path)
