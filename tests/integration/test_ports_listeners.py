"""Fake network services on 127.0.0.x that speak real banners, for the ports check's tests and bench.

Each listener answers like the real thing just enough for nmap's version detection: vsftpd and
OpenSSH greet first; Telnet opens with option negotiation; the web server, Remote Desktop and Redis
answer requests. As root they listen on the services' real ports (21, 22, 23, 80, 3389, 6379),
otherwise, or when a port is taken, on a high port: nmap's version detection still names them.
Only loopback addresses are ever used.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

Responder = Callable[[bytes], bytes | None]

VSFTPD_234 = b"220 (vsFTPd 2.3.4)\r\n"
OPENSSH_74 = b"SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n"
TELNET_NEGOTIATION = b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"
IDLE_LIMIT_S = 20.0
SNMP_PUBLIC_RESPONSE = b"\x30\x10\x02\x01\x00\x04\x06public\xa2\x03\x02\x01\x00"  # SNMPv1, community "public"
RDP_CONFIRM = b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x1f\x08\x00\x02\x00\x00\x00"


def http_responder(server: str) -> Responder:
    def respond(data: bytes) -> bytes | None:
        if data.split(b" ", 1)[0] in (b"GET", b"HEAD", b"OPTIONS", b"POST"):
            body = b"<html><body>It works</body></html>"
            return (b"HTTP/1.1 200 OK\r\nServer: " + server.encode() + b"\r\nContent-Type: text/html\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        return None
    return respond


def rdp_responder(data: bytes) -> bytes | None:
    return RDP_CONFIRM if data.startswith(b"\x03\x00") else None


def redis_responder(data: bytes) -> bytes | None:
    if data.startswith(b"*1\r\n$4\r\ninfo"):
        info = b"# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\n"
        return b"$" + str(len(info)).encode() + b"\r\n" + info + b"\r\n"
    if data.startswith(b"GET "):
        return b"-ERR wrong number of arguments for 'get' command\r\n"
    return b"-ERR unknown command\r\n" if data.strip() else None


@dataclass(frozen=True)
class Service:
    """What one fake service says: a greeting on connect, and/or answers to requests."""

    name: str
    well_known_port: int
    high_port: int
    greeting: bytes = b""
    respond: Responder | None = None


FTP = Service("ftp", 21, 20021, greeting=VSFTPD_234)
SSH = Service("ssh", 22, 20022, greeting=OPENSSH_74)
TELNET = Service("telnet", 23, 20023, greeting=TELNET_NEGOTIATION)
HTTP_LIGHTTPD = Service("http", 80, 20080, respond=http_responder("lighttpd/1.4.28"))
HTTP_CURRENT = Service("http", 80, 20081, respond=http_responder("nginx/1.24.0"))
RDP = Service("ms-wbt-server", 3389, 23389, respond=rdp_responder)
REDIS = Service("redis", 6379, 26379, respond=redis_responder)


@dataclass(frozen=True)
class Listening:
    address: str
    port: int
    service: Service


class FakeServer:
    """One listening socket serving one fake service until stopped."""

    def __init__(self, address: str, service: Service, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((address, port))
            self.sock.listen(64)
        except OSError:
            self.sock.close()  # the port is taken (another test run on this machine): caller tries the next
            raise
        self.sock.settimeout(0.2)
        self.service = service
        self.listening = Listening(address, self.sock.getsockname()[1], service)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        # Stay silent but connected while the client waits for a greeting (nmap waits 6 s before
        # probing): closing early would look like a TCP-wrapped service.
        with conn:
            try:
                conn.settimeout(0.5)
                if self.service.greeting:
                    conn.sendall(self.service.greeting)
                idle = 0.0
                while not self.stopped.is_set() and idle < IDLE_LIMIT_S:
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        idle += 0.5
                        continue
                    if not data:
                        return
                    idle = 0.0
                    answer = self.service.respond(data) if self.service.respond else None
                    if answer:
                        conn.sendall(answer)
            except OSError:
                return

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()


class FakeUdpServer:
    """A UDP service that answers every datagram (a UDP port that answers is open to nmap)."""

    def __init__(self, address: str, port: int, answer: bytes) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, port))
        self.sock.settimeout(0.2)
        self.listening = Listening(address, self.sock.getsockname()[1], Service("udp", port, port))
        self.answer = answer
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                _, peer = self.sock.recvfrom(4096)
                self.sock.sendto(self.answer, peer)
            except OSError:
                continue

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _bind(address: str, service: Service) -> FakeServer:
    ports = [service.well_known_port, service.high_port, 0] if is_root() else [service.high_port, 0]
    for port in ports:
        try:
            return FakeServer(address, service, port)
        except OSError:
            continue
    raise OSError(f"cannot listen on {address}")


@contextmanager
def serving(layout: dict[str, list[Service]]) -> Iterator[dict[str, list[Listening]]]:
    """Start the services of `layout` ({"127.0.0.21": [FTP, SSH]}); yield where each one listens."""
    servers: list[FakeServer] = []
    try:
        for address, services in layout.items():
            if not address.startswith("127."):
                raise ValueError("fake services listen on loopback addresses only")
            servers += [_bind(address, s) for s in services]
        placed: dict[str, list[Listening]] = {}
        for server in servers:
            placed.setdefault(server.listening.address, []).append(server.listening)
        yield placed
    finally:
        for server in servers:
            server.stop()


# -- the fakes themselves behave as their tests assume


def _talk(address: str, port: int, send: bytes = b"") -> bytes:
    with socket.create_connection((address, port), timeout=3) as conn:
        if send:
            conn.sendall(send)
        return conn.recv(4096)


def test_greeting_services_speak_first() -> None:
    with serving({"127.0.0.25": [FTP, SSH]}) as placed:
        ftp, ssh = placed["127.0.0.25"]
        assert _talk(ftp.address, ftp.port) == VSFTPD_234
        assert _talk(ssh.address, ssh.port).startswith(b"SSH-2.0-OpenSSH_7.4p1")


def test_request_services_answer_requests() -> None:
    with serving({"127.0.0.25": [HTTP_LIGHTTPD, RDP, REDIS]}) as placed:
        http, rdp, redis = placed["127.0.0.25"]
        assert b"Server: lighttpd/1.4.28" in _talk(http.address, http.port, b"GET / HTTP/1.0\r\n\r\n")
        assert _talk(rdp.address, rdp.port, b"\x03\x00\x00\x0b\x06\xe0\x00\x00\x00\x00\x00") == RDP_CONFIRM
        assert b"redis_version:6.0.16" in _talk(redis.address, redis.port, b"*1\r\n$4\r\ninfo\r\n")


def test_udp_service_answers() -> None:
    server = FakeUdpServer("127.0.0.25", 0, b"pong")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(3)
            client.sendto(b"ping", (server.listening.address, server.listening.port))
            assert client.recv(64) == b"pong"
    finally:
        server.stop()


def test_only_loopback() -> None:
    with pytest.raises(ValueError), serving({"10.0.0.1": [FTP]}):
        pass
