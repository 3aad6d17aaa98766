"""On PostgreSQL, the day partitions of the position table are made and dropped by two functions
owned by the table's owner (SECURITY DEFINER), so the gateway and the job worker, connected as the
application role that may not change the schema, keep them (fengqiao.tracking.partitions)."""

from django.db import migrations

from fengqiao.tracking import partitions


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if not partitions.is_partitioned(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(partitions.FUNCTIONS_SQL)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for function in partitions.FUNCTIONS:
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0007_device_last_fix_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
