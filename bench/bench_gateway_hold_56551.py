"""gateway_hold_56551: 56,551 concurrent simulated trackers (the reference station's fleet), each reporting
every 10 s for 5 minutes over real TCP, one frame per write. Figures: positions lost (sent and not both
acknowledged and stored, plus offered but never sent; target 0), acknowledgement p99 over every sent
position (send → acknowledgement at the device; an unacknowledged one counts as infinitely late; target
< 100 ms), gateway CPU and memory. Offered vs sent vs acknowledged in time vs stored is printed; a
simulator that falls behind its own schedule says so and the benchmark fails.

One process may hold about 20,000 descriptors here, so the gateway runs as several processes sharing the
ports with SO_REUSEPORT (GATEWAY_HOLD_PROCESSES, default 4) and the devices are simulated by several
processes from several 127.0.0.x source addresses. Database: GATEWAY_BENCH_HOLD_URL (default PostgreSQL
postgres://postgres@127.0.0.1:5432/fq_bench_gateway_hold — at this size the deployment is PostgreSQL).
GATEWAY_HOLD_DEVICES and GATEWAY_HOLD_SECONDS shrink the run while developing.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "gateway_hold_56551"
DEVICES = int(os.environ.get("GATEWAY_HOLD_DEVICES", "56551"))
SECONDS = float(os.environ.get("GATEWAY_HOLD_SECONDS", "300"))
INTERVAL = 10.0
PROCESSES = int(os.environ.get("GATEWAY_HOLD_PROCESSES", "4"))
SIM_PROCESSES = int(os.environ.get("GATEWAY_HOLD_SIM_PROCESSES", str(max(1, -(-DEVICES // 19000)))))
TARGET_P99_MS = 100.0


def register_fleet(url: str, devices: int = DEVICES) -> None:
    """The station's trackers are registered at the install desk before they report: create the
    simulated fleet's devices (active) once, so logging in is a look-up, as in service."""
    import subprocess

    from fengqiao.gateway.simulate import identifier

    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="fengqiao.settings")
    code = (
        "import sys, django; django.setup();"
        "from fengqiao.tracking.models import Device;"
        "ids = sys.stdin.read().split();"
        "have = set(Device.objects.filter(identifier__in=ids).values_list('identifier', flat=True));"
        "Device.objects.bulk_create([Device(identifier=i, protocol='gt06', status='active') for i in ids if i not in have], batch_size=5000);"
        "Device.objects.filter(identifier__in=ids).update(last_fix_at=None, latitude=None, longitude=None)"
    )
    ids = "\n".join(identifier("gt06", i, 0) for i in range(devices))
    subprocess.run(
        [sys.executable, "-c", code], env=env, input=ids, text=True, check=True, cwd=ROOT
    )  # noqa: S603


def main() -> None:
    from bench_gateway_peak_postgres import prepare, stored
    from common import report

    from fengqiao.gateway import loadgen, simulate

    url = os.environ.get(
        "GATEWAY_BENCH_HOLD_URL", "postgres://postgres@127.0.0.1:5432/fq_bench_gateway_hold"
    )
    print(
        f"{NAME}: {DEVICES:,} devices every {INTERVAL:g} s for {SECONDS:g} s; {PROCESSES} gateway processes, "
        f"{SIM_PROCESSES} simulator processes; database {url.split('@')[-1]}",
        flush=True,
    )
    prepare(url, keep_devices=True)
    register_fleet(url)
    gateways = loadgen.start_gateways(
        url,
        processes=PROCESSES,
        extra_env={"GATEWAY_MAX_CONNECTIONS": "19500", "GATEWAY_IDLE_SECONDS": "600"},
        log=lambda line: print(line, flush=True),
    )
    try:
        cpu_before = gateways.cpu_seconds()
        started = time.perf_counter()
        peak_rss = 0.0
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        totals = simulate.run_processes(
            processes=SIM_PROCESSES,
            devices=DEVICES,
            host="127.0.0.1",
            port=gateways.ports["gt06"],
            protocol="gt06",
            interval=INTERVAL,
            duration=SECONDS,
            per_source=15000,
            connect_rate=1500.0,
        )
        wall = time.perf_counter() - started
        children = resource.getrusage(
            resource.RUSAGE_CHILDREN
        )  # the simulator processes, reaped by now
        sim_cpu = (children.ru_utime + children.ru_stime) - (
            children_before.ru_utime + children_before.ru_stime
        )
        cpu = gateways.cpu_seconds() - cpu_before
        peak_rss = max(peak_rss, gateways.rss_mb())
        status = gateways.status()
    finally:
        gateways.stop()
    count = stored(url)
    # p99 over ALL sent positions: one never acknowledged (within the simulator's grace) counts as
    # infinitely late. Lost: every sent position not both acknowledged and stored — a stored but
    # unacknowledged one is lost too (the device keeps it and sends it again; the promise failed).
    sent, acked = totals["sent"], totals["acked"]
    lat = sorted(totals["latencies"]) + [float("inf")] * max(0, sent - len(totals["latencies"]))
    p50 = lat[len(lat) // 2] * 1000 if lat else float("inf")
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000 if lat else float("inf")
    in_time = sum(1 for x in totals["latencies"] if x <= TARGET_P99_MS / 1000)
    lost = (sent - acked) + max(0, acked - count)
    behind = totals["late"] > 0.001 * max(1, totals["offered"]) or sent < totals["offered"]
    print(
        f"connected {totals['connected']:,}/{DEVICES:,} (failed {totals['failed']}); offered "
        f"{totals['offered']:,}, sent {sent:,} ({totals['late']:,} sent > 1 s late, "
        f"{totals['skipped']:,} not sendable), acknowledged {acked:,} ({in_time:,} within "
        f"{TARGET_P99_MS:g} ms), stored {count:,}, lost {lost:,} (unacknowledged or unstored)",
        flush=True,
    )
    print(
        f"ack p50 {p50:.1f} ms, p99 {p99:.1f} ms (over all sent positions); gateway CPU {cpu:.0f} s "
        f"over {wall:.0f} s ({cpu / max(wall, 1e-9):.2f} cores), gateway memory {peak_rss:.0f} MB RSS; "
        f"simulator CPU {sim_cpu:.0f} s",
        flush=True,
    )
    if behind:
        print(
            "FAIL: the simulator fell behind its own schedule (sent < offered or late sends): "
            "the offered load was not applied",
            flush=True,
        )
    for s in status:
        print(f"gateway pid {s['pid']}: {s.get('connections_open')} open, refused {s.get('connections_refused', 0)}, "
              f"server-side ack p50 {s.get('ack_ms_p50')} p99 {s.get('ack_ms_p99')} ms, "
              f"commit p50 {s.get('commit_ms_p50')} p99 {s.get('commit_ms_p99')} ms, commits {s.get('commits')}, "
              f"longest garbage-collector pause {s.get('gc_ms_max')} ms (collector CPU "
              f"{s.get('gc_cpu_ms_max')} ms, {s.get('gc_pauses_over_50ms')} of "
              f"{s.get('gc_collections')} collections over 50 ms)", flush=True)  # fmt: skip
    complete = totals["connected"] == DEVICES and lost == 0 and sent > 0 and not behind
    if not complete:
        print(
            "FAIL: not every device connected, positions were lost or the load fell short",
            flush=True,
        )
    unsent = max(0, totals["offered"] - sent)
    report(NAME + "_lost", lost + unsent + (DEVICES - totals["connected"]), "positions", 1)
    report(NAME, p99 if complete else float("inf"), "ms_p99", TARGET_P99_MS)


if __name__ == "__main__":
    main()
