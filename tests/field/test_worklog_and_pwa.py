"""The community officer's work log (counted per officer), and the PWA shell: manifest, service worker
that caches no one's data, caches cleared at sign-out."""

import pytest
from django.urls import reverse

from fengqiao.field.models import WorkLogEntry

pytestmark = pytest.mark.django_db


def test_worklog_form_validates_and_counts_per_officer(bob_client, bob, alice, charlie, frozen):
    url = reverse("field:worklog")
    resp = bob_client.post(url, {"kind": "", "place": "", "occurred_at": ""})
    assert resp.status_code == 200 and not WorkLogEntry.objects.exists()
    for kind in ("visit", "visit", "patrol"):
        resp = bob_client.post(
            url,
            {
                "kind": kind,
                "place": "西街12号",
                "occurred_at": "2026-03-02 09:00",
                "note": "走访独居老人",
            },
        )
        assert resp.status_code == 302
    page = bob_client.get(url, {"kind": "visit"}).content.decode()
    assert "共 2 条" in page and "鲍勃" in page
    page = bob_client.get(url, {"q": "独居"}).content.decode()
    assert "共 3 条" in page
    # Another station's user sees none of it.
    from tests.conftest import _login

    other = _login(type(bob_client)(), charlie)
    assert "鲍勃" not in other.get(url).content.decode()


def test_worklog_refuses_future_and_roles_without_a_log(bob, station):
    import datetime as dt

    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils import timezone

    from fengqiao.field import services
    from tests.factories import UserFactory

    with pytest.raises(ValidationError, match="晚于"):
        services.worklog_add(
            actor=bob, kind="visit", place="x", occurred_at=timezone.now() + dt.timedelta(hours=2)
        )
    auditor = UserFactory(role="auditor", station=station)
    with pytest.raises(PermissionDenied):
        services.worklog_add(actor=auditor, kind="visit", place="x", occurred_at=timezone.now())


def test_manifest_and_service_worker(client, bob_client):
    m = client.get(reverse("field:manifest"))
    assert m.status_code == 200 and m["Content-Type"].startswith("application/manifest+json")
    assert m.json()["start_url"] == "/field/" and m.json()["display"] == "standalone"
    sw = bob_client.get(reverse("field:sw"))
    body = sw.content.decode()
    assert sw["Content-Type"].startswith("application/javascript")
    assert sw["Service-Worker-Allowed"] == "/field/"
    # It caches the shell only: the offline page and static files, never a data page or the API.
    assert '"/field/offline/"' in body and "/api/" not in body
    assert "signed-out" in body and "caches.delete" in body


def test_offline_page_holds_no_ones_data(bob_client, bob):
    page = bob_client.get(reverse("field:offline")).content.decode()
    assert bob.full_name not in page and bob.username not in page


def test_sign_out_clears_the_browser_caches(bob_client):
    resp = bob_client.post(reverse("accounts:logout"))
    assert resp["Clear-Site-Data"] == '"cache"'


def test_home_offers_the_offline_forms_of_the_officers_day(
    bob, station, community_a, client, login
):
    from fengqiao.registry.models import LiaisonPoint

    LiaisonPoint.objects.create(
        station=station, community=community_a, name="西街茶馆", contact_name="王婆",
        contact_phone="13800000001",
    )  # fmt: skip
    login(client, bob)
    page = client.get(reverse("field:home")).content.decode()
    for form in ('data-kind="intake"', 'data-kind="screening_call"', 'data-kind="worklog"'):
        assert form in page
    assert "西街茶馆" in page and "13800000001" not in page


def test_the_work_log_counts_in_the_reports_per_officer(bob_client, bob, alice, station, frozen):
    import datetime as dt

    from django.utils import timezone

    from fengqiao.reports.indicators import REGISTRY, Scope

    for kind in ("visit", "visit", "patrol"):
        bob_client.post(
            reverse("field:worklog"),
            {"kind": kind, "place": "西街12号", "occurred_at": "2026-03-02 09:00"},
        )
    today = timezone.localdate()
    scope = Scope(
        user=alice, start=today - dt.timedelta(days=7), end=today, station_ids=[station.pk]
    )
    assert REGISTRY["field_work_entries"](scope, "officer")[bob.pk].value == 3
    assert REGISTRY["field_work_visit"](scope, "officer")[bob.pk].value == 2
    assert REGISTRY["field_work_visit"](scope, "total")[None].value == 2
    assert REGISTRY["field_work_patrol"].drill(scope).queryset.count() == 1
