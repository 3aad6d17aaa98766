"""gateway_peak_postgres: peak ingestion into PostgreSQL (COPY into the day partitions) — of 20,000
positions a second offered (GATEWAY_BENCH_OFFERED) by 4,000 devices (GATEWAY_BENCH_SIM_DEVICES) sending
ONE frame per write at their cadence, with connects and logins inside the window and the flood limits as
shipped, how many a second are acknowledged within 1 s (GATEWAY_BENCH_DEADLINE) and stored; target
≥ 20,000/s. Offered vs sent vs acknowledged in time vs stored is printed; a generator that falls behind
its schedule fails the figure. gateway_peak_postgres_packed is the former closed-loop load (50 frames
packed per write), kept as a separately labelled figure (GATEWAY_BENCH_PACKED=0 skips it).

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
NAMES = ["gateway_peak_postgres", "gateway_peak_postgres_packed"]
TARGET = 20_000.0
DEVICES = int(os.environ.get("GATEWAY_BENCH_DEVICES", "400"))
FRAMES = int(os.environ.get("GATEWAY_BENCH_FRAMES", "1000"))
WINDOW = int(os.environ.get("GATEWAY_BENCH_WINDOW", "50"))
PROCESSES = int(os.environ.get("GATEWAY_BENCH_PROCESSES", "2"))
# the honest peak: devices at their cadence, one frame per write
OFFERED = float(os.environ.get("GATEWAY_BENCH_OFFERED", "20000"))
SIM_DEVICES = int(os.environ.get("GATEWAY_BENCH_SIM_DEVICES", "4000"))
SIM_PROCESSES = int(os.environ.get("GATEWAY_BENCH_SIM_PROCESSES", "2"))
SECONDS = float(os.environ.get("GATEWAY_BENCH_SECONDS", "30"))
DEADLINE = float(os.environ.get("GATEWAY_BENCH_DEADLINE", "1"))


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
    """The peak figure (`name`): OFFERED positions a second from SIM_DEVICES devices, one frame per
    write at their cadence, connects and logins inside the window, the gateway's flood limits as
    shipped; the figure is the offered rate × the share of offered positions acknowledged within
    DEADLINE s and stored. Then, unless GATEWAY_BENCH_PACKED=0, the old closed-loop packed load as a
    separately labelled figure (`name`_packed: windows of 50 frames per write, logins outside the
    timed window, flood limits raised) — what the decoder and commit path can do when nothing else
    costs, not what devices do."""
    from bench_gateway_hold_56551 import register_fleet
    from common import report

    from fengqiao.gateway import loadgen

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    interval = SIM_DEVICES / OFFERED
    print(
        f"{name}: {OFFERED:,.0f} positions/s offered by {SIM_DEVICES:,} devices (one frame per write "
        f"every {interval:.2f} s) for {SECONDS:g} s from {SIM_PROCESSES} generator process(es); "
        f"{PROCESSES} gateway process(es), flood limits as shipped",
        flush=True,
    )
    prepare(url, keep_devices=True)
    register_fleet(url, SIM_DEVICES)
    gateways = loadgen.start_gateways(
        url, processes=PROCESSES, log=lambda line: print(line, flush=True)
    )
    try:
        cpu_before = gateways.cpu_seconds()
        result = loadgen.cadence_processes(
            processes=SIM_PROCESSES,
            devices=SIM_DEVICES,
            interval=interval,
            seconds=SECONDS,
            connect_rate=max(1000.0, SIM_DEVICES / 2),
            port=gateways.ports["gt06"],
        )
        cpu = gateways.cpu_seconds() - cpu_before
    finally:
        gateways.stop()
    count = stored(url)
    v = loadgen.verdict(result, count, deadline=DEADLINE)
    delivered = min(v["in_time"], count)
    rate = OFFERED * delivered / max(1, result["offered"])
    print(
        f"offered {result['offered']:,}, sent {result['sent']:,} ({result['late']:,} > 1 s late, "
        f"{result['skipped']:,} not sendable, worst lag {result['worst_lag_s'] * 1000:.0f} ms), "
        f"acknowledged {v['acked']:,} ({v['in_time']:,} within {DEADLINE:g} s), stored {count:,}, "
        f"lost {v['lost']:,}; ack p50 {v['p50_ms']:.1f} ms, p99 {v['p99_ms']:.1f} ms over all sent; "
        f"connected {result['connected']:,} (failed {result['failed']}, dropped {result['dropped']}); "
        f"gateway CPU {cpu:.1f} s = {cpu / max(1, v['acked']) * 1e6:.1f} µs per position; "
        f"delivered in time {rate:,.0f}/s of {OFFERED:,.0f}/s offered",
        flush=True,
    )
    if v["behind"]:
        print("FAIL: the load generator fell behind its own schedule", flush=True)
    if v["lost"] or v["behind"] or result["failed"] or result["dropped"]:
        rate = 0.0
    report(name, rate, "positions/s", TARGET, lower_is_better=False)
    if os.environ.get("GATEWAY_BENCH_PACKED", "1") != "0":
        run_packed(name + "_packed", url)


def run_packed(name: str, url: str) -> None:
    from common import report

    from fengqiao.gateway import loadgen

    print(
        f"{name} (packed, closed loop — not a device's load): {DEVICES} devices × {FRAMES} positions, "
        f"windows of {WINDOW} frames per write, flood limits raised, logins outside the timed window",
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
    lost = (result["sent"] - result["acked"]) + max(0, result["acked"] - count)
    if lost > 0:
        print(f"LOST: {lost} positions unacknowledged or acknowledged but not stored", flush=True)
        rate = 0.0
    report(name, rate, "positions/s", TARGET, lower_is_better=False)


def main() -> None:
    url = os.environ.get(
        "GATEWAY_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/fq_bench_gateway"
    )
    run_peak(NAME, url)


if __name__ == "__main__":
    main()
