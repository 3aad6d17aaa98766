"""`fengqiao push serve [--host H] [--port P] [--processes N]`: the push tier (decision 0008).

One process holds thousands of tabs' connections; `--processes N` (or PUSH_PROCESSES) starts N
sharing the port with SO_REUSEPORT. `fengqiao push purge` deletes outbox rows past the retention now.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from fengqiao.core.processes import install_uvloop, supervise_copies

log = logging.getLogger("fengqiao.push")


async def serve(config, *, ready=None, stop_event=None) -> None:
    from fengqiao.push.server import PushServer

    server = PushServer(config)
    await server.start()
    log.info(
        "push pid %s listening on %s:%s (%s)",
        os.getpid(),
        config.host,
        server.port,
        server.feed.mode,
    )
    if ready is not None:
        ready(server)
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop_event.set)
        except (NotImplementedError, RuntimeError):
            pass
    await stop_event.wait()
    await server.stop()
    log.info("push stopped: %s", json.dumps(server.status()))


class Command(BaseCommand):
    requires_system_checks = []
    help = "实时推送服务:serve 接受浏览器标签页的事件流连接;purge 清理过期推送事件。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        s = sub.add_parser("serve", help="run the push process (default)")
        for p in (parser, s):
            p.add_argument("--host")
            p.add_argument("--port", type=int)
            p.add_argument("--processes", type=int, default=None)
            p.add_argument("--reuse-port", action="store_true", dest="reuse_port")
        sub.add_parser("purge", help="delete events older than PUSH_RETENTION_HOURS")

    def handle(self, *args, **options):
        action = options.get("action") or "serve"
        return getattr(self, f"do_{action}")(options)

    def do_purge(self, options):
        from fengqiao.push.services import purge

        self.stdout.write(f"已删除 {purge()} 条推送事件")

    def do_serve(self, options):
        from fengqiao.push.server import PushConfig

        processes = options.get("processes") or settings.PUSH_PROCESSES
        if processes > 1:
            return self._supervise(processes, options)
        install_uvloop()
        config = PushConfig.from_settings(
            host=options.get("host"),
            port=options.get("port"),
            reuse_port=options.get("reuse_port") or None,
        )
        self.stdout.write(f"实时推送启动:{config.host}:{config.port}(Ctrl-C 停止)")
        asyncio.run(serve(config))

    def _supervise(self, processes: int, options):
        """N processes sharing the ports with SO_REUSEPORT; stop all when one ends or on a signal."""
        supervise_copies(
            ["push", "serve"], options, ("host", "port"), processes, "push", self.stdout.write
        )
