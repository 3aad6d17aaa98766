"""page_floor_ratio and page_growth: the station's heaviest pages over real HTTP, against the floor.

Two `fengqiao serve` processes (gunicorn, the production connection settings) run side by side:
one on the bench database (the full demo of all ten parts), one on a copy of it whose history —
addresses, residents, incidents — has been grown to 5× by SQL (older copies of the rows). Every
round sends one request per page to each server in turn, so a load change on the machine hits both
alike; /healthz (a view that touches neither the database nor a template) is the physical floor of
the same path: network, gunicorn, Django's middleware.

- page_floor_ratio: the worst page's p50 ÷ the floor's p50 at the station's size (target ≤ 5);
- page_growth: the worst page's p50 at 5× history ÷ its p50 at 1× (target ≤ 1.2).

Every figure of both lines is printed from the same run.
"""

from __future__ import annotations

import http.client
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from bench_command_wall import ensure_command_demo
from bench_live_push import free_port, session_cookie
from common import median, report, setup, stop_server, wait_for_server

NAMES = ["page_floor_ratio", "page_growth"]
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", "30"))
GROWTH = 5
FLOOR_TARGET = 5.0
GROWTH_TARGET = 1.2


def pages(station) -> list[tuple[str, str, str]]:
    """(name, path, role) of the pages people keep open or open most."""
    from django.urls import reverse

    from fengqiao.registry.models import Person

    name = (
        Person.objects.filter(station=station).order_by("pk").values_list("name", flat=True)[1000]
    )
    lat, lon = 29.6, 103.95
    return [
        ("home", reverse("home"), "station_leader"),
        (
            "registry_search",
            f"{reverse('registry:person_list')}?q={quote(name[:2])}",
            "station_leader",
        ),
        ("incident_list", reverse("incidents:incident_list"), "station_leader"),
        ("case_room", reverse("cases:room"), "station_leader"),
        ("dispute_board", reverse("disputes:board"), "station_leader"),
        ("wall_json", reverse("command:wall_data"), "command"),
        (
            "live_map_json",
            f"/vehicles/live.json?bbox={lat - 0.05},{lon - 0.08},{lat + 0.05},{lon + 0.08}&zoom=14",
            "station_leader",
        ),
        ("kpi_dashboard", "/api/reports/dashboard/?period=this_year", "station_leader"),
    ]


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def copy_database(url: str) -> str:
    """A copy of the bench database, for the grown history (the bench database stays as it is)."""
    path = _sqlite_path(url)
    if path is not None:
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        target = path.with_name("bench-growth.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(path, target)
        return f"sqlite:///{target}"
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    growth = f"{cfg['NAME']}_growth"
    from django.db import connections

    connections.close_all()
    with psycopg.connect(
        dbname="postgres",
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{growth}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{growth}" TEMPLATE "{cfg["NAME"]}"')
    return url.rsplit("/", 1)[0] + f"/{growth}"


# Each copy k = 1..GROWTH-1 of a row: the same facts k years older, its unique columns told apart.
GROW = {
    "registry_address": {"full_text": "full_text || '（旧{k}）'"},
    "registry_person": {"id_number": "'H{k}' || substr(id_number, 3)"},
    "incidents_incident": {
        "reference": "reference || '-H{k}'",
        "submission_id": "NULL",
        "received_at": {
            "sqlite": "datetime(received_at, '-{k} years')",
            "postgresql": "received_at - interval '{k} years'",
        },
    },
}


def grow(url: str) -> dict[str, int]:
    """Make the history of the copy `GROWTH` times what it was, in SQL."""
    path = _sqlite_path(url)
    vendor = "sqlite" if path else "postgresql"
    if path:
        connection = sqlite3.connect(path)

        def columns_of(table):
            return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]

        run = connection.execute
    else:
        import psycopg

        connection = psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=False)

        def columns_of(table):
            return [
                row[0]
                for row in connection.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position",
                    [table],
                )
            ]

        run = connection.execute
    counts = {}
    for table, changes in GROW.items():
        columns = [c for c in columns_of(table) if c != "id"]
        (top,) = run(f"SELECT max(id) FROM {table}").fetchone()  # noqa: S608 - our own table names
        for k in range(1, GROWTH):
            values = []
            for column in columns:
                change = changes.get(column)
                if isinstance(change, dict):
                    change = change[vendor]
                values.append(change.format(k=k) if change else column)
            run(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(values)} FROM {table} WHERE id <= {int(top)}"
            )
        (counts[table],) = run(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    connection.commit()
    if path:
        connection.execute("ANALYZE")
    else:
        connection.execute("ANALYZE")
        connection.commit()
    connection.close()
    return counts


def _fingerprint(url: str) -> str:
    """What the bench database holds (its tables' sizes): the grown copy is remade when it changes."""
    from django.db import connection

    with connection.cursor() as cursor:
        parts = []
        for table in GROW:
            cursor.execute(f"SELECT count(*), max(id) FROM {table}")  # noqa: S608
            parts.append(":".join(map(str, cursor.fetchone())))
    return f"{url}|{'|'.join(parts)}"


def grown_copy(base_url: str, var: Path) -> str:
    """The copy with 5× history, made once per state of the bench database (about 2 minutes)."""
    marker = var / "bench-growth.marker"
    key = _fingerprint(base_url)
    growth_url = (
        f"sqlite:///{_sqlite_path(base_url).with_name('bench-growth.db')}"
        if _sqlite_path(base_url)
        else base_url.rsplit("/", 1)[0] + f"/{base_url.rsplit('/', 1)[1]}_growth"
    )
    if marker.exists() and marker.read_text() == key:
        print("the copy with 5× history is there already", flush=True)
        return growth_url
    print("copying the bench database and growing its history ×5 by SQL …", flush=True)
    started = time.perf_counter()
    growth_url = copy_database(base_url)
    counts = grow(growth_url)
    marker.write_text(key)
    print(
        f"  grown in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items()),
        flush=True,
    )
    return growth_url


def migrate_copy(growth_url: str) -> None:
    """The grown copy at the code's schema (a copy kept from an earlier run may predate a migration,
    an index for instance, that the bench database has had since)."""
    env = dict(os.environ, DATABASE_URL=growth_url)
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "fengqiao.cli", "migrate"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def share_sessions(growth_url: str, keys: list[str]) -> None:
    """The benchmark's login sessions, also in the grown copy (same cookie for both servers)."""
    from django.contrib.sessions.models import Session

    rows = [
        (s.session_key, s.session_data, s.expire_date)
        for s in Session.objects.filter(session_key__in=keys)
    ]
    path = _sqlite_path(growth_url)
    if path:
        connection = sqlite3.connect(path)
        connection.executemany(
            "INSERT OR REPLACE INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)",
            [(k, d, e.strftime("%Y-%m-%d %H:%M:%S.%f")) for k, d, e in rows],
        )
        connection.commit()
        connection.close()
        return
    import psycopg

    with psycopg.connect(
        growth_url.replace("postgres://", "postgresql://"), autocommit=True
    ) as connection:
        for row in rows:
            connection.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (%s, %s, %s) "
                "ON CONFLICT (session_key) DO UPDATE SET session_data = EXCLUDED.session_data",
                row,
            )


