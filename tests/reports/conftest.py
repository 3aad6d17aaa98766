"""Fixtures of part 9: Huey in-process, report files in a temporary directory, a small full demo
(every part's demo at 1/400 of the reference station) and users of each role."""

import pytest

from fengqiao.accounts.choices import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _huey_immediate():
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = before


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scheme(db):
    """The shipped scheme (from the data migration; put back after a transactional test's flush)."""
    from fengqiao.reports import services
    from fengqiao.reports.models import Scheme

    services.scheme_load_default()
    return Scheme.objects.order_by("effective_from").first()


DATA_MIGRATIONS = [
    "fengqiao.incidents.migrations.0002_categories_and_arrival_rules",
    "fengqiao.incidents.migrations.0004_callback_rules",
    "fengqiao.disputes.migrations.0002_default_types_and_triggers",
    "fengqiao.disputes.migrations.0004_default_channels",
    "fengqiao.cases.migrations.0002_offence_types_and_rules",
    "fengqiao.antifraud.migrations.0002_fraud_types_and_contact_rules",
    "fengqiao.estates.migrations.0002_registration_rule",
]


def _reload_national_tables():
    """A transaction=True test's flush erases the data-migration rows the demos need: run them again."""
    import importlib

    from django.apps import apps
    from django.db.migrations import RunPython

    from fengqiao.incidents.models import IncidentCategory

    if IncidentCategory.objects.exists():
        return
    for name in DATA_MIGRATIONS:
        for op in importlib.import_module(name).Migration.operations:
            if isinstance(op, RunPython):
                op.code(apps, None)


@pytest.fixture
def demo(db, scheme):
    """Every part's demo at scale 400 (~2 s): the reference station 玉津派出所 with a bit of everything."""
    from fengqiao.accounts.models import Station
    from fengqiao.demo import generator

    _reload_national_tables()

    generator.PART_DEMOS = [m for m in generator.PART_DEMOS if m != "fengqiao.demo.reports"]
    try:
        generator.load(scale=400, seed=3, log=lambda *a: None)
    finally:
        if "fengqiao.demo.reports" not in generator.PART_DEMOS:
            generator.PART_DEMOS.append("fengqiao.demo.reports")
    return Station.objects.get(code="511123-YJ")


@pytest.fixture
def leader(demo):
    return UserFactory(
        username="yj_leader", full_name="所领导甲", role=Role.STATION_LEADER, station=demo
    )


@pytest.fixture
def community_officer(demo):
    return UserFactory(
        username="yj_comm", full_name="社区民警乙", role=Role.COMMUNITY_OFFICER, station=demo
    )


@pytest.fixture
def bureau(demo):
    return UserFactory(
        username="county", full_name="县局考核员", role=Role.BUREAU, bureau=demo.bureau
    )


@pytest.fixture
def outsider(db):
    from tests.factories import StationFactory

    other = StationFactory(name="外县派出所", code="519999-WX")
    return UserFactory(
        username="outsider", full_name="外所民警", role=Role.STATION_LEADER, station=other
    )


@pytest.fixture
def make_report(django_capture_on_commit_callbacks):
    """Request a report and run its job (the on-commit enqueue, Huey in-process)."""
    from fengqiao.reports import services

    def make(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.report_request(**kwargs)
        report.refresh_from_db()
        return report

    return make
