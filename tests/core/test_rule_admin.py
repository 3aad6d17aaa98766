"""Time-limit rules in the interface and their service: versioned edits, refused bad input."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.accounts.choices import Role
from fengqiao.core.audit import history_for
from fengqiao.core.services import rule_create, rule_revise, rules_load_defaults
from fengqiao.core.workflow_models import TimeLimitRule
from tests.factories import UserFactory


@pytest.fixture
def rules_client(client, rules_admin, login):
    return login(client, rules_admin)


def test_station_leader_cannot_revise_installation_wide_rules(alice_client, ps_rule):
    response = alice_client.post(f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, limit_value="20"))
    assert response.status_code == 403


@pytest.fixture(autouse=True)
def _default_rules(db):
    rules_load_defaults()


@pytest.fixture
def ps_rule(db):
    return TimeLimitRule.objects.get(kind="public_security_case")


def revise_post(rule, **overrides):
    data = {
        "name": rule.name,
        "law_version": rule.law_version,
        "effective_from": "2026-12-01",
        "effective_to": "",
        "limit_value": "30",
        "limit_unit": "days",
        "holiday_rolls": "on",
        "pausable": "on",
        "extension_cap_value": "30",
        "extension_cap_unit": "days",
        "legal_basis": rule.legal_basis,
        "warning_percentages": "50,80,100",
        "note": "2026年修订",
        "ext-TOTAL_FORMS": "1",
        "ext-INITIAL_FORMS": "0",
        "ext-0-key": "complex",
        "ext-0-label": "案情重大复杂:延长30日",
        "ext-0-value": "30",
        "ext-0-unit": "days",
        "ext-0-approver_roles": ["bureau"],
        "ext-0-max_times": "1",
    }
    data.update(overrides)
    return data


def test_every_shipped_default_of_the_domain_table_is_there(db):
    kinds = set(TimeLimitRule.objects.values_list("kind", flat=True))
    assert {
        "admin_intake_review",
        "criminal_filing_review",
        "public_security_case",
        "summons_questioning",
        "criminal_detention_to_arrest",
        "post_arrest_custody",
        "callback_local",
        "callback_other",
        "fraud_contact_high",
        "fraud_contact_medium",
        "fraud_contact_low",
        "dispute_first_session",
        "mediation_period",
    } <= kinds


def test_shipped_rules_carry_limits_and_legal_basis(ps_rule):
    assert (ps_rule.limit_value, ps_rule.limit_unit, ps_rule.pausable) == (30, "days", True)
    assert ps_rule.legal_basis.startswith("依据")
    assert ps_rule.warning_fractions == [0.5, 0.8, 1.0]
    fraud = TimeLimitRule.objects.get(kind="fraud_contact_high")
    assert (fraud.limit_value, fraud.limit_unit) == (30, "minutes")


def test_everyone_signed_in_can_read_the_rules(bob_client):
    response = bob_client.get("/core/rules/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "治安案件办理期限" in body and "30日" in body
    assert "新建规则" not in body


def test_rule_page_shows_the_legal_basis_and_versions(bob_client, ps_rule):
    body = bob_client.get(f"/core/rules/{ps_rule.pk}/").content.decode()
    assert "上一级公安机关批准" in body
    assert "系统默认规则" in body


def test_administrator_revises_a_rule_into_a_new_version(rules_client, rules_admin, ps_rule):
    response = rules_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, limit_value="20")
    )
    assert response.status_code == 302
    new = TimeLimitRule.objects.get(
        kind="public_security_case", effective_from=dt.date(2026, 12, 1)
    )
    ps_rule.refresh_from_db()
    assert (new.limit_value, new.created_by, new.note) == (20, rules_admin, "2026年修订")
    assert ps_rule.limit_value == 30  # the old version is not mutated...
    assert ps_rule.effective_to == dt.date(2026, 12, 1)  # ...it only ends
    assert new.extension_options[0]["approver_roles"] == ["bureau"]


def test_a_revision_is_change_logged(rules_client, rules_admin, ps_rule):
    rules_client.post(f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, limit_value="20"))
    new = TimeLimitRule.objects.get(
        kind="public_security_case", effective_from=dt.date(2026, 12, 1)
    )
    assert history_for(new).filter(action="create", user=rules_admin).exists()


def test_community_officer_cannot_revise_a_rule(bob_client, ps_rule):
    response = bob_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, limit_value="20")
    )
    assert response.status_code == 403
    assert TimeLimitRule.objects.filter(kind="public_security_case").count() == 1


@pytest.mark.parametrize("value", ["0", "-5"])
def test_zero_or_negative_limit_is_refused_and_nothing_changes(rules_client, ps_rule, value):
    response = rules_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, limit_value=value)
    )
    assert response.status_code == 200
    assert "期限必须是大于0的整数" in response.content.decode()
    ps_rule.refresh_from_db()
    assert ps_rule.effective_to is None
    assert TimeLimitRule.objects.filter(kind="public_security_case").count() == 1


def test_extension_longer_than_the_legal_maximum_is_refused(rules_client, ps_rule):
    response = rules_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, **{"ext-0-value": "60"})
    )
    assert "超过法定最长延长30日" in response.content.decode()
    assert TimeLimitRule.objects.filter(kind="public_security_case").count() == 1


def test_overlapping_dates_are_refused(rules_admin, ps_rule):
    rule_revise(
        actor=rules_admin,
        rule=ps_rule,
        effective_from=dt.date(2026, 12, 1),
        note="第一次修订",
        limit_value=20,
    )
    with pytest.raises(ValidationError, match="重叠"):
        rule_create(
            actor=rules_admin,
            kind="public_security_case",
            effective_from=dt.date(2027, 1, 1),
            name="治安案件办理期限",
            limit_value=25,
            limit_unit="days",
        )
    assert TimeLimitRule.objects.filter(kind="public_security_case").count() == 2


def test_a_revision_cannot_start_before_the_version_it_replaces(rules_client, ps_rule):
    response = rules_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, effective_from="1999-01-01")
    )
    assert "必须晚于原版本的生效日期" in response.content.decode()
    assert TimeLimitRule.objects.filter(kind="public_security_case").count() == 1


def test_end_date_before_start_date_is_refused(rules_client, ps_rule):
    response = rules_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, effective_to="2026-11-01")
    )
    assert "失效日期必须晚于生效日期" in response.content.decode()
    ps_rule.refresh_from_db()
    assert ps_rule.effective_to is None


@pytest.mark.parametrize(
    ("points", "message"),
    [("80,50,100", "从小到大"), ("50,80", "最后一个预警点必须是 100%"), ("五十", "百分数")],
)
def test_bad_warning_points_are_refused(rules_client, ps_rule, points, message):
    response = rules_client.post(
        f"/core/rules/{ps_rule.pk}/revise/", revise_post(ps_rule, warning_percentages=points)
    )
    assert message in response.content.decode()
    assert TimeLimitRule.objects.filter(kind="public_security_case").count() == 1


def test_extension_option_needs_an_approver_role(rules_client, ps_rule):
    data = revise_post(ps_rule)
    del data["ext-0-approver_roles"]
    response = rules_client.post(f"/core/rules/{ps_rule.pk}/revise/", data)
    assert "必须指定审批角色" in response.content.decode()


def test_admin_creates_a_new_kind_of_clock(client, login, station):
    admin = UserFactory(role=Role.ADMIN, station=station)
    login(client, admin)
    data = revise_post(
        TimeLimitRule(name="线索核查", legal_basis="依据:本所规范"),
        kind="lead_check",
        limit_value="5",
    )
    data.update({"limit_unit": "working_days", "ext-TOTAL_FORMS": "0", "extension_cap_value": ""})
    response = client.post("/core/rules/new/", data)
    assert response.status_code == 302
    rule = TimeLimitRule.objects.get(kind="lead_check")
    assert (rule.limit_value, rule.limit_unit, rule.created_by) == (5, "working_days", admin)


def test_rule_service_refuses_an_officer(bob, ps_rule):
    with pytest.raises(PermissionDenied):
        rule_revise(
            actor=bob, rule=ps_rule, effective_from=dt.date(2026, 12, 1), note="x", limit_value=20
        )
