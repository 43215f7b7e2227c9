"""A proxy that answers every request with 502 and records where it was going.

Chromium sends loopback requests directly and everything else through its proxy: whatever
this proxy records is a request the page made to another host."""
from __future__ import annotations

import socketserver
import threading
from functools import lru_cache

# Chromium's own services, which it calls whatever the flags (its account service at start-up,
# its password leak check after a sign-in form); no page of ours names these hosts, so they
# are not counted as the page's requests.
BROWSER_SERVICES = ("CONNECT accounts.google.com:443 ", "CONNECT passwordsleakcheck-pa.googleapis.com:443 ")


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        first = self.rfile.readline(8192).decode("latin-1").strip()
        if first:
            self.server.requests.append(first)
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class RecordingProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def page_requests(self) -> list[str]:
        return [r for r in self.requests if not r.startswith(BROWSER_SERVICES)]


@lru_cache(maxsize=1)
def proxy() -> RecordingProxy:
    return RecordingProxy()
