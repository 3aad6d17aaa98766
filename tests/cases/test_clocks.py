"""Every legal clock of a case through the services, with a frozen clock (2026 calendar)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases import services as s
from fengqiao.cases.choices import CaseStatus, MeasureKind, PartyRole
from fengqiao.core.choices import ClockState
from fengqiao.core.services import clocks_for

from .conftest import at

pytestmark = pytest.mark.django_db


def clock(obj, kind):
    return next(c for c in clocks_for(obj) if c.kind == kind)


def test_admin_case_starts_the_24_hour_intake_review_at_the_report(travel, open_case):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(reported_at=at(2026, 3, 2, 9, 0))
    assert case.reference == "XZ-2026-000001" and case.status == CaseStatus.REVIEW
    review = clock(case, "admin_intake_review")
    assert review.due_at == at(2026, 3, 3, 9, 0)
    assert "24小时" in review.rule.legal_basis


def test_accepting_stops_the_review_and_starts_30_days_rolled_past_national_day(
    travel, open_case, alice
):
    travel(at(2026, 9, 4, 10, 0))
    case = open_case()
    travel(at(2026, 9, 5, 9, 0))
    s.case_accept(actor=alice, case=case)
    assert clock(case, "admin_intake_review").state == ClockState.MET
    handling = clock(case, "public_security_case")
    # 30 days from 9-5 is 10-5, inside the National Day holiday: the period ends on 10-8.
    assert handling.due_at == at(2026, 10, 8, 23, 59, 59, 999000)


def test_late_acceptance_breaches_the_review_and_raises_an_overdue_flag(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    travel(at(2026, 3, 4, 10, 0))
    s.case_accept(actor=alice, case=case)
    assert clock(case, "admin_intake_review").state == ClockState.BREACHED
    assert case.flags.get().kind == "overdue"


def test_appraisal_pauses_the_handling_period(travel, open_case, alice):
    travel(at(2026, 9, 4, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case, at=at(2026, 9, 4, 10, 0))
    due = clock(case, "public_security_case").due_at
    travel(at(2026, 9, 10, 10, 0))
    s.appraisal_start(actor=alice, case=case, note="伤情鉴定")
    assert clock(case, "public_security_case").state == ClockState.PAUSED
    travel(at(2026, 9, 20, 10, 0))
    s.appraisal_end(actor=alice, case=case, note="轻微伤")
    resumed = clock(case, "public_security_case")
    assert resumed.state == ClockState.RUNNING
    assert resumed.due_at - due == at(2026, 9, 20, 10) - at(2026, 9, 10, 10)


def test_penalty_cannot_be_decided_during_appraisal(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    s.appraisal_start(actor=alice, case=case, note="价格鉴定")
    with pytest.raises(ValidationError, match="鉴定"):
        s.penalty_decide(
            actor=alice, case=case, penalty_kind="fine", text="罚款500元", mode="present"
        )


def test_criminal_filing_review_is_3_days_rolled_past_spring_festival(travel, open_case):
    travel(at(2026, 2, 12, 10, 0))
    case = open_case(kind="criminal")
    assert case.reference == "XS-2026-000001"
    assert clock(case, "criminal_filing_review").due_at == at(2026, 2, 24, 23, 59, 59, 999000)


def test_filing_extension_to_7_days_approved_by_another_leader(
    travel, open_case, officer, leader2, alice
):
    travel(at(2026, 2, 24, 10, 0))
    case = open_case(kind="criminal")
    review = clock(case, "criminal_filing_review")
    assert review.due_at == at(2026, 2, 27, 23, 59, 59, 999000)
    extension = s.extension_request(
        actor=officer, case=case, clock=review, option_key="lead_check", reason="线索需查证"
    )
    assert "第一百七十四条" in case.events.get(kind="extension_requested").data["basis"]
    with pytest.raises(PermissionDenied):
        s.extension_approve(actor=officer2_like(officer), extension=extension)
    s.extension_approve(actor=leader2, extension=extension, note="同意")
    # 2-27 + 4 days = 3-3 (a Tuesday).
    assert clock(case, "criminal_filing_review").due_at == at(2026, 3, 3, 23, 59, 59, 999000)
    assert case.events.filter(kind="extension_approved").exists()


def officer2_like(user):
    return user  # a case officer has no approver role


def test_an_approval_by_the_requester_is_refused(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    review = clock(case, "criminal_filing_review")
    extension = s.extension_request(
        actor=alice, case=case, clock=review, option_key="lead_check", reason="线索需查证"
    )
    with pytest.raises(PermissionDenied, match="本人"):
        s.extension_approve(actor=alice, extension=extension)
    extension.refresh_from_db()
    assert extension.decision == "pending"


def test_an_extension_beyond_the_law_is_refused(travel, open_case, alice, leader2, bureau_user):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    review = clock(case, "criminal_filing_review")
    ext = s.extension_request(
        actor=alice, case=case, clock=review, option_key="lead_check", reason="线索需查证"
    )
    s.extension_approve(actor=leader2, extension=ext)
    with pytest.raises(ValidationError, match="最多可延长1次"):
        s.extension_request(
            actor=alice, case=case, clock=review, option_key="lead_check", reason="再延"
        )
    # 4 + 27 days would pass the 30-day maximum of 刑事立案审查
    with pytest.raises(ValidationError, match="法定最长延长"):
        s.extension_request(
            actor=alice, case=case, clock=review, option_key="major_complex", reason="重大复杂"
        )


def test_the_30_day_handling_extension_needs_the_bureau_and_only_once(
    travel, open_case, alice, leader2, bureau_user
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    handling = clock(case, "public_security_case")
    ext = s.extension_request(
        actor=alice, case=case, clock=handling, option_key="complex", reason="案情复杂"
    )
    with pytest.raises(PermissionDenied, match="县局"):
        s.extension_approve(actor=leader2, extension=ext)
    s.extension_approve(actor=bureau_user, extension=ext)
    assert clock(case, "public_security_case").due_at > handling.due_at
    with pytest.raises(ValidationError):
        s.extension_request(
            actor=alice, case=case, clock=handling, option_key="complex", reason="再次延长"
        )


def test_rejection_needs_a_reason_and_keeps_the_due_time(travel, open_case, alice, leader2):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    review = clock(case, "criminal_filing_review")
    ext = s.extension_request(
        actor=alice, case=case, clock=review, option_key="lead_check", reason="线索需查证"
    )
    with pytest.raises(ValidationError):
        s.extension_reject(actor=leader2, extension=ext, note="")
    s.extension_reject(actor=leader2, extension=ext, note="证据已够")
    assert clock(case, "criminal_filing_review").due_at == review.due_at


def test_refusal_to_file_starts_the_3_day_notice_clock(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    s.case_refuse(actor=alice, case=case, reason="不构成犯罪")
    notice = clock(case, "non_filing_notice")
    assert notice.due_at == at(2026, 3, 5, 23, 59, 59, 999000)
    travel(at(2026, 3, 4, 10, 0))
    s.case_serve_notice(actor=alice, case=case)
    assert clock(case, "non_filing_notice").state == ClockState.MET
    s.case_close(actor=alice, case=case, summary="不予立案,通知书已送达")
    assert case.status == CaseStatus.CLOSED


def test_criminal_detention_runs_three_clocks_that_do_not_roll_over_holidays(
    travel, open_case, alice
):
    travel(at(2026, 9, 29, 10, 0))
    case = open_case(kind="criminal")
    s.case_file(actor=alice, case=case)
    suspect = s.party_add(actor=alice, case=case, role=PartyRole.SUSPECT, name="王五")
    measure = s.measure_start(
        actor=alice, case=case, kind=MeasureKind.CRIMINAL_DETENTION, party=suspect
    )
    kinds = {c.kind: c for c in clocks_for(measure)}
    assert set(kinds) == {
        "criminal_detention_to_arrest",
        "detention_to_custody",
        "detention_family_notice",
    }
    # custody periods do not roll: 3 days from 9-29 end on 10-2 although it is National Day
    assert kinds["criminal_detention_to_arrest"].due_at == at(2026, 10, 2, 23, 59, 59, 999000)
    assert kinds["detention_to_custody"].due_at == at(2026, 9, 30, 10, 0)
    travel(at(2026, 9, 29, 18, 0))
    s.measure_step(actor=alice, measure=measure, step="custody")
    s.measure_step(actor=alice, measure=measure, step="family")
    assert {c.kind: c.state for c in clocks_for(measure)}["detention_to_custody"] == ClockState.MET
    travel(at(2026, 10, 1, 10, 0))
    s.measure_end(actor=alice, measure=measure, outcome="提请批准逮捕")
    assert {c.kind: c.state for c in clocks_for(measure)}[
        "criminal_detention_to_arrest"
    ] == ClockState.MET


def test_detention_is_refused_in_an_administrative_case(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    suspect = s.party_add(actor=alice, case=case, role=PartyRole.SUSPECT, name="王五")
    with pytest.raises(ValidationError, match="刑事案件"):
        s.measure_start(actor=alice, case=case, kind=MeasureKind.CRIMINAL_DETENTION, party=suspect)


def test_summons_is_8_hours_and_extends_to_24_with_approval(travel, open_case, alice, leader2):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    suspect = s.party_add(actor=alice, case=case, role=PartyRole.SUSPECT, name="王五")
    measure = s.measure_start(actor=alice, case=case, kind=MeasureKind.SUMMONS, party=suspect)
    summons = clocks_for(measure).get()
    assert summons.due_at == at(2026, 3, 2, 18, 0)
    ext = s.extension_request(
        actor=alice,
        case=case,
        clock=summons,
        option_key="detention_possible",
        reason="可能行政拘留",
    )
    s.extension_approve(actor=leader2, extension=ext)
    assert clocks_for(measure).get().due_at == at(2026, 3, 3, 10, 0)


def test_penalty_absent_must_be_served_in_2_days_then_executed_in_15(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    travel(at(2026, 3, 9, 10, 0))
    s.penalty_decide(actor=alice, case=case, penalty_kind="fine", text="罚款500元", mode="absent")
    assert clock(case, "public_security_case").state == ClockState.MET
    assert clock(case, "penalty_service_absent").due_at == at(2026, 3, 11, 23, 59, 59, 999000)
    travel(at(2026, 3, 10, 10, 0))
    s.penalty_serve(actor=alice, case=case)
    assert clock(case, "penalty_execution").due_at == at(2026, 3, 25, 23, 59, 59, 999000)
    with pytest.raises(ValidationError, match="处罚尚未执行完毕"):
        s.case_close(actor=alice, case=case, summary="结案")
    travel(at(2026, 3, 12, 10, 0))
    s.penalty_execute(actor=alice, case=case, note="罚款已缴纳")
    s.case_close(actor=alice, case=case, summary="处罚执行完毕")
    assert case.status == CaseStatus.CLOSED


def test_on_spot_penalty_must_be_filed_in_24_hours(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    s.penalty_decide(actor=alice, case=case, penalty_kind="warning", text="警告", mode="on_spot")
    assert clock(case, "on_spot_penalty_filing").due_at == at(2026, 3, 3, 10, 0)


def test_closing_is_refused_with_an_open_measure_or_an_unreturned_item(
    travel, open_case, alice, officer, officer2
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    s.case_file(actor=alice, case=case)
    seizure = s.measure_start(actor=alice, case=case, kind=MeasureKind.SEIZURE)
    item = s.item_register(
        actor=alice,
        case=case,
        description="电瓶车一辆",
        location="物证室A-3",
        handled_by=officer,
        checked_by=officer2,
        measure=seizure,
    )
    with pytest.raises(ValidationError) as err:
        s.case_close(actor=alice, case=case, summary="移送起诉")
    assert "强制措施" in str(err.value) and "电瓶车" in str(err.value)
    s.measure_end(actor=alice, measure=seizure, outcome="解除扣押")
    with pytest.raises(ValidationError, match="涉案物品"):
        s.case_close(actor=alice, case=case, summary="移送起诉")
    s.item_move(
        actor=alice,
        item=item,
        kind="return",
        handled_by=officer,
        checked_by=officer2,
        location="发还失主",
    )
    s.case_close(actor=alice, case=case, summary="移送起诉")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_date_in_the_future_is_refused_and_nothing_changes(travel, open_case, alice):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    with pytest.raises(ValidationError, match="不能晚于当前时间"):
        s.case_accept(actor=alice, case=case, at=at(2026, 3, 3, 10, 0))
    case.refresh_from_db()
    assert (
        case.status == CaseStatus.REVIEW
        and clock(case, "admin_intake_review").state == ClockState.RUNNING
    )
    with pytest.raises(ValidationError, match="不能晚于当前时间"):
        open_case(reported_at=at(2026, 3, 5, 10, 0))
