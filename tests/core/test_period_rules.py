"""Period arithmetic (core/rules.py): pure functions, Beijing dates, chinesecalendar holidays and 调休."""

import datetime as dt
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.core import calendar as cn_calendar
from fengqiao.core import rules

BJ = rules.TZ


def bj(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)


def end_of(y, m, d) -> dt.datetime:
    return bj(y, m, d, 23, 59, 59, 999000)


# ---- the calendar data we rely on (chinesecalendar 1.11: 2026 arrangement)


def test_library_knows_2026_spring_festival_and_its_tiaoxiu_saturdays():
    assert all(cn_calendar.is_holiday(dt.date(2026, 2, d)) for d in range(15, 24))
    assert cn_calendar.is_working_day(dt.date(2026, 2, 14))  # Saturday worked
    assert cn_calendar.is_working_day(dt.date(2026, 2, 28))  # Saturday worked


def test_library_knows_2026_national_day():
    assert all(cn_calendar.is_holiday(dt.date(2026, 10, d)) for d in range(1, 8))
    assert cn_calendar.is_working_day(dt.date(2026, 10, 10))  # Saturday worked
    assert cn_calendar.is_working_day(dt.date(2026, 9, 20))  # Sunday worked


# ---- hours and minutes run on the clock


def test_hour_period_runs_on_the_clock_through_a_holiday():
    assert rules.add_period(bj(2026, 2, 16, 10, 0), 8, rules.HOURS) == bj(2026, 2, 16, 18, 0)


def test_hour_period_crosses_midnight():
    assert rules.add_period(bj(2026, 3, 2, 20, 0), 24, rules.HOURS) == bj(2026, 3, 3, 20, 0)


def test_minute_period_for_a_high_risk_fraud_warning():
    assert rules.add_period(bj(2026, 10, 1, 23, 45), 30, rules.MINUTES) == bj(2026, 10, 2, 0, 15)


def test_result_is_stored_in_utc():
    due = rules.add_period(bj(2026, 3, 2, 9, 0), 3, rules.DAYS)
    assert due.utcoffset() == dt.timedelta(0)
    assert due == dt.datetime(2026, 3, 5, 15, 59, 59, 999000, tzinfo=dt.UTC)


# ---- days: start day not counted, end of the last day, roll past days off


def test_start_day_is_not_counted_and_period_ends_at_end_of_last_day():
    assert rules.add_period(bj(2026, 3, 2, 15, 0), 3, rules.DAYS) == end_of(2026, 3, 5)


def test_start_day_is_the_beijing_date_not_the_utc_date():
    # 2026-03-01 16:30 UTC is 2026-03-02 00:30 in Beijing: the start day is 3-2.
    start = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
    assert rules.add_period(start, 3, rules.DAYS) == end_of(2026, 3, 5)


def test_last_day_on_an_ordinary_weekend_moves_to_monday():
    assert rules.add_period(bj(2026, 3, 4, 9, 0), 3, rules.DAYS) == end_of(2026, 3, 9)


def test_last_day_in_spring_festival_moves_to_first_working_day_after_it():
    # 3 days from Thu 2-12: last day Sun 2-15 (春节); 2-15..2-23 off; first working day Tue 2-24.
    assert rules.add_period(bj(2026, 2, 12, 10, 0), 3, rules.DAYS) == end_of(2026, 2, 24)


def test_last_day_on_a_tiaoxiu_saturday_stays_there():
    # 3 days from Wed 2-25: last day Sat 2-28, a 调休 working day.
    assert rules.add_period(bj(2026, 2, 25, 10, 0), 3, rules.DAYS) == end_of(2026, 2, 28)


def test_thirty_day_case_ending_in_national_day_moves_to_october_8():
    assert rules.add_period(bj(2026, 9, 5, 11, 0), 30, rules.DAYS) == end_of(2026, 10, 8)


def test_last_day_on_national_day_tiaoxiu_saturday_stays_there():
    assert rules.add_period(bj(2026, 10, 7, 11, 0), 3, rules.DAYS) == end_of(2026, 10, 10)


