"""`fengqiao gateway`: the tracker gateway and its tools.

    fengqiao gateway [serve] [--processes N]          GT06 (5023), JT/T 808 (5015), OsmAnd HTTP (5055)
    fengqiao gateway decode --protocol gt06|jt808 HEX  one JSON line per message; corrupt → reason, exit 1
    fengqiao gateway simulate --devices N --interval S --protocol gt06|jt808
    fengqiao gateway purge [--days N]                  retention purge now (also nightly, Huey)

Ports and limits come from the environment (docs/gateway.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from fengqiao import env
from fengqiao.core.processes import install_uvloop, supervise_copies, wait_for_port
from fengqiao.gateway import gt06, jt808, proxyproto, simulate
from fengqiao.gateway.messages import DecodeError
from fengqiao.gateway.server import Config, Gateway, Limits
from fengqiao.tracking.choices import DeviceStatus
from fengqiao.tracking.models import Device
from fengqiao.tracking.retention import purge_positions
from fengqiao.tracking.store import DjangoStore

log = logging.getLogger("fengqiao.gateway")


def _port(name: str, default: int) -> int | None:
    value = env.string(name, str(default)).strip().lower()
    if value in {"off", "none", "-"}:
        return None
    try:
        port = int(value)
    except ValueError as exc:
        raise env.ImproperEnv(f"{name}={value!r} is not a port number (or 'off')") from exc
    if not 0 <= port <= 65535:
        raise env.ImproperEnv(f"{name}={port} is not a port number")
    return port


def config_from_env(options: dict):
    limits = Limits(
        max_errors=env.integer("GATEWAY_MAX_ERRORS", 10, minimum=1),
        idle_seconds=float(env.integer("GATEWAY_IDLE_SECONDS", 600, minimum=5)),
        rate=float(env.integer("GATEWAY_RATE", 100, minimum=1)),
        burst=float(env.integer("GATEWAY_BURST", 1000, minimum=1)),
        max_unacked=env.integer("GATEWAY_MAX_UNACKED", 5000, minimum=10),
        max_connections=env.integer("GATEWAY_MAX_CONNECTIONS", 19000, minimum=1),
        port_connections={
            "gt06": env.integer("GATEWAY_MAX_CONNECTIONS_GT06", 16000, minimum=1),
            "jt808": env.integer("GATEWAY_MAX_CONNECTIONS_JT808", 16000, minimum=1),
            "osmand": env.integer("GATEWAY_MAX_CONNECTIONS_OSMAND", 2000, minimum=1),
        },
        max_per_address=env.integer("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", 1000, minimum=1),
        login_seconds=float(env.integer("GATEWAY_LOGIN_SECONDS", 30, minimum=1)),
        log_burst=env.integer("GATEWAY_LOG_BURST", 5, minimum=1),
        log_window=float(env.integer("GATEWAY_LOG_WINDOW_SECONDS", 60, minimum=1)),
    )
    config = Config(
        host=options.get("host") or env.string("GATEWAY_HOST", "0.0.0.0"),  # noqa: S104 - devices come from outside
        gt06_port=_port("GATEWAY_GT06_PORT", 5023),
        jt808_port=_port("GATEWAY_JT808_PORT", 5015),
        osmand_port=_port("GATEWAY_OSMAND_PORT", 5055),
        reuse_port=options.get("reuse_port") or env.boolean("GATEWAY_REUSE_PORT", False),
        command_poll_seconds=float(env.integer("GATEWAY_COMMAND_POLL_SECONDS", 2, minimum=1)),
        commit_interval_ms=env.integer("GATEWAY_COMMIT_INTERVAL_MS", 5, minimum=0),
        hook_interval_ms=env.integer("GATEWAY_HOOK_INTERVAL_MS", 250, minimum=0),
        gc_full_seconds=float(env.integer("GATEWAY_GC_FULL_SECONDS", 6 * 3600, minimum=60)),
        jt808_require_auth=env.boolean("GATEWAY_JT808_REQUIRE_AUTH", True),
        proxy_from=proxyproto.networks(env.string("GATEWAY_PROXY_FROM", "")),
        limits=limits,
    )
    for name in ("gt06_port", "jt808_port", "osmand_port"):
        if options.get(name) is not None:
            setattr(config, name, options[name] or None)
    return config


async def serve(config, *, ready=None, stop_event=None) -> None:
    gateway = Gateway(config, DjangoStore)
    await gateway.start()
    log.info("gateway pid %s listening on %s %s", os.getpid(), config.host, gateway.ports())
    if ready is not None:
        ready(gateway)
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop_event.set)
        except (NotImplementedError, RuntimeError):
            pass

    async def upkeep():
        while True:
            await asyncio.sleep(3600)
            await gateway.committer.call(lambda store: store.maintain())

    task = loop.create_task(upkeep())
    await stop_event.wait()
    task.cancel()
    await gateway.stop()
    log.info("gateway stopped: %s", json.dumps(gateway.status(), ensure_ascii=False))


class Command(BaseCommand):
    requires_system_checks = []
    help = "定位设备网关:GT06/JT808/OsmAnd 接入;decode 解码报文;simulate 模拟设备;purge 清理过期定位点。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        s = sub.add_parser("serve", help="run the gateway (default)")
        for p in (parser, s):
            p.add_argument("--host")
            p.add_argument("--gt06-port", type=int, dest="gt06_port")
            p.add_argument("--jt808-port", type=int, dest="jt808_port")
            p.add_argument("--osmand-port", type=int, dest="osmand_port")
            p.add_argument("--processes", type=int, default=None)
            p.add_argument("--reuse-port", action="store_true", dest="reuse_port")
        d = sub.add_parser("decode", help="decode frames given in hex")
        d.add_argument("--protocol", required=True, choices=["gt06", "jt808"])
        d.add_argument("hex", nargs="*", help="hex of one or more frames (stdin when absent)")
        m = sub.add_parser("simulate", help="simulated devices over real TCP")
        m.add_argument("--devices", type=int, default=50)
        m.add_argument("--interval", type=float, default=10.0)
        m.add_argument("--protocol", choices=["gt06", "jt808"], default="gt06")
        m.add_argument("--host", default="127.0.0.1")
        m.add_argument("--port", type=int)
        m.add_argument(
            "--duration", type=float, default=None, help="seconds (default: until Ctrl-C)"
        )
        m.add_argument(
            "--processes", type=int, default=None, help="default: one per 15,000 devices"
        )
        m.add_argument("--seed", type=int, default=7)
        m.add_argument(
            "--existing",
            action="store_true",
            help="play the accepted devices of this protocol already in the database (so the live map moves)",
        )
        m.add_argument(
            "--wait",
            type=float,
            default=0,
            help="wait up to this many seconds for the gateway port",
        )
        p = sub.add_parser("purge", help="purge positions older than the retention now")
        p.add_argument("--days", type=int, default=None)

    def handle(self, *args, **options):
        action = options.get("action") or "serve"
        return getattr(self, f"do_{action}")(options)

    # -- decode --
    def do_decode(self, options):
        texts = options["hex"] or [line for line in sys.stdin.read().split() if line]
        decoder = gt06.Gt06Decoder() if options["protocol"] == "gt06" else jt808.Jt808Decoder()
        failed = False
        decoded = 0
        for text in texts:
            cleaned = "".join(text.split()).replace("0x", "")
            try:
                data = bytes.fromhex(cleaned)
            except ValueError:
                self.stderr.write(f"not hexadecimal: {text[:40]}")
                failed = True
                continue
            for item in decoder.feed(data):
                if isinstance(item, DecodeError):
                    self.stderr.write(f"corrupt frame: {item}")
                    failed = True
                else:
                    decoded += 1
                    self.stdout.write(json.dumps(item.as_json(), ensure_ascii=False))
        if decoder.buffer:
            self.stderr.write(f"corrupt frame: {len(decoder.buffer)} bytes of an incomplete frame")
            failed = True
        if failed or not decoded:
            if not decoded and not failed:
                self.stderr.write("no frame found")
            sys.exit(1)

    # -- serve --
    def do_serve(self, options):
        processes = options.get("processes") or env.integer("GATEWAY_PROCESSES", 1, minimum=1)
        config = config_from_env(options)
        if processes > 1:
            return self._supervise(processes, options)
        install_uvloop()
        self.stdout.write(
            f"网关启动:GT06 {config.gt06_port}、JT808 {config.jt808_port}、OsmAnd {config.osmand_port}(Ctrl-C 停止)"
        )
        asyncio.run(serve(config))

    def _supervise(self, processes: int, options):
        """N processes sharing the ports with SO_REUSEPORT; stop all when one ends or on a signal."""
        supervise_copies(
            ["gateway", "serve"],
            options,
            ("host", "gt06_port", "jt808_port", "osmand_port"),
            processes,
            "gateway",
            self.stdout.write,
        )

    # -- simulate --
    def do_simulate(self, options):
        protocol = options["protocol"]
        port = options["port"] or (
            _port("GATEWAY_GT06_PORT", 5023)
            if protocol == "gt06"
            else _port("GATEWAY_JT808_PORT", 5015)
        )
        if port is None:
            raise CommandError("no port for this protocol")
        devices = options["devices"]
        kwargs = {
            "host": options["host"],
            "port": port,
            "protocol": protocol,
            "interval": options["interval"],
            "duration": options["duration"],
            "seed": options["seed"],
        }
        if options["existing"]:
            kwargs["identifiers"] = list(
                Device.objects.filter(protocol=protocol, status=DeviceStatus.ACTIVE)
                .order_by("identifier")
                .values_list("identifier", flat=True)[:devices]
            )
            self.stdout.write(f"使用数据库中 {len(kwargs['identifiers'])} 台已接收的设备号")
        if options["wait"]:
            if not wait_for_port(
                options["host"], port, timeout=options["wait"], alive=lambda: True
            ):
                raise CommandError(f"网关端口 {options['host']}:{port} 未就绪")
        processes = options["processes"] or max(1, -(-devices // 15000))
        started = time.monotonic()
        self.stdout.write(
            f"模拟 {devices} 台 {protocol} 设备,每 {options['interval']:g} 秒上报,目标 {options['host']}:{port}"
        )
        try:
            if processes == 1:
                install_uvloop()
                totals = asyncio.run(
                    simulate.run(devices=devices, log=self.stdout.write, **kwargs)
                ).as_dict()
            else:
                totals = simulate.run_processes(processes=processes, devices=devices, **kwargs)
        except KeyboardInterrupt:
            self.stdout.write("已停止")
            return
        self.stdout.write(f"{simulate.summary(totals)} in {time.monotonic() - started:.0f}s")

    # -- purge --
    def do_purge(self, options):
        import datetime as dt

        from django.utils import timezone

        before = timezone.now() - dt.timedelta(days=options["days"]) if options["days"] else None
        removed = purge_positions(before=before)
        self.stdout.write(f"已清理 {removed} 个定位点")
