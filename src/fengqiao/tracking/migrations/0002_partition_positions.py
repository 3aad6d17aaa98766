"""On PostgreSQL, make the position table partitioned by day (see fengqiao.tracking.partitions).

The model is unchanged (Django sees the same columns); the primary key becomes (id, fixed_at), which
is why DeviceAlarm.position carries no database constraint. SQLite keeps the plain table.
"""

from django.db import migrations

from fengqiao.tracking import partitions


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or partitions.is_partitioned(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {partitions.PARENT}")
        cursor.execute(partitions.CREATE_PARTITIONED)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
