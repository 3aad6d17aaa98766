"""What keeps one client from harming the others at a listener's door. No Django here.

`ConnectionLimits` admits or refuses a new connection: a process-wide total, a cap per listener (so a
flood on one port leaves room for the devices of the others) and a cap per client address (so one
address cannot take a listener's room). `LogLimiter` bounds the log lines one source can cause: a few
lines a window, the rest counted and summed up in one line when the window ends.
"""

from __future__ import annotations

import logging
import time
from collections import Counter


class ConnectionLimits:
    """Open connections counted per listener and per client address (issue 20, defect 4)."""

    def __init__(self, *, total: int, per_port: dict[str, int] | None = None, per_address: int):
        self.total = total
        self.per_port = dict(per_port or {})
        self.per_address = per_address
        self.open = 0
        self.by_port: Counter[str] = Counter()
        self.by_address: Counter[str] = Counter()

    def admit(self, port: str, address: str) -> str | None:
        """Count the connection in and return None, or return which limit refuses it
        ("process", "port" or "address") without counting it."""
        if self.open >= self.total:
            return "process"
        if self.by_port[port] >= self.per_port.get(port, self.total):
            return "port"
        if address and self.by_address[address] >= self.per_address:
            return "address"
        self.open += 1
        self.by_port[port] += 1
        if address:
            self.by_address[address] += 1
        return None

    def release(self, port: str, address: str) -> None:
        self.open -= 1
        self.by_port[port] -= 1
        if address:
            left = self.by_address[address] - 1
            if left > 0:
                self.by_address[address] = left
            else:
                del self.by_address[address]

    def figures(self) -> dict:
        busiest = self.by_address.most_common(1)
        return {
            "connections_by_port": dict(self.by_port),
            "connections_busiest_address": busiest[0][1] if busiest else 0,
        }


class LogLimiter:
    """At most `burst` lines per source in each `window` seconds; the others are counted and, when the
    window is over, summed up in one line: "N more bad frames from X suppressed in the last 60 s".

    One instance per kind of line (`what`: "bad frames", "refused connections"). At most `max_sources`
    sources are followed; beyond that the rest share one entry, "other addresses", so a flood from many
    addresses cannot grow the memory either. `flush` (called by the gateway's sweep) writes the
    summaries of windows that are over."""

    OTHERS = "other addresses"

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        burst: int = 5,
        window: float = 60.0,
        max_sources: int = 10_000,
        clock=time.monotonic,
    ):
        self.logger = logger
        self.what = what
        self.burst = burst
        self.window = window
        self.max_sources = max_sources
        self.clock = clock
        self.sources: dict[str, list] = {}  # source → [window start, lines, suppressed]
        self.suppressed_total = 0

    def log(self, source: str, level: int, message: str, *args) -> bool:
        """Log the line unless this source has had its share of the window; True when logged."""
        now = self.clock()
        entry = self.sources.get(source)
        if entry is not None and now - entry[0] >= self.window:
            self._summarise(source, entry)
            entry = None
            del self.sources[source]
        if entry is None:
            if len(self.sources) >= self.max_sources and source not in self.sources:
                source = self.OTHERS
                entry = self.sources.get(source)
            if entry is None:
                entry = self.sources[source] = [now, 0, 0]
        if entry[1] < self.burst:
            entry[1] += 1
            self.logger.log(level, message, *args)
            return True
        entry[2] += 1
        self.suppressed_total += 1
        return False

    def flush(self) -> None:
        """Sum up and forget the sources whose window is over."""
        now = self.clock()
        for source, entry in list(self.sources.items()):
            if now - entry[0] >= self.window:
                self._summarise(source, entry)
                del self.sources[source]

    def _summarise(self, source: str, entry: list) -> None:
        if entry[2]:
            self.logger.warning(
                "%d more %s from %s suppressed in the last %g s",
                entry[2],
                self.what,
                source,
                self.window,
            )


def address_of(peer) -> str:
    """The client's IP address from a transport's peername (an empty string when unknown)."""
    return str(peer[0]) if peer else ""
