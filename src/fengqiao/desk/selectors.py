"""Reads of the registration desk that more than one caller needs: the live queue, the display, figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from fengqiao.desk import rules
from fengqiao.desk.choices import Score, TicketStatus
from fengqiao.desk.models import Counter, Rating, Service, Ticket


def queue_summary(station_id, day: dt.date) -> list[dict]:
    """Per service of the day: waiting, being served, done, and the next numbers."""
    services = list(Service.objects.filter(station_id=station_id, active=True))
    counts = defaultdict(dict)
    for service_id, status, n in (
        Ticket.objects.filter(station_id=station_id, date=day)
        .values_list("service_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[service_id][status] = n
    nexts = defaultdict(list)
    for service_id, number in (
        Ticket.objects.filter(station_id=station_id, date=day, status=TicketStatus.WAITING)
        .order_by("-priority", "taken_at", "pk")
        .values_list("service_id", "number")[:400]
    ):
        if len(nexts[service_id]) < 5:
            nexts[service_id].append(number)
    return [
        {
            "service": s,
            "waiting": counts[s.pk].get(TicketStatus.WAITING, 0),
            "called": counts[s.pk].get(TicketStatus.CALLED, 0),
            "done": counts[s.pk].get(TicketStatus.DONE, 0),
            "skipped": counts[s.pk].get(TicketStatus.SKIPPED, 0),
            "next": nexts[s.pk],
            "wait_minutes": counts[s.pk].get(TicketStatus.WAITING, 0) * s.minutes,
        }
        for s in services
    ]


def display_state(station_id, day: dt.date) -> dict:
    """What the waiting-room display shows: each counter's current number, the last calls, waiting counts."""
    counters = list(Counter.objects.filter(station_id=station_id, active=True).order_by("number"))
    current = {
        t.counter_id: t
        for t in Ticket.objects.filter(
            station_id=station_id, date=day, status=TicketStatus.CALLED
        ).select_related("service")
    }
    recent = list(
        Ticket.objects.filter(station_id=station_id, date=day, called_at__isnull=False)
        .select_related("counter")
        .order_by("-called_at")[:8]
    )
    latest = recent[0] if recent else None
    return {
        "counters": [{"counter": c, "ticket": current.get(c.pk)} for c in counters],
        "recent": recent,
        "latest": latest,
        "latest_text": rules.call_text(latest.number, latest.counter.number)
        if latest and latest.counter
        else "",
        "latest_speech": rules.speech_text(latest.number, latest.counter.number)
        if latest and latest.counter
        else "",
        "latest_key": f"{latest.pk}-{latest.call_count}-{latest.called_at.timestamp():.0f}"
        if latest
        else "",
        "queue": queue_summary(station_id, day),
    }


def _stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "mean": None, "median": None, "p90": None}
    return {
        "n": len(values),
        "mean": round(sum(values) / len(values), 1),
        "median": round(rules.percentile(values, 50), 1),
        "p90": round(rules.percentile(values, 90), 1),
    }


