"""Demo data of 矛盾纠纷 for 玉津派出所 (demo/generator.py calls `load` after the registry, the staff
and the incidents exist; it does not need the incidents).

- The studio's 16-year record: 3,267 disputes mediated by 范贤成金牌调解工作室, over 99 % settled, every
  agreement term performed. Compact records: the file, two parties, the written agreement and one
  performed term (no sessions or timeline) — enough for the studio page and the rates.
- Since 2023: 83 disputes settled in the communities (社区村组联调, 老辈子调解群, 小区睦邻调解会 …) and
  52 dispute calls settled at the duty desk (治安调解, linked to a 纠纷 incident when the incidents demo
  has one), each with a session, an agreement and its terms performed.
- A few open files: red ones with their 一案一策 plan, orange ones with an owner, agreements being
  performed (terms due), written through the services so clocks and notifications exist.
- Daily screening: the last 14 days of calls to every liaison point (a few missed).

`scale` divides the counts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

STATION_CODE = "511123-YJ"
STUDIO_TOTAL = 3267
STUDIO_YEARS = 16
STUDIO_FAILED_RATE = 0.008  # 99.2 % settled
COMMUNITY_SINCE_2023 = 83
DUTY_DESK_SINCE_2023 = 52
SCREENING_DAYS = 14

TYPE_WEIGHTS = [
    ("marriage", 30),
    ("neighbour", 30),
    ("damages", 18),
    ("tenancy", 5),
    ("labour", 5),
    ("contract", 5),
    ("property", 4),
    ("land", 2),
    ("other", 1),
]
COMMUNITY_CHANNELS = ["village", "elders", "neighbours", "trade", "jiannn"]
GIVEN = "建华 秀英 桂兰 志强 国平 淑芬 德明 玉珍 海军 丽萍 光荣 素琴 永福 春梅 学军 红英 大勇 翠芳 明亮 小兰".split()
STORIES = {
    "marriage": ("夫妻因家务和子女抚养问题多次争吵", "双方互谅互让,男方承担子女学费"),
    "neighbour": ("两家因排水沟、院坝界线发生争吵", "疏通排水沟,按原界线恢复"),
    "damages": ("因电瓶车刮擦致一方受轻微伤,就医药费发生争执", "一次性赔偿医药费及误工费"),
    "tenancy": ("租客提前退租,双方就押金退还发生争执", "房东退还押金"),
    "labour": ("务工人员与包工头就工钱结算发生争执", "按约定结清工钱"),
    "contract": ("熟人之间借款到期未还发生争执", "分期归还借款"),
    "property": ("业主与物业因漏水维修责任发生争执", "物业负责维修"),
    "land": ("相邻两户因承包地边界发生争执", "按原确权界线栽桩"),
    "other": ("邻居因噪音问题发生口角", "约定作息时间"),
}


def _pick(rng, weights):
    total = sum(w for _k, w in weights)
    r = rng.uniform(0, total)
    for key, w in weights:
        r -= w
        if r <= 0:
            return key
    return weights[-1][0]


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from django.utils import timezone

    from fengqiao.accounts.models import Station
    from fengqiao.disputes.defaults import load_defaults

    load_defaults()
    station = Station.objects.filter(code=STATION_CODE).first()
    if station is None:
        return {}
    rng = random.Random(f"{seed}-disputes")
    now = timezone.now().replace(microsecond=0)
    counts: dict[str, int] = defaultdict(int)
    ctx = _context(station)
    if not ctx["communities"]:
        return {}
    counts["studio"] = _studio_history(station, ctx, rng, now, max(1, round(STUDIO_TOTAL / scale)))
    counts["communities"] = _recent(
        station, ctx, rng, now, max(1, round(COMMUNITY_SINCE_2023 / scale)), duty=False
    )
    counts["duty_desk"] = _recent(
        station, ctx, rng, now, max(1, round(DUTY_DESK_SINCE_2023 / scale)), duty=True
    )
    counts["open"] = _open_files(station, ctx, rng, now)
    counts["screening_calls"] = _screening(station, ctx, rng, now)
    log(
        f"    {station.name}: {sum(counts[k] for k in ('studio', 'communities', 'duty_desk', 'open')):,} 纠纷, "
        f"{counts['screening_calls']:,} 排查联络"
    )
    return dict(counts)


def _context(station) -> dict:
    from fengqiao.accounts.models import User
    from fengqiao.disputes.models import DisputeType, MediationChannel
    from fengqiao.registry.models import Community

    users = list(User.objects.filter(station=station, is_active=True).order_by("pk"))
    by_name = {u.full_name: u for u in users}
    officers = defaultdict(list)
    communities = list(
        Community.objects.filter(station=station).prefetch_related("officers").order_by("pk")
    )
    for c in communities:
        officers[c.pk] = [u for u in c.officers.all() if u.station_id == station.pk]
    field = [
        u for u in users if u.role in ("community_officer", "duty_officer", "mediator")
    ] or users
    return {
        "users": users,
        "field": field,
        "officers": officers,
        "communities": communities,
        "studio_mediator": by_name.get("范贤成") or (field[0] if field else None),
        "young_mediator": by_name.get("徐家豪") or (field[0] if field else None),
        "leaders": [u for u in users if u.role == "station_leader"],
        "duty": [u for u in users if u.role == "duty_officer"] or field,
        "types": {t.code: t for t in DisputeType.objects.all()},
        "channels": {c.code: c for c in MediationChannel.objects.all()},
    }


def _name(rng) -> str:
    from fengqiao.demo.data import SURNAMES

    return rng.choice(SURNAMES) + rng.choice(GIVEN)


class _Refs:
    """JF reference numbers per year, continuing the station's counters (saved at the end)."""

    def __init__(self, station):
        from fengqiao.core.workflow_models import ReferenceCounter

        self.station = station
        self.last = dict(
            ReferenceCounter.objects.filter(kind="JF", station=station).values_list("year", "last")
        )

    def next(self, year: int) -> str:
        from fengqiao.core.refnumbers import format_reference

        self.last[year] = self.last.get(year, 0) + 1
        return format_reference("JF", year, self.last[year])

    def save(self):
        from fengqiao.core.workflow_models import ReferenceCounter

        for year, last in self.last.items():
            ReferenceCounter.objects.update_or_create(
                kind="JF", station_id=self.station.pk, year=year, defaults={"last": last}
            )


