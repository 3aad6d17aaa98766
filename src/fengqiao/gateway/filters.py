"""Bad fixes, judged as the careful servers do (pure functions, no I/O).

- duplicates (the same device and fix time again, e.g. a resend after a lost acknowledgement): dropped,
  still acknowledged;
- zero coordinates, times in the future, fixes the device itself marks invalid, impossible jumps:
  stored as invalid (left out of trails, never the latest), with the reason in attributes["filtered"];
- out-of-order and buffered (re-uploaded) fixes: stored, valid, but `outdated` (never the latest).

A device's `Track` in the process (`Gateway.tracks`) is what has been *committed*: a connection
judges its fixes against its own copy (`Track.copy`), and what a batch changed goes into the shared
track only after the batch's COMMIT (`Track.commit`). A failed commit therefore leaves no trace: the
device's resend is judged as new, never as a duplicate of a fix that was never stored. The database
has the last word anyway (a unique key on device and fix time): the memory only spares it work.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from dataclasses import dataclass, field

from fengqiao.gateway.messages import Fix

MAX_FUTURE = dt.timedelta(minutes=10)
MAX_SPEED_KMH = 250.0  # faster than any motorcycle: a jump
JUMPS_TO_ACCEPT = (
    3  # after this many jumps in a row the device has really moved (e.g. carried on a truck)
)


@dataclass(slots=True)
class Track:
    """What we remember of a device between fixes: its latest accepted fix and recent fix times."""

    last_time: dt.datetime | None = None
    last_lat: float | None = None
    last_lon: float | None = None
    recent: deque = field(default_factory=lambda: deque(maxlen=64))
    jumps: int = 0

    def copy(self) -> Track:
        """A connection's working copy: judged against, changed as fixes are judged, thrown away when
        the connection ends."""
        return Track(
            self.last_time, self.last_lat, self.last_lon, deque(self.recent, 64), self.jumps
        )

    def judged(self) -> tuple:
        """What `commit` takes from a working copy: its latest fix and jump count, as they are now."""
        return (self.last_time, self.last_lat, self.last_lon, self.jumps)

    def commit(self, stored_times, judged: tuple | None = None) -> None:
        """After a COMMIT: remember the fix times now in the table and, when `judged` (`judged()` of the
        working copy when the batch was handed over) has a newer latest fix, take it and its jumps."""
        self.recent.extend(stored_times)  # judged new against the working copy: no need to look
        if judged is not None and judged[0] is not None:
            if self.last_time is None or judged[0] > self.last_time:
                self.last_time, self.last_lat, self.last_lon = judged[0], judged[1], judged[2]
            self.jumps = judged[3]

    def catch_up(self, last_time: dt.datetime | None, lat, lon) -> None:
        """The device's latest stored fix, read at login: another gateway process may have stored newer
        fixes than this process remembers."""
        if last_time is None:
            return
        if last_time not in self.recent:
            self.recent.append(last_time)
        if self.last_time is None or last_time > self.last_time:
            self.last_time, self.last_lat, self.last_lon = last_time, lat, lon
            self.jumps = 0


@dataclass(slots=True)
class Verdict:
    store: bool
    valid: bool
    outdated: bool
    reason: str = ""


_KM_PER_DEGREE = 12742.0 / 2 * math.pi / 180.0  # the same sphere as distance_km


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def judge(
    fix: Fix, track: Track, now: dt.datetime, *, max_speed_kmh: float = MAX_SPEED_KMH
) -> Verdict:
    """Decide how to store `fix`; updates `track` (a connection's working copy, see `Track.copy`) with
    the fix time and, when the fix becomes the device's latest, with its place."""
    if fix.time in track.recent:
        return Verdict(store=False, valid=False, outdated=True, reason="duplicate")
    track.recent.append(fix.time)
    if fix.latitude == 0.0 and fix.longitude == 0.0:
        return Verdict(True, False, True, "zero")
    if not (-90.0 <= fix.latitude <= 90.0 and -180.0 <= fix.longitude <= 180.0):
        return Verdict(True, False, True, "range")
    if fix.time > now + MAX_FUTURE:
        return Verdict(True, False, True, "future")
    if not fix.valid:
        return Verdict(True, False, True, "no_gps")
    if track.last_time is not None and fix.time <= track.last_time:
        return Verdict(True, True, True, "buffered" if fix.buffered else "out_of_order")
    if track.last_time is not None and track.last_lat is not None:
        hours = (fix.time - track.last_time).total_seconds() / 3600.0
        # The great circle is never longer than a path along the meridian then the parallel, so when
        # that path's length (an upper bound, a few multiplications) is within what the speed allows,
        # the fix is no jump and the trigonometry is skipped (the rule for a device every 10 s).
        dlat = abs(fix.latitude - track.last_lat)
        dlon = abs(fix.longitude - track.last_lon)
        if dlon > 180.0:
            dlon = 360.0 - dlon
        # A jump: more than 0.5 km and faster than max_speed_kmh (time at least one second).
        allowed = max(0.5, max_speed_kmh * max(hours, 1 / 3600.0))
        if (dlat + dlon) * _KM_PER_DEGREE > allowed and (
            distance_km(track.last_lat, track.last_lon, fix.latitude, fix.longitude) > allowed
        ):
            track.jumps += 1
            if track.jumps < JUMPS_TO_ACCEPT:
                return Verdict(True, False, True, "jump")
    if fix.buffered:
        return Verdict(True, True, True, "buffered")
    track.jumps = 0
    track.last_time = fix.time
    track.last_lat = fix.latitude
    track.last_lon = fix.longitude
    return Verdict(True, True, False)
