"""queue_call_p95: "call next" at the registration desk on a busy day < 100 ms (p95).

A station's day: 10 services, 6 counters (each serving several services), 480 numbers waiting (a
quarter of them checked-in appointments with priority) and every resident with a phone, so each call
also looks for the numbers that should get the "your turn is near" SMS. Each round every counter
calls the next number through `desk.services.ticket_call_next` — the service the counter page uses
(the conditional UPDATE, the event, the change log, the near-turn SMS) — and is then finished
(untimed). 300 calls are timed; the p95 is reported. The bench station's numbers are rebuilt each run.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from common import median, p95, report, setup

NAME = "queue_call_p95"
TARGET_MS = 100.0
WAITING = 480
CALLS = 300


def ensure_station():
    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.desk.models import Counter, Service

    bureau, _ = Bureau.objects.get_or_create(code="BENCHQ", defaults={"name": "基准县局(叫号)"})
    station, created = Station.objects.get_or_create(
        code="BENCH-DESK", defaults={"bureau": bureau, "name": "基准派出所(叫号)"}
    )
    clerk, _ = User.objects.get_or_create(
        username="bench_desk_clerk",
        defaults={"full_name": "叫号员", "role": "auxiliary", "station": station},
    )
    if created or not Service.objects.filter(station=station).exists():
        services = [
            Service.objects.create(
                station=station, prefix=p, name=f"事项{p}", minutes=10, daily_capacity=40
            )
            for p in "ABCDEFGHJK"
        ]
        for n in range(1, 7):
            counter = Counter.objects.create(station=station, number=n)
            counter.services.set(random.Random(n).sample(services, 5) + [services[n % 10]])
    return station, clerk


def fill_queue(station):
    from django.utils import timezone

    from fengqiao.desk import rules
    from fengqiao.desk.models import ResidentSms, Service, Ticket, TicketEvent

    today = timezone.localdate()
    TicketEvent.objects.filter(ticket__station=station).delete()
    Ticket.objects.filter(station=station).delete()
    ResidentSms.objects.filter(station=station).delete()
    rng = random.Random(15)
    services = list(Service.objects.filter(station=station))
    seqs = {s.pk: 0 for s in services}
    start = timezone.now() - dt.timedelta(hours=2)
    rows = []
    for i in range(WAITING):
        service = rng.choice(services)
        seqs[service.pk] += 1
        appointment = rng.random() < 0.25
        rows.append(
            Ticket(
                station=station,
                date=today,
                service=service,
                number=rules.format_number(service.prefix, seqs[service.pk]),
                seq=seqs[service.pk],
                source="appointment" if appointment else "onsite",
                priority=rules.APPOINTMENT_PRIORITY if appointment else 0,
                phone=f"138{i:08d}",
                taken_at=start + dt.timedelta(seconds=10 * i),
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=1000)


def main() -> None:
    setup()
    from fengqiao.core import context
    from fengqiao.desk import services
    from fengqiao.desk.models import Counter, Ticket

    station, clerk = ensure_station()
    fill_queue(station)
    counters = list(Counter.objects.filter(station=station).order_by("number"))
    samples = []
    with context.acting_as(clerk, source="bench"):
        for c in counters:  # warm-up: one call each (config row, plans)
            services.ticket_call_next(actor=clerk, counter=c)
            services.ticket_finish(actor=clerk, counter=c)
        while len(samples) < CALLS:
            for c in counters:
                counter = Counter.objects.get(
                    pk=c.pk
                )  # as the counter page loads it for each request
                started = time.perf_counter()
                ticket = services.ticket_call_next(actor=clerk, counter=counter)
                samples.append((time.perf_counter() - started) * 1000)
                if ticket is not None:
                    services.ticket_finish(actor=clerk, counter=counter)
                if len(samples) >= CALLS:
                    break
    waiting = Ticket.objects.filter(station=station, status="waiting").count()
    print(
        f"  {len(samples)} calls over {len(counters)} counters; {waiting} still waiting; median {median(samples):.1f} ms, max {max(samples):.1f} ms"
    )
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
