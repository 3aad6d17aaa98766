import datetime as dt

from django.utils import timezone

from fengqiao.demo import lawstudy as demo
from fengqiao.lawstudy import selectors
from fengqiao.lawstudy.models import StudySession


def test_demo_gives_weekly_sessions_with_attendance_and_scores(alice, officers, station):
    counts = demo.load(scale=1, seed=7, log=lambda line: None)
    assert counts["sessions"] == 13 and StudySession.objects.filter(status="planned").count() == 1
    today = timezone.localdate()
    rows = selectors.officer_figures(station, today - dt.timedelta(days=120), today)
    assert len(rows) == 4 and all(r["sessions"] == 12 for r in rows)
    assert all(r["present"] + r["late"] + r["absent"] + r["excused"] == 12 for r in rows)
    assert any(r["quiz_average"] for r in rows)
