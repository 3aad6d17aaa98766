import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.core.services import clocks_for
from fengqiao.disputes import services
from fengqiao.disputes.models import Dispute, MediationChannel

pytestmark = pytest.mark.django_db
FRIDAY = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def studio(db):
    return MediationChannel.objects.get(code="studio")


@pytest.fixture
def police(db):
    return MediationChannel.objects.get(code="police")


def test_shipped_channels_include_the_studio_and_police_mediation():
    names = list(MediationChannel.objects.values_list("name", flat=True))
    assert "所内调解室(范贤成金牌调解工作室)" in names and "平安犍嬢嬢" in names
    assert MediationChannel.objects.get(code="police").is_police_mediation


def test_accepting_starts_first_session_clock_three_working_days(bob, register, studio):
    with time_machine.travel(FRIDAY, tick=False):
        d = register(bob, owner=bob)
        services.dispute_accept(actor=bob, dispute=d, channel=studio)
    clock = clocks_for(d).get(kind="dispute_first_session")
    assert clock.started_at == FRIDAY
    # Friday + 3 working days = Wednesday 2 December (the day's end, Asia/Shanghai)
    assert clock.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(
        2026, 12, 2
    )
    assert Dispute.objects.get(pk=d.pk).status == "mediating"


def test_police_mediation_refused_for_excluded_offence_with_reason(bob, register, police):
    d = register(bob)
    with pytest.raises(ValidationError) as exc:
        services.dispute_accept(
            actor=bob, dispute=d, channel=police, excluded_offences=["provoking"]
        )
    assert "寻衅滋事" in str(exc.value)
    assert Dispute.objects.get(pk=d.pk).channel is None


def test_police_mediation_allowed_without_excluded_offence(bob, register, police):
    d = services.dispute_accept(
        actor=bob, dispute=register(bob), channel=police, excluded_offences=[]
    )
    assert d.channel == police


def test_other_channel_ignores_excluded_offences(bob, register, studio):
    d = services.dispute_accept(
        actor=bob, dispute=register(bob), channel=studio, excluded_offences=["group_fight"]
    )
    assert d.channel == studio


def test_two_failed_sessions_suggest_orange_and_stop_the_clock(bob, register, studio):
    d = services.dispute_accept(actor=bob, dispute=register(bob, owner=bob), channel=studio)
    now = dt.datetime.now(dt.UTC)
    services.session_record(
        actor=bob, dispute=d, held_at=now, outcome="failed", law_notes="讲了民法典"
    )
    services.session_record(actor=bob, dispute=d, held_at=now, outcome="failed")
    d = Dispute.objects.get(pk=d.pk)
    assert (
        d.failed_mediations == 2
        and d.suggested_level == "orange"
        and "调解失败2次" in d.suggested_reasons
    )
    assert clocks_for(d).get(kind="dispute_first_session").stopped_at is not None


def test_agreed_session_sets_status(bob, register, studio):
    d = services.dispute_accept(actor=bob, dispute=register(bob), channel=studio)
    services.session_record(actor=bob, dispute=d, held_at=dt.datetime.now(dt.UTC), outcome="agreed")
    assert Dispute.objects.get(pk=d.pk).status == "agreed"


def test_accept_form_refusal_message_shown(bob_client, bob, register, police):
    d = register(bob)
    r = bob_client.post(
        reverse("disputes:dispute_accept", args=[d.pk]),
        {"channel": police.pk, "excluded": ["hired_violence"]},
        follow=True,
    )
    assert "不适用治安调解" in r.content.decode() and "雇凶伤害" in r.content.decode()


def test_session_form_records_the_three_notes(bob_client, bob, register, studio):
    d = services.dispute_accept(actor=bob, dispute=register(bob), channel=studio)
    bob_client.post(
        reverse("disputes:session_create", args=[d.pk]),
        {
            "held_at": "2026-11-28T10:00",
            "outcome": "continue",
            "law_notes": "法",
            "reason_notes": "理",
            "feeling_notes": "情",
            "mediators": [bob.pk],
        },
    )
    s = d.sessions.get()
    assert (s.law_notes, s.reason_notes, s.feeling_notes, list(s.mediators.all())) == (
        "法",
        "理",
        "情",
        [bob],
    )
