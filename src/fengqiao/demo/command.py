"""Demo data of the command room at 玉津派出所: two shifts a day (白班 08:30–20:30, 夜班 20:30–08:30),
two 值班民警, one 指挥室 officer and three 值班辅警 on each, for the last two weeks and the next two
(drawn from the station's 31 police and 41 auxiliary officers; the demo logins 刘洋 and 冯刚 are on
today's day shift); the 周带班所领导 rotating over the station leaders; swaps (one waiting, one
approved); cameras and patrol points of the station's real places (江湾壹号, 西街, 城市之眼, 犍为长城 …)
playing DEMO_STREAM_URL; three days of video-patrol rounds every two hours with a few findings; and
the wall's alerts for the open incidents and red disputes of the last day. Bulk inserts throughout."""

from __future__ import annotations

import datetime as dt
import random

# The app's own generated test pattern (command/demostream.py, made by `fengqiao rundemo`): plays offline.
DEMO_STREAM_URL = "/command/demo-stream/index.m3u8"
PLACES = [
    # name, place, community, lat, lng, key point
    ("江湾壹号", "江湾壹号小区反诈广场", "滨江社区", 29.2046, 103.9521, True),
    ("西街", "西街老街口(房屋30年以上)", "西街社区", 29.2228, 103.9402, True),
    ("城市之眼", "城市之眼商业广场", "新民社区", 29.2139, 103.9488, True),
    ("犍为长城", "长城村 犍为长城景区入口", "长城村", 29.2371, 103.9301, True),
    ("玉津大桥", "玉津大桥北桥头", "岷江社区", 29.2101, 103.9555, True),
    ("客运站", "玉津客运站广场", "城南社区", 29.1958, 103.9473, True),
    ("文庙", "文庙街 文庙广场", "文庙社区", 29.2150, 103.9440, False),
    ("老派出所", "老所前进警务站门口", "北街社区", 29.2170, 103.9410, False),
]
FINDINGS = [
    "广场聚集约20人,疑似纠纷",
    "路口车辆违停堵塞通道",
    "老街电线老化冒烟",
    "有人翻越景区护栏",
    "摊贩占道经营引发争执",
]


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from fengqiao.accounts.models import Station

    rng = random.Random(f"{seed}-command")
    station = Station.objects.filter(code="511123-YJ").first()
    if station is None:
        return {}
    counts = _station(station, rng)
    log(
        f"    {station.name}: {counts['assignments']:,} 值班安排, {counts['cameras']} 摄像头, "
        f"{counts['checks']:,} 巡查记录, {counts['alerts']} 告警"
    )
    return counts


