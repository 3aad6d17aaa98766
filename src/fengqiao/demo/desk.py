"""Demo data of the registration desk: the station's catalogue, four counters, six weeks of numbers with
waiting and service times, appointments (some no-shows) and 好差评 ratings, bookings for the coming
days, and a live queue this morning (taken through the services).

The history is written with bulk inserts (no SMS, no change-log rows for the past); today's queue and
the coming bookings' counters go through core's reference counters so new numbers continue after them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

CATALOGUE = [
    # prefix, name, minutes, bookable, capacity, share of the day's numbers, documents
    (
        "A",
        "户口迁移(迁入/迁出)",
        18,
        True,
        16,
        0.16,
        "户口簿\n居民身份证\n准迁证明或迁移证\n房屋产权证明或亲属投靠证明",
    ),
    (
        "B",
        "居民身份证申领/换领",
        8,
        True,
        40,
        0.30,
        "户口簿\n原居民身份证(换领)\n近期免冠照片(现场采集)",
    ),
    (
        "C",
        "居住证办理",
        10,
        True,
        20,
        0.12,
        "居民身份证\n居住登记凭证\n租赁合同或房屋产权证明\n就业或就读证明",
    ),
    ("D", "开具户籍证明", 6, True, 30, 0.14, "居民身份证\n户口簿\n用途说明"),
    (
        "E",
        "出生登记(新生儿落户)",
        15,
        True,
        10,
        0.07,
        "出生医学证明\n父母户口簿\n父母居民身份证\n结婚证",
    ),
    ("F", "死亡注销户口", 10, False, 0, 0.04, "死亡医学证明或火化证明\n死者户口簿\n死者居民身份证"),
    ("G", "户口登记项目变更更正", 15, True, 8, 0.06, "户口簿\n居民身份证\n变更更正依据材料"),
    ("H", "临时身份证明/临时身份证", 7, False, 0, 0.05, "户口簿或其他身份证明\n近期免冠照片"),
    ("J", "分户/立户", 15, True, 8, 0.04, "户口簿\n房屋产权证明\n居民身份证"),
    ("K", "咨询及其他", 5, False, 0, 0.02, ""),
]
COUNTERS = [
    (1, "综合", "ABCDEGJ"),
    (2, "身份证", "BDHK"),
    (3, "户口", "AEFGJ"),
    (4, "居住证", "CDK"),
]
SCORES = [(5, 0.71), (4, 0.21), (3, 0.055), (2, 0.018), (1, 0.007)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌婷雪梅琳"
COMMENTS = ["办事效率高", "态度很好", "材料一次讲清楚了", "等的时间有点长", "窗口人员很耐心", ""]


def _pick(rng, mix):
    r, acc = rng.random(), 0.0
    for value, weight in mix:
        acc += weight
        if r <= acc:
            return value
    return mix[-1][0]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def load(*, scale: int = 1, seed: int = 2026, log=print) -> dict[str, int]:
    from fengqiao.accounts.models import Station, User
    from fengqiao.core import calendar
    from fengqiao.core.workflow_models import ReferenceCounter
    from fengqiao.desk import rules
    from fengqiao.desk.models import (
        Appointment,
        BookingDay,
        Counter,
        DeskConfig,
        Rating,
        Service,
        Ticket,
        TicketEvent,
    )

    station = Station.objects.filter(code="511123-YJ").first()
    if station is None or Service.objects.filter(station=station).exists():
        return {}
    rng = random.Random(f"desk-{seed}")
    tz = timezone.get_current_timezone()
    clerks = list(
        User.objects.filter(station=station, role="auxiliary", is_active=True).order_by("pk")[:6]
    ) or list(User.objects.filter(station=station).order_by("pk")[:4])
    written = defaultdict(int)
    with transaction.atomic():
        DeskConfig.objects.get_or_create(station=station)
        services = {}
        for sort, (prefix, name, minutes, bookable, capacity, _share, documents) in enumerate(
            CATALOGUE
        ):
            services[prefix] = Service.objects.create(
                station=station,
                prefix=prefix,
                name=name,
                minutes=minutes,
                bookable=bookable,
                daily_capacity=capacity,
                documents=documents,
                sort=sort,
            )
        written["services"] = len(services)
        counters = []
        for number, name, prefixes in COUNTERS:
            counter = Counter.objects.create(
                station=station,
                number=number,
                name=name,
                officer=clerks[(number - 1) % len(clerks)],
            )
            counter.services.set([services[p] for p in prefixes])
            counters.append((counter, set(prefixes)))
        written["counters"] = len(counters)

        today = timezone.localdate()
        per_day = max(12, 96 // max(1, min(scale, 8)))
        days = [today - dt.timedelta(days=n) for n in range(42, 0, -1)]
        days = [d for d in days if calendar.is_working_day(d)]
        shares = [(p, share) for p, _n, _m, _b, _c, share, _d in CATALOGUE]
        tickets, appointments, ratings_for = [], [], []
        ref_counter = defaultdict(int)
        for day in days:
            seqs = defaultdict(int)
            count = int(per_day * rng.uniform(0.75, 1.25) * (1.2 if day.weekday() == 0 else 1.0))
            counter_free = {c.pk: None for c, _ in counters}
            # Mornings 08:30–12:00 take six numbers in ten, afternoons 14:00–17:00 the rest.
            moments = sorted(
                dt.datetime.combine(day, dt.time(8, 30), tzinfo=tz)
                + dt.timedelta(minutes=rng.uniform(0, 210))
                if rng.random() < 0.6
                else dt.datetime.combine(day, dt.time(14, 0), tzinfo=tz)
                + dt.timedelta(minutes=rng.uniform(0, 180))
                for _ in range(count)
            )
            for taken in moments:
                prefix = _pick(rng, shares)
                service = services[prefix]
                seqs[prefix] += 1
                able = [c for c, ps in counters if prefix in ps]
                counter = min(able, key=lambda c: counter_free[c.pk] or taken)
                start = max(
                    taken + dt.timedelta(minutes=rng.uniform(1, 6)),
                    counter_free[counter.pk] or taken,
                )
                minutes = max(2.0, rng.gauss(service.minutes, service.minutes * 0.35))
                skipped = rng.random() < 0.04
                finished = start + dt.timedelta(minutes=0.5 if skipped else minutes)
                counter_free[counter.pk] = finished
                source = "appointment" if service.bookable and rng.random() < 0.22 else "onsite"
                appointment = None
                phone = _phone(rng) if source == "appointment" or rng.random() < 0.3 else ""
                if source == "appointment":
                    year = day.year
                    ref_counter[year] += 1
                    appointment = Appointment(
                        station=station,
                        reference=f"YY-{year}-{ref_counter[year]:06d}",
                        service=service,
                        date=day,
                        name=_name(rng),
                        phone=phone,
                        status="no_show" if skipped else "served",
                        cancel_code_hash="-",
                        created_at=taken
                        - dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 10)),
                        checked_in_at=taken,
                        no_show_at=finished if skipped else None,
                    )
                    appointments.append(appointment)
                ticket = Ticket(
                    station=station,
                    date=day,
                    service=service,
                    number=rules.format_number(prefix, seqs[prefix]),
                    seq=seqs[prefix],
                    source=source,
                    priority=rules.APPOINTMENT_PRIORITY if appointment else 0,
                    phone=phone,
                    status="skipped" if skipped else "done",
                    taken_at=taken,
                    called_at=start,
                    first_called_at=start,
                    call_count=3 if skipped else 1,
                    counter=counter,
                    officer=counter.officer,
                    finished_at=finished,
                    rating_token=""
                    if skipped
                    else f"demo{len(tickets):06d}{rng.randint(0, 999):03d}",
                )
                ticket._appointment = appointment
                tickets.append(ticket)
                if not skipped and rng.random() < 0.62:
                    ratings_for.append(ticket)
        # Booked appointments that never came (no-shows counted against the phone).
        for day in days[-10:]:
            for _ in range(rng.randint(0, 2)):
                ref_counter[day.year] += 1
                appointments.append(
                    Appointment(
                        station=station,
                        reference=f"YY-{day.year}-{ref_counter[day.year]:06d}",
                        service=services[rng.choice("ABCDE")],
                        date=day,
                        name=_name(rng),
                        phone=_phone(rng),
                        status="no_show",
                        cancel_code_hash="-",
                        created_at=dt.datetime.combine(day, dt.time(9), tzinfo=tz)
                        - dt.timedelta(days=3),
                        no_show_at=dt.datetime.combine(
                            day + dt.timedelta(days=1), dt.time(0, 5), tzinfo=tz
                        ),
                    )
                )
        Appointment.objects.bulk_create(appointments, batch_size=2000)
        for t in tickets:
            t.appointment = t._appointment
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        events = []
        for t in tickets:
            events.append(
                TicketEvent(ticket=t, kind="taken", at=t.taken_at, data={"source": t.source})
            )
            events.append(
                TicketEvent(
                    ticket=t, kind="called", counter=t.counter, actor=t.officer, at=t.called_at
                )
            )
            events.append(
                TicketEvent(
                    ticket=t,
                    kind="skipped" if t.status == "skipped" else "finished",
                    counter=t.counter,
                    actor=t.officer,
                    at=t.finished_at,
                )
            )
        TicketEvent.objects.bulk_create(events, batch_size=5000)
        ratings = [
            Rating(
                ticket=t,
                station=station,
                score=(score := _pick(rng, SCORES)),
                comment=rng.choice(COMMENTS) if score <= 3 or rng.random() < 0.2 else "",
                created_at=t.finished_at + dt.timedelta(minutes=rng.uniform(1, 120)),
            )
            for t in ratings_for
        ]
        Rating.objects.bulk_create(ratings, batch_size=2000)
        written["tickets"] = len(tickets)
        written["ratings"] = len(ratings)

        # Bookings for the coming working days (places claimed on the day's row).
        upcoming = []
        day = today
        while len(upcoming) < 5:
            day += dt.timedelta(days=1)
            if calendar.is_working_day(day):
                upcoming.append(day)
        future = []
        booked = defaultdict(int)
        for day in upcoming:
            for prefix in "ABCDEGJ":
                service = services[prefix]
                for _ in range(rng.randint(0, max(1, service.daily_capacity // 3))):
                    ref_counter[day.year] += 1
                    booked[(service.pk, day)] += 1
                    future.append(
                        Appointment(
                            station=station,
                            reference=f"YY-{day.year}-{ref_counter[day.year]:06d}",
                            service=service,
                            date=day,
                            name=_name(rng),
                            phone=_phone(rng),
                            status="booked",
                            cancel_code_hash="-",
                            created_at=timezone.now() - dt.timedelta(hours=rng.randint(1, 96)),
                        )
                    )
        Appointment.objects.bulk_create(future, batch_size=2000)
        BookingDay.objects.bulk_create(
            [
                BookingDay(
                    service_id=sid,
                    date=d,
                    capacity=Service.objects.get(pk=sid).daily_capacity,
                    booked=n,
                )
                for (sid, d), n in booked.items()
            ]
        )
        written["appointments"] = len(appointments) + len(future)
        for year, last in ref_counter.items():
            ReferenceCounter.objects.update_or_create(
                kind="YY", station=station, year=year, defaults={"last": last}
            )
    # This morning's live queue, through the services (numbers from the day's counters).
    if calendar.is_working_day(today):
        from fengqiao.desk import services as desk_services

        clerk = clerks[0]
        for _ in range(max(6, 24 // max(1, min(scale, 4)))):
            desk_services.ticket_take(
                actor=clerk,
                service=services[_pick(rng, shares)],
                phone=_phone(rng) if rng.random() < 0.4 else "",
            )
            written["today"] += 1
        for counter, _ps in counters[:3]:
            desk_services.ticket_call_next(actor=counter.officer or clerk, counter=counter)
    return dict(written)
