"""The estate gateway's store: the Django side of `fengqiao.gateway.store.Store` for access events,
used only by the writer thread (fengqiao.gateway.estate_server).

Each group commit writes every waiting event in one statement that skips replays (the terminal's
own event key is unique per device: SQLite INSERT OR IGNORE, PostgreSQL INSERT … SELECT FROM
unnest … ON CONFLICT DO NOTHING), links each event to the resident's credential and registry person
(an in-memory map per estate, re-read every ESTATE_GATEWAY_CREDENTIAL_CACHE_SECONDS), updates the
terminals' last heartbeat, and commits. Only then are the terminals answered.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.utils import timezone

from fengqiao.core.audit import log_bulk
from fengqiao.core.models import ChangeAction
from fengqiao.estates import conf
from fengqiao.estates.choices import DeviceStatus
from fengqiao.estates.models import AccessDevice, Credential, TerminalCommand
from fengqiao.gateway.estate_server import GateDevice
from fengqiao.tracking.store import _sqlite_time, open_store_connection

log = logging.getLogger("fengqiao.gateway.estates")

COLUMNS = (
    "station_id, estate_id, gate_id, device_id, occurred_at, day, received_at, direction, credential_type, "
    "granted, subject, holder_no, card_no, credential_id, person_id, key, code"
)
_INSERT_SQLITE = (
    f"INSERT OR IGNORE INTO estates_accessevent ({COLUMNS}) VALUES ({', '.join(['?'] * 17)})"  # noqa: S608
)
_INSERT_PG = (
    f"INSERT INTO estates_accessevent ({COLUMNS}) SELECT * FROM unnest("  # noqa: S608
    "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::timestamptz[], %s::date[], %s::timestamptz[], "
    "%s::text[], %s::text[], %s::bool[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], "
    "%s::text[], %s::text[]) ON CONFLICT (device_id, key) DO NOTHING"
)
BEIJING = dt.timedelta(hours=8)
PLACE_TTL = 30.0


def subject_of(holder_no: str, card_no: str) -> str:
    return holder_no or (f"card:{card_no}" if card_no else "")


class EstateStore:
    def __init__(self):
        self.vendor = open_store_connection()
        self.places: dict[int, tuple] = {}  # device pk → (station, estate, gate, gate direction)
        self.places_read = 0.0
        self.credentials: dict[
            int, tuple[float, dict]
        ] = {}  # estate → (read at, {key: (cred, person)})

    # -- devices --
    def lookup_many(self, requests: list[tuple[str, str, str, str]]) -> list[GateDevice | None]:
        """Terminals by (vendor, identifier); unknown ones are registered as pending (change-logged)."""
        now = timezone.now()
        wanted = {(vendor, identifier[:32]): remote for vendor, identifier, remote, _ in requests}
        with transaction.atomic():
            found = {}
            for vendor in {v for v, _ in wanted}:
                for d in AccessDevice.objects.filter(
                    vendor=vendor, identifier__in=[i for v, i in wanted if v == vendor]
                ):
                    found[(d.vendor, d.identifier)] = d
            new = [
                AccessDevice(vendor=vendor, identifier=identifier, status=DeviceStatus.PENDING, first_seen_at=now,
                             last_seen_at=now, remote_address=remote[:60])
                for (vendor, identifier), remote in wanted.items()
                if (vendor, identifier) not in found
            ]  # fmt: skip
            if new:
                AccessDevice.objects.bulk_create(new, ignore_conflicts=True)
                created = []
                for d in new:
                    row = AccessDevice.objects.filter(
                        vendor=d.vendor, identifier=d.identifier
                    ).first()
                    if row is not None:
                        found[(row.vendor, row.identifier)] = row
                        created.append(row)
                log_bulk(created, ChangeAction.CREATE, source="gateway")
                log.info(
                    "estate gateway: unknown terminals held as pending: %s",
                    ", ".join(f"{d.vendor} {d.identifier}" for d in new[:5])
                    + (f" and {len(new) - 5} more" if len(new) > 5 else ""),
                )
        results = []
        for vendor, identifier, _, _ in requests:
            device = found.get((vendor, identifier[:32]))
            if device is None or device.status == DeviceStatus.DISABLED:
                results.append(None)
                continue
            results.append(GateDevice(device.pk, device.identifier, device.vendor, device.status))
        return results

    def _place(self, device_pk: int) -> tuple:
        if time.monotonic() - self.places_read > PLACE_TTL:
            self.places = {}
            self.places_read = time.monotonic()
        place = self.places.get(device_pk)
        if place is None:
            row = (
                AccessDevice.objects.filter(pk=device_pk)
                .values_list("station_id", "estate_id", "gate_id", "gate__direction")
                .first()
            )
            place = row or (None, None, None, "")
            if (
                place[1] is not None
            ):  # a pending terminal is read again each batch (it may be assigned now)
                self.places[device_pk] = place
        return place

    def _credentials(self, estate_id: int | None) -> dict:
        if estate_id is None:
            return {}
        cached = self.credentials.get(estate_id)
        if cached is not None and time.monotonic() - cached[0] < conf.credential_cache_seconds():
            return cached[1]
        mapping = {}
        for pk, holder, card, person in Credential.objects.filter(
            estate_id=estate_id, status="active"
        ).values_list("pk", "holder_no", "card_no", "person_id"):
            mapping[holder] = (pk, person)
            if card:
                mapping.setdefault(f"card:{card}", (pk, person))
        self.credentials[estate_id] = (time.monotonic(), mapping)
        return mapping

    def forget(self) -> None:
        """Drop the caches (tests; a device or credential changed)."""
        self.places, self.credentials = {}, {}

    # -- events --
    def write(self, records: list, touches: dict[int, dict]):
        rows = []
        for r in records:
            station, estate, gate, gate_direction = self._place(r[0])
            creds = self._credentials(estate)
            holder, card = r[8], r[9]
            subject = subject_of(holder, card)
            link = creds.get(holder) if holder else None
            if link is None and card:
                link = creds.get(f"card:{card}")
            rows.append(
                (station, estate, gate, r[0], r[2], (r[2] + BEIJING).date(), r[3], r[7] or gate_direction or "",
                 r[5], r[6], subject, holder, card, link[0] if link else None, link[1] if link else None, r[4], r[10])
            )  # fmt: skip
        now = timezone.now()
        with transaction.atomic():
            written = self._insert(rows) if rows else 0
            if touches:
                self._touch(touches, now)
        if written == len(records):
            return records
        return records[:written]  # the counts are what matters to the caller (replays not written)

    def _insert(self, rows: list[tuple]) -> int:
        if self.vendor == "postgresql":
            columns = list(zip(*rows, strict=True))
            with connection.cursor() as cursor:
                cursor.execute(_INSERT_PG, [list(c) for c in columns])
                return cursor.rowcount
        raw = connection.connection
        t = _sqlite_time
        before = raw.total_changes
        raw.executemany(
            _INSERT_SQLITE,
            [(r[0], r[1], r[2], r[3], t(r[4]), r[5].isoformat(), t(r[6]), *r[7:]) for r in rows],
        )
        return raw.total_changes - before

    def _touch(self, touches: dict[int, dict], now) -> None:
        with connection.cursor() as cursor:
            for pk, values in touches.items():
                cursor.execute(
                    "UPDATE estates_accessdevice SET last_seen_at = %s, remote_address = %s, "
                    "first_seen_at = COALESCE(first_seen_at, %s) WHERE id = %s",
                    [
                        values.get("last_seen_at", now),
                        (values.get("remote_address") or "")[:60],
                        now,
                        pk,
                    ],
                )

    def after_store(self, records: list) -> None:
        return None

    def maintain(self) -> None:
        return None

    # -- ZKTeco commands --
    def queued_devices(self) -> set[int]:
        """Terminals with a command waiting (the gateway asks every few seconds)."""
        return set(
            TerminalCommand.objects.filter(status="queued").values_list("device_id", flat=True)[
                :5000
            ]
        )

    def commands_for(self, device_pk: int) -> list[tuple[int, str]]:
        """Claim the device's queued commands (a conditional update: one process hands each out once)."""
        now = timezone.now()
        out = []
        for pk, kind in (
            TerminalCommand.objects.filter(device_id=device_pk, status="queued")
            .order_by("id")
            .values_list("pk", "kind")[:10]
        ):
            if (
                TerminalCommand.objects.filter(pk=pk, status="queued").update(
                    status="sent", sent_at=now
                )
                == 1
            ):
                out.append((pk, kind))
        return out

    def command_results(self, device_pk: int, results: list[dict]) -> int:
        now = timezone.now()
        done = 0
        for r in results:
            try:
                pk, code = int(r.get("ID", "")), int(r.get("Return", ""))
            except ValueError:
                continue
            done += TerminalCommand.objects.filter(
                pk=pk, device_id=device_pk, status="sent"
            ).update(status="done" if code >= 0 else "failed", done_at=now, return_code=code)
        return done

    def queued_commands(self):
        return []

    def command_claim(self, command_id: int, serial: int) -> bool:
        return False

    def command_response(self, device_pk: int, **kwargs):
        return None

    def reset(self) -> None:
        connection.close()

    def close(self) -> None:
        connection.close()
