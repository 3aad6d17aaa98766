"""The gateway's store calls ride out a moment of SQLite lock contention instead of failing."""

import pytest

from fengqiao.gateway import store


def test_a_locked_database_is_retried_then_succeeds(monkeypatch):
    monkeypatch.setattr(store, "LOCK_PAUSE_SECONDS", 0)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("database table is locked: tracking_devicecommand")
        return "done"

    assert store._retry_when_locked(flaky) == "done" and len(calls) == 3


def test_other_errors_and_a_lock_that_stays_are_raised(monkeypatch):
    monkeypatch.setattr(store, "LOCK_PAUSE_SECONDS", 0)

    def broken():
        raise ValueError("bad row")

    with pytest.raises(ValueError):
        store._retry_when_locked(broken)

    def stuck():
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        store._retry_when_locked(stuck)
