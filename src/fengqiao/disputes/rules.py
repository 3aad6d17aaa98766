"""The three-colour suggestion, as a pure function of facts and triggers (no database).

    facts = DisputeFacts(text="…扬言同归于尽…", parties=2, failed_mediations=0, amount=None,
                         high_risk_party=False, repeat_calls=0)
    suggest_level(facts, [Trigger(kind="keyword", value="同归于尽", level="red", reason="…")])
    -> ("red", ["当事人扬言'同归于尽'"])

The result is the highest level of every matching trigger (yellow when none matches); the reasons
are those of every matching trigger, highest level first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

LEVELS = ("yellow", "orange", "red")
RANK = {level: i for i, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class DisputeFacts:
    text: str = ""
    parties: int = 0
    failed_mediations: int = 0
    amount: Decimal | None = None
    high_risk_party: bool = False
    repeat_calls: int = 0


@dataclass(frozen=True)
class Trigger:
    kind: str
    level: str
    reason: str
    value: str = ""
    threshold: Decimal | None = None


def _count_fact(facts: DisputeFacts, kind: str):
    return {
        "parties": facts.parties,
        "failed_mediations": facts.failed_mediations,
        "repeat_calls": facts.repeat_calls,
        "amount": facts.amount,
    }.get(kind)


def matches(facts: DisputeFacts, trigger) -> bool:
    kind = trigger.kind
    if kind == "keyword":
        return bool(trigger.value) and trigger.value in (facts.text or "")
    if kind == "high_risk_party":
        return bool(facts.high_risk_party)
    fact = _count_fact(facts, kind)
    if fact is None or trigger.threshold is None:
        return False
    return Decimal(fact) >= Decimal(trigger.threshold)


# The only placeholders a trigger's reason may hold. The reason is staff-written text, so it is never
# used as a str.format string (`{fact.__class__.__init__.__globals__}` would read the server's
# memory): the two placeholders are substituted and everything else stays as written.
REASON_PLACEHOLDER = re.compile(r"\{(value|fact)\}")


def reason_text(facts: DisputeFacts, trigger) -> str:
    fact = _count_fact(facts, trigger.kind)
    values = {"value": str(trigger.value or ""), "fact": "" if fact is None else str(fact)}
    return REASON_PLACEHOLDER.sub(lambda m: values[m.group(1)], trigger.reason)


def reason_problem(reason: str) -> str | None:
    """Why a reason text is refused (a brace other than {value} and {fact}), or None."""
    rest = REASON_PLACEHOLDER.sub("", reason)
    if "{" in rest or "}" in rest:
        return "显示的理由中只能使用 {value}(关键词)和 {fact}(实际数值)两个占位符"
    return None


def suggest_level(facts: DisputeFacts, triggers) -> tuple[str, list[str]]:
    hits = [t for t in triggers if t.level in RANK and matches(facts, t)]
    if not hits:
        return "yellow", []
    hits.sort(key=lambda t: -RANK[t.level])
    reasons: list[str] = []
    for t in hits:
        text = reason_text(facts, t)
        if text not in reasons:
            reasons.append(text)
    return hits[0].level, reasons


def max_within_window(times, window) -> int:
    """The most events falling within any window of length `window` (both ends included).

    max_within_window([d1, d1 + 10 days, d1 + 29 days, d1 + 40 days], 30 days) -> 3
    """
    ordered = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to measure (never divides by zero)."""
    if denominator <= 0:
        return None
    if numerator < 0 or numerator > denominator:
        raise ValueError("numerator must be between 0 and denominator")
    return numerator / denominator


def success_rate(agreements: int, closed_mediations: int) -> float | None:
    """调解成功率: agreements reached / mediations that ended (agreed, or closed without agreement)."""
    return ratio(agreements, closed_mediations)


def fulfilment_rate(performed_terms: int, due_terms: int) -> float | None:
    """履行率: agreement terms performed / terms whose due date has come."""
    return ratio(performed_terms, due_terms)


def fulfilment_reason(due_terms: int, pending_terms: int = 0) -> str:
    """Why there is no fulfilment rate ("" when there is one): nothing due is not a failure."""
    from django.utils.translation import gettext as _

    if due_terms > 0:
        return ""
    if pending_terms > 0:
        return _("尚无到期条款(%(n)d 条未到期),不计算履行率") % {"n": pending_terms}
    return _("本期无到期的协议条款,不计算履行率")


def average_days(durations) -> float | None:
    """The mean of durations (timedelta) in days, or None when there are none."""
    durations = list(durations)
    if not durations:
        return None
    return sum(d.total_seconds() for d in durations) / len(durations) / 86400


def percent(value: float | None, digits: int = 1) -> str:
    """0.9912 -> '99.1%'; None -> '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def week_bounds(day):
    """The Monday and Sunday of the week containing `day`."""
    import datetime as _dt

    monday = day - _dt.timedelta(days=day.weekday())
    return monday, monday + _dt.timedelta(days=6)


def is_later_offence(
    dispute_registered_at, incident_received_at, incident_is_offence: bool
) -> bool:
    """民转刑: a 刑事 or 治安 incident received after the dispute was registered."""
    return bool(incident_is_offence) and incident_received_at > dispute_registered_at


# ---------------------------------------------------------------- who may hold which task on a file
# (issue 24: 责任人 lists the people who can be responsible for a dispute, not every account).
def _roles():
    from fengqiao.accounts.choices import Role

    owner = frozenset(
        {
            Role.STATION_LEADER,
            Role.COMMUNITY_OFFICER,
            Role.DUTY_OFFICER,
            Role.CASE_OFFICER,
            Role.CASE_MANAGER,
            Role.COMMAND,
        }
    )
    return (
        owner,
        owner | {Role.MEDIATOR, Role.LIAISON},
        owner
        | {
            Role.MEDIATOR,
            Role.LIAISON,
            Role.AUXILIARY,
        },
    )


# 责任人: a police officer of the file's station. 调解员: officers, the studio's mediators and the
# liaison points' people. 稳控措施责任人: those, and auxiliary officers.
OWNER_ROLES, MEDIATOR_ROLES, MEASURE_ROLES = _roles()
