"""Tests that run a migration backwards on the test database go through `migrated_to`.

Going back to an app's earlier migration also undoes every migration of other apps that depends on
a later one (core 0010 depends on every app's latest). The schema must then go forward to every
app's latest migration, whatever the test did, or the tests after it find tables without their
columns (the CI runs of 2026-12-07/08: core_formsubmission without its status column, every create
form answered 500 in the browser tests after this one).
"""

from __future__ import annotations

from contextlib import contextmanager


def _executor():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def forward_to_latest() -> None:
    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not _executor().migration_plan(executor.loader.graph.leaf_nodes())


@contextmanager
def migrated_to(targets):
    """Migrate to `targets` (e.g. [("disputes", "0007_…")]); yield the executor (its `loader`
    gives the historical models); afterwards every app is at its latest migration again."""
    try:
        executor = _executor()
        executor.migrate(targets)
        yield executor
    finally:
        forward_to_latest()
