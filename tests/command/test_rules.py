import datetime as dt

from fengqiao.command import rules

SH = rules.TZ


def at(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def test_day_shift_window_is_on_the_station_clock():
    start, end = rules.shift_window(dt.date(2026, 3, 2), dt.time(8, 30), dt.time(20, 30))
    assert (start, end) == (at(2026, 3, 2, 8, 30), at(2026, 3, 2, 20, 30))


def test_night_shift_runs_past_midnight():
    day = dt.date(2026, 3, 2)
    assert rules.covers(day, dt.time(20, 30), dt.time(8, 30), at(2026, 3, 3, 3))
    assert not rules.covers(day, dt.time(20, 30), dt.time(8, 30), at(2026, 3, 3, 9))


def test_24_hour_shift_ending_at_its_start_time():
    start, end = rules.shift_window(dt.date(2026, 3, 2), dt.time(8, 30), dt.time(8, 30))
    assert end - start == dt.timedelta(hours=24)


def test_week_starts_on_monday():
    assert rules.week_start(dt.date(2026, 3, 8)) == dt.date(2026, 3, 2)


def test_patrol_point_due_after_its_interval_and_when_never_checked():
    now = at(2026, 3, 2, 10)
    assert rules.patrol_overdue(None, 30, now)
    assert not rules.patrol_overdue(now - dt.timedelta(minutes=29), 30, now)
    assert rules.patrol_overdue(now - dt.timedelta(minutes=30), 30, now)


def test_fraud_warning_near_deadline_only_when_nobody_reached_it():
    now = at(2026, 3, 2, 10)
    due = now + dt.timedelta(minutes=10)
    assert rules.fraud_near_deadline(due, None, now, 15)
    assert not rules.fraud_near_deadline(due, now, now, 15)
    assert not rules.fraud_near_deadline(now + dt.timedelta(minutes=40), None, now, 15)


def test_escalation_after_configured_minutes():
    now = at(2026, 3, 2, 10)
    assert rules.escalation_due(now - dt.timedelta(minutes=10), now, 10)
    assert not rules.escalation_due(now - dt.timedelta(minutes=9), now, 10)


def test_dates_show_the_year_only_when_not_this_year():
    now = at(2026, 3, 2, 10)
    assert rules.show_date(at(2026, 1, 5, 9), now) == "01-05 09:00"
    assert rules.show_date(at(2025, 1, 5, 9), now) == "2025-01-05 09:00"
    assert rules.show_date(dt.date(2024, 12, 31), now) == "2024-12-31"


def test_group_key_joins_kind_subject_and_community():
    assert (
        rules.group_key("vehicle_alarm", community_id=3, subject="vibration")
        == "vehicle_alarm:vibration:3"
    )
