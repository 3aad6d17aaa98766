"""The station's heaviest pages (bench/bench_pages.py) ask the database the same number of times
whatever the size of the history: each is loaded with N rows behind it and again with 3N, and the
two counts must be equal (and under a bound), so a query per row fails here before it reaches a
station with 150,000 residents."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fengqiao.accounts.choices import Role
from tests.factories import AddressFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

N = 3
RLS_REQUEST_OVERHEAD = 4


def _queries(client, url) -> int:
    client.get(url)  # warm: per-process caches (content types, rules) are not the page's cost
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # On PostgreSQL the station scope of row-level security is set once per transaction
    # (core/postgresql): bookkeeping of the connection, not a query of the page.
    return sum(1 for q in ctx.captured_queries if "set_config('fengqiao.stations'" not in q["sql"])


def _flat(client, url, grow, bound):
    grow(N)
    few = _queries(client, url)
    grow(2 * N)
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries with {N} rows, {many} with {3 * N}"
    if connection.vendor == "postgresql":
        # Row-level security's request transaction (core/rls.py): its SAVEPOINT pair in a test (BEGIN
        # and COMMIT in production), and the session and user read a second time when the station
        # scope is first needed. Constant per request; docs/deploy.md "Two roles".
        bound += RLS_REQUEST_OVERHEAD
    assert few <= bound, f"{url}: {few} queries (bound {bound})"


@pytest.fixture
def cat_dispute(db):
    import importlib

    from django.apps import apps

    from fengqiao.incidents.models import IncidentCategory

    if not IncidentCategory.objects.filter(code="JF-LL").exists():
        importlib.import_module(
            "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
        ).load_defaults(apps)
    return IncidentCategory.objects.get(code="JF-LL")


def test_registry_search_by_name_or_address(alice_client, community_a):
    counter = iter(range(10_000))

    def grow(n):
        for _ in range(n):
            i = next(counter)
            PersonFactory(
                community=community_a,
                name=f"王{'芳伟敏'[i % 3]}",
                address=AddressFactory(community=community_a, road=f"王家巷{i}"),
            )

    url = reverse("registry:person_list") + "?q=王"
    _flat(alice_client, url, grow, bound=16)
    _flat(alice_client, reverse("registry:person_list") + "?q=王家巷", grow, bound=14)


def test_leader_home(alice_client, alice, station, community_a, cat_dispute):
    from fengqiao.incidents.services import incident_receive
    from fengqiao.notifications.services import notification_send

    duty = UserFactory(role=Role.DUTY_OFFICER, station=station)
    counter = iter(range(10_000))

    def grow(n):
        for _ in range(n):
            i = next(counter)
            incident_receive(
                actor=duty,
                station=station,
                category=cat_dispute,
                caller_name="张三",
                caller_phone="13812345678",
                location=f"西街{i}号",
                community=community_a,
                narrative="邻居吵架",
            )
            notification_send(recipients=[alice], kind="test", title=f"请处理{i}", level="orange")

    _flat(alice_client, reverse("home"), grow, bound=40)


def test_live_map(alice_client, community_a):
    from tests.vehicles.factories import tracked_vehicle

    def grow(n):
        now = timezone.now()
        for i in range(n):
            vehicle = tracked_vehicle(owner=PersonFactory(community=community_a))
            device = vehicle.device
            device.latitude, device.longitude = 29.6 + i * 0.001, 103.95
            device.last_fix_at = device.last_seen_at = now - dt.timedelta(minutes=1)
            device.save()

    url = "/vehicles/live.json?bbox=29.55,103.87,29.65,104.03&zoom=14"
    _flat(alice_client, url, grow, bound=5)


def test_kpi_dashboard(alice_client, station):
    from decimal import Decimal

    from fengqiao.antifraud.models import FraudCase, FraudType

    fraud_type = FraudType.objects.first()
    assert fraud_type is not None
    counter = iter(range(10_000))

    def grow(n):
        today = timezone.localdate()
        FraudCase.objects.bulk_create(
            FraudCase(
                station=station,
                reference=f"FZ{(i := next(counter))}",
                occurred_on=today - dt.timedelta(days=(i * 37) % 700),
                fraud_type=fraud_type,
                loss=Decimal("1000.00"),
            )
            for _ in range(n)
        )

    _flat(alice_client, "/api/reports/dashboard/?period=this_year", grow, bound=32)


def test_case_room(alice_client, alice, station):
    from fengqiao.cases import services as case_services
    from fengqiao.cases.models import OffenceType

    officer = UserFactory(role=Role.CASE_OFFICER, station=station)
    officer2 = UserFactory(role=Role.CASE_OFFICER, station=station)
    offence = OffenceType.objects.filter(kind="administrative").first()
    assert offence is not None

    def grow(n):
        for i in range(n):
            case_services.case_open(
                actor=alice,
                kind="administrative",
                offence=offence,
                title=f"张某被打案{i}",
                lead_officer=officer,
                second_officer=officer2,
                reported_at=None,
                summary="简要案情",
            )

    _flat(alice_client, reverse("cases:room"), grow, bound=20)
