"""The sweeper: fire each clock's due warning exactly once, and mark clocks breached at expiry.

One indexed query finds running clocks whose next_warning_at has come. Each is then handled in
its own savepoint: a conditional UPDATE that must change exactly one row claims it (the row
still has the next_warning_at/level we read, so no other worker got there first), the warning
row is inserted (unique per clock and level) and notification_send writes the inbox rows and
queues outbound deliveries (sent after commit) — all committed together or not at all. Clocks
are committed in chunks of CHUNK; a crash mid-run leaves earlier chunks committed and rolls the
current one back whole, so the next run fires exactly the clocks that were not committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from fengqiao.core import audit, events, rules
from fengqiao.core.choices import ClockState
from fengqiao.core.models import ChangeAction
from fengqiao.core.services import schedule_next_warning
from fengqiao.core.workflow_models import Clock, ClockWarning

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "clock_warning"
CHUNK = 100  # clocks per transaction
LEVEL_LABELS = {
    rules.LEVEL_YELLOW: "黄色预警",
    rules.LEVEL_ORANGE: "橙色预警",
    rules.LEVEL_RED: "到期",
}


@dataclass
class SweepResult:
    due: int = 0
    fired: int = 0
    breached: int = 0
    lost: int = 0
    errors: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"到期预警 {self.due} 个:发出 {self.fired} 条(其中超期 {self.breached} 个),"
            f"已被其他进程处理 {self.lost} 个,出错 {self.errors} 个,用时 {self.seconds:.2f} 秒"
        )


def _send(**kwargs):
    from fengqiao.notifications.services import notification_send

    return notification_send(**kwargs)


class _Recipients:
    """Who a warning goes to, by depth: assignee → + unit leader → + station leaders (cached per run)."""

    def __init__(self):
        self._leaders: dict[int, list] = {}

    def station_leaders(self, station_id: int) -> list:
        if station_id not in self._leaders:
            # function-local: accounts.models imports core (audit), so core may not import it at the top
            from fengqiao.accounts.selectors import station_leaders

            self._leaders[station_id] = list(station_leaders(station_id))
        return self._leaders[station_id]

    def for_clock(self, clock: Clock, depth: int) -> list:
        people = []
        if clock.assignee is not None:
            people.append(clock.assignee)
        if depth >= 2:
            unit = clock.unit or (clock.assignee.unit if clock.assignee is not None else None)
            if unit is not None and unit.leader is not None:
                people.append(unit.leader)
        if depth >= 3 or not people:
            people.extend(self.station_leaders(clock.station_id))
        seen, result = set(), []
        for person in people:
            if person.pk not in seen and person.is_active:
                seen.add(person.pk)
                result.append(person)
        return result


def _url(obj) -> str:
    getter = getattr(obj, "get_absolute_url", None)
    if getter is None:
        return ""
    try:
        return getter()
    except Exception:  # noqa: BLE001 - a broken link must not stop a legal warning
        return ""


def _message(clock: Clock, level: int, levels: int, colour: str) -> tuple[str, str]:
    due_local = clock.due_at.astimezone(rules.TZ)
    subject = clock.title or clock.rule.name
    if level >= levels:
        title = f"【已到期】{clock.rule.name}:{subject}"
    else:
        title = f"【{LEVEL_LABELS[colour]}】{clock.rule.name}即将到期:{subject}"
    body = f"期限{clock.rule.limit_display},到期时间 {due_local:%Y-%m-%d %H:%M}。{clock.rule.legal_basis}"
    return title, body


class _Batch:
    """Warning rows and change-log entries of claimed clocks, written in two INSERTs per chunk."""

    def __init__(self):
        self.warnings, self.clocks, self.befores = [], [], []

    def add(self, warning: ClockWarning, clock: Clock, before: dict) -> _Batch:
        self.warnings.append(warning)
        self.clocks.append(clock)
        self.befores.append(before)
        return self

    def flush(self) -> None:
        if self.warnings:
            ClockWarning.objects.bulk_create(
                self.warnings
            )  # unique (clock, level): a second firing fails here
            audit.log_bulk(self.clocks, ChangeAction.UPDATE, befores=self.befores, source="job")
        self.warnings, self.clocks, self.befores = [], [], []


def _load(pks) -> dict[int, Clock]:
    """Clocks with everything a warning needs, in one query (plus one per object type)."""
    return (
        Clock.objects.select_related("rule", "station", "assignee__unit__leader", "unit__leader")
        .prefetch_related("obj")
        .in_bulk(pks)
    )


def fire_one(
    clock: Clock | int,
    seen_at: dt.datetime,
    seen_level: int,
    now: dt.datetime,
    recipients: _Recipients | None = None,
    batch: _Batch | None = None,
    savepoint: bool = True,
) -> str:
    """Claim and fire one clock's due warning. Returns 'fired', 'breached' or 'lost'.

    `clock` may have been read a moment ago: the conditional UPDATE below is what decides.
    With a `batch`, the warning and change-log rows are written when the caller flushes it,
    in the same transaction (the sweeper flushes once per chunk).
    """
    recipients = recipients or _Recipients()
    if not isinstance(clock, Clock):
        clock = _load([clock]).get(clock)
    with transaction.atomic(savepoint=savepoint):
        if (
            clock is None
            or clock.state != ClockState.RUNNING
            or clock.next_warning_level != seen_level
        ):
            return "lost"
        pk = clock.pk
        before = audit.serialize(clock)
        fractions = clock.rule.warning_fractions
        levels = len(fractions)
        times = rules.warning_times(
            clock.started_at, clock.due_at, dt.timedelta(seconds=clock.paused_seconds), fractions
        )
        level = max(rules.level_due(times, seen_level, now) or seen_level, seen_level)
        last = level >= levels
        clock.last_warning_level = level
        if last:
            clock.state, clock.breached_at = ClockState.BREACHED, clock.due_at
        schedule_next_warning(clock)
        claimed = Clock.objects.filter(
            pk=pk, state=ClockState.RUNNING, next_warning_at=seen_at, next_warning_level=seen_level
        ).update(
            last_warning_level=clock.last_warning_level,
            state=clock.state,
            breached_at=clock.breached_at,
            next_warning_at=clock.next_warning_at,
            next_warning_level=clock.next_warning_level,
        )
        if claimed != 1:
            return "lost"
        if last:  # the command room's wall subscribes (decision 0008)
            events.publish(
                "clock.overdue",
                {"clock_id": pk, "station_id": clock.station_id, "kind": clock.kind},
            )
        colour = rules.level_colour(level, levels)
        people = recipients.for_clock(clock, rules.recipient_depth(level, levels))
        title, body = _message(clock, level, levels, colour)
        target = clock.obj or clock
        _send(
            recipients=people,
            kind=NOTIFICATION_KIND,
            title=title,
            body=body,
            level=colour,
            url=_url(target),
            obj=target,
            urgent=last or clock.kind.startswith("fraud_"),
            dedupe_key=f"clock:{clock.pk}:level:{level}",
        )
        warning = ClockWarning(
            clock=clock,
            level=level,
            colour=colour,
            fired_at=now,
            scheduled_at=times[level - 1],
            due_at=clock.due_at,
            recipients=[p.pk for p in people],
        )
        if batch is None:
            _Batch().add(warning, clock, before).flush()
        else:
            batch.add(warning, clock, before)
    return "breached" if last else "fired"


def due_query(now: dt.datetime):
    """Running clocks whose warning has come, in one global order (served by the partial index clock_sweep_idx)."""
    return Clock.objects.filter(state=ClockState.RUNNING, next_warning_at__lte=now).order_by(
        "next_warning_at",
        "pk",  # one global order: concurrent workers lock rows in the same order
    )


def due_clocks(now: dt.datetime, limit: int | None = None):
    """(pk, next_warning_at, next_warning_level) of the clocks due at `now`."""
    query = due_query(now).values_list("pk", "next_warning_at", "next_warning_level")
    return list(query[:limit] if limit else query)


def _run_chunk(chunk, now, recipients: _Recipients, *, isolate: bool) -> list[str]:
    """Fire a chunk of due clocks in one transaction (one commit). Returns the outcome of each.

    Without `isolate` any error rolls the whole chunk back and propagates (the fast path: no
    savepoint per clock); with it each clock runs in its own savepoint and an error is logged,
    counted and retried on the next sweep.
    """
    clocks = _load([pk for pk, _, _ in chunk])
    outcomes = []
    with transaction.atomic():
        batch = _Batch()
        for pk, seen_at, seen_level in chunk:
            if not isolate:
                outcomes.append(
                    fire_one(
                        clocks.get(pk), seen_at, seen_level, now, recipients, batch, savepoint=False
                    )
                )
                continue
            try:
                outcomes.append(
                    fire_one(clocks.get(pk), seen_at, seen_level, now, recipients, batch)
                )
            except Exception:
                logger.exception(
                    "clock %s: warning level %s failed; it will be retried on the next sweep",
                    pk,
                    seen_level,
                )
                outcomes.append("error")
        batch.flush()
    return outcomes


def sweep(
    *, now: dt.datetime | None = None, limit: int | None = None, progress=None
) -> SweepResult:
    """One pass: every warning due at `now`. Safe to run concurrently and to kill at any point."""
    started = time.perf_counter()
    now = now or timezone.now()
    result = SweepResult()
    recipients = _Recipients()
    rows = due_clocks(now, limit)
    result.due = len(rows)
    done = 0
    for chunk_start in range(0, len(rows), CHUNK):
        chunk = rows[chunk_start : chunk_start + CHUNK]
        try:
            outcomes = _run_chunk(chunk, now, recipients, isolate=False)
        except Exception:
            # Something failed: the chunk rolled back whole. Redo it clock by clock, each in a
            # savepoint, so one bad clock does not hold back the others.
            outcomes = _run_chunk(chunk, now, recipients, isolate=True)
        for outcome in outcomes:
            if outcome == "error":
                result.errors += 1
            elif outcome == "lost":
                result.lost += 1
            else:
                result.fired += 1
                result.breached += outcome == "breached"
        done += len(chunk)
        if progress and len(rows) > 1000 and done % 1000 < CHUNK:
            progress(done, len(rows))
    result.seconds = time.perf_counter() - started
    if result.due:
        logger.info("sweep: %s", result.summary())
    return result
