"""A supervisor killed with `kill -9` takes its children with it (issue 20, defect 7): the workers of
`fengqiao gateway serve --processes N` (and of `rundemo`, the same Supervisor) are gone within seconds
and their port is free, so a restart never finds the old listeners still there."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from fengqiao.core.lifeline import ENV, Lifeline, watch_parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that is not us counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def kill_supervisor_and_check(supervisor: subprocess.Popen, workers: list[int], port: int):
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    os.kill(supervisor.pid, signal.SIGKILL)
    supervisor.wait(10)
    try:
        assert wait_until(lambda: not any(alive(pid) for pid in workers), 8), "workers orphaned"
        assert wait_until(lambda: port_free(port), 5), "the port is still taken"
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


WORKER = """
import socket, sys, time
if sys.argv[2] == "pipe":
    from fengqiao.core.lifeline import watch_parent
    watch_parent()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    time.sleep(1)
"""

SUPERVISOR = """
import sys
from fengqiao.core.processes import Supervisor
port, lifeline = sys.argv[1], sys.argv[2]
worker = [sys.executable, "-c", WORKER, port, lifeline]
supervisor = Supervisor({"w1": worker, "w2": worker}, log=lambda *a: None,
                        pdeathsig=lifeline == "pdeathsig")
supervisor.start()
print(" ".join(str(c.pid) for c in supervisor.children.values()), flush=True)
supervisor.wait()
"""


@pytest.mark.parametrize("lifeline", ["pdeathsig", "pipe"])
def test_workers_die_with_a_killed_supervisor_by_either_lifeline(lifeline):
    """Each lifeline alone is enough: PR_SET_PDEATHSIG (Linux), the pipe (everywhere)."""
    port = free_port()
    code = SUPERVISOR.replace("WORKER", repr(WORKER))
    supervisor = subprocess.Popen(  # noqa: S603 - our own test script
        [sys.executable, "-c", code, str(port), lifeline], stdout=subprocess.PIPE, text=True
    )
    workers = [int(pid) for pid in supervisor.stdout.readline().split()]
    assert wait_until(lambda: accepting(port), 20)
    kill_supervisor_and_check(supervisor, workers, port)


@pytest.mark.django_db(transaction=True)
def test_gateway_processes_die_with_their_killed_supervisor():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GATEWAY_JT808_PORT": "off",
        "GATEWAY_OSMAND_PORT": "off",
    }
    env.pop(ENV, None)
    supervisor = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "fengqiao.cli", "gateway", "serve", "--processes", "2",
         "--host", "127.0.0.1", "--gt06-port", str(port)],
        env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_until(lambda: len(children_of(supervisor.pid)) == 2, 30)
        workers = children_of(supervisor.pid)
        assert wait_until(lambda: accepting(port), 90)
    except BaseException:
        supervisor.kill()
        raise
    kill_supervisor_and_check(supervisor, workers, port)


def test_watch_parent_ignores_a_missing_or_bad_descriptor():
    assert watch_parent({}) is None
    assert watch_parent({ENV: "not a number"}) is None
    environ = {ENV: "987654"}
    assert watch_parent(environ) is None
    assert ENV not in environ  # never handed on to the child's own children


def test_lifeline_gives_children_the_read_end_only():
    lifeline = Lifeline()
    kwargs = lifeline.popen_kwargs({"A": "1"})
    assert kwargs["env"][ENV] == str(lifeline.read_fd)
    assert kwargs["pass_fds"] == (lifeline.read_fd,)
    assert not os.get_inheritable(lifeline.write_fd)
    lifeline.close()
    assert lifeline.read_fd == lifeline.write_fd == -1
