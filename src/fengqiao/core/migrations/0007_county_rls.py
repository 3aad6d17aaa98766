"""Row-level security on every table with a station (issue 23; core/rls.py). PostgreSQL only.

The tables are those of the models at this point of the migration history that have a `station`
foreign key to accounts.Station (except `rls.EXEMPT_MODELS`). A table added later gets its policy in
its own migration (`rls.policy_sql`); tests/core/test_rls.py fails while one is missing.
"""

from django.db import migrations

from fengqiao.core import rls


def _tables(apps):
    return rls.station_tables(apps.get_models())


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, nullable in _tables(apps):
        for statement in rls.policy_sql(table, nullable=nullable):
            schema_editor.execute(statement)


def disable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _nullable in _tables(apps):
        for statement in rls.unpolicy_sql(table):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens_hashed"),
        ("antifraud", "0003_reference_per_station"),
        ("cases", "0003_case_reference_per_station"),
        ("command", "0001_initial"),
        ("core", "0006_ratehit"),
        ("desk", "0001_initial"),
        ("disputes", "0008_agreements_history_plan_revision"),
        ("estates", "0003_terminal_commands"),
        ("exchange", "0005_import_job_heartbeat"),
        ("incidents", "0006_open_incidents_index"),
        ("lawstudy", "0001_initial"),
        ("notifications", "0001_initial"),
        ("push", "0001_initial"),
        ("registry", "0002_person_search_tails"),
        ("reports", "0002_default_scheme"),
        ("tracking", "0006_position_device_index_dropped"),
        ("vehicles", "0005_county_rls_theft_reference_per_station"),
    ]

    operations = [migrations.RunPython(enable, disable, elidable=False)]
