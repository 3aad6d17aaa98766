"""Row-level security on the tables reached through a station-owned parent (issue 23; core/rls.py).

A row is visible and writable when its parent row is (EXISTS on the parent, whose own policy applies
inside): a dispute's parties through the dispute, a device's positions through the device. PostgreSQL only.
"""

from django.db import migrations

from fengqiao.core import rls


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, parent, key in rls.child_tables(apps.get_models()):
        for statement in rls.child_policy_sql(table, column, parent, key):
            schema_editor.execute(statement)


def disable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _column, _parent, _key in rls.child_tables(apps.get_models()):
        for statement in rls.unpolicy_sql(table):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_county_rls")]

    operations = [migrations.RunPython(enable, disable, elidable=False)]
