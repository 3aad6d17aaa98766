"""Reads of the law study that more than one caller needs.

`officer_figures(station, start, end)` is the figure the reports part (part 9) reads for its rankings:
one dict per 民警/辅警 of the station (see docs/lawstudy.md for every key).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max
from django.utils import timezone

from fengqiao.lawstudy import rules
from fengqiao.lawstudy.choices import AttemptPolicy, AttendanceStatus, SessionStatus
from fengqiao.lawstudy.models import Attendance, Quiz, QuizAttempt, StudySession


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def officer_figures(station, start: dt.date, end: dt.date) -> list[dict]:
    """Per officer of `station` (民警 and 辅警, active), over the sessions that started between `start`
    and `end` (dates, inclusive, Asia/Shanghai) and were not cancelled:

    officer_id, name, rank ('police'|'auxiliary'), unit, sessions (closed sessions in the range),
    present, late, absent, excused, attendance_rate (per cent of present+late among the sessions due,
    excused ones not due; None when none were due), quizzes (quizzes of those sessions),
    quizzes_taken, quiz_average (mean of the officer's counted score per quiz taken: the best score
    when the quiz allows several attempts, the only one otherwise; None when none taken),
    quizzes_passed (counted score ≥ the quiz's pass mark).
    """
    from fengqiao.lawstudy.services import expected_officers

    station_id = getattr(station, "pk", station)
    lo, hi = _bounds(start, end)
    sessions = StudySession.objects.filter(
        station_id=station_id, starts_at__gte=lo, starts_at__lt=hi
    ).exclude(status=SessionStatus.CANCELLED)
    closed = sessions.filter(status=SessionStatus.CLOSED).count()
    counts = defaultdict(lambda: defaultdict(int))
    for officer_id, status, n in (
        Attendance.objects.filter(session__in=sessions)
        .values_list("officer_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[officer_id][status] = n
    quizzes = {q.pk: q for q in Quiz.objects.filter(session__in=sessions)}
    best = defaultdict(dict)
    for officer_id, quiz_id, top in (
        QuizAttempt.objects.filter(quiz_id__in=list(quizzes))
        .values_list("officer_id", "quiz_id")
        .annotate(top=Max("score"))
    ):
        best[officer_id][quiz_id] = top
    rows = []
    for officer in (
        expected_officers(station_id).select_related("unit").order_by("rank", "full_name")
    ):
        c = counts[officer.pk]
        scores = best[officer.pk]
        present, late, absent, excused = (
            c[AttendanceStatus.PRESENT],
            c[AttendanceStatus.LATE],
            c[AttendanceStatus.ABSENT],
            c[AttendanceStatus.EXCUSED],
        )
        rows.append(
            {
                "officer_id": officer.pk,
                "name": officer.display_name,
                "rank": officer.rank,
                "unit": officer.unit.name if officer.unit_id else "",
                "sessions": closed,
                "present": present,
                "late": late,
                "absent": absent,
                "excused": excused,
                "attendance_rate": rules.attendance_rate(present, late, absent, excused),
                "quizzes": len(quizzes),
                "quizzes_taken": len(scores),
                "quiz_average": round(sum(scores.values()) / len(scores), 1) if scores else None,
                "quizzes_passed": sum(
                    1 for qid, s in scores.items() if s >= quizzes[qid].pass_score
                ),
            }
        )
    return rows


def session_summary(session: StudySession) -> dict:
    counts = defaultdict(int)
    for status, n in (
        Attendance.objects.filter(session=session).values_list("status").annotate(n=Count("pk"))
    ):
        counts[status] = n
    return {
        "present": counts[AttendanceStatus.PRESENT],
        "late": counts[AttendanceStatus.LATE],
        "absent": counts[AttendanceStatus.ABSENT],
        "excused": counts[AttendanceStatus.EXCUSED],
        "signed": counts[AttendanceStatus.PRESENT] + counts[AttendanceStatus.LATE],
    }


def weekly_rates(station, start: dt.date, end: dt.date) -> list[dict]:
    """Per closed session: attendance rate and mean quiz score (the figures page's chart)."""
    station_id = getattr(station, "pk", station)
    lo, hi = _bounds(start, end)
    out = []
    for session in StudySession.objects.filter(
        station_id=station_id, status=SessionStatus.CLOSED, starts_at__gte=lo, starts_at__lt=hi
    ).order_by("starts_at"):
        s = session_summary(session)
        quiz = Quiz.objects.filter(session=session).first()
        mean = None
        if quiz is not None:
            tops = list(
                QuizAttempt.objects.filter(quiz=quiz)
                .values("officer_id")
                .annotate(top=Max("score"))
                .values_list("top", flat=True)
            )
            if quiz.policy == AttemptPolicy.ONE:
                tops = list(
                    QuizAttempt.objects.filter(quiz=quiz, number=1).values_list("score", flat=True)
                )
            mean = round(sum(tops) / len(tops), 1) if tops else None
        out.append(
            {
                "session": session,
                "day": timezone.localtime(session.starts_at).date(),
                "rate": rules.attendance_rate(s["present"], s["late"], s["absent"], s["excused"]),
                "quiz_mean": mean,
                **s,
            }
        )
    return out


def my_study_items(user, now):
    """The home page's work queue: today's/tomorrow's session to attend, open quizzes not yet taken."""
    from django.utils.translation import gettext as _

    from fengqiao.core.workqueue import WorkItem

    if not getattr(user, "station_id", None):
        return []
    items = []
    for session in StudySession.objects.filter(
        station_id=user.station_id,
        status__in=[SessionStatus.PLANNED, SessionStatus.OPEN],
        starts_at__gte=now - dt.timedelta(hours=2),
        starts_at__lte=now + dt.timedelta(days=1),
    ).exclude(attendances__officer=user):
        items.append(
            WorkItem(
                title=_("法规学习:%(t)s") % {"t": session.topic},
                url=session.get_absolute_url(),
                due_at=session.starts_at,
                kind="lawstudy",
                kind_label=_("法规学习"),
                object=session,
            )
        )
    taken = set(QuizAttempt.objects.filter(officer=user).values_list("quiz_id", flat=True))
    for quiz in Quiz.objects.filter(
        session__station_id=user.station_id,
        session__status=SessionStatus.CLOSED,
        session__starts_at__gte=now - dt.timedelta(days=60),
    ).select_related("session"):
        if quiz.pk in taken or quiz.closes_at < now:
            continue
        items.append(
            WorkItem(
                title=_("法规学习测验:%(t)s") % {"t": quiz.title},
                url=f"/lawstudy/{quiz.session_id}/quiz/",
                due_at=quiz.closes_at,
                kind="lawstudy_quiz",
                kind_label=_("测验"),
                object=quiz,
            )
        )
    return items
