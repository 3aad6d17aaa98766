"""Backup and restore as docs/deploy.md describes it: a base backup with pg_basebackup plus the WAL
archive (archive_command), restored to a named point in time on a new cluster."""

from __future__ import annotations

import time

import pytest

from tests import pgcluster

PRIMARY_PORT, RESTORED_PORT = pgcluster.PORT_BASE + 2, pgcluster.PORT_BASE + 3


@pytest.mark.postgres
def test_base_backup_and_wal_archive_restore_to_a_point():
    reason = pgcluster.missing_reason()
    if reason:
        pytest.skip(reason)
    primary = pgcluster.Cluster(PRIMARY_PORT).init(archive=True).start()
    restored = None
    try:
        primary.sql("CREATE DATABASE fq")
        primary.sql("CREATE TABLE note (id serial PRIMARY KEY, phase text NOT NULL)", "fq")
        primary.sql("INSERT INTO note (phase) SELECT 'before' FROM generate_series(1, 100)", "fq")
        base = primary.base_backup(primary.root / "base")

        # after the base backup: these rows exist only in the WAL archive
        primary.sql("INSERT INTO note (phase) SELECT 'after' FROM generate_series(1, 50)", "fq")
        primary.sql("SELECT pg_create_restore_point('before_the_mistake')")
        primary.sql("DELETE FROM note WHERE phase = 'before' AND id % 2 = 0", "fq")  # the mistake
        primary.sql("INSERT INTO note (phase) SELECT 'later' FROM generate_series(1, 30)", "fq")
        segment = primary.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
        primary.sql("SELECT pg_switch_wal()")
        deadline = time.monotonic() + 30
        while not (primary.archive / segment).exists():
            assert time.monotonic() < deadline, f"{segment} never archived\n{primary.log_tail()}"
            time.sleep(0.2)
        primary.stop("immediate")  # the primary is lost

        restored = pgcluster.Cluster.restore(
            base, primary.archive, RESTORED_PORT, target_name="before_the_mistake"
        )
        restored.wait_until("SELECT pg_is_in_recovery()", False, timeout=60)  # promoted
        counts = dict(restored.sql("SELECT phase, count(*) FROM note GROUP BY phase", "fq"))
        assert counts == {"before": 100, "after": 50}, restored.log_tail()
        # the restored cluster is a primary again: it takes writes
        restored.sql("INSERT INTO note (phase) VALUES ('restored')", "fq")
        assert restored.sql("SELECT count(*) FROM note", "fq")[0][0] == 151
    finally:
        if restored is not None:
            restored.destroy()
        primary.destroy()
