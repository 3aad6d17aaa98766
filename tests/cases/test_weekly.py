"""The weekly summary: figures against the data, the Word and xlsx documents, the Monday notice, the jobs."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from fengqiao.cases import documents
from fengqiao.cases import services as s
from fengqiao.cases.models import RedLineFlag
from fengqiao.cases.selectors import weekly_figures
from fengqiao.notifications.models import Notification

from .conftest import at

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def week(travel, open_case, alice, manager, station, officer, officer2, leader2):
    """Mon 3-2 … Sun 3-8: 3 cases received (one the Sunday before does not count), 2 accepted/filed,
    1 closed and reviewed, 1 overdue flag raised (officer) and resolved, one fled-suspect flag still open."""
    travel(at(2026, 3, 1, 12, 0))
    before = open_case()  # Sunday of the previous week
    travel(at(2026, 3, 2, 9, 0))
    s.case_accept(actor=alice, case=before)  # accepted this week
    a = open_case()
    travel(at(2026, 3, 3, 12, 0))  # a's 24-hour review breached
    s.flags_sync(station=station)
    s.case_accept(actor=alice, case=a)
    s.penalty_decide(actor=alice, case=a, penalty_kind="warning", text="警告", mode="present")
    s.case_close(actor=alice, case=a, summary="警告处罚")
    s.case_review(actor=manager, case=a, legality=25, timeliness=15, evidence=20, procedure=20)
    [overdue] = RedLineFlag.objects.filter(kind="overdue")
    s.flag_close(actor=manager, flag=overdue, note="已受理")
    c = open_case(kind="criminal", lead_officer=officer2, second_officer=officer)
    s.case_file(actor=alice, case=c)
    suspect = s.party_add(actor=alice, case=c, role="suspect", name="赵六")
    s.party_fled(actor=alice, party=suspect)
    travel(at(2026, 3, 4, 12, 0))
    s.flags_sync(station=station)
    open_case()  # third case received this week
    travel(at(2026, 3, 6, 17, 0))
    return {"a": a, "c": c}


def test_weekly_figures_match_the_data(week, station, officer, officer2):
    data = weekly_figures(station, MONDAY)
    t = data["totals"]
    assert (t["received"], t["filed"], t["closed"]) == (3, 3, 1)
    assert (t["overdue"], t["flags_raised"], t["flags_resolved"], t["open_flags"]) == (1, 2, 1, 1)
    assert t["flags_by_kind"] == {"unfiled": 0, "overdue": 1, "lax": 1}
    by_officer = {o["officer"]: o for o in data["by_officer"]}
    guo, hu = by_officer["郭鹏"], by_officer["胡斌"]
    assert (guo["received"], guo["filed"], guo["closed"], guo["flags"], guo["review_average"]) == (
        2,
        2,
        1,
        1,
        80.0,
    )
    assert (hu["received"], hu["filed"], hu["flags"]) == (1, 1, 1)
    # 郭鹏: 1 closed ×2 + 2 filed + 80/10 − 1 flag ×5 = 7; 胡斌: 1 filed − 5 = −4
    assert (guo["score"], hu["score"]) == (7.0, -4.0)
    assert [o["officer"] for o in data["by_officer"]] == ["郭鹏", "胡斌"]
    [unit] = data["by_unit"]
    assert unit["unit"] == "案件办理队" and unit["received"] == 3 and unit["flags"] == 2
    assert {p["kind"] for p in data["problems"]} == {"办理超期", "查打不严"}


def test_the_documents_carry_the_same_figures(week, station):
    from docx import Document
    from openpyxl import load_workbook

    summary = s.weekly_generate(station=station, monday=MONDAY)
    doc = Document(io.BytesIO(documents.summary_docx(summary.data)))
    totals = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows[1:]}
    assert totals["受案"] == "3" and totals["结案"] == "1" and totals["红线问题(新发现)"] == "2"
    ranking = doc.tables[2]
    assert ranking.rows[1].cells[1].text == "郭鹏" and ranking.rows[1].cells[9].text == "7.0"
    book = load_workbook(io.BytesIO(documents.summary_xlsx(summary.data)))
    sheet = {row[0]: row[1] for row in book["总体情况"].iter_rows(min_row=2, values_only=True)}
    assert sheet["受理/立案"] == 3 and sheet["办理超期"] == 1 and sheet["未整改问题"] == 1
    rows = list(book["存在问题"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 and {r[3] for r in rows} == {"郭鹏", "胡斌"}


def test_generating_again_updates_the_same_week(week, station):
    first = s.weekly_generate(station=station, monday=MONDAY)
    again = s.weekly_generate(station=station, monday=MONDAY)
    assert first.pk == again.pk
    with pytest.raises(ValidationError, match="周一"):
        s.weekly_generate(station=station, monday=dt.date(2026, 3, 3))
    with pytest.raises(ValidationError, match="未来"):
        s.weekly_generate(station=station, monday=dt.date(2026, 3, 16))


def test_monday_notice_goes_to_every_officer_once_with_names(week, station, travel, alice, bob):
    summary = s.weekly_generate(station=station, monday=MONDAY)
    travel(at(2026, 3, 9, 8, 30))
    sent = s.weekly_notify(summary=summary)
    assert sent >= 5
    note = Notification.objects.get(recipient=bob, kind="case_weekly_notice")
    assert "胡斌" in note.body and "查打不严" in note.body and "案件办理队" in note.body
    assert s.weekly_notify(summary=summary) == 0


def test_the_jobs_generate_and_notify(week, station, travel):
    from fengqiao.cases import tasks

    tasks.weekly_summary.call_local()
    travel(at(2026, 3, 9, 8, 30))
    assert tasks.monday_notice.call_local() >= 5
    # the third case (received Wednesday) has passed its 24-hour review since
    assert tasks.detect_red_lines.call_local() == {station.code: 1}
    assert tasks.detect_red_lines.call_local() == {station.code: 0}
