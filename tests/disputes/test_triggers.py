from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.disputes import services
from fengqiao.disputes.models import WarningTrigger

pytestmark = pytest.mark.django_db


def test_shipped_triggers_include_the_threat_keywords():
    reasons = set(
        WarningTrigger.objects.filter(kind="keyword", level="red").values_list("value", flat=True)
    )
    assert {"拼命", "同归于尽", "刀", "砍", "上访", "集体"} <= reasons


def test_station_leader_cannot_change_installation_wide_triggers(alice):
    with pytest.raises(PermissionDenied):
        services.trigger_save(
            actor=alice, kind="keyword", value="报复", level="red", reason="扬言报复"
        )


def test_rules_admin_adds_keyword_and_it_drives_the_suggestion(rules_admin, bob, register):
    services.trigger_save(
        actor=rules_admin, kind="keyword", value="报复", level="red", reason="当事人扬言报复"
    )
    d = register(bob, narrative="他说要报复", owner=bob)
    assert d.level == "red" and "当事人扬言报复" in d.suggested_reasons


def test_threshold_trigger_requires_threshold(rules_admin):
    with pytest.raises(ValidationError):
        services.trigger_save(actor=rules_admin, kind="amount", level="orange", reason="金额大")


def test_rules_admin_edits_threshold_on_the_page(client, login, rules_admin):
    trigger = WarningTrigger.objects.get(kind="amount")
    login(client, rules_admin)
    r = client.post(
        reverse("disputes:trigger_edit", args=[trigger.pk]),
        {
            "kind": "amount",
            "threshold": "50000",
            "level": "orange",
            "reason": "涉及金额{fact}元",
            "active": "on",
        },
    )
    assert r.status_code == 302
    trigger.refresh_from_db()
    assert trigger.threshold == Decimal("50000")


def test_leader_sees_triggers_but_may_not_post(alice_client):
    assert "同归于尽" in alice_client.get(reverse("disputes:trigger_list")).content.decode()
    r = alice_client.post(
        reverse("disputes:trigger_list"),
        {"kind": "keyword", "value": "x", "level": "red", "reason": "x"},
    )
    assert r.status_code == 403