def _write(station, rows, refs):
    """rows: dicts with dispute fields, parties, agreement (optional) and terms. Bulk-writes them all."""
    from django.utils import timezone

    from fengqiao.core.audit import ChangeAction, log_bulk
    from fengqiao.disputes.models import Agreement, AgreementTerm, Dispute, DisputeParty

    disputes = []
    for row in rows:
        year = timezone.localtime(row["dispute"]["registered_at"]).year
        disputes.append(Dispute(station=station, reference=refs.next(year), **row["dispute"]))
    Dispute.objects.bulk_create(disputes, batch_size=1000)
    log_bulk(disputes, ChangeAction.CREATE, source="command")
    parties, agreements = [], []
    for d, row in zip(disputes, rows, strict=True):
        row["party_objs"] = [DisputeParty(dispute=d, **p) for p in row["parties"]]
        parties.extend(row["party_objs"])
    DisputeParty.objects.bulk_create(parties, batch_size=2000)
    for d, row in zip(disputes, rows, strict=True):
        if row.get("agreement"):
            row["agreement_obj"] = Agreement(dispute=d, **row["agreement"])
            agreements.append(row["agreement_obj"])
    Agreement.objects.bulk_create(agreements, batch_size=1000)
    terms, signed = [], []
    through = Agreement.signed_parties.through
    for row in rows:
        a = row.get("agreement_obj")
        if a is None:
            continue
        for t in row["terms"]:
            obligor = row["party_objs"][t.pop("obligor_index", 1) % len(row["party_objs"])]
            terms.append(AgreementTerm(agreement=a, obligor=obligor, **t))
        signed.extend(through(agreement_id=a.pk, disputeparty_id=p.pk) for p in row["party_objs"])
    AgreementTerm.objects.bulk_create(terms, batch_size=2000)
    through.objects.bulk_create(signed, batch_size=5000)
    return disputes


def _parties(rng, persons=None):
    if persons:
        return [
            {
                "person_id": p.pk,
                "name": p.name,
                "phone": p.phone or "",
                "id_number": p.id_number or "",
                "role": role,
            }
            for p, role in zip(persons, ("applicant", "respondent"), strict=False)
        ]
    return [{"name": _name(rng), "role": "applicant"}, {"name": _name(rng), "role": "respondent"}]


