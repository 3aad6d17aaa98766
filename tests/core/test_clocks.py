"""Clocks on workflow objects: start under a rule version, pause, extend (with approval), stop."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.accounts.choices import Role
from fengqiao.core import rules
from fengqiao.core.audit import history_for
from fengqiao.core.choices import ClockState, ExtensionDecision
from fengqiao.core.services import (
    clock_approve_extension,
    clock_cancel,
    clock_pause,
    clock_reject_extension,
    clock_request_extension,
    clock_resume,
    clock_start,
    clock_stop,
    clocks_for,
    rule_in_force,
    rule_revise,
    rules_load_defaults,
)
from fengqiao.core.workflow_models import Clock, ClockPause
from tests.factories import PersonFactory, UserFactory

BJ = rules.TZ


def bj(*args):
    return dt.datetime(*args, tzinfo=BJ)


def end_of(y, m, d):
    return bj(y, m, d, 23, 59, 59, 999000)


@pytest.fixture(autouse=True)
def _default_rules(db):
    """A transaction=True test elsewhere may have flushed the rules the data migration shipped."""
    rules_load_defaults()


@pytest.fixture
def case(community_a):
    """Any workflow object will do: a clock attaches through a generic relation."""
    return PersonFactory(community=community_a)


@pytest.fixture
def officer(station):
    return UserFactory(username="dave", full_name="戴夫", role=Role.CASE_OFFICER, station=station)


@pytest.fixture
def bureau_head(station):
    return UserFactory(
        username="bureau",
        full_name="县局领导",
        role=Role.BUREAU,
        station=None,
        bureau=station.bureau,
    )


@pytest.fixture
def ps_clock(case, officer):
    """A 治安 case accepted Sat 2026-08-01 10:00: 30 days -> Mon 8-31 (end of day)."""
    return clock_start(
        obj=case, kind="public_security_case", assignee=officer, started_at=bj(2026, 8, 1, 10, 0)
    )


def test_clock_due_time_is_computed_from_the_rule_and_stored(ps_clock):
    assert ps_clock.due_at == end_of(2026, 8, 31)
    assert Clock.objects.get(pk=ps_clock.pk).due_at == end_of(2026, 8, 31)


def test_clock_attaches_to_its_object_and_station(ps_clock, case, station):
    assert ps_clock.obj == case
    assert ps_clock.station == station
    assert list(clocks_for(case)) == [ps_clock]


def test_clock_schedules_its_first_warning_at_half_the_period(ps_clock):
    assert ps_clock.next_warning_level == 1
    assert (
        ps_clock.next_warning_at
        == ps_clock.started_at + (ps_clock.due_at - ps_clock.started_at) / 2
    )


def test_clock_starts_now_by_default(case, officer, time_machine):
    time_machine.move_to(bj(2026, 3, 2, 9, 0), tick=False)
    clock = clock_start(obj=case, kind="callback_local", assignee=officer)
    assert clock.started_at == bj(2026, 3, 2, 9, 0)
    assert clock.due_at == end_of(2026, 3, 5)


def test_clock_takes_the_unit_of_its_assignee(case, officer):
    from tests.factories import UnitFactory

    officer.unit = UnitFactory(station=officer.station)
    officer.save()
    clock = clock_start(
        obj=case, kind="callback_local", assignee=officer, started_at=bj(2026, 3, 2, 9, 0)
    )
    assert clock.unit == officer.unit


def test_unknown_kind_is_refused(case):
    with pytest.raises(ValidationError, match="时限规则"):
        clock_start(obj=case, kind="no_such_kind", started_at=bj(2026, 3, 2, 9, 0))
    assert not Clock.objects.exists()


def test_clock_keeps_the_rule_version_it_started_under(case, officer, rules_admin, ps_clock):
    old_rule = ps_clock.rule
    rule_revise(
        actor=rules_admin,
        rule=old_rule,
        effective_from=dt.date(2026, 9, 1),
        note="测试修订",
        limit_value=20,
    )
    ps_clock.refresh_from_db()
    assert ps_clock.rule_id == old_rule.pk
    assert ps_clock.due_at == end_of(2026, 8, 31)
    later = clock_start(
        obj=case, kind="public_security_case", assignee=officer, started_at=bj(2026, 9, 2, 10, 0)
    )
    assert later.rule.limit_value == 20
    assert rule_in_force("public_security_case", bj(2026, 8, 15, 0, 0)) == old_rule


def test_starting_a_clock_is_logged(ps_clock):
    assert history_for(ps_clock).filter(action="create").count() == 1


# ---- pauses


def test_pause_and_resume_push_the_due_time_by_the_paused_duration(ps_clock, officer):
    clock_pause(actor=officer, clock=ps_clock, reason="伤情鉴定", at=bj(2026, 8, 10, 9, 0))
    assert ps_clock.state == ClockState.PAUSED
    assert ps_clock.next_warning_at is None
    clock_resume(actor=officer, clock=ps_clock, at=bj(2026, 8, 20, 9, 0))
    assert ps_clock.state == ClockState.RUNNING
    assert ps_clock.due_at == end_of(2026, 8, 31) + dt.timedelta(days=10)
    pause = ClockPause.objects.get(clock=ps_clock)
    assert (pause.reason, pause.ended_at) == ("伤情鉴定", bj(2026, 8, 20, 9, 0))


def test_warning_after_resume_is_shifted_by_the_pause(ps_clock, officer):
    first = ps_clock.next_warning_at
    clock_pause(actor=officer, clock=ps_clock, reason="鉴定", at=bj(2026, 8, 5, 9, 0))
    clock_resume(actor=officer, clock=ps_clock, at=bj(2026, 8, 7, 9, 0))
    assert ps_clock.next_warning_at == first + dt.timedelta(days=2)


def test_pause_is_refused_when_the_rule_does_not_allow_it(case, officer):
    clock = clock_start(
        obj=case, kind="summons_questioning", assignee=officer, started_at=bj(2026, 3, 2, 9, 0)
    )
    with pytest.raises(ValidationError, match="不允许暂停"):
        clock_pause(actor=officer, clock=clock, reason="鉴定", at=bj(2026, 3, 2, 10, 0))
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING
    assert not ClockPause.objects.exists()


def test_officer_of_another_station_cannot_pause(ps_clock, charlie):
    with pytest.raises(PermissionDenied):
        clock_pause(actor=charlie, clock=ps_clock, reason="鉴定", at=bj(2026, 8, 10, 9, 0))
    ps_clock.refresh_from_db()
    assert ps_clock.state == ClockState.RUNNING


# ---- extensions


def test_approved_extension_pushes_the_due_time(ps_clock, officer, bureau_head):
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="涉案人员多,需补充调查"
    )
    assert ext.decision == ExtensionDecision.PENDING
    clock_approve_extension(actor=bureau_head, extension=ext, note="同意")
    ext.refresh_from_db()
    ps_clock.refresh_from_db()
    # 8-31 + 30 days = 9-30 (Wednesday, a working day).
    assert ps_clock.due_at == end_of(2026, 9, 30)
    assert (ext.decision, ext.decided_by, ext.due_before, ext.due_after) == (
        ExtensionDecision.APPROVED,
        bureau_head,
        end_of(2026, 8, 31),
        end_of(2026, 9, 30),
    )


def test_extension_approval_is_logged_on_the_clock(ps_clock, officer, bureau_head):
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    clock_approve_extension(actor=bureau_head, extension=ext)
    update = history_for(ps_clock).filter(action="update").first()
    assert update is not None
    assert update.before["due_at"] != update.after["due_at"]


def test_approval_by_someone_without_the_approver_role_is_refused(ps_clock, officer, alice):
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    with pytest.raises(PermissionDenied, match="县局"):
        clock_approve_extension(
            actor=alice, extension=ext
        )  # station leader; the rule wants the bureau
    ext.refresh_from_db()
    ps_clock.refresh_from_db()
    assert ext.decision == ExtensionDecision.PENDING
    assert ps_clock.due_at == end_of(2026, 8, 31)


def test_the_requester_cannot_approve_their_own_extension(ps_clock, bureau_head):
    ext = clock_request_extension(
        actor=bureau_head, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    with pytest.raises(PermissionDenied, match="自己提出"):
        clock_approve_extension(actor=bureau_head, extension=ext)
    ext.refresh_from_db()
    ps_clock.refresh_from_db()
    assert ext.decision == ExtensionDecision.PENDING
    assert ps_clock.due_at == end_of(2026, 8, 31)


def test_extension_longer_than_the_rule_allows_is_refused(ps_clock, officer):
    with pytest.raises(ValidationError, match="超过"):
        clock_request_extension(
            actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查", value=45
        )
    assert not ps_clock.extensions.exists()


def test_more_extensions_than_allowed_are_refused(ps_clock, officer, bureau_head):
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    clock_approve_extension(actor=bureau_head, extension=ext)
    with pytest.raises(ValidationError, match="最多可延长1次"):
        clock_request_extension(
            actor=officer, clock=ps_clock, option_key="complex", reason="还要延长"
        )
    assert ps_clock.extensions.count() == 1


def test_extensions_beyond_the_legal_maximum_in_total_are_refused(case, officer, alice):
    clock = clock_start(
        obj=case, kind="criminal_filing_review", assignee=officer, started_at=bj(2026, 3, 2, 9, 0)
    )
    ext = clock_request_extension(
        actor=officer, clock=clock, option_key="lead_check", reason="线索需查证"
    )
    clock_approve_extension(actor=alice, extension=ext)
    with pytest.raises(ValidationError, match="法定最长延长"):
        clock_request_extension(
            actor=officer, clock=clock, option_key="major_complex", reason="重大复杂"
        )


def test_unknown_extension_option_is_refused(ps_clock, officer):
    with pytest.raises(ValidationError, match="没有这种延长方式"):
        clock_request_extension(actor=officer, clock=ps_clock, option_key="forever", reason="x")


def test_only_one_extension_request_may_wait_at_a_time(ps_clock, officer):
    clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    with pytest.raises(ValidationError, match="待审批"):
        clock_request_extension(
            actor=officer, clock=ps_clock, option_key="complex", reason="再次申请"
        )


def test_rejection_needs_a_reason_and_leaves_the_due_time(ps_clock, officer, bureau_head):
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    with pytest.raises(ValidationError, match="理由"):
        clock_reject_extension(actor=bureau_head, extension=ext, note="")
    clock_reject_extension(actor=bureau_head, extension=ext, note="证据已足够,按期办结")
    ext.refresh_from_db()
    ps_clock.refresh_from_db()
    assert ext.decision == ExtensionDecision.REJECTED
    assert ps_clock.due_at == end_of(2026, 8, 31)


def test_an_extension_cannot_be_decided_twice(ps_clock, officer, bureau_head):
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    clock_approve_extension(actor=bureau_head, extension=ext)
    with pytest.raises(ValidationError, match="已经审批过"):
        clock_approve_extension(actor=bureau_head, extension=ext)
    ps_clock.refresh_from_db()
    assert ps_clock.due_at == end_of(2026, 9, 30)


def test_bureau_head_of_another_bureau_cannot_approve(ps_clock, officer):
    from tests.factories import BureauFactory

    other = UserFactory(
        role=Role.BUREAU, station=None, bureau=BureauFactory(code="999999", name="别的县局")
    )
    ext = clock_request_extension(
        actor=officer, clock=ps_clock, option_key="complex", reason="需补充调查"
    )
    with pytest.raises(PermissionDenied):
        clock_approve_extension(actor=other, extension=ext)


# ---- stop and cancel


def test_stopping_before_the_due_time_meets_the_limit(ps_clock, officer):
    clock_stop(actor=officer, clock=ps_clock, at=bj(2026, 8, 20, 9, 0))
    assert ps_clock.state == ClockState.MET
    assert ps_clock.next_warning_at is None


def test_stopping_after_the_due_time_is_a_breach(ps_clock, officer):
    clock_stop(actor=officer, clock=ps_clock, at=bj(2026, 9, 2, 9, 0))
    assert ps_clock.state == ClockState.BREACHED
    assert ps_clock.breached_at == end_of(2026, 8, 31)


def test_stopping_a_paused_clock_closes_the_pause(ps_clock, officer):
    clock_pause(actor=officer, clock=ps_clock, reason="鉴定", at=bj(2026, 8, 10, 9, 0))
    clock_stop(actor=officer, clock=ps_clock, at=bj(2026, 8, 12, 9, 0))
    assert ps_clock.state == ClockState.MET
    assert ClockPause.objects.get(clock=ps_clock).ended_at == bj(2026, 8, 12, 9, 0)


def test_a_stopped_clock_cannot_be_stopped_again(ps_clock, officer):
    clock_stop(actor=officer, clock=ps_clock, at=bj(2026, 8, 20, 9, 0))
    with pytest.raises(ValidationError, match="已经结束"):
        clock_stop(actor=officer, clock=ps_clock, at=bj(2026, 8, 21, 9, 0))


def test_cancelled_clock_gets_no_more_warnings(ps_clock, officer):
    clock_cancel(actor=officer, clock=ps_clock, reason="移交县局")
    assert (ps_clock.state, ps_clock.next_warning_at) == (ClockState.CANCELLED, None)


def test_extension_request_on_a_finished_clock_is_refused(ps_clock, officer):
    clock_stop(actor=officer, clock=ps_clock, at=bj(2026, 8, 20, 9, 0))
    with pytest.raises(ValidationError, match="不能申请延长"):
        clock_request_extension(actor=officer, clock=ps_clock, option_key="complex", reason="x")
