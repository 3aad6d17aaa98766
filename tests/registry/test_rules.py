"""Pure checks of registry data: GB 11643 ID numbers, phones, GB 32100 credit codes, pinyin."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.registry import rules


def make_id(first17: str) -> str:
    return first17 + rules.id_check_char(first17)


def test_valid_id_number_gives_birth_date_and_sex():
    facts = rules.parse_id_number(make_id("51112319800101001"))
    assert facts.birth_date == dt.date(1980, 1, 1)
    assert facts.sex == "M"
    assert facts.region == "511123"


def test_even_order_digit_is_female():
    assert rules.parse_id_number(make_id("51112319800101002")).sex == "F"


def test_check_digit_x_is_accepted_in_either_case():
    # 11010519491231002X is the textbook example whose check character is X.
    assert rules.id_check_char("11010519491231002") == "X"
    assert rules.parse_id_number("11010519491231002x").birth_date == dt.date(1949, 12, 31)


def test_wrong_check_digit_is_rejected_with_the_expected_one():
    good = make_id("51112319800101001")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(rules.InvalidIdNumber, match=f"应为{good[17]}"):
        rules.parse_id_number(bad)


@pytest.mark.parametrize("date_part", ["19800230", "19801301", "19800100"])
def test_impossible_birth_date_is_rejected(date_part):
    with pytest.raises(rules.InvalidIdNumber, match="不存在"):
        rules.parse_id_number(make_id(f"511123{date_part}001"))


def test_birth_date_in_the_future_is_rejected():
    with pytest.raises(rules.InvalidIdNumber, match="不合理"):
        rules.parse_id_number(make_id("51112320300101001"), today=dt.date(2026, 1, 1))


@pytest.mark.parametrize("value", ["", "5111231980", "51112319800101001234", "5111231980010100AB"])
def test_wrong_length_or_letters_are_rejected(value):
    with pytest.raises(rules.InvalidIdNumber):
        rules.parse_id_number(value)


def test_sex_and_birth_date_mismatch_are_both_reported():
    facts = rules.parse_id_number(make_id("51112319800101001"))
    problems = rules.check_id_consistency(facts, birth_date=dt.date(1981, 1, 1), sex="F")
    assert len(problems) == 2
    assert "出生日期" in problems[0] and "性别" in problems[1]


def test_consistent_facts_have_no_problem():
    facts = rules.parse_id_number(make_id("51112319800101001"))
    assert rules.check_id_consistency(facts, birth_date=dt.date(1980, 1, 1), sex="M") == []


@given(st.text(max_size=40))
def test_id_parser_never_crashes_on_random_text(text):
    try:
        rules.parse_id_number(text)
    except rules.InvalidIdNumber:
        pass


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["511123", "110105", "440305"]),
)
def test_generated_valid_numbers_round_trip(birth, order, region):
    number = make_id(f"{region}{birth:%Y%m%d}{order:03d}")
    facts = rules.parse_id_number(number, today=dt.date(2026, 1, 1))
    assert facts.birth_date == birth
    assert facts.region == region
    assert facts.sex == ("M" if order % 2 else "F")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0833-4201234", "0833-4201234"),
        ("010-62345678", "010-62345678"),
        ("02887654321", "02887654321"),
        ("", ""),
    ],
)
def test_phone_normalised(raw, clean):
    assert rules.normalise_phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["12812345678", "1381234567", "abc", "138123456789", "00000000000", "0833-0201234", "0833-1234567"]
)
def test_bad_phone_rejected_in_chinese(raw):
    with pytest.raises(rules.InvalidPhone, match="电话号码格式不正确"):
        rules.normalise_phone(raw)


def make_credit_code(first17: str) -> str:
    return first17 + rules.uscc_check_char(first17)


def test_valid_credit_code_accepted_and_upper_cased():
    code = make_credit_code("91511123MA62Q8XK1")
    assert rules.validate_credit_code(code.lower()) == code


def test_credit_code_with_wrong_check_char_rejected():
    code = make_credit_code("91511123MA62Q8XK1")
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(rules.InvalidCreditCode, match="校验位错误"):
        rules.validate_credit_code(bad)


def test_credit_code_with_forbidden_letters_rejected():
    with pytest.raises(rules.InvalidCreditCode, match="不允许的字符"):
        rules.validate_credit_code("91511123MA62Q8XKIO")


def test_credit_code_of_wrong_length_rejected():
    with pytest.raises(rules.InvalidCreditCode, match="18位"):
        rules.validate_credit_code("9151112")


def test_pinyin_initials():
    assert rules.pinyin_initials("张三丰") == "zsf"
