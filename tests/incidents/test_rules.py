"""The callback rules and the satisfaction-rate formula (pure functions)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.incidents import rules


def test_rate_formula_with_default_weight():
    # 90 满意, 8 基本满意, 2 不满意: (90 + 0.5 × 8) / 100 = 94 %
    assert rules.satisfaction_rate(90, 8, 100) == pytest.approx(94.0)


def test_rate_with_configured_weight():
    assert rules.satisfaction_rate(90, 8, 100, weight=1.0) == pytest.approx(98.0)
    assert rules.satisfaction_rate(90, 8, 100, weight=0.0) == pytest.approx(90.0)


def test_rate_without_valid_callbacks_is_none():
    assert rules.satisfaction_rate(0, 0, 0) is None


def test_rate_refuses_impossible_counts():
    with pytest.raises(ValueError):
        rules.satisfaction_rate(5, 6, 10)
    with pytest.raises(ValueError):
        rules.satisfaction_rate(-1, 0, 3)
    with pytest.raises(ValueError):
        rules.satisfaction_rate(1, 0, 3, weight=1.5)


@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.floats(0, 1, allow_nan=False),
)
def test_rate_lies_between_the_strict_and_the_lenient_count(satisfied, basic, unsatisfied, weight):
    valid = satisfied + basic + unsatisfied
    rate = rules.satisfaction_rate(satisfied, basic, valid, weight)
    if valid == 0:
        assert rate is None
        return
    strict = satisfied / valid * 100
    lenient = (satisfied + basic) / valid * 100
    assert strict - 1e-9 <= rate <= lenient + 1e-9
    assert 0 <= rate <= 100


@given(st.integers(1, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_rate_grows_with_weight(satisfied, basic, unsatisfied):
    valid = satisfied + basic + unsatisfied
    assert rules.satisfaction_rate(satisfied, basic, valid, 0.2) <= rules.satisfaction_rate(
        satisfied, basic, valid, 0.8
    )


def test_tally_rate_counts_valid_as_the_three_ratings():
    assert rules.tally_rate(rules.Tally(satisfied=3, basic=2, unsatisfied=1)) == pytest.approx(
        4 / 6 * 100
    )


@given(st.floats(0, 1, allow_nan=False))
def test_parse_weight_accepts_numbers_from_0_to_1(value):
    assert rules.parse_weight(str(value)) == pytest.approx(value)


@given(st.text())
def test_parse_weight_refuses_anything_else(text):
    try:
        value = rules.parse_weight(text)
    except ValueError:
        return
    assert 0.0 <= value <= 1.0


@pytest.mark.parametrize("text", ["", "abc", "-0.1", "1.01", "nan"])
def test_parse_weight_refuses_bad_values(text):
    with pytest.raises(ValueError):
        rules.parse_weight(text)


def test_local_and_other_callback_kinds():
    assert rules.callback_kind(is_local=True) == "callback_local"
    assert rules.callback_kind(is_local=False) == "callback_other"


def test_only_valid_incidents_with_a_phone_are_called_back():
    assert rules.caller_needs_callback(outcome="mediated", phone="13812345678")
    assert not rules.caller_needs_callback(outcome="invalid", phone="13812345678")
    assert not rules.caller_needs_callback(outcome="mediated", phone="")


def test_attempts_exhausted_at_the_limit():
    assert not rules.attempts_exhausted(2, 3)
    assert rules.attempts_exhausted(3, 3)
