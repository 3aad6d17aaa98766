"""The gateway's hot path (issue 26): the reads of one loop iteration reach the writer as one item, the
hooks are called at most once per interval, the collector keeps its pauses short and is measured."""

import asyncio
import gc
import threading
import time

from fengqiao.gateway import gt06, store
from fengqiao.gateway.server import Config, Gateway, GcPauses


class _Committer:
    def __init__(self):
        self.items = []

    def submit_many(self, records, done):
        self.items.append((list(records), list(done)))


def test_the_reads_of_one_loop_iteration_go_to_the_writer_as_one_item():
    async def run():
        gateway = Gateway(Config(), store_factory=None, loop=asyncio.get_running_loop())
        gateway.committer = _Committer()
        gateway.submit([("a",)], "done-a")
        gateway.submit([("b",), ("c",)], "done-b")
        gateway.submit([], None)  # a heartbeat's touch: wakes the writer, no callback
        assert gateway.committer.items == []  # handed over at the end of the iteration
        await asyncio.sleep(0)
        assert gateway.committer.items == [([("a",), ("b",), ("c",)], ["done-a", "done-b"])]
        gateway.submit([("d",)], "done-d")
        await asyncio.sleep(0)
        return gateway.committer.items

    # A loop of its own in a thread: the browser tests' Playwright keeps a loop running in this one.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        items = pool.submit(asyncio.run, run()).result(30)
    assert items[1] == ([("d",)], ["done-d"])


def test_hooks_are_called_at_most_once_per_interval_with_the_batches_of_the_interval():
    calls = []

    class _Store:
        def after_store(self, records):
            calls.append((time.monotonic(), list(records)))

    committer = store.Committer(lambda: _Store(), loop=None, hook_interval=0.3)
    committer.store = _Store()
    committer.hook_thread.start()
    for n in range(6):
        committer.hooks.put([n])
        time.sleep(0.1)
    time.sleep(0.4)
    committer.hooks.put(None)
    committer.hook_thread.join(5)
    assert [n for _, batch in calls for n in batch] == list(range(6))  # all of them, in order
    assert len(calls) <= 3  # not six calls
    gaps = [b[0] - a[0] for a, b in zip(calls, calls[1:], strict=False)]
    assert all(gap >= 0.29 for gap in gaps)


def test_collector_thresholds_raised_and_every_pause_measured():
    before = gc.get_threshold()
    pauses = GcPauses(full_every=3600)
    try:
        pauses.install()
        assert gc.get_threshold() == GcPauses.THRESHOLDS
        junk = [[i] for i in range(50_000)]
        gc.collect(0)
        figures = pauses.figures()
        assert figures["gc_collections"] >= 1
        assert figures["gc_cpu_ms_max"] >= 0 and figures["gc_ms_max"] >= 0
        assert figures["gc_pauses_over_50ms"] == pauses.slow
        del junk
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gc.callbacks.remove(pauses._callback)


def test_decoder_cuts_frames_from_the_read_and_keeps_only_a_partial_frame():
    fix_frames = [gt06.heartbeat_frame(n) for n in (1, 2, 3)]
    decoder = gt06.Gt06Decoder()
    data = b"".join(fix_frames)
    out = decoder.feed(data[:-4])  # two whole frames and most of the third
    assert [m.serial for m in out] == [1, 2]
    assert bytes(decoder.buffer) == fix_frames[2][:-4]
    out = decoder.feed(data[-4:])
    assert [m.serial for m in out] == [3]
    assert out[0].raw == fix_frames[2] and out[0].ack == gt06.ack(gt06.STATUS, 3)
    assert not decoder.buffer
    assert [m.serial for m in decoder.feed(fix_frames[0])] == [
        1
    ]  # nothing pending: the read itself


def test_gt06_ack_cache_answers_the_same_bytes_as_building_the_frame():
    for protocol, serial, extended in ((0x22, 7, False), (0x01, 65535, False), (0x13, 3, True)):
        assert gt06.ack(protocol, serial, extended=extended) == gt06.frame(
            protocol, b"", serial, extended=extended
        )


def test_writer_runs_every_callback_of_a_multi_read_item():
    done = []
    ready = threading.Event()

    class _Store:
        def write(self, records, touches):
            return None

        def lookup_many(self, requests):
            return []

        def close(self):
            pass

    class _Loop:
        def call_soon_threadsafe(self, fn, *args):
            fn(*args)
            ready.set()

    committer = store.Committer(lambda: _Store(), _Loop())
    committer.start()
    try:
        committer.submit_many([(1, "x", None, None, 29.2)], [done.append, done.append])
        assert ready.wait(5)
    finally:
        committer.stop()
    assert done == [True, True]
