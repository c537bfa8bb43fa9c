"""posture.webcall: the proxy the environment names is used (NO_PROXY and loopback exempt), the answer and
its status come back unchanged, redirects are returned, never followed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from posture.webcall import CallFailed, call


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            seen.append(self.path)
            body = b"via the proxy"
            self.send_response(302 if "redirect" in self.path else 200)
            self.send_header("Location", "http://127.0.0.71:1/elsewhere")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.70", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.70:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_the_environments_proxy_carries_a_plain_http_request(proxy: tuple[str, list[str]],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen = proxy
    for name in list(os.environ):  # whatever an earlier test or the machine set: only this proxy counts
        if name.lower() in ("no_proxy", "http_proxy", "https_proxy", "all_proxy", "request_method"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("http_proxy", url)
    reply = call("GET", "http://range.example.invalid/range/ABCDE", deadline_s=5)
    assert reply.status == 200 and reply.body == b"via the proxy"
    assert seen == ["http://range.example.invalid/range/ABCDE"]


def test_no_proxy_and_loopback_go_direct(proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen = proxy
    monkeypatch.setenv("http_proxy", "http://127.0.0.72:9")  # nothing listens: used, it would fail
    reply = call("GET", f"{url}/direct", deadline_s=5)
    assert reply.status == 200 and seen == ["/direct"]
    monkeypatch.setenv("no_proxy", "range.example.invalid")
    with pytest.raises(CallFailed, match="could not connect"):
        call("GET", "http://range.example.invalid/x", deadline_s=5)  # direct: the name does not resolve


def test_a_redirect_is_returned_not_followed(proxy: tuple[str, list[str]]) -> None:
    url, seen = proxy
    reply = call("GET", f"{url}/redirect", deadline_s=5)
    assert reply.status == 302 and seen == ["/redirect"]
