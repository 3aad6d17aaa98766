"""Row-level security (core/rls.py) once more over every table, after every app's latest migration:
tables added since 0007/0008 (the field app's evidence, work log, steps, positions, sync receipts)
get the station policy, or the parent's through EXISTS. The statements are idempotent (DROP POLICY IF
EXISTS, then CREATE). PostgreSQL only; tests/core/test_rls.py fails while a table is missing one."""

from django.db import migrations

from fengqiao.core import rls


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    models = list(apps.get_models())
    for table, nullable in rls.station_tables(models):
        for statement in rls.policy_sql(table, nullable=nullable):
            schema_editor.execute(statement)
    for table, column, parent, key in rls.child_tables(models):
        for statement in rls.child_policy_sql(table, column, parent, key):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens_hashed"),
        ("antifraud", "0003_reference_per_station"),
        ("cases", "0003_case_reference_per_station"),
        ("command", "0002_ui_browser_stream_path"),
        ("core", "0009_api_idempotency"),
        ("desk", "0001_initial"),
        ("disputes", "0008_agreements_history_plan_revision"),
        ("estates", "0003_terminal_commands"),
        ("exchange", "0005_import_job_heartbeat"),
        ("field", "0001_initial"),
        ("incidents", "0007_pages_fast_callback_cover"),
        ("lawstudy", "0001_initial"),
        ("notifications", "0002_ui_attention_threads"),
        ("push", "0001_initial"),
        ("registry", "0003_pages_fast_address_text_index"),
        ("reports", "0002_default_scheme"),
        ("tracking", "0006_position_device_index_dropped"),
        ("vehicles", "0005_county_rls_theft_reference_per_station"),
    ]

    operations = [migrations.RunPython(enable, migrations.RunPython.noop, elidable=False)]
