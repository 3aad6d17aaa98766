"""The red-line detectors (positive and negative), the flags' life, and the incident link (有案不立)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases import rules
from fengqiao.cases import services as s
from fengqiao.cases.choices import PartyRole
from fengqiao.cases.models import RedLineFlag
from fengqiao.cases.selectors import detect
from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.selectors import unfiled_incidents
from fengqiao.incidents.services import incident_receive

from .conftest import at

pytestmark = pytest.mark.django_db


def kinds(station, now):
    return sorted(d.key.split(":")[0] + ":" + d.key.split(":")[1] for d in detect(station, now))


@pytest.fixture
def theft_incident(station, alice, community_a):
    def make(received_at):
        return incident_receive(
            actor=alice,
            station=station,
            category=IncidentCategory.objects.get(code="XS-DQ"),
            caller_name="李四",
            caller_phone="13812345678",
            location="西街5号",
            community=community_a,
            received_at=received_at,
        )

    return make


def test_unfiled_incident_is_detected_after_its_review_limit(
    travel, station, alice, theft_incident
):
    travel(at(2026, 3, 2, 10, 0))
    incident = theft_incident(at(2026, 3, 2, 9, 0))
    assert detect(station, at(2026, 3, 4, 10, 0)) == []  # within 3 days
    found = detect(station, at(2026, 3, 6, 10, 0))
    assert [d.key for d in found] == [f"unfiled:incident:{incident.pk}"]


def test_opening_a_case_from_the_incident_clears_the_unfiled_flag(
    travel, station, alice, theft_incident, open_case, manager
):
    travel(at(2026, 3, 2, 10, 0))
    incident = theft_incident(at(2026, 3, 2, 9, 0))
    travel(at(2026, 3, 6, 10, 0))
    assert unfiled_incidents(alice, at(2026, 3, 6, 10, 0)).count() == 1
    [flag] = s.flags_sync(station=station)
    with pytest.raises(ValidationError, match="问题仍然存在"):
        s.flag_close(actor=manager, flag=flag, note="已立案")
    case = open_case(kind="criminal", incident=incident)
    incident.refresh_from_db()
    assert incident.case_reference == case.reference
    assert case.reported_at == incident.received_at and case.source_incident == incident
    assert unfiled_incidents(alice, at(2026, 3, 6, 10, 0)).count() == 0
    s.flag_close(actor=manager, flag=flag, note="已补立案")
    flag.refresh_from_db()
    assert flag.status == "closed" and flag.closed_by == manager


def test_a_case_officer_not_on_the_incident_can_still_open_the_case(
    travel, station, theft_incident, open_case, officer
):
    travel(at(2026, 3, 2, 10, 0))
    incident = theft_incident(at(2026, 3, 2, 9, 0))
    case = open_case(kind="criminal", incident=incident, actor=officer)
    incident.refresh_from_db()
    assert incident.case_reference == case.reference


def test_a_late_notice_of_refusal_counts_as_unfiled(travel, station, alice, open_case):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    s.case_refuse(actor=alice, case=case, reason="不构成犯罪")
    assert detect(station, at(2026, 3, 5, 10, 0)) == []
    assert [d.key for d in detect(station, at(2026, 3, 6, 10, 0))] == [
        f"unfiled:notice:case:{case.pk}"
    ]


def test_a_running_clock_past_its_limit_is_overdue(travel, station, open_case):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    assert detect(station, at(2026, 3, 3, 9, 0)) == []
    found = detect(station, at(2026, 3, 3, 11, 0))
    assert [d.kind for d in found] == ["overdue"] and found[0].case == case


def test_a_paused_handling_clock_is_not_overdue(travel, station, alice, open_case):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    s.appraisal_start(actor=alice, case=case, note="伤情鉴定")
    assert detect(station, at(2026, 5, 30, 10, 0)) == []


def test_a_case_without_work_for_more_than_15_days_is_lax(
    travel, station, alice, open_case, officer, officer2
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    s.case_file(actor=alice, case=case)
    assert detect(station, at(2026, 3, 17, 10, 0)) == []  # 15 days
    found = detect(station, at(2026, 3, 18, 10, 0))
    assert [d.kind for d in found] == ["lax"] and "16日无办案工作" in found[0].reason
    travel(at(2026, 3, 18, 10, 0))
    s.action_record(
        actor=alice,
        case=case,
        kind="interview",
        note="询问被害人",
        officer=officer,
        second_officer=officer2,
    )
    assert detect(station, at(2026, 3, 18, 11, 0)) == []


def test_an_unexecuted_penalty_is_lax_and_not_overdue(travel, station, alice, open_case):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    s.penalty_decide(actor=alice, case=case, penalty_kind="fine", text="罚款200元", mode="present")
    s.action_record(actor=alice, case=case, kind="other", note="催缴", officer=case.lead_officer)
    assert detect(station, at(2026, 3, 17, 10, 0)) == []
    keys = [d.key for d in detect(station, at(2026, 3, 18, 10, 0))]
    assert f"lax:penalty:case:{case.pk}" in keys and not any(k.startswith("overdue") for k in keys)
    travel(at(2026, 3, 18, 10, 0))
    s.penalty_execute(actor=alice, case=case)
    assert not any(
        k.startswith("lax:penalty")
        for k in [d.key for d in detect(station, at(2026, 3, 18, 11, 0))]
    )


def test_a_fled_suspect_without_pursuit_is_lax(travel, station, alice, open_case):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    s.case_file(actor=alice, case=case)
    suspect = s.party_add(actor=alice, case=case, role=PartyRole.SUSPECT, name="赵六")
    s.party_fled(actor=alice, party=suspect)
    assert [d.key for d in detect(station, at(2026, 3, 2, 11, 0))] == [
        f"lax:fled:party:{suspect.pk}"
    ]
    s.party_pursue(actor=alice, party=suspect, note="上网追逃")
    assert detect(station, at(2026, 3, 2, 11, 0)) == []


def test_flags_are_raised_once_assigned_explained_and_closed_with_a_note(
    travel, station, alice, open_case, manager, officer, officer2, bob
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    travel(at(2026, 3, 3, 11, 0))
    [flag] = s.flags_sync(station=station)
    assert s.flags_sync(station=station) == []
    assert flag.assignee == officer and flag.kind == "overdue"
    with pytest.raises(PermissionDenied):
        s.flag_assign(actor=officer, flag=flag, assignee=officer2)
    s.flag_assign(actor=manager, flag=flag, assignee=officer2)
    with pytest.raises(PermissionDenied):
        s.flag_explain(actor=bob, flag=flag, text="说明")
    s.flag_explain(actor=officer2, flag=flag, text="当事人未到案")
    s.case_accept(actor=alice, case=case)
    with pytest.raises(ValidationError, match="整改说明"):
        s.flag_close(actor=manager, flag=flag, note="")
    with pytest.raises(PermissionDenied):
        s.flag_close(actor=officer2, flag=flag, note="已受理")
    s.flag_close(actor=manager, flag=flag, note="已受理,责任人已说明")
    assert RedLineFlag.objects.get(pk=flag.pk).status == "closed"


def test_other_stations_red_lines_are_not_seen(travel, station, other_station, charlie, open_case):
    travel(at(2026, 3, 2, 10, 0))
    open_case()
    travel(at(2026, 3, 3, 11, 0))
    s.flags_sync(station=station)
    assert RedLineFlag.objects.visible_to(charlie).count() == 0
    assert s.flags_sync(station=other_station) == []


def test_warning_level_points():
    assert rules.warning_level(0.49) == ""
    assert rules.warning_level(0.5) == "yellow"
    assert rules.warning_level(0.8) == "orange"
    assert rules.warning_level(1.0) == "red"


def test_elapsed_fraction_ignores_paused_time():
    start = at(2026, 3, 1, 0, 0)
    due = start + dt.timedelta(days=12)  # 10 running days + 2 paused
    fraction = rules.elapsed_fraction(start, due, 2 * 86400, start + dt.timedelta(days=7))
    assert fraction == pytest.approx(0.5)


def test_idle_counts_beijing_days():
    assert rules.idle_days(at(2026, 3, 1, 23, 0), at(2026, 3, 2, 1, 0)) == 1
    assert not rules.is_idle(None, at(2026, 3, 2), 15)


def test_the_station_detector_finds_what_the_incidents_selector_finds(
    travel, station, alice, theft_incident
):
    from fengqiao.cases.selectors import unfiled_for_station

    travel(at(2026, 3, 2, 10, 0))
    late = theft_incident(at(2026, 2, 20, 9, 0))
    theft_incident(at(2026, 3, 2, 9, 0))  # within its limit
    now = at(2026, 3, 2, 10, 0)
    assert set(unfiled_for_station(station, now)) == set(unfiled_incidents(alice, now)) == {late}


def test_history_is_kept_for_cases_and_flags(travel, station, alice, open_case, manager):
    from fengqiao.core.audit import history_for

    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    s.case_accept(actor=alice, case=case)
    actions = [c.action for c in history_for(case)]
    assert actions.count("create") == 1 and actions.count("update") >= 1
    travel(at(2026, 3, 20, 10, 0))
    [flag] = s.flags_sync(station=station)
    s.flag_explain(actor=manager, flag=flag, text="说明")
    assert [c.action for c in history_for(flag)].count("update") == 1


def test_my_open_cases_are_in_the_work_queue(travel, open_case, officer, bob):
    from fengqiao.cases.selectors import my_case_items

    travel(at(2026, 3, 2, 10, 0))
    case = open_case()
    [item] = my_case_items(officer, at(2026, 3, 2, 23, 0))
    assert item.object == case and item.level == "yellow"
    assert my_case_items(bob, at(2026, 3, 2, 23, 0)) == []
