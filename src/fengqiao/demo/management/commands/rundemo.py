"""`fengqiao rundemo`: the web app (gunicorn, as `fengqiao serve`), the push tier (`fengqiao push
serve`, on PORT+1) and the Huey consumer together,
plus the demo cameras' local test-pattern stream (made once with ffmpeg, served by the app),
the tracker gateway (`fengqiao gateway`, on 127.0.0.1) and a small simulation of trackers
(DEMO_SIMULATED_DEVICES, default 50; 0 turns it off) so the live map moves.

Both run as child processes; the command prints the address and the demo logins, forwards Ctrl-C
and SIGTERM to both, and when either child ends it stops the other and exits with that child's code.
The consumer also runs the periodic jobs (the deadline sweeper, notification retries).
"""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand

from fengqiao.command import demostream
from fengqiao.core.processes import Supervisor, wait_for_port
from fengqiao.demo.management.commands.demo import print_logins


def demo_commands() -> dict[str, list[str]]:
    python = sys.executable
    commands = {
        "web": [python, "-m", "fengqiao.cli", "serve"],
        "jobs": [python, "-m", "fengqiao.cli", "run_huey", "--workers", "2", "--quiet"],
        "gateway": [python, "-m", "fengqiao.cli", "gateway", "serve", "--host", "127.0.0.1"],
        # The push tier (live bell, wall, map, desk screens): its own port; pages reach it at
        # PUSH_URL=":<port>" (set in handle), so no proxy is needed on one machine.
        "push": [python, "-m", "fengqiao.cli", "push", "serve"],
    }
    devices = int(os.environ.get("DEMO_SIMULATED_DEVICES", "50") or 0)
    if devices > 0:
        commands["simulation"] = [
            python, "-m", "fengqiao.cli", "gateway", "simulate", "--devices", str(devices),
            "--interval", "10", "--protocol", "gt06", "--existing", "--wait", "60",
        ]  # fmt: skip
    # 平安智慧小区: the access-control gateway and simulated gate terminals (the active terminals of the
    # database, so the estate pages are alive); DEMO_SIMULATED_TERMINALS=0 turns the terminals off.
    commands["estate-gateway"] = [
        python,
        "-m",
        "fengqiao.cli",
        "estate_gateway",
        "serve",
        "--host",
        "127.0.0.1",
    ]
    terminals = int(os.environ.get("DEMO_SIMULATED_TERMINALS", "200") or 0)
    if terminals > 0:
        commands["gate-terminals"] = [
            python, "-m", "fengqiao.cli", "estate_gateway", "simulate", "--existing", "--terminals", str(terminals),
            "--rate", "0.05", "--wait", "60",
        ]  # fmt: skip
    return commands


def push_env(env: dict) -> None:
    """The demo's push process on PORT+1 of the same host; pages open it cross-port (CORS with the
    session cookie: the same site), so the demo needs no nginx."""
    env.setdefault("PUSH_HOST", env["HOST"])
    env.setdefault("PUSH_PORT", str(int(env["PORT"]) + 1))
    env.setdefault("PUSH_URL", f":{env['PUSH_PORT']}/push/")
    hosts = {env["HOST"], "127.0.0.1", "localhost"}
    env.setdefault(
        "PUSH_ALLOWED_ORIGINS", ",".join(f"http://{h}:{env['PORT']}" for h in sorted(hosts))
    )


def make_demo_stream(log) -> None:
    """The demo cameras' local HLS test pattern (command/demostream.py), made once with ffmpeg; the demo
    runs on without video (and says why) when ffmpeg is missing."""
    try:
        demostream.make()
    except RuntimeError as exc:
        log(str(exc))


class Command(BaseCommand):
    help = "同时运行网页服务(gunicorn)和后台任务(Huey 消费者),打印访问地址和演示账号;Ctrl-C 同时停止两者。端口取环境变量 PORT(默认 8000)。"

    def handle(self, *args, **options):
        env = dict(os.environ)
        env.setdefault("HOST", "127.0.0.1")
        env.setdefault("PORT", "8000")
        env.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
        # The simulated trackers and gate terminals all connect from 127.0.0.1: lift the per-address
        # connection caps meant for the field (docs/gateway.md, "Limits at the door").
        env.setdefault("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "19000")
        env.setdefault("ESTATE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "10000")
        push_env(env)
        if not env.get("SMS_GATEWAY_URL"):
            env.setdefault("SMS_LOG_UNSENT", "1")  # the demo's booking codes appear in this output
        url = f"http://{env['HOST']}:{env['PORT']}/"
        make_demo_stream(self.stdout.write)
        supervisor = Supervisor(demo_commands(), env=env, log=self.stdout.write)
        supervisor.install_signal_handlers()
        supervisor.start()

        # Print the address and logins after the server's start-up lines, so they are the last thing shown.
        def alive():
            return not supervisor.stopping and all(
                c.poll() is None for c in supervisor.children.values()
            )

        if wait_for_port(env["HOST"], int(env["PORT"]), timeout=60, alive=alive):
            self.stdout.write(self.style.SUCCESS(f"枫桥演示已启动:{url}  (Ctrl-C 停止)"))
            print_logins(self.stdout.write)
        code = supervisor.wait()
        if code:
            sys.exit(code)
