"""Helpers shared by the benchmarks: Django setup, demo data at full size, timing, the BENCH line."""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")


def setup():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def report(
    name: str,
    value: float,
    unit: str,
    target: float,
    *,
    lower_is_better: bool = True,
    fail: bool = False,
) -> bool:
    """The BENCH line; `fail` fails the figure whatever its value (a condition of the figure broke,
    e.g. an acknowledged position went missing)."""
    ok = (value < target if lower_is_better else value > target) and not fail
    print(
        f"BENCH {name} {value:.1f} {unit} target {target:g} {'pass' if ok else 'fail'}", flush=True
    )
    return ok


def wait_for_server(port: int, *, path: str = "/healthz", timeout: float = 60) -> None:
    """Wait until a server started for a benchmark answers 200 on loopback, at most `timeout` s."""
    import http.client
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.3)


def stop_server(server) -> None:
    """Stop a server a benchmark started in its own process group (gunicorn's graceful stop would
    wait for open streams): SIGTERM to the group, SIGKILL after 5 s."""
    import os
    import signal
    import subprocess

    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)


# -- the application role of row-level security (core/rls.py, docs/deploy.md), for the county benches
APP_ROLE = os.environ.get("BENCH_APP_ROLE", "fengqiao_app_bench")
_role: dict[str, str | None] = {"name": None}


def ensure_app_role(role: str = APP_ROLE) -> None:
    """Create the role (NOLOGIN NOSUPERUSER NOBYPASSRLS: the bench's superuser connection takes it
    with SET ROLE) and grant it row access, as `fengqiao migrate` does for DATABASE_APP_ROLE."""
    from django.db import connection

    from fengqiao.core import rls

    with rls.system(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(
                f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
            )
        for statement in rls.grant_sql(role):
            cursor.execute(statement)


def _apply_role(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and _role["name"]:
        with connection.connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{_role["name"]}"')


def use_role(role: str | None) -> None:
    """Run this process's queries as `role` (None: the user the connection logs in as, here the
    superuser, whom row-level security does not hold). Set on the open connection and on every new one."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    connection_created.connect(_apply_role, dispatch_uid="bench_app_role")
    _role["name"] = role
    if connection.connection is not None:
        with connection.connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{role}"' if role else "RESET ROLE")


def whoami() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r"
            " WHERE r.rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
    return f"{user} (superuser {superuser}, bypassrls {bypass})"