def _station(station, rng) -> dict[str, int]:
    from django.utils import timezone

    from fengqiao.accounts.models import User
    from fengqiao.command import rules
    from fengqiao.command.models import (
        Alert,
        Camera,
        DutyAssignment,
        LeaderWeek,
        PatrolCheck,
        PatrolPoint,
        PatrolRound,
        Shift,
        SwapRequest,
    )
    from fengqiao.registry.models import Community

    if Shift.objects.filter(station=station).exists():
        return {"assignments": 0, "cameras": 0, "checks": 0, "alerts": 0}
    now = timezone.now().replace(microsecond=0)
    today = now.astimezone(rules.TZ).date()
    users = list(User.objects.filter(station=station, is_active=True).order_by("pk"))
    leaders = [u for u in users if u.role == "station_leader"]
    police = [u for u in users if u.rank == "police" and u.role != "station_leader"]
    auxiliary = [u for u in users if u.rank == "auxiliary"]
    command = [u for u in users if u.role == "command"] or police[:3]
    duty = [u for u in users if u.role == "duty_officer"]
    others = [u for u in police if u.role not in ("command", "duty_officer")]
    first = {u.username: u for u in users}
    day_shift = Shift.objects.create(
        station=station, name="白班", starts=dt.time(8, 30), ends=dt.time(20, 30), sort=1
    )
    night_shift = Shift.objects.create(
        station=station, name="夜班", starts=dt.time(20, 30), ends=dt.time(8, 30), sort=2
    )
    rows = []
    start = today - dt.timedelta(days=14)
    for offset in range(28):
        day = start + dt.timedelta(days=offset)
        for shift_index, shift in enumerate((day_shift, night_shift)):
            turn = offset * 2 + shift_index
            duty_pool = duty + others
            on = [
                duty_pool[(turn * 2) % len(duty_pool)],
                duty_pool[(turn * 2 + 1) % len(duty_pool)],
            ]
            cmd = command[turn % len(command)]
            if day == today and shift is day_shift:
                on = [
                    first.get("liuyang", on[0]),
                    on[1] if on[1] != first.get("liuyang") else on[0],
                ]
                cmd = first.get("fenggang", cmd)
            seen = set()
            for user in on:
                if user.pk not in seen:
                    seen.add(user.pk)
                    rows.append(
                        DutyAssignment(
                            station=station, day=day, shift=shift, post="duty", user=user
                        )
                    )
            if cmd.pk not in seen:
                seen.add(cmd.pk)
                rows.append(
                    DutyAssignment(station=station, day=day, shift=shift, post="command", user=cmd)
                )
            for k in range(3):
                aux = auxiliary[(turn * 3 + k) % len(auxiliary)] if auxiliary else None
                if aux is not None and aux.pk not in seen:
                    seen.add(aux.pk)
                    rows.append(
                        DutyAssignment(
                            station=station, day=day, shift=shift, post="auxiliary", user=aux
                        )
                    )
    DutyAssignment.objects.bulk_create(rows, batch_size=1000)
    weeks = []
    monday = rules.week_start(today)
    leader_order = (
        [first["chenweidong"]] + [u for u in leaders if u.username != "chenweidong"]
        if "chenweidong" in first
        else leaders
    )
    for w in range(-3, 4):
        if leader_order:
            weeks.append(
                LeaderWeek(
                    station=station,
                    week_start=monday + dt.timedelta(days=7 * w),
                    leader=leader_order[w % len(leader_order)],
                )
            )
    LeaderWeek.objects.bulk_create(weeks)
    future = list(
        DutyAssignment.objects.filter(
            station=station, day__gt=today + dt.timedelta(days=2), post="duty"
        ).select_related("user")[:2]
    )
    if len(future) == 2 and len(police) > 5:
        spare = next(p for p in police if p.pk not in (future[0].user_id, future[1].user_id))
        SwapRequest.objects.create(
            station=station,
            assignment=future[0],
            requested_by=future[0].user,
            replacement=spare,
            reason="家中老人住院,需陪护",
        )
        SwapRequest.objects.create(
            station=station,
            assignment=future[1],
            requested_by=future[1].user,
            replacement=spare,
            reason="参加县局业务培训",
            status="rejected",
            decided_by=leader_order[0] if leader_order else None,
            decided_at=now - dt.timedelta(days=1),
            decision_note="培训已改期,请按原排班值班",
        )
    communities = {c.name: c for c in Community.objects.filter(station=station)}
    cameras, points = [], []
    for i, (name, place, community, lat, lng, _key) in enumerate(PLACES):
        cameras.append(
            Camera(
                station=station,
                name=f"{name}-{'全景' if i % 2 == 0 else '路口'}",
                place=place,
                community=communities.get(community),
                latitude=lat,
                longitude=lng,
                stream_kind="hls",
                stream_url=DEMO_STREAM_URL,
            )
        )
    Camera.objects.bulk_create(cameras)
    for i, (name, place, community, _lat, _lng, key) in enumerate(PLACES):
        points.append(
            PatrolPoint(
                station=station,
                name=name,
                place=place,
                community=communities.get(community),
                is_key=key,
                interval_minutes=30 if key else 120,
                sort=i,
            )
        )
    PatrolPoint.objects.bulk_create(points)
    through = PatrolPoint.cameras.through
    through.objects.bulk_create(
        [through(patrolpoint_id=p.pk, camera_id=c.pk) for p, c in zip(points, cameras, strict=True)]
    )
    rounds, checks = [], []
    watchers = command + auxiliary[:6]
    for hours_ago in range(72, 0, -2):
        at = now - dt.timedelta(hours=hours_ago)
        rounds.append(
            PatrolRound(
                station=station,
                started_by=rng.choice(watchers),
                started_at=at,
                finished_at=at + dt.timedelta(minutes=12),
            )
        )
    PatrolRound.objects.bulk_create(rounds)
    last = {}
    for r in rounds:
        for j, (p, c) in enumerate(zip(points, cameras, strict=True)):
            at = r.started_at + dt.timedelta(minutes=j + 1)
            finding = rng.random() < 0.03
            checks.append(
                PatrolCheck(
                    station=station,
                    patrol_round=r,
                    point=p,
                    camera=c,
                    by=r.started_by,
                    at=at,
                    result="finding"
                    if finding
                    else ("no_signal" if rng.random() < 0.01 else "normal"),
                    note=rng.choice(FINDINGS) if finding else "",
                )
            )
            last[p.pk] = at
    for check in checks:
        if check.result == "no_signal":
            check.note = "画面无信号,已报视频平台运维"
    PatrolCheck.objects.bulk_create(checks, batch_size=1000)
    for p in points:
        PatrolPoint.objects.filter(pk=p.pk).update(last_checked_at=last.get(p.pk))
    alerts = _alerts(station, now)
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    return {
        "assignments": len(rows),
        "cameras": len(cameras),
        "checks": len(checks),
        "alerts": len(alerts),
    }


def _alerts(station, now) -> list:
    """The wall's alerts of the last day: open incidents and open red disputes (some acknowledged)."""
    from fengqiao.command import rules
    from fengqiao.command.models import Alert
    from fengqiao.disputes.models import Dispute
    from fengqiao.disputes.selectors import OPEN_STATUSES
    from fengqiao.incidents.models import Incident

    since = now - dt.timedelta(hours=24)
    out = []
    for i in Incident.objects.filter(station=station, received_at__gte=since).select_related(
        "category__parent", "community"
    ):
        out.append(
            Alert(
                station=station,
                kind="incident",
                source_kind="incidents.incident",
                source_id=i.pk,
                group_key=rules.group_key(
                    "incident", community_id=i.community_id, subject=i.category.top.code
                ),
                level="red" if i.urgency != "normal" else "orange",
                title=f"{i.reference} {i.category}",
                body=i.location[:300],
                url=i.get_absolute_url(),
                community_id=i.community_id,
                latitude=i.community.latitude if i.community_id else None,
                longitude=i.community.longitude if i.community_id else None,
                first_seen_at=i.received_at,
                last_seen_at=i.received_at,
                acknowledged_at=None
                if i.status != "closed"
                else i.received_at + dt.timedelta(minutes=2),
                acknowledged_by=i.received_by if i.status == "closed" else None,
            )
        )
    for d in Dispute.objects.filter(
        station=station, level="red", status__in=OPEN_STATUSES
    ).select_related("dispute_type")[:20]:
        out.append(
            Alert(
                station=station,
                kind="dispute_red",
                source_kind="disputes.dispute",
                source_id=d.pk,
                group_key=rules.group_key("dispute_red", community_id=d.community_id),
                level="red",
                title=f"{d.reference} {d.dispute_type} 红色预警",
                url=d.get_absolute_url(),
                community_id=d.community_id,
                first_seen_at=max(d.registered_at, since),
                last_seen_at=max(d.registered_at, since),
            )
        )
    return out
