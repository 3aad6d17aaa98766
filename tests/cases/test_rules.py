"""Pure rules of the case room (no database), with hypothesis for the arithmetic."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.cases import rules

SH = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 1, 1, tzinfo=SH)


@given(
    st.floats(min_value=0, max_value=3, allow_nan=False),
    st.floats(min_value=0, max_value=3, allow_nan=False),
)
def test_warning_level_never_goes_down_as_time_passes(a, b):
    order = {"": 0, "yellow": 1, "orange": 2, "red": 3}
    low, high = sorted((a, b))
    assert order[rules.warning_level(low)] <= order[rules.warning_level(high)]


@given(
    st.integers(min_value=1, max_value=10_000),
    st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=5_000),
)
def test_elapsed_fraction_is_used_over_running_time(total_minutes, used_minutes, paused_minutes):
    due = START + dt.timedelta(minutes=total_minutes + paused_minutes)
    now = START + dt.timedelta(minutes=used_minutes + paused_minutes)
    fraction = rules.elapsed_fraction(START, due, paused_minutes * 60, now)
    assert abs(fraction - used_minutes / total_minutes) < 1e-9


@given(
    st.integers(min_value=0, max_value=25),
    st.integers(min_value=0, max_value=25),
    st.integers(min_value=0, max_value=25),
    st.integers(min_value=0, max_value=25),
)
def test_review_total_adds_four_scores(a, b, c, d):
    assert rules.review_total(a, b, c, d) == a + b + c + d


def test_review_scores_outside_0_to_25_are_refused():
    import pytest

    for bad in (-1, 26):
        with pytest.raises(ValueError):
            rules.review_total(bad, 10, 10, 10)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_week_start_is_the_monday_of_the_week(day):
    monday = rules.week_start(day)
    assert monday.weekday() == 0 and 0 <= (day - monday).days < 7


def test_ranking_prefers_score_then_fewer_red_lines():
    a = rules.OfficerFigures("甲", "队", closed=3)
    b = rules.OfficerFigures("乙", "队", closed=3, flags=1)
    c = rules.OfficerFigures("丙", "队", closed=1, filed=2, review_scores=(90, 80))
    d = rules.OfficerFigures(
        "丁", "队", closed=3, filed=5, flags=1
    )  # same score as 甲, one red line
    assert [o.name for o in rules.ranking([b, d, c, a])] == ["丙", "甲", "丁", "乙"]
    assert c.review_average == 85.0 and c.score == 12.5
