"""Fixtures for notification tests: Huey in immediate mode, and a local HTTP server that fails first."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture(autouse=True)
def _huey_immediate():
    """Run Huey tasks in-process (memory storage), never in the shared var/huey.db."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = before


class _Recorder:
    def __init__(self, fail_first: int, fail_status: int):
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.requests: list[dict] = []
        self.lock = threading.Lock()


@pytest.fixture
def gateway():
    """A local HTTP server on 127.0.0.1; `gateway.fail_first = N` makes the first N requests fail (503)."""
    recorder = _Recorder(0, 503)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            with recorder.lock:
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": raw,
                    }
                )
                failing = len(recorder.requests) <= recorder.fail_first
            status = recorder.fail_status if failing else 200
            payload = json.dumps({"ok": not failing}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = _handle
        do_GET = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield recorder
    server.shutdown()
    server.server_close()