def _studio_history(station, ctx, rng, now, total) -> int:
    from django.utils import timezone

    studio = ctx["channels"].get("studio")
    if studio is None:
        return 0
    refs = _Refs(station)
    start = now - dt.timedelta(days=365 * STUDIO_YEARS)
    span = (now - dt.timedelta(days=120) - start).total_seconds()
    failed = (
        set(rng.sample(range(total), k=round(total * STUDIO_FAILED_RATE))) if total > 1 else set()
    )
    mediator = ctx["studio_mediator"]
    rows = []
    for i in range(total):
        registered = start + dt.timedelta(seconds=span * (i + rng.random()) / total)
        registered = registered.replace(microsecond=0)
        code = _pick(rng, TYPE_WEIGHTS)
        story, term = STORIES[code]
        community = rng.choice(ctx["communities"])
        settled = registered + dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(1, 8))
        dispute = {
            "community": community,
            "dispute_type": ctx["types"][code],
            "narrative": story,
            "source": rng.choice(["visit", "visit", "handover", "screening", "incident"]),
            "channel": studio,
            "owner": mediator,
            "registered_at": registered,
            "accepted_at": registered,
            "level": "yellow",
            "suggested_level": "yellow",
            "status": "closed",
            "registered_by": mediator,
        }
        row = {"dispute": dispute, "parties": _parties(rng)}
        if i in failed:
            dispute.update(
                closed_at=settled, close_reason="调解不成,已引导当事人依法诉讼", failed_mediations=1
            )
        else:
            due = timezone.localtime(settled).date() + dt.timedelta(
                days=rng.choice([0, 0, 3, 7, 15, 30])
            )
            performed = timezone.make_aware(dt.datetime.combine(due, dt.time(10)))
            dispute.update(settled_at=settled, closed_at=performed + dt.timedelta(days=1))
            reached = timezone.localtime(settled).date()
            row["agreement"] = {
                "form": "written",
                "channel": studio,
                "mediator": mediator,
                "facts": story,
                "reached_on": reached,
                "effective_date": reached,
                "created_by": mediator,
                "created_at": settled,
                "confirmation_done_at": settled,
            }
            row["terms"] = [
                {
                    "what": term,
                    "how": "当面履行,调解员见证",
                    "due_date": due,
                    "status": "performed",
                    "checked_at": performed,
                }
            ]
        rows.append(row)
    _write(station, rows, refs)
    refs.save()
    return total


