"""The API gives every figure, grouped, the ranking and the reports; same scoping and filter errors."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fengqiao.reports.indicators import REGISTRY
from fengqiao.reports.models import ReportDownload

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def api():
    return APIClient()


def test_every_figure_is_in_the_api(api, leader):
    api.force_authenticate(leader)
    r = api.get("/api/reports/figures/", {"period": "last_year"})
    assert r.status_code == 200
    assert {f["key"] for f in r.json()["figures"]} == set(REGISTRY)
    r = api.get("/api/reports/dashboard/", {"period": "this_year"})
    assert r.status_code == 200 and len(r.json()["series"]["months"]) == 12


def test_a_figure_by_group(api, leader):
    api.force_authenticate(leader)
    r = api.get(
        "/api/reports/figures/vehicles_recovered/", {"period": "last_year", "group": "community"}
    )
    body = r.json()
    assert r.status_code == 200 and body["group"] == "community"
    assert sum(row["value"] for row in body["rows"]) == (body["figure"]["value"] or 0)
    assert api.get("/api/reports/figures/nope/").status_code == 404
    assert (
        api.get("/api/reports/figures/vehicles_recovered/", {"group": "planet"}).status_code == 400
    )


def test_bad_filters_are_400_with_the_reason(api, leader):
    api.force_authenticate(leader)
    r = api.get(
        "/api/reports/dashboard/", {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}
    )
    assert r.status_code == 400 and "截止日期不能早于起始日期" in str(r.json())


def test_the_ranking(api, leader):
    api.force_authenticate(leader)
    r = api.get("/api/reports/evaluation/", {"level": "unit", "period": "last_year"})
    assert r.status_code == 200
    rows = [row for g in r.json()["groups"] for row in g["rows"]]
    assert rows and all("points" in row for row in rows)
    assert api.get("/api/reports/evaluation/", {"level": "galaxy"}).status_code == 400
    assert api.get("/api/reports/schemes/").json()[0]["indicators"]
    assert any(
        i["key"] == "callback_satisfaction" for i in api.get("/api/reports/indicators/").json()
    )


def test_reports_through_the_api(api, leader, outsider, django_capture_on_commit_callbacks):
    api.force_authenticate(leader)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            "/api/reports/reports/", {"kind": "monthly", "day": TODAY.isoformat()}, format="json"
        )
    assert r.status_code == 202
    pk = r.json()["id"]
    body = api.get(f"/api/reports/reports/{pk}/").json()
    assert body["status"] == "done" and set(body["files"]) == {"docx", "xlsx", "pdf"}
    r = api.get(body["files"]["pdf"])
    assert r.status_code == 200
    assert ReportDownload.objects.get().channel == "api"
    assert (
        api.post("/api/reports/reports/", {"kind": "yearly", "day": "x"}, format="json").status_code
        == 400
    )
    api.force_authenticate(outsider)
    assert api.get(f"/api/reports/reports/{pk}/").status_code == 404
    assert api.get("/api/reports/reports/").json() == []


def test_the_schema_lists_the_reports_endpoints(api, leader):
    api.force_authenticate(leader)
    r = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/reports/dashboard/" in text and "/api/reports/evaluation/" in text


def test_the_bureau_names_the_station(api, bureau, demo, django_capture_on_commit_callbacks):
    api.force_authenticate(bureau)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            "/api/reports/reports/",
            {"kind": "weekly", "day": TODAY.isoformat(), "station": demo.pk},
            format="json",
        )
    assert r.status_code == 202 and r.json()["station"] == demo.pk
    r = api.post(
        "/api/reports/reports/",
        {"kind": "weekly", "day": TODAY.isoformat(), "station": 999999},
        format="json",
    )
    assert r.status_code == 400 and "station" in r.json()
