"""estate_ingest: access events pushed over HTTP by simulated terminals of the 47 estates, stored
(committed) and answered per second; target ≥ 2,000 events/s with 0 lost.

Prepares its own database (ESTATE_BENCH_DATABASE_URL, default SQLite var/bench-estate.db): 47 estates
with 3 gates each and one terminal per gate (60 % Hikvision, 40 % ZKTeco), credentials for 200
residents per estate. Starts `fengqiao estate_gateway serve` (ESTATE_BENCH_PROCESSES processes, default
1) and, in separate load-generator processes (ESTATE_BENCH_LOADGEN, default 2), the terminals: every
Hikvision terminal POSTs one AccessControllerEvent JSON per pass over a keep-alive connection (every
20th as multipart with its JPEG picture part, which the gateway discards), every ZKTeco terminal does
the /iclock/cdata handshake and POSTs ATTLOG rows 10 per request; each waits for the 200 (sent after the
commit) before the next. At the end the stored rows are counted: every acknowledged event must be
there. Flood limits are raised for the run (a benchmark peak is not one terminal flooding).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "estate_ingest"
TARGET = 2000.0
EVENTS = int(os.environ.get("ESTATE_BENCH_EVENTS", "60000"))
PROCESSES = int(os.environ.get("ESTATE_BENCH_PROCESSES", "1"))
LOADGEN = int(os.environ.get("ESTATE_BENCH_LOADGEN", "2"))

PREPARE = r"""
import django, json, sys; django.setup()
from django.core.management import call_command; call_command('migrate', verbosity=0)
from django.db import connection
from fengqiao.accounts.models import Station, Bureau
from fengqiao.registry.models import Community
from fengqiao.estates.models import AccessDevice, AccessEvent, Credential, DeviceAlarm, Estate, Gate, RegistrationTask
c = connection.cursor()
c.execute('TRUNCATE estates_accessevent' if connection.vendor == 'postgresql' else 'DELETE FROM estates_accessevent')
for m in (DeviceAlarm, RegistrationTask, Credential, AccessDevice, Gate, Estate):
    m.objects.all().delete()
bureau = Bureau.objects.first() or Bureau.objects.create(name='犍为县公安局', code='511123')
station = Station.objects.filter(code='BENCH-EST').first() or Station.objects.create(bureau=bureau, name='基准派出所', code='BENCH-EST')
community = Community.objects.filter(station=station).first() or Community.objects.create(station=station, name='基准社区', code='BENCH-EST-C1')
terminals = []
for e in range(47):
    estate = Estate.objects.create(station=station, community=community, name=f'基准小区{e + 1:02d}', households=300)
    Credential.objects.bulk_create([Credential(station=station, estate=estate, holder_no=f'{h:05d}') for h in range(1, 201)])
    for g in range(3):
        gate = Gate.objects.create(estate=estate, name=f'{g + 1}号门')
        n = e * 3 + g
        hik = n % 5 < 3
        ident = ':'.join(f'{b:02x}' for b in (0xBC, 0xBA, 0xC2, 0x20, n >> 8, n & 255)) if hik else f'BENCHZK{n:05d}'
        AccessDevice.objects.create(vendor='hikvision' if hik else 'zkteco', identifier=ident, status='active', station=station, estate=estate, gate=gate)
        terminals.append(['hikvision' if hik else 'zkteco', ident, [f'{h:05d}' for h in range(1, 201)]])
json.dump(terminals, open(sys.argv[1], 'w'))
"""

LOAD = r"""
import asyncio, json, sys, time
try:
    import uvloop; uvloop.install()
except ImportError:
    pass
from fengqiao.gateway import estate_simulate as sim
spec, port, per_terminal, seed = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
terminals = [sim.Terminal(v, i, h) for v, i, h in spec]
started = time.perf_counter()
totals = asyncio.run(sim.run(terminals, host='127.0.0.1', port=port, events_per_terminal=per_terminal, rate=0,
                             seed=seed, batch=10, picture_every=20, backlog=6 * 3600))
