"""/api/core/: rules, clocks and extension decisions through the same services as the pages."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fengqiao.accounts.choices import Role
from fengqiao.core import rules
from fengqiao.core.choices import ClockState, ExtensionDecision
from fengqiao.core.services import clock_start, rules_load_defaults
from fengqiao.core.workflow_models import ClockExtension, TimeLimitRule
from tests.factories import PersonFactory, UserFactory

BJ = rules.TZ


@pytest.fixture(autouse=True)
def _default_rules(db):
    rules_load_defaults()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def officer(station):
    return UserFactory(username="dave", full_name="戴夫", role=Role.CASE_OFFICER, station=station)


@pytest.fixture
def bureau_head(station):
    return UserFactory(username="bureau", role=Role.BUREAU, station=None, bureau=station.bureau)


@pytest.fixture
def clock(community_a, officer):
    return clock_start(
        obj=PersonFactory(community=community_a),
        kind="public_security_case",
        assignee=officer,
        started_at=dt.datetime(2026, 8, 1, 10, tzinfo=BJ),
    )


def test_rules_are_listed_with_their_limits(officer):
    response = api(officer).get("/api/core/rules/?kind=public_security_case")
    assert response.status_code == 200
    [rule] = response.json()["results"]
    assert (rule["limit_value"], rule["limit_unit"], rule["limit_display"]) == (30, "days", "30日")


def test_officer_cannot_revise_a_rule_by_api(officer):
    rule = TimeLimitRule.objects.get(kind="callback_local")
    response = api(officer).post(
        f"/api/core/rules/{rule.pk}/revise/",
        {"effective_from": "2026-12-01", "note": "x", "limit_value": 2},
        format="json",
    )
    assert response.status_code == 403


def test_admin_revision_with_a_negative_limit_is_refused_by_api(rules_admin):
    rule = TimeLimitRule.objects.get(kind="callback_local")
    response = api(rules_admin).post(
        f"/api/core/rules/{rule.pk}/revise/",
        {"effective_from": "2026-12-01", "note": "x", "limit_value": -2},
        format="json",
    )
    assert response.status_code == 400
    assert "期限必须是大于0的整数" in str(response.json())
    assert TimeLimitRule.objects.filter(kind="callback_local").count() == 1


def test_my_clocks_are_listed_soonest_first(officer, clock):
    response = api(officer).get("/api/core/clocks/?mine=1")
    assert [c["id"] for c in response.json()["results"]] == [clock.pk]
    assert response.json()["results"][0]["rule_name"] == "治安案件办理期限"


def test_another_station_does_not_see_the_clock(charlie, clock):
    assert api(charlie).get(f"/api/core/clocks/{clock.pk}/").status_code == 404


def test_pause_by_api_and_refusal_without_reason(officer, clock):
    assert (
        api(officer)
        .post(f"/api/core/clocks/{clock.pk}/pause/", {"reason": ""}, format="json")
        .status_code
        == 400
    )
    response = api(officer).post(
        f"/api/core/clocks/{clock.pk}/pause/", {"reason": "鉴定"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == ClockState.PAUSED


def test_extension_request_and_approval_by_api(officer, bureau_head, alice, clock):
    response = api(officer).post(
        f"/api/core/clocks/{clock.pk}/extend/",
        {"option_key": "complex", "reason": "需补充调查"},
        format="json",
    )
    assert response.status_code == 201
    ext_id = response.json()["id"]
    refused = api(alice).post(f"/api/core/extensions/{ext_id}/approve/", {}, format="json")
    assert refused.status_code == 403 and "县局" in refused.json()["detail"]
    approved = api(bureau_head).post(
        f"/api/core/extensions/{ext_id}/approve/", {"note": "同意"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["decision"] == ExtensionDecision.APPROVED
    assert ClockExtension.objects.get(pk=ext_id).decided_by == bureau_head


def test_extension_longer_than_the_option_is_refused_by_api(officer, clock):
    response = api(officer).post(
        f"/api/core/clocks/{clock.pk}/extend/",
        {"option_key": "complex", "reason": "x", "value": 60},
        format="json",
    )
    assert response.status_code == 400
    assert "超过" in str(response.json())
    assert not ClockExtension.objects.exists()
