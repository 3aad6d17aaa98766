"""Reads of the field side."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from fengqiao.field.choices import WorkKind
from fengqiao.field.models import FieldStep, WorkLogEntry


def my_open_incidents(user, limit: int = 50):
    """The incidents dispatched to `user` and not yet closed, newest first."""
    from fengqiao.incidents.models import Incident

    return (
        Incident.objects.visible_to(user)
        .filter(officers=user)
        .exclude(status="closed")
        .select_related("category", "community")
        .order_by("-received_at")
        .distinct()[:limit]
    )


def steps_done(incident) -> dict[str, FieldStep]:
    return {
        s.step: s for s in FieldStep.objects.filter(incident=incident).select_related("officer")
    }


def worklog_filter(user, params) -> tuple:
    """The work-log list for `user`, filtered by ?q (place or content), ?kind, ?officer, ?since, ?until."""
    qs = WorkLogEntry.objects.visible_to(user).select_related("officer", "community")
    f = {k: (params.get(k) or "").strip() for k in ("q", "kind", "officer", "since", "until")}
    if f["q"]:
        qs = qs.filter(Q(place__icontains=f["q"]) | Q(note__icontains=f["q"]))
    if f["kind"] in WorkKind.values:
        qs = qs.filter(kind=f["kind"])
    if f["officer"].isdigit():
        qs = qs.filter(officer_id=int(f["officer"]))
    for key, op in (("since", "gte"), ("until", "lte")):
        try:
            day = dt.date.fromisoformat(f[key]) if f[key] else None
        except ValueError:
            day = None
            f[key] = ""
        if day:
            qs = qs.filter(**{f"occurred_at__date__{op}": day})
    return qs, f


def worklog_counts(qs) -> list[dict]:
    """Per officer: entries of each kind (part 9's per-officer figures)."""
    rows = {}
    for r in qs.values("officer_id", "officer__full_name", "officer__username", "kind").annotate(
        n=Count("id")
    ):
        row = rows.setdefault(
            r["officer_id"],
            {"name": r["officer__full_name"] or r["officer__username"], "total": 0},
        )
        row[r["kind"]] = r["n"]
        row["total"] += r["n"]
    for row in rows.values():
        row["cells"] = [row.get(kind, 0) for kind in WorkKind.values]
    return sorted(rows.values(), key=lambda r: (-r["total"], r["name"]))


def my_open_disputes(user, limit: int = 30):
    """The dispute files `user` may act on (owner, own communities, the channels he mediates), not
    closed, most recent first: the mediator's and community officer's work at a village."""
    from fengqiao.disputes.models import Dispute

    return (
        Dispute.objects.editable_by(user)
        .exclude(status="closed")
        .select_related("dispute_type", "community")
        .order_by("-pk")[:limit]
    )


def my_open_tasks(user, limit: int = 30):
    """The open registration tasks (核查登记) `user` may check at the estate gate: those of the
    communities he works (community officer, auxiliary officer, leaders), his own first, oldest due
    first."""
    from django.db.models import Case, IntegerField, Value, When

    from fengqiao.estates.models import RegistrationTask

    return (
        RegistrationTask.objects.editable_by(user)
        .open()
        .select_related("estate", "community")
        .annotate(
            mine=Case(
                When(assignee=user, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("mine", "due_at", "pk")[:limit]
    )
