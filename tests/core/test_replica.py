"""The read replica: marked heavy reads go to a healthy replica, everything else to the primary; a
lagging or stopped replica is skipped (core/replica.py, docs/deploy.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS

from fengqiao.core import replica
from fengqiao.core.replica import ReplicaRouter, replica_reads, using_replica
from fengqiao.registry.models import Person
from tests import pgcluster

ROOT = Path(__file__).resolve().parents[2]
PRIMARY_PORT, REPLICA_PORT = pgcluster.PORT_BASE, pgcluster.PORT_BASE + 1


@pytest.fixture
def healthy_replica(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "_probe", lambda: (True, 0.0, "lag 0.0 s"))
    replica.forget()
    yield
    replica.forget()


def test_only_marked_reads_go_to_the_replica(healthy_replica):
    router = ReplicaRouter()
    assert router.db_for_read(Person) is None  # an ordinary read: the primary
    with using_replica():
        assert router.db_for_read(Person) == "replica"
        assert router.db_for_write(Person) == DEFAULT_DB_ALIAS  # writes never
    assert router.db_for_read(Person) is None

    @replica_reads
    def view():
        return router.db_for_read(Person)

    assert view() == "replica"
    assert router.db_for_read(Person) is None
    assert router.allow_migrate("replica", "registry") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry") is None


def test_no_replica_configured_means_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: False)
    replica.forget()
    with using_replica():
        assert ReplicaRouter().db_for_read(Person) is None


def test_health_is_checked_at_most_every_few_seconds(monkeypatch, settings):
    calls = []
    answers = iter([(False, 45.0, "lag 45.0 s > 30 s"), (True, 0.0, "lag 0.0 s")])
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "_probe", lambda: calls.append(1) or next(answers))
    clock = [1000.0]
    monkeypatch.setattr(replica.time, "monotonic", lambda: clock[0])
    settings.REPLICA_CHECK_SECONDS = 5
    replica.forget()
    with using_replica():
        assert ReplicaRouter().db_for_read(Person) is None  # lagging: the primary
        clock[0] += 4
        assert ReplicaRouter().db_for_read(Person) is None  # cached: not asked again
        assert len(calls) == 1
        clock[0] += 2
        assert ReplicaRouter().db_for_read(Person) == "replica"  # asked again: caught up
        assert len(calls) == 2
    replica.forget()


def test_the_views_marked_are_the_heavy_ones():
    from fengqiao.antifraud import views as antifraud_views
    from fengqiao.incidents import views as incident_views
    from fengqiao.reports import views as report_views

    for view in (
        report_views.dashboard,
        report_views.drill,
        report_views.evaluation,
        incident_views._export,
        antifraud_views._export,
    ):
        assert getattr(view, "uses_replica", False), view
    assert not getattr(incident_views.incident_detail, "uses_replica", False)
    assert not getattr(incident_views.incident_list, "uses_replica", False)


# ----------------------------------------------------------------------------- real clusters


@pytest.fixture(scope="module")
def clusters(django_db_setup, django_db_blocker):
    from django.conf import settings

    from tests import schema_cache

    default = settings.DATABASES["default"]
    if "postgresql" not in default["ENGINE"]:
        pytest.skip(
            "needs PostgreSQL: DATABASE_URL=postgres://… (the schema is copied from its template)"
        )
    reason = pgcluster.missing_reason()
    if reason:
        pytest.skip(reason)
    with django_db_blocker.unblock():
        template = schema_cache.postgres_template(default)
    primary = pgcluster.Cluster(PRIMARY_PORT).init().start()
    standby = None
    try:
        pgcluster.copy_database(schema_cache._database_url(default, template), primary, "fq")
        standby = primary.replica(REPLICA_PORT)
        yield primary, standby
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()


@pytest.mark.postgres
def test_heavy_page_reads_from_the_replica_and_falls_back_when_it_lags_or_is_down(clusters):
    primary, standby = clusters
    env = {
        **os.environ,
        "DATABASE_URL": primary.url("fq"),
        "REPLICA_DATABASE_URL": standby.url("fq"),
        "REPLICA_MAX_LAG_SECONDS": "1",
        "REPLICA_STOP_COMMAND": " ".join(
            ["runuser", "-u", "postgres", "--"] * (os.geteuid() == 0)
            + [
                str(standby.bin / "pg_ctl"),
                "-D",
                str(standby.data),
                "-m",
                "immediate",
                "-w",
                "stop",
            ]
        ),
        "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.core.replica_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, (
        done.stdout[-2000:] + done.stderr[-4000:] + standby.log_tail()
    )
    standby.running = False  # stopped by the probe
    result = json.loads(lines[-1][len("RESULT ") :])

    fresh = result["fresh"]
    assert fresh["status"] == 200
    assert fresh["replica_queries"] > 0, fresh  # the dashboard's figures came from the replica
    assert fresh["state"].startswith("lag")

    lagging = result["lagging"]
    assert lagging["status"] == 200
    assert lagging["replica_queries"] == 0, lagging  # beyond the bound: the primary answered
    assert "> 1 s" in lagging["state"], lagging

    assert result["caught_up"]["replica_queries"] > 0, result["caught_up"]  # replayed: used again

    down = result["down"]
    assert down["status"] == 200, down  # the page still answers
    assert down["state"].startswith("unreachable"), down
    # every read the replica answered when fresh is now asked of the primary (the primary's own
    # few — session, user, the once-a-minute last-seen write — vary between requests)
    assert down["primary_queries"] >= fresh["replica_queries"] > 0, (down, fresh)
    assert result["down_seconds"] < 10
