"""`fengqiao estate_gateway`: the access-control gateway of the smart estates and its tools.

    fengqiao estate_gateway [serve] [--processes N] [--port 8089]   Hikvision ISAPI + ZKTeco PUSH over HTTP
    fengqiao estate_gateway simulate --terminals N --rate R [--existing]
    fengqiao estate_gateway purge [--days N]      retention purge now (also nightly, Huey)
    fengqiao estate_gateway sweep                 device health (offline alarms) and registration tasks now

Same process model as `fengqiao gateway` (docs/gateway.md, docs/estates.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time

from django.core.management.base import BaseCommand, CommandError

from fengqiao import env
from fengqiao.core.processes import install_uvloop, supervise_copies, wait_for_port

log = logging.getLogger("fengqiao.gateway.estates")


def config_from_env(options: dict):
    from fengqiao.gateway.estate_server import EstateConfig

    port = options.get("port")
    return EstateConfig(
        host=options.get("host") or env.string("ESTATE_GATEWAY_HOST", "0.0.0.0"),  # noqa: S104 - terminals come from outside
        port=port if port is not None else env.integer("ESTATE_GATEWAY_PORT", 8089, minimum=0),
        reuse_port=bool(options.get("reuse_port"))
        or env.boolean("ESTATE_GATEWAY_REUSE_PORT", False),
        rate=float(env.integer("ESTATE_GATEWAY_RATE", 100, minimum=1)),
        burst=float(env.integer("ESTATE_GATEWAY_BURST", 2000, minimum=1)),
        max_body=env.integer("ESTATE_GATEWAY_MAX_BODY", 4 * 1024 * 1024, minimum=1024),
        idle_seconds=float(env.integer("ESTATE_GATEWAY_IDLE_SECONDS", 120, minimum=5)),
        login_seconds=float(env.integer("ESTATE_GATEWAY_LOGIN_SECONDS", 30, minimum=1)),
        max_connections=env.integer("ESTATE_GATEWAY_MAX_CONNECTIONS", 10000, minimum=1),
        max_per_address=env.integer("ESTATE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", 200, minimum=1),
        log_burst=env.integer("GATEWAY_LOG_BURST", 5, minimum=1),
        log_window=float(env.integer("GATEWAY_LOG_WINDOW_SECONDS", 60, minimum=1)),
        commit_interval_ms=env.integer("GATEWAY_COMMIT_INTERVAL_MS", 5, minimum=0),
        gc_full_seconds=float(env.integer("GATEWAY_GC_FULL_SECONDS", 6 * 3600, minimum=60)),
    )


async def serve(config, *, ready=None, stop_event=None) -> None:
    from fengqiao.estates.store import EstateStore
    from fengqiao.gateway.estate_server import EstateGateway

    gateway = EstateGateway(config, EstateStore)
    await gateway.start()
    log.info("estate gateway pid %s listening on %s:%s", os.getpid(), config.host, gateway.port)
    if ready is not None:
        ready(gateway)
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop_event.set)
        except (NotImplementedError, RuntimeError):
            pass
    await stop_event.wait()
    await gateway.stop()
    log.info("estate gateway stopped: %s", json.dumps(gateway.status(), ensure_ascii=False))


class Command(BaseCommand):
    requires_system_checks = []
    help = "小区门禁网关:海康 ISAPI 与中控 PUSH 接入;simulate 模拟门禁终端;purge 清理过期通行记录;sweep 设备健康与核查登记。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        s = sub.add_parser("serve", help="run the gateway (default)")
        for p in (parser, s):
            p.add_argument("--host")
            p.add_argument("--port", type=int)
            p.add_argument("--processes", type=int, default=None)
            p.add_argument("--reuse-port", action="store_true", dest="reuse_port")
        m = sub.add_parser("simulate", help="simulated terminals over real HTTP")
        m.add_argument("--terminals", type=int, default=20)
        m.add_argument("--rate", type=float, default=0.1, help="events a second per terminal")
        m.add_argument("--host", default="127.0.0.1")
        m.add_argument("--port", type=int)
        m.add_argument("--duration", type=float, default=None)
        m.add_argument("--seed", type=int, default=7)
        m.add_argument(
            "--existing", action="store_true", help="play the active terminals of the database"
        )
        m.add_argument("--wait", type=float, default=0)
        p = sub.add_parser("purge", help="purge access events older than the retention now")
        p.add_argument("--days", type=int, default=None)
        sub.add_parser("sweep", help="device health and registration tasks now")

    def handle(self, *args, **options):
        action = options.get("action") or "serve"
        return getattr(self, f"do_{action}")(options)

    def do_serve(self, options):
        processes = options.get("processes") or env.integer(
            "ESTATE_GATEWAY_PROCESSES", 1, minimum=1
        )
        config = config_from_env(options)
        if processes > 1:
            return self._supervise(processes, options)
        install_uvloop()
        self.stdout.write(f"小区门禁网关启动:HTTP {config.host}:{config.port}(Ctrl-C 停止)")
        asyncio.run(serve(config))

    def _supervise(self, processes: int, options):
        """N processes sharing the ports with SO_REUSEPORT; stop all when one ends or on a signal."""
        supervise_copies(
            ["estate_gateway", "serve"],
            options,
            ("host", "port"),
            processes,
            "estate-gateway",
            self.stdout.write,
        )

    def do_simulate(self, options):
        from fengqiao.gateway import estate_simulate

        port = options["port"] or env.integer("ESTATE_GATEWAY_PORT", 8089, minimum=1)
        if options["existing"]:
            terminals = existing_terminals(options["terminals"])
            self.stdout.write(f"使用数据库中 {len(terminals)} 台在用门禁终端")
        else:
            terminals = estate_simulate.make_terminals(options["terminals"], seed=options["seed"])
        if not terminals:
            raise CommandError("没有可模拟的门禁终端")
        if options["wait"]:
            if not wait_for_port(
                options["host"], port, timeout=options["wait"], alive=lambda: True
            ):
                raise CommandError(f"门禁网关端口 {options['host']}:{port} 未就绪")
        install_uvloop()
        started = time.monotonic()
        self.stdout.write(
            f"模拟 {len(terminals)} 台门禁终端,每台每秒 {options['rate']:g} 条,目标 {options['host']}:{port}"
        )
        try:
            totals = asyncio.run(
                estate_simulate.run(terminals, host=options["host"], port=port, rate=options["rate"],
                                    duration=options["duration"], seed=options["seed"], batch=3, picture_every=5)
            )  # fmt: skip
        except KeyboardInterrupt:
            return
        self.stdout.write(f"{json.dumps(totals.as_dict())} in {time.monotonic() - started:.0f}s")

    def do_purge(self, options):
        import datetime as dt

        from django.utils import timezone

        from fengqiao.estates.retention import purge_events

        before = timezone.now() - dt.timedelta(days=options["days"]) if options["days"] else None
        self.stdout.write(f"已清理 {purge_events(before=before)} 条通行记录")

    def do_sweep(self, options):
        from fengqiao.estates import services

        health = services.devices_health_sweep()
        tasks = services.tasks_detect()
        self.stdout.write(
            f"设备离线 {health['offline']} 台,恢复 {health['back_online']} 台;新核查登记任务 {tasks} 个"
        )


def existing_terminals(limit: int):
    """The active terminals of the database, with the device numbers of their estate's credentials
    (and a few numbers the estate does not know: unregistered people)."""
    # The simulator skips the demo's terminals that stay offline on purpose; a local import, so only
    # `simulate` (a demo and benchmark tool) touches the demo package.
    from fengqiao.demo.estates import BROKEN
    from fengqiao.estates.choices import DeviceStatus
    from fengqiao.estates.models import AccessDevice, Credential
    from fengqiao.gateway.estate_simulate import Terminal

    devices = list(
        AccessDevice.objects.filter(status=DeviceStatus.ACTIVE)
        .exclude(name__endswith=BROKEN)
        .order_by("id")[:limit]
    )
    holders: dict[int, list[str]] = {}
    for estate_id, holder in Credential.objects.filter(
        estate_id__in={d.estate_id for d in devices}
    ).values_list("estate_id", "holder_no"):
        holders.setdefault(estate_id, []).append(holder)
    out = []
    for d in devices:
        numbers = holders.get(d.estate_id, [])[:300] + [
            f"9{d.estate_id:03d}{i:02d}" for i in range(3)
        ]
        out.append(Terminal(d.vendor, d.identifier, numbers))
    return out
