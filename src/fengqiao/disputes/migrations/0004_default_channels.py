"""The mediation channels shipped with the app (editable afterwards)."""

from django.db import migrations

from fengqiao.disputes.defaults import load_defaults


class Migration(migrations.Migration):
    dependencies = [("disputes", "0003_mediation")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
