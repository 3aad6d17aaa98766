"""Estates fixtures: a real estate gateway on an ephemeral port (own event loop in a thread), an
estate of community A with a gate, and the registration-check rule after a flush."""

import asyncio
import http.client
import importlib
import threading

import pytest
from django.apps import apps

from fengqiao.gateway.estate_server import EstateConfig, EstateGateway


@pytest.fixture(autouse=True)
def _estate_rules(request):
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue(
        "transactional_db" if "transactional_db" in request.fixturenames else "db"
    )
    importlib.import_module("fengqiao.estates.migrations.0002_registration_rule").load_defaults(
        apps
    )


class RunningEstateGateway:
    def __init__(self, **overrides):
        from fengqiao.estates.store import EstateStore

        self.config = EstateConfig(host="127.0.0.1", port=0, commit_interval_ms=0, **overrides)
        self.gateway = EstateGateway(self.config, EstateStore)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.started = threading.Event()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.gateway.start())
        self.port = self.gateway.port
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

    def post(self, path, body=b"", content_type="application/json", method="POST", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(
            method, path, body=body, headers={"Content-Type": content_type, **(headers or {})}
        )
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data.decode("utf-8", "replace")

    def get(self, path):
        return self.post(path, method="GET", content_type="text/plain")

    def stats(self):
        return dict(self.gateway.status())


@pytest.fixture
def estate_gateway(transactional_db):
    gw = RunningEstateGateway().start()
    yield gw
    gw.stop()


@pytest.fixture
def estate(community_a):
    from fengqiao.estates.models import Estate

    return Estate.objects.create(station=community_a.station, community=community_a, name="百草苑小区", households=320,
                                 latitude=29.21, longitude=103.95)  # fmt: skip


@pytest.fixture
def gate(estate):
    from fengqiao.estates.models import Gate

    return Gate.objects.create(estate=estate, name="东门", direction="")


@pytest.fixture
def other_estate(community_b):
    from fengqiao.estates.models import Estate

    return Estate.objects.create(
        station=community_b.station, community=community_b, name="江湾壹号小区"
    )


def wait_for(predicate, timeout=10.0):
    import time

    from django.db import OperationalError

    def attempt():
        try:
            return predicate()
        except (
            OperationalError
        ) as exc:  # SQLite's shared in-memory test database: the writer thread holds it
            if "locked" not in str(exc):
                raise
            return None

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = attempt()
        if value:
            return value
        time.sleep(0.05)
    return attempt()
