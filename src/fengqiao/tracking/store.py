"""The gateway's store: the Django side of `fengqiao.gateway.store.Store`, used only by the writer thread.

Positions go in with one statement per batch (SQLite executemany; PostgreSQL COPY into a staging
table, then one INSERT into the day partitions), device rows get their latest in-order fix and last
message time, device alarms are linked to their position; then one COMMIT. The acknowledgement goes to
the device only after it.

The database is the arbiter of duplicates: (device, fixed_at) is unique and every insert is
`ON CONFLICT DO NOTHING`, so a resend — after a failed commit, a restart, or a reconnect to another
gateway process — is acknowledged and never stored twice, whatever a process remembers.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import logging
import secrets
import weakref
from collections import Counter

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

from fengqiao import env
from fengqiao.core.audit import log_bulk
from fengqiao.core.models import ChangeAction
from fengqiao.gateway.filters import Track
from fengqiao.gateway.store import DeviceState, Record
from fengqiao.tracking import hooks, partitions
from fengqiao.tracking.choices import CommandStatus, DeviceStatus
from fengqiao.tracking.models import Device, DeviceCommand

log = logging.getLogger("fengqiao.gateway")

_COLUMNS = (
    "device_id, fixed_at, received_at, latitude, longitude, speed_kmh, course, valid, buffered, "
    "outdated, attributes"
)
_ON_CONFLICT = " ON CONFLICT (device_id, fixed_at) DO NOTHING"
_INSERT = (
    f"INSERT INTO tracking_position ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608 - our names
    + _ON_CONFLICT
)
_INSERT_SQLITE = _INSERT.replace("%s", "?")
# PostgreSQL: COPY cannot skip a conflicting row, so the batch is copied into a temporary table of the
# connection (emptied at each commit) and moved into the positions with one INSERT … ON CONFLICT.
_STAGE = "gateway_position_stage"
_CREATE_STAGE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (device_id bigint, fixed_at timestamptz, "
    "received_at timestamptz, latitude float8, longitude float8, speed_kmh float8, course float8, "
    "valid boolean, buffered boolean, outdated boolean, attributes jsonb) ON COMMIT DELETE ROWS"
)
_COPY = f"COPY {_STAGE} ({_COLUMNS}) FROM STDIN"
_MOVE = (
    f"INSERT INTO tracking_position ({_COLUMNS}) SELECT {_COLUMNS} FROM {_STAGE}"  # noqa: S608
    + _ON_CONFLICT
    + " RETURNING device_id, fixed_at"
)
_ALARM_SQLITE = "INSERT INTO tracking_devicealarm (device_id, at, received_at, kind, position_id, raw) VALUES (?, ?, ?, ?, ?, ?)"
# SQLite: one statement for all the rows of a commit (a multi-row VALUES), not one per row: the sqlite3
# module releases and takes back the GIL around every statement step, and under load each taking-back
# waits for the event loop's thread — so an executemany of n rows cost n waits (issue 26).
_ROWS_PER_STATEMENT = 2000  # x 11 parameters, under SQLite's 32,766
_INSERT_HEAD_SQLITE = f"INSERT INTO tracking_position ({_COLUMNS}) VALUES "  # noqa: S608 - our names


@functools.lru_cache(maxsize=256)
def _values_sql(rows: int, columns: int = 11) -> str:
    one = "(" + ",".join("?" * columns) + ")"
    return ",".join([one] * rows)


def _chunks(rows: list, size: int = _ROWS_PER_STATEMENT):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# One UPDATE per commit for every device the batch touched or moved: its last message time and flags
# (when touched) and its latest in-order fix (when the batch has one newer than the row's). SET
# expressions all see the row as it was, so the fix columns test the same old last_fix_at.
_FIX_IS_NEWER = "u.column6 IS NOT NULL AND (last_fix_at IS NULL OR last_fix_at < u.column6)"
_DEVICE_SQLITE = (
    "UPDATE tracking_device SET last_seen_at = COALESCE(u.column1, last_seen_at), "  # noqa: S608 - ours
    "remote_address = COALESCE(u.column2, remote_address), "
    "battery_percent = COALESCE(u.column3, battery_percent), "
    "ignition = COALESCE(u.column4, ignition), charging = COALESCE(u.column5, charging), "
    f"latitude = CASE WHEN {_FIX_IS_NEWER} THEN u.column7 ELSE latitude END, "
    f"longitude = CASE WHEN {_FIX_IS_NEWER} THEN u.column8 ELSE longitude END, "
    f"speed_kmh = CASE WHEN {_FIX_IS_NEWER} THEN u.column9 ELSE speed_kmh END, "
    f"course = CASE WHEN {_FIX_IS_NEWER} THEN u.column10 ELSE course END, "
    f"last_fix_at = CASE WHEN {_FIX_IS_NEWER} THEN u.column6 ELSE last_fix_at END "
    "FROM (VALUES {values}) AS u WHERE tracking_device.id = u.column11"
)
_LOCK_DEVICES_PG = (
    "SELECT 1 FROM tracking_device WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE"
)
_NEWER_PG = "u.t IS NOT NULL AND (d.last_fix_at IS NULL OR d.last_fix_at < u.t)"
_DEVICE_PG = (
    "UPDATE tracking_device d SET last_seen_at = COALESCE(u.seen, d.last_seen_at), "  # noqa: S608 - ours
    "remote_address = COALESCE(u.r, d.remote_address), "
    "battery_percent = COALESCE(u.b, d.battery_percent), ignition = COALESCE(u.i, d.ignition), "
    "charging = COALESCE(u.ch, d.charging), "
    f"latitude = CASE WHEN {_NEWER_PG} THEN u.lat ELSE d.latitude END, "
    f"longitude = CASE WHEN {_NEWER_PG} THEN u.lon ELSE d.longitude END, "
    f"speed_kmh = CASE WHEN {_NEWER_PG} THEN u.s ELSE d.speed_kmh END, "
    f"course = CASE WHEN {_NEWER_PG} THEN u.c ELSE d.course END, "
    f"last_fix_at = CASE WHEN {_NEWER_PG} THEN u.t ELSE d.last_fix_at END "
    "FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::smallint[], %s::bool[], %s::bool[], "
    "%s::timestamptz[], %s::float8[], %s::float8[], %s::float8[], %s::float8[]) "
    "AS u(id, seen, r, b, i, ch, t, lat, lon, s, c) WHERE d.id = u.id"
)


def _device_rows(latest: dict, touches: dict, now, t=lambda v: v) -> list[tuple]:
    """(seen, remote, battery, ignition, charging, fix time, lat, lon, speed, course, id) per device the
    batch touched or moved, in id order (PostgreSQL locks the rows in that order)."""
    rows = []
    for pk in sorted(latest.keys() | touches.keys()):
        v = touches.get(pk)
        r = latest.get(pk)
        rows.append(
            (
                (t(v.get("last_seen_at", now)) if v is not None else None),
                v.get("remote_address") if v is not None else None,
                v.get("battery_percent") if v is not None else None,
                v.get("ignition") if v is not None else None,
                v.get("charging") if v is not None else None,
                t(r[2]) if r is not None else None,
                r[4] if r is not None else None,
                r[5] if r is not None else None,
                r[6] if r is not None else None,
                r[7] if r is not None else None,
                pk,
            )
        )
    return rows


# A hook's position dict: the record's first twelve fields by name (built by zip, in C).
_POSITION_KEYS = (
    "device_id",
    "identifier",
    "fixed_at",
    "received_at",
    "latitude",
    "longitude",
    "speed_kmh",
    "course",
    "valid",
    "buffered",
    "outdated",
    "attributes",
)


def _sqlite_time(value: dt.datetime) -> str:
    """Django's SQLite format: naive UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    if value.tzinfo is dt.UTC:
        return value.isoformat(" ")[:-6]  # the gateway's times are all in UTC: drop "+00:00"
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(" ")


