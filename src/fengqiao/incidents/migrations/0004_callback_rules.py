"""The time limits the callbacks use: 回访 within 3 working days (local residents) / 5 (others), and
整改 within 5 working days (DOMAIN.md §2). The core's defaults ship the same kinds; this creates any
that is missing so the incidents app never starts a clock without its rule.

`load_defaults(apps)` is re-run by tests that flush the database.
"""

import datetime as dt

from django.db import migrations

RULES = [
    ("callback_local", "回访(本地群众)", 3, "依据:警情、案件回访工作规范:本地群众3个工作日内回访。"),
    ("callback_other", "回访(外地群众)", 5, "依据:警情、案件回访工作规范:外地群众5个工作日内回访。"),
    ("rectification", "不满意整改", 5, "依据:回访不满意整改规范:责任单位5个工作日内整改并反馈。"),
]


def load_defaults(apps, schema_editor=None):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    have = set(TimeLimitRule.objects.filter(kind__in=[r[0] for r in RULES]).values_list("kind", flat=True))
    for kind, name, days, basis in RULES:
        if kind not in have:
            TimeLimitRule.objects.create(
                kind=kind, name=name, law_version="本所工作规范", effective_from=dt.date(2000, 1, 1),
                limit_value=days, limit_unit="working_days", holiday_rolls=True, pausable=False,
                extension_options=[], extension_cap_value=None, extension_cap_unit="",
                legal_basis=basis, warning_fractions=[0.5, 0.8, 1.0], note="系统默认规则",
            )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_callbacks"), ("core", "0003_default_time_limits")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