def start_server(url: str, port: int, log: Path):
    env = dict(os.environ, DATABASE_URL=url, PORT=str(port))
    handle = log.open("w")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "fengqiao.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--threads",
            "4",
        ],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_server(port, timeout=180)
    return server


def timed_get(port: int, path: str, cookie: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
    response = connection.getresponse()
    body = response.read()
    ms = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} → {response.status}: {body[:300]!r}")
    return ms


def main() -> None:
    setup()
    from fengqiao.accounts.models import User

    station = ensure_command_demo()
    cookies = {}
    for role in ("station_leader", "command"):
        user = (
            User.objects.filter(station=station, role=role, is_active=True).order_by("pk").first()
        )
        cookies[role] = session_cookie(user)
    plan = pages(station)
    base_url = os.environ["DATABASE_URL"]
    var = Path(os.environ.get("FENGQIAO_VAR", "var"))
    growth_url = grown_copy(base_url, var)
    migrate_copy(growth_url)
    share_sessions(growth_url, [c.split("=", 1)[1] for c in cookies.values()])
    servers = {}
    try:
        for key, url in (("1x", base_url), ("5x", growth_url)):
            port = free_port()
            servers[key] = (port, start_server(url, port, var / f"bench_pages_{key}.log"))
        samples = {
            (key, name): [] for key in servers for name, _p, _r in [("floor", "", ""), *plan]
        }
        for port, _s in servers.values():  # warm up: templates, caches, connections
            for _name, path, role in plan:
                timed_get(port, path, cookies[role])
        for _ in range(ROUNDS):
            for key, (port, _s) in servers.items():
                samples[(key, "floor")].append(timed_get(port, "/healthz", ""))
                for name, path, role in plan:
                    samples[(key, name)].append(timed_get(port, path, cookies[role]))
    finally:
        for _port, server in servers.values():
            stop_server(server)
    floor = median(samples[("1x", "floor")])
    print(f"{ROUNDS} rounds, one request per page per server per round, p50 in ms:")
    print(f"  {'page':<18}{'1x':>9}{'÷floor':>9}{'5x':>9}{'growth':>9}")
    print(f"  {'floor /healthz':<18}{floor:>9.1f}{1:>9.2f}{median(samples[('5x', 'floor')]):>9.1f}")
    worst_ratio, worst_growth = ("", 0.0), ("", 0.0)
    for name, _path, _role in plan:
        one, five = median(samples[("1x", name)]), median(samples[("5x", name)])
        ratio, growth = one / floor, five / one
        print(f"  {name:<18}{one:>9.1f}{ratio:>9.2f}{five:>9.1f}{growth:>9.2f}")
        worst_ratio = max(worst_ratio, (name, ratio), key=lambda x: x[1])
        worst_growth = max(worst_growth, (name, growth), key=lambda x: x[1])
    print(f"worst page against the floor: {worst_ratio[0]}; worst growth: {worst_growth[0]}")
    report("page_floor_ratio", worst_ratio[1], "x", FLOOR_TARGET)
    report("page_growth", worst_growth[1], "x", GROWTH_TARGET)


if __name__ == "__main__":
    main()
