"""Attack: a county bureau (or a station leader) editing the installation-wide tables (issue 19,
item 4). Time-limit rules, the holiday arrangement, incident categories, dispute types, channels and
warning triggers, the offence table, fraud types, the evaluation scheme, its indicators and the
station categories apply to every station of every county: administrators edit them, everyone else
reads. Each editing page and API is POSTed to by a bureau user and by a station leader: 403 and
nothing in the change log."""

import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.accounts.choices import Role
from fengqiao.core.models import ObjectChange
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(db):
    """(url name, kwargs, POST data) of every editing page, with real ids from the shipped tables."""
    from fengqiao.antifraud.models import FraudType
    from fengqiao.cases.models import OffenceType
    from fengqiao.core.workflow_models import CalendarDay, TimeLimitRule
    from fengqiao.disputes.models import DisputeType, MediationChannel, WarningTrigger
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.reports import services as report_services
    from fengqiao.reports.models import Scheme

    report_services.scheme_load_default()
    scheme = Scheme.objects.order_by("effective_from").first()
    indicator = scheme.indicators.first()
    day = CalendarDay.objects.create(date=dt.date(2031, 1, 1), name="元旦")
    rule = TimeLimitRule.objects.first()
    category = IncidentCategory.objects.first()
    offence = OffenceType.objects.first()
    fraud = FraudType.objects.first()
    trigger = WarningTrigger.objects.first()
    row = {"code": "X9", "name": "攻击", "sort": "1", "active": "on", "kind": "administrative"}
    pages = [
        ("core:rule_create", {}, {"name": "攻击规则"}),
        ("core:rule_revise", {"pk": rule.pk}, {"effective_from": "2031-01-01"}),
        ("core:calendar_add", {}, {"date": "2031-01-02", "day_off": "on", "name": "攻击"}),
        ("core:calendar_import", {}, {"text": "2031-01-03 休 攻击"}),
        ("core:calendar_edit", {"pk": day.pk}, {"date": "2031-01-01", "name": "攻击"}),
        ("core:calendar_delete", {"pk": day.pk}, {}),
        ("incidents:category_list", {}, row),
        ("incidents:category_edit", {"pk": category.pk}, row),
        ("cases:offence_list", {}, row),
        ("cases:offence_edit", {"pk": offence.pk}, row),
        ("antifraud:type_list", {}, row),
        ("antifraud:type_edit", {"pk": fraud.pk}, row),
        ("disputes:trigger_list", {}, {"name": "攻击", "active": "on"}),
        ("disputes:table_edit", {"table": "types"}, row),
        ("disputes:table_edit", {"table": "channels"}, row),
        (
            "reports:scheme_revise",
            {"pk": scheme.pk},
            {"effective_from": "2031-01-01", "name": "攻击"},
        ),
        ("reports:indicator_create", {"pk": scheme.pk}, {"code": "x9", "name": "攻击"}),
        ("reports:indicator_edit", {"pk": scheme.pk, "ipk": indicator.pk}, {"name": "攻击"}),
        ("reports:indicator_delete", {"pk": scheme.pk, "ipk": indicator.pk}, {}),
        ("reports:categories", {}, {"form": "category", "c-name": "攻击", "c-sort": "1"}),
    ]
    if trigger is not None:
        pages.append(
            ("disputes:trigger_edit", {"pk": trigger.pk}, {"name": "攻击", "active": "on"})
        )
    pages.append(
        ("disputes:table_row_edit", {"table": "types", "pk": DisputeType.objects.first().pk}, row)
    )
    pages.append(
        (
            "disputes:table_row_edit",
            {"table": "channels", "pk": MediationChannel.objects.first().pk},
            row,
        )
    )
    return pages, rule


@pytest.fixture(params=["bureau", "leader"])
def intruder(request, station):
    if request.param == "bureau":
        return UserFactory(
            username="county_x", role=Role.BUREAU, station=None, bureau=station.bureau
        )
    return UserFactory(username="leader_x", role=Role.STATION_LEADER, station=station)


def test_only_administrators_may_edit_installation_tables(client, login, intruder, targets):
    pages, rule = targets
    login(client, intruder)
    before = ObjectChange.objects.count()
    for name, kwargs, data in pages:
        url = reverse(name, kwargs=kwargs)
        assert client.get(url).status_code in (200, 403, 405), url  # reading stays open (or 405)
        assert client.post(url, data).status_code == 403, url
    response = client.post(
        f"/api/core/rules/{rule.pk}/revise/",
        {"effective_from": "2031-01-01", "note": "攻击"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert ObjectChange.objects.count() == before


def test_the_bureau_still_reads_them(client, login, station, targets):
    pages, _rule = targets
    login(
        client,
        UserFactory(username="county_r", role=Role.BUREAU, station=None, bureau=station.bureau),
    )
    for name in ("core:rule_list", "incidents:category_list", "cases:offence_list", "antifraud:type_list",
                 "disputes:trigger_list", "reports:scheme_list"):  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name


def test_an_administrator_still_edits_them(station):
    from fengqiao.cases.models import OffenceType
    from fengqiao.cases.services import offence_save

    admin = UserFactory(username="admin_x", role=Role.ADMIN, station=station)
    offence = OffenceType.objects.first()
    offence_save(
        actor=admin, instance=offence, code=offence.code, name="改名案由", kind=offence.kind
    )
    offence.refresh_from_db()
    assert offence.name == "改名案由"


def test_the_bureau_assigns_a_category_to_its_own_stations_only(station, other_station):
    from django.core.exceptions import PermissionDenied

    from fengqiao.reports import services
    from fengqiao.reports.models import StationCategory
    from tests.factories import BureauFactory, StationFactory

    county = UserFactory(username="county_c", role=Role.BUREAU, station=None, bureau=station.bureau)
    category = StationCategory.objects.create(name="城区所")
    assert services.station_category_set(actor=county, station=station, category=category)
    far = StationFactory(code="519999-WX", bureau=BureauFactory(code="519999", name="外县公安局"))
    with pytest.raises(PermissionDenied):
        services.station_category_set(actor=county, station=far, category=category)
    with pytest.raises(PermissionDenied):
        services.category_save(actor=county, category=None, data={"name": "攻击"})
