"""Pure checks for registry data (no database): ID numbers, phones, credit codes, pinyin."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

# GB 11643-1999: weights of the first 17 digits, and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdFacts:
    region: str
    birth_date: dt.date
    sex: str  # "M" or "F"


class InvalidIdNumber(ValueError):
    pass


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate an 18-digit resident ID number and return what it encodes. Raises InvalidIdNumber in Chinese."""
    number = normalise_id_number(value)
    if len(number) != 18:
        raise InvalidIdNumber(_("身份证号应为18位,实际为%(n)s位") % {"n": len(number)})
    if not _ID_RE.match(number):
        raise InvalidIdNumber(_("身份证号前17位应为数字,最后一位为数字或X"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(_("身份证号中的出生日期%(date)s不存在") % {"date": number[6:14]}) from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise InvalidIdNumber(_("身份证号中的出生日期%(date)s不合理") % {"date": birth.isoformat()})
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(_("身份证号校验位错误(应为%(char)s)") % {"char": expected})
    return IdFacts(region=number[:6], birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def id_consistency_problems(facts: IdFacts, *, birth_date: dt.date | None, sex: str | None) -> list[tuple[str, str]]:
    """The (field, message) pairs where the given birth date or sex contradicts the ID number."""
    problems = []
    if birth_date and birth_date != facts.birth_date:
        problems.append(
            ("birth_date", _("出生日期与身份证号不一致(身份证号为%(date)s)") % {"date": facts.birth_date.isoformat()})
        )
    if sex and sex != facts.sex:
        problems.append(("sex", _("性别与身份证号不一致")))
    return problems


def check_id_consistency(facts: IdFacts, *, birth_date: dt.date | None, sex: str | None) -> list[str]:
    return [message for _field, message in id_consistency_problems(facts, birth_date=birth_date, sex=sex)]


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# area code 0 + 2-3 digits (never 00…), local number 7-8 digits not starting with 0 or 1
_LANDLINE_RE = re.compile(r"^0[1-9]\d{1,2}-?[2-9]\d{6,7}$")


class InvalidPhone(ValueError):
    pass


def normalise_phone(value: str) -> str:
    phone = (value or "").strip().replace(" ", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        return ""
    if _MOBILE_RE.match(phone) or _LANDLINE_RE.match(phone):
        return phone
    raise InvalidPhone(_("电话号码格式不正确(手机号11位,以1开头;固话如0833-4201234)"))


# GB 32100-2015 unified social credit code (统一社会信用代码).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidCreditCode(ValueError):
    pass


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise InvalidCreditCode(_("统一社会信用代码应为18位,实际为%(n)s位") % {"n": len(code)})
    bad = [c for c in code if c not in _USCC_ALPHABET]
    if bad:
        raise InvalidCreditCode(_("统一社会信用代码含有不允许的字符:%(chars)s") % {"chars": "".join(sorted(set(bad)))})
    if code[17] != uscc_check_char(code[:17]):
        raise InvalidCreditCode(_("统一社会信用代码校验位错误(应为%(char)s)") % {"char": uscc_check_char(code[:17])})
    return code


def pinyin_initials(text: str) -> str:
    """张三丰 -> zsf; letters and digits kept as they are, lower-cased."""
    if not text:
        return ""
    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars)) if p).lower()


def address_text(parts: list[str]) -> str:
    return "".join(p for p in parts if p)
