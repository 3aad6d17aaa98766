import datetime as dt

import pytest

from fengqiao.gateway.messages import DecodeError
from fengqiao.gateway.server import parse_osmand

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def test_traccar_client_query():
    ident, fix = parse_osmand(
        {
            "id": "123456",
            "lat": "29.21",
            "lon": "103.95",
            "timestamp": "1764331200",
            "speed": "10",
            "bearing": "90",
            "batt": "77",
        },
        NOW,
    )
    assert ident == "123456"
    assert fix.time == dt.datetime(2025, 11, 28, 12, 0, tzinfo=dt.UTC)
    assert round(fix.speed_kmh, 2) == 18.52
    assert fix.course == 90
    assert fix.attributes["battery_percent"] == 77


def test_iso_timestamp_and_milliseconds():
    assert parse_osmand(
        {"id": "a", "lat": "1", "lon": "2", "timestamp": "2026-11-28T08:00:00+08:00"}, NOW
    )[1].time == dt.datetime(2026, 11, 28, 0, 0, tzinfo=dt.UTC)
    assert (
        parse_osmand({"id": "a", "lat": "1", "lon": "2", "timestamp": "1764331200000"}, NOW)[
            1
        ].time.year
        == 2025
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"id": "a"},
        {"id": "a", "lat": "x", "lon": "1"},
        {"id": "a", "lat": "1", "lon": "2", "timestamp": "soon"},
    ],
)
def test_bad_queries_are_refused(params):
    with pytest.raises(DecodeError):
        parse_osmand(params, NOW)
