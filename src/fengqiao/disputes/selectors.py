"""Reads: the filtered list and the work-queue provider."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core.workqueue import WorkItem
from fengqiao.disputes.choices import FIRST_SESSION_CLOCK, Level, Status
from fengqiao.disputes.models import Dispute

OPEN_STATUSES = [
    Status.REGISTERED,
    Status.MEDIATING,
    Status.FAILED,
    Status.AGREED,
    Status.PERFORMING,
]


def my_disputes_needing_action(user, now: dt.datetime) -> list[WorkItem]:
    """My disputes needing action: red without a 一案一策 plan (due now), orange/red whose first
    session is due (the clock's due time), and open 一案一策 measures I am responsible for (due at the end
    of their due date, Asia/Shanghai). Soonest first (the queue sorts)."""
    from fengqiao.core.services import clocks_for

    items: list[WorkItem] = []
    mine = Dispute.objects.visible_to(user).filter(owner=user, status__in=OPEN_STATUSES)
    for d in mine.filter(level=Level.RED, plan__isnull=True):
        items.append(
            WorkItem(
                title=f"{d.reference} " + _("未制定一案一策"),
                url=d.get_absolute_url(),
                due_at=d.registered_at,
                level="red",
                kind="dispute",
                kind_label=_("矛盾纠纷"),
                object=d,
            )
        )
    for d in mine.filter(Q(level=Level.ORANGE) | Q(level=Level.RED)):
        clock = clocks_for(d).filter(kind=FIRST_SESSION_CLOCK, stopped_at__isnull=True).first()
        if clock is not None:
            items.append(
                WorkItem(
                    title=f"{d.reference} " + _("首次调解到期"),
                    url=d.get_absolute_url(),
                    due_at=clock.due_at,
                    level=d.level,
                    kind="dispute",
                    kind_label=_("矛盾纠纷"),
                    object=d,
                )
            )
    from fengqiao.disputes.models import StabilisationMeasure

    measures = StabilisationMeasure.objects.filter(
        responsible=user,
        done_at__isnull=True,
        plan__dispute__in=Dispute.objects.visible_to(user),
        plan__dispute__status__in=OPEN_STATUSES,
    ).select_related("plan__dispute")
    for m in measures:
        d = m.plan.dispute
        due = timezone.make_aware(dt.datetime.combine(m.due_date, dt.time(23, 59, 59)))
        items.append(
            WorkItem(
                title=f"{d.reference} " + _("稳控措施") + f":{m.what}",
                url=d.get_absolute_url(),
                due_at=due,
                level="red",
                kind="dispute",
                kind_label=_("矛盾纠纷"),
                object=m,
            )
        )
    return items


# ---------------------------------------------------------------- fulfilment work queue


def my_due_terms(user, now: dt.datetime) -> list[WorkItem]:
    """Agreement terms of my open disputes that are due (or overdue) and not yet performed: a follow-up
    visit is needed. Due at the end of the due date (Asia/Shanghai)."""
    from fengqiao.disputes.choices import AgreementStatus, TermStatus
    from fengqiao.disputes.models import AgreementTerm

    today = timezone.localdate(now)
    terms = (
        AgreementTerm.objects.filter(
            agreement__dispute__in=Dispute.objects.visible_to(user).filter(
                owner=user, status__in=OPEN_STATUSES
            ),
            agreement__status=AgreementStatus.IN_FORCE,
            due_date__lte=today + dt.timedelta(days=1),
        )
        .exclude(status=TermStatus.PERFORMED)
        .select_related("agreement__dispute")
    )
    items = []
    for t in terms:
        d = t.agreement.dispute
        due = timezone.make_aware(dt.datetime.combine(t.due_date, dt.time(23, 59, 59)))
        items.append(
            WorkItem(
                title=f"{d.reference} " + _("履行回访") + f":{t.what}",
                url=d.get_absolute_url(),
                due_at=due,
                level=d.level,
                kind="dispute",
                kind_label=_("矛盾纠纷"),
                object=t,
            )
        )
    return items


def my_screening_calls(user, now: dt.datetime) -> list[WorkItem]:
    """Today's liaison points of my communities not yet called: one item for the call list."""
    if not officer_communities(user).exists():
        return []
    points = todays_call_list(user, timezone.localdate(now), mine_only=True)
    left = [row for row in points if row["call"] is None]
    if not left:
        return []
    from django.urls import reverse

    due = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time(23, 0)))
    title = _("今日排查联络点未联系:%(n)s 个") % {"n": len(left)}
    return [
        WorkItem(
            title=title,
            url=reverse("disputes:screening_today"),
            due_at=due,
            level="yellow",
            kind="dispute",
            kind_label=_("矛盾纠纷"),
            object=None,
        )
    ]