_GATEWAY_CONNECTIONS: weakref.WeakSet = weakref.WeakSet()
CONNECT_TIMEOUT_SECONDS = 3


def _setup_connection(wrapper) -> None:
    """What every gateway database connection gets, the first one and each reconnection after a
    failure alike: on SQLite, GATEWAY_SQLITE_SYNCHRONOUS (FULL by default: a device is acknowledged
    only after its data is on disk; the web app's connections keep NORMAL)."""
    if wrapper.vendor == "sqlite":
        synchronous = env.string("GATEWAY_SQLITE_SYNCHRONOUS", "FULL").upper()
        if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
            raise env.ImproperEnv("GATEWAY_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")
        wrapper.connection.execute(f"PRAGMA synchronous={synchronous}")


def _on_connection_created(sender, connection, **kwargs) -> None:
    if connection in _GATEWAY_CONNECTIONS:
        _setup_connection(connection)


connection_created.connect(
    _on_connection_created, weak=False, dispatch_uid="fengqiao.tracking.store.gateway"
)


def open_store_connection() -> str:
    """The gateway writer thread's database connection (trackers and gate terminals alike): opened
    now and set up by `_setup_connection` — and so is every later reconnection of this thread's
    connection (after a failed write the store closes it; Django opens a new one on next use).
    Returns the database vendor."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's connection
    _GATEWAY_CONNECTIONS.add(wrapper)
    if wrapper.vendor == "postgresql":
        # A database that accepts the TCP connection but does not answer must not hold the writer
        # thread (and so every device of the process) for ever: fail, and try again with the next batch.
        options = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **wrapper.settings_dict["OPTIONS"]}
        wrapper.settings_dict = {**wrapper.settings_dict, "OPTIONS": options}
    wrapper.ensure_connection()
    _setup_connection(wrapper)  # it may have been open before it was registered
    return wrapper.vendor


class DjangoStore:
    def __init__(self):
        self.vendor = open_store_connection()
        self.maintain()

    # -- devices --
    def lookup_many(self, requests: list[tuple[str, str, str, str]]) -> list[DeviceState | None]:
        """Devices for the logins waiting in this round, in one transaction: one query for the known
        ones, one bulk insert (with change-log entries) for unknown devices, held as pending."""
        now = timezone.now()
        wanted = {}
        for protocol, identifier, remote, auth_code in requests:
            wanted.setdefault(identifier[:20], (protocol, remote, auth_code))
        with transaction.atomic():
            found = {d.identifier: d for d in Device.objects.filter(identifier__in=list(wanted))}
            new = [
                Device(
                    identifier=identifier,
                    protocol=protocol,
                    status=DeviceStatus.PENDING,
                    auth_code=auth_code or secrets.token_hex(4).upper(),
                    remote_address=remote[:64],
                    last_seen_at=now,
                )
                for identifier, (protocol, remote, auth_code) in wanted.items()
                if identifier not in found
            ]
            if new:
                Device.objects.bulk_create(new, ignore_conflicts=True)
                created = list(Device.objects.filter(identifier__in=[d.identifier for d in new]))
                log_bulk(
                    [d for d in created if d.identifier not in found],
                    ChangeAction.CREATE,
                    source="gateway",
                )
                for device in created:
                    found[device.identifier] = device
                names = ", ".join(
                    f"{d.protocol} {d.identifier} ({d.remote_address})" for d in new[:5]
                )
                more = f" and {len(new) - 5} more" if len(new) > 5 else ""
                log.info(
                    "gateway: unknown devices held as pending registrations: %s%s", names, more
                )
            issued = {d.identifier for d in new}
            for identifier, (protocol, _, auth_code) in wanted.items():
                device = found.get(identifier)
                if device is None:
                    continue
                changes = {}
                if device.protocol != protocol:
                    changes["protocol"] = protocol
                if protocol == "jt808" and not device.auth_code:
                    changes["auth_code"] = auth_code or secrets.token_hex(4).upper()
                    issued.add(identifier)
                if changes:
                    Device.objects.filter(pk=device.pk).update(**changes)
                    for key, value in changes.items():
                        setattr(device, key, value)
        results = []
        for protocol, identifier, _, _ in requests:
            device = found.get(identifier[:20])
            if device is None or device.status == DeviceStatus.DISABLED:
                if device is not None:
                    log.info("gateway: disabled device %s refused", identifier)
                results.append(None)
                continue
            track = Track(
                last_time=device.last_fix_at, last_lat=device.latitude, last_lon=device.longitude
            )
            if device.last_fix_at is not None:
                track.recent.append(device.last_fix_at)  # a resend of the last fix after a restart
            results.append(
                DeviceState(
                    pk=device.pk,
                    identifier=device.identifier,
                    protocol=protocol,
                    status=device.status,
                    utc_offset_minutes=device.utc_offset_minutes,
                    auth_code=device.auth_code,
                    track=track,
                    issued=device.identifier in issued,
                )
            )
        return results

    # -- the group commit --
    def write(self, records: list[Record], touches: dict[int, dict]) -> list[Record]:
        """One group commit; returns the records written: a position already in the table (a resend
        after a lost acknowledgement) is left out, with its alarms — it is stored, so acknowledged.
        So is a record a gate withholds (a patrol car's fix taken off shift: `hooks.before_store`)."""
        records = hooks.before_store(records)
        positions = [r for r in records if r[4] is not None]
        plain = [r for r in positions if not r[12]]
        alarmed = [r for r in positions if r[12]]
        alarm_only = [r for r in records if r[4] is None]
        latest: dict[int, Record] = {}
        for r in positions:
            if not r[10]:
                best = latest.get(r[0])
                if best is None or r[2] > best[2]:
                    latest[r[0]] = r
        now = timezone.now()
        if self.vendor == "postgresql":
            with transaction.atomic():
                skipped = self._write_pg(plain, alarmed, alarm_only, latest, touches, now)
        else:
            skipped = self._transaction_sqlite(plain, alarmed, alarm_only, latest, touches, now)
        if not skipped:
            return records
        return [r for r in records if r[4] is None or id(r) not in skipped]

    def _transaction_sqlite(self, *batch) -> set[int]:
        """BEGIN IMMEDIATE … COMMIT on the sqlite3 connection itself (it is in autocommit mode between
        commits): Django's atomic() cost more than the statements of a small commit. Any error rolls
        the whole transaction back and is raised (the writer resets the connection and retries)."""
        connection.ensure_connection()
        raw = connection.connection
        if raw.in_transaction or not connection.get_autocommit():
            with transaction.atomic():  # inside someone's transaction (tests): theirs to commit
                return self._write_sqlite(*batch, own=False)
        raw.execute("BEGIN IMMEDIATE")
        try:
            skipped = self._write_sqlite(*batch, own=True)
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                try:
                    raw.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 - the first error is the one to report
                    log.debug("gateway: rollback after a failed write failed", exc_info=True)
            raise
        return skipped

    def _write_sqlite(
        self, plain, alarmed, alarm_only, latest, touches, now, *, own=False
    ) -> set[int]:
        """Returns id() of the positions left out (already in the table). `own`: this is the
        transaction's first statement, so a batch with a resend is undone by ROLLBACK (no SAVEPOINT
        in the rule's path)."""
        raw = connection.connection
        strings: dict = {}

        def t(value):  # the reads of one batch share their received/seen times: each formatted once
            text = strings.get(value)
            if text is None:
                text = strings[value] = _sqlite_time(value)
            return text

        skipped: set[int] = set()

        def row(r):
            return (
                r[0],
                t(r[2]),
                t(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                json.dumps(r[11]),
            )

        if plain:
            rows = [row(r) for r in plain]
            # One executemany when nothing is already stored (the rule); when a row was skipped, the
            # batch is inserted again row by row to learn which (a resend: rare).
            if not own:
                raw.execute("SAVEPOINT gateway_positions")
            before = raw.total_changes
            for chunk in _chunks(rows):
                raw.execute(
                    _INSERT_HEAD_SQLITE + _values_sql(len(chunk)) + _ON_CONFLICT,
                    list(itertools.chain.from_iterable(chunk)),
                )
            if raw.total_changes - before != len(rows):
                if own:
                    raw.execute("ROLLBACK")
                    raw.execute("BEGIN IMMEDIATE")
                else:
                    raw.execute("ROLLBACK TO gateway_positions")
                for r, values in zip(plain, rows, strict=True):
                    if raw.execute(_INSERT_SQLITE, values).rowcount != 1:
                        skipped.add(id(r))
            if not own:
                raw.execute("RELEASE gateway_positions")
        alarm_rows = []
        for r in alarmed:
            cursor = raw.execute(_INSERT_SQLITE, row(r))
            if cursor.rowcount != 1:
                skipped.add(id(r))  # stored before, with its alarms
                continue
            for kind in r[12]:
                alarm_rows.append(
                    (r[0], t(r[2]), t(now), kind, cursor.lastrowid, (r[13] or b"").hex())
                )
        for r in alarm_only:
            for kind in r[12]:
                alarm_rows.append((r[0], t(r[2]), t(now), kind, None, (r[13] or b"").hex()))
        if alarm_rows:
            raw.executemany(_ALARM_SQLITE, alarm_rows)
        if latest or touches:
            for chunk in _chunks(_device_rows(latest, touches, now, t)):
                raw.execute(
                    _DEVICE_SQLITE.format(values=_values_sql(len(chunk))),
                    list(itertools.chain.from_iterable(chunk)),
                )
        return skipped

    def _write_pg(self, plain, alarmed, alarm_only, latest, touches, now) -> set[int]:
        """Returns id() of the positions left out (already in the table)."""
        raw = connection.connection
        skipped: set[int] = set()
        with raw.cursor() as cursor:
            if plain:
                # Each time: a rolled-back transaction takes a table created in it along (one round trip).
                cursor.execute(_CREATE_STAGE)
                with cursor.copy(_COPY) as copy:
                    for r in plain:
                        copy.write_row(
                            (r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], json.dumps(r[11]))
                        )  # fmt: skip
                cursor.execute(_MOVE)
                if cursor.rowcount != len(plain):
                    inserted = Counter(cursor.fetchall())  # a fix twice in the batch: inserted once
                    for r in plain:
                        key = (r[0], r[2])
                        if inserted[key]:
                            inserted[key] -= 1
                        else:
                            skipped.add(id(r))
            alarm_rows = []
            for r in alarmed:
                cursor.execute(
                    _INSERT + " RETURNING id",
                    (r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], json.dumps(r[11])),
                )  # fmt: skip
                found = cursor.fetchone()
                if found is None:
                    skipped.add(id(r))  # stored before, with its alarms
                    continue
                for kind in r[12]:
                    alarm_rows.append((r[0], r[2], now, kind, found[0], (r[13] or b"").hex()))
            for r in alarm_only:
                for kind in r[12]:
                    alarm_rows.append((r[0], r[2], now, kind, None, (r[13] or b"").hex()))
            if alarm_rows:
                cursor.executemany(
                    "INSERT INTO tracking_devicealarm (device_id, at, received_at, kind, position_id, raw) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    alarm_rows,
                )
            if latest or touches:
                rows = _device_rows(latest, touches, now)
                # Two gateway processes may update the same devices (one moved between them):
                # row locks taken in one order, so their commits never deadlock.
                cursor.execute(_LOCK_DEVICES_PG, [[row[10] for row in rows]])
                cursor.execute(_DEVICE_PG, [[row[i] for row in rows] for i in (10, *range(10))])
        return skipped

    def after_store(self, records: list[Record]) -> None:
        """Runs in the hook thread (its own database connection, renewed when it broke)."""
        close_old_connections()
        keys = _POSITION_KEYS
        positions = [dict(zip(keys, r)) for r in records if r[4] is not None]  # noqa: B905 - keys: the first 12
        alarms = []
        for r in records:
            for kind in r[12]:
                alarms.append(
                    {
                        "device_id": r[0],
                        "identifier": r[1],
                        "kind": kind,
                        "at": r[2],
                        "fixed_at": r[2] if r[4] is not None else None,
                        "latitude": r[4],
                        "longitude": r[5],
                        "speed_kmh": r[6],
                        "valid": r[8],
                    }
                )
        hooks.run_after_store(positions, alarms)

    # -- commands --
    def queued_commands(self) -> list[tuple[int, int, str, str]]:
        """(command id, device pk, kind, text): text is the device's own command (arm/disarm), else ""."""
        return list(
            DeviceCommand.objects.filter(status=CommandStatus.QUEUED)
            .order_by("id")
            .values_list("id", "device_id", "kind", "text")[:1000]
        )

    def command_claim(self, command_id: int, serial: int) -> bool:
        return (
            DeviceCommand.objects.filter(pk=command_id, status=CommandStatus.QUEUED).update(
                status=CommandStatus.SENT, sent_at=timezone.now(), serial=serial
            )
            == 1
        )

    def command_response(
        self, device_pk: int, *, command_id=None, serial=None, text: str = "", ok: bool = True
    ):
        commands = DeviceCommand.objects.filter(device_id=device_pk, status=CommandStatus.SENT)
        if command_id:
            commands = commands.filter(pk=command_id)
        elif serial is not None:
            commands = commands.filter(serial=serial)
        else:
            commands = commands.order_by("-sent_at")[:1]
            commands = DeviceCommand.objects.filter(
                pk__in=list(commands.values_list("pk", flat=True))
            )
        return commands.update(
            status=CommandStatus.ACKNOWLEDGED if ok else CommandStatus.FAILED,
            acknowledged_at=timezone.now(),
            response=text[:2000],
        )

    # -- upkeep --
    def maintain(self) -> None:
        """Prepare the day partitions around today (PostgreSQL)."""
        if self.vendor == "postgresql":
            today = timezone.now().date()
            partitions.ensure_days(
                connection, today - dt.timedelta(days=1), today + dt.timedelta(days=2)
            )

    def reset(self) -> None:
        """After a failed write or look-up: reconnect on next use (the database may have restarted)."""
        connection.close()

    def close(self) -> None:
        connection.close()
