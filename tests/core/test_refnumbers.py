"""Reference numbers: per kind, station and year; unique and gap-free, also under concurrency."""

import pytest
from django.db import connection, transaction

from fengqiao.core.refnumbers import next_reference
from tests.core import concurrency
from tests.factories import StationFactory


def test_first_number_of_the_year_is_one(station):
    assert next_reference("JQ", station, year=2026) == "JQ-2026-000001"


def test_numbers_follow_on(station):
    numbers = [next_reference("JQ", station, year=2026) for _ in range(3)]
    assert numbers == ["JQ-2026-000001", "JQ-2026-000002", "JQ-2026-000003"]


def test_each_station_kind_and_year_counts_separately(station, other_station):
    next_reference("JQ", station, year=2026)
    assert next_reference("JQ", other_station, year=2026) == "JQ-2026-000001"
    assert next_reference("JF", station, year=2026) == "JF-2026-000001"
    assert next_reference("JQ", station, year=2027) == "JQ-2027-000001"


def test_year_defaults_to_the_local_year(station, time_machine):
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Beijing.
    time_machine.move_to("2026-12-31T17:00:00+00:00", tick=False)
    assert next_reference("JQ", station) == "JQ-2027-000001"


def test_a_rolled_back_record_leaves_no_gap(station):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        next_reference("JQ", station, year=2026)
        raise Boom
    assert next_reference("JQ", station, year=2026) == "JQ-2026-000001"


def test_kind_must_be_a_short_uppercase_code(station):
    with pytest.raises(ValueError):
        next_reference("jq-1", station)


@pytest.mark.django_db(transaction=True)
def test_eight_threads_get_unique_gap_free_numbers(tmp_path):
    if connection.vendor == "sqlite":
        outcome = concurrency.run_on_sqlite_file(tmp_path, "refnumbers")
    else:
        outcome = concurrency.refnumbers(StationFactory())
    assert outcome["errors"] == []
    assert outcome["numbers"] == [f"JQ-2026-{n:06d}" for n in range(1, 401)]
    assert outcome["counter"] == 400
