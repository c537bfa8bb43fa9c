"""A webhook endpoint on 127.0.0.1 for the alert tests: records every POST and answers with a script
of status codes (the last one repeats)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Webhook:
    url: str
    statuses: list[int]
    delay_s: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def webhook(statuses: list[int] | None = None, delay_s: float = 0.0) -> Iterator[Webhook]:
    state: dict[str, Webhook] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            hook = state["hook"]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if hook.delay_s:
                threading.Event().wait(hook.delay_s)
            with hook.lock:
                hook.received.append(json.loads(body))
                hook.paths.append(self.path)
            status = hook.next_status()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"error")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that gave up (the timeout test) is expected; don't print its traceback

    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    state["hook"] = Webhook(f"http://127.0.0.1:{port}/services/T0000/B0000/s3cr3tT0k3n", statuses or [200], delay_s)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state["hook"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a port bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/services/T0000/B0000/s3cr3tT0k3n"
