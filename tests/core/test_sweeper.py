"""The sweeper: each warning level fires once, to the right people; crash-safe; safe with two workers."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from fengqiao.accounts.choices import Role
from fengqiao.core import rules, sweeper
from fengqiao.core.audit import history_for
from fengqiao.core.choices import ClockState
from fengqiao.core.services import clock_pause, clock_start, rules_load_defaults
from fengqiao.core.workflow_models import Clock, ClockWarning
from tests.core import concurrency
from tests.factories import PersonFactory, UnitFactory, UserFactory

BJ = rules.TZ
START = dt.datetime(
    2026, 3, 2, 8, 0, tzinfo=BJ
)  # a 24 h clock: 50 % at 20:00, 80 % at 03:12, due 08:00 next day


@pytest.fixture(autouse=True)
def _default_rules(db):
    """A transaction=True test elsewhere may have flushed the rules the data migration shipped."""
    rules_load_defaults()


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(sweeper, "_send", lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def team_leader(station):
    return UserFactory(username="erin", full_name="艾琳", role=Role.CASE_OFFICER, station=station)


@pytest.fixture
def officer(station, team_leader):
    unit = UnitFactory(station=station, name="案件办理队", leader=team_leader)
    return UserFactory(
        username="dave", full_name="戴夫", role=Role.CASE_OFFICER, station=station, unit=unit
    )


@pytest.fixture
def obj(community_a):
    return PersonFactory(community=community_a)


@pytest.fixture
def clock(obj, officer, alice):
    return clock_start(obj=obj, kind="emergency_registration", assignee=officer, started_at=START)


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def names(call) -> list[str]:
    return sorted(u.username for u in call["recipients"])


def test_nothing_is_sent_before_the_first_warning(clock, sent):
    result = sweeper.sweep(now=at(11.9))
    assert (result.due, sent) == (0, [])


def test_first_warning_goes_to_the_assignee_alone(clock, sent):
    sweeper.sweep(now=at(12))
    assert len(sent) == 1
    assert names(sent[0]) == ["dave"]
    assert sent[0]["level"] == "yellow"
    assert sent[0]["kind"] == "clock_warning"
    assert sent[0]["dedupe_key"] == f"clock:{clock.pk}:level:1"
    assert ClockWarning.objects.get(clock=clock).level == 1


def test_warning_text_names_the_rule_due_time_and_legal_basis(clock, sent):
    sweeper.sweep(now=at(12))
    assert "报案登记(现场处置后)" in sent[0]["title"]
    assert "2026-03-03 08:00" in sent[0]["body"]
    assert "依据" in sent[0]["body"]


def test_sweeping_twice_sends_once(clock, sent):
    sweeper.sweep(now=at(12))
    sweeper.sweep(now=at(12.5))
    assert len(sent) == 1
    assert ClockWarning.objects.filter(clock=clock).count() == 1


def test_next_warning_moves_to_the_second_level(clock, sent):
    sweeper.sweep(now=at(12))
    clock.refresh_from_db()
    assert clock.next_warning_level == 2
    assert clock.next_warning_at == at(24 * 0.8)


def test_second_warning_adds_the_unit_leader(clock, sent):
    sweeper.sweep(now=at(12))
    sweeper.sweep(now=at(19.2))
    assert names(sent[1]) == ["dave", "erin"]
    assert sent[1]["level"] == "orange"


def test_expiry_reaches_the_station_leader_and_marks_the_clock_breached(clock, sent):
    for hours in (12, 19.2, 24):
        sweeper.sweep(now=at(hours))
    assert names(sent[2]) == ["alice", "dave", "erin"]
    assert (sent[2]["level"], sent[2]["urgent"]) == ("red", True)
    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == clock.due_at
    assert clock.next_warning_at is None


def test_a_late_sweep_fires_only_the_highest_level_that_has_come(clock, sent):
    sweeper.sweep(now=at(20))
    assert len(sent) == 1
    assert sent[0]["level"] == "orange"
    assert list(ClockWarning.objects.filter(clock=clock).values_list("level", flat=True)) == [2]


def test_paused_clock_is_not_swept(obj, officer, sent):
    clock = clock_start(obj=obj, kind="public_security_case", assignee=officer, started_at=START)
    clock_pause(actor=officer, clock=clock, reason="鉴定", at=START + dt.timedelta(days=1))
    assert sweeper.sweep(now=START + dt.timedelta(days=40)).due == 0
    assert sent == []


def test_yellow_warning_of_an_ordinary_clock_is_not_urgent(clock, sent):
    sweeper.sweep(now=at(12))
    assert sent[0]["urgent"] is False


def test_high_risk_fraud_warning_is_urgent_from_the_first_level(obj, officer, sent):
    clock_start(obj=obj, kind="fraud_contact_high", assignee=officer, started_at=START)
    sweeper.sweep(now=START + dt.timedelta(minutes=15))
    assert sent[0]["urgent"] is True


def test_clock_without_assignee_warns_the_station_leaders(obj, alice, sent):
    clock_start(obj=obj, kind="emergency_registration", started_at=START)
    sweeper.sweep(now=at(12))
    assert names(sent[0]) == ["alice"]


def test_warning_links_to_the_object(clock, obj, sent):
    sweeper.sweep(now=at(12))
    assert sent[0]["obj"] == obj


def test_a_stale_claim_changes_nothing(clock, sent):
    seen_at, seen_level = clock.next_warning_at, clock.next_warning_level
    sweeper.sweep(now=at(12))
    assert sweeper.fire_one(clock.pk, seen_at, seen_level, at(12)) == "lost"
    assert len(sent) == 1


def test_the_sweeper_logs_the_clock_change(clock, sent):
    sweeper.sweep(now=at(12))
    change = history_for(clock).filter(action="update").first()
    assert change.source == "job"
    assert (change.before["last_warning_level"], change.after["last_warning_level"]) == (0, 1)


def test_an_error_on_one_clock_does_not_stop_the_others(obj, officer, alice, monkeypatch):
    clocks = [
        clock_start(obj=obj, kind="emergency_registration", assignee=officer, started_at=START)
        for _ in range(3)
    ]
    broken = {f"clock:{clocks[1].pk}:level:1"}
    delivered = []

    def gateway(**kwargs):
        if kwargs["dedupe_key"] in broken:
            raise RuntimeError("gateway down")
        delivered.append(kwargs["dedupe_key"])

    monkeypatch.setattr(sweeper, "_send", gateway)
    result = sweeper.sweep(now=at(12))
    assert (result.fired, result.errors) == (2, 1)
    assert not ClockWarning.objects.filter(
        clock=clocks[1]
    ).exists()  # rolled back with its notification
    assert ClockWarning.objects.count() == 2
    broken.clear()
    result = sweeper.sweep(now=at(12.1))
    assert (result.fired, result.errors) == (1, 0)
    assert ClockWarning.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_crash_half_way_loses_and_duplicates_nothing(monkeypatch):
    from django.db.models import Count

    from fengqiao.notifications.models import Notification
    from fengqiao.notifications.services import notification_send

    now = START + dt.timedelta(hours=12)
    ids = concurrency.make_due_clocks(6, now)
    monkeypatch.setattr(sweeper, "CHUNK", 2)  # commit every two clocks
    calls = []

    def dies_on_the_fourth(**kwargs):
        calls.append(kwargs["dedupe_key"])
        if len(calls) == 4:
            raise KeyboardInterrupt("worker killed")  # not an Exception: the sweep itself dies here
        return notification_send(**kwargs)

    monkeypatch.setattr(sweeper, "_send", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        sweeper.sweep(now=now)
    # The first chunk is committed; the second (clock 3 sent, clock 4 killed) rolled back whole.
    assert ClockWarning.objects.count() == 2
    assert Notification.objects.filter(kind="clock_warning").count() == 2
    assert Clock.objects.filter(pk__in=ids, last_warning_level=0).count() == 4

    monkeypatch.setattr(sweeper, "_send", notification_send)
    result = sweeper.sweep(now=now + dt.timedelta(minutes=1))
    assert (result.fired, result.errors) == (4, 0)
    assert ClockWarning.objects.count() == 6
    per_key = (
        Notification.objects.filter(kind="clock_warning")
        .values("dedupe_key")
        .annotate(n=Count("id"))
    )
    assert sorted((row["dedupe_key"], row["n"]) for row in per_key) == sorted(
        (f"clock:{pk}:level:1", 1) for pk in ids
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_never_send_the_same_warning(tmp_path):
    if connection.vendor == "sqlite":
        outcome = concurrency.run_on_sqlite_file(tmp_path, "sweep")
    else:
        now = dt.datetime.now(dt.UTC)
        outcome = concurrency.sweep(concurrency.make_due_clocks(200, now), now)
    assert outcome["errors"] == [] and outcome["sweep_errors"] == 0
    assert outcome["sent"] == outcome["expected"]  # each clock's warning sent exactly once
    assert outcome["warnings"] == 200
    assert outcome["fired"] == 200  # split between the two workers, never both


def test_sweep_command_prints_a_summary(clock, sent, capsys):
    call_command("sweep", "--now", at(12).isoformat())
    out = capsys.readouterr().out
    assert "发出 1 条" in out
    assert len(sent) == 1


def test_sweep_command_refuses_a_naive_time(clock, sent):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="时区"):
        call_command("sweep", "--now", "2026-03-02T20:00:00")


def test_huey_runs_the_sweeper_every_minute(clock, sent, time_machine):
    from huey.contrib.djhuey import HUEY

    from fengqiao.core.tasks import sweep_clocks

    for minute in (dt.datetime(2026, 3, 2, 8, 17), dt.datetime(2026, 3, 2, 8, 18)):
        assert "sweep_clocks" in [t.name.rsplit(".", 1)[-1] for t in HUEY.read_periodic(minute)]
    time_machine.move_to(at(12), tick=False)
    assert sweep_clocks.call_local()["fired"] == 1


def test_warning_lands_in_the_inboxes_through_the_real_notification_service(
    clock, officer, team_leader, alice
):
    from fengqiao.notifications.models import Notification

    sweeper.sweep(now=at(12))
    sweeper.sweep(now=at(24))  # expiry: assignee, unit leader, station leader
    sweeper.sweep(now=at(25))  # nothing new
    inbox = Notification.objects.filter(kind="clock_warning")
    assert sorted(inbox.values_list("recipient__username", "level")) == [
        ("alice", "red"),
        ("dave", "red"),
        ("dave", "yellow"),
        ("erin", "red"),
    ]
    red = inbox.get(recipient=alice)
    assert red.urgent and red.obj == clock.obj
    assert "已到期" in red.title


def test_a_callback_over_spring_festival_breaches_only_after_the_holiday(
    obj, officer, alice, sent, time_machine
):
    """Frozen clock walking through 春节 2026: 3 working days from Thu 2-12 end on Tue 2-24."""
    time_machine.move_to(dt.datetime(2026, 2, 12, 9, 0, tzinfo=BJ), tick=False)
    clock = clock_start(obj=obj, kind="callback_local", assignee=officer)
    assert clock.due_at == dt.datetime(2026, 2, 24, 23, 59, 59, 999000, tzinfo=BJ)
    time_machine.move_to(dt.datetime(2026, 2, 18, 12, 0, tzinfo=BJ), tick=False)
    sweeper.sweep()
    assert sent == []  # before half of the period
    time_machine.move_to(dt.datetime(2026, 2, 19, 9, 0, tzinfo=BJ), tick=False)
    sweeper.sweep()
    assert [s["level"] for s in sent] == ["yellow"]
    time_machine.move_to(dt.datetime(2026, 2, 24, 23, 0, tzinfo=BJ), tick=False)
    sweeper.sweep()
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING  # the last working day is not over yet
    time_machine.move_to(dt.datetime(2026, 2, 25, 0, 0, tzinfo=BJ), tick=False)
    sweeper.sweep()
    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED
    assert [s["level"] for s in sent] == ["yellow", "orange", "red"]
