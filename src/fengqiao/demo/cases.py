"""Demo data of the cases part: three years of cases consistent with the incident history.

Every incident of the history that was filed or accepted (刑事/治安, outcome 已立案/已受案) gets its
case, and the incident's `case_reference` is rewritten to the case's number, so there is no
有案不立. The history is closed and written with plain inserts (no clocks: those limits are long
over), with parties, work, events and the case room's 一案一评. Recent cases are opened through the
services (their clocks run); a handful are placed near their limits so the 50 % / 80 % warnings
show. A few red lines of the past were raised and put right; the reference station has none now.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict

HISTORY_BEFORE = dt.timedelta(days=45)  # older case-incidents: closed history
OPEN_CRIMINAL_WITHIN = dt.timedelta(days=45)  # newer criminal cases: still under investigation
OPEN_ADMIN_WITHIN = dt.timedelta(days=8)  # newer administrative cases: still being handled
OFFENCE_FOR_CATEGORY = {
    "XS-DQ": "XS-DQ",
    "XS-ZP": "XS-DX",
    "XS-QJ": "XS-QJ",
    "XS-SH": "XS-SH",
    "ZA-DO": "ZA-OD",
    "ZA-DB": "ZA-DB",
    "ZA-RM": "ZA-RL",
    "ZA-XD": "ZA-XD",
    "JB-WF": "ZA-XX",
    "JB-HZ": "ZA-DB",
}
PENALTIES = [
    ("fine", 0.55),
    ("detention", 0.15),
    ("warning", 0.17),
    ("fine_and_detention", 0.05),
    ("none", 0.08),
]
PENALTY_TEXT = {
    "fine": "罚款{n}元",
    "detention": "行政拘留{d}日",
    "warning": "警告",
    "fine_and_detention": "行政拘留{d}日,并处罚款{n}元",
    "none": "违法事实不能成立,不予处罚",
}
CRIMINAL_ENDINGS = [
    "侦查终结,移送审查起诉",
    "侦查终结,移送审查起诉",
    "撤销案件(不应追究刑事责任)",
    "并案侦查,本案结案",
]
WORK = {
    "administrative": [
        ("interview", "询问被侵害人"),
        ("interview", "询问违法嫌疑人"),
        ("evidence", "调取现场监控"),
        ("scene", "现场勘查、拍照固定"),
    ],
    "criminal": [
        ("scene", "现场勘查"),
        ("interview", "询问被害人"),
        ("evidence", "调取沿途视频监控"),
        ("interview", "讯问犯罪嫌疑人"),
        ("evidence", "调取银行流水"),
    ],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _weighted(rng, options):
    roll, acc = rng.random(), 0.0
    for value, share in options:
        acc += share
        if roll < acc:
            return value
    return options[-1][0]


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from django.utils import timezone

    from fengqiao.accounts.models import Station

    rng = random.Random(f"{seed}-cases")
    now = timezone.now().replace(microsecond=0)
    counts: dict[str, int] = defaultdict(int)
    for code in ("511123-YJ", "511123-QX"):
        station = Station.objects.filter(code=code).first()
        if station is None:
            continue
        written = _station(station, rng=rng, now=now, reference=code == "511123-YJ")
        for key, value in written.items():
            counts[key] += value
        log(
            f"    {station.name}: {written.get('cases', 0):,} 案件, 在办 {written.get('open', 0)}, 红线 {written.get('red_lines_now', 0)}"
        )
    return dict(counts)


def review_row(rng, case_id: int, closed_at: dt.datetime, room, officers, now) -> dict | None:
    """一案一评 of a closed demo case: by a case-room officer other than the case's own, 2–20 hours after
    closing, scores around 22 of 25 on each of the four heads; None when that moment is still ahead."""
    reviewer = rng.choice([u for u in room if u.pk not in {o.pk for o in officers}] or room)
    scores = [min(25, max(12, int(rng.gauss(22, 2.5)))) for _ in range(4)]
    at = closed_at + dt.timedelta(hours=rng.uniform(2, 20))
    if at >= now:
        return None
    return {
        "case_id": case_id,
        "reviewer_id": reviewer.pk,
        "at": at,
        "legality": scores[0],
        "timeliness": scores[1],
        "evidence": scores[2],
        "procedure": scores[3],
        "note": "",
    }


def _people(station):
    from fengqiao.accounts.models import User

    police = list(
        User.objects.filter(station=station, is_active=True, rank="police")
        .select_related("unit")
        .order_by("pk")
    )
    leads = [u for u in police if u.role == "case_officer"] or [
        u for u in police if u.role in ("community_officer", "station_leader")
    ]
    seconds = [u for u in police if u.role in ("case_officer", "community_officer")] or police
    room = [u for u in police if u.role == "case_manager"] or [
        u for u in police if u.role == "station_leader"
    ]
    return police, leads, seconds, room


def _pair(rng, leads, seconds):
    lead = rng.choice(leads)
    others = [u for u in seconds if u.pk != lead.pk] or [u for u in leads if u.pk != lead.pk]
    return lead, rng.choice(others) if others else None


def _station(station, *, rng, now, reference: bool) -> dict[str, int]:
    from fengqiao.cases.models import OffenceType
    from fengqiao.incidents.models import Incident

    police, leads, seconds, room = _people(station)
    if len(police) < 2:
        return {}
    offences = {o.code: o for o in OffenceType.objects.all()}
    # an incident that already has its case (行车卫士's theft cases, when that demo ran first) keeps it
    incidents = list(
        Incident.objects.filter(station=station, cases__isnull=True)
        .exclude(case_reference="")
        .select_related("category", "category__parent")
        .order_by("received_at", "pk")
    )
    history, recent = [], []
    for incident in incidents:
        top = incident.category.parent or incident.category
        kind = (
            "criminal"
            if top.case_review_kind == "criminal_filing_review" or incident.outcome == "case_filed"
            else "administrative"
        )
        age = now - incident.received_at
        if age > HISTORY_BEFORE or (kind == "administrative" and age > OPEN_ADMIN_WITHIN):
            history.append((incident, kind))
        else:
            recent.append((incident, kind))
    counts = _history(
        station,
        history,
        rng=rng,
        now=now,
        leads=leads,
        seconds=seconds,
        room=room,
        offences=offences,
    )
    counts["open"] = _recent(
        station, recent, rng=rng, now=now, leads=leads, seconds=seconds, offences=offences
    )
    counts["open"] += _near_limits(
        station,
        rng=rng,
        now=now,
        leads=leads,
        seconds=seconds,
        offences=offences,
        n=6 if reference else 2,
    )
    counts["weekly"] = _weeks(station, now)
    from fengqiao.cases.selectors import detect

    counts["red_lines_now"] = len(detect(station, now))
    return counts


def _history(station, rows, *, rng, now, leads, seconds, room, offences) -> dict[str, int]:
    from django.db.models import Case as SqlCase
    from django.db.models import Value, When

    from fengqiao.cases.models import (
        Case,
        CaseAction,
        CaseEvent,
        CaseParty,
        CaseReview,
        RedLineFlag,
    )
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.core.workflow_models import ReferenceCounter
    from fengqiao.demo.generator import _insert
    from fengqiao.incidents.models import Incident

    # numbers go on after any already given (行车卫士's theft cases, when that demo ran first)
    counters: dict[tuple[str, int], int] = defaultdict(int)
    for kind, year, last in ReferenceCounter.objects.filter(
        station_id=station.pk, kind__in=("XS", "XZ")
    ).values_list("kind", "year", "last"):
        counters[(kind, year)] = last
    cases, plans = [], []
    for incident, kind in rows:
        received = incident.received_at
        year = (received + dt.timedelta(hours=8)).year
        prefix = "XS" if kind == "criminal" else "XZ"
        counters[(prefix, year)] += 1
        lead, second = _pair(rng, leads, seconds)
        if second is None:
            continue
        code = OFFENCE_FOR_CATEGORY.get(incident.category.code)
        offence = offences.get(code) if code else None
        if offence is None or offence.kind != kind:
            offence = offences["XS-DQ" if kind == "criminal" else "ZA-RL"]
        accepted = received + dt.timedelta(
            hours=rng.uniform(1, 20 if kind == "administrative" else 60)
        )
        row = {
            "station_id": station.pk,
            "community_id": incident.community_id,
            "reference": format_reference(prefix, year, counters[(prefix, year)]),
            "kind": kind,
            "offence_id": offence.pk,
            "title": f"{incident.location[:40]}{offence.name}案",
            "summary": incident.narrative,
            "source_incident_id": incident.pk,
            "unit_id": lead.unit_id,
            "lead_officer_id": lead.pk,
            "second_officer_id": second.pk,
            "status": "closed",
            "reported_at": received,
            "accepted_at": accepted,
            "not_filed_reason": "",
            "penalty_kind": "",
            "penalty_text": "",
            "penalty_mode": "",
            "in_appraisal": False,
            "closing_summary": "",
            "created_by_id": lead.pk,
        }
        latest = now - dt.timedelta(days=1)
        if kind == "administrative":
            penalty = _weighted(rng, PENALTIES)
            decided = min(
                accepted + dt.timedelta(days=rng.uniform(0.5, 20)), latest - dt.timedelta(hours=6)
            )
            executed = decided + dt.timedelta(hours=rng.uniform(1, 72))
            row.update(
                penalty_kind=penalty,
                penalty_mode="present",
                penalty_decided_at=decided,
                penalty_served_at=decided,
                penalty_text=PENALTY_TEXT[penalty].format(
                    n=rng.choice((200, 300, 500, 1000)), d=rng.choice((5, 7, 10))
                ),
                penalty_executed_at=executed
                if penalty != "warning" and penalty != "none"
                else None,
            )
            closed = min(max(executed, decided) + dt.timedelta(hours=rng.uniform(1, 48)), latest)
            row["closing_summary"] = f"{row['penalty_text']},执行完毕,结案"
        else:
            closed = min(accepted + dt.timedelta(days=rng.uniform(8, 120)), latest)
            row["closing_summary"] = rng.choice(CRIMINAL_ENDINGS)
        row["closed_at"] = closed
        row["last_action_at"] = closed - dt.timedelta(hours=rng.uniform(2, 48))
        cases.append(row)
        plans.append((incident, kind, lead, second))
    ids = _insert(Case, cases)
    for (prefix, year), last in counters.items():
        ReferenceCounter.objects.update_or_create(
            kind=prefix, station_id=station.pk, year=year, defaults={"last": last}
        )
    # the incidents now carry the numbers of their cases (no 有案不立)
    whens = [
        When(pk=incident.pk, then=Value(row["reference"]))
        for (incident, *_), row in zip(plans, cases, strict=True)
    ]
    for i in range(0, len(whens), 500):
        chunk = whens[i : i + 500]
        Incident.objects.filter(pk__in=[w.condition.children[0][1] for w in chunk]).update(
            case_reference=SqlCase(*chunk, default=Value(""))
        )
    parties, actions, events, reviews = [], [], [], []
    for case_id, row, (incident, kind, lead, second) in zip(ids, cases, plans, strict=True):
        victim = incident.caller_name or _name(rng)
        parties.append(
            {
                "case_id": case_id,
                "role": "victim",
                "name": victim,
                "person_id": incident.caller_person_id,
                "id_number": "",
                "phone": incident.caller_phone,
                "pursuit_note": "",
            }
        )
        parties.append(
            {
                "case_id": case_id,
                "role": "suspect",
                "name": _name(rng),
                "person_id": None,
                "id_number": "",
                "phone": "",
                "pursuit_note": "",
            }
        )
        span = row["closed_at"] - row["accepted_at"]
        for j, (work, note) in enumerate(rng.sample(WORK[kind], k=2)):
            at = row["accepted_at"] + span * (0.2 + 0.3 * j)
            actions.append(
                {
                    "case_id": case_id,
                    "kind": work,
                    "at": at,
                    "officer_id": lead.pk,
                    "second_officer_id": second.pk,
                    "party_id": None,
                    "note": note,
                    "recorded_by_id": lead.pk,
                }
            )
        events.append(
            {
                "case_id": case_id,
                "kind": "received",
                "at": row["reported_at"],
                "actor_id": lead.pk,
                "text": row["title"],
                "data": json.dumps({"incident": incident.reference}),
                "created_at": row["reported_at"],
            }
        )
        events.append(
            {
                "case_id": case_id,
                "kind": "accepted" if kind == "administrative" else "filed",
                "at": row["accepted_at"],
                "actor_id": lead.pk,
                "text": "",
                "data": "{}",
                "created_at": row["accepted_at"],
            }
        )
        if kind == "administrative":
            events.append(
                {
                    "case_id": case_id,
                    "kind": "penalty_decided",
                    "at": row["penalty_decided_at"],
                    "actor_id": lead.pk,
                    "text": row["penalty_text"],
                    "data": "{}",
                    "created_at": row["penalty_decided_at"],
                }
            )
        events.append(
            {
                "case_id": case_id,
                "kind": "closed",
                "at": row["closed_at"],
                "actor_id": lead.pk,
                "text": row["closing_summary"],
                "data": "{}",
                "created_at": row["closed_at"],
            }
        )
        if room and rng.random() < 0.92:
            review = review_row(rng, case_id, row["closed_at"], room, (lead, second), now)
            if review:
                reviews.append(review)
    _insert(CaseParty, parties)
    _insert(CaseAction, actions)
    _insert(CaseEvent, events)
    _insert(CaseReview, reviews)
    # a few red lines of the past, each put right within days (one a quarter, or so)
    flags = []
    closed_cases = list(zip(ids, cases, plans, strict=True))
    quarters = max(
        1, len({(r["reported_at"].year, (r["reported_at"].month - 1) // 3) for r in cases})
    )
    for case_id, row, (_incident, kind, lead, _second) in rng.sample(
        closed_cases, k=min(len(closed_cases) // 10, quarters)
    ):
        if kind == "administrative":
            flag_kind, key = "overdue", f"overdue:demo:case:{case_id}"
            reason = f"{row['reference']}“治安案件办理期限”临近届满未结,经督促后办结"
        else:
            flag_kind, key = "lax", f"lax:idle:demo:case:{case_id}"
            reason = f"{row['reference']}超过15日无办案工作"
        raised = row["accepted_at"] + (row["closed_at"] - row["accepted_at"]) / 2
        closer = room[0] if room else lead
        flags.append(
            {
                "station_id": station.pk,
                "kind": flag_kind,
                "key": key,
                "case_id": case_id,
                "incident_id": None,
                "reason": reason,
                "raised_at": raised,
                "unit_id": lead.unit_id,
                "officer_id": lead.pk,
                "assignee_id": lead.pk,
                "explanation": "等待鉴定意见、当事人外出务工,已约谈",
                "status": "closed",
                "closed_at": min(raised + dt.timedelta(days=rng.uniform(1, 5)), now),
                "closed_by_id": closer.pk,
                "close_note": "已督促办理并说明情况,列入周通报",
            }
        )
    _insert(RedLineFlag, flags)
    return {
        "cases": len(ids),
        "parties": len(parties),
        "actions": len(actions),
        "reviews": len(reviews),
        "past_flags": len(flags),
    }


def _recent(station, rows, *, rng, now, leads, seconds, offences) -> int:
    """The cases of the last weeks, opened through the services: their clocks run."""
    from fengqiao.cases import services
    from fengqiao.cases.models import Case
    from fengqiao.incidents.models import Incident

    opened = 0
    for incident, kind in rows:
        lead, second = _pair(rng, leads, seconds)
        if second is None:
            continue
        code = OFFENCE_FOR_CATEGORY.get(incident.category.code)
        offence = offences.get(code) if code else None
        if offence is None or offence.kind != kind:
            offence = offences["XS-DQ" if kind == "criminal" else "ZA-RL"]
        received = incident.received_at
        case = services.case_open(
            actor=None,
            station=station,
            kind=kind,
            offence=offence,
            title=f"{incident.location[:40]}{offence.name}案",
            summary=incident.narrative,
            lead_officer=lead,
            second_officer=second,
            reported_at=received,
        )
        Case.objects.filter(pk=case.pk).update(
            source_incident=incident, community_id=incident.community_id
        )
        Incident.objects.filter(pk=incident.pk).update(case_reference=case.reference)
        accepted = min(
            received + dt.timedelta(hours=rng.uniform(1, 18)), now - dt.timedelta(minutes=30)
        )
        if kind == "administrative":
            services.case_accept(actor=None, case=case, at=accepted)
        else:
            services.case_file(actor=None, case=case, at=accepted)
        work, note = rng.choice(WORK[kind])
        last = max(accepted, now - dt.timedelta(days=rng.uniform(0.2, 9)))
        services.action_record(
            actor=None,
            case=case,
            kind=work,
            note=note,
            officer=lead,
            second_officer=second,
            at=last,
        )
        opened += 1
    return opened


def _near_limits(station, *, rng, now, leads, seconds, offences, n: int) -> int:
    """A handful of walk-in cases placed so the board shows its 50 % and 80 % warnings."""
    from fengqiao.cases import services

    plans = [
        ("administrative", 17, None),  # 30-day handling period at ~57 %: yellow
        ("administrative", 26, None),  # ~87 %: orange
        ("administrative", 21, "appraisal"),  # in 鉴定: paused
        ("criminal", 2, "detention"),  # 刑事拘留 2 days ago: 提请逮捕 at ~60 %
        ("criminal", 18, "seizure"),  # 扣押 18 days ago: ~60 % of 30 days
        ("administrative", 23, None),
    ][:n]
    made = 0
    for kind, days, extra in plans:
        lead, second = _pair(rng, leads, seconds)
        if second is None:
            continue
        offence = offences["XS-DQ" if kind == "criminal" else "ZA-OD"]
        reported = now - dt.timedelta(days=days, hours=3)
        case = services.case_open(
            actor=None,
            station=station,
            kind=kind,
            offence=offence,
            lead_officer=lead,
            second_officer=second,
            reported_at=reported,
            title=f"{_name(rng)}来所报案{offence.name}案",
            summary="当事人来所报案",
        )
        accepted = reported + dt.timedelta(hours=2)
        if kind == "administrative":
            services.case_accept(actor=None, case=case, at=accepted)
        else:
            services.case_file(actor=None, case=case, at=accepted)
        suspect = services.party_add(actor=None, case=case, role="suspect", name=_name(rng))
        services.party_add(actor=None, case=case, role="victim", name=_name(rng))
        if extra == "appraisal":
            services.appraisal_start(
                actor=None, case=case, note="伤情鉴定", at=now - dt.timedelta(days=4)
            )
        elif extra == "detention":
            measure = services.measure_start(
                actor=None,
                case=case,
                kind="criminal_detention",
                party=suspect,
                at=now - dt.timedelta(days=2),
            )
            services.measure_step(
                actor=None,
                measure=measure,
                step="custody",
                at=now - dt.timedelta(days=2) + dt.timedelta(hours=5),
            )
            services.measure_step(
                actor=None,
                measure=measure,
                step="family",
                at=now - dt.timedelta(days=2) + dt.timedelta(hours=6),
            )
        elif extra == "seizure":
            measure = services.measure_start(
                actor=None, case=case, kind="seizure", at=now - dt.timedelta(days=days)
            )
            services.item_register(
                actor=None,
                case=case,
                description="涉案电动车一辆(蓝色)",
                location="涉案财物管理室A-03",
                handled_by=lead,
                checked_by=second,
                measure=measure,
                at=now - dt.timedelta(days=days),
            )
        services.action_record(
            actor=None,
            case=case,
            kind="interview",
            note="询问当事人",
            officer=lead,
            second_officer=second,
            at=max(accepted, now - dt.timedelta(days=rng.uniform(0.5, 5))),
        )
        made += 1
    return made


def _weeks(station, now, weeks: int = 8) -> int:
    """The last weeks' summaries, as the Friday job would have left them (their notices already sent)."""
    from django.utils import timezone

    from fengqiao.cases.models import WeeklySummary
    from fengqiao.cases.rules import week_start
    from fengqiao.cases.services import weekly_generate

    this_monday = week_start(timezone.localtime(now).date())
    made = 0
    for i in range(weeks, 0, -1):
        summary = weekly_generate(station=station, monday=this_monday - dt.timedelta(weeks=i))
        WeeklySummary.objects.filter(pk=summary.pk).update(notice_sent_at=summary.generated_at)
        made += 1
    return made


