"""Ship the offence table (案由, 治安 and 刑事) and the two supervision limits the case room needs.

The legal clocks of cases (受案审查, 立案审查, 不予立案通知, 办理期限, measures …) are core's defaults
(core 0003). Added here: `penalty_execution` (a fine paid within 15 days of the decision being
served, 行政处罚法 第六十七条) and `case_inactivity` (查打不严: no investigative action for 15 days —
the station's own standard; the detector reads the value, no clock runs on it).
`load_defaults(apps)` re-creates what is missing (tests that flush the database call it).
"""

import datetime as dt

from django.db import migrations

OFFENCES = [
    # code, name, kind
    ("ZA-OD", "殴打他人", "administrative"),
    ("ZA-SH", "故意伤害(轻微伤)", "administrative"),
    ("ZA-DQ", "盗窃", "administrative"),
    ("ZA-ZP", "诈骗", "administrative"),
    ("ZA-DB", "赌博", "administrative"),
    ("ZA-XD", "吸毒", "administrative"),
    ("ZA-XX", "寻衅滋事", "administrative"),
    ("ZA-RL", "扰乱公共秩序", "administrative"),
    ("ZA-HS", "故意损毁财物", "administrative"),
    ("ZA-WR", "侮辱、诽谤", "administrative"),
    ("XS-DQ", "盗窃罪", "criminal"),
    ("XS-ZP", "诈骗罪", "criminal"),
    ("XS-DX", "电信网络诈骗", "criminal"),
    ("XS-SH", "故意伤害罪", "criminal"),
    ("XS-QJ", "抢劫罪", "criminal"),
    ("XS-QD", "抢夺罪", "criminal"),
    ("XS-XX", "寻衅滋事罪", "criminal"),
    ("XS-KS", "开设赌场罪", "criminal"),
    ("XS-WJ", "危险驾驶罪", "criminal"),
]

RULES = [
    ("penalty_execution", "处罚决定执行", "行政处罚法(2021修订)", 15, "days",
     "依据:《行政处罚法》第六十七条:当事人应当自收到行政处罚决定书之日起十五日内到指定的银行或者通过电子支付系统缴纳罚款。"
     "行政拘留决定应当及时送拘留所执行。逾期未执行的,列为“查打不严”。"),
    ("case_inactivity", "查打不严:无办案工作天数", "本所案管工作规范", 15, "days",
     "依据:本所案管工作规范:已受理/立案的案件连续15日无任何调查取证等办案工作的,列为“查打不严”。"),
]


def load_defaults(apps, schema_editor=None):
    OffenceType = apps.get_model("cases", "OffenceType")
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    have = set(OffenceType.objects.values_list("code", flat=True))
    OffenceType.objects.bulk_create(
        OffenceType(code=code, name=name, kind=kind, sort=i)
        for i, (code, name, kind) in enumerate(OFFENCES, start=1)
        if code not in have
    )
    kinds = set(TimeLimitRule.objects.values_list("kind", flat=True))
    for kind, name, law, value, unit, basis in RULES:
        if kind not in kinds:
            TimeLimitRule.objects.create(
                kind=kind, name=name, law_version=law, effective_from=dt.date(2000, 1, 1), limit_value=value,
                limit_unit=unit, holiday_rolls=True, pausable=False, extension_options=[], extension_cap_value=None,
                extension_cap_unit="", legal_basis=basis, warning_fractions=[0.5, 0.8, 1.0], note="系统默认规则",
            )


def unload(apps, schema_editor):
    apps.get_model("core", "TimeLimitRule").objects.filter(kind__in=[r[0] for r in RULES]).delete()
    apps.get_model("cases", "OffenceType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("core", "0003_default_time_limits")]
    operations = [migrations.RunPython(load_defaults, unload)]
