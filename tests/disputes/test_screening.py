"""Daily screening: the call list, one-click answers, missed calls flagged, the weekly register."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fengqiao.disputes import services
from fengqiao.disputes.models import ScreeningCall
from fengqiao.disputes.selectors import my_screening_calls, todays_call_list, weekly_register
from fengqiao.disputes.tasks import flag_missed_screening_calls
from fengqiao.registry.models import LiaisonPoint

TODAY = timezone.localdate()


@pytest.fixture
def points(station, community_a, community_b):
    a1 = LiaisonPoint.objects.create(
        station=station,
        community=community_a,
        name="西街茶馆",
        contact_name="王婆",
        contact_phone="13800000001",
    )
    a2 = LiaisonPoint.objects.create(
        station=station,
        community=community_a,
        name="西街菜市",
        contact_name="刘叔",
        contact_phone="13800000002",
    )
    b1 = LiaisonPoint.objects.create(
        station=station,
        community=community_b,
        name="东街小区",
        contact_name="陈姐",
        contact_phone="13800000003",
    )
    return a1, a2, b1


def test_every_point_is_on_its_officers_list(points, bob, alice):
    a1, a2, b1 = points
    assert [r["point"] for r in todays_call_list(bob, TODAY)] == [a2, a1] or {
        r["point"] for r in todays_call_list(bob, TODAY)
    } == {a1, a2}
    assert {r["point"] for r in todays_call_list(alice, TODAY)} == {a1, a2, b1}


def test_one_click_no_issue_counts_as_a_report(points, bob, bob_client):
    a1, a2, _b1 = points
    response = bob_client.post(
        reverse("disputes:screening_call", args=[a1.pk]), {"answer": "no_issue"}
    )
    assert response.status_code == 302
    call = ScreeningCall.objects.get(point=a1, day=TODAY)
    assert call.answer == "no_issue" and call.officer == bob
    items = my_screening_calls(bob, timezone.now())
    assert len(items) == 1 and "1" in items[0].title


def test_reported_needs_a_note_and_other_officers_are_refused(points, bob, charlie, alice):
    a1, _a2, b1 = points
    with pytest.raises(ValidationError):
        services.screening_record(actor=bob, point=a1, answer="reported")
    with pytest.raises(PermissionDenied):
        services.screening_record(actor=bob, point=b1, answer="no_issue")
    with pytest.raises(PermissionDenied):
        services.screening_record(actor=charlie, point=a1, answer="no_issue")
    with pytest.raises(ValidationError):
        services.screening_record(actor=bob, point=a1, answer="missed")
    services.screening_record(actor=alice, point=b1, answer="reported", note="两户因停车争吵")


def test_charlie_cannot_reach_the_point(points, charlie_client):
    response = charlie_client.post(
        reverse("disputes:screening_call", args=[points[0].pk]), {"answer": "no_issue"}
    )
    assert response.status_code == 404 and not ScreeningCall.objects.exists()


def test_missed_calls_are_flagged_at_the_end_of_the_day(points, bob):
    a1, a2, b1 = points
    yesterday = TODAY - dt.timedelta(days=1)
    services.screening_record(actor=bob, point=a1, answer="no_issue", day=yesterday)
    assert services.screening_flag_missed(day=yesterday) == 2
    assert services.screening_flag_missed(day=yesterday) == 0  # idempotent
    missed = ScreeningCall.objects.filter(day=yesterday, answer="missed")
    assert {c.point for c in missed} == {a2, b1}
    assert missed.get(point=a2).officer == bob
    # a late call replaces the flag
    services.screening_record(actor=bob, point=a2, answer="no_issue", day=yesterday)
    assert ScreeningCall.objects.get(point=a2, day=yesterday).answer == "no_issue"


def test_the_periodic_task_flags_yesterday(points):
    flag_missed_screening_calls.call_local()
    assert (
        ScreeningCall.objects.filter(day=TODAY - dt.timedelta(days=1), answer="missed").count() == 3
    )


def test_weekly_register(points, bob, register, community_a, alice):
    dispute = register(bob, owner=bob)
    register(bob, narrative="扬言同归于尽", owner=bob)
    services.dispute_close(actor=bob, dispute=dispute, reason="当事人和解")
    services.screening_record(actor=bob, point=points[0], answer="no_issue")
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    reg = weekly_register(alice, community_a, monday)
    assert len(reg["new"]) == 2 and len(reg["resolved"]) == 1
    assert (
        reg["open_by_level"][0][0] == "red"
        and reg["open_by_level"][0][2] == 1
        and reg["open_total"] == 1
    )
    assert dict((a, n) for a, _l, n in reg["calls"])["no_issue"] == 1


def test_screening_pages(points, bob_client, alice, login, community_a):
    from django.test import Client

    alice_client = login(Client(), alice)
    html = bob_client.get(reverse("disputes:screening_today")).content.decode()
    assert "西街茶馆" in html and "东街小区" not in html
    week = alice_client.get(
        reverse("disputes:screening_week"), {"community": community_a.pk, "week": "bad"}
    )
    assert week.status_code == 200
    assert (
        "矛盾纠纷排查周报"
        in alice_client.get(
            reverse("disputes:screening_week"), {"community": community_a.pk}
        ).content.decode()
    )


def test_a_reported_call_leads_to_a_dispute_linked_to_it(
    points, bob, bob_client, neighbour_type, community_a
):
    call = services.screening_record(
        actor=bob, point=points[0], answer="reported", note="两户因停车位争吵"
    )
    html = bob_client.get(reverse("disputes:screening_today")).content.decode()
    assert f"screening={call.pk}" in html
    form = bob_client.get(
        reverse("disputes:dispute_create"),
        {
            "source": "screening",
            "community": community_a.pk,
            "narrative": call.note,
            "screening": call.pk,
        },
    ).content.decode()
    assert "两户因停车位争吵" in form and f'name="screening" value="{call.pk}"' in form
    response = bob_client.post(
        reverse("disputes:dispute_create"),
        {
            "dispute_type": neighbour_type.pk,
            "source": "screening",
            "narrative": call.note,
            "community": community_a.pk,
            "party-0-name": "张三",
            "screening": call.pk,
        },
    )
    call.refresh_from_db()
    assert (
        response.status_code == 302
        and call.dispute is not None
        and call.dispute.source == "screening"
    )
