"""The wall hears of transitions (decision 0008): a clock the sweeper breaches is on it at once, not
at the next minute's scan; an incident taken in a transaction that rolls back puts nothing up."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from fengqiao.command import feeds
from fengqiao.command.models import Alert

from .conftest import SH

pytestmark = pytest.mark.django_db


def test_a_clock_the_sweeper_breaches_is_on_the_wall_at_once(
    station, fenggang, duty, cat_dispute, django_capture_on_commit_callbacks
):
    from fengqiao.core import sweeper
    from fengqiao.core.services import clock_start
    from fengqiao.incidents.services import incident_receive

    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        incident = incident_receive(
            actor=duty, station=station, category=cat_dispute, location="西街"
        )
        clock = clock_start(
            obj=incident, kind="admin_intake_review", assignee=duty, title="受案审查"
        )
    with time_machine.travel(clock.due_at + dt.timedelta(minutes=5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeper.sweep().breached == 1
        alert = Alert.objects.get(kind="clock_overdue", source_id=clock.pk)
        assert "受案审查" in alert.title and alert.level == "red"
        assert feeds.scan()["clock_overdue"] == 0  # the scan is only the safety net
    alert.refresh_from_db()
    assert alert.count == 1


def test_an_incident_rolled_back_puts_nothing_on_the_wall(
    station, fenggang, duty, cat_dispute, django_capture_on_commit_callbacks
):
    from fengqiao.incidents.models import Incident
    from fengqiao.incidents.services import incident_receive

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                incident_receive(
                    actor=duty, station=station, category=cat_dispute, location="西街12号"
                )
                raise RuntimeError("the request failed after the intake")
    assert not Incident.objects.exists()
    assert not Alert.objects.exists()
