"""gateway_peak_postgres: peak ingestion into PostgreSQL (COPY into the day partitions) — positions decoded,
stored (committed) and acknowledged per second; target ≥ 20,000/s on this 2-core machine.

Same load as gateway_peak_sqlite (two gateway processes sharing the port by default,
GATEWAY_BENCH_PROCESSES), on GATEWAY_BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/fq_bench_gateway, created when missing).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "gateway_peak_postgres"
TARGET = 20_000.0
DEVICES = int(os.environ.get("GATEWAY_BENCH_DEVICES", "400"))
FRAMES = int(os.environ.get("GATEWAY_BENCH_FRAMES", "1000"))
WINDOW = int(os.environ.get("GATEWAY_BENCH_WINDOW", "50"))
PROCESSES = int(os.environ.get("GATEWAY_BENCH_PROCESSES", "2"))


def prepare(url: str, *, keep_devices: bool = False) -> None:
    """Migrate the bench database and empty the tracker tables (devices log in fresh as pending,
    unless `keep_devices`)."""
    from run import ensure_postgres_database

    ensure_postgres_database(url)
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="fengqiao.settings")
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from fengqiao.tracking.models import Device, Position, DeviceAlarm, DeviceCommand;"
        "DeviceAlarm.objects.all().delete(); DeviceCommand.objects.all().delete();"
        "from django.db import connection;"
        "c = connection.cursor();"
        "c.execute('TRUNCATE tracking_position' if connection.vendor == 'postgresql' else 'DELETE FROM tracking_position');"
        + ("" if keep_devices else "Device.objects.all().delete()")
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)  # noqa: S603


def stored(url: str) -> int:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="fengqiao.settings")
    code = (
        "import django; django.setup();"
        "from fengqiao.tracking.models import Position; print(Position.objects.count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    )  # noqa: S603
    return int(out.stdout.strip().splitlines()[-1])


def run_peak(name: str, url: str) -> None:
    from common import report

    from fengqiao.gateway import loadgen

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(
        f"{name}: {DEVICES} devices × {FRAMES} positions, windows of {WINDOW}, {PROCESSES} gateway process(es)",
        flush=True,
    )
    prepare(url)
    gateways = loadgen.start_gateways(
        url,
        processes=PROCESSES,
        extra_env={
            "GATEWAY_RATE": "100000",
            "GATEWAY_BURST": "100000",
            "GATEWAY_MAX_UNACKED": "100000",
        },
        log=lambda line: print(line, flush=True),
    )
    try:
        cpu_before = gateways.cpu_seconds()
        own_before = loadgen.self_cpu_seconds()
        started = time.perf_counter()
        result = asyncio.run(
            loadgen.blast(
                port=gateways.ports["gt06"], devices=DEVICES, frames_per_device=FRAMES, window=WINDOW,
                log=lambda line: print(line, flush=True),
            )
        )  # fmt: skip
        wall = time.perf_counter() - started
        cpu = gateways.cpu_seconds() - cpu_before
        own = loadgen.self_cpu_seconds() - own_before
        status = gateways.status()
    finally:
        gateways.stop()
    count = stored(url)
    rate = result["acked"] / result["seconds"] if result["seconds"] else 0.0
    print(
        f"sent {result['sent']:,}, acknowledged {result['acked']:,}, stored {count:,} in {result['seconds']:.1f} s; "
        f"gateway CPU {cpu:.1f} s ({cpu / max(wall, 1e-9):.2f} cores), load generator CPU {own:.1f} s",
        flush=True,
    )
    for s in status:
        print(
            f"gateway pid {s['pid']}: commits {s.get('commits')}, ack p50 {s.get('ack_ms_p50')} ms, p99 {s.get('ack_ms_p99')} ms",
            flush=True,
        )
    lost = result["acked"] - count
    if lost > 0:
        print(f"LOST: {lost} acknowledged positions are not in the table", flush=True)
        rate = 0.0
    report(name, rate, "positions/s", TARGET, lower_is_better=False)


def main() -> None:
    url = os.environ.get(
        "GATEWAY_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/fq_bench_gateway"
    )
    run_peak(NAME, url)


if __name__ == "__main__":
    main()