out = totals.as_dict(); out['seconds'] = time.perf_counter() - started
print(json.dumps(out))
"""


def _env(url: str) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        PYTHONPATH=str(ROOT / "src"),
    )


def stored(url: str) -> int:
    code = "import django; django.setup(); from fengqiao.estates.models import AccessEvent; print(AccessEvent.objects.count())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(url),
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )  # noqa: S603
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from common import report
    from run import ensure_postgres_database

    from fengqiao.gateway.loadgen import free_port

    url = os.environ.get(
        "ESTATE_BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-estate.db'}"
    )
    ensure_postgres_database(url)
    spec = Path(tempfile.mkdtemp()) / "terminals.json"
    subprocess.run([sys.executable, "-c", PREPARE, str(spec)], env=_env(url), check=True, cwd=ROOT)  # noqa: S603
    terminals = json.loads(spec.read_text())
    per_terminal = max(10, EVENTS // len(terminals))
    print(f"{NAME}: {len(terminals)} terminals of 47 estates × {per_terminal} events, {PROCESSES} gateway process(es), "
          f"{LOADGEN} load-generator process(es), database {url.split('://')[0]}", flush=True)  # fmt: skip
    port = free_port()
    env = _env(url) | {"ESTATE_GATEWAY_PORT": str(port), "ESTATE_GATEWAY_HOST": "127.0.0.1",
                       "ESTATE_GATEWAY_RATE": "100000", "ESTATE_GATEWAY_BURST": "100000",
                       # every simulated terminal connects from 127.0.0.1: lift the per-address cap
                       "ESTATE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS": "100000"}  # fmt: skip
    argv = [sys.executable, "-m", "fengqiao.cli", "estate_gateway", "serve", "--processes", "1"]
    if PROCESSES > 1:
        argv.append("--reuse-port")
    gateways = [subprocess.Popen(argv, env=env, cwd=ROOT) for _ in range(PROCESSES)]  # noqa: S603
    try:
        import socket

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(0.5)
        shards = [terminals[i::LOADGEN] for i in range(LOADGEN)]
        files = []
        for i, shard in enumerate(shards):
            path = spec.with_name(f"shard{i}.json")
            path.write_text(json.dumps(shard))
            files.append(path)
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", LOAD, str(f), str(port), str(per_terminal), str(7 + i)],  # noqa: S603
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for i, f in enumerate(files)
        ]
        results = [
            json.loads(p.communicate(timeout=1800)[0].strip().splitlines()[-1]) for p in procs
        ]
        wall = time.perf_counter() - started
        try:
            import urllib.request

            with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as r:  # noqa: S310
                status = json.loads(r.read())
        except OSError:
            status = {}
    finally:
        for g in gateways:
            g.terminate()
        for g in gateways:
            try:
                g.wait(30)
            except subprocess.TimeoutExpired:
                g.kill()
    acked = sum(r["acknowledged"] for r in results)
    count = stored(url)
    rate = acked / wall if wall else 0.0
    print(f"sent {sum(r['sent'] for r in results):,}, acknowledged {acked:,}, stored {count:,} in {wall:.1f} s; "
          f"requests {sum(r['requests'] for r in results):,}, refused {sum(r['refused'] for r in results)}, "
          f"errors {sum(r['errors'] for r in results)}; answer p50 {[r['p50_ms'] for r in results]} ms, "
          f"p99 {[r['p99_ms'] for r in results]} ms", flush=True)  # fmt: skip
    if status:
        print(f"gateway: commits {status.get('commits')}, events_stored {status.get('events_stored')}, "
              f"pictures discarded {status.get('biometric_parts_discarded')}, answer p99 {status.get('answer_ms_p99')} ms", flush=True)  # fmt: skip
    lost = acked - count
    if lost != 0:
        print(
            f"LOST: {lost} acknowledged events are not in the table (or stored without acknowledgement)",
            flush=True,
        )
        rate = 0.0
    report(NAME, rate, "events/s", TARGET, lower_is_better=False)


if __name__ == "__main__":
    main()
