"""Row-level security, the second wall behind the ORM's scoping (PostgreSQL; issue 23).

Every table with a `station` column carries a policy (migration `core.0007_county_rls`):

    USING (CASE current_setting('fengqiao.stations', true)
             WHEN 'all' THEN true                      -- administrators, jobs, the gateway
             ELSE station_id = ANY (string_to_array(current_setting('fengqiao.stations', true), ',')::bigint[])
           END)

with ENABLE and FORCE ROW LEVEL SECURITY, so the owner is held by it too. An unset or empty setting
matches no row: a query that forgot its scope returns nothing (fails closed).

The setting is only ever set for the current transaction (`set_config(..., true)`, i.e. SET LOCAL),
so no state stays on a connection: safe behind PgBouncer in transaction mode. The database backend
(`fengqiao.core.postgresql`) applies the scope of the running code before its first query in each
transaction, and again when the scope changes; a query outside a transaction (autocommit) is run in
a short transaction of its own that sets the scope first.

Where the scope comes from:
- a web request: `StationScopeMiddleware`, from the signed-in user (API tokens included: the scope is
  read lazily, after DRF has authenticated): a station's user their station, a county (bureau) user
  the stations of their bureau, an administrator or a superuser 'all', nobody signed in: none.
  Views for residents without an account (the desk's booking pages, the owner's app) are marked
  `system_view` and run as 'all' (their own code checks the booking code or the owner key);
- the job worker, the gateway, the push tier and every other `fengqiao` command: 'all', set by the
  command line entry point (`cli.main`) as the process default. `fengqiao serve` sets none.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
from collections.abc import Callable, Iterator

ALL = "all"
SETTING = "fengqiao.stations"
_SCOPE_PATTERN = re.compile(r"^(all|\d+(,\d+)*|)$")

# Tables with a `station` column left without a policy, and why.
EXEMPT_MODELS = {
    # The identity table: read to find out who is asking (sessions, API tokens, login) before a scope
    # exists; also names the officers of other stations on shared records. Its rows are not case data.
    "accounts.user",
}

# The process default (None: no station, fails closed); `cli.main` sets 'all' for trusted commands.
_process_default: str | None = None
_current: contextvars.ContextVar[str | Callable[[], str] | None] = contextvars.ContextVar(
    "fengqiao_rls_scope", default=None
)


_resolving = threading.local()


def _check(scope: str) -> str:
    if not _SCOPE_PATTERN.match(scope):
        raise ValueError(f"not a station scope: {scope!r}")
    return scope


def set_process_default(scope: str | None) -> None:
    """The scope of code outside any `scoped` block in this process (trusted entry points only)."""
    global _process_default
    _process_default = None if scope is None else _check(scope)


def current() -> str:
    """The scope the next query runs with: 'all', '3,7' or '' (no rows)."""
    value = _current.get()
    if value is None:
        return _process_default or ""
    if callable(value):
        if getattr(_resolving, "active", False):
            return ""  # the queries that find the scope (the user's stations) read no station data
        _resolving.active = True
        try:
            return _check(value())
        finally:
            _resolving.active = False
    return value


@contextlib.contextmanager
def scoped(scope: str | Callable[[], str]) -> Iterator[None]:
    """Run the block with this scope ('all', station ids joined by commas, '' for none, or a
    callable giving one of those, read before each query)."""
    token = _current.set(scope if callable(scope) else _check(scope))
    try:
        yield
    finally:
        _current.reset(token)


def system():
    """For trusted code (jobs, the sweeper, administrators' tools): every station."""
    return scoped(ALL)


def for_stations(station_ids) -> str:
    return ",".join(str(int(pk)) for pk in sorted(set(station_ids)))


def scope_of_user(user) -> str:
    """The stations a user's requests may touch, as the policy reads them."""
    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.roles import BUREAU_ROLES

    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    cached = getattr(user, "_fq_rls_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser or user.role == Role.ADMIN:
        scope = ALL
    elif user.role in BUREAU_ROLES and user.bureau_id:
        from fengqiao.accounts.models import Station

        # Station has no policy of its own (it is the list of stations, not their data).
        scope = for_stations(
            Station.objects.filter(bureau_id=user.bureau_id).values_list("pk", flat=True)
        )
    elif user.station_id:
        scope = str(user.station_id)
    else:
        scope = ""
    user._fq_rls_scope = scope
    return scope


def system_view(view):
    """Mark a view that serves people without an account (it checks its own code or key): 'all'."""
    view.rls_system = True
    return view


class StationScopeMiddleware:
    """Set the request's stations for the database, and on PostgreSQL run the request in one
    transaction (so the scope is set once, with SET LOCAL). Streamed responses read with the same
    scope while they stream (each query then in a short transaction of its own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection, transaction

        def scope():
            if getattr(request, "_fq_rls_system", False):
                return ALL
            return scope_of_user(getattr(request, "user", None))

        with scoped(scope):
            if connection.vendor == "postgresql":
                with transaction.atomic():
                    response = self.get_response(request)
                    if response.status_code >= 500:
                        transaction.set_rollback(
                            True
                        )  # a failed request leaves no half of its writes
            else:
                response = self.get_response(request)
        if getattr(response, "streaming", False):
            response.streaming_content = _scoped_iterator(response.streaming_content, scope)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
        if getattr(view_func, "rls_system", False) or getattr(view_class, "rls_system", False):
            request._fq_rls_system = True


def _scoped_iterator(iterable, scope):
    iterator = iter(iterable)
    while True:
        with scoped(scope):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def policy_sql(table: str, *, nullable: bool = False) -> list[str]:
    """The statements that put `table` behind the station policy (for migrations)."""
    setting = f"current_setting('{SETTING}', true)"
    visible = (
        f"CASE {setting} WHEN '{ALL}' THEN true "
        f"ELSE station_id = ANY (string_to_array({setting}, ',')::bigint[]) END"
    )
    if nullable:
        # A row of no station yet (a tracker that connected but is not accepted): any signed-in scope.
        visible = f"({visible}) OR (station_id IS NULL AND coalesce({setting}, '') <> '')"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS fengqiao_station ON "{table}"',
        f'CREATE POLICY fengqiao_station ON "{table}" USING ({visible}) WITH CHECK ({visible})',
    ]


def unpolicy_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS fengqiao_station ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


def station_tables(models) -> list[tuple[str, bool]]:
    """(table, station nullable) of every model with a `station` foreign key to accounts.Station."""
    found = []
    for model in models:
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in EXEMPT_MODELS:
            continue
        field = next((f for f in meta.concrete_fields if f.name == "station"), None)
        if field is None or not field.is_relation:
            continue
        if field.related_model._meta.label_lower != "accounts.station":
            continue
        found.append((meta.db_table, field.null))
    return sorted(found)


def child_tables(models) -> list[tuple[str, str, str, str]]:
    """(table, fk column, parent table, parent key) of every model without a station of its own whose
    rows belong to a station-owned parent: the first NOT NULL foreign key to a table of
    `station_tables` (a dispute's parties through the dispute, a device's positions through the device)."""
    models = list(models)
    owned = {table for table, _ in station_tables(models)}
    found = []
    for model in models:
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in owned:
            continue
        if meta.label_lower in EXEMPT_MODELS:
            continue
        for field in meta.concrete_fields:
            if not field.is_relation or field.null:
                continue
            parent = field.related_model._meta
            if parent.db_table in owned:
                target = parent.get_field(field.target_field.name).column
                found.append((meta.db_table, field.column, parent.db_table, target))
                break
    return sorted(found)


def child_policy_sql(table: str, column: str, parent: str, key: str) -> list[str]:
    """A row is visible (and may be written) when its parent is: the parent's own policy applies
    inside the EXISTS."""
    visible = f'EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{key}" = "{table}"."{column}")'  # noqa: S608 - our names
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS fengqiao_station ON "{table}"',
        f'CREATE POLICY fengqiao_station ON "{table}" USING ({visible}) WITH CHECK ({visible})',
    ]


def copy_allowed(cursor, table: str) -> bool:
    """PostgreSQL refuses COPY FROM into a table whose policies hold the current role (the
    application role, or the owner under FORCE): bulk loaders then fall back to INSERT."""
    cursor.execute(
        "SELECT NOT c.relrowsecurity OR r.rolsuper OR r.rolbypassrls"
        " FROM pg_class c, pg_roles r WHERE c.oid = %s::regclass AND r.rolname = current_user",
        [table],
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def grant_sql(role: str) -> list[str]:
    """What the application role may do: read and write rows, never change the schema."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        # tables the owner makes later (the position table's day partitions) come with the same rights
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE "
        f"ON TABLES TO {quoted}",
        # the position table's day partitions: DDL only through the owner's two functions
        # (tracking/partitions.py), which take a date, never a name
        "DO $$ BEGIN IF to_regprocedure('fengqiao_position_day_create(date)') IS NOT NULL THEN "
        f"GRANT EXECUTE ON FUNCTION fengqiao_position_day_create(date), "
        f"fengqiao_position_day_drop(date) TO {quoted}; END IF; END $$",
    ]
