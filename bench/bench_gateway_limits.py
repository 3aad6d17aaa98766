"""gateway_limit_ratio, gateway_ack_ratio_5000: the gateway measured beside its physical limit.

The limit is bench/limit_server.py: a bare asyncio GT06 server that checks the CRC, group-commits to
SQLite (executemany, WAL, synchronous=FULL) and acknowledges after COMMIT — no project code. The same
load is run against it and against `fengqiao gateway serve` (one process each, both on SQLite), back to
back, in the same benchmark run; a busy machine moves both, so the ratios are the figures:

- gateway_limit_ratio: CPU per acknowledged position (utime + stime of the server process over the
  whole window, from /proc/<pid>/stat), gateway ÷ limit; target ≤ 1.5.
- gateway_ack_ratio_5000: acknowledgement p99 over ALL sent positions (an unacknowledged one counts as
  infinitely late), gateway ÷ limit, at 5,000 connections; target ≤ 2.

The load (loadgen.cadence) is the devices' own: 5,000 real TCP connections opened inside the window
(1,000 a second), each logging in and then sending ONE position frame per write every
GATEWAY_LIMIT_INTERVAL s (default 10, the fleet's cadence) for GATEWAY_LIMIT_SECONDS (default 60) per server. The gateway
runs with its default flood limits; only the per-address cap is lifted (every simulated device comes
from 127.0.0.1). Printed per server: offered, sent, acknowledged in time (≤ GATEWAY_LIMIT_DEADLINE s,
default 5), stored, lost (sent and not both acknowledged and stored), ack p50/p99, CPU. A generator
that falls behind its schedule, a lost position or a failed connection fails the benchmark.
GATEWAY_LIMIT_DEVICES changes the fleet (the figure's name keeps saying 5000 only at 5,000);
GATEWAY_LIMIT_ROUNDS > 1 alternates limit and gateway that many times and reports the median ratios.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAMES = ["gateway_limit_ratio", "gateway_ack_ratio_5000"]
DEVICES = int(os.environ.get("GATEWAY_LIMIT_DEVICES", "5000"))
INTERVAL = float(os.environ.get("GATEWAY_LIMIT_INTERVAL", "10"))
SECONDS = float(os.environ.get("GATEWAY_LIMIT_SECONDS", "60"))
DEADLINE = float(os.environ.get("GATEWAY_LIMIT_DEADLINE", "5"))
ROUNDS = int(os.environ.get("GATEWAY_LIMIT_ROUNDS", "1"))
CONNECT_RATE = float(os.environ.get("GATEWAY_LIMIT_CONNECT_RATE", "1000"))
TARGET_CPU = 1.5
TARGET_ACK = 2.0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> dict:
    from fengqiao.gateway import loadgen

    return loadgen


def drive(port: int, pids: list[int]) -> dict:
    """Run the load against a server; the CPU of `pids` over the whole window."""
    loadgen = load()
    before = sum(cpu_seconds(p) for p in pids)
    result = asyncio.run(
        loadgen.cadence(
            port=port,
            devices=DEVICES,
            interval=INTERVAL,
            seconds=SECONDS,
            connect_rate=CONNECT_RATE,
            log=lambda line: print(line, flush=True),
        )
    )
    result["cpu"] = sum(cpu_seconds(p) for p in pids) - before
    return result


def run_limit() -> tuple[dict, int]:
    path = ROOT / "var" / "bench-limit-server.db"
    path.parent.mkdir(exist_ok=True)
    server = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "limit_server.py"), "--db", str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(server.stdout.readline().split()[1])
        result = drive(port, [server.pid])
    finally:
        server.terminate()
        server.wait(30)
    with sqlite3.connect(path) as db:
        count = db.execute("SELECT count(*) FROM position").fetchone()[0]
    return result, count


def run_gateway(url: str) -> tuple[dict, int, list]:
    from bench_gateway_hold_56551 import register_fleet
    from bench_gateway_peak_postgres import prepare, stored

    loadgen = load()
    prepare(url, keep_devices=True)
    register_fleet(url, DEVICES)
    # Default settings; only the per-address and per-listener caps are lifted by start_gateways (all
    # devices connect from loopback). Flood limits (rate, burst, unacknowledged) stay as shipped.
    gateways = loadgen.start_gateways(url, processes=1, log=lambda line: print(line, flush=True))
    try:
        result = drive(gateways.ports["gt06"], [p.pid for p in gateways.procs])
        status = gateways.status()
    finally:
        gateways.stop()
    return result, stored(url), status


def show(label: str, result: dict, count: int) -> dict:
    loadgen = load()
    v = loadgen.verdict(result, count, deadline=DEADLINE)
    per = result["cpu"] / max(1, v["acked"]) * 1e6
    v["cpu_us"] = per
    logins = sorted(result["login_latencies"])
    login_p99 = logins[int(0.99 * (len(logins) - 1))] * 1000 if logins else float("inf")
    print(
        f"{label}: connected {result['connected']:,}/{DEVICES:,} (failed {result['failed']}, "
        f"dropped {result['dropped']}), logged in {result['logged_in']:,} (login ack p99 "
        f"{login_p99:.0f} ms); offered {result['offered']:,}, sent {result['sent']:,}, acknowledged "
        f"{v['acked']:,} ({v['in_time']:,} within {DEADLINE:g} s), stored {count:,}, lost {v['lost']:,}; "
        f"ack p50 {v['p50_ms']:.1f} ms, p99 {v['p99_ms']:.1f} ms; CPU {result['cpu']:.2f} s over "
        f"{result['seconds']:.0f} s = {per:.1f} µs per position; generator: {result['late']} sends "
        f"> 1 s late, {result['skipped']} not sendable, worst lag {result['worst_lag_s'] * 1000:.0f} ms",
        flush=True,
    )
    v["honest"] = not v["behind"] and result["failed"] == 0 and result["dropped"] == 0
    if v["behind"]:
        print(f"FAIL ({label}): the load generator fell behind its schedule", flush=True)
    if v["lost"] or result["failed"] or result["dropped"]:
        print(f"FAIL ({label}): positions lost or connections failed/dropped", flush=True)
    return v


def main() -> None:
    from common import report

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    url = os.environ.get(
        "GATEWAY_BENCH_LIMITS_URL", f"sqlite:///{ROOT / 'var' / 'bench-gateway-limits.db'}"
    )
    print(
        f"gateway vs limit server: {DEVICES:,} connections, one frame per write every {INTERVAL:g} s "
        f"({DEVICES / INTERVAL:,.0f} positions/s offered), {SECONDS:g} s per server, {ROUNDS} round(s); "
        f"gateway database {url.split('@')[-1]}",
        flush=True,
    )
    cpu_ratios, ack_ratios, ok = [], [], True
    for n in range(ROUNDS):
        limit, limit_count = run_limit()
        lv = show(f"[{n + 1}] limit server", limit, limit_count)
        gateway, gateway_count, status = run_gateway(url)
        gv = show(f"[{n + 1}] gateway     ", gateway, gateway_count)
        for s in status:
            print(
                f"    gateway pid {s['pid']}: server-side ack p50 {s.get('ack_ms_p50')} p99 "
                f"{s.get('ack_ms_p99')} ms, commits {s.get('commits')}, commit p99 "
                f"{s.get('commit_ms_p99')} ms, throttled {s.get('throttled', 0)}, refused "
                f"{s.get('connections_refused', 0)}, longest GC pause {s.get('gc_ms_max')} ms "
                f"(collector CPU {s.get('gc_cpu_ms_max')} ms; {s.get('gc_collections')} collections, "
                f"{s.get('gc_pauses_over_50ms')} over 50 ms); CPU s "
                f"loop {s.get('cpu_s_loop')}, writer {s.get('cpu_s_writer')}, hooks "
                f"{s.get('cpu_s_hooks')}",
                flush=True,
            )
        cpu_ratios.append(gv["cpu_us"] / max(lv["cpu_us"], 1e-9))
        ack_ratios.append(gv["p99_ms"] / max(lv["p99_ms"], 1e-9))
        print(
            f"[{n + 1}] ratios: CPU per position {cpu_ratios[-1]:.2f}×, ack p99 {ack_ratios[-1]:.2f}×",
            flush=True,
        )
        ok = ok and lv["honest"] and gv["honest"] and lv["lost"] == 0 and gv["lost"] == 0
    cpu_ratio = statistics.median(cpu_ratios)
    ack_ratio = statistics.median(ack_ratios)
    if not ok:
        print(
            "FAIL: the run was not clean (see above); the ratios are reported as failures",
            flush=True,
        )
        cpu_ratio = ack_ratio = float("inf")
    report("gateway_limit_ratio", cpu_ratio, "x_limit_cpu_per_position", TARGET_CPU)
    report(f"gateway_ack_ratio_{DEVICES}", ack_ratio, "x_limit_ack_p99", TARGET_ACK)


if __name__ == "__main__":
    main()
