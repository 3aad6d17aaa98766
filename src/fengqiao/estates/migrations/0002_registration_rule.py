"""The time limit of a registration task (核查登记): 7 days from the task (holiday roll-over).

`load_defaults(apps)` re-creates it when missing (tests that flush the database call it)."""

import datetime as dt

from django.db import migrations

KIND = "estate_registration_check"


def load_defaults(apps, schema_editor=None):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    if not TimeLimitRule.objects.filter(kind=KIND).exists():
        TimeLimitRule.objects.create(
            kind=KIND, name="小区未登记人员核查登记", law_version="派出所实有人口管理工作规范(本所)",
            effective_from=dt.date(2000, 1, 1), limit_value=7, limit_unit="days", holiday_rolls=True,
            pausable=False, extension_options=[], extension_cap_value=None, extension_cap_unit="",
            legal_basis="依据:实有人口登记工作要求:发现未登记的常住、暂住人员,社区民警7日内核查登记。",
            warning_fractions=[0.5, 0.8, 1.0], note="系统默认规则",
        )  # fmt: skip


def unload(apps, schema_editor):
    apps.get_model("core", "TimeLimitRule").objects.filter(kind=KIND, note="系统默认规则").delete()


class Migration(migrations.Migration):
    dependencies = [("estates", "0001_initial"), ("core", "0003_default_time_limits")]
    operations = [migrations.RunPython(load_defaults, unload)]
