"""Pure rules of the callbacks (回访): who is called back, under which time limit, and the satisfaction rate.

No database here: every function takes its inputs (tests use hypothesis and fixed values).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

DEFAULT_BASIC_WEIGHT = 0.5
CALLBACK_LOCAL = "callback_local"
CALLBACK_OTHER = "callback_other"
RECTIFICATION = "rectification"


def parse_weight(text) -> float:
    """The weight of 基本满意 in the rate: a number from 0 to 1 (`CALLBACK_BASIC_WEIGHT`)."""
    try:
        value = float(str(text).strip())
    except (TypeError, ValueError):
        raise ValueError(
            f"CALLBACK_BASIC_WEIGHT={text!r} is not a number between 0 and 1"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"CALLBACK_BASIC_WEIGHT={text!r} is not a number between 0 and 1")
    return value


def callback_kind(*, is_local: bool) -> str:
    """The time-limit rule for a callback: 3 working days for local residents, 5 for others (defaults)."""
    return CALLBACK_LOCAL if is_local else CALLBACK_OTHER


def caller_needs_callback(*, outcome: str, phone: str) -> bool:
    """Every valid incident (not 无效警情) with a reachable caller (a phone number) is called back."""
    return outcome != "invalid" and bool(phone)


def victims_called_back(*, requires_case: bool) -> bool:
    """Victims are called back for 刑事 and 治安 incidents (the categories that must lead to a case)."""
    return requires_case


def attempts_exhausted(attempts: int, max_attempts: int) -> bool:
    """After `max_attempts` calls without reaching anyone the callback is recorded as 未联系上."""
    return attempts >= max_attempts


def reason_required(rating: str) -> bool:
    return rating == "unsatisfied"


@dataclass(frozen=True)
class Tally:
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def valid(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied


def satisfaction_rate(
    satisfied: int, basic: int, valid: int, weight: float = DEFAULT_BASIC_WEIGHT
) -> float | None:
    """(满意 + w × 基本满意) / valid callbacks, as a percentage; None when there is no valid callback.

    `valid` counts the callbacks that reached someone and got a rating (满意 + 基本满意 + 不满意).
    """
    if satisfied < 0 or basic < 0 or valid < 0:
        raise ValueError("counts cannot be negative")
    if satisfied + basic > valid:
        raise ValueError("more satisfied callbacks than valid ones")
    if not 0.0 <= weight <= 1.0:
        raise ValueError("the weight must lie between 0 and 1")
    if valid == 0:
        return None
    rate = (Fraction(satisfied) + Fraction(weight) * basic) / valid * 100
    return float(rate)


def tally_rate(tally: Tally, weight: float = DEFAULT_BASIC_WEIGHT) -> float | None:
    return satisfaction_rate(tally.satisfied, tally.basic, tally.valid, weight)
