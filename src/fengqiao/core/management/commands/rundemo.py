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
import signal
import socket
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from fengqiao.core.lifeline import Lifeline


class Supervisor:
    """Runs named commands as children; stops them all when one ends or on a signal. The children die
    with the supervisor even when it is killed with `kill -9` (core/lifeline.py: PR_SET_PDEATHSIG and a
    pipe), so a restart never finds the old children still listening."""

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        env=None,
        stop_timeout: float = 10.0,
        poll: float = 0.2,
        log=print,
        pdeathsig: bool = True,
    ):
        self.commands = commands
        self.pdeathsig = pdeathsig
        self.lifeline: Lifeline | None = None
        self.env = env
        self.stop_timeout = stop_timeout
        self.poll = poll
        self.log = log
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False
        self.signalled: int | None = None

    def start(self) -> None:
        self.lifeline = Lifeline(pdeathsig=self.pdeathsig)
        for name, argv in self.commands.items():
            self.children[name] = subprocess.Popen(argv, **self.lifeline.popen_kwargs(self.env))  # noqa: S603 - our own commands
        self.lifeline.started()

    def handle_signal(self, signum, frame=None) -> None:
        self.signalled = signum
        self.stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self.handle_signal)
        signal.signal(signal.SIGTERM, self.handle_signal)

    def wait(self) -> int:
        """Block until a child ends or a signal arrives; then stop the rest. Returns the exit code."""
        code = 0
        while not self.stopping:
            for name, child in self.children.items():
                status = child.poll()
                if status is not None:
                    self.log(f"{name} 已退出(代码 {status}),正在停止其余进程")
                    code = status or 1
                    self.stopping = True
                    break
            else:
                time.sleep(self.poll)
        if self.signalled is not None:
            self.log("收到停止信号,正在停止……")
            code = 0
        self.stop()
        return code

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                try:
                    child.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children.values():
            remaining = max(0.0, deadline - time.monotonic())
            try:
                child.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self.lifeline is not None:
            self.lifeline.close()


def supervise_copies(
    command: list[str], options: dict, flags: tuple[str, ...], processes: int, name: str, log
) -> None:
    """Run `processes` copies of `fengqiao <command> --processes 1 --reuse-port` sharing their ports
    (SO_REUSEPORT), passing on the `flags` given in `options`; stop all when one ends or on a signal,
    and exit with the first failure's code. The tracker gateway, the estate gateway and the push
    process all scale on one host this way."""
    argv = [sys.executable, "-m", "fengqiao.cli", *command, "--processes", "1", "--reuse-port"]
    for flag in flags:
        if options.get(flag) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(options[flag])]
    supervisor = Supervisor(
        {f"{name}-{i + 1}": argv for i in range(processes)}, env=dict(os.environ), log=log
    )
    supervisor.install_signal_handlers()
    supervisor.start()
    log(f"{name}: {processes} 个进程已启动(SO_REUSEPORT 共享端口)")
    code = supervisor.wait()
    if code:
        sys.exit(code)


def wait_for_port(host: str, port: int, *, timeout: float, alive) -> bool:
    """True once something accepts connections on host:port; False on timeout or when `alive()` turns false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


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
    from fengqiao.command import demostream

    try:
        demostream.make()
    except RuntimeError as exc:
        log(str(exc))


class Command(BaseCommand):
    help = "同时运行网页服务(gunicorn)和后台任务(Huey 消费者),打印访问地址和演示账号;Ctrl-C 同时停止两者。端口取环境变量 PORT(默认 8000)。"

    def handle(self, *args, **options):
        from fengqiao.core.management.commands.demo import print_logins

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
