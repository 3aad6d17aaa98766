"""Pure parsing of spreadsheet cells (no database): dates, choices by Chinese label, numbers, text.

Each parser takes the raw cell (str, int, float, date, datetime or None) and returns the value,
or raises `CellError` with the problem in Chinese.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re

from django.utils import translation
from django.utils.translation import gettext as _

from fengqiao.exchange.choices import RUNNING_STATUSES


class CellError(ValueError):
    pass


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def text(value, *, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if max_length and len(result) > max_length:
        raise CellError(
            _("内容过长(最多%(max)s个字,实际%(n)s个字)") % {"max": max_length, "n": len(result)}
        )
    return result


def date(value) -> dt.date | None:
    """A date cell: a real Excel date, or text such as 2023-02-28, 2023/2/28, 2023年2月28日, 20230228."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    match = _DATE_RE.match(raw) or _COMPACT_DATE_RE.match(raw)
    if not match:
        raise CellError(_("日期格式不正确,应如 2023-02-28"))
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise CellError(
            _("日期 %(date)s 不存在") % {"date": f"{year}-{month:02d}-{day:02d}"}
        ) from exc


@functools.cache
def _labels(choices, language) -> dict[str, str]:
    """Label (in the active language and in Chinese) → key; keys map to themselves."""
    lookup = {key: key for key, _label in choices.choices}
    with translation.override("zh-hans"):
        lookup.update({str(label): key for key, label in choices.choices})
    lookup.update({str(label): key for key, label in choices.choices})
    return lookup


def choice(value, choices, *, extra: dict[str, str] | None = None) -> str:
    """A Chinese label of a TextChoices (户籍 or 户籍人口 → registered). Empty → ""."""
    raw = text(value)
    if not raw:
        return ""
    key = _labels(choices, translation.get_language()).get(raw)
    if key is None and extra:
        key = extra.get(raw)
    if key is not None:
        return key
    shown = "/".join(str(label) for _key, label in choices.choices)
    raise CellError(_("“%(value)s”不是可选的值(%(choices)s)") % {"value": raw, "choices": shown})


def integer(value, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("应为整数"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应为整数"))
        value = int(value)
    if not isinstance(value, int):
        raw = text(value)
        if not re.fullmatch(r"-?\d+", raw):
            raise CellError(_("应为整数"))
        value = int(raw)
    if minimum is not None and value < minimum:
        raise CellError(_("应不小于%(n)s") % {"n": minimum})
    if maximum is not None and value > maximum:
        raise CellError(_("应不大于%(n)s") % {"n": maximum})
    return value


def number(value, *, max_digits: int, decimal_places: int) -> decimal.Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = decimal.Decimal(text(value) if not isinstance(value, float) else repr(value))
    except decimal.InvalidOperation as exc:
        raise CellError(_("应为数字,如 89.5")) from exc
    if not result.is_finite() or result <= 0:
        raise CellError(_("应为大于0的数字"))
    result = result.quantize(
        decimal.Decimal(1).scaleb(-decimal_places), rounding=decimal.ROUND_HALF_UP
    )
    if len(result.as_tuple().digits) > max_digits:
        raise CellError(_("数字过大"))
    return result


def id_text(value) -> str:
    """An ID number must come as text: Excel keeps only 15 significant digits of a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(_("证件号码被存成了数字,末几位已丢失;请把该列设为“文本”格式后重新填写"))
    return text(value)


# ----------------------------------------------------------------------------- import jobs


def job_stale(
    *, status: str, last_sign_of_life: dt.datetime, now: dt.datetime, minutes: int
) -> bool:
    """A job still marked as running (uploaded, validating, committing) with no sign of life for
    `minutes`: its worker died (a restart, the OOM killer). A commit is one transaction, so such a job
    has written nothing; it can be re-run or abandoned."""
    return status in RUNNING_STATUSES and now - last_sign_of_life > dt.timedelta(minutes=minutes)
