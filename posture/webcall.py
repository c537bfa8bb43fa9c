"""One HTTP request with a wall-clock deadline: the webhook alert and the breach API both go through here.

A socket timeout bounds each read, not the request: a server that drips one byte every two seconds
never trips it and can hold a run for as long as it likes. Here a watchdog shuts the socket down when
the deadline passes, whatever phase the request is in (connecting, sending, waiting for headers,
reading the body), so `deadline_s` bounds the whole exchange. Redirects are never followed: the caller
sees the 3xx and decides (neither caller goes anywhere but the configured host).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

MAX_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes


class CallFailed(Exception):
    """The request did not get an answer; the message never quotes the URL (it may hold a token)."""

    def __init__(self, reason: str, *, timed_out: bool = False, not_connected: bool = False,
                 no_dns: bool = False) -> None:
        super().__init__(reason)
        self.timed_out = timed_out
        self.not_connected = not_connected  # the connection never opened (refused, no route, no DNS)
        self.no_dns = no_dns


def call(method: str, url: str, *, deadline_s: float, body: bytes | None = None,
         headers: Mapping[str, str] | None = None, max_bytes: int = MAX_BODY_BYTES,
         connect_timeout_s: float | None = None) -> Reply:
    """`method url`, answered within `deadline_s` seconds of wall-clock time or CallFailed.

    `connect_timeout_s` (at most `deadline_s`) bounds opening the connection alone."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallFailed("not an http(s) URL")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    proxy = _proxy_for(parts.scheme, parts.hostname)
    if proxy is not None:  # HTTPS_PROXY / HTTP_PROXY, as requests and curl honour them (NO_PROXY too)
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=deadline_s,
                                               context=ssl.create_default_context())
            conn.set_tunnel(parts.hostname, parts.port or 443)
        else:
            conn = http.client.HTTPConnection(proxy[0], proxy[1], timeout=deadline_s)
            target = url  # a plain-HTTP proxy takes the absolute URL
    elif parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=deadline_s,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=deadline_s)
    end = time.monotonic() + deadline_s
    done = threading.Event()
    cut = threading.Event()
    watchdog = threading.Thread(target=_watch, args=(conn, end, done, cut), name="posture-deadline", daemon=True)
    watchdog.start()
    response: http.client.HTTPResponse | None = None
    try:
        conn.timeout = min(connect_timeout_s or deadline_s, deadline_s)
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as exc:
            timed_out = isinstance(exc, TimeoutError) or cut.is_set()
            raise CallFailed(f"could not connect ({type(exc).__name__})", timed_out=timed_out, not_connected=True,
                             no_dns=isinstance(exc, socket.gaierror)) from None
        if conn.sock is not None:
            conn.sock.settimeout(max(0.01, end - time.monotonic()))
        conn.request(method, target, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read(max_bytes + 1)
        if cut.is_set() or time.monotonic() > end:
            raise CallFailed(f"no complete answer within {deadline_s:g} s", timed_out=True)
        if len(data) > max_bytes:
            raise CallFailed("the answer is far too large")
        return Reply(response.status, response.headers, data)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if cut.is_set() or time.monotonic() > end or isinstance(exc, TimeoutError):
            raise CallFailed(f"no complete answer within {deadline_s:g} s", timed_out=True) from None
        raise CallFailed(f"could not connect or the connection broke ({type(exc).__name__})") from None
    finally:
        done.set()
        if response is not None:
            response.close()  # its file object holds the socket open until closed
        conn.close()


def _proxy_for(scheme: str, host: str) -> tuple[str, int] | None:
    """The proxy the environment names for `scheme`, unless NO_PROXY (or loopback) exempts `host`."""
    if host in ("localhost", "::1") or host.startswith("127.") or urllib.request.proxy_bypass(host):
        return None
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy:
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return (parts.hostname, parts.port or 8080) if parts.hostname else None


def _watch(conn: http.client.HTTPConnection, end: float, done: threading.Event, cut: threading.Event) -> None:
    while not done.wait(max(0.01, min(0.05, end - time.monotonic()))):
        if time.monotonic() >= end:
            cut.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                return
