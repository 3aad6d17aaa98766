"""节假日安排 the station enters itself: used for a year chinesecalendar does not know (2027 in 1.11),
cached and cleared on change, clocks recomputed, pasted notices checked line by line, the page and the command."""

import datetime as dt
import io
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from fengqiao.core import calendar as cn_calendar
from fengqiao.core import rules
from fengqiao.core.audit import history_for
from fengqiao.core.calendar_services import (
    calendar_day_delete,
    calendar_days_save,
    calendar_import_preview,
    calendar_text_save,
)
from fengqiao.core.choices import ClockState
from fengqiao.core.services import clock_start, clock_stop
from fengqiao.core.workflow_models import CalendarDay, Clock
from tests.factories import PersonFactory

BJ = rules.TZ
NEW_YEAR = dt.date(2027, 1, 1)  # a Friday
NOTICE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01 休 元旦
2027-02-08 休 春节
2027-02-09 休 春节
2027-02-20 班 春节 周六上班
"""


def bj(*args):
    return dt.datetime(*args, tzinfo=BJ)


def end_of(y, m, d):
    return bj(y, m, d, 23, 59, 59, 999000)


def entry(day, day_off=True, name="元旦", note=""):
    return {"date": day, "day_off": day_off, "name": name, "note": note}


@pytest.fixture
def case(community_a):
    return PersonFactory(community=community_a)


def test_library_does_not_know_2027_yet():
    """The premise: chinesecalendar 1.11 has no 2027 data (upgrade → the library takes over)."""
    assert not cn_calendar.library_knows_year(2027)
    assert cn_calendar.library_knows_year(2026)


# ---- the calendar: unknown year uses the entries, known year ignores them


def test_without_entries_new_year_counts_as_a_working_day_and_no_database_is_needed():
    # No django_db mark: the database is not allowed, the calendar falls back to weekends.
    assert cn_calendar.add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 4)
    assert not cn_calendar.knows_year(2027)


def test_working_days_across_new_year_skip_an_entered_holiday(rules_admin):
    assert cn_calendar.add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 4)
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    # 12-31 Thu, (1-1 元旦, 1-2/1-3 weekend), 1-4 Mon, 1-5 Tue
    assert cn_calendar.add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 5)
    assert cn_calendar.knows_year(2027)


def test_an_entered_working_saturday_counts_as_a_working_day(rules_admin):
    saturday = dt.date(2027, 2, 20)
    assert cn_calendar.is_holiday(saturday)
    calendar_days_save(actor=rules_admin, entries=[entry(saturday, False, "春节")])
    assert cn_calendar.is_working_day(saturday)
    assert cn_calendar.add_working_days(dt.date(2027, 2, 19), 1) == saturday


def test_entries_stop_the_weekends_only_warning(rules_admin, caplog):
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    with caplog.at_level(logging.WARNING, logger="fengqiao.core.calendar"):
        cn_calendar.add_working_days(dt.date(2027, 3, 1), 5)
    assert "weekends only" not in caplog.text


def test_known_year_ignores_the_table_and_reads_no_database(db, django_assert_num_queries):
    tuesday = dt.date(2026, 3, 3)
    CalendarDay.objects.create(
        date=tuesday, day_off=True, name="不该生效"
    )  # bypasses the service's check
    cn_calendar.clear_cache()
    with django_assert_num_queries(0):
        assert cn_calendar.is_working_day(tuesday)
        assert cn_calendar.is_holiday(dt.date(2026, 10, 1))


def test_entries_are_cached_and_the_cache_is_cleared_on_save_and_delete(
    rules_admin, settings, django_assert_num_queries
):
    settings.CALENDAR_CACHE_SECONDS = 3600
    assert cn_calendar.is_working_day(NEW_YEAR)  # loads (no entries) and caches the year
    with django_assert_num_queries(0):
        assert cn_calendar.is_working_day(NEW_YEAR)
    result = calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    assert cn_calendar.is_holiday(NEW_YEAR)  # not the cached "working day"
    calendar_day_delete(actor=rules_admin, day=CalendarDay.objects.get(date=NEW_YEAR))
    assert cn_calendar.is_working_day(NEW_YEAR)
    assert result.created == 1


def test_cache_expires_after_the_configured_seconds(rules_admin, settings):
    settings.CALENDAR_CACHE_SECONDS = 0
    assert cn_calendar.is_working_day(NEW_YEAR)
    CalendarDay.objects.filter(date=NEW_YEAR).delete()
    # A row written by another process (no signal here): seen once the cache has expired.
    CalendarDay.objects.bulk_create([CalendarDay(date=NEW_YEAR, day_off=True, name="元旦")])
    assert cn_calendar.is_holiday(NEW_YEAR)


# ---- validation


@pytest.mark.parametrize(
    ("day", "day_off", "name", "message"),
    [
        (dt.date(2027, 1, 2), True, "元旦", "周末"),  # a Saturday is off anyway
        (dt.date(2027, 1, 4), False, "元旦", "工作日"),  # a Monday is worked anyway
        (dt.date(2101, 1, 3), True, "元旦", "2100"),
        (dt.date(1999, 12, 31), True, "元旦", "2000"),
        (dt.date(2026, 10, 9), True, "国庆", "内置"),  # chinesecalendar knows 2026
        (dt.date(2027, 1, 1), True, "  ", "节日名称"),
    ],
)
def test_pointless_or_bad_entries_are_refused_and_nothing_is_saved(
    rules_admin, day, day_off, name, message
):
    with pytest.raises(ValidationError) as exc:
        calendar_days_save(
            actor=rules_admin, entries=[entry(dt.date(2027, 1, 1)), entry(day, day_off, name)]
        )
    assert message in " ".join(exc.value.messages)
    assert not CalendarDay.objects.exists()


def test_model_validation_refuses_a_working_weekday(db):
    with pytest.raises(ValidationError) as exc:
        CalendarDay(date=dt.date(2027, 1, 4), day_off=False, name="元旦").full_clean()
    assert "工作日" in str(exc.value)


def test_only_administrators_and_the_bureau_may_edit(alice):
    with pytest.raises(PermissionDenied):
        calendar_days_save(actor=alice, entries=[entry(NEW_YEAR)])
    assert not CalendarDay.objects.exists()


def test_every_change_is_in_the_history(rules_admin):
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    day = CalendarDay.objects.get()
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR, note="国办发明电〔2026〕")])
    assert [c.action for c in history_for(day).order_by("time", "id")] == ["create", "update"]
    calendar_day_delete(actor=rules_admin, day=day)
    assert list(history_for(day).order_by("time", "id").values_list("action", flat=True)) == [
        "create",
        "update",
        "delete",
    ]


# ---- open clocks follow the new arrangement


def test_saving_new_year_moves_an_open_clock_and_records_the_change(case, rules_admin):
    clock = clock_start(obj=case, kind="public_security_case", started_at=bj(2026, 12, 2, 10, 0))
    assert clock.due_at == end_of(2027, 1, 1)  # 30 days, 1-1 a Friday without the entry
    result = calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    clock.refresh_from_db()
    assert clock.due_at == end_of(2027, 1, 4)  # rolls over 元旦 and the weekend
    assert [(c.pk, old, new) for c, old, new in result.clocks] == [
        (clock.pk, end_of(2027, 1, 1), end_of(2027, 1, 4))
    ]
    change = history_for(clock).filter(action="update").latest("time")
    assert change.before["due_at"] == end_of(2027, 1, 1).astimezone(dt.UTC).isoformat()
    assert change.after["due_at"] == end_of(2027, 1, 4).astimezone(dt.UTC).isoformat()
    assert change.user == rules_admin


def test_working_day_clock_moves_and_a_later_delete_moves_it_back(case, rules_admin):
    clock = clock_start(obj=case, kind="callback_local", started_at=bj(2026, 12, 30, 9, 0))
    assert clock.due_at == end_of(2027, 1, 4)
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    clock.refresh_from_db()
    assert clock.due_at == end_of(2027, 1, 5)
    calendar_day_delete(actor=rules_admin, day=CalendarDay.objects.get(date=NEW_YEAR))
    clock.refresh_from_db()
    assert clock.due_at == end_of(2027, 1, 4)


def test_warnings_already_sent_are_not_sent_again(case, rules_admin):
    clock = clock_start(obj=case, kind="public_security_case", started_at=bj(2026, 12, 2, 10, 0))
    Clock.objects.filter(pk=clock.pk).update(last_warning_level=1, next_warning_level=2)
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    clock.refresh_from_db()
    assert clock.last_warning_level == 1
    assert clock.next_warning_level == 2  # the yellow warning is not fired a second time
    running = clock.due_at - clock.started_at
    assert clock.next_warning_at == clock.due_at - 0.2 * running


def test_clocks_that_do_not_depend_on_the_calendar_are_left_alone(case, rules_admin):
    hours = clock_start(obj=case, kind="summons_questioning", started_at=bj(2026, 12, 31, 20, 0))
    custody = clock_start(
        obj=case, kind="criminal_detention_to_arrest", started_at=bj(2026, 12, 29, 10, 0)
    )
    done = clock_start(obj=case, kind="public_security_case", started_at=bj(2026, 12, 2, 10, 0))
    clock_stop(actor=None, clock=done, at=bj(2026, 12, 20, 10, 0))
    before = {c.pk: c.due_at for c in Clock.objects.all()}
    result = calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    assert result.clocks == []
    assert {c.pk: c.due_at for c in Clock.objects.all()} == before
    assert Clock.objects.get(pk=done.pk).state == ClockState.MET
    assert custody.due_at == end_of(2027, 1, 1)  # custody does not roll over holidays
    assert hours.due_at == bj(2027, 1, 1, 4, 0)


def test_a_clock_due_before_the_changed_day_is_not_touched(case, rules_admin):
    clock = clock_start(obj=case, kind="callback_local", started_at=bj(2027, 1, 11, 9, 0))
    due = clock.due_at  # 2027-01-14
    result = calendar_days_save(
        actor=rules_admin, entries=[entry(dt.date(2027, 2, 8), name="春节")]
    )
    assert result.clocks == []
    clock.refresh_from_db()
    assert clock.due_at == due


def test_replay_applies_pauses_and_extensions_in_the_order_they_happened():
    start = bj(2026, 9, 1, 10, 0)
    pause = (bj(2026, 9, 3, 0, 0), "pause", dt.timedelta(days=2))
    extension = (bj(2026, 9, 20, 0, 0), "extension", (30, rules.DAYS))
    # 30 days → 10-1 (National Day) → 10-8; the pause ended first: +2 days → 10-10; then +30 days → 11-9 (Mon),
    # as clock_resume and clock_approve_extension computed it at the time.
    replayed = rules.replay_due_at(start, 30, rules.DAYS, events=[extension, pause])
    assert replayed == end_of(2026, 11, 9)
    # rules.due_at adds the extension first (10-8 + 30 = Sat 11-7 → 11-9) and the pause last: 11-11.
    assert rules.due_at(
        start,
        30,
        rules.DAYS,
        extensions=[(30, rules.DAYS)],
        pauses=[(bj(2026, 9, 1), bj(2026, 9, 3))],
    ) == end_of(2026, 11, 11)


# ---- the pasted notice


def test_dry_run_lists_each_bad_line_with_its_reason(db):
    lines = calendar_import_preview(
        "2027-01-01 休 元旦\n2027-01-02 休 元旦\n2027-13-01 休 元旦\n2027-02-08 放 春节\n2027-01-01 休 元旦\n乱写\n"
    )
    assert [(line.number, bool(line.error)) for line in lines] == [
        (1, False),
        (2, True),
        (3, True),
        (4, True),
        (5, True),
        (6, True),
    ]
    assert "周末" in lines[1].error
    assert "有效日期" in lines[2].error
    assert "休" in lines[3].error and "班" in lines[3].error
    assert "第 1 行" in lines[4].error
    assert lines[0].action == "新增"
    assert not CalendarDay.objects.exists()


def test_a_notice_with_one_bad_line_saves_nothing(rules_admin):
    with pytest.raises(ValidationError) as exc:
        calendar_text_save(
            actor=rules_admin, text=NOTICE_2027 + "2027-02-13 休 春节\n"
        )  # a Saturday
    assert "第 6 行" in " ".join(exc.value.messages)
    assert not CalendarDay.objects.exists()


def test_a_good_notice_is_saved_whole_and_pasting_it_again_changes_nothing(rules_admin):
    _, result = calendar_text_save(actor=rules_admin, text=NOTICE_2027)
    assert result.created == 4
    saturday = CalendarDay.objects.get(date=dt.date(2027, 2, 20))
    assert not saturday.day_off and saturday.note == "周六上班"
    _, again = calendar_text_save(actor=rules_admin, text=NOTICE_2027)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert [line.action for line in calendar_import_preview(NOTICE_2027)] == ["不变"] * 4


# ---- the page


def test_everyone_signed_in_may_view_the_year(bob_client):
    body = bob_client.get("/core/calendar/?year=2027").content.decode()
    assert "2027 年节假日安排尚未录入,期限按周末计算" in body
    assert "粘贴国务院通知" not in body  # no editing for an officer


def test_a_known_year_shows_the_library_holidays(bob_client):
    body = bob_client.get("/core/calendar/?year=2026").content.decode()
    assert "尚未录入" not in body
    assert 'class="holiday" title="National Day" data-date="2026-10-01"' in body
    assert 'data-date="2026-10-10">10<small>班</small>' in body


def test_a_bad_year_is_refused(bob_client):
    assert bob_client.get("/core/calendar/?year=abc").status_code == 400
    assert bob_client.get("/core/calendar/?year=2200").status_code == 400


def test_a_station_leader_cannot_edit_the_installation_wide_calendar(alice_client):
    response = alice_client.post("/core/calendar/import/", {"text": NOTICE_2027, "action": "save"})
    assert response.status_code == 403
    response = alice_client.post(
        "/core/calendar/add/", {"date": "2027-01-01", "day_off": "1", "name": "元旦"}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


@pytest.fixture
def admin_client(client, rules_admin, login):
    return login(client, rules_admin)


def test_administrator_adds_a_day_and_the_grid_marks_it(admin_client):
    response = admin_client.post(
        "/core/calendar/add/",
        {"year": "2027", "date": "2027-01-01", "day_off": "1", "name": "元旦"},
    )
    assert response.status_code == 302
    body = admin_client.get(response["Location"]).content.decode()
    assert 'class="holiday" title="元旦" data-date="2027-01-01"' in body
    assert "尚未录入" not in body


def test_administrator_gets_a_clear_error_for_a_pointless_day(admin_client):
    response = admin_client.post(
        "/core/calendar/add/",
        {"year": "2027", "date": "2027-01-04", "day_off": "0", "name": "元旦"},
    )
    assert response.status_code == 400
    assert "本来就上班" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_paste_check_lists_bad_lines_and_save_refuses_them_all(admin_client):
    text = NOTICE_2027 + "2027-02-13 休 春节\n"
    check = admin_client.post(
        "/core/calendar/import/", {"text": text, "action": "check", "year": "2027"}
    )
    body = check.content.decode()
    assert "本来就休息" in body and "新增" in body
    save = admin_client.post(
        "/core/calendar/import/", {"text": text, "action": "save", "year": "2027"}
    )
    assert save.status_code == 400
    assert "全部未保存" in save.content.decode()
    assert not CalendarDay.objects.exists()
    saved = admin_client.post("/core/calendar/import/", {"text": NOTICE_2027, "action": "save"})
    assert saved.status_code == 302 and saved["Location"].endswith("?year=2027")
    assert CalendarDay.objects.count() == 4


def test_administrator_edits_and_deletes_a_day(admin_client, rules_admin):
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    day = CalendarDay.objects.get()
    response = admin_client.post(
        f"/core/calendar/{day.pk}/edit/",
        {"date": "2027-03-01", "day_off": "1", "name": "元旦节", "note": "改名"},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.date, day.name, day.note) == (NEW_YEAR, "元旦节", "改名")  # the date stays
    assert admin_client.post(f"/core/calendar/{day.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.exists()


def test_home_banner_for_managers_in_december_when_next_year_is_missing(
    rules_admin, alice, login, time_machine
):
    time_machine.move_to(bj(2026, 12, 1, 9, 0), tick=False)
    body = login(Client(), rules_admin).get("/").content.decode()
    assert (
        "2027 年节假日安排尚未录入,期限按周末计算" in body and "/core/calendar/?year=2027" in body
    )
    assert "尚未录入" not in login(Client(), alice).get("/").content.decode()


def test_no_home_banner_in_november_or_once_entered(rules_admin, login, time_machine):
    time_machine.move_to(bj(2026, 11, 29, 9, 0), tick=False)
    assert "尚未录入" not in login(Client(), rules_admin).get("/").content.decode()
    time_machine.move_to(bj(2026, 12, 1, 9, 0), tick=False)
    calendar_days_save(actor=rules_admin, entries=[entry(NEW_YEAR)])
    assert "尚未录入" not in login(Client(), rules_admin).get("/").content.decode()


# ---- the command


def run(*args):
    out = io.StringIO()
    call_command("calendar_import", *args, stdout=out)
    return out.getvalue()


def test_command_dry_run_checks_and_saves_nothing(tmp_path, db):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    out = run(str(path), "--dry-run")
    assert "第 2 行  2027-01-01 休 元旦  →  新增" in out and "未保存" in out
    assert not CalendarDay.objects.exists()


def test_command_imports_the_notice_and_moves_clocks(tmp_path, case):
    clock = clock_start(obj=case, kind="public_security_case", started_at=bj(2026, 12, 2, 10, 0))
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8-sig")
    out = run(str(path))
    assert CalendarDay.objects.count() == 4
    assert "重新计算了 1 个时限" in out and "2027-01-01 23:59 → 2027-01-04 23:59" in out
    clock.refresh_from_db()
    assert clock.due_at == end_of(2027, 1, 4)
    assert history_for(clock).filter(action="update", source="command").exists()


def test_command_refuses_a_file_with_a_bad_line(tmp_path, db):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027 + "2027-02-13 休 春节\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 行不正确"):
        run(str(path))
    assert not CalendarDay.objects.exists()
    with pytest.raises(CommandError, match="找不到文件"):
        run(str(tmp_path / "missing.txt"))
