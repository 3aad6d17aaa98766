import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fengqiao.gateway.filters import Track, judge
from fengqiao.gateway.messages import Fix

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def fix(seconds=0, lat=29.209, lon=103.947, **kw):
    return Fix(time=NOW + dt.timedelta(seconds=seconds), latitude=lat, longitude=lon, **kw)


def test_in_order_fix_becomes_latest():
    track = Track()
    verdict = judge(fix(), track, NOW)
    assert (verdict.store, verdict.valid, verdict.outdated) == (True, True, False)
    assert track.last_time == NOW


def test_duplicate_is_dropped():
    track = Track()
    judge(fix(), track, NOW)
    assert not judge(fix(), track, NOW).store


def test_zero_coordinates_and_future_are_invalid():
    assert judge(fix(lat=0.0, lon=0.0), Track(), NOW).reason == "zero"
    future = judge(fix(seconds=3600), Track(), NOW)
    assert (future.valid, future.outdated, future.reason) == (False, True, "future")


def test_out_of_order_and_buffered_are_stored_but_not_latest():
    track = Track()
    judge(fix(60), track, NOW + dt.timedelta(minutes=2))
    late = judge(fix(30), track, NOW + dt.timedelta(minutes=2))
    assert (late.store, late.valid, late.outdated) == (True, True, True)
    buffered = judge(fix(90, buffered=True), track, NOW + dt.timedelta(minutes=2))
    assert buffered.outdated
    assert track.last_time == NOW + dt.timedelta(seconds=60)


def test_impossible_jump_is_invalid_until_the_device_really_moved():
    track = Track()
    judge(fix(0), track, NOW)
    # 30 km in 10 seconds
    far = [judge(fix(10 * i, lat=29.5), track, NOW + dt.timedelta(minutes=5)) for i in (1, 2, 3)]
    assert [v.reason for v in far] == ["jump", "jump", ""]
    assert far[2].outdated is False


def test_device_invalid_flag_is_kept_out_of_latest():
    verdict = judge(fix(valid=False), Track(), NOW)
    assert (verdict.valid, verdict.outdated) == (False, True)


def test_memory_learns_a_fix_only_when_its_commit_succeeded():
    """A connection judges against a copy; the process's memory takes the fix after the COMMIT only, so
    a resend of a fix whose commit failed is judged new, never a duplicate (issue 20)."""
    memory = Track()
    working = memory.copy()
    assert judge(fix(), working, NOW).store
    assert not judge(fix(), working, NOW).store  # a resend on the same connection: still waiting
    # the commit failed: the connection is closed, its copy thrown away; the memory knows nothing
    assert memory.last_time is None and not memory.recent
    assert judge(fix(), memory.copy(), NOW).store
    # the commit succeeded: now it is a duplicate for every connection of the process
    memory.commit([NOW], working.judged())
    assert memory.last_time == NOW
    assert not judge(fix(), memory.copy(), NOW).store


def test_memory_catches_up_with_fixes_another_process_stored():
    memory = Track()
    memory.commit([NOW], (NOW, 29.2, 103.9, 0))
    later = NOW + dt.timedelta(minutes=5)
    memory.catch_up(later, 29.3, 103.95)  # the latest stored fix, read at login
    resend = judge(fix(60), memory.copy(), later)
    assert (resend.store, resend.outdated) == (
        True,
        True,
    )  # older than the latest: never the latest
    assert not judge(fix(300), memory.copy(), later).store


def _jump_by_the_formula(lat1, lon1, lat2, lon2, seconds):
    """The rule as first written: the haversine distance for every fix."""
    from fengqiao.gateway.filters import MAX_SPEED_KMH, distance_km

    km = distance_km(lat1, lon1, lat2, lon2)
    return km > 0.5 and km / max(seconds / 3600.0, 1 / 3600.0) > MAX_SPEED_KMH


@settings(max_examples=400, deadline=None)
@given(
    lat1=st.floats(-89.9, 89.9),
    lon1=st.floats(-179.9, 179.9),
    dlat=st.one_of(st.floats(-0.05, 0.05), st.floats(-5, 5)),
    dlon=st.one_of(st.floats(-0.05, 0.05), st.floats(-400, 400)),
    seconds=st.integers(1, 7200),
)
def test_cheap_distance_bound_judges_jumps_exactly_as_the_haversine_rule(
    lat1, lon1, dlat, dlon, seconds
):
    """The bound that skips the trigonometry never changes a verdict (issue 26)."""
    lat2 = max(-89.99, min(89.99, lat1 + dlat))
    lon2 = ((lon1 + dlon + 180.0) % 360.0) - 180.0
    assume((lat1, lon1) != (0.0, 0.0) and (lat2, lon2) != (0.0, 0.0))  # zero fixes: "zero"
    track = Track()
    judge(fix(0, lat=lat1, lon=lon1), track, NOW)
    verdict = judge(fix(seconds, lat=lat2, lon=lon2), track, NOW + dt.timedelta(hours=3))
    assert (verdict.reason == "jump") == _jump_by_the_formula(lat1, lon1, lat2, lon2, seconds)
