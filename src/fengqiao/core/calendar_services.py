"""Writes of the station's holiday arrangement (节假日安排) and the clocks they move.

For a year `chinesecalendar` does not know yet, an administrator enters the State Council's
notice as lines (`2027-01-01 休 元旦`, `2027-02-07 班 春节`) on /core/calendar/ or with
`fengqiao calendar_import FILE`. Both call `calendar_days_save`; a single entry is removed with
`calendar_day_delete`. After a change, the open clocks whose period depends on the calendar and
whose due date is on or after the first changed day get their due time rebuilt
(`clocks_recompute_for_calendar`), each change saved on the clock (change log, before/after).
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core import calendar as cn_calendar
from fengqiao.core import context, rules
from fengqiao.core.choices import ClockState, ExtensionDecision
from fengqiao.core.permissions import can_manage_calendar
from fengqiao.core.services import schedule_next_warning
from fengqiao.core.workflow_models import CalendarDay, Clock

OFF_WORDS = {"休": True, "放假": True, "班": False, "上班": False}
_LINE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$")


def _require_manager(actor) -> None:
    if actor is not None and not can_manage_calendar(actor):
        raise PermissionDenied(_("节假日安排对全部派出所生效,只有系统管理员可以修改"))


# ---------------------------------------------------------------- the cache follows every change


def _entry_changed(day: dt.date) -> None:
    """Called by the services after each saved or deleted entry (not a model signal: decision 0008).
    Cleared now, for the clocks recomputed in this transaction, and again after the commit."""
    year = day.year
    cn_calendar.clear_cache(year)
    transaction.on_commit(lambda: cn_calendar.clear_cache(year))


# ---------------------------------------------------------------- reading the notice


@dataclass
class Line:
    """One line of a pasted notice: what it says, or why it is refused; and what saving it would do."""

    number: int
    text: str
    date: dt.date | None = None
    day_off: bool | None = None
    name: str = ""
    note: str = ""
    error: str = ""
    action: str = ""  # 新增 / 修改 / 不变, filled in by preview

    @property
    def entry(self) -> dict:
        return {"date": self.date, "day_off": self.day_off, "name": self.name, "note": self.note}


def _problem(day: dt.date, day_off: bool) -> str | None:
    problem = cn_calendar.entry_problem(day, day_off)
    if problem:
        return problem
    if cn_calendar.library_knows_year(day.year):
        return _("%(year)s 年的节假日安排已内置(chinesecalendar),以内置数据为准,无需录入") % {
            "year": day.year
        }
    return None


def parse_lines(text: str) -> list[Line]:
    """The non-empty lines of `text` (`# …` is a comment): `YYYY-MM-DD 休|班 名称 [备注]`."""
    lines, seen = [], {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        stripped = raw.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#"):
            continue
        line = Line(number=number, text=stripped)
        lines.append(line)
        match = _LINE.match(stripped)
        if not match:
            line.error = _("格式应为“日期 休/班 节日名称”,如 2027-01-01 休 元旦")
            continue
        date_text, kind, name, note = match.groups()
        try:
            line.date = dt.date.fromisoformat(date_text)
        except ValueError:
            line.error = _("“%(text)s”不是有效日期,应为 年-月-日,如 2027-01-01") % {
                "text": date_text
            }
            continue
        if kind not in OFF_WORDS:
            line.error = _("第二项应为“休”或“班”,不是“%(text)s”") % {"text": kind}
            continue
        line.day_off, line.name, line.note = OFF_WORDS[kind], name[:20], (note or "").strip()[:200]
        if len(name) > 20:
            line.error = _("节日名称最长 20 个字")
            continue
        problem = _problem(line.date, line.day_off)
        if problem:
            line.error = problem
        elif line.date in seen:
            line.error = _("与第 %(line)s 行的日期重复") % {"line": seen[line.date]}
        else:
            seen[line.date] = number
    return lines


def calendar_import_preview(text: str) -> list[Line]:
    """The dry run: every line with its error, or what saving it would do (新增/修改/不变). Saves nothing."""
    lines = parse_lines(text)
    dates = [line.date for line in lines if not line.error]
    existing = {d.date: d for d in CalendarDay.objects.filter(date__in=dates)}
    for line in lines:
        if line.error:
            continue
        old = existing.get(line.date)
        if old is None:
            line.action = _("新增")
        elif (old.day_off, old.name, old.note) == (line.day_off, line.name, line.note):
            line.action = _("不变")
        else:
            line.action = _("修改")
    return lines


# ---------------------------------------------------------------- writes


@contextmanager
def _acting(actor):
    """The change log names `actor` (the entries and every clock moved) even outside a web request."""
    current = context.current()
    if actor is None or (current is not None and current.user is not None):
        yield
        return
    with context.acting_as(actor, source=current.source if current else "system"):
        yield


@dataclass
class CalendarResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    first_changed: dt.date | None = None
    clocks: list[tuple[Clock, dt.datetime, dt.datetime]] = field(default_factory=list)

    def summary(self) -> str:
        return _(
            "新增 %(created)s 天,修改 %(updated)s 天,删除 %(deleted)s 天,未变 %(unchanged)s 天;"
            "重新计算了 %(clocks)s 个时限的到期时间"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "clocks": len(self.clocks),
        }


def _changed(result: CalendarResult, day: dt.date) -> None:
    if cn_calendar.library_knows_year(day.year):
        return  # the library stays the authority: the entry changes nothing
    if result.first_changed is None or day < result.first_changed:
        result.first_changed = day


def _finish(result: CalendarResult) -> CalendarResult:
    if result.first_changed is not None:
        cn_calendar.clear_cache()
        result.clocks = clocks_recompute_for_calendar(since=result.first_changed)
    return result


def calendar_days_save(*, actor, entries: list[dict]) -> CalendarResult:
    """Save the entries ({date, day_off, name, note}) all or none: a date already entered is replaced.

    Refuses the whole list (ValidationError naming each bad entry) if any entry is bad.
    """
    _require_manager(actor)
    problems, seen = [], set()
    for entry in entries:
        day, name = entry.get("date"), str(entry.get("name") or "").strip()
        if not isinstance(day, dt.date):
            problems.append(_("请填写日期"))
            continue
        label = f"{day:%Y-%m-%d}"
        if not name:
            problems.append(_("%(day)s:请填写节日名称(如:元旦、春节)") % {"day": label})
        elif len(name) > 20:
            problems.append(_("%(day)s:节日名称最长 20 个字") % {"day": label})
        problem = _problem(day, bool(entry.get("day_off")))
        if problem:
            problems.append(problem)
        if day in seen:
            problems.append(_("%(day)s 出现了两次") % {"day": label})
        seen.add(day)
    if problems:
        raise ValidationError(problems)
    if not entries:
        raise ValidationError(_("没有可保存的日期"))
    try:
        with _acting(actor), transaction.atomic():
            result = CalendarResult()
            existing = {
                d.date: d
                for d in CalendarDay.objects.select_for_update().filter(
                    date__in=[e["date"] for e in entries]
                )
            }
            for entry in sorted(entries, key=lambda e: e["date"]):
                values = {
                    "day_off": bool(entry.get("day_off")),
                    "name": str(entry.get("name") or "").strip(),
                    "note": str(entry.get("note") or "").strip()[:200],
                }
                day = existing.get(entry["date"])
                if day is None:
                    day = CalendarDay(date=entry["date"], **values)
                    day.full_clean()
                    day.save()
                    _entry_changed(day.date)
                    result.created += 1
                    _changed(result, day.date)
                    continue
                if (day.day_off, day.name, day.note) == (
                    values["day_off"],
                    values["name"],
                    values["note"],
                ):
                    result.unchanged += 1
                    continue
                moves = day.day_off != values["day_off"]
                for key, value in values.items():
                    setattr(day, key, value)
                day.full_clean()
                day.save()
                _entry_changed(day.date)
                result.updated += 1
                if moves:
                    _changed(result, day.date)
            return _finish(result)
    except BaseException:
        cn_calendar.clear_cache()  # entries read inside the rolled-back transaction must not linger
        raise


def calendar_day_delete(*, actor, day: CalendarDay) -> CalendarResult:
    _require_manager(actor)
    try:
        with _acting(actor), transaction.atomic():
            day = CalendarDay.objects.select_for_update().get(pk=day.pk)
            result = CalendarResult(deleted=1)
            date = day.date
            day.delete()
            _entry_changed(date)
            _changed(result, date)
            return _finish(result)
    except BaseException:
        cn_calendar.clear_cache()
        raise


def calendar_text_save(*, actor, text: str) -> tuple[list[Line], CalendarResult]:
    """Save a pasted notice: nothing at all while any line is bad (the ValidationError lists them)."""
    _require_manager(actor)
    lines = parse_lines(text)
    bad = [line for line in lines if line.error]
    if bad:
        raise ValidationError(
            [
                _("第 %(line)s 行“%(text)s”:%(error)s")
                % {"line": b.number, "text": b.text, "error": b.error}
                for b in bad
            ]
        )
    if not lines:
        raise ValidationError(_("没有可保存的日期"))
    return lines, calendar_days_save(actor=actor, entries=[line.entry for line in lines])


# ---------------------------------------------------------------- clocks follow the calendar


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, rules.TZ)


def _sensitive(clock: Clock, approved) -> bool:
    rule = clock.rule
    if rules.calendar_sensitive(rule.limit_unit, rule.holiday_rolls):
        return True
    return any(rules.calendar_sensitive(e.unit, rule.holiday_rolls) for e in approved)


def clock_replayed_due(clock: Clock) -> dt.datetime:
    """The clock's due time rebuilt with today's calendar, from its start, closed pauses and approved extensions."""
    rule = clock.rule
    events = [
        (p.ended_at, "pause", p.ended_at - p.started_at)
        for p in clock.pauses.all()
        if p.ended_at is not None and p.ended_at > p.started_at
    ]
    events += [
        (e.decided_at or e.requested_at, "extension", (e.value, e.unit))
        for e in clock.extensions.all()
        if e.decision == ExtensionDecision.APPROVED
    ]
    return rules.replay_due_at(
        clock.started_at,
        rule.limit_value,
        rule.limit_unit,
        holiday_rolls=rule.holiday_rolls,
        events=events,
    )


@transaction.atomic
def clocks_recompute_for_calendar(
    *, since: dt.date
) -> list[tuple[Clock, dt.datetime, dt.datetime]]:
    """Rebuild the due time of open, calendar-dependent clocks due on or after `since`.

    Each moved clock is saved (the change log keeps the old and new due time) and its next warning
    rescheduled from the levels already sent: a warning already sent is not sent again; one whose
    new time has passed goes out at the next sweep (a due time already past: the clock breaches then).
    Returns (clock, old due, new due) of each clock that moved.
    """
    moved = []
    candidates = (
        Clock.objects.select_for_update()
        .filter(state__in=[ClockState.RUNNING, ClockState.PAUSED], due_at__gte=_day_start(since))
        .order_by("pk")
    )
    for clock in candidates:
        approved = [e for e in clock.extensions.all() if e.decision == ExtensionDecision.APPROVED]
        if not _sensitive(clock, approved):
            continue
        new = clock_replayed_due(clock)
        if new == clock.due_at:
            continue
        old = clock.due_at
        clock.due_at = new
        schedule_next_warning(clock)
        clock.save()
        moved.append((clock, old, new))
    return moved


def year_status(year: int) -> dict:
    """What the calendar page and the home banner say about `year`."""
    library = cn_calendar.library_knows_year(year)
    count = CalendarDay.objects.filter(date__year=year).count()
    return {
        "year": year,
        "library": library,
        "entries": count,
        "missing": not library and not count,
    }


def missing_years(today: dt.date | None = None) -> list[int]:
    """This year, and in December next year, when neither the library nor the table has them."""
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    return [y for y in years if not cn_calendar.knows_year(y)]
