"""Ship the fraud-type table (DOMAIN.md §4) and make sure the contact deadlines by level exist
(high 30 minutes, medium 2 hours, low 24 hours; the workflow core ships the same defaults).

`load_defaults(apps)` re-creates what is missing (tests that flush the database call it).
"""

import datetime as dt

from django.db import migrations

FRAUD_TYPES = [
    ("SDFL", "刷单返利"),
    ("MCGJF", "冒充公检法"),
    ("XJTZ", "虚假投资理财"),
    ("XJDK", "虚假贷款"),
    ("MCKF", "冒充客服"),
    ("WLYX", "网络游戏交易"),
    ("HLJY", "婚恋交友"),
    ("QT", "其他"),
]

CONTACT_RULES = [
    ("fraud_contact_high", "反诈预警联系(高风险)", 30, "minutes", "高风险预警30分钟内联系当事人"),
    ("fraud_contact_medium", "反诈预警联系(中风险)", 2, "hours", "中风险预警2小时内联系当事人"),
    ("fraud_contact_low", "反诈预警联系(低风险)", 24, "hours", "低风险预警24小时内联系当事人"),
]


def load_defaults(apps, schema_editor=None):
    FraudType = apps.get_model("antifraud", "FraudType")
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    have = set(FraudType.objects.values_list("code", flat=True))
    for sort, (code, name) in enumerate(FRAUD_TYPES, start=1):
        if code not in have:
            FraudType.objects.create(code=code, name=name, sort=sort * 10)
    kinds = set(TimeLimitRule.objects.values_list("kind", flat=True))
    for kind, name, value, unit, text in CONTACT_RULES:
        if kind not in kinds:
            TimeLimitRule.objects.create(
                kind=kind, name=name, law_version="反诈中心预警处置规范", effective_from=dt.date(2000, 1, 1),
                limit_value=value, limit_unit=unit, holiday_rolls=False, pausable=False, extension_options=[],
                extension_cap_value=None, extension_cap_unit="", legal_basis=f"依据:反诈预警处置规范:{text}。",
                warning_fractions=[0.5, 0.8, 1.0], note="系统默认规则",
            )


def unload(apps, schema_editor):
    apps.get_model("antifraud", "FraudType").objects.filter(code__in=[c for c, _ in FRAUD_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("antifraud", "0001_initial"), ("core", "0003_default_time_limits")]
    operations = [migrations.RunPython(load_defaults, unload)]