# ---------------------------------------------------------------- daily screening


def officer_communities(user):
    from fengqiao.registry.models import Community

    return Community.objects.filter(officers=user, station_id=user.station_id)


def todays_call_list(user, day: dt.date, community=None, mine_only=False) -> list[dict]:
    """The liaison points of the officer's communities (a leader: of the whole station, or of one
    community) with that day's call, if any: [{"point", "call"}]."""
    from fengqiao.disputes.models import ScreeningCall
    from fengqiao.registry.models import LiaisonPoint

    points = LiaisonPoint.objects.visible_to(user).filter(active=True).select_related("community")
    if community is not None:
        points = points.filter(community=community)
    elif mine_only or not (user.is_leader or user.is_superuser):
        points = points.filter(community__in=officer_communities(user))
    points = list(points.order_by("community__name", "name"))
    calls = {
        c.point_id: c
        for c in ScreeningCall.objects.filter(point__in=points, day=day).select_related(
            "officer", "dispute"
        )
    }
    return [{"point": p, "call": calls.get(p.pk)} for p in points]


def weekly_register(user, community, monday: dt.date) -> dict:
    """The weekly roll-up of a community: disputes registered and resolved in the week, open at its end
    by level, and the screening calls (reported, no issue, missed)."""
    from django.db.models import Count

    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.disputes.models import ScreeningCall

    sunday = monday + dt.timedelta(days=6)
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time(0)))
    end = timezone.make_aware(dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(0)))
    base = Dispute.objects.visible_to(user).filter(community=community)
    new = base.filter(registered_at__gte=start, registered_at__lt=end).select_related(
        "dispute_type"
    )
    resolved = base.filter(closed_at__gte=start, closed_at__lt=end).select_related("dispute_type")
    open_at_end = base.filter(registered_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )
    by_level = dict(
        open_at_end.values_list("level").annotate(n=Count("id")).values_list("level", "n")
    )
    calls = dict(
        ScreeningCall.objects.filter(community=community, day__gte=monday, day__lte=sunday)
        .values_list("answer")
        .annotate(n=Count("id"))
        .values_list("answer", "n")
    )
    return {
        "monday": monday,
        "sunday": sunday,
        "new": list(new),
        "resolved": list(resolved),
        "open_by_level": [
            (level, label, by_level.get(level, 0)) for level, label in reversed(Level.choices)
        ],
        "open_total": sum(by_level.values()),
        "calls": [(a, label, calls.get(a, 0)) for a, label in CallAnswer.choices],
    }


# ---------------------------------------------------------------- board and figures


def dispute_board(user) -> dict:
    """Open disputes by level (red first) and community, with the red and orange files listed."""
    from django.db.models import Count

    open_ = Dispute.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
    counts = (
        open_.values("level", "community_id", "community__name")
        .annotate(n=Count("id"))
        .order_by("community__name")
    )
    levels = [level for level, _label in reversed(Level.choices)]
    rows: dict = {}
    totals = dict.fromkeys(levels, 0)
    for row in counts:
        key = row["community_id"]
        entry = rows.setdefault(
            key,
            {
                "community_id": key,
                "name": row["community__name"] or _("(未分社区)"),
                "counts": dict.fromkeys(levels, 0),
            },
        )
        entry["counts"][row["level"]] += row["n"]
        totals[row["level"]] += row["n"]
    ordered = sorted(
        rows.values(), key=lambda r: tuple(-r["counts"][lv] for lv in levels) + (r["name"],)
    )
    for r in ordered:
        r["cells"] = [r["counts"][lv] for lv in levels]
    files = list(
        open_.filter(level__in=[Level.RED, Level.ORANGE])
        .select_related("community", "owner", "dispute_type", "plan")
        .order_by("registered_at")[:200]
    )
    files.sort(key=lambda d: (0 if d.level == Level.RED else 1, d.registered_at))
    return {
        "levels": [(lv, Level(lv).label) for lv in levels],
        "rows": ordered,
        "totals": [totals[lv] for lv in levels],
        "files": files,
    }


def _period_bounds(start: dt.date, end: dt.date):
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time(0))),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0))),
    )


def _month_key(value) -> str:
    value = timezone.localtime(value) if isinstance(value, dt.datetime) else value
    return f"{value.year}-{value.month:02d}"


def counted_terms_q() -> Q:
    """The agreement terms the fulfilment rate counts (a filter on AgreementTerm): every term of the
    agreement in force, and the terms of a failed (or superseded) agreement that fell due before it
    failed — those count with their recorded result, so one not performed stays not performed. Terms
    of a failed agreement not yet due when it failed were never owed and are left out."""
    from fengqiao.disputes.choices import AgreementStatus

    return Q(agreement__status=AgreementStatus.IN_FORCE) | Q(
        agreement__failed_at__isnull=False, agreement__failed_at__date__gte=F("due_date")
    )


