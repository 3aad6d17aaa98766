"""Ship the default time-limit rules (DOMAIN.md §1–§4). Administrators revise them in the interface.

The legal-basis texts name the law and, where the article number is certain for the cited
version, the article. The station's 法制员 should check them against the laws in force.
"""

import datetime as dt

from django.db import migrations

FROM = dt.date(2000, 1, 1)
F = [0.5, 0.8, 1.0]


def opt(key, label, value, unit, roles, max_times=1):
    return {"key": key, "label": label, "value": value, "unit": unit, "approver_roles": roles, "max_times": max_times}


DEFAULTS = [
    # kind, name, law_version, value, unit, rolls, pausable, options, cap(value, unit), basis
    ("emergency_registration", "报案登记(现场处置后)", "接处警工作规范", 24, "hours", True, False, [], None,
     "依据:公安机关接处警工作规范。现场处置结束后24小时内完成报案登记。"),
    ("admin_intake_review", "行政案件受案审查", "公安机关办理行政案件程序规定", 24, "hours", True, False,
     [opt("difficult", "案情疑难复杂:延长至3日", 48, "hours", ["station_leader"])], (48, "hours"),
     "依据:《公安机关办理行政案件程序规定》受案审查期限原则上不超过24小时,疑难复杂案件经办案部门负责人批准不超过3日。"),
    ("criminal_filing_review", "刑事立案审查", "公安机关办理刑事案件程序规定(2020修正)", 3, "days", True, False,
     [opt("lead_check", "涉嫌犯罪线索需要查证:延长至7日", 4, "days", ["station_leader"]),
      opt("major_complex", "重大疑难复杂:延长至30日(县级以上公安机关负责人批准)", 27, "days", ["bureau"])],
     (27, "days"),
     "依据:《公安机关办理刑事案件程序规定》第一百七十四条:立案审查一般不超过3日;线索需要查证的不超过7日;"
     "重大疑难复杂案件经县级以上公安机关负责人批准可延长至30日。"),
    ("non_filing_notice", "不予立案通知书送达", "公安机关办理刑事案件程序规定(2020修正)", 3, "days", True, False, [], None,
     "依据:《公安机关办理刑事案件程序规定》决定不予立案的,应在3日以内送达控告人。"),
    ("public_security_case", "治安案件办理期限", "治安管理处罚法(2025修订,2026-01-01施行)", 30, "days", True, True,
     [opt("complex", "案情重大复杂:延长30日(上一级公安机关批准)", 30, "days", ["bureau"])], (30, "days"),
     "依据:《治安管理处罚法》:办理治安案件的期限自受理之日起不得超过三十日;案情重大、复杂的,经上一级公安机关批准,"
     "可以延长三十日。为查明案情进行鉴定的期间不计入办理期限。"),
    ("penalty_service_absent", "治安处罚决定送达(被处罚人不在场)", "治安管理处罚法(2025修订,2026-01-01施行)", 2, "days", True, False,
     [], None, "依据:《治安管理处罚法》:被处罚人不在场的,公安机关应当在二日以内将处罚决定书送达被处罚人。"),
    ("on_spot_penalty_filing", "当场处罚备案", "治安管理处罚法(2025修订,2026-01-01施行)", 24, "hours", True, False, [], None,
     "依据:《治安管理处罚法》:当场作出治安管理处罚决定的,人民警察应当在二十四小时以内报所属公安机关备案。"),
    ("summons_questioning", "传唤询问查证", "治安管理处罚法(2025修订,2026-01-01施行)", 8, "hours", True, False,
     [opt("detention_possible", "情况复杂、可能适用行政拘留:延长至24小时", 16, "hours", ["station_leader"])], (16, "hours"),
     "依据:《治安管理处罚法》:询问查证的时间不得超过八小时;情况复杂,依法可能适用行政拘留处罚的,不得超过二十四小时。"),
    ("continued_questioning", "继续盘问", "人民警察法;公安机关适用继续盘问规定", 12, "hours", True, False,
     [opt("to_24h", "延长至24小时", 12, "hours", ["station_leader"]),
      opt("to_48h", "身份不明:延长至48小时(县级以上公安机关批准)", 24, "hours", ["bureau"])], (36, "hours"),
     "依据:《人民警察法》第九条、《公安机关适用继续盘问规定》:继续盘问一般为12小时,经批准可延长至24小时、48小时。"),
    ("evidence_preservation", "先行登记保存证据处理", "行政处罚法(2021修订)", 7, "days", True, False, [], None,
     "依据:《行政处罚法》第五十六条:先行登记保存的证据,应当在七日内及时作出处理决定。"),
    ("seizure", "扣押期限", "行政强制法", 30, "days", True, False,
     [opt("complex", "情况复杂:延长30日(行政机关负责人批准)", 30, "days", ["bureau", "station_leader"])], (30, "days"),
     "依据:《行政强制法》第二十五条:查封、扣押的期限不得超过三十日;情况复杂的,经批准可以延长,但延长期限不得超过三十日。"),
    ("criminal_detention_to_arrest", "刑事拘留后提请批准逮捕", "刑事诉讼法(2018修正)", 3, "days", False, False,
     [opt("special", "特殊情况:延长1至4日", 4, "days", ["bureau"]),
      opt("roving_gang", "流窜、多次、结伙作案重大嫌疑分子:延长至30日", 27, "days", ["bureau"])], (27, "days"),
     "依据:《刑事诉讼法》第九十一条:拘留后三日以内提请批准逮捕;特殊情况可延长一日至四日;"
     "流窜作案、多次作案、结伙作案的重大嫌疑分子可延长至三十日。在押期间不因节假日延长(第一百零五条)。"),
    ("detention_to_custody", "拘留后送看守所羁押", "刑事诉讼法(2018修正)", 24, "hours", False, False, [], None,
     "依据:《刑事诉讼法》第八十五条:拘留后应当立即将被拘留人送看守所羁押,至迟不得超过二十四小时。"),
    ("detention_family_notice", "拘留后通知家属", "刑事诉讼法(2018修正)", 24, "hours", False, False, [], None,
     "依据:《刑事诉讼法》第八十五条:除无法通知等情形外,应当在拘留后二十四小时以内通知被拘留人的家属。"),
    ("bail", "取保候审", "刑事诉讼法(2018修正)", 12, "months", True, False, [], None,
     "依据:《刑事诉讼法》第七十九条:取保候审最长不得超过十二个月。"),
    ("residential_surveillance", "监视居住", "刑事诉讼法(2018修正)", 6, "months", True, False, [], None,
     "依据:《刑事诉讼法》第七十九条:监视居住最长不得超过六个月。"),
    ("post_arrest_custody", "逮捕后侦查羁押", "刑事诉讼法(2018修正)", 2, "months", False, False,
     [opt("plus_1", "案情复杂:延长一个月(上一级人民检察院批准)", 1, "months", ["bureau"]),
      opt("plus_2", "重大复杂案件:延长二个月(经批准)", 2, "months", ["bureau"], max_times=2)], (5, "months"),
     "依据:《刑事诉讼法》第一百五十六条、第一百五十八条、第一百五十九条:侦查羁押期限不得超过二个月,"
     "经批准可延长一个月、二个月、二个月。"),
    ("callback_local", "回访(本地群众)", "本所工作规范", 3, "working_days", True, False, [], None,
     "依据:警情、案件回访工作规范:本地群众3个工作日内回访。"),
    ("callback_other", "回访(外地群众)", "本所工作规范", 5, "working_days", True, False, [], None,
     "依据:警情、案件回访工作规范:外地群众5个工作日内回访。"),
    ("rectification", "不满意整改", "本所工作规范", 5, "working_days", True, False, [], None,
     "依据:回访不满意整改规范:责任单位5个工作日内整改并反馈。"),
    ("fraud_contact_high", "反诈预警联系(高风险)", "反诈中心预警处置规范", 30, "minutes", True, False, [], None,
     "依据:反诈预警处置规范:高风险预警30分钟内联系当事人。"),
    ("fraud_contact_medium", "反诈预警联系(中风险)", "反诈中心预警处置规范", 2, "hours", True, False, [], None,
     "依据:反诈预警处置规范:中风险预警2小时内联系当事人。"),
    ("fraud_contact_low", "反诈预警联系(低风险)", "反诈中心预警处置规范", 24, "hours", True, False, [], None,
     "依据:反诈预警处置规范:低风险预警24小时内联系当事人。"),
    ("dispute_first_session", "治安调解首次调解", "本所工作规范", 3, "working_days", True, False, [], None,
     "依据:治安调解工作规范:受理后3个工作日内组织首次调解。"),
    ("mediation_period", "调解期限", "人民调解法;本所工作规范", 1, "months", True, False,
     [opt("extend", "经双方同意延长调解一个月", 1, "months", ["station_leader"])], (1, "months"),
     "依据:《人民调解法》及调解工作规范:调解一般在一个月内结束。"),
    ("judicial_confirmation", "司法确认申请提醒", "人民调解法", 30, "days", True, False, [], None,
     "依据:《人民调解法》第三十三条:双方当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。"),
]


def load(apps, schema_editor):
    """Create the default version of every kind that has no rule yet; returns the rows created."""
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    existing = set(TimeLimitRule.objects.values_list("kind", flat=True))
    rows = [
        TimeLimitRule(
            kind=kind,
            name=name,
            law_version=law,
            effective_from=FROM,
            limit_value=value,
            limit_unit=unit,
            holiday_rolls=rolls,
            pausable=pausable,
            extension_options=options,
            extension_cap_value=cap[0] if cap else None,
            extension_cap_unit=cap[1] if cap else "",
            legal_basis=basis,
            warning_fractions=F,
            note="系统默认规则",
        )
        for kind, name, law, value, unit, rolls, pausable, options, cap, basis in DEFAULTS
        if kind not in existing
    ]
    return TimeLimitRule.objects.bulk_create(rows)


def unload(apps, schema_editor):
    apps.get_model("core", "TimeLimitRule").objects.filter(note="系统默认规则", effective_from=FROM).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_workflow")]
    operations = [migrations.RunPython(load, unload)]
