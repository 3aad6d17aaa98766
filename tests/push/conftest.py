"""A real push server on a free loopback port, run in its own thread and event loop, and raw HTTP
clients that read its server-sent events the way a browser's EventSource does."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from fengqiao.push.server import PushConfig, PushServer


class Running:
    def __init__(self, **config):
        self.config = PushConfig(host="127.0.0.1", port=0, **config)
        self.loop = asyncio.new_event_loop()
        self.server: PushServer | None = None
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = PushServer(self.config)
            self.loop.run_until_complete(self.server.start())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(10), "push server did not start"
        self.port = self.server.port

    def call(self, fn):
        """Run fn() on the server's loop and return its result."""
        done = threading.Event()
        out = {}

        def go():
            out["v"] = fn()
            done.set()

        self.loop.call_soon_threadsafe(go)
        done.wait(5)
        return out["v"]

    def status(self) -> dict:
        return self.call(self.server.status)

    def stop(self):
        if self.server is None:
            return
        future = asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop)
        future.result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.server = None


class Client:
    """One tab: GET /push/stream with the cookie, then the parsed events as they come."""

    def __init__(
        self, port, cookie="", *, channels="", last_event_id=None, since=None, rcvbuf=None
    ):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect(("127.0.0.1", port))
        query = f"ch={channels}" + (f"&since={since}" if since is not None else "")
        headers = [f"GET /push/stream?{query} HTTP/1.1", "Host: x", "Accept: text/event-stream"]
        if cookie:
            headers.append(f"Cookie: {cookie}")
        if last_event_id is not None:
            headers.append(f"Last-Event-ID: {last_event_id}")
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.buffer = b""
        self.status = None
        self.events: list[dict] = []
        self.closed = False

    def _fill(self, timeout) -> bool:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, BlockingIOError):
            return False
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buffer += data
        return True

    def head(self, timeout=5) -> int:
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buffer and time.monotonic() < deadline and not self.closed:
            self._fill(0.2)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1]) if head else None
        return self.status

    def _parse(self):
        while b"\n\n" in self.buffer:
            block, self.buffer = self.buffer.split(b"\n\n", 1)
            event = {}
            for line in block.decode().split("\n"):
                key, _, value = line.partition(": ")
                if key in ("id", "event", "data"):
                    event[key] = value
            if "event" in event:
                self.events.append(event)

    def wait_for(self, count, timeout=5) -> list[dict]:
        deadline = time.monotonic() + timeout
        self._parse()
        while len(self.events) < count and time.monotonic() < deadline and not self.closed:
            self._fill(0.1)
            self._parse()
        return self.events

    def close(self):
        self.sock.close()


@pytest.fixture
def start_push():
    servers = []

    def start(**config):
        running = Running(**config)
        servers.append(running)
        return running

    yield start
    for running in servers:
        running.stop()


def cookie_for(client, user) -> str:
    from django.conf import settings

    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