def dispute_figures(
    user, start: dt.date, end: dt.date, *, channel=None, today: dt.date | None = None
) -> dict:
    """The figures of a period: success rate (agreements / ended mediations), fulfilment rate (performed
    terms / terms due), average days to settle, 民转刑, by channel, mediator and month."""
    from collections import Counter, defaultdict

    from django.db.models import Count, F

    from fengqiao.disputes import rules
    from fengqiao.disputes.choices import AgreementStatus, TermStatus
    from fengqiao.disputes.models import Agreement, AgreementTerm, DisputeIncident

    today = today or timezone.localdate()
    lo, hi = _period_bounds(start, end)
    base = Dispute.objects.visible_to(user)
    if channel is not None:
        base = base.filter(channel=channel)
    registered = base.filter(registered_at__gte=lo, registered_at__lt=hi)
    # Each dispute counts once: a success is the agreement in force (a dispute settled by a second
    # agreement after the first failed is one success, in the period of the second); a file closed
    # without an agreement in force is an ended mediation without success.
    agreements = Agreement.objects.filter(
        dispute__in=base,
        status=AgreementStatus.IN_FORCE,
        reached_on__gte=start,
        reached_on__lte=end,
    )
    failed_closed = base.filter(closed_at__gte=lo, closed_at__lt=hi, channel__isnull=False).exclude(
        agreements__status=AgreementStatus.IN_FORCE
    )
    due_terms = AgreementTerm.objects.filter(
        counted_terms_q(),
        agreement__dispute__in=base,
        due_date__gte=start,
        due_date__lte=min(end, today),
    )

    # Terms of the period not due yet: nothing due is not a failure (the rate reads "—" and says why).
    pending_terms = AgreementTerm.objects.filter(
        counted_terms_q(),
        agreement__dispute__in=base,
        due_date__gt=min(end, today),
        due_date__gte=start,
        due_date__lte=max(end, today),
    ).count()

    agreement_rows = list(
        agreements.values_list(
            "dispute__channel__name",
            "mediator__full_name",
            "reached_on",
            "dispute__registered_at",
            "dispute__settled_at",
        )
    )
    failed_rows = list(failed_closed.values_list("channel__name", "closed_at"))
    term_rows = list(
        due_terms.values_list(
            "agreement__dispute__channel__name",
            "agreement__mediator__full_name",
            "status",
            "due_date",
        )
    )
    n_agreements, n_failed = len(agreement_rows), len(failed_rows)
    performed = sum(1 for r in term_rows if r[2] == TermStatus.PERFORMED)
    settle = [r[4] - r[3] for r in agreement_rows if r[3] and r[4] and r[4] >= r[3]]

    later_offences = (
        DisputeIncident.objects.filter(
            dispute__in=registered,
            incident__received_at__gt=F("dispute__registered_at"),
            incident__category__requires_case=True,
        )
        .values("dispute_id")
        .distinct()
        .count()
    )

    by_channel: dict = defaultdict(lambda: {"agreements": 0, "failed": 0, "due": 0, "performed": 0})
    by_mediator: dict = defaultdict(lambda: {"agreements": 0, "due": 0, "performed": 0})
    for ch, med, *_rest in agreement_rows:
        by_channel[ch or _("未受理")]["agreements"] += 1
        by_mediator[med or _("(未记录)")]["agreements"] += 1
    for ch, _at in failed_rows:
        by_channel[ch or _("未受理")]["failed"] += 1
    for ch, med, status, _due in term_rows:
        for key, table in ((ch or _("未受理"), by_channel), (med or _("(未记录)"), by_mediator)):
            table[key]["due"] += 1
            table[key]["performed"] += status == TermStatus.PERFORMED

    months: dict = defaultdict(lambda: {"registered": 0, "agreements": 0, "failed": 0})
    for (at,) in registered.values_list("registered_at"):
        months[_month_key(at)]["registered"] += 1
    for r in agreement_rows:
        months[_month_key(r[2])]["agreements"] += 1
    for _ch, at in failed_rows:
        months[_month_key(at)]["failed"] += 1
    by_level = Counter(
        dict(registered.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    )

    def rate_rows(table, with_success=True):
        out = []
        for name, v in sorted(table.items(), key=lambda kv: -kv[1]["agreements"]):
            row = {"name": name, **v, "fulfilment": rules.fulfilment_rate(v["performed"], v["due"])}
            if with_success:
                row["success"] = rules.success_rate(v["agreements"], v["agreements"] + v["failed"])
            out.append(row)
        return out

    return {
        "start": start,
        "end": end,
        "registered": registered.count(),
        "agreements": n_agreements,
        "ended": n_agreements + n_failed,
        "success_rate": rules.success_rate(n_agreements, n_agreements + n_failed),
        "due_terms": len(term_rows),
        "performed_terms": performed,
        "fulfilment_rate": rules.fulfilment_rate(performed, len(term_rows)),
        "pending_terms": pending_terms,
        "fulfilment_reason": rules.fulfilment_reason(len(term_rows), pending_terms),
        "average_days": rules.average_days(settle),
        "later_offences": later_offences,
        "by_level": [
            (lv, Level(lv).label, by_level.get(lv, 0)) for lv, _l in reversed(Level.choices)
        ],
        "by_channel": rate_rows(by_channel),
        "by_mediator": rate_rows(by_mediator, with_success=False),
        "by_month": [{"month": k, **v} for k, v in sorted(months.items())],
    }


def later_offence_disputes(user, start: dt.date, end: dt.date):
    """The disputes of the period that later produced a 刑事 or 治安 incident (民转刑), with the incidents."""
    from django.db.models import F

    from fengqiao.disputes.models import DisputeIncident

    lo, hi = _period_bounds(start, end)
    return (
        DisputeIncident.objects.filter(
            dispute__in=Dispute.objects.visible_to(user),
            dispute__registered_at__gte=lo,
            dispute__registered_at__lt=hi,
            incident__received_at__gt=F("dispute__registered_at"),
            incident__category__requires_case=True,
        )
        .select_related("dispute", "incident", "incident__category")
        .order_by("-incident__received_at")
    )


def mediator_records(user) -> dict:
    """The station's mediators with their channels and record: station users who presided an agreement,
    sat in a session or hold the mediator role; and the community mediators named in sessions."""
    from collections import Counter, defaultdict

    from django.db.models import Count, Max

    from fengqiao.accounts.models import User
    from fengqiao.disputes import rules
    from fengqiao.disputes.choices import TermStatus
    from fengqiao.disputes.models import Agreement, AgreementTerm, MediationSession

    disputes = Dispute.objects.visible_to(user)
    agreements = {
        r["mediator"]: r
        for r in Agreement.objects.filter(dispute__in=disputes, mediator__isnull=False)
        .values("mediator")
        .annotate(n=Count("id"), last=Max("reached_on"))
    }
    channels = defaultdict(set)
    for mediator, name in (
        Agreement.objects.filter(dispute__in=disputes, mediator__isnull=False)
        .values_list("mediator", "channel__name")
        .distinct()
    ):
        if name:
            channels[mediator].add(name)
    sessions = dict(
        MediationSession.objects.filter(dispute__in=disputes)
        .values("mediators")
        .annotate(n=Count("id"))
        .values_list("mediators", "n")
    )
    for mediator, name in (
        MediationSession.objects.filter(dispute__in=disputes)
        .values_list("mediators", "channel__name")
        .distinct()
    ):
        if mediator:
            channels[mediator].add(name)
    today = timezone.localdate()
    due = defaultdict(lambda: [0, 0])
    for mediator, status in AgreementTerm.objects.filter(
        counted_terms_q(),
        agreement__dispute__in=disputes,
        due_date__lte=today,
        agreement__mediator__isnull=False,
    ).values_list("agreement__mediator", "status"):
        due[mediator][1] += 1
        due[mediator][0] += status == TermStatus.PERFORMED
    ids = set(agreements) | {k for k in sessions if k}
    people = User.objects.filter(
        Q(pk__in=ids) | Q(role="mediator", station_id=user.station_id)
    ).order_by("full_name")
    rows = []
    for person in people:
        performed, total = due[person.pk]
        rows.append(
            {
                "user": person,
                "channels": sorted(channels[person.pk]),
                "agreements": agreements.get(person.pk, {}).get("n", 0),
                "last": agreements.get(person.pk, {}).get("last"),
                "sessions": sessions.get(person.pk, 0),
                "fulfilment": rules.fulfilment_rate(performed, total),
            }
        )
    rows.sort(key=lambda r: (-r["agreements"], -r["sessions"], r["user"].full_name))
    others = Counter()
    for text in (
        MediationSession.objects.filter(dispute__in=disputes)
        .exclude(other_mediators="")
        .values_list("other_mediators", flat=True)
    ):
        for name in text.replace(",", "、").replace(",", "、").split("、"):
            if name.strip():
                others[name.strip()] += 1
    return {"rows": rows, "others": others.most_common()}
