import datetime as dt

from fengqiao.desk import rules

MON = dt.date(2026, 3, 2)  # a Monday


def weekdays(day):
    return day.weekday() < 5


def test_bookable_days_skip_days_off_and_today_after_the_cutoff():
    days = rules.bookable_days(MON, 9, days_ahead=7, cutoff_hour=12, is_working_day=weekdays)
    assert days[0] == MON and dt.date(2026, 3, 7) not in days and dt.date(2026, 3, 9) in days
    late = rules.bookable_days(MON, 13, days_ahead=7, cutoff_hour=12, is_working_day=weekdays)
    assert MON not in late


def test_next_free_day_is_the_first_later_day_with_a_place():
    days = [MON, MON + dt.timedelta(days=1), MON + dt.timedelta(days=2)]
    assert rules.next_free_day(MON, days, {days[1]: 5, days[2]: 1}, 5) == days[2]
    assert rules.next_free_day(MON, days, {days[1]: 5, days[2]: 5}, 5) is None


def test_two_no_shows_in_the_window_block_booking_for_the_block_days():
    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    shows = [now - dt.timedelta(days=40), now - dt.timedelta(days=5)]
    until = rules.noshow_blocked_until(shows, now, limit=2, window_days=90, block_days=30)
    assert until == shows[1] + dt.timedelta(days=30)
    assert (
        rules.noshow_blocked_until(shows[1:], now, limit=2, window_days=90, block_days=30) is None
    )
    old = [now - dt.timedelta(days=100), now - dt.timedelta(days=95)]
    assert rules.noshow_blocked_until(old, now, limit=2, window_days=90, block_days=30) is None


def test_numbers_and_the_spoken_call():
    assert rules.format_number("A", 7) == "A007"
    assert rules.format_number("B", 1234) == "B1234"
    assert rules.call_text("A012", 3) == "请 A012 号到 3 号窗口办理"
    assert rules.speech_text("A012", 3) == "请A零一二号,到3号窗口办理"


def test_queue_order_puts_priority_first_then_the_order_taken():
    tickets = [(0, 1), (10, 5), (0, 2), (20, 9), (-10, 0)]
    ordered = sorted(tickets, key=lambda t: rules.queue_key(*t))
    assert ordered == [(20, 9), (10, 5), (0, 1), (0, 2), (-10, 0)]


def test_codes_are_hashed_and_compared_in_constant_time():
    h = rules.code_hash("123456", key="k", salt="s")
    assert "123456" not in h
    assert rules.code_matches("123456", h, key="k", salt="s")
    assert not rules.code_matches("123457", h, key="k", salt="s")
    assert not rules.code_matches("123456", h, key="k", salt="other")


def test_good_rate_counts_satisfied_and_very_satisfied():
    assert rules.rating_rate([5, 4, 3, 1]) == 50.0
    assert rules.rating_rate([]) is None