def figures(station_id, start: dt.date, end: dt.date) -> dict:
    """Waiting and service times (minutes) and ratings, by service, by counter and by day, for [start, end]."""
    rows = list(
        Ticket.objects.filter(station_id=station_id, date__gte=start, date__lte=end).values_list(
            "date",
            "service__name",
            "counter__number",
            "status",
            "taken_at",
            "first_called_at",
            "called_at",
            "finished_at",
            "source",
        )
    )
    ratings = list(
        Rating.objects.filter(
            station_id=station_id, ticket__date__gte=start, ticket__date__lte=end
        ).values_list("ticket__service__name", "ticket__counter__number", "score")
    )
    by_service = defaultdict(
        lambda: {"wait": [], "serve": [], "tickets": 0, "skipped": 0, "scores": []}
    )
    by_counter = defaultdict(
        lambda: {"wait": [], "serve": [], "tickets": 0, "skipped": 0, "scores": []}
    )
    by_day = defaultdict(lambda: {"tickets": 0, "wait": [], "appointments": 0})
    all_wait, all_serve = [], []
    for day, service, counter, status, taken, first_called, called, finished, source in rows:
        wait = (first_called - taken).total_seconds() / 60 if first_called else None
        serve = (
            (finished - called).total_seconds() / 60
            if status == TicketStatus.DONE and finished and called
            else None
        )
        for bucket in (by_service[service], by_counter[counter] if counter else None):
            if bucket is None:
                continue
            bucket["tickets"] += 1
            if status == TicketStatus.SKIPPED:
                bucket["skipped"] += 1
            if wait is not None:
                bucket["wait"].append(wait)
            if serve is not None:
                bucket["serve"].append(serve)
        by_day[day]["tickets"] += 1
        by_day[day]["appointments"] += source == "appointment"
        if wait is not None:
            by_day[day]["wait"].append(wait)
            all_wait.append(wait)
        if serve is not None:
            all_serve.append(serve)
    score_counts = {s.value: 0 for s in Score}
    for service, counter, score in ratings:
        by_service[service]["scores"].append(score)
        if counter:
            by_counter[counter]["scores"].append(score)
        score_counts[score] += 1

    def table(groups, label):
        out = []
        for key in sorted(groups, key=lambda k: (k is None, k)):
            g = groups[key]
            out.append(
                {
                    "name": label(key),
                    "tickets": g["tickets"],
                    "skipped": g["skipped"],
                    "wait": _stats(g["wait"]),
                    "serve": _stats(g["serve"]),
                    "ratings": len(g["scores"]),
                    "good_rate": rules.rating_rate(g["scores"]),
                    "mean_score": round(sum(g["scores"]) / len(g["scores"]), 2)
                    if g["scores"]
                    else None,
                }
            )
        return out

    days = sorted(by_day)
    return {
        "start": start,
        "end": end,
        "tickets": len(rows),
        "wait": _stats(all_wait),
        "serve": _stats(all_serve),
        "ratings": len(ratings),
        "good_rate": rules.rating_rate([r[2] for r in ratings]),
        "score_counts": [
            {"score": s.value, "label": str(s.label), "n": score_counts[s.value]} for s in Score
        ],
        "services": table(by_service, lambda k: k),
        "counters": table(by_counter, lambda k: gettext("%(n)s号窗口") % {"n": k}),
        "days": [
            {
                "day": d,
                "tickets": by_day[d]["tickets"],
                "appointments": by_day[d]["appointments"],
                "wait_median": round(rules.percentile(by_day[d]["wait"], 50), 1)
                if by_day[d]["wait"]
                else None,
            }
            for d in days
        ],
    }


def chart_data(fig: dict) -> dict:
    from django.utils.translation import gettext as _

    return {
        "labels": {
            "tickets": _("取号数"),
            "appointments": _("预约签到"),
            "wait": _("等候中位(分钟)"),
            "wait_mean": _("平均等候(分钟)"),
            "serve_mean": _("平均办理(分钟)"),
            "good_rate": _("好评率(%)"),
        },
        "days": [f"{d['day']:%m-%d}" for d in fig["days"]],
        "day_tickets": [d["tickets"] for d in fig["days"]],
        "day_appointments": [d["appointments"] for d in fig["days"]],
        "day_wait": [d["wait_median"] for d in fig["days"]],
        "services": [r["name"] for r in fig["services"]],
        "service_wait": [r["wait"]["mean"] for r in fig["services"]],
        "service_serve": [r["serve"]["mean"] for r in fig["services"]],
        "counters": [r["name"] for r in fig["counters"]],
        "counter_good": [r["good_rate"] for r in fig["counters"]],
        "counter_serve": [r["serve"]["mean"] for r in fig["counters"]],
        "scores": [{"name": s["label"], "value": s["n"]} for s in fig["score_counts"]],
    }


def today() -> dt.date:
    return timezone.localdate()
