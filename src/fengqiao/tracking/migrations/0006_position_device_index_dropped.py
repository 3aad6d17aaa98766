"""Drop the position table's own index on (device_id): the unique key on (device_id, fixed_at) starts
with the same column and serves every look-up by device (and the cascade from a deleted device), so the
extra index only cost one more B-tree insert per stored position (issue 26)."""

from django.db import migrations, models


def _device_only_indexes(connection, cursor) -> list[str]:
    constraints = connection.introspection.get_constraints(cursor, "tracking_position")
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and info["columns"] == ["device_id"]
        and not info["unique"]
        and not info["primary_key"]
    ]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for name in _device_only_indexes(connection, cursor):
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if not _device_only_indexes(connection, cursor):
            cursor.execute(
                "CREATE INDEX tracking_position_device_id_idx ON tracking_position (device_id)"
            )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_position_device_fix_unique")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="position",
                    name="device",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="positions",
                        to="tracking.device",
                        verbose_name="设备",
                    ),
                ),
            ],
        )
    ]
