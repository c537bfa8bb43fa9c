"""A lab of real Debian daemons inside a network namespace of its own, for the ports check.

Run inside `unshare -n` (a fresh network namespace whose only interface is its own loopback):

    unshare -n python -m tests.integration.ports_lab WORKDIR -- COMMAND...

brings `lo` up, starts every daemon below with its own config file under WORKDIR, bound to
127.0.0.1 (or 0.0.0.0, which in this namespace is the same loopback), waits until each answers,
runs COMMAND, stops every daemon it started and exits with COMMAND's status. WORKDIR/lab.json
says which daemons were started, with package versions. Nothing listens on the machine's real
network: the namespace has no other interface, and it disappears with its last process.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
FTP_BANNER = "posture lab FTP"


@dataclass
class Daemon:
    name: str  # what the test calls it
    package: str  # the Debian package it comes from
    ports: list[tuple[str, int]]  # (proto, port) it must answer on
    command: Callable[[Path], list[str]]  # the command line, given its own folder
    setup: Callable[[Path], None] = lambda folder: None
    user: str | None = None  # run as this user (PostgreSQL refuses root)
    folder: Path | None = None  # a folder outside WORKDIR, removed when the lab stops
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.write_text(text)
    path.chmod(mode)


# -- set-up of each daemon's folder
def _sshd(folder: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "host_ed25519")], check=True)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    _write(folder / "sshd_config", f"ListenAddress {HOST}\nPort 22\nHostKey {folder}/host_ed25519\n"
           f"PidFile {folder}/sshd.pid\nPasswordAuthentication yes\nUsePAM no\n", 0o600)


def _vsftpd(folder: Path) -> None:
    (folder / "empty").mkdir(mode=0o755)
    (folder / "pub").mkdir(mode=0o555)
    _write(folder / "vsftpd.conf", f"listen=YES\nlisten_ipv6=NO\nlisten_address={HOST}\nlisten_port=21\n"
           "background=NO\nanonymous_enable=YES\nlocal_enable=NO\nwrite_enable=NO\n"
           f"anon_root={folder}/pub\nsecure_chroot_dir={folder}/empty\nftp_username=ftp\n"
           f"ftpd_banner={FTP_BANNER}\nseccomp_sandbox=NO\nvsftpd_log_file={folder}/vsftpd.log\n", 0o600)


def _mariadb(folder: Path) -> None:
    subprocess.run(["mariadb-install-db", f"--datadir={folder}/data", "--user=root",
                    "--auth-root-authentication-method=socket", "--skip-test-db"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _postgres(folder: Path) -> None:
    shutil.chown(folder, "postgres")
    _write(folder / "pw", secrets.token_hex(16) + "\n", 0o600)
    shutil.chown(folder / "pw", "postgres")
    subprocess.run(["runuser", "-u", "postgres", "--", _pg_bin("initdb"), "-D", f"{folder}/data",
                    "-A", "scram-sha-256", f"--pwfile={folder}/pw", "-U", "postgres"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (folder / "pw").unlink()


def _smbd(folder: Path) -> None:
    for sub in ("private", "lock", "state", "cache", "pid", "share", "ncalrpc"):
        (folder / sub).mkdir()
    _write(folder / "smb.conf", f"""[global]