def ensure_bench_demo(station_code: str = "511123-YJ"):
    """For the case benchmarks: the full-size demo in the bench database, with this part loaded."""
    import time

    from django.db import transaction

    from fengqiao.accounts.models import Station
    from fengqiao.cases.models import Case
    from fengqiao.core import context
    from fengqiao.demo import generator

    def log(line):
        print(line, flush=True)

    station = Station.objects.filter(code=station_code).first()
    if station is None:
        log("loading the full-size demo data into the bench database …")
        started = time.perf_counter()
        try:
            generator.load(scale=1, seed=20240420, log=log)
        except Exception as exc:  # another part's demo failing must not stop the case benchmarks
            log(f"full demo failed ({exc!r}); loading registry, incidents and cases only")
            generator.PART_DEMOS = ["fengqiao.demo.incidents", "fengqiao.demo.cases"]
            generator.load(scale=1, seed=20240420, log=log)
        log(f"loaded in {time.perf_counter() - started:.0f} s")
        station = Station.objects.get(code=station_code)
    if not Case.objects.filter(station=station).exists():
        from fengqiao.incidents.models import Incident

        log("loading the cases demo into the bench database …")
        started = time.perf_counter()
        with transaction.atomic(), context.acting_as(None, source="command"):
            if not Incident.objects.filter(station=station).exists():
                from fengqiao.demo import incidents as incidents_demo

                incidents_demo.load(scale=1, seed=20240420, log=log)
            log(str(load(scale=1, seed=20240420, log=log)))
        log(f"loaded in {time.perf_counter() - started:.0f} s")
    return station
