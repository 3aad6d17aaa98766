"""Pure rules of the anti-fraud part (no database): input checks, the merge window, figures arithmetic."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from fengqiao.antifraud.choices import RiskLevel
from fengqiao.registry.rules import (
    InvalidIdNumber,
    InvalidPhone,
    normalise_id_number,
    normalise_phone,
    parse_id_number,
)

# A warning may be dated at most this far in the future (clock skew of the centre's system).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
# ... and not before the county centre existed in this system's world.
EARLIEST = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
DEFAULT_MERGE_WINDOW_HOURS = 24

LEVEL_ALIASES = {
    "高": RiskLevel.HIGH,
    "高风险": RiskLevel.HIGH,
    "high": RiskLevel.HIGH,
    "h": RiskLevel.HIGH,
    "中": RiskLevel.MEDIUM,
    "中风险": RiskLevel.MEDIUM,
    "medium": RiskLevel.MEDIUM,
    "m": RiskLevel.MEDIUM,
    "低": RiskLevel.LOW,
    "低风险": RiskLevel.LOW,
    "low": RiskLevel.LOW,
    "l": RiskLevel.LOW,
}


class BadWarning(ValueError):
    """The warning cannot be taken as it is (the message, in Chinese, is for the user)."""


@dataclass(frozen=True)
class CleanWarning:
    name: str
    phone: str
    id_number: str
    risk_level: str
    received_at: dt.datetime


def parse_level(value) -> str:
    text = str(value or "").strip().lower()
    if text in RiskLevel.values:
        return text
    level = LEVEL_ALIASES.get(text)
    if level is None:
        raise BadWarning(f"风险等级“{value}”无法识别,应为 高/中/低")
    return level.value


def clean_warning(
    *, name, phone, id_number, risk_level, received_at: dt.datetime, now: dt.datetime
) -> CleanWarning:
    """Check one warning's facts. Raises BadWarning with a Chinese message."""
    name = (name or "").strip()
    if not name:
        raise BadWarning("请填写预警对象姓名")
    if len(name) > 50:
        raise BadWarning("姓名过长(最多50字)")
    try:
        phone = normalise_phone(str(phone or ""))
    except InvalidPhone as exc:
        raise BadWarning(str(exc)) from None
    id_number = normalise_id_number(str(id_number or ""))
    if id_number:
        try:
            parse_id_number(id_number, today=now.date())
        except InvalidIdNumber as exc:
            raise BadWarning(str(exc)) from None
    if not phone and not id_number:
        raise BadWarning("预警须有手机号或身份证号,两者都缺的预警无法核查")
    level = parse_level(risk_level)
    if received_at is None:
        raise BadWarning("请填写接收时间")
    if received_at.tzinfo is None:
        raise BadWarning("接收时间必须带时区")
    if received_at > now + FUTURE_TOLERANCE:
        raise BadWarning("接收时间晚于当前时间,请检查")
    if received_at < EARLIEST:
        raise BadWarning("接收时间早于2015年,请检查")
    return CleanWarning(
        name=name, phone=phone, id_number=id_number, risk_level=level, received_at=received_at
    )


def parse_amount(value, *, label: str = "金额") -> Decimal:
    """A money amount in yuan: not negative, at most two decimals, below 10¹² (a typo guard)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadWarning(f"请填写{label}")
    text = str(value).strip().replace(",", "").replace(",", "").removesuffix("元")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadWarning(f"{label}“{value}”不是数字") from None
    if not amount.is_finite():
        raise BadWarning(f"{label}“{value}”不是数字")
    if amount < 0:
        raise BadWarning(f"{label}不能为负数")
    if amount >= Decimal("1e12"):
        raise BadWarning(f"{label}过大,请检查")
    return amount.quantize(Decimal("0.01"))


def is_duplicate(*, earlier_at: dt.datetime, later_at: dt.datetime, window_hours: int) -> bool:
    """Two warnings about the same person merge when the later arrives within the window of the earlier."""
    return dt.timedelta(0) <= later_at - earlier_at <= dt.timedelta(hours=window_hours)


def normalise_address(text: str) -> str:
    return (
        "".join((text or "").split())
        .replace("号", "")
        .replace("栋", "")
        .replace("单元", "")
        .replace("室", "")
    )


def address_matches(given: str, known: str) -> bool:
    """Does the warning's free-text address point at the registry's standard address?"""
    a, b = normalise_address(given), normalise_address(known)
    if len(a) < 4 or not b:
        return False
    return a in b or b.endswith(a) or a.endswith(b) or b in a


# ----------------------------------------------------------------------------- figures


def change_pct(current, previous) -> float | None:
    """Year-on-year change in %, one decimal; None when there is nothing to compare with."""
    if previous in (None, 0) or current is None:
        return None
    return round((float(current) - float(previous)) / float(previous) * 100, 1)


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p50 = median by the same rule); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def share(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None
