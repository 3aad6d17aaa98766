"""The suite's own footing (issue 16): on SQLite the test database is a file, so the live server's
request threads never share the test thread's sqlite3 connection (shared, it can deadlock in C,
where no timeout reaches; see docs/testing.md)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_test_database_is_not_in_memory():
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_live_server_threads_open_their_own_database_connections(live_server):
    assert live_server.thread.connections_override == {}


@pytest.mark.django_db(transaction=True)
def test_a_live_server_request_and_the_test_thread_read_at_once(live_server, alice):
    """The test thread runs Django's SQL functions (date truncation: a Python function called from
    inside SQLite) while live-server requests read rows: the pattern that deadlocked on one shared
    connection now runs on separate ones and every request answers."""
    import threading
    import urllib.request

    from django.db.models.functions import TruncDate

    from fengqiao.accounts.models import User

    answers = []

    def fetch():
        with urllib.request.urlopen(f"{live_server.url}/accounts/login/", timeout=20) as response:  # noqa: S310
            answers.append(response.status)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(50):
        list(User.objects.annotate(day=TruncDate("date_joined")).values_list("day", flat=True))
    for thread in threads:
        thread.join(30)
    assert answers == [200, 200, 200, 200]


def test_a_stuck_test_fails_with_its_traceback_and_the_run_goes_on(tmp_path):
    """pytest-timeout is installed and configured: a test that waits too long fails with the line
    it was waiting on, and the next test still runs."""
    import subprocess
    import sys
    import time

    (tmp_path / "test_stuck.py").write_text(
        "import time\n\ndef test_waits():\n    time.sleep(60)\n\ndef test_after():\n    assert True\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:django",
            "-o",
            "timeout=2",
            "-q",
            "test_stuck.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 40
    assert "Timeout" in result.stdout and "time.sleep(60)" in result.stdout
    assert "1 failed, 1 passed" in result.stdout


def test_the_suite_sets_a_timeout_for_every_test(pytestconfig):
    assert float(pytestconfig.getini("timeout")) > 0
    assert pytestconfig.getini("timeout_method") == "signal"
    assert float(pytestconfig.getini("session_timeout")) > 0


@pytest.mark.browser
def test_a_browser_that_died_is_relaunched_for_the_next_test(_chromium):
    first = _chromium.get()
    first.close()
    second = _chromium.get()
    assert second.is_connected() and second is not first
    page = second.new_page()
    page.set_content("<p id=ok>好</p>")
    assert page.text_content("#ok") == "好"
    page.close()
