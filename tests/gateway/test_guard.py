"""Connection admission and bounded logging (gateway/guard.py), with a hand-driven clock."""

import logging

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.gateway.guard import ConnectionLimits, LogLimiter


def test_limits_per_port_per_address_and_total():
    limits = ConnectionLimits(total=5, per_port={"gt06": 3}, per_address=2)
    assert limits.admit("gt06", "10.0.0.1") is None
    assert limits.admit("gt06", "10.0.0.1") is None
    assert limits.admit("gt06", "10.0.0.1") == "address"
    assert limits.admit("gt06", "10.0.0.2") is None
    assert limits.admit("gt06", "10.0.0.3") == "port"
    assert limits.admit("jt808", "10.0.0.3") is None
    assert limits.admit("jt808", "10.0.0.4") is None
    assert limits.admit("jt808", "10.0.0.5") == "process"
    limits.release("gt06", "10.0.0.1")
    assert limits.admit("gt06", "10.0.0.1") is None
    assert limits.figures()["connections_by_port"] == {"gt06": 3, "jt808": 2}


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["1", "2", "3"]), st.booleans())
    )
)
def test_counts_never_drift(steps):
    limits = ConnectionLimits(total=4, per_port={"a": 3}, per_address=2)
    open_ = []
    for port, address, connect in steps:
        if connect:
            if limits.admit(port, address) is None:
                open_.append((port, address))
        elif open_:
            limits.release(*open_.pop())
        assert limits.open == len(open_) <= 4
        assert all(n > 0 for n in limits.by_address.values())
        assert sum(limits.by_address.values()) == len(open_)
    for item in open_:
        limits.release(*item)
    assert limits.open == 0 and not limits.by_address


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_log_limiter_keeps_a_few_lines_per_source_and_sums_up_the_rest(caplog):
    caplog.set_level(logging.INFO)
    clock = Clock()
    limiter = LogLimiter(logging.getLogger("t"), "bad frames", burst=3, window=60, clock=clock)
    for _ in range(10_000):
        limiter.log("10.0.0.9", logging.INFO, "bad frame from %s", "10.0.0.9")
    limiter.log("10.0.0.10", logging.INFO, "bad frame from %s", "10.0.0.10")
    assert len(caplog.records) == 4
    clock.now = 61
    limiter.flush()
    assert caplog.records[-1].getMessage() == (
        "9997 more bad frames from 10.0.0.9 suppressed in the last 60 s"
    )
    assert len(caplog.records) == 5  # no summary for a source that lost nothing
    assert limiter.sources == {}


def test_log_limiter_memory_is_bounded_under_many_addresses(caplog):
    caplog.set_level(logging.INFO)
    limiter = LogLimiter(logging.getLogger("t"), "bad frames", burst=1, max_sources=100)
    for i in range(5000):
        limiter.log(f"10.1.{i // 256}.{i % 256}", logging.INFO, "x")
    assert len(limiter.sources) <= 101
    assert len(caplog.records) == 101
