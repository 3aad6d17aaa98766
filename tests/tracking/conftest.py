"""A real gateway on ephemeral ports, running in a background thread with its own event loop."""

import asyncio
import socket
import threading
import time

import pytest

from fengqiao.gateway.server import Config, Gateway, Limits


class RunningGateway:
    def __init__(self, limits: Limits, **config):
        from fengqiao.tracking.store import DjangoStore

        self.config = Config(
            host=config.pop("host", "127.0.0.1"),
            gt06_port=0,
            jt808_port=0,
            osmand_port=0,
            command_poll_seconds=0.2,
            limits=limits,
            **config,
        )
        self.gateway = Gateway(self.config, DjangoStore)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.started = threading.Event()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.gateway.start())
        self.ports = self.gateway.ports()
        self.started.set()
        self.loop.run_forever()

    def start(self):
        self.thread.start()
        assert self.started.wait(20)
        return self

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.gateway.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def connect(self, protocol: str) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.ports[protocol]), timeout=5)
        return sock

    def stats(self):
        return dict(self.gateway.stats)


@pytest.fixture
def gateway_limits():
    return Limits(max_errors=5, idle_seconds=600, rate=100, burst=1000)


@pytest.fixture
def gateway_config():
    """Config fields other than ports and limits (parametrize to change them)."""
    return {}


@pytest.fixture
def running_gateway(transactional_db, gateway_limits, gateway_config, settings):
    settings.GATEWAY_HOOKS = ["tests.tracking.test_gateway.record_hook"]
    gw = RunningGateway(gateway_limits, **gateway_config).start()
    yield gw
    gw.stop()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()
