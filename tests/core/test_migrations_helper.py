"""A test that runs migrations on the test database leaves it at every app's latest migration
(tests/migrations.py): checked on the helper itself and by a scan of the tests."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrations import migrated_to

TESTS = Path(__file__).resolve().parents[1]


def _pending():
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_going_back_one_app_then_forward_restores_every_app():
    with pytest.raises(RuntimeError), migrated_to([("disputes", "0007_reference_per_station")]):
        assert _pending(), "going back to disputes 0007 also undid later migrations of other apps"
        raise RuntimeError("the test failed half-way")
    assert _pending() == []
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "core_formsubmission"
        )
    ]
    assert "status" in columns


def test_no_test_runs_a_migration_executor_of_its_own():
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path.name != "migrations.py"
        and path != Path(__file__).resolve()
        and re.search(r"MigrationExecutor\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "migrate through tests.migrations.migrated_to"