workgroup = POSTURELAB
interfaces = lo
bind interfaces only = yes
private dir = {folder}/private
lock directory = {folder}/lock
state directory = {folder}/state
cache directory = {folder}/cache
pid directory = {folder}/pid
ncalrpc dir = {folder}/ncalrpc
log file = {folder}/smbd.log
disable spoolss = yes
load printers = no
printcap name = /dev/null
server role = standalone server
[share]
path = {folder}/share
read only = yes
""")


def _inetd(folder: Path) -> None:
    _write(folder / "inetd.conf", f"{HOST}:telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n")


def _lighttpd(folder: Path) -> None:
    (folder / "www").mkdir()
    _write(folder / "www" / "index.html", "<html><body>posture lab</body></html>\n")
    _write(folder / "lighttpd.conf", f'server.document-root = "{folder}/www"\nserver.bind = "{HOST}"\n'
           f'server.port = 80\nserver.pid-file = "{folder}/lighttpd.pid"\n'
           f'server.errorlog = "{folder}/error.log"\n')


def _mosquitto(folder: Path) -> None:
    _write(folder / "mosquitto.conf", f"listener 1883 {HOST}\nallow_anonymous true\npersistence false\n"
           "log_dest stderr\nuser root\n")


def _snmpd(folder: Path) -> None:
    _write(folder / "snmpd.conf", "rocommunity public 127.0.0.0/8\nsysLocation posture lab\n"
           "sysContact lab@example.invalid\n")


def _rsyncd(folder: Path) -> None:
    (folder / "files").mkdir()
    _write(folder / "rsyncd.conf", f"pid file = {folder}/rsyncd.pid\nuse chroot = no\nuid = root\ngid = root\n"
           f"[backups]\npath = {folder}/files\ncomment = nightly backups\nread only = yes\n")


def _pg_bin(name: str) -> str:
    return str(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))[-1])


DAEMONS = [
    Daemon("openssh", "openssh-server", [("tcp", 22)],
           lambda d: ["/usr/sbin/sshd", "-D", "-e", "-f", f"{d}/sshd_config"], _sshd),
    Daemon("vsftpd", "vsftpd", [("tcp", 21)], lambda d: ["vsftpd", f"{d}/vsftpd.conf"], _vsftpd),
    Daemon("redis", "redis-server", [("tcp", 6379)],
           lambda d: ["redis-server", "--bind", HOST, "--port", "6379", "--save", "", "--appendonly", "no",
                      "--dir", str(d), "--daemonize", "no", "--protected-mode", "no"]),
    Daemon("mariadb", "mariadb-server", [("tcp", 3306)],
           lambda d: ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={d}/data", f"--socket={d}/mysqld.sock",
                      f"--pid-file={d}/mysqld.pid", f"--bind-address={HOST}", "--port=3306", "--user=root",
                      "--skip-log-bin", "--innodb-buffer-pool-size=16M"], _mariadb),
    Daemon("postgresql", "postgresql", [("tcp", 5432)],
           lambda d: [_pg_bin("postgres"), "-D", f"{d}/data", "-h", HOST, "-p", "5432", "-k", str(d)],
           _postgres, user="postgres"),
    Daemon("samba", "samba", [("tcp", 445), ("tcp", 139)],
           lambda d: ["/usr/sbin/smbd", "--foreground", "--no-process-group", "--debug-stdout",
                      f"--configfile={d}/smb.conf"], _smbd),
    Daemon("telnetd", "inetutils-telnetd", [("tcp", 23)],
           lambda d: ["/usr/sbin/inetutils-inetd", "-d", f"{d}/inetd.conf"], _inetd),
    Daemon("lighttpd", "lighttpd", [("tcp", 80)], lambda d: ["/usr/sbin/lighttpd", "-D", "-f", f"{d}/lighttpd.conf"],
           _lighttpd),
    Daemon("memcached", "memcached", [("tcp", 11211)],
           lambda d: ["memcached", "-u", "root", "-l", HOST, "-p", "11211", "-U", "0", "-m", "16"]),
    Daemon("mosquitto", "mosquitto", [("tcp", 1883)], lambda d: ["/usr/sbin/mosquitto", "-c", f"{d}/mosquitto.conf"],
           _mosquitto),
    Daemon("snmpd", "snmpd", [("udp", 161)],
           lambda d: ["/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", f"{d}/snmpd.conf", "-p", f"{d}/snmpd.pid",
                      "-I", "-smux", f"udp:{HOST}:161"], _snmpd),
    Daemon("rsync", "rsync", [("tcp", 873)],
           lambda d: ["rsync", "--daemon", "--no-detach", f"--config={d}/rsyncd.conf", f"--address={HOST}",
                      "--port=873"], _rsyncd),
]


def package_version(package: str) -> str:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def _answers(proto: str, port: int) -> bool:
    if proto == "udp":
        return _snmp_answers(port)
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _snmp_answers(port: int) -> bool:
    # An SNMPv1 get-request for sysDescr.0 with community "public".
    request = bytes.fromhex("302602010004067075626c6963a019020101020100020100300e300c06082b060102010101000500")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        try:
            sock.sendto(request, (HOST, port))
            return bool(sock.recv(2048))
        except OSError:
            return False


def start(workdir: Path, log: Path, started: list[Daemon]) -> None:
    """Start every daemon, appending each to `started` at once (so a failure still stops the rest)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with log.open("ab") as sink:
        for daemon in DAEMONS:
            folder = workdir / daemon.name
            if daemon.user:  # its own user cannot reach into a root-only temp folder: a folder of its own
                folder = Path(tempfile.mkdtemp(prefix=f"posture-lab-{daemon.name}-"))
                folder.chmod(0o755)
                daemon.folder = folder
            else:
                folder.mkdir(parents=True)
            daemon.setup(folder)
            command = daemon.command(folder)
            if daemon.user:
                command = ["runuser", "-u", daemon.user, "--", *command]
            daemon.process = subprocess.Popen(command, stdout=sink, stderr=sink, stdin=subprocess.DEVNULL,
                                              start_new_session=True, cwd=folder)
            started.append(daemon)
    deadline = time.monotonic() + 60
    for daemon in started:
        for proto, port in daemon.ports:
            while not _answers(proto, port):
                assert daemon.process is not None
                if daemon.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{daemon.name} did not come up on {proto}/{port} (see {log})")
                time.sleep(0.1)


def stop(started: list[Daemon]) -> None:
    for daemon in started:
        if daemon.process is not None and daemon.process.poll() is None:
            os.killpg(daemon.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for daemon in started:
        if daemon.process is None:
            continue
        try:
            daemon.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(daemon.process.pid, signal.SIGKILL)
            daemon.process.wait()
    for daemon in started:
        if daemon.folder is not None:
            shutil.rmtree(daemon.folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" not in argv or len(argv) < 3:
        print("usage: python -m tests.integration.ports_lab WORKDIR -- COMMAND...", file=sys.stderr)
        return 2
    workdir = Path(argv[0])
    command = argv[argv.index("--") + 1:]
    started: list[Daemon] = []
    try:
        began = time.monotonic()
        start(workdir, workdir / "daemons.log", started)
        ready_s = time.monotonic() - began
        (workdir / "lab.json").write_text(json.dumps({
            "ready_s": round(ready_s, 1),
            "daemons": [{"name": d.name, "package": d.package, "version": package_version(d.package),
                         "ports": [f"{p}/{n}" for p, n in d.ports]} for d in started],
        }, indent=2))
        return subprocess.run(command).returncode
    finally:
        stop(started)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
