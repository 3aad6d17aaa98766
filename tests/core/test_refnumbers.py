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


def test_every_numbered_record_is_numbered_per_station():
    """Each kind of record that carries a reference number is unique per station, never across the
    county: two stations both have their JQ-2026-000001 (issue 23)."""
    from django.apps import apps
    from django.db.models import UniqueConstraint

    numbered = [
        m
        for m in apps.get_models()
        if any(f.name == "reference" for f in m._meta.concrete_fields)
        and any(f.name == "station" for f in m._meta.concrete_fields)
    ]
    assert {m.__name__ for m in numbered} >= {"Incident", "Dispute", "Case", "Appointment", "Theft"}
    for model in numbered:
        assert not model._meta.get_field("reference").unique, model
        per_station = [
            c
            for c in model._meta.constraints
            if isinstance(c, UniqueConstraint)
            and set(c.fields) == {"station", "reference"}
            and c.condition is None
        ]
        assert per_station, f"{model.__name__}: no unique (station, reference)"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_stations_draw_concurrently_without_colliding():
    """Threads of two stations draw at once: each station's sequence is gap-free and its own."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    first, second = StationFactory(), StationFactory()
    results: dict[int, list[str]] = {first.pk: [], second.pk: []}
    import threading

    lock = threading.Lock()

    def work(index):
        target = first if index % 2 else second
        for _ in range(40):
            number = next_reference("JQ", target, year=2026)
            with lock:
                results[target.pk].append(number)

    errors = concurrency._run_threads(6, work)
    assert errors == []
    for pk in (first.pk, second.pk):
        assert sorted(results[pk]) == [f"JQ-2026-{n:06d}" for n in range(1, 121)]
