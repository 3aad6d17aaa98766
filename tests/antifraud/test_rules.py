import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.antifraud import rules
from fengqiao.antifraud.importing import parse_time

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def clean(**kw):
    data = {
        "name": "张三",
        "phone": "13800000000",
        "id_number": "",
        "risk_level": "高",
        "received_at": NOW,
    }
    data.update(kw)
    return rules.clean_warning(now=NOW, **data)


def test_a_warning_without_phone_or_id_is_refused():
    with pytest.raises(rules.BadWarning, match="手机号或身份证号"):
        clean(phone="", id_number="")


def test_a_warning_in_the_future_is_refused():
    with pytest.raises(rules.BadWarning, match="晚于当前时间"):
        clean(received_at=NOW + dt.timedelta(hours=1))


def test_an_ancient_warning_is_refused():
    with pytest.raises(rules.BadWarning, match="早于2015"):
        clean(received_at=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))


def test_bad_phone_and_id_numbers_are_refused_with_the_reason():
    with pytest.raises(rules.BadWarning, match="电话号码格式"):
        clean(phone="12345")
    with pytest.raises(rules.BadWarning, match="校验位"):
        clean(phone="", id_number="511123198001010010")


def test_levels_in_chinese_and_english():
    assert clean(risk_level="中风险").risk_level == "medium"
    assert clean(risk_level="low").risk_level == "low"
    with pytest.raises(rules.BadWarning, match="风险等级"):
        clean(risk_level="特高")


def test_an_impossible_time_in_a_sheet_is_refused():
    with pytest.raises(rules.BadWarning, match="不存在"):
        parse_time("2026-02-30 10:00")
    with pytest.raises(rules.BadWarning, match="无法识别"):
        parse_time("昨天下午")
    with pytest.raises(rules.BadWarning, match="只有日期"):
        parse_time(dt.date(2026, 3, 1))
    assert parse_time("2026/3/1 9:05").isoformat() == "2026-03-01T09:05:00+08:00"


@given(st.text(max_size=20))
def test_parse_time_never_crashes(text):
    try:
        parse_time(text)
    except rules.BadWarning:
        pass


@given(st.one_of(st.text(max_size=15), st.integers(), st.floats(allow_nan=True)))
def test_parse_amount_gives_a_decimal_or_a_clear_refusal(value):
    try:
        amount = rules.parse_amount(value)
    except rules.BadWarning as exc:
        assert str(exc)
    else:
        assert isinstance(amount, Decimal) and amount >= 0


def test_amount_with_separators():
    assert rules.parse_amount("12,345.6元") == Decimal("12345.60")
    with pytest.raises(rules.BadWarning, match="负数"):
        rules.parse_amount("-1")


def test_merge_window():
    t = NOW
    assert rules.is_duplicate(earlier_at=t, later_at=t + dt.timedelta(hours=23), window_hours=24)
    assert not rules.is_duplicate(
        earlier_at=t, later_at=t + dt.timedelta(hours=25), window_hours=24
    )


def test_year_on_year_change_and_percentiles():
    assert rules.change_pct(44, 75) == -41.3
    assert rules.change_pct(1, 0) is None
    assert rules.percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert rules.percentile(list(range(1, 11)), 0.9) == 9
    assert rules.percentile([], 0.5) is None


def test_address_matching():
    assert rules.address_matches("西街12号", "玉津镇西街社区西街12号")
    assert not rules.address_matches("东街", "玉津镇西街社区西街12号")