def test_custody_period_does_not_roll_past_a_holiday():
    due = rules.add_period(bj(2026, 2, 12, 10, 0), 3, rules.DAYS, holiday_rolls=False)
    assert due == end_of(2026, 2, 15)


# ---- working days


def test_working_days_count_a_tiaoxiu_saturday_and_skip_spring_festival():
    # From Thu 2-12: Fri 2-13 (1), Sat 2-14 调休 (2), 2-15..2-23 off, Tue 2-24 (3).
    assert rules.add_period(bj(2026, 2, 12, 10, 0), 3, rules.WORKING_DAYS) == end_of(2026, 2, 24)


def test_five_working_days_across_national_day():
    # From Wed 9-30: 10-8 (1), 10-9 (2), Sat 10-10 调休 (3), Sun 10-11 off, 10-12 (4), 10-13 (5).
    assert rules.add_period(bj(2026, 9, 30, 10, 0), 5, rules.WORKING_DAYS) == end_of(2026, 10, 13)


def test_working_days_started_on_a_holiday_count_from_the_next_working_day():
    assert rules.add_period(bj(2026, 10, 3, 10, 0), 1, rules.WORKING_DAYS) == end_of(2026, 10, 8)


# ---- months


def test_month_period_ends_on_the_same_day_of_the_month():
    assert rules.add_period(bj(2026, 3, 16, 10, 0), 1, rules.MONTHS) == end_of(2026, 4, 16)


def test_month_period_clamps_to_the_last_day_of_a_short_month():
    # 1-31 + 1 month: February has no 31st -> 2-28, which in 2026 is a 调休 working Saturday.
    assert rules.add_period(bj(2026, 1, 31, 10, 0), 1, rules.MONTHS) == end_of(2026, 2, 28)


def test_month_period_ending_in_national_day_rolls():
    assert rules.add_period(bj(2026, 9, 5, 10, 0), 1, rules.MONTHS) == end_of(2026, 10, 8)


def test_twelve_months_of_bail():
    assert rules.add_period(bj(2025, 6, 10, 10, 0), 12, rules.MONTHS) == end_of(2026, 6, 10)


# ---- a year chinesecalendar does not know


def test_unknown_year_counts_weekends_only_and_logs_a_warning(caplog):
    cn_calendar._warned_years.discard(2031)
    with caplog.at_level(logging.WARNING, logger="fengqiao.core.calendar"):
        # Wed 2031-01-08 + 3 days = Sat 1-11 -> Mon 1-13.
        due = rules.add_period(bj(2031, 1, 8, 10, 0), 3, rules.DAYS)
    assert due == end_of(2031, 1, 13)
    assert "2031" in caplog.text and "weekends only" in caplog.text


def test_unknown_year_warning_is_logged_once(caplog):
    cn_calendar._warned_years.discard(2032)
    with caplog.at_level(logging.WARNING, logger="fengqiao.core.calendar"):
        rules.add_period(bj(2032, 1, 5, 10, 0), 3, rules.DAYS)
        rules.add_period(bj(2032, 2, 5, 10, 0), 3, rules.DAYS)
    assert caplog.text.count("2032") == 1


# ---- bad input


@pytest.mark.parametrize("value", [0, -1])
def test_zero_or_negative_period_is_refused(value):
    with pytest.raises(ValueError):
        rules.add_period(bj(2026, 3, 2, 10, 0), value, rules.DAYS)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        rules.add_period(dt.datetime(2026, 3, 2, 10, 0), 3, rules.DAYS)


# ---- pauses and extensions


def test_pause_pushes_due_time_by_paused_duration():
    start = bj(2026, 3, 2, 10, 0)
    pauses = [(bj(2026, 3, 10, 9, 0), bj(2026, 3, 20, 9, 0))]
    assert rules.due_at(start, 30, rules.DAYS, pauses=pauses) == end_of(2026, 4, 1) + dt.timedelta(
        days=10
    )


def test_open_pause_counts_up_to_now(time_machine):
    time_machine.move_to(bj(2026, 3, 12, 9, 0), tick=False)
    from django.utils import timezone

    pauses = [(bj(2026, 3, 10, 9, 0), None)]
    assert rules.paused_total(pauses, timezone.now()) == dt.timedelta(days=2)


