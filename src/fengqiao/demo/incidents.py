"""Demo data of the incidents part: three years of 警情 with their steps, officers, outcomes and callbacks.

玉津派出所 takes about 16,000 incidents a year and 清溪派出所 about 2,000 (÷ scale). The history is
closed and written with plain inserts (no clocks: those time limits are long over); the last days
hold callbacks still waiting (with their clocks) and a few incidents still open, created through the
services, so the queue, the work queue and the handover page show work. Callback ratings are drawn
so that the satisfaction rate comes out near the article's 96 %.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict

YEARS = 3
PER_YEAR = {"511123-YJ": 16_000, "511123-QX": 2_000}
# Top-level category code → share of the 110 calls of a town station.
CATEGORY_MIX = {
    "QZ": 0.27,
    "JF": 0.22,
    "JT": 0.14,
    "ZA": 0.12,
    "OT": 0.09,
    "XS": 0.06,
    "JB": 0.04,
    "HZ": 0.02,
    "TS": 0.01,
    "ZH": 0.02,
    "QT": 0.01,
}
# Outcome mix per top-level category (the rest of the incidents: 其他).
OUTCOMES = {
    "XS": [("case_filed", 0.86), ("transferred", 0.08), ("other", 0.06)],
    "ZA": [("case_accepted", 0.62), ("mediated", 0.30), ("other", 0.08)],
    "JF": [("mediated", 0.86), ("transferred", 0.08), ("other", 0.06)],
    "QZ": [("rescued", 0.86), ("transferred", 0.06), ("other", 0.08)],
    "JT": [("transferred", 0.62), ("mediated", 0.18), ("other", 0.20)],
    "HZ": [("transferred", 0.78), ("rescued", 0.16), ("other", 0.06)],
    "JB": [("transferred", 0.45), ("case_accepted", 0.15), ("other", 0.40)],
    "TS": [("other", 1.0)],
    "ZH": [("rescued", 0.70), ("transferred", 0.30)],
    "QT": [("mediated", 0.60), ("transferred", 0.40)],
    "OT": [("other", 0.55), ("invalid", 0.45)],
}
INVALID_SHARE = 0.03  # 误报、重复报警 among the other categories
NARRATIVE = {
    "QZ": ["老人走失,家属求助", "钥匙锁在屋内,求助开锁", "路人突发疾病倒地", "小孩与家长走散"],
    "JF": [
        "邻居因噪音发生争吵",
        "夫妻争吵,一方报警",
        "工资被拖欠,双方争执",
        "物业费纠纷,业主与物业争执",
    ],
    "JT": ["两车刮擦,双方争执", "电动车与行人相撞", "车辆堵塞路口"],
    "ZA": ["酒后殴打他人", "聚众赌博", "在商铺闹事", "深夜扰民"],
    "OT": ["询问办事流程", "误拨110", "反映路灯损坏"],
    "XS": ["电动车被盗", "接到诈骗电话被骗转账", "店铺被撬", "手机被抢"],
    "JB": ["举报有人聚众赌博", "举报违法犯罪线索"],
    "HZ": ["居民楼厨房起火", "田间焚烧秸秆引发火情"],
    "TS": ["投诉民警出警不及时", "投诉民警态度生硬"],
    "ZH": ["暴雨致道路积水被困", "工地有人受伤"],
    "QT": ["工人聚集讨要工资", "群众聚集反映拆迁问题"],
}
DISPOSITION = {
    "mediated": "经现场调解,双方达成和解",
    "case_filed": "已立为刑事案件侦查",
    "case_accepted": "已受理为行政案件",
    "rescued": "已救助,当事人安全",
    "transferred": "已移交相关部门处理",
    "invalid": "经核实为无效警情",
    "other": "已处理完毕,向报警人反馈",
}
# Ratings drawn for reached callbacks: (满意 + 0.5 × 基本满意) / valid ≈ 96.3 %.
RATINGS = [("satisfied", 0.940), ("basic", 0.045), ("unsatisfied", 0.015)]
UNREACHABLE_SHARE = 0.04
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志明春梅海燕小龙德福"
MOBILE_PREFIXES = [
    "138",
    "139",
    "136",
    "137",
    "150",
    "151",
    "158",
    "159",
    "187",
    "188",
    "177",
    "180",
    "181",
    "199",
]


def _weighted(rng: random.Random, options):
    roll, acc = rng.random(), 0.0
    for value, weight in options:
        acc += weight
        if roll < acc:
            return value
    return options[-1][0]


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _received_times(
    rng: random.Random, n: int, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Call times over [start, end): more in the evening than at night, a little more in summer."""
    span = (end - start).total_seconds()
    hours = [
        0.6,
        0.4,
        0.3,
        0.25,
        0.25,
        0.35,
        0.6,
        0.9,
        1.1,
        1.2,
        1.2,
        1.2,
        1.1,
        1.0,
        1.1,
        1.2,
        1.3,
        1.4,
        1.5,
        1.6,
        1.7,
        1.6,
        1.3,
        0.9,
    ]
    top = max(hours) * 1.15
    times = []
    while len(times) < n:
        moment = start + dt.timedelta(seconds=rng.random() * span)
        local = moment + dt.timedelta(hours=8)
        weight = hours[local.hour] * (1.15 if local.month in (6, 7, 8) else 1.0)
        if rng.random() * top < weight:
            times.append(moment)
    times.sort()
    return times


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from django.utils import timezone

    from fengqiao.accounts.models import Station

    rng = random.Random(f"{seed}-incidents")
    now = timezone.now().replace(microsecond=0)
    counts: dict[str, int] = defaultdict(int)
    for code, per_year in PER_YEAR.items():
        station = Station.objects.filter(code=code).first()
        if station is None:
            continue
        total = max(1, round(per_year * YEARS / scale))
        written = _history(station, total, rng=rng, now=now)
        for key, value in written.items():
            counts[key] += value
        counts["recent"] += _open_now(
            station, rng=rng, now=now, n=max(2, min(8, round(8 * per_year / 16_000)))
        )
        log(f"    {station.name}: {written['incidents']:,} 警情, {written['callbacks']:,} 回访")
    return dict(counts)


