"""Django's PostgreSQL backend, plus the station scope of row-level security (core/rls.py).

Before the first query of each transaction, and again whenever the running code's scope differs
from the one last set in that transaction, `SELECT set_config('fengqiao.stations', …, true)` is
sent: a transaction-local setting, so nothing stays on the server connection (PgBouncer in
transaction mode may hand it to another client next). A query run outside a transaction
(autocommit) is wrapped in a short transaction of its own that sets the scope first. Django's
own default of no server-side prepared statements (`prepare_threshold=None`) is kept.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from fengqiao.core import rls

_TRANSACTION_CONTROL = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")
_ROW_STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "MERGE", "COPY")
SET_SCOPE = "SELECT set_config('fengqiao.stations', %s, true)"


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fq_applied: str | None = None
        self.execute_wrappers.insert(0, self._fq_scope_wrapper)

    # Every way a transaction ends or a savepoint is undone forgets what was set.
    def _set_autocommit(self, autocommit):
        self._fq_applied = None
        return super()._set_autocommit(autocommit)

    def _commit(self):
        self._fq_applied = None
        return super()._commit()

    def _rollback(self):
        self._fq_applied = None
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._fq_applied = None  # what was set inside the savepoint is undone

    def _close(self):
        self._fq_applied = None
        return super()._close()

    def _fq_set(self, scope: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(SET_SCOPE, [scope])
        self._fq_applied = scope

    def _fq_scope_wrapper(self, execute, sql, params, many, context):
        if sql.startswith(_TRANSACTION_CONTROL):
            return execute(sql, params, many, context)  # savepoints: no rows read or written
        scope = rls.current()
        if not self.get_autocommit() or self.in_atomic_block:
            if self._fq_applied != scope:
                self._fq_set(scope)
            return execute(sql, params, many, context)
        if not scope or not sql.lstrip("( \n")[:6].upper().startswith(_ROW_STATEMENTS):
            # no stations: the policies show nothing; or not a statement on rows (CREATE DATABASE,
            # VACUUM, CREATE INDEX CONCURRENTLY … cannot run inside a transaction)
            return execute(sql, params, many, context)
        # Autocommit: one short transaction that sets the scope, then runs the query.
        self.set_autocommit(False)
        try:
            self._fq_set(scope)
            result = execute(sql, params, many, context)
            self.commit()
        except BaseException:
            self.rollback()
            raise
        finally:
            self.set_autocommit(True)
        return result
