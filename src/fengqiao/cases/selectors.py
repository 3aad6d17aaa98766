"""Read-side queries of cases and the case room: the red-line detectors, the supervision board,
the weekly figures. The tests of a fact are the pure functions of `cases.rules`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from fengqiao.cases import rules
from fengqiao.cases.choices import (
    OPEN_STATUSES,
    PENALTIES_TO_EXECUTE,
    CaseStatus,
    FlagKind,
    FlagStatus,
    PartyRole,
)
from fengqiao.cases.models import Case, CaseParty, CaseReview, CoerciveMeasure, RedLineFlag
from fengqiao.core.choices import ClockState
from fengqiao.core.rules import TZ
from fengqiao.core.workflow_models import Clock, TimeLimitRule
from fengqiao.incidents.models import Incident
from fengqiao.incidents.selectors import CASE_REVIEW_KINDS, unfiled_incidents

UNFINISHED = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)


@dataclass
class Detection:
    kind: str
    key: str
    reason: str
    case: Case | None = None
    incident: Incident | None = None
    officer: object = None
    unit: object = None


def inactivity_days(now: dt.datetime) -> int:
    """查打不严's N (no investigative action for N days): the `case_inactivity` rule's value, default 15."""
    rule = (
        TimeLimitRule.objects.effective_on(now.astimezone(TZ).date())
        .filter(kind=rules.INACTIVITY_RULE_KIND)
        .order_by("-effective_from")
        .first()
    )
    return rule.limit_value if rule else rules.DEFAULT_INACTIVITY_DAYS


def unfiled_for_station(station, now: dt.datetime):
    """有案不立 incidents of one station: the test of incidents.selectors.unfiled_incidents (which is
    scoped by a user) for the job that has none — read from the due review clocks first (indexed on
    station, state and due time) rather than from every incident of the station."""
    incident_ct = ContentType.objects.get_for_model(Incident)
    due = Clock.objects.filter(
        station=station,
        content_type=incident_ct,
        kind__in=CASE_REVIEW_KINDS,
        state__in=[ClockState.RUNNING, ClockState.BREACHED],
        due_at__lte=now,
    ).values_list("object_id", flat=True)
    return Incident.objects.filter(
        Q(category__requires_case=True) | Q(category__parent__requires_case=True),
        station=station,
        case_reference="",
        pk__in=list(due),
    )


def unfiled_for_user(user, now: dt.datetime):
    return unfiled_incidents(user, now)


def _content_types():
    return ContentType.objects.get_for_model(Case), ContentType.objects.get_for_model(
        CoerciveMeasure
    )


def detect(station, now: dt.datetime) -> list[Detection]:
    """Every red line of a station as of `now` (DOMAIN.md §1): 有案不立, 办理超期, 查打不严."""
    found: list[Detection] = []
    # 有案不立: an incident meeting the standard with no case within its review limit …
    for incident in (
        unfiled_for_station(station, now)
        .select_related("category", "assigned_unit")
        .prefetch_related("assignments__officer")
    ):
        found.append(
            Detection(
                FlagKind.UNFILED,
                f"unfiled:incident:{incident.pk}",
                f"警情{incident.reference}({incident.category})已过受案/立案审查时限仍未受案立案",
                incident=incident,
                officer=incident.lead_officer,
                unit=incident.assigned_unit,
            )
        )
    case_ct, measure_ct = _content_types()
    # Every unfinished clock of the station's cases and measures that is past due, in one query;
    # split below by what its lapse means (DOMAIN.md §1).
    due = list(
        Clock.objects.filter(
            station=station,
            content_type__in=[case_ct, measure_ct],
            stopped_at__isnull=True,
            state__in=UNFINISHED,
        )
        .filter(Q(state=ClockState.BREACHED) | Q(due_at__lte=now))
        .select_related("rule")
    )
    measure_ids = [c.object_id for c in due if c.content_type_id == measure_ct.pk]
    measure_case = (
        dict(CoerciveMeasure.objects.filter(pk__in=measure_ids).values_list("pk", "case_id"))
        if measure_ids
        else {}
    )

    def case_id_of(clock):
        return (
            clock.object_id
            if clock.content_type_id == case_ct.pk
            else measure_case.get(clock.object_id)
        )

    ids = {case_id_of(c) for c in due} - {None}
    cases = Case.objects.select_related("lead_officer", "unit").in_bulk(list(ids)) if ids else {}
    for clock in due:
        case = cases.get(case_id_of(clock))
        if case is None:
            continue
        if clock.kind in rules.UNFILED_CLOCK_KINDS:
            # … and a refusal to file whose notice was not served in time (有案不立).
            found.append(
                Detection(
                    FlagKind.UNFILED,
                    f"unfiled:notice:case:{case.pk}",
                    f"{case.reference}不予立案后未在期限内送达通知书",
                    case=case,
                )
            )
        elif clock.kind in rules.LAX_CLOCK_KINDS:
            # 查打不严 (2): a penalty not executed within its limit.
            if case.penalty_kind in PENALTIES_TO_EXECUTE and case.penalty_executed_at is None:
                found.append(
                    Detection(
                        FlagKind.LAX,
                        f"lax:penalty:case:{case.pk}",
                        f"{case.reference}处罚决定({case.get_penalty_kind_display()})逾期未执行",
                        case=case,
                    )
                )
        elif clock.state != ClockState.PAUSED:
            # 办理超期: any clock of a case or of its measures past its limit and not finished.
            found.append(
                Detection(
                    FlagKind.OVERDUE,
                    f"overdue:clock:{clock.pk}",
                    f"{case.reference}“{clock.rule.name}”已于{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}到期仍未办结",
                    case=case,
                )
            )
    # 查打不严 (1): a filed case with no investigative action for N days (appraisal waiting excepted).
    limit = inactivity_days(now)
    since = now - dt.timedelta(days=limit)
    for case in Case.objects.filter(
        station=station, status=CaseStatus.HANDLING, in_appraisal=False, last_action_at__lt=since
    ).select_related("lead_officer", "unit"):
        if rules.is_idle(case.last_action_at, now, limit):
            day = timezone.localtime(case.last_action_at).date()
            found.append(
                Detection(
                    FlagKind.LAX,
                    f"lax:idle:case:{case.pk}:{day:%Y%m%d}",
                    f"{case.reference}自{day:%Y-%m-%d}起{rules.idle_days(case.last_action_at, now)}日无办案工作(超过{limit}日)",
                    case=case,
                )
            )
    # 查打不严 (3): a fled suspect with no pursuit measure.
    for party in CaseParty.objects.filter(
        case__station=station,
        case__status__in=OPEN_STATUSES,
        role=PartyRole.SUSPECT,
        fled_at__isnull=False,
        pursuit_at__isnull=True,
    ).select_related("case__lead_officer", "case__unit"):
        found.append(
            Detection(
                FlagKind.LAX,
                f"lax:fled:party:{party.pk}",
                f"{party.case.reference}嫌疑人{party.name[0]}**在逃,未采取追逃措施",
                case=party.case,
            )
        )
    return found


# ---------------------------------------------------------------- the supervision board


@dataclass
class ClockRow:
    clock: Clock
    fraction: float
    level: str
    what: str

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @property
    def due_text(self) -> str:
        return self.clock.due_at.astimezone(TZ).strftime("%m-%d %H:%M")


@dataclass
class BoardRow:
    case: Case
    clocks: list[ClockRow] = field(default_factory=list)
    idle_days: int | None = None
    flags: list = field(default_factory=list)

    @cached_property
    def level(self) -> str:
        order = {"": 0, "yellow": 1, "orange": 2, "red": 3}
        levels = [c.level for c in self.clocks] + (["red"] if self.flags else [])
        return max(levels, key=lambda x: order[x], default="")


BOARD_CASE_FIELDS = (
    "id",
    "station_id",
    "reference",
    "kind",
    "title",
    "status",
    "reported_at",
    "in_appraisal",
    "last_action_at",
    "lead_officer_id",
    "second_officer_id",
    "unit_id",
)
BOARD_CLOCK_FIELDS = (
    "id",
    "content_type_id",
    "object_id",
    "kind",
    "rule_id",
    "title",
    "started_at",
    "due_at",
    "state",
    "paused_at",
    "paused_seconds",
)


def board(
    user, now: dt.datetime, *, kind: str = "", level: str = "", mine: bool = False
) -> list[BoardRow]:
    """Every open case the user can see, with its unfinished clocks (and its measures'), warnings and open flags."""
    # open cases, and refusals to file whose notice is not served yet (their 3-day clock runs)
    queryset = Case.objects.visible_to(user).filter(
        Q(status__in=OPEN_STATUSES) | Q(status=CaseStatus.NOT_FILED, notice_served_at__isnull=True)
    )
    if mine:
        queryset = queryset.filter(Q(lead_officer=user) | Q(second_officer=user))
    if kind:
        queryset = queryset.filter(kind=kind)
    cases = list(
        queryset.select_related("lead_officer", "unit")
        .only(*BOARD_CASE_FIELDS, "lead_officer__full_name", "lead_officer__username", "unit__name")
        .order_by("reported_at", "pk")
    )
    rows = {c.pk: BoardRow(case=c) for c in cases}
    if not rows:
        return []
    case_ct, measure_ct = _content_types()
    measures = dict(CoerciveMeasure.objects.filter(case_id__in=rows).values_list("pk", "case_id"))
    clocks = (
        Clock.objects.filter(
            Q(content_type=case_ct, object_id__in=list(rows))
            | Q(content_type=measure_ct, object_id__in=list(measures)),
            stopped_at__isnull=True,
            state__in=UNFINISHED,
        )
        .select_related("rule")
        .only(*BOARD_CLOCK_FIELDS, "rule__name", "rule__warning_fractions")
    )
    for clock in clocks:
        case_id = (
            clock.object_id
            if clock.content_type_id == case_ct.pk
            else measures.get(clock.object_id)
        )
        row = rows.get(case_id)
        if row is None:
            continue
        fraction = rules.elapsed_fraction(
            clock.started_at, clock.due_at, clock.paused_seconds, now, clock.paused_at
        )
        lvl = (
            "red"
            if clock.state == ClockState.BREACHED
            else rules.warning_level(fraction, clock.rule.warning_fractions)
        )
        row.clocks.append(ClockRow(clock, min(fraction, 9.99), lvl, clock.title or clock.rule.name))
    for flag in RedLineFlag.objects.filter(case_id__in=list(rows), status=FlagStatus.OPEN):
        rows[flag.case_id].flags.append(flag)
    for row in rows.values():
        row.clocks.sort(key=lambda c: c.clock.due_at)
        if row.case.status == CaseStatus.HANDLING and row.case.last_action_at:
            row.idle_days = rules.idle_days(row.case.last_action_at, now)
    result = list(rows.values())
    if level:
        result = [r for r in result if r.level == level]
    order = {"red": 0, "orange": 1, "yellow": 2, "": 3}
    result.sort(
        key=lambda r: (
            order[r.level],
            r.clocks[0].clock.due_at if r.clocks else now + dt.timedelta(days=3650),
        )
    )
    return result


def open_flags(user):
    return (
        RedLineFlag.objects.visible_to(user)
        .filter(status=FlagStatus.OPEN)
        .select_related("case", "incident", "officer", "unit", "assignee")
    )


def red_line_counts(user) -> dict[str, int]:
    counts = dict(open_flags(user).values_list("kind").annotate(n=Count("pk")))
    return {k: counts.get(k, 0) for k in FlagKind.values}


# ---------------------------------------------------------------- the weekly figures


def _name(user) -> str:
    return (user.full_name or user.username) if user else gettext("未指定")


def weekly_figures(station, monday: dt.date) -> dict:
    """The week's figures (Mon–Sun, Beijing): received, filed, closed, overdue, red lines raised and
    resolved, by unit and by officer, the ranking (数据上榜) and the problems by name — plain JSON."""
    from fengqiao.accounts.models import Unit, User

    start, end = rules.week_bounds(monday)
    cases = Case.objects.filter(station=station)
    flags = RedLineFlag.objects.filter(station=station)
    week = {
        "received": cases.filter(reported_at__gte=start, reported_at__lt=end),
        "filed": cases.filter(accepted_at__gte=start, accepted_at__lt=end),
        "closed": cases.filter(closed_at__gte=start, closed_at__lt=end),
    }
    raised = flags.filter(raised_at__gte=start, raised_at__lt=end)
    resolved = flags.filter(closed_at__gte=start, closed_at__lt=end)
    totals = {key: qs.count() for key, qs in week.items()}
    totals["overdue"] = raised.filter(kind=FlagKind.OVERDUE).count()
    totals["flags_raised"] = raised.count()
    totals["flags_resolved"] = resolved.count()
    totals["open_cases"] = cases.filter(status__in=OPEN_STATUSES).count()
    totals["open_flags"] = flags.filter(status=FlagStatus.OPEN).count()
    by_kind = dict(raised.values_list("kind").annotate(n=Count("pk")))
    totals["flags_by_kind"] = {k: by_kind.get(k, 0) for k in FlagKind.values}

    officers: dict[int | None, rules.OfficerFigures] = {}
    units: dict[int | None, dict] = defaultdict(
        lambda: {"received": 0, "filed": 0, "closed": 0, "overdue": 0, "flags": 0}
    )
    user_ids, unit_ids = set(), set()
    per_officer = defaultdict(lambda: defaultdict(int))
    per_unit = defaultdict(lambda: defaultdict(int))
    for key, qs in week.items():
        for officer_id, unit_id, n in qs.values_list("lead_officer_id", "unit_id").annotate(
            n=Count("pk")
        ):
            per_officer[officer_id][key] += n
            per_unit[unit_id][key] += n
            user_ids.add(officer_id)
            unit_ids.add(unit_id)
    for officer_id, unit_id, kind, n in raised.values_list(
        "officer_id", "unit_id", "kind"
    ).annotate(n=Count("pk")):
        per_officer[officer_id]["flags"] += n
        per_unit[unit_id]["flags"] += n
        if kind == FlagKind.OVERDUE:
            per_officer[officer_id]["overdue"] += n
            per_unit[unit_id]["overdue"] += n
        user_ids.add(officer_id)
        unit_ids.add(unit_id)
    scores = defaultdict(list)
    for officer_id, legality, timeliness, evidence, procedure in CaseReview.objects.filter(
        case__station=station, at__gte=start, at__lt=end
    ).values_list("case__lead_officer_id", "legality", "timeliness", "evidence", "procedure"):
        scores[officer_id].append(legality + timeliness + evidence + procedure)
        user_ids.add(officer_id)
    users = User.objects.select_related("unit").in_bulk([u for u in user_ids if u])
    unit_names = {u.pk: u.name for u in Unit.objects.filter(pk__in=[u for u in unit_ids if u])}
    for officer_id in user_ids:
        user = users.get(officer_id)
        f = per_officer.get(officer_id, {})
        officers[officer_id] = rules.OfficerFigures(
            name=_name(user),
            unit=(user.unit.name if user and user.unit_id else ""),
            received=f.get("received", 0),
            filed=f.get("filed", 0),
            closed=f.get("closed", 0),
            overdue=f.get("overdue", 0),
            flags=f.get("flags", 0),
            review_scores=tuple(scores.get(officer_id, ())),
        )
    for unit_id, f in per_unit.items():
        units[unit_id].update(f)
    ranked = rules.ranking(officers.values())
    problems = [
        {
            "kind": str(FlagKind(f.kind).label),
            "reason": f.reason,
            "officer": _name(f.officer),
            "unit": f.unit.name if f.unit_id else "",
            "status": str(FlagStatus(f.status).label),
            "raised_at": timezone.localtime(f.raised_at).strftime("%Y-%m-%d"),
        }
        for f in raised.select_related("officer", "unit").order_by("raised_at", "pk")
    ]
    return {
        "station": station.name,
        "week_start": monday.isoformat(),
        "week_end": (monday + dt.timedelta(days=6)).isoformat(),
        "totals": totals,
        "by_unit": sorted(
            (
                {"unit": unit_names.get(uid, gettext("未指定单位")), **vals}
                for uid, vals in units.items()
            ),
            key=lambda r: r["unit"],
        ),
        "by_officer": [
            {
                "rank": i,
                "officer": o.name,
                "unit": o.unit,
                "received": o.received,
                "filed": o.filed,
                "closed": o.closed,
                "overdue": o.overdue,
                "flags": o.flags,
                "review_average": o.review_average,
                "score": o.score,
            }
            for i, o in enumerate(ranked, start=1)
        ],
        "problems": problems,
    }


def recent_weeks(station, monday: dt.date, weeks: int = 8) -> list[dict]:
    """Received/filed/closed/red lines for the `weeks` weeks ending with `monday`'s week (chart series)."""
    first = monday - dt.timedelta(weeks=weeks - 1)
    start, _ = rules.week_bounds(first)
    _, end = rules.week_bounds(monday)
    mondays = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    series = {
        m: {"week": m.isoformat(), "received": 0, "filed": 0, "closed": 0, "flags": 0}
        for m in mondays
    }

    def bucket(moment):
        return rules.week_start(moment.astimezone(TZ).date())

    cases = Case.objects.filter(station=station)
    for field_name, key in (
        ("reported_at", "received"),
        ("accepted_at", "filed"),
        ("closed_at", "closed"),
    ):
        for moment in cases.filter(
            **{f"{field_name}__gte": start, f"{field_name}__lt": end}
        ).values_list(field_name, flat=True):
            series[bucket(moment)][key] += 1
    for moment in RedLineFlag.objects.filter(
        station=station, raised_at__gte=start, raised_at__lt=end
    ).values_list("raised_at", flat=True):
        series[bucket(moment)]["flags"] += 1
    return list(series.values())


# ---------------------------------------------------------------- work queue


def my_case_items(user, now):
    from fengqiao.core.workqueue import WorkItem

    items = []
    for row in board(user, now, mine=True):
        case = row.case
        due = row.clocks[0].clock.due_at if row.clocks else None
        items.append(
            WorkItem(
                title=f"{case.reference} {case.title} · {case.get_status_display()}",
                url=reverse("cases:case_detail", args=[case.pk]),
                due_at=due,
                level=row.level,
                kind="case",
                kind_label=gettext("案件"),
                object=case,
            )
        )
    return items
