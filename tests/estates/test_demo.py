"""The estates demo: 47 estates of the reference station with gates, terminals of both vendors,
credentials linked to registry persons, events, a few tasks and two offline terminals."""

import io

import pytest
from django.core.management import call_command

from fengqiao.estates.models import (
    AccessDevice,
    AccessEvent,
    Credential,
    DeviceAlarm,
    Estate,
    RegistrationTask,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("demo", "--scale", "200", "--seed", "7", stdout=io.StringIO())


def test_demo_estates_of_the_reference_station(demo):
    estates = Estate.objects.filter(station__code="511123-YJ")
    assert estates.count() == 47
    names = set(estates.values_list("name", flat=True))
    assert {"百草苑小区", "江湾壹号小区"} <= names
    old_town = estates.filter(community__name="西街社区", built_year__lt=1996)
    assert old_town.count() >= 5  # 西街社区: houses over 30 years old
    assert set(AccessDevice.objects.values_list("vendor", flat=True)) == {"hikvision", "zkteco"}
    assert Credential.objects.filter(person__isnull=False).exists()
    assert AccessEvent.objects.filter(person__isnull=False).exists()
    assert 0 < RegistrationTask.objects.count() < 30
    assert DeviceAlarm.objects.filter(ended_at__isnull=True).count() == 2
    assert all(t.assignee_id for t in RegistrationTask.objects.all())


def test_make_demo_runs_the_estate_gateway_and_simulated_terminals(monkeypatch):
    from fengqiao.demo.management.commands.rundemo import demo_commands

    commands = demo_commands()
    assert commands["estate-gateway"][3:5] == ["estate_gateway", "serve"]
    assert "--existing" in commands["gate-terminals"]
    monkeypatch.setenv("DEMO_SIMULATED_TERMINALS", "0")
    assert "gate-terminals" not in demo_commands()
