"""One position per device and fix time (issue 20): the database, not a gateway process's memory,
decides that a resent fix is a duplicate.

Duplicates stored before (several gateway processes, a resend after a failed commit) are removed first,
keeping the first row; an alarm linked to a removed row is linked to the kept one. The unique key
replaces the plain (device, fixed_at) index. On PostgreSQL the table is partitioned by fixed_at, which
the key includes, so it is a unique constraint of the partitioned table (each day partition gets its
index, and so do the partitions attached later).
"""

from django.db import migrations, models

DUPLICATES = (
    "SELECT device_id, fixed_at, min(id) FROM tracking_position "
    "GROUP BY device_id, fixed_at HAVING count(*) > 1"
)


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES)
        for device_id, fixed_at, keep in cursor.fetchall():
            cursor.execute(
                "UPDATE tracking_devicealarm SET position_id = %s WHERE position_id IN "
                "(SELECT id FROM tracking_position WHERE device_id = %s AND fixed_at = %s AND id <> %s)",
                [keep, device_id, fixed_at, keep],
            )
            cursor.execute(
                "DELETE FROM tracking_position WHERE device_id = %s AND fixed_at = %s AND id <> %s",
                [device_id, fixed_at, keep],
            )
        cursor.execute("DROP INDEX IF EXISTS tracking_pos_device_time")
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE tracking_position ADD CONSTRAINT tracking_pos_device_fix_uniq "
                "UNIQUE (device_id, fixed_at)"
            )
        else:  # SQLite: an index, not a rebuild of the whole table
            cursor.execute(
                "CREATE UNIQUE INDEX tracking_pos_device_fix_uniq "
                "ON tracking_position (device_id, fixed_at)"
            )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE tracking_position DROP CONSTRAINT tracking_pos_device_fix_uniq"
            )
        else:
            cursor.execute("DROP INDEX tracking_pos_device_fix_uniq")
        cursor.execute(
            "CREATE INDEX tracking_pos_device_time ON tracking_position (device_id, fixed_at)"
        )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0004_alarm_kinds")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
                migrations.RemoveIndex(model_name="position", name="tracking_pos_device_time"),
                migrations.AddConstraint(
                    model_name="position",
                    constraint=models.UniqueConstraint(
                        fields=("device", "fixed_at"), name="tracking_pos_device_fix_uniq"
                    ),
                ),
            ],
        )
    ]
