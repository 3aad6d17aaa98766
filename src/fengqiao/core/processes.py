"""Helpers for commands that run processes: the supervisor of `fengqiao rundemo` and of the gateways'
and push tier's `--processes N`, waiting for a port, and uvloop. Plain Python, no Django: the
tracker gateway, the estate gateway, the push tier and the demo import them from here."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

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


def install_uvloop() -> bool:
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True
