"""A Pwned Passwords range API on 127.0.0.1 for the breach look-up tests.

It serves `GET /range/{5 hex}` like the real service: one `SUFFIX:COUNT` line per known hash under
the prefix, plus count-0 padding lines when the request says `Add-Padding: true`, and 403 without a
User-Agent. A script of faults (500, 429, slow, garbage, empty, 404) can be played first; the last
entry repeats. Every request's path and headers are recorded.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8")).hexdigest().upper()


@dataclass
class RangeApi:
    url: str
    counts: dict[str, int] = field(default_factory=dict)  # full SHA-1 → times seen
    script: list[str] = field(default_factory=lambda: ["ok"])
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)  # ends "slow" answers early

    def add(self, password: str, count: int) -> None:
        self.counts[sha1(password)] = count

    def next_behaviour(self) -> str:
        with self.lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def body(self, prefix: str, padding: bool) -> str:
        lines = [f"{h[5:]}:{n}" for h, n in self.counts.items() if h.startswith(prefix)]
        if padding:
            rng = random.Random(prefix)
            lines += [f"{rng.getrandbits(140):035X}:0" for _ in range(40)]
        rng = random.Random(prefix + "real")
        lines += [f"{rng.getrandbits(140):035X}:{rng.randint(1, 50)}" for _ in range(20)]
        random.Random(prefix).shuffle(lines)
        return "\r\n".join(lines)


@contextmanager
def range_api(script: list[str] | None = None) -> Iterator[RangeApi]:
    state: dict[str, RangeApi] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            api = state["api"]
            with api.lock:
                api.requests.append({"path": self.path, "headers": dict(self.headers)})
            if not self.headers.get("User-Agent"):
                return self.answer(403, "User-Agent required")
            behaviour = api.next_behaviour()
            if behaviour == "slow":
                api.release.wait(5)
                return self.answer(200, "")
            if behaviour.isdigit():
                return self.answer(int(behaviour), "error", {"Retry-After": "0"} if behaviour == "429" else None)
            if behaviour == "garbage":
                return self.answer(200, "<html>Service Unavailable</html>")
            if behaviour == "empty":
                return self.answer(200, "")
            prefix = self.path.rsplit("/", 1)[-1]
            if not self.path.startswith("/range/") or len(prefix) != 5:
                return self.answer(400, "The hash prefix was not in a valid format")
            padding = self.headers.get("Add-Padding", "").lower() == "true"
            return self.answer(200, api.body(prefix.upper(), padding))

        def answer(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    port = server.server_address[1]
    state["api"] = RangeApi(f"http://127.0.0.1:{port}/range/", script=script or ["ok"])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state["api"]
    finally:
        state["api"].release.set()
        server.shutdown()
        server.server_close()
