import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.core.models import ObjectChange
from fengqiao.lawstudy import selectors, services
from fengqiao.lawstudy.models import Attendance, StudySession
from fengqiao.notifications.models import Notification
from tests.lawstudy.test_rules import QUIZ

pytestmark = pytest.mark.django_db


def opened(session, alice, now=None):
    return services.session_open(actor=alice, session=session, now=now)


def test_sign_in_by_the_sessions_qr_token(session, alice, officers):
    police, aux = officers
    opened(session, alice)
    token = services.signin_token(session)
    row, new = services.sign_in(actor=police, session=session, token=token)
    assert new and row.status == "present" and row.method == "qr"
    again, new = services.sign_in(actor=police, session=session, token=token)
    assert not new and again.pk == row.pk and Attendance.objects.count() == 1
    assert ObjectChange.objects.filter(object_id=row.pk, action="create").exists()


def test_a_forged_qr_is_refused(session, alice, officers):
    opened(session, alice)
    forged = signing.dumps({"s": session.pk, "n": "x"}, salt="other-salt")
    with pytest.raises(ValidationError, match="不是本系统"):
        services.sign_in(actor=officers[0], session=session, token=forged)
    with pytest.raises(ValidationError, match="不是本系统"):
        services.sign_in(
            actor=officers[0], session=session, token=services.signin_token(session)[:-3] + "abc"
        )
    assert not Attendance.objects.exists()


def test_an_expired_qr_is_refused(session, alice, officers, settings):
    opened(session, alice)
    token = services.signin_token(session)
    later = timezone.now() + dt.timedelta(seconds=settings.LAWSTUDY_QR_SECONDS + 120)
    import time_machine

    with time_machine.travel(later, tick=False), pytest.raises(ValidationError, match="已过期"):
        services.sign_in(actor=officers[0], session=session, token=token)
    assert not Attendance.objects.exists()


def test_another_sessions_qr_is_refused(session, alice, officers, station):
    other = StudySession.objects.create(
        station=station, topic="刑事诉讼法", starts_at=timezone.now(), minutes=60
    )
    opened(session, alice)
    with pytest.raises(ValidationError, match="另一场学习"):
        services.sign_in(actor=officers[0], session=session, token=services.signin_token(other))


def test_an_officer_of_another_station_cannot_sign_in(session, alice, charlie):
    opened(session, alice)
    with pytest.raises(PermissionDenied):
        services.sign_in(actor=charlie, session=session, token=services.signin_token(session))


def test_sign_in_refused_before_it_opens(session, officers):
    with pytest.raises(ValidationError, match="还没有开始签到"):
        services.sign_in(actor=officers[0], session=session, token=services.signin_token(session))


def test_late_sign_in(session, alice, officers, settings):
    opened(session, alice)
    late = session.starts_at + dt.timedelta(minutes=settings.LAWSTUDY_LATE_MINUTES + 1)
    row, _ = services.sign_in(
        actor=officers[0], session=session, token=services.signin_token(session), now=late
    )
    assert row.status == "late"


def test_closing_records_absentees_and_notifies_them(
    session, alice, bob, officers, django_capture_on_commit_callbacks
):
    police, aux = officers
    opened(session, alice)
    services.sign_in(actor=police, session=session, token=services.signin_token(session))
    with django_capture_on_commit_callbacks(execute=True):
        n = services.session_close(
            actor=alice, session=session, now=session.starts_at + dt.timedelta(minutes=70)
        )
    expected = services.expected_officers(session.station_id).count()
    assert n == expected - 1
    assert Attendance.objects.filter(session=session, status="absent").count() == expected - 1
    assert Notification.objects.filter(kind="lawstudy_absent", recipient=aux).exists()
    assert not Notification.objects.filter(kind="lawstudy_absent", recipient=police).exists()


