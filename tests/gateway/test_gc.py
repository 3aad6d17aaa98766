"""The gateway keeps the garbage collector out of the acknowledgement path (see GcPauses)."""

import gc

from fengqiao.gateway.server import GcPauses


def test_long_lived_objects_are_frozen_and_a_full_collection_comes_now_and_then():
    pauses = GcPauses(full_every=60)
    try:
        pauses.install()
        assert gc.get_freeze_count() > 0  # what existed at start-up is out of the collector's sight
        kept = [[i] for i in range(1000)]  # sessions arriving later …
        young = gc.get_freeze_count()
        pauses.settle()
        assert gc.get_freeze_count() >= young + len(kept)  # … are frozen at the next sweep
        assert pauses.full == 0
        pauses.last_full -= 61
        pauses.settle()  # the periodic full collection: thawed, collected, frozen again
        assert pauses.full == 1
        figures = pauses.figures()
        assert figures["gc_full_collections"] == 1
        assert figures["gc_full_ms_max"] >= 0
        assert figures["gc_frozen_objects"] > 0
    finally:
        gc.unfreeze()
        gc.callbacks.remove(pauses._callback)
