import pytest
from django.urls import reverse

from fengqiao.lawstudy import services
from fengqiao.lawstudy.models import Attendance
from tests.lawstudy.test_rules import QUIZ

pytestmark = pytest.mark.django_db


def test_pages_render(alice_client, session, alice):
    services.quiz_save(
        actor=alice,
        session=session,
        title="",
        text=QUIZ,
        policy="one",
        max_attempts=1,
        pass_score=60,
        open_days=7,
    )
    for url in (
        reverse("lawstudy:session_list"),
        reverse("lawstudy:session_create"),
        reverse("lawstudy:figures"),
        session.get_absolute_url(),
        reverse("lawstudy:session_edit", args=[session.pk]),
        reverse("lawstudy:quiz_edit", args=[session.pk]),
        reverse("lawstudy:quiz_take", args=[session.pk]),
    ):
        assert alice_client.get(url).status_code == 200, url


def test_plan_a_session_bad_input_kept(alice_client):
    response = alice_client.post(
        reverse("lawstudy:session_create"),
        {"topic": "刑法修正案", "starts_at": "not a time", "minutes": 60},
    )
    assert response.status_code == 400 and "刑法修正案" in response.content.decode()
    ok = alice_client.post(
        reverse("lawstudy:session_create"),
        {"topic": "刑法修正案", "starts_at": "2026-12-11T15:00", "minutes": 60},
    )
    assert ok.status_code == 302


def test_the_qr_screen_is_for_organisers_only(alice_client, bob, login, session, alice):
    from django.test import Client

    services.session_open(actor=alice, session=session)
    response = alice_client.get(reverse("lawstudy:qr_screen", args=[session.pk]))
    assert response.status_code == 200 and "data:image/svg+xml" in response.content.decode()
    assert (
        login(Client(), bob).get(reverse("lawstudy:qr_screen", args=[session.pk])).status_code
        == 403
    )


def test_phone_sign_in_checks_then_signs_on_one_tap(bob_client, bob, session, alice):
    services.session_open(actor=alice, session=session)
    url = reverse("lawstudy:signin", args=[session.pk, services.signin_token(session)])
    page = bob_client.get(url)
    assert page.status_code == 200 and 'id="signin-form"' in page.content.decode()
    assert not Attendance.objects.exists()  # opening the link writes nothing
    done = bob_client.post(url)
    assert 'id="signin-done"' in done.content.decode() and Attendance.objects.get().officer == bob
    again = bob_client.post(url)
    assert "无需重复签到" in again.content.decode() and Attendance.objects.count() == 1


def test_a_forged_qr_link_gets_a_clear_page(bob_client, session, alice):
    services.session_open(actor=alice, session=session)
    response = bob_client.get(reverse("lawstudy:signin", args=[session.pk, "forged:token:here"]))
    assert response.status_code == 400 and "不是本系统" in response.content.decode()
    assert (
        bob_client.post(
            reverse("lawstudy:signin", args=[session.pk, "forged:token:here"])
        ).status_code
        == 400
    )
    assert not Attendance.objects.exists()


def test_signing_in_needs_a_login(client, session, alice):
    services.session_open(actor=alice, session=session)
    url = reverse("lawstudy:signin", args=[session.pk, services.signin_token(session)])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_station_sees_nothing(charlie_client, session):
    assert charlie_client.get(session.get_absolute_url()).status_code == 404
    assert (
        session.topic not in charlie_client.get(reverse("lawstudy:session_list")).content.decode()
    )


def test_take_the_quiz_on_the_page(bob_client, session, alice):
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
    missing = bob_client.post(reverse("lawstudy:quiz_take", args=[session.pk]), {f"q{q1.pk}": "1"})
    assert missing.status_code == 400 and "还有 1 道题" in missing.content.decode()
    response = bob_client.post(
        reverse("lawstudy:quiz_take", args=[session.pk]), {f"q{q1.pk}": "1", f"q{q2.pk}": "1"}
    )
    assert 'data-score="100"' in response.content.decode()


def test_a_bad_quiz_text_names_the_line_and_keeps_it(alice_client, session):
    response = alice_client.post(
        reverse("lawstudy:quiz_edit", args=[session.pk]),
        {
            "policy": "one",
            "max_attempts": 1,
            "pass_score": 60,
            "open_days": 7,
            "text": "1. 题目\nA. 甲\nB. 乙",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "第1题" in body and "题目" in body


def test_the_home_work_queue_lists_the_session_and_the_quiz_to_take(bob_client, session, alice):
    import datetime as dt

    body = bob_client.get("/").content.decode()
    assert session.topic in body
    services.quiz_save(
        actor=alice,
        session=session,
        title="小测验X",
        text=QUIZ,
        policy="one",
        max_attempts=1,
        pass_score=60,
        open_days=7,
    )
    services.session_open(actor=alice, session=session)
    services.session_close(
        actor=alice, session=session, now=session.starts_at + dt.timedelta(minutes=61)
    )
    assert "小测验X" in bob_client.get("/").content.decode()


def test_plan_a_weekly_series(alice_client):
    from fengqiao.lawstudy.models import StudySession

    response = alice_client.post(
        reverse("lawstudy:session_create"),
        {"topic": "每周学法", "starts_at": "2026-12-16T17:30", "minutes": 60, "repeat_weeks": 3},
    )
    assert response.status_code == 302
    starts = sorted(StudySession.objects.values_list("starts_at", flat=True))
    assert len(starts) == 4 and all(
        (b - a).days == 7 for a, b in zip(starts, starts[1:], strict=False)
    )
