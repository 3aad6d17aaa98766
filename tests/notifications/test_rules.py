import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from fengqiao.notifications import rules

SH = ZoneInfo("Asia/Shanghai")
ROUTES = {"email": "orange", "webhook": "orange", "sms": "red"}
URGENT = ["sms", "webhook"]


def at(h, m=0, day=2):
    return dt.datetime(2026, 3, day, h, m, tzinfo=SH)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(23), at(7, day=3)),
        (at(2), at(7)),
        (at(22), at(7, day=3)),
        (at(7), None),
        (at(12), None),
        (at(21, 59), None),
    ],
)
def test_quiet_hours_across_midnight(now, expected):
    assert rules.quiet_period_end(now, dt.time(22), dt.time(7), SH) == expected


def test_quiet_hours_within_a_day():
    assert rules.quiet_period_end(at(12, 30), dt.time(12), dt.time(14), SH) == at(14)
    assert rules.quiet_period_end(at(14), dt.time(12), dt.time(14), SH) is None


def test_quiet_hours_use_local_time_for_a_utc_now():
    now_utc = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    assert rules.quiet_period_end(now_utc, dt.time(22), dt.time(7), SH) == at(7, day=3)


def test_no_quiet_hours_when_unset_or_empty():
    assert rules.quiet_period_end(at(23), None, None, SH) is None
    assert rules.quiet_period_end(at(23), dt.time(22), dt.time(22), SH) is None


def test_red_and_urgent_bypass_quiet_hours():
    assert rules.bypasses_quiet_hours("red", False)
    assert rules.bypasses_quiet_hours("yellow", True)
    assert not rules.bypasses_quiet_hours("orange", False)


@pytest.mark.parametrize(
    ("level", "urgent", "expected"),
    [
        ("info", False, []),
        ("yellow", False, []),
        ("orange", False, ["email", "webhook"]),
        ("red", False, ["email", "webhook", "sms"]),
        ("info", True, ["webhook", "sms"]),
    ],
)
def test_default_routing(level, urgent, expected):
    assert rules.channels_for(level, urgent, ROUTES, URGENT) == expected


def test_a_channel_set_to_none_carries_only_urgent():
    routes = {"sms": None}
    assert rules.channels_for("red", False, routes, URGENT) == []
    assert rules.channels_for("info", True, routes, URGENT) == ["sms"]


def test_retry_delay_doubles_up_to_the_cap():
    assert [rules.retry_delay(n, base_seconds=30, cap_seconds=200) for n in (1, 2, 3, 4, 5)] == [
        30,
        60,
        120,
        200,
        200,
    ]
