"""The gateway's store calls ride out a moment of SQLite lock contention instead of failing."""

import time

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


class _DownStore:
    """A database that is away: every write fails after `seconds` (a refused or hanging connection)."""

    def __init__(self, seconds=0.0):
        self.seconds = seconds
        self.writes = 0
        self.resets = 0

    def write(self, records, touches):
        self.writes += 1
        time.sleep(self.seconds)
        raise OSError("connection refused")

    def reset(self):
        self.resets += 1


def test_a_batch_that_cannot_be_stored_fails_within_the_retry_bound():
    """While the database is away every device of the process waits on the writer thread: a batch is
    retried for at most `retry_seconds`, then fails (its devices are closed unacknowledged and resend),
    and the last-message times it carried go with the next batch (issue 20)."""
    down = _DownStore(seconds=0.5)
    committer = store.Committer(lambda: down, None, retry_seconds=1.0)
    committer.store = down
    started = time.monotonic()
    ok, written = committer._write([(1,)], {7: {"remote_address": "10.0.0.1:5"}})
    elapsed = time.monotonic() - started
    assert (ok, written) == (False, [])
    assert down.writes == 2 and down.resets == 2  # not three attempts and 1.8 s of waiting
    assert elapsed < 1.4
    assert committer.touches == {7: {"remote_address": "10.0.0.1:5"}}
    assert committer.stats["batches_failed"] == 1


def test_a_refused_database_fails_a_batch_fast_and_the_next_one_finds_it_back():
    down = _DownStore()
    committer = store.Committer(lambda: down, None, retry_seconds=1.0)
    committer.store = down
    started = time.monotonic()
    assert committer._write([(1,)], {}) == (False, [])
    assert time.monotonic() - started < 0.5 and down.writes == 3

    class Back(_DownStore):
        def write(self, records, touches):
            return records

    committer.store = Back()
    assert committer._write([(1, "x", None, None, 29.2)], {}) == (
        True,
        [(1, "x", None, None, 29.2)],
    )
    assert committer.failing_since is None


def test_waiting_hook_batches_go_to_the_hooks_together_in_order():
    """Under load the hooks thread must not fall behind the commits one small batch at a time: the
    batches waiting when it comes round are handed over in one call, in commit order (issue 26)."""
    import threading

    calls = []
    gate = threading.Event()

    class _Store:
        def after_store(self, records):
            gate.wait(5)
            calls.append(list(records))

    committer = store.Committer(lambda: _Store(), loop=None)
    committer.store = _Store()
    committer.hooks.put([1])
    committer.hook_thread.start()
    time.sleep(0.1)  # the thread is inside the first call; three more batches arrive meanwhile
    for batch in ([2], [3, 4], [5]):
        committer.hooks.put(batch)
    gate.set()
    committer.hooks.put(None)
    committer.hook_thread.join(5)
    assert calls == [[1], [2, 3, 4, 5]]
