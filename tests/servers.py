"""Loopback servers the tests start themselves (127.0.0.0/8 only)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def silent_service(address: str = "127.0.0.1") -> Iterator[int]:
    """A TCP port that accepts connections and never says a word: a hung backend, or a service whose
    version nmap's probes wait on for a long time. Yields the port."""
    server = socket.socket()
    server.bind((address, 0))
    server.listen(16)
    server.settimeout(0.2)
    stop, held = threading.Event(), []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()
