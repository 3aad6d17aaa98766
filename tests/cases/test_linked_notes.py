"""case_note_linked: a fact another app records on its linked case (行车卫士: 车辆已追回, 保险理赔)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases import services as s
from fengqiao.cases.choices import ActionKind, EventKind

from .conftest import at

pytestmark = pytest.mark.django_db


def test_a_linked_note_with_an_officer_is_work_on_an_open_case(travel, open_case, bob):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal", reported_at=at(2026, 3, 2, 9, 0))
    travel(at(2026, 3, 4, 10, 0))
    # bob (a community officer) may not edit the case, but records what his own record did
    event = s.case_note_linked(
        actor=bob, case=case, text="车辆已追回:川L12345", officer=bob, theft="DQ-2026-000001"
    )
    assert (event.kind, event.actor, event.text) == (EventKind.ACTION, bob, "车辆已追回:川L12345")
    assert event.data["theft"] == "DQ-2026-000001"
    action = case.actions.get()
    assert (action.kind, action.officer, action.recorded_by) == (ActionKind.OTHER, bob, bob)
    assert event.data["action"] == action.pk
    case.refresh_from_db()
    assert case.last_action_at == at(2026, 3, 4, 10, 0)


def test_a_linked_note_on_a_case_no_longer_open_is_only_a_line_in_the_file(
    travel, open_case, alice
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal", reported_at=at(2026, 3, 2, 9, 0))
    s.case_refuse(actor=alice, case=case, reason="不构成犯罪")
    event = s.case_note_linked(actor=alice, case=case, text="保险理赔:1500元", officer=alice)
    assert event.text == "保险理赔:1500元" and not case.actions.exists()


def test_a_linked_note_needs_a_visible_case_text_and_a_time_after_the_report(
    travel, open_case, charlie
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal", reported_at=at(2026, 3, 2, 9, 0))
    with pytest.raises(PermissionDenied):
        s.case_note_linked(actor=charlie, case=case, text="车辆已追回")
    with pytest.raises(ValidationError):
        s.case_note_linked(actor=None, case=case, text=" ")
    with pytest.raises(ValidationError):
        s.case_note_linked(actor=None, case=case, text="车辆已追回", at=at(2026, 3, 1, 9, 0))
    assert case.events.filter(kind=EventKind.ACTION).count() == 0