def test_approved_extension_is_added_from_the_current_due_time_with_holiday_roll():
    # 治安 case from 2026-08-06: due 9-5 is a Saturday -> 9-7; +30 days from 9-7 = 10-7 (国庆) -> 10-8.
    start = bj(2026, 8, 6, 10, 0)
    assert rules.add_period(start, 30, rules.DAYS) == end_of(2026, 9, 7)
    assert rules.due_at(start, 30, rules.DAYS, extensions=[(30, rules.DAYS)]) == end_of(2026, 10, 8)


# ---- warning schedule


def test_warnings_fall_at_half_four_fifths_and_expiry():
    start = bj(2026, 3, 2, 0, 0)
    due = start + dt.timedelta(hours=100)
    times = rules.warning_times(start, due, dt.timedelta(0), [0.5, 0.8, 1.0])
    assert times == [start + dt.timedelta(hours=50), start + dt.timedelta(hours=80), due]


def test_paused_time_shifts_warnings_but_not_the_running_share():
    start = bj(2026, 3, 2, 0, 0)
    due = start + dt.timedelta(hours=110)  # 100 h period pushed by a 10 h pause
    times = rules.warning_times(start, due, dt.timedelta(hours=10), [0.5, 1.0])
    assert times == [start + dt.timedelta(hours=60), due]


def test_level_due_picks_the_highest_level_whose_time_has_come():
    start = bj(2026, 3, 2, 0, 0)
    times = [start + dt.timedelta(hours=h) for h in (50, 80, 100)]
    assert rules.level_due(times, 1, start + dt.timedelta(hours=49)) is None
    assert rules.level_due(times, 1, start + dt.timedelta(hours=50)) == 1
    assert rules.level_due(times, 1, start + dt.timedelta(hours=90)) == 2
    assert rules.level_due(times, 3, start + dt.timedelta(hours=90)) is None


def test_colours_and_recipient_chain_by_level():
    assert [rules.level_colour(n, 3) for n in (1, 2, 3)] == ["yellow", "orange", "red"]
    assert [rules.recipient_depth(n, 3) for n in (1, 2, 3)] == [1, 2, 3]
    assert rules.recipient_depth(2, 2) == 3  # expiry always reaches the station leaders


@pytest.mark.parametrize(
    "fractions",
    [[], [0.5, 0.8], [0.8, 0.5, 1.0], [0, 1.0], [0.5, 0.5, 1.0], [0.5, 1.2]],
)
def test_bad_warning_fractions_are_refused(fractions):
    with pytest.raises(ValueError):
        rules.validate_fractions(fractions)


# ---- properties

starts = st.datetimes(
    min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(BJ)
)
units = st.sampled_from([rules.HOURS, rules.DAYS, rules.WORKING_DAYS, rules.MONTHS])


@settings(max_examples=300, deadline=None)
@given(start=starts, value=st.integers(1, 90), unit=units)
def test_due_is_never_before_start(start, value, unit):
    assert rules.add_period(start, value, unit) > start


@settings(max_examples=300, deadline=None)
@given(start=starts, value=st.integers(1, 60), more=st.integers(1, 30), unit=units)
def test_a_longer_period_never_ends_earlier(start, value, more, unit):
    assert rules.add_period(start, value + more, unit) >= rules.add_period(start, value, unit)


@settings(max_examples=300, deadline=None)
@given(start=starts, value=st.integers(1, 60))
def test_a_day_period_ends_at_the_end_of_a_working_day(start, value):
    due = rules.add_period(start, value, rules.DAYS).astimezone(BJ)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert cn_calendar.is_working_day(due.date())


@settings(max_examples=200, deadline=None)
@given(start=starts, value=st.integers(1, 30))
def test_working_days_never_end_before_the_same_number_of_calendar_days(start, value):
    assert rules.add_period(start, value, rules.WORKING_DAYS) >= rules.add_period(
        start, value, rules.DAYS, holiday_rolls=False
    )
