"""Rate limits are counted in the database, so several web processes share them."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.db import connection
from rest_framework.test import APIClient

from fengqiao.core import ratelimit
from fengqiao.core.models import RateHit

T0 = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


def test_a_limit_refuses_beyond_its_count_and_says_how_long_to_wait(db):
    for n in range(3):
        assert ratelimit.hit("k", limit=3, seconds=60, now=T0 + dt.timedelta(seconds=n)) is None
    wait = ratelimit.hit("k", limit=3, seconds=60, now=T0 + dt.timedelta(seconds=10))
    assert wait == 50
    assert RateHit.objects.count() == 3  # a refused request is not counted
    assert ratelimit.hit("k", limit=3, seconds=60, now=T0 + dt.timedelta(seconds=61)) is None


def test_purge_forgets_old_hits(db):
    ratelimit.hit("k", limit=3, seconds=60, now=T0)
    ratelimit.hit("k", limit=3, seconds=60, now=T0 + dt.timedelta(hours=30))
    assert ratelimit.purge(now=T0 + dt.timedelta(hours=30)) == 1


def _database_url(db) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# A second web process: its own interpreter, its own memory, the same database.
OTHER_PROCESS = """
import django
django.setup()
from django.test import Client
print(Client().get("/api/vehicles/owner/", REMOTE_ADDR="198.51.100.4").status_code)
"""


@pytest.mark.django_db(transaction=True)
def test_a_second_process_shares_the_owner_apps_address_limit(settings):
    """The owner app (X-Owner-Key) is throttled per address (30 a minute). Counted in each process's
    memory, a second gunicorn worker would grant the same address a fresh allowance."""

    def call(address="198.51.100.4"):
        return APIClient().get("/api/vehicles/owner/", REMOTE_ADDR=address).status_code

    assert {call() for _ in range(30)} == {403}  # no key: refused, but counted
    assert call() == 429
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
    }
    other = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", OTHER_PROCESS], env=env, capture_output=True, text=True, timeout=150
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip().splitlines()[-1] == "429"
    assert call("198.51.100.5") == 403  # another address is not affected
