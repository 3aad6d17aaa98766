"""Operator commands: createuser validation, rundemo's supervisor of the web app and the job consumer."""

from __future__ import annotations

import io
import signal
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fengqiao.accounts.models import User
from fengqiao.core.processes import Supervisor, wait_for_port
from fengqiao.demo.management.commands.rundemo import demo_commands
from tests.factories import UnitFactory

GOOD = "Qiao-feng-2026-x"


def createuser(*args) -> str:
    out = io.StringIO()
    call_command("createuser", *args, stdout=out)
    return out.getvalue()


def test_createuser_creates_a_user_who_can_log_in(station, client):
    out = createuser(
        "--username",
        "wangwu",
        "--full-name",
        "王五",
        "--role",
        "duty_officer",
        "--station",
        station.code,
        "--password",
        GOOD,
    )
    user = User.objects.get(username="wangwu")
    assert (user.full_name, user.role, user.station) == ("王五", "duty_officer", station)
    assert "已创建用户 wangwu" in out
    assert client.login(username="wangwu", password=GOOD)


def test_createuser_hashes_with_argon2(station, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    createuser(
        "--username",
        "wangwu",
        "--full-name",
        "王五",
        "--role",
        "auxiliary",
        "--station",
        station.code,
        "--password",
        GOOD,
    )
    assert User.objects.get(username="wangwu").password.startswith("argon2")


def test_createuser_puts_the_user_in_the_unit(station):
    unit = UnitFactory(station=station, name="案件办理队")
    createuser(
        "--username",
        "ww",
        "--full-name",
        "王五",
        "--role",
        "case_officer",
        "--station",
        station.code,
        "--unit",
        "案件办理队",
        "--password",
        GOOD,
    )
    assert User.objects.get(username="ww").unit == unit


def test_createuser_unknown_role_is_refused(station):
    with pytest.raises(CommandError, match="未知角色"):
        createuser(
            "--username",
            "ww",
            "--full-name",
            "王五",
            "--role",
            "sheriff",
            "--station",
            station.code,
            "--password",
            GOOD,
        )
    assert not User.objects.filter(username="ww").exists()


def test_createuser_unknown_station_is_refused(station):
    with pytest.raises(CommandError, match="找不到代码为“NOPE”的派出所"):
        createuser(
            "--username",
            "ww",
            "--full-name",
            "王五",
            "--role",
            "auxiliary",
            "--station",
            "NOPE",
            "--password",
            GOOD,
        )


def test_createuser_unit_of_another_station_is_refused(station, other_station):
    UnitFactory(station=other_station, name="案件办理队")
    with pytest.raises(CommandError, match="没有名为“案件办理队”的单位"):
        createuser(
            "--username",
            "ww",
            "--full-name",
            "王五",
            "--role",
            "auxiliary",
            "--station",
            station.code,
            "--unit",
            "案件办理队",
            "--password",
            GOOD,
        )


def test_createuser_weak_password_is_refused(station):
    with pytest.raises(CommandError, match="密码不符合规则:.*(太短|常见|全都是数字)"):
        createuser(
            "--username",
            "ww",
            "--full-name",
            "王五",
            "--role",
            "auxiliary",
            "--station",
            station.code,
            "--password",
            "12345",
        )
    assert not User.objects.filter(username="ww").exists()


def test_createuser_duplicate_username_is_refused(station, alice):
    with pytest.raises(CommandError, match="已存在"):
        createuser(
            "--username",
            "ALICE",
            "--full-name",
            "王五",
            "--role",
            "auxiliary",
            "--station",
            station.code,
            "--password",
            GOOD,
        )


def test_createuser_station_required_for_station_roles(db):
    with pytest.raises(CommandError, match="--station"):
        createuser(
            "--username", "ww", "--full-name", "王五", "--role", "auxiliary", "--password", GOOD
        )


def test_createuser_bureau_user_with_bureau_code(station):
    createuser(
        "--username",
        "county",
        "--full-name",
        "县局用户",
        "--role",
        "bureau",
        "--bureau",
        station.bureau.code,
        "--password",
        GOOD,
    )
    user = User.objects.get(username="county")
    assert user.station is None and user.bureau == station.bureau


def test_createuser_prompts_twice_and_refuses_a_mismatch(station, monkeypatch):
    answers = iter([GOOD, GOOD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="不一致"):
        createuser(
            "--username",
            "ww",
            "--full-name",
            "王五",
            "--role",
            "auxiliary",
            "--station",
            station.code,
        )


def test_createuser_prompted_password_is_used(station, monkeypatch, client):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": GOOD)
    createuser(
        "--username", "ww", "--full-name", "王五", "--role", "auxiliary", "--station", station.code
    )
    assert client.login(username="ww", password=GOOD)


# ----------------------------------------------------------------------------- rundemo


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


SLEEPER = _python("import time; time.sleep(60)")


def test_rundemo_runs_the_web_app_and_the_job_consumer():
    commands = demo_commands()
    assert commands["web"][-1] == "serve"
    assert "run_huey" in commands["jobs"]


def test_supervisor_stops_the_other_child_when_one_dies():
    supervisor = Supervisor(
        {"web": SLEEPER, "jobs": _python("import sys; sys.exit(3)")}, log=lambda *a: None
    )
    supervisor.start()
    started = time.monotonic()
    assert supervisor.wait() == 3
    assert time.monotonic() - started < 15
    assert all(child.poll() is not None for child in supervisor.children.values())


def test_supervisor_exit_code_is_nonzero_when_a_child_ends_cleanly():
    supervisor = Supervisor({"web": _python("pass"), "jobs": SLEEPER}, log=lambda *a: None)
    supervisor.start()
    assert supervisor.wait() == 1


def test_supervisor_forwards_a_signal_to_both_children():
    supervisor = Supervisor({"web": SLEEPER, "jobs": SLEEPER}, log=lambda *a: None)
    supervisor.start()
    threading.Timer(0.5, supervisor.handle_signal, args=(signal.SIGTERM,)).start()
    assert supervisor.wait() == 0
    assert [child.returncode for child in supervisor.children.values()] == [
        -signal.SIGTERM,
        -signal.SIGTERM,
    ]


def test_supervisor_kills_a_child_that_ignores_sigterm():
    stubborn = _python(
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    supervisor = Supervisor({"web": stubborn}, stop_timeout=1.0, log=lambda *a: None)
    supervisor.start()
    time.sleep(0.5)
    supervisor.handle_signal(signal.SIGINT)
    supervisor.wait()
    assert supervisor.children["web"].returncode == -signal.SIGKILL


def test_wait_for_port_sees_a_listening_socket():
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert wait_for_port("127.0.0.1", server.getsockname()[1], timeout=5, alive=lambda: True)


def test_wait_for_port_gives_up_when_the_child_died():
    started = time.monotonic()
    assert not wait_for_port(
        "127.0.0.1", 9, timeout=30, alive=lambda: time.monotonic() - started < 0.5
    )
    assert time.monotonic() - started < 5
