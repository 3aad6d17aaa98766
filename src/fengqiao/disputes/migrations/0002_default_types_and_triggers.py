"""DOMAIN.md §3: the dispute types and the 黄/橙/红 warning triggers (editable afterwards)."""

from django.db import migrations

from fengqiao.disputes.defaults import load_defaults


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
