"""Ship the incident categories of DOMAIN.md §2 and the arrival targets (5 / 10 / 30 minutes).

`load_defaults(apps)` re-creates what is missing (tests that flush the database call it).
"""

import datetime as dt

from django.db import migrations

CATEGORIES = [
    # code, name, requires_case, case_review_kind, is_dispute, children [(code, name)]
    ("XS", "刑事", True, "criminal_filing_review", False,
     [("XS-DQ", "盗窃"), ("XS-ZP", "诈骗"), ("XS-QJ", "抢劫抢夺"), ("XS-SH", "故意伤害")]),
    ("ZA", "治安", True, "admin_intake_review", False,
     [("ZA-DO", "殴打他人"), ("ZA-DB", "赌博"), ("ZA-RM", "扰乱秩序"), ("ZA-XD", "涉毒")]),
    ("JT", "交通", False, "", False, [("JT-SG", "交通事故"), ("JT-DS", "道路拥堵")]),
    ("HZ", "火灾", False, "", False, [("HZ-JM", "居民住宅火灾"), ("HZ-YH", "野外火情")]),
    ("JF", "纠纷", False, "", True,
     [("JF-LL", "邻里纠纷"), ("JF-JT", "家庭纠纷"), ("JF-LZ", "劳资纠纷"), ("JF-WY", "物业纠纷")]),
    ("QZ", "求助", False, "", False, [("QZ-ZR", "走失人员"), ("QZ-KS", "开锁求助"), ("QZ-JB", "急病救助")]),
    ("JB", "举报", False, "", False, [("JB-WF", "违法犯罪线索"), ("JB-HZ", "黄赌毒线索")]),
    ("TS", "投诉(民警)", False, "", False, [("TS-TD", "态度问题"), ("TS-BZ", "不作为")]),
    ("ZH", "灾害事故", False, "", False, [("ZH-ZR", "自然灾害"), ("ZH-SC", "生产安全事故")]),
    ("QT", "群体性事件", False, "", False, [("QT-SF", "上访聚集"), ("QT-WQ", "讨薪维权")]),
    ("OT", "其他", False, "", False, []),
]

RULES = [
    ("incident_arrival_urban", "处警到场(城区)", 5),
    ("incident_arrival_suburban", "处警到场(城郊)", 10),
    ("incident_arrival_rural", "处警到场(农村)", 30),
]


def load_defaults(apps, schema_editor=None):
    Category = apps.get_model("incidents", "IncidentCategory")
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    existing = set(Category.objects.values_list("code", flat=True))
    for sort, (code, name, requires_case, kind, dispute, children) in enumerate(CATEGORIES, start=1):
        if code in existing:
            parent = Category.objects.get(code=code)
        else:
            parent = Category.objects.create(
                code=code, name=name, requires_case=requires_case, case_review_kind=kind, is_dispute=dispute,
                sort=sort * 10,
            )
        for i, (child_code, child_name) in enumerate(children, start=1):
            if child_code not in existing:
                Category.objects.create(
                    code=child_code, name=child_name, parent=parent, requires_case=requires_case,
                    case_review_kind=kind, is_dispute=dispute, sort=sort * 10 + i,
                )
    have = set(TimeLimitRule.objects.values_list("kind", flat=True))
    for kind, name, minutes in RULES:
        if kind not in have:
            TimeLimitRule.objects.create(
                kind=kind, name=name, law_version="110接处警工作规则", effective_from=dt.date(2000, 1, 1),
                limit_value=minutes, limit_unit="minutes", holiday_rolls=False, pausable=False,
                extension_options=[], extension_cap_value=None, extension_cap_unit="",
                legal_basis=f"依据:《110接处警工作规则》及本所规范:派警后{minutes}分钟内到达现场。",
                warning_fractions=[0.5, 0.8, 1.0], note="系统默认规则",
            )


def unload(apps, schema_editor):
    apps.get_model("core", "TimeLimitRule").objects.filter(kind__in=[r[0] for r in RULES]).delete()
    apps.get_model("incidents", "IncidentCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("core", "0003_default_time_limits")]
    operations = [migrations.RunPython(load_defaults, unload)]