def test_an_absence_needs_a_reason_and_excused_is_not_due(session, alice, officers):
    opened(session, alice)
    services.session_close(
        actor=alice, session=session, now=session.starts_at + dt.timedelta(minutes=70)
    )
    with pytest.raises(ValidationError, match="须写明原因"):
        services.attendance_record(
            actor=alice, session=session, officer=officers[1], status="excused"
        )
    services.attendance_record(
        actor=alice, session=session, officer=officers[1], status="excused", reason="出警"
    )
    day = timezone.localtime(session.starts_at).date()
    rows = {r["officer_id"]: r for r in selectors.officer_figures(session.station, day, day)}
    assert rows[officers[1].pk]["excused"] == 1 and rows[officers[1].pk]["attendance_rate"] is None
    assert rows[officers[0].pk]["absent"] == 1 and rows[officers[0].pk]["attendance_rate"] == 0.0


def test_only_organisers_manage(session, bob):
    with pytest.raises(PermissionDenied):
        services.session_open(actor=bob, session=session)


def test_quiz_one_attempt_or_best_score(session, alice, officers):
    quiz = services.quiz_save(
        actor=alice,
        session=session,
        title="",
        text=QUIZ,
        policy="one",
        max_attempts=3,
        pass_score=60,
        open_days=7,
    )
    q1, q2 = list(quiz.questions.all())
    with pytest.raises(ValidationError, match="还有 1 道题"):
        services.quiz_submit(actor=officers[0], quiz=quiz, answers={q1.pk: 1, q2.pk: None})
    attempt = services.quiz_submit(actor=officers[0], quiz=quiz, answers={q1.pk: 1, q2.pk: 0})
    assert attempt.score == 50
    with pytest.raises(ValidationError, match="只能作答一次"):
        services.quiz_submit(actor=officers[0], quiz=quiz, answers={q1.pk: 1, q2.pk: 1})
    quiz = services.quiz_save(
        actor=alice,
        session=session,
        title="",
        text=QUIZ,
        policy="best",
        max_attempts=2,
        pass_score=60,
        open_days=7,
    )
    services.quiz_submit(actor=officers[0], quiz=quiz, answers={q1.pk: 1, q2.pk: 1})
    with pytest.raises(ValidationError, match="次数已用完"):
        services.quiz_submit(actor=officers[0], quiz=quiz, answers={q1.pk: 1, q2.pk: 1})
    day = timezone.localtime(session.starts_at).date()
    row = next(
        r
        for r in selectors.officer_figures(session.station, day, day)
        if r["officer_id"] == officers[0].pk
    )
    assert row["quiz_average"] == 100 and row["quizzes_passed"] == 1


def test_questions_are_locked_once_answered(session, alice, officers):
    quiz = services.quiz_save(
        actor=alice,
        session=session,
        title="",
        text=QUIZ,
        policy="one",
        max_attempts=1,
        pass_score=60,
        open_days=7,
    )
    q1, q2 = list(quiz.questions.all())
    services.quiz_submit(actor=officers[0], quiz=quiz, answers={q1.pk: 1, q2.pk: 1})
    with pytest.raises(ValidationError, match="题目不能再改"):
        services.quiz_save(
            actor=alice,
            session=session,
            title="",
            text=QUIZ.replace("4小时", "2小时"),
            policy="one",
            max_attempts=1,
            pass_score=60,
            open_days=7,
        )


def test_a_quiz_closes_after_its_days(session, alice, officers):
    quiz = services.quiz_save(
        actor=alice,
        session=session,
        title="",
        text=QUIZ,
        policy="one",
        max_attempts=1,
        pass_score=60,
        open_days=1,
    )
    q1, q2 = list(quiz.questions.all())
    with pytest.raises(ValidationError, match="截止"):
        services.quiz_submit(
            actor=officers[0],
            quiz=quiz,
            answers={q1.pk: 1, q2.pk: 1},
            now=session.starts_at + dt.timedelta(days=2),
        )


def test_reminders_go_once_to_every_due_officer(session, officers):
    first = services.reminders_due(now=timezone.now())
    assert first["reminded"] == services.expected_officers(session.station_id).count()
    assert services.reminders_due(now=timezone.now())["reminded"] == 0
    assert Notification.objects.filter(kind="lawstudy_reminder", recipient=officers[0]).count() == 1


def test_a_session_left_open_is_closed_by_the_job(session, alice, officers):
    opened(session, alice)
    result = services.reminders_due(now=session.ends_at + dt.timedelta(hours=2, minutes=1))
    session.refresh_from_db()
    assert result["closed"] == 1 and session.status == "closed"
