"""field_sync and nearest_units_p95 (issue 25), over real HTTP against `fengqiao serve`.

field_sync: 20 phones at once each send their offline queue — 500 entries in all, 450 work-log
entries through `POST /api/field/sync/` (batches of up to 50) and 50 photos of 2 MB through
`POST /api/field/evidence/` (multipart), every entry with its phone-made id. Then every phone sends
its whole queue a second time, as a phone does that never heard the answers. Every answer is
counted; the station's tables are then read: entries missing, entries stored twice, and the time the
first pass took are printed, and `BENCH field_sync <missing + duplicated> lost target 0 pass|fail`.

nearest_units_p95: 100 officers on shift with phone positions; `GET /api/field/incidents/<id>/nearest/`
200 times from 4 threads: `BENCH nearest_units_p95 <ms> ms target 200 pass|fail`.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from bench_live_push import free_port, session_cookie
from common import p95, report, setup, stop_server, wait_for_server

NAMES = ["field_sync", "nearest_units_p95"]
PHONES = 20
ITEMS = 500
PHOTOS = 50
PHOTO_BYTES = 2 * 1024 * 1024
UNITS = 100
ROOT = Path(__file__).resolve().parent.parent


def photo(seed: int) -> bytes:
    """A real JPEG of about 2 MB (noise does not compress), unique per seed."""
    from PIL import Image

    rng = random.Random(seed)
    side = 1100
    while True:
        img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=90)
        data = out.getvalue()
        if len(data) >= PHOTO_BYTES * 0.95:
            return data
        side += 100


def multipart(fields: dict, file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for k, v in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Phone:
    def __init__(self, port: int, cookie: str, queue: list[dict], incident_id: int):
        self.port, self.queue, self.incident_id = port, queue, incident_id
        self.csrf = secrets.token_hex(16)
        self.headers = {"Cookie": f"{cookie}; csrftoken={self.csrf}", "X-CSRFToken": self.csrf}
        self.answers: dict[str, str] = {}
        self.errors: list[str] = []

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request(
            "POST", path, body=body, headers={**self.headers, "Content-Type": content_type}
        )
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data

    def run(self) -> None:
        logs = [i for i in self.queue if i["kind"] == "worklog"]
        for k in range(0, len(logs), 50):
            batch = logs[k : k + 50]
            body = json.dumps(
                {"items": [{k2: i[k2] for k2 in ("client_id", "kind", "data")} for i in batch]}
            ).encode()
            status, data = self.post("/api/field/sync/", body, "application/json")
            if status != 200:
                self.errors.append(f"sync {status} {data[:200]!r}")
                continue
            for r in json.loads(data)["receipts"]:
                self.answers[r["client_id"]] = r["state"]
        for i in self.queue:
            if i["kind"] != "photo":
                continue
            body, ctype = multipart(
                {
                    "target": "incidents.incident",
                    "target_id": self.incident_id,
                    "client_id": i["client_id"],
                    "latitude": "29.2095",
                    "longitude": "103.9442",
                },
                "scene.jpg",
                i["data"],
            )
            status, data = self.post("/api/field/evidence/", body, ctype)
            if status == 201:
                self.answers[i["client_id"]] = "applied"
            else:
                self.errors.append(f"evidence {status} {data[:200]!r}")


def prepare():
    from django.db import transaction

    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.command.models import DutyAssignment, Shift
    from fengqiao.field.models import Evidence, IncidentPlace, OfficerFix, SyncReceipt, WorkLogEntry
    from fengqiao.incidents.models import Incident, IncidentCategory
    from fengqiao.incidents.services import incident_receive

    bureau, _ = Bureau.objects.get_or_create(code="BENCH", defaults={"name": "基准测试县局"})
    station, _ = Station.objects.get_or_create(
        code="BENCH-FIELD", defaults={"name": "移动警务测试所", "bureau": bureau}
    )
    with transaction.atomic():
        WorkLogEntry.objects.filter(station=station).delete()
        Evidence.objects.filter(station=station).delete()
        SyncReceipt.objects.filter(station=station).delete()
        OfficerFix.objects.filter(station=station).delete()
        DutyAssignment.objects.filter(station=station).delete()
    officers = []
    for i in range(max(PHONES, UNITS)):
        user, _ = User.objects.get_or_create(
            username=f"bench-field-{i}",
            defaults={
                "full_name": f"外勤{i}",
                "station": station,
                "role": "community_officer" if i < PHONES else "duty_officer",
            },
        )
        officers.append(user)
    leader, _ = User.objects.get_or_create(
        username="bench-field-leader",
        defaults={"full_name": "所长", "station": station, "role": "station_leader"},
    )
    incident = Incident.objects.filter(station=station).first() or incident_receive(
        actor=leader,
        station=station,
        category=IncidentCategory.objects.order_by("pk").first(),
        location="西街12号",
        narrative="基准测试",
    )
    IncidentPlace.objects.update_or_create(
        incident=incident, defaults={"latitude": 29.2090, "longitude": 103.9440}
    )
    now = dt.datetime.now(dt.UTC)
    shift, _ = Shift.objects.get_or_create(
        station=station, name="全天", defaults={"starts": dt.time(0), "ends": dt.time(0)}
    )
    from fengqiao.command.rules import candidate_days

    rng = random.Random(25)
    with transaction.atomic():
        for user in officers[:UNITS]:
            for day in candidate_days(now):
                DutyAssignment.objects.get_or_create(
                    station=station, day=day, shift=shift, user=user, defaults={"post": "duty"}
                )
            OfficerFix.objects.create(
                station=station,
                officer=user,
                at=now - dt.timedelta(seconds=rng.randint(0, 600)),
                latitude=29.2 + rng.uniform(-0.05, 0.05),
                longitude=103.94 + rng.uniform(-0.05, 0.05),
            )
    return station, officers[:PHONES], leader, incident


def main() -> None:
    setup()
    from fengqiao.field.models import Evidence, WorkLogEntry

    station, phones_users, leader, incident = prepare()
    print(f"making {PHOTOS} photos of 2 MB …", flush=True)
    photos = [photo(k) for k in range(PHOTOS)]
    queues: list[list[dict]] = [[] for _ in range(PHONES)]
    for k in range(ITEMS):
        phone = k % PHONES
        if k < PHOTOS:
            queues[phone].append(
                {"client_id": str(uuid.uuid4()), "kind": "photo", "data": photos[k]}
            )
        else:
            queues[phone].append(
                {
                    "client_id": str(uuid.uuid4()),
                    "kind": "worklog",
                    "data": {
                        "kind": "visit",
                        "place": f"西街{k}号",
                        "note": "走访",
                        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                    },
                }
            )
    port = free_port()
    log = ROOT / "var" / "bench_field_sync.log"
    env = dict(os.environ, PORT=str(port))
    handle = log.open("w")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "fengqiao.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_server(port, timeout=180)
        phones = [
            Phone(port, session_cookie(u), q, incident.pk)
            for u, q in zip(phones_users, queues, strict=True)
        ]
        started = time.perf_counter()
        threads = [threading.Thread(target=p.run) for p in phones]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        first_pass = time.perf_counter() - started
        # Every phone sends its whole queue again (it never heard the answers).
        threads = [threading.Thread(target=p.run) for p in phones]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        from fengqiao.field.models import SyncReceipt

        photo_ids = {i["client_id"] for q in queues for i in q if i["kind"] == "photo"}
        log_ids = {i["client_id"] for q in queues for i in q if i["kind"] == "worklog"}
        ids = photo_ids | log_ids
        entries = set(WorkLogEntry.objects.filter(station=station).values_list("pk", flat=True))
        evid = [
            str(c)
            for c in Evidence.objects.filter(station=station).values_list("client_id", flat=True)
        ]
        # A work-log entry carries no phone id: its receipt names the entry it made.
        made = {
            str(r["client_id"]): r["result"].get("id")
            for r in SyncReceipt.objects.filter(station=station, state="applied").values(
                "client_id", "result"
            )
        }
        present = {cid for cid in log_ids if made.get(cid) in entries} | (photo_ids & set(evid))
        missing = len(ids - present)
        duplicated = (len(entries) - len({made[c] for c in log_ids if c in made})) + (
            len(evid) - len(set(evid))
        )
        stored = len(entries) + len(evid)
        answered = sum(len(p.answers) for p in phones)
        errors = [e for p in phones for e in p.errors]
        print(
            f"entries {len(ids)} (photos {PHOTOS} of {len(photos[0]) / 1048576:.1f} MB), "
            f"answered {answered}, stored {stored}, missing {missing}, "
            f"duplicated {duplicated}, errors {len(errors)}; first pass {first_pass:.1f} s "
            f"for {PHONES} phones",
            flush=True,
        )
        for e in errors[:5]:
            print("  error:", e, flush=True)
        bad = missing + duplicated + len(errors)
        print(f"BENCH field_sync {bad} lost target 0 {'pass' if bad == 0 else 'fail'}", flush=True)

        cookie = session_cookie(leader)
        csrf = secrets.token_hex(16)
        samples: list[float] = []
        lock = threading.Lock()

        def ask(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(n):
                started = time.perf_counter()
                conn.request(
                    "GET",
                    f"/api/field/incidents/{incident.pk}/nearest/",
                    headers={"Cookie": f"{cookie}; csrftoken={csrf}"},
                )
                resp = conn.getresponse()
                body = resp.read()
                elapsed = time.perf_counter() - started
                assert resp.status == 200 and json.loads(body), body[:200]
                with lock:
                    samples.append(elapsed)

        threads = [threading.Thread(target=ask, args=(50,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"nearest units: {len(samples)} requests, {UNITS} units on shift", flush=True)
        report("nearest_units_p95", p95(samples) * 1000, "ms", 200)
    finally:
        stop_server(server)
        handle.close()


if __name__ == "__main__":
    main()
