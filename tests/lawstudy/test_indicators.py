"""Part 10 in part 9: the law-study attendance figure, registered in the reports' indicator
registry, agrees with lawstudy's own per-officer figures and is cut by officer."""

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.lawstudy.models import Attendance
from fengqiao.lawstudy.selectors import officer_figures
from fengqiao.reports.indicators import REGISTRY, Scope

pytestmark = pytest.mark.django_db


def test_law_study_attendance_is_a_registered_indicator_and_matches_officer_figures(
    session, officers, alice, station
):
    police, aux = officers
    session.status = "closed"
    session.starts_at = timezone.now() - dt.timedelta(days=1)
    session.save()
    Attendance.objects.create(session=session, officer=police, status="present", method="qr")
    Attendance.objects.create(session=session, officer=aux, status="absent", method="close")
    Attendance.objects.create(
        session=session, officer=alice, status="excused", method="manual", reason="出差"
    )

    indicator = REGISTRY["law_study_attendance"]
    today = timezone.localdate()
    scope = Scope(
        user=alice, start=today - dt.timedelta(days=7), end=today, station_ids=[station.pk]
    )
    total = indicator(scope, "total")[None]
    assert (total.value, total.num, total.den) == (50.0, 1, 2)

    by_officer = indicator(scope, "officer")
    assert by_officer[police.pk].value == 100.0 and by_officer[aux.pk].value == 0.0
    assert by_officer[alice.pk].value is None  # excused: not due
    mine = {row["officer_id"]: row for row in officer_figures(station, scope.start, scope.end)}
    assert mine[police.pk]["attendance_rate"] == 100 and mine[aux.pk]["attendance_rate"] == 0

    drill = indicator.drill(scope)
    assert drill.queryset.count() == 3
