"""Gateway hosts for the tests: network namespaces with a veth pair to the root namespace, made by the
test and removed after it (src/fengqiao/gateway/netns.py, shared with bench/bench_county_ingest.py).

`hosts(n)` makes n hosts (10.231.<k>.2 inside, 10.231.<k>.1 on the root side, loopback up); a test
that cannot make namespaces (not root, no CAP_NET_ADMIN) is skipped with the reason. Whatever a
crashed run left (names carry its process id) is removed first.
"""

from __future__ import annotations

import pytest

from fengqiao.gateway import netns


@pytest.fixture
def hosts():
    reason = netns.unavailable()
    if reason:
        pytest.skip(f"gateway hosts need network namespaces: {reason}")
    made = []

    def make(count: int) -> list[netns.Host]:
        group = netns.Hosts(count)
        made.append(group)
        return group.__enter__()

    yield make
    for group in made:
        group.__exit__(None, None, None)