def _staff(station):
    from fengqiao.accounts.models import User
    from fengqiao.registry.models import Community

    users = list(User.objects.filter(station=station, is_active=True).select_related("unit"))
    by_role = defaultdict(list)
    for user in users:
        by_role[user.role].append(user)
    field = [
        u
        for u in users
        if u.role in ("community_officer", "case_officer", "duty_officer", "command")
    ]
    field = field or [u for u in users if u.role != "auxiliary"] or users
    owners = defaultdict(list)
    for community in Community.objects.filter(station=station).prefetch_related("officers"):
        owners[community.pk] = [u for u in community.officers.all() if u.station_id == station.pk]
    duty = by_role["duty_officer"] or by_role["command"] or field
    callers = by_role["auxiliary"] or duty
    return field, owners, duty, callers, by_role["auxiliary"]


def _history(station, total: int, *, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType

    from fengqiao.core.models import ChangeAction, ObjectChange
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.core.workflow_models import ReferenceCounter
    from fengqiao.demo.generator import _insert
    from fengqiao.incidents.models import (
        Callback,
        CallbackAttempt,
        Incident,
        IncidentAssignment,
        IncidentCategory,
        IncidentEvent,
        Rectification,
    )
    from fengqiao.registry.models import Address, Community, Person

    categories = defaultdict(list)
    tops = {}
    for category in IncidentCategory.objects.filter(active=True).select_related("parent"):
        top = category.parent or category
        tops[category.pk] = top
        categories[top.code].append(category)
    communities = list(Community.objects.filter(station=station).order_by("pk"))
    if not communities or not categories:
        return {"incidents": 0, "callbacks": 0}
    weights = [max(1, c.persons.count()) for c in communities]
    addresses = defaultdict(list)
    for pk, text, community_id in Address.objects.filter(station=station).values_list(
        "pk", "full_text", "community_id"
    )[:40_000]:
        if len(addresses[community_id]) < 300:
            addresses[community_id].append((pk, text))
    persons = defaultdict(list)
    for pk, name, phone, community_id in (
        Person.objects.filter(station=station)
        .exclude(phone="")
        .values_list("pk", "name", "phone", "community_id")[:30_000]
    ):
        if len(persons[community_id]) < 400:
            persons[community_id].append((pk, name, phone))
    field, owners, duty, callers, auxiliaries = _staff(station)
    area = {}
    for c in communities:
        area[c.pk] = (
            "rural" if c.kind != "community" else ("suburban" if rng.random() < 0.2 else "urban")
        )

    start = now - dt.timedelta(days=365 * YEARS)
    history_end = now - dt.timedelta(hours=10)
    times = _received_times(rng, total, start, history_end)
    mix = [(code, share) for code, share in CATEGORY_MIX.items() if code in categories]
    counters: dict[int, int] = defaultdict(int)
    incidents, assignments_plan, steps = [], [], []
    for received in times:
        code = _weighted(rng, mix)
        category = rng.choice(categories[code])
        community = rng.choices(communities, weights)[0]
        kind = area[community.pk]
        year = (received + dt.timedelta(hours=8)).year
        counters[year] += 1
        caller_person = None
        roll = rng.random()
        if roll < 0.32 and persons[community.pk]:
            caller_person, caller_name, phone = rng.choice(persons[community.pk])
        elif roll < 0.9:
            caller_name, phone = _name(rng), _phone(rng)
        else:
            caller_name, phone = "", ""  # walk-in without a number, or the number withheld
        address = (
            rng.choice(addresses[community.pk])
            if addresses[community.pk] and rng.random() < 0.8
            else None
        )
        dispatched = received + dt.timedelta(seconds=rng.randint(40, 240))
        target = {"urban": 5, "suburban": 10, "rural": 30}[kind]
        travel = (
            rng.uniform(0.4, 0.95) * target
            if rng.random() < 0.97
            else rng.uniform(1.05, 1.6) * target
        )
        arrived = dispatched + dt.timedelta(minutes=travel)
        handled = arrived + dt.timedelta(minutes=rng.randint(8, 120))
        reported = handled + dt.timedelta(minutes=rng.randint(3, 40))
        closed = reported + dt.timedelta(minutes=rng.randint(5, 90))
        outcome = (
            "invalid"
            if code not in ("OT",) and rng.random() < INVALID_SHARE
            else _weighted(rng, OUTCOMES[code])
        )
        owners_here = owners.get(community.pk) or []
        lead = rng.choice(owners_here) if owners_here and rng.random() < 0.5 else rng.choice(field)
        assist = rng.choice(auxiliaries) if auxiliaries and rng.random() < 0.45 else None
        case_reference = ""
        if outcome == "case_filed":
            case_reference = f"刑-{year}-{counters[year]:06d}"
        elif outcome == "case_accepted":
            case_reference = f"行-{year}-{counters[year]:06d}"
        incidents.append(
            {
                "station_id": station.pk,
                "community_id": community.pk,
                "reference": format_reference("JQ", year, counters[year]),
                "submission_id": None,
                "source": _weighted(
                    rng,
                    [
                        ("110", 0.78),
                        ("phone", 0.08),
                        ("walk_in", 0.09),
                        ("patrol", 0.03),
                        ("online", 0.02),
                    ],
                ),
                "urgency": _weighted(rng, [("normal", 0.85), ("urgent", 0.13), ("critical", 0.02)]),
                "category_id": category.pk,
                "caller_name": caller_name,
                "caller_phone": phone,
                "caller_person_id": caller_person,
                "address_id": address[0] if address else None,
                "location": address[1]
                if address
                else f"{community.name}{rng.randint(1, 200)}号附近",
                "narrative": rng.choice(NARRATIVE.get(code, ["群众报警"])),
                "area_type": kind,
                "status": "closed",
                "received_at": received,
                "dispatched_at": dispatched,
                "arrived_at": arrived,
                "handled_at": handled,
                "reported_at": reported,
                "closed_at": closed,
                "outcome": outcome,
                "disposition": DISPOSITION[outcome],
                "assigned_unit_id": lead.unit_id,
                "case_reference": case_reference,
                "received_by_id": rng.choice(duty).pk,
            }
        )
        assignments_plan.append((lead, assist, dispatched))
        steps.append((received, dispatched, arrived, handled, reported, closed))
    ids = _insert(Incident, incidents)
    for year, last in counters.items():
        ReferenceCounter.objects.update_or_create(
            kind="JQ", station_id=station.pk, year=year, defaults={"last": last}
        )

    assignment_rows, event_rows = [], []
    kinds = ("received", "dispatched", "arrived", "handled", "reported", "closed")
    for pk, row, (lead, assist, dispatched), times_ in zip(
        ids, incidents, assignments_plan, steps, strict=True
    ):
        assignment_rows.append(
            {"incident_id": pk, "officer_id": lead.pk, "role": "lead", "assigned_at": dispatched}
        )
        if assist is not None and assist.pk != lead.pk:
            assignment_rows.append(
                {
                    "incident_id": pk,
                    "officer_id": assist.pk,
                    "role": "assist",
                    "assigned_at": dispatched,
                }
            )
        for kind, at in zip(kinds, times_, strict=True):
            data = {}
            if kind == "dispatched":
                data = {
                    "lead": lead.pk,
                    "officers": [lead.pk] + ([assist.pk] if assist else []),
                    "unit": lead.unit_id,
                }
            elif kind == "closed":
                data = {"outcome": row["outcome"]}
            actor = row["received_by_id"] if kind in ("received", "dispatched") else lead.pk
            event_rows.append(
                {
                    "incident_id": pk,
                    "kind": kind,
                    "actor_id": actor,
                    "at": at,
                    "data": json.dumps(data, ensure_ascii=False),
                    "created_at": at,
                }
            )
    _insert(IncidentAssignment, assignment_rows)

    # Callbacks: the caller of every valid incident with a phone (a victim of 刑事/治安 is the caller here).
    callback_rows, attempt_plan, pending = [], [], []
    for pk, row, (lead, _assist, _d) in zip(ids, incidents, assignments_plan, strict=True):
        if row["outcome"] == "invalid" or not row["caller_phone"]:
            continue
        local = row["caller_person_id"] is not None
        closed = row["closed_at"]
        due = _due(closed, 3 if local else 5)
        done_at = closed + dt.timedelta(hours=rng.uniform(3, 60))
        base = {
            "station_id": station.pk,
            "incident_id": pk,
            "target": "caller",
            "name": row["caller_name"],
            "phone": row["caller_phone"],
            "is_local": local,
            "unit_id": row["assigned_unit_id"],
            "officer_id": lead.pk,
            "due_at": due,
            "reason": "",
            "note": "",
            "complaint_officer_id": None,
        }
        if done_at >= now:
            pending.append(len(callback_rows))
            callback_rows.append(
                {
                    **base,
                    "status": "pending",
                    "attempts": 0,
                    "rating": "",
                    "assignee_id": None,
                    "completed_at": None,
                    "completed_by_id": None,
                }
            )
            continue
        who = rng.choice(callers)
        if rng.random() < UNREACHABLE_SHARE:
            callback_rows.append(
                {
                    **base,
                    "status": "unreachable",
                    "attempts": 3,
                    "rating": "",
                    "assignee_id": who.pk,
                    "completed_at": done_at,
                    "completed_by_id": who.pk,
                    "note": "三次拨打均未接通",
                }
            )
            attempt_plan.append((len(callback_rows) - 1, done_at, who.pk, [False, False, False]))
            continue
        rating = _weighted(rng, RATINGS)
        reason, complaint = "", None
        if rating == "unsatisfied":
            reason = rng.choice(["出警慢", "问题没有解决", "处理结果不满意", "民警态度生硬"])
            complaint = lead.pk if reason == "民警态度生硬" else None
        elif rating == "basic":
            reason = rng.choice(["", "希望处理再快一些", "调解结果基本接受"])
        tries = [False] * (1 if rng.random() < 0.12 else 0) + [True]
        callback_rows.append(
            {
                **base,
                "status": "done",
                "attempts": len(tries),
                "rating": rating,
                "reason": reason,
                "complaint_officer_id": complaint,
                "assignee_id": who.pk,
                "completed_at": done_at,
                "completed_by_id": who.pk,
            }
        )
        attempt_plan.append((len(callback_rows) - 1, done_at, who.pk, tries))
    callback_ids = _insert(Callback, callback_rows)
    attempt_rows, rectification_rows = [], []
    for index, done_at, who, tries in attempt_plan:
        for i, reached in enumerate(tries):
            at = done_at - dt.timedelta(hours=3 * (len(tries) - 1 - i))
            attempt_rows.append(
                {
                    "callback_id": callback_ids[index],
                    "at": at,
                    "by_id": who,
                    "reached": reached,
                    "note": "" if reached else "无人接听",
                }
            )
        row = callback_rows[index]
        event_rows.append(
            {
                "incident_id": row["incident_id"],
                "kind": "callback_done" if row["status"] == "done" else "callback_unreachable",
                "actor_id": who,
                "at": done_at,
                "created_at": done_at,
                "data": json.dumps(
                    {"name": row["name"], "rating": row["rating"]}
                    if row["status"] == "done"
                    else {"name": row["name"]},
                    ensure_ascii=False,
                ),
            }
        )
        if row["rating"] == "unsatisfied":
            due = _due(done_at, 5)
            fixed = done_at + dt.timedelta(days=rng.uniform(1, 6))
            open_ = fixed >= now
            rectification_rows.append(
                {
                    "station_id": station.pk,
                    "callback_id": callback_ids[index],
                    "incident_id": row["incident_id"],
                    "unit_id": row["unit_id"],
                    "status": "open" if open_ else "closed",
                    "opened_at": done_at,
                    "due_at": due,
                    "action": "" if open_ else "责任单位复盘,民警向群众说明情况并致歉",
                    "closed_at": None if open_ else fixed,
                    "closed_by_id": None if open_ else row["officer_id"],
                }
            )
    _insert(CallbackAttempt, attempt_rows)
    rectification_ids = _insert(Rectification, rectification_rows)
    _insert(IncidentEvent, event_rows)

    # What is still running gets its clock (the history's time limits are long over).
    _start_clocks(
        station,
        [callback_ids[i] for i in pending],
        [
            pk
            for pk, r in zip(rectification_ids, rectification_rows, strict=True)
            if r["status"] == "open"
        ],
    )

    ObjectChange.objects.create(
        user=None,
        user_name="系统(演示数据)",
        source="command",
        action=ChangeAction.CREATE,
        content_type=ContentType.objects.get_for_model(station.__class__),
        object_id=station.pk,
        object_repr=f"{station.name}:警情演示数据",
        station=station,
        before=None,
        after={
            "demo": True,
            "incidents": len(ids),
            "callbacks": len(callback_ids),
            "rectifications": len(rectification_ids),
        },
    )
    return {
        "incidents": len(ids),
        "events": len(event_rows),
        "callbacks": len(callback_ids),
        "rectifications": len(rectification_ids),
    }


def _due(start: dt.datetime, working_days: int) -> dt.datetime:
    from fengqiao.core import rules

    return rules.add_period(start, working_days, rules.WORKING_DAYS, holiday_rolls=True)


def _start_clocks(station, callback_ids, rectification_ids) -> None:
    from fengqiao.core.services import clock_start
    from fengqiao.incidents import rules
    from fengqiao.incidents.models import Callback, Rectification

    for callback in Callback.objects.filter(pk__in=callback_ids).select_related("incident", "unit"):
        clock = clock_start(
            obj=callback,
            kind=rules.callback_kind(is_local=callback.is_local),
            station=station,
            unit=callback.unit,
            started_at=callback.incident.closed_at,
            title=f"{callback.incident.reference} 回访{callback.name}",
        )
        Callback.objects.filter(pk=callback.pk).update(due_at=clock.due_at)
    for rectification in Rectification.objects.filter(pk__in=rectification_ids).select_related(
        "incident", "unit"
    ):
        clock = clock_start(
            obj=rectification,
            kind=rules.RECTIFICATION,
            station=station,
            unit=rectification.unit,
            started_at=rectification.opened_at,
            title=f"{rectification.incident.reference} 不满意整改",
        )
        Rectification.objects.filter(pk=rectification.pk).update(due_at=clock.due_at)


def _open_now(station, *, rng: random.Random, now: dt.datetime, n: int) -> int:
    """A few incidents of the current shift, still open at various steps, and three closed this
    morning whose callers wait for their callback (all through the services)."""
    from fengqiao.incidents import services
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.registry.models import Community

    field, owners, duty, _callers, _aux = _staff(station)
    communities = list(Community.objects.filter(station=station).order_by("pk"))
    if not communities or not field:
        return 0
    codes = ["JF-LL", "QZ-KS", "ZA-DO", "JT-SG", "XS-DQ", "JF-JT", "QZ-ZR", "ZA-RM"]
    created = 0
    for i in range(n):
        category = IncidentCategory.objects.filter(code=codes[i % len(codes)]).first()
        if category is None:
            continue
        community = rng.choice(communities)
        received = now - dt.timedelta(minutes=rng.randint(20, 300))
        incident = services.incident_receive(
            actor=rng.choice(duty),
            station=station,
            category=category,
            received_at=received,
            caller_name=_name(rng),
            caller_phone=_phone(rng),
            community=community,
            location=f"{community.name}{rng.randint(1, 120)}号",
            narrative=rng.choice(NARRATIVE[category.top.code]),
            area_type="rural" if community.kind != "community" else "urban",
        )
        created += 1
        step = i % 4  # 0: not yet dispatched, 1: dispatched, 2: arrived, 3: handled
        if step == 0:
            continue
        officers = owners.get(community.pk) or [rng.choice(field)]
        at = received + dt.timedelta(minutes=2)
        services.incident_dispatch(actor=None, incident=incident, officers=officers[:1], at=at)
        if step >= 2:
            services.incident_arrive(actor=None, incident=incident, at=at + dt.timedelta(minutes=4))
        if step >= 3:
            services.incident_handle(
                actor=None, incident=incident, note="现场处置中", at=at + dt.timedelta(minutes=15)
            )
    # closed this morning: their callers wait in the callback queue (with their clocks)
    for i in range(3):
        community = rng.choice(communities)
        received = now - dt.timedelta(hours=8 - i)
        incident = services.incident_receive(
            actor=rng.choice(duty),
            station=station,
            category=IncidentCategory.objects.get(code=codes[i]),
            received_at=received,
            caller_name=_name(rng),
            caller_phone=_phone(rng),
            community=community,
            location=f"{community.name}{rng.randint(1, 120)}号",
            narrative="群众报警",
        )
        officers = owners.get(community.pk) or [rng.choice(field)]
        step = dt.timedelta(minutes=3)
        services.incident_dispatch(
            actor=None, incident=incident, officers=officers[:1], at=received + step
        )
        services.incident_arrive(actor=None, incident=incident, at=received + 2 * step)
        services.incident_handle(actor=None, incident=incident, at=received + 10 * step)
        services.incident_report(actor=None, incident=incident, at=received + 12 * step)
        services.incident_close(
            actor=None,
            incident=incident,
            outcome="mediated" if i != 1 else "rescued",
            disposition="已处理完毕,向报警人反馈",
            at=received + 14 * step,
        )
        created += 1
    return created