def _dispute_incidents(station, n, before, rng):
    """n dispute incidents of the incidents demo not yet linked to a file (none when it did not run),
    sampled across the calls received since 2023 and at least 20 days ago (so the agreement has been
    performed by now)."""
    from fengqiao.incidents.models import Incident

    ids = list(
        Incident.objects.filter(
            station=station,
            category__is_dispute=True,
            dispute_file__isnull=True,
            received_at__year__gte=2023,
            received_at__lt=before,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(ids, k=min(n, len(ids)))
    return list(Incident.objects.filter(pk__in=chosen).order_by("pk"))


def _recent(station, ctx, rng, now, total, *, duty: bool) -> int:
    """Disputes since 2023 settled in the communities (duty=False) or at the duty desk (duty=True)."""
    from django.utils import timezone

    from fengqiao.disputes.models import MediationSession
    from fengqiao.registry.models import Person

    refs = _Refs(station)
    start = dt.datetime(2023, 1, 1, tzinfo=now.tzinfo)
    span = (now - dt.timedelta(days=45) - start).total_seconds()
    incidents = _dispute_incidents(station, total, now - dt.timedelta(days=20), rng) if duty else []
    rng.shuffle(incidents)
    rows, sessions = [], []
    for _i in range(total):
        incident = incidents.pop() if incidents else None
        registered = (
            incident.received_at if incident else start + dt.timedelta(seconds=span * rng.random())
        )
        community = (
            incident.community
            if incident and incident.community_id
            else rng.choice(ctx["communities"])
        )
        officers = ctx["officers"].get(community.pk) or ctx["field"]
        mediator = (
            rng.choice(ctx["duty"]) if duty else rng.choice(officers + [ctx["young_mediator"]])
        )
        channel = ctx["channels"]["police" if duty else rng.choice(COMMUNITY_CHANNELS)]
        code = _pick(rng, TYPE_WEIGHTS[:3] if duty else TYPE_WEIGHTS)
        story, term = STORIES[code]
        persons = (
            list(Person.objects.filter(community=community).exclude(phone="").order_by("?")[:2])
            if rng.random() < 0.7
            else []
        )
        settled = registered + dt.timedelta(
            hours=rng.randint(2, 48) if duty else rng.randint(24, 24 * 12)
        )
        reached = timezone.localtime(settled).date()
        due = reached + dt.timedelta(days=rng.choice([0, 1, 7, 14]))
        performed = timezone.make_aware(dt.datetime.combine(due, dt.time(16)))
        dispute = {
            "community": community,
            "dispute_type": ctx["types"][code],
            "channel": channel,
            "narrative": (incident.narrative if incident and incident.narrative else story),
            "source": "incident" if duty else rng.choice(["screening", "handover", "visit"]),
            "source_incident": incident,
            "owner": officers[0] if officers else mediator,
            "registered_at": registered,
            "accepted_at": registered,
            "settled_at": settled,
            "closed_at": performed + dt.timedelta(days=1),
            "status": "closed",
            "registered_by": mediator,
            "location": incident.location if incident else "",
        }
        rows.append(
            {
                "dispute": dispute,
                "parties": _parties(rng, persons if len(persons) == 2 else None),
                "agreement": {
                    "form": "oral" if duty and rng.random() < 0.5 else "written",
                    "channel": channel,
                    "mediator": mediator,
                    "facts": story,
                    "reached_on": reached,
                    "effective_date": reached,
                    "oral_content": term if duty else "",
                    "created_by": mediator,
                    "created_at": settled,
                    "confirmation_done_at": settled,
                },
                "terms": [
                    {
                        "what": term,
                        "how": "当面履行",
                        "due_date": due,
                        "status": "performed",
                        "checked_at": performed,
                    }
                ],
                "session": (settled, mediator),
            }
        )
    disputes = _write(station, rows, refs)
    refs.save()
    from fengqiao.disputes.models import DisputeIncident

    links = []
    for d, row in zip(disputes, rows, strict=True):
        held, mediator = row["session"]
        sessions.append(
            MediationSession(
                dispute=d,
                channel=d.channel,
                held_at=held,
                place="调解室",
                attendees="、".join(p["name"] for p in row["parties"]),
                law_notes="讲解相关法律规定",
                reason_notes="摆事实、讲道理",
                feeling_notes="动之以情,促成和解",
                outcome="agreed",
                recorded_by=mediator,
            )
        )
        if d.source_incident_id:
            links.append(
                DisputeIncident(
                    dispute=d,
                    incident_id=d.source_incident_id,
                    how="source",
                    linked_at=d.registered_at,
                )
            )
    MediationSession.objects.bulk_create(sessions)
    DisputeIncident.objects.bulk_create(links, ignore_conflicts=True)
    through = MediationSession.mediators.through
    through.objects.bulk_create(
        [
            through(mediationsession_id=s.pk, user_id=row["session"][1].pk)
            for s, row in zip(sessions, rows, strict=True)
        ]
    )
    return total


OPEN_FILES = [
    # (level, narrative, channel, with agreement being performed)
    (
        "red",
        "两兄弟因老宅拆迁补偿款分配多次争吵,弟弟扬言要'拼命',已有持刀威胁情节",
        "studio",
        False,
    ),
    ("red", "十余名务工人员与包工头就拖欠工钱发生争执,扬言集体到政府上访", "village", False),
    ("orange", "相邻两户因排水沟多次发生争吵,30天内已3次报警,调解失败2次", "studio", False),
    ("orange", "小区业主与物业因停车位收费发生纠纷,涉及业主20余户", "neighbours", False),
    ("yellow", "邻里因装修噪音发生口角", "elders", True),
    ("yellow", "电瓶车刮擦行人致轻微伤,双方就赔偿达成协议正在履行", "studio", True),
]


def _open_files(station, ctx, rng, now) -> int:
    """A few open files through the services (clocks, notifications, plans)."""
    from fengqiao.disputes import services
    from fengqiao.registry.models import Person

    leader = ctx["leaders"][0] if ctx["leaders"] else ctx["field"][0]
    written = 0
    for i, (level, narrative, channel_code, performing) in enumerate(OPEN_FILES):
        community = ctx["communities"][i % len(ctx["communities"])]
        officers = ctx["officers"].get(community.pk) or ctx["field"]
        owner = officers[0]
        persons = list(
            Person.objects.filter(community=community)
            .exclude(phone="")
            .order_by("pk")[i * 2 : i * 2 + 2]
        )
        parties = [
            {"person": p, "name": p.name, "role": r}
            for p, r in zip(persons, ("applicant", "respondent"), strict=False)
        ] or [{"name": _name(rng), "role": "applicant"}, {"name": _name(rng), "role": "respondent"}]
        dispute = services.dispute_register(
            actor=owner,
            station=station,
            parties=parties,
            dispute_type=ctx["types"]["neighbour"],
            narrative=narrative,
            community=community,
            owner=owner,
            source="screening",
            level=level,
            reason="民警研判定级",
        )
        dispute = services.dispute_accept(
            actor=owner, dispute=dispute, channel=ctx["channels"][channel_code]
        )
        if level == "red":
            today = now.date()
            services.plan_file(
                actor=leader,
                dispute=dispute,
                summary="所领导包案,社区民警、调解员、村(社区)干部组成稳控专班,每日见面、每日研判。",
                measures=[
                    {
                        "what": "社区民警每日走访当事人,掌握思想动态",
                        "responsible": owner,
                        "due_date": today + dt.timedelta(days=7),
                    },
                    {
                        "what": "调解工作室组织双方面对面调解",
                        "responsible": ctx["studio_mediator"] or owner,
                        "due_date": today + dt.timedelta(days=3),
                    },
                    {
                        "what": "联系镇综治中心、司法所联合调处",
                        "responsible": leader,
                        "due_date": today + dt.timedelta(days=10),
                    },
                ],
            )
        if performing:
            mediator = ctx["studio_mediator"] if channel_code == "studio" else owner
            services.session_record(
                actor=owner,
                dispute=dispute,
                held_at=now - dt.timedelta(days=2),
                outcome="agreed",
                mediators=[mediator] if mediator.station_id == station.pk else [],
                law_notes="讲解相邻关系和侵权责任",
                reason_notes="算清损失",
                feeling_notes="远亲不如近邻",
            )
            services.agreement_record(
                actor=owner,
                dispute=dispute,
                form="written",
                reached_on=now.date() - dt.timedelta(days=2),
                signed_parties=list(dispute.parties.all()),
                facts=narrative,
                issues="赔偿金额和履行方式",
                mediator=mediator if mediator.station_id == station.pk else None,
                terms=[
                    {
                        "what": "赔礼道歉",
                        "how": "当面",
                        "due_date": now.date() - dt.timedelta(days=1),
                    },
                    {
                        "what": "赔偿损失1500元",
                        "how": "微信转账",
                        "due_date": now.date() + dt.timedelta(days=5),
                    },
                ],
            )
        written += 1
    return written


def _screening(station, ctx, rng, now) -> int:
    """The last SCREENING_DAYS days of calls to every active liaison point: mostly 无异常, a few reports,
    a few missed."""
    from django.utils import timezone

    from fengqiao.disputes.models import ScreeningCall
    from fengqiao.registry.models import LiaisonPoint

    points = list(LiaisonPoint.objects.filter(station=station, active=True))
    today = timezone.localtime(now).date()
    rows = []
    notes = [
        "两户因停车位争吵,已通知社区民警",
        "反映有人在群里约架,已核实为玩笑",
        "老人与子女赡养纠纷苗头",
    ]
    for back in range(SCREENING_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        for p in points:
            officers = ctx["officers"].get(p.community_id) or ctx["field"]
            r = rng.random()
            answer = (
                "no_issue"
                if r < 0.9
                else "reported"
                if r < 0.95
                else "unreachable"
                if r < 0.98
                else "missed"
            )
            called = timezone.make_aware(
                dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
            )
            rows.append(
                ScreeningCall(
                    station=station,
                    community_id=p.community_id,
                    point=p,
                    day=day,
                    officer=officers[0],
                    answer=answer,
                    note=rng.choice(notes) if answer == "reported" else "",
                    called_at=None if answer == "missed" else called,
                )
            )
    ScreeningCall.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return len(rows)
