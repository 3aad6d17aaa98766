"""Workflow-core messages follow the user's language: Chinese by default, English when it is active."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from fengqiao.core import rules, services


@pytest.fixture(autouse=True)
def _default_language():
    """Start from the default language, and leave it so: a request with an English cookie leaves
    English active in this thread, which later tests (asserting Chinese) must not inherit."""
    translation.deactivate()
    yield
    translation.deactivate()


def test_periods_are_described_in_the_active_language():
    assert rules.describe(30, rules.DAYS) == "30日"
    assert rules.describe(3, rules.WORKING_DAYS) == "3个工作日"
    with translation.override("en"):
        assert rules.describe(30, rules.DAYS) == "30 days"
        assert rules.describe(1, rules.DAYS) == "1 day"
        assert rules.describe(3, rules.WORKING_DAYS) == "3 working days"
        assert rules.describe(8, rules.HOURS) == "8 hours"
        assert rules.describe(1, rules.MONTHS) == "1 month"


def test_bad_warning_points_in_english():
    with translation.override("en"), pytest.raises(ValueError, match="^The last warning point"):
        rules.validate_fractions([0.5, 0.8])


@pytest.mark.django_db
def test_rule_permission_refusal_in_english(bob):
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        services.rule_create(actor=bob, kind="x", effective_from=dt.date(2026, 1, 1), name="x")
    assert str(caught.value) == (
        "Time limit rules apply to every police station; "
        "only a system administrator may change them"
    )


@pytest.mark.django_db
def test_missing_rule_message_in_english_keeps_its_values():
    at = dt.datetime(2026, 5, 1, 10, tzinfo=rules.TZ)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.rule_in_force("no_such_kind", at)
    assert caught.value.messages == [
        "No “no_such_kind” time limit rule applies on 2026-05-01; "
        "an administrator must set one up in the time limit rules first"
    ]
    with pytest.raises(ValidationError) as caught:
        services.rule_in_force("no_such_kind", at)
    assert caught.value.messages == [
        "没有2026-05-01适用的“no_such_kind”时限规则,请管理员先在时限规则中设置"
    ]


@pytest.mark.django_db
def test_changelog_date_error_on_the_page_in_english(alice_client):
    alice_client.cookies["django_language"] = "en"
    body = alice_client.get("/core/changes/", {"date_from": "yesterday"}).content.decode()
    assert "Dates must be written year-month-day, e.g. 2026-05-01" in body
    alice_client.cookies["django_language"] = "zh-hans"
    body = alice_client.get("/core/changes/", {"date_from": "yesterday"}).content.decode()
    assert "日期格式应为 年-月-日,如 2026-05-01" in body
