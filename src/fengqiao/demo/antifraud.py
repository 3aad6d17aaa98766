"""Demo data of the anti-fraud part: fraud cases and warnings 2022–2026, dissuasion records, publicity.

The fraud cases of 玉津派出所 are written so that the article's figure comes out of the records
themselves: 2022 → 2023 cases 75 → 44 (−41.3 %) and losses ¥4,200,000.00 → ¥1,797,600.00 (−57.2 %).
Case counts are not divided by `scale` (they are small and the figure must hold at any scale); the
warnings are (玉津 about 500–1,300 a year at full scale). History is written with bulk inserts and
closed (no clocks: those deadlines are long over); a few warnings of the last hours go through the
services, so the list, the work queue and the command room show live work with running clocks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

# station code → year → (fraud cases, total loss in yuan). 2026 runs to the demo's "today".
CASES = {
    "511123-YJ": {
        2022: (75, "4200000.00"),
        2023: (44, "1797600.00"),
        2024: (38, "1512000.00"),
        2025: (31, "1186000.00"),
        2026: (27, "905000.00"),
    },
    "511123-QX": {
        2022: (14, "610000.00"),
        2023: (11, "402000.00"),
        2024: (9, "356000.00"),
        2025: (8, "298000.00"),
        2026: (6, "187000.00"),
    },
}
WARNINGS_PER_YEAR = {
    "511123-YJ": {2022: 500, 2023: 900, 2024: 1100, 2025: 1300, 2026: 1200},
    "511123-QX": {2022: 80, 2023: 120, 2024: 150, 2025: 170, 2026: 160},
}
TYPE_MIX = [
    ("刷单返利", 0.30),
    ("虚假投资理财", 0.16),
    ("冒充客服", 0.13),
    ("虚假贷款", 0.12),
    ("冒充公检法", 0.09),
    ("网络游戏交易", 0.07),
    ("婚恋交友", 0.08),
    ("其他", 0.05),
]
LEVEL_MIX = [("high", 0.2), ("medium", 0.35), ("low", 0.45)]
# first contact, in minutes after receipt: (on time range, late range) per level; late share 5 %.
CONTACT = {
    "high": ((3, 28), (31, 70)),
    "medium": ((8, 110), (125, 240)),
    "low": ((30, 1300), (1450, 2400)),
}
OUTCOME_MIX = [("dissuaded", 0.80), ("false_alarm", 0.08), ("unreachable", 0.05), ("refused", 0.04)]
RESULTS = {
    "phone": [
        "电话联系本人,讲解刷单诈骗手法,本人表示不再操作",
        "电话未接通",
        "电话联系本人,已停止转账",
        "本人称系正常投资,经讲解后同意卸载APP",
    ],
    "visit": [
        "上门见到本人,查看手机发现可疑APP并协助卸载",
        "上门劝阻,本人已醒悟",
        "上门未见到本人,留下联系卡",
    ],
    "family": ["联系其子女,由家属陪同劝阻", "联系配偶,共同劝阻成功"],
}
PLACES = [
    ("江湾壹号反诈广场", 0.0, 0.0),
    ("玉津镇农贸市场", 0.004, -0.006),
    ("犍为县第一中学", -0.006, 0.004),
    ("西街社区活动室", 0.002, 0.007),
    ("滨江公园", -0.003, -0.008),
    ("玉津派出所警民服务站", 0.001, 0.002),
    ("城北商业街", 0.008, 0.003),
    ("新民村村委会", -0.011, 0.012),
]
ACTIVITIES_PER_YEAR = {"511123-YJ": 48, "511123-QX": 12}
CONTENTS = [
    (
        "slogan",
        "养老钱要保管好",
        "大爷大妈,养老钱要保管好哦!接到陌生电话多核实,千万不要被骗了!",
        "江湾壹号反诈长廊",
    ),
    (
        "slogan",
        "刷单就是诈骗",
        "刷单这个东西搞不得哈,骗子返点小钱给你,等你上钩了就骗你大钱跑了。",
        "江湾壹号反诈长廊",
    ),
    (
        "slogan",
        "公检法不会电话办案",
        "公检法机关不会通过电话办案,更不会要求转账到“安全账户”。",
        "西街社区宣传栏",
    ),
    (
        "case",
        "网购退款骗局",
        "居民张某接到自称快递客服电话,称包裹丢失可双倍赔偿,按提示开通“备用金”后被骗2.3万元。",
        "反诈科普专栏",
    ),
    (
        "case",
        "投资理财“导师”",
        "居民李某被拉入“炒股群”,在“导师”带领下充值投资,先小赚后被骗18万元。",
        "反诈科普专栏",
    ),
    (
        "article",
        "识别虚假贷款",
        "凡是贷款前要求先交“保证金”“解冻费”的,都是诈骗。",
        "江湾壹号反诈广场",
    ),
]


def _weighted(rng, options):
    roll, acc = rng.random(), 0.0
    for value, weight in options:
        acc += weight
        if roll < acc:
            return value
    return options[-1][0]


def _split(total: Decimal, n: int, rng) -> list[Decimal]:
    """n positive amounts (fen precision) that add up to exactly `total`, skewed like real losses."""
    weights = [rng.paretovariate(1.6) for _ in range(n)]
    scale = sum(weights)
    cent = Decimal("0.01")
    amounts = [
        max(cent, (total * Decimal(w / scale)).quantize(cent, rounding=ROUND_DOWN)) for w in weights
    ]
    amounts[-1] += total - sum(amounts)
    return amounts


def _day_in(rng, year: int, today: dt.date) -> dt.date:
    start = dt.date(year, 1, 1)
    end = min(dt.date(year, 12, 31), today)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from django.utils import timezone

    from fengqiao.accounts.models import Station

    rng = random.Random(f"{seed}-antifraud")
    now = timezone.now().replace(microsecond=0)
    counts: dict[str, int] = defaultdict(int)
    for code in CASES:
        station = Station.objects.filter(code=code).first()
        if station is None:
            continue
        written = _station(station, code, scale=scale, rng=rng, now=now)
        for key, value in written.items():
            counts[key] += value
        log(
            f"    {station.name}: {written['warnings']:,} 预警, {written['cases']:,} 诈骗案件, "
            f"{written['activities']:,} 宣传活动"
        )
    return dict(counts)


def _station(station, code, *, scale, rng, now) -> dict[str, int]:
    from fengqiao.accounts.models import User
    from fengqiao.antifraud.models import FraudType
    from fengqiao.registry.models import Community, Person

    today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    types = {t.name: t for t in FraudType.objects.all()}
    if not types:
        return {"warnings": 0, "cases": 0, "activities": 0}
    communities = list(
        Community.objects.filter(station=station).prefetch_related("officers").order_by("pk")
    )
    users = list(User.objects.filter(station=station, is_active=True))
    field = [u for u in users if u.role in ("community_officer", "case_officer")] or users
    if not communities or not users:
        return {"warnings": 0, "cases": 0, "activities": 0}
    owners = {
        c.pk: [u for u in c.officers.all() if u.station_id == station.pk] for c in communities
    }
    persons = list(
        Person.objects.filter(station=station)
        .exclude(phone="")
        .values_list("pk", "name", "phone", "id_number", "community_id")[:20_000]
    )
    cases = _cases(station, code, types, communities, field, rng=rng, today=today)
    warnings = _warnings(
        station,
        code,
        types,
        communities,
        owners,
        field,
        persons,
        cases,
        scale=scale,
        rng=rng,
        now=now,
    )
    activities = _publicity(station, code, communities, field, rng=rng, today=today)
    live = _live(station, types, persons, rng=rng, now=now) if persons else 0
    return {"warnings": warnings + live, "cases": len(cases), "activities": activities}


def _cases(station, code, types, communities, field, *, rng, today):
    from fengqiao.antifraud.models import FraudCase
    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.core.workflow_models import ReferenceCounter

    rows = []
    for year, (n, total) in CASES[code].items():
        if year > today.year:
            continue
        days = sorted(_day_in(rng, year, today) for _ in range(n))
        for i, (day, loss) in enumerate(
            zip(days, _split(Decimal(total), n, rng), strict=True), start=1
        ):
            solved = rng.random() < 0.4
            rows.append(
                FraudCase(
                    station=station,
                    community=rng.choice(communities),
                    reference=format_reference("ZP", year, i),
                    occurred_on=day,
                    fraud_type=types[_weighted(rng, TYPE_MIX)],
                    victim_name="",
                    loss=loss,
                    solved=solved,
                    suspects_caught=rng.randint(1, 3) if solved else 0,
                    officer=rng.choice(field),
                    note="电信网络诈骗",
                )
            )
        ReferenceCounter.objects.update_or_create(
            kind="ZP", station_id=station.pk, year=year, defaults={"last": n}
        )
    created = FraudCase.objects.bulk_create(rows, batch_size=1000)
    log_bulk(created, ChangeAction.CREATE, source="system")
    return created


def _warnings(
    station, code, types, communities, owners, field, persons, cases, *, scale, rng, now
) -> int:
    from fengqiao.antifraud.models import DissuasionAttempt, FraudCase, Warning, WarningEvent
    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.core.workflow_models import ReferenceCounter

    by_community = {c.pk: c for c in communities}
    history_end = now - dt.timedelta(days=2)
    cases_by_year = defaultdict(list)
    for case in cases:
        cases_by_year[case.occurred_on.year].append(case)
    plans = []
    for year, per_year in WARNINGS_PER_YEAR[code].items():
        start = dt.datetime(year, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8)
        end = min(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8), history_end)
        if end <= start:
            continue
        fraction = (end - start) / dt.timedelta(days=365)
        n = max(3, round(per_year * min(1.0, fraction) / scale))
        seconds = int((end - start).total_seconds())
        times = sorted(start + dt.timedelta(seconds=rng.randrange(seconds)) for _ in range(n))
        year_cases = list(cases_by_year[year])
        rng.shuffle(year_cases)
        defrauded = set(rng.sample(range(n), min(len(year_cases), max(1, round(n * 0.03)))))
        for i, received in enumerate(times, start=1):
            plans.append(
                (year, i, received, year_cases.pop() if i - 1 in defrauded and year_cases else None)
            )
        ReferenceCounter.objects.update_or_create(
            kind="FZ", station_id=station.pk, year=year, defaults={"last": n}
        )

    warnings, extras = [], []
    for year, number, received, case in plans:
        level = _weighted(rng, LEVEL_MIX)
        if persons and rng.random() < 0.88:
            _pk, name, phone, id_number, community_id = rng.choice(persons)
            person_id, method = _pk, ("phone" if rng.random() < 0.85 else "id_number")
            id_number = id_number if method == "id_number" or rng.random() < 0.3 else ""
        else:
            community_id = rng.choice(communities).pk
            person_id, method, id_number = None, "address", ""
            name, phone = (
                rng.choice("王李张刘陈杨") + rng.choice("芳强伟敏静丽"),
                f"13{rng.randrange(10**9):09d}",
            )
        community = by_community[community_id]
        officer = rng.choice(owners.get(community_id) or field)
        on_time, late = CONTACT[level]
        span = late if rng.random() < 0.05 else on_time
        contact = received + dt.timedelta(minutes=rng.uniform(*span))
        limit = {"high": 30, "medium": 120, "low": 1440}[level]
        outcome = "defrauded" if case is not None else _weighted(rng, OUTCOME_MIX)
        closed = contact + dt.timedelta(minutes=rng.randint(5, 600))
        protected = (
            Decimal(rng.choice([0, 0, 2000, 5000, 10000, 30000, 50000, 120000]))
            if outcome == "dissuaded"
            else 0
        )
        warnings.append(
            Warning(
                station=station,
                reference=format_reference("FZ", year, number),
                external_id=f"ZX-{year}-{number:06d}",
                name=name,
                phone=phone,
                id_number=id_number,
                address_text="",
                risk_level=level,
                fraud_type=case.fraud_type if case else types[_weighted(rng, TYPE_MIX)],
                content="反诈中心研判:疑似接触诈骗分子",
                received_at=received,
                source=_weighted(rng, [("import", 0.7), ("api", 0.2), ("manual", 0.1)]),
                person_id=person_id,
                community=community,
                match_method=method,
                officer=officer,
                assigned_at=received,
                contact_due_at=received + dt.timedelta(minutes=limit),
                first_contact_at=contact,
                status="closed",
                outcome=outcome,
                outcome_at=closed,
                outcome_note="",
                amount_protected=protected,
            )
        )
        extras.append((case, contact, closed, officer))
    created = Warning.objects.bulk_create(warnings, batch_size=1000)

    attempts, events, linked = [], [], []
    for w, (case, contact, closed, officer) in zip(created, extras, strict=True):
        method = _weighted(rng, [("phone", 0.8), ("visit", 0.15), ("family", 0.05)])
        steps = [(method, contact)]
        if w.outcome in ("unreachable", "refused") or rng.random() < 0.25:
            steps.append(("visit", contact + (closed - contact) / 2))
        events.append(
            WarningEvent(
                warning=w,
                kind="received",
                at=w.received_at,
                data={
                    "source": w.source,
                    "method": w.match_method,
                    "community": w.community.name,
                    "officer": officer.pk,
                    "officer_name": officer.display_name,
                },
            )
        )
        for kind, at in steps:
            reached = w.outcome not in ("unreachable",)
            checklist = (
                {
                    "app": True,
                    "chat": True,
                    "calls": True,
                    "transfers": True,
                    "suspicious_call": True,
                    "stranger": True,
                    "paid": True,
                }
                if kind == "visit" and reached
                else {}
            )
            result = rng.choice(RESULTS[kind])
            attempts.append(
                DissuasionAttempt(
                    warning=w,
                    method=kind,
                    at=at,
                    officer=officer,
                    reached=reached,
                    result=result,
                    checklist=checklist,
                )
            )
            events.append(
                WarningEvent(
                    warning=w,
                    kind="attempt",
                    actor=officer,
                    at=at,
                    data={"method": kind, "reached": reached, "result": result},
                )
            )
        events.append(
            WarningEvent(
                warning=w,
                kind="outcome",
                actor=officer,
                at=closed,
                data={"outcome": w.outcome, "amount_protected": str(w.amount_protected)},
            )
        )
        if case is not None:
            case.warning, case.community, case.victim_name = w, w.community, w.name
            linked.append(case)
    attempts = DissuasionAttempt.objects.bulk_create(attempts, batch_size=2000)
    WarningEvent.objects.bulk_create(events, batch_size=2000)
    FraudCase.objects.bulk_update(linked, ["warning", "community", "victim_name"], batch_size=500)
    duplicates = rng.sample(created, max(1, len(created) // 50)) if created else []
    merged = []
    counters = defaultdict(
        int,
        {
            y: last
            for y, last in ReferenceCounter.objects.filter(
                kind="FZ", station_id=station.pk
            ).values_list("year", "last")
        },
    )
    for w in duplicates:
        year = (w.received_at + dt.timedelta(hours=8)).year
        counters[year] += 1
        merged.append(
            Warning(
                station=station,
                reference=format_reference("FZ", year, counters[year]),
                name=w.name,
                phone=w.phone,
                id_number=w.id_number,
                risk_level=w.risk_level,
                fraud_type=w.fraud_type,
                content=w.content,
                received_at=w.received_at + dt.timedelta(minutes=rng.randint(5, 300)),
                source="import",
                person_id=w.person_id,
                community_id=w.community_id,
                match_method=w.match_method,
                officer_id=w.officer_id,
                assigned_at=w.assigned_at,
                status="merged",
                merged_into=w,
            )
        )
    merged = Warning.objects.bulk_create(merged, batch_size=1000)
    for year, last in counters.items():
        ReferenceCounter.objects.filter(kind="FZ", station_id=station.pk, year=year).update(
            last=last
        )
    log_bulk(created + merged, ChangeAction.CREATE, source="system")
    log_bulk(attempts, ChangeAction.CREATE, source="system")
    return len(created) + len(merged)


def _live(station, types, persons, *, rng, now) -> int:
    """A few warnings of the last hours, through the services: assigned, clocks running, notifications sent."""
    from fengqiao.antifraud import services
    from fengqiao.antifraud.models import Warning

    n = 6 if station.code == "511123-YJ" else 2
    made = 0
    for i in range(n):
        _pk, name, phone, _id, _c = rng.choice(persons)
        if Warning.objects.filter(station=station, phone=phone).exists():
            continue
        level = ("high", "medium", "low")[i % 3]
        warning = services.warning_receive(
            actor=None,
            station=station,
            name=name,
            phone=phone,
            risk_level=level,
            fraud_type=types[_weighted(rng, TYPE_MIX)],
            received_at=now - dt.timedelta(minutes=5 + 37 * i),
            source="api",
            external_id=f"ZX-LIVE-{station.code}-{i}",
            content="反诈中心研判:疑似正在被骗",
            now=now,
        )
        if i % 2 and warning.officer_id:
            services.attempt_record(
                actor=warning.officer,
                warning=warning,
                method="phone",
                reached=True,
                result="电话联系本人,正在劝阻",
                at=now - dt.timedelta(minutes=2),
            )
        made += 1
    return made


def _publicity(station, code, communities, field, *, rng, today) -> int:
    from fengqiao.antifraud.models import ContentUpdate, PublicityActivity, PublicityContent
    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction

    lat0 = station.latitude or 29.21
    lon0 = station.longitude or 103.95
    rows = []
    for year in range(2022, today.year + 1):
        for _ in range(ACTIVITIES_PER_YEAR[code]):
            day = _day_in(rng, year, today)
            if code == "511123-YJ" and rng.random() < 0.4:
                place, dlat, dlon = PLACES[0]
            else:
                place, dlat, dlon = rng.choice(PLACES[1:] if code == "511123-YJ" else PLACES[2:])
                place = place if code == "511123-YJ" else f"清溪{place}"
            kind = (
                "square"
                if "广场" in place or "市场" in place
                else rng.choice(["lecture", "door", "school", "other"])
            )
            rows.append(
                PublicityActivity(
                    station=station,
                    community=rng.choice(communities),
                    date=day,
                    place=place,
                    kind=kind,
                    audience=rng.randint(30, 400),
                    officer=rng.choice(field),
                    latitude=round(lat0 + dlat + rng.uniform(-0.0004, 0.0004), 6),
                    longitude=round(lon0 + dlon + rng.uniform(-0.0004, 0.0004), 6),
                    note="发放反诈宣传资料,讲解典型案例,推广国家反诈中心APP",
                )
            )
    created = PublicityActivity.objects.bulk_create(rows, batch_size=1000)
    contents = []
    if code == "511123-YJ":
        stamp = dt.datetime(today.year, 1, 1, tzinfo=dt.UTC)
        for kind, title, body, place in CONTENTS:
            contents.append(
                PublicityContent.objects.create(
                    station=station,
                    kind=kind,
                    title=title,
                    body=body,
                    place=place,
                    updated_at=stamp,
                    updated_by=rng.choice(field),
                )
            )
        ContentUpdate.objects.create(
            content=contents[1],
            at=stamp,
            actor=contents[1].updated_by,
            previous_title="刷单有风险",
            previous_body="刷单有风险,参与需谨慎。",
            note="原标语表述不准确:刷单本身就是诈骗",
        )
    log_bulk(created, ChangeAction.CREATE, source="system")
    return len(created)
