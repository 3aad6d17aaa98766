"""Enumerations of the cases app (案件与案管) with Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("行政(治安)案件")
    CRIMINAL = "criminal", _("刑事案件")


class CaseStatus(models.TextChoices):
    REVIEW = "review", _("受案/立案审查")
    HANDLING = "handling", _("办理中")
    NOT_FILED = "not_filed", _("不予立案")
    CLOSED = "closed", _("已结案")


OPEN_STATUSES = (CaseStatus.REVIEW, CaseStatus.HANDLING)


class PartyRole(models.TextChoices):
    VICTIM = "victim", _("被害人/受害人")
    SUSPECT = "suspect", _("嫌疑人/违法行为人")
    WITNESS = "witness", _("证人")
    COMPLAINANT = "complainant", _("报案人/控告人")


class ActionKind(models.TextChoices):
    INTERVIEW = "interview", _("询问/讯问")
    EVIDENCE = "evidence", _("调查取证")
    SCENE = "scene", _("现场勘查")
    APPRAISAL = "appraisal", _("鉴定")
    PURSUIT = "pursuit", _("追逃")
    OTHER = "other", _("其他")


# Actions that must be done by two officers (询问/讯问 by two people).
TWO_OFFICER_ACTIONS = (ActionKind.INTERVIEW,)


class MeasureKind(models.TextChoices):
    SUMMONS = "summons", _("传唤")
    CONTINUED_QUESTIONING = "continued_questioning", _("继续盘问")
    CRIMINAL_DETENTION = "criminal_detention", _("刑事拘留")
    ARREST = "arrest", _("逮捕")
    BAIL = "bail", _("取保候审")
    RESIDENTIAL_SURVEILLANCE = "residential_surveillance", _("监视居住")
    SEIZURE = "seizure", _("扣押")
    EVIDENCE_PRESERVATION = "evidence_preservation", _("先行登记保存")


# The legal clock each measure starts (TimeLimitRule kinds of core's defaults); detention starts three.
MEASURE_CLOCKS = {
    MeasureKind.SUMMONS: ("summons_questioning",),
    MeasureKind.CONTINUED_QUESTIONING: ("continued_questioning",),
    MeasureKind.CRIMINAL_DETENTION: (
        "criminal_detention_to_arrest",
        "detention_to_custody",
        "detention_family_notice",
    ),
    MeasureKind.ARREST: ("post_arrest_custody",),
    MeasureKind.BAIL: ("bail",),
    MeasureKind.RESIDENTIAL_SURVEILLANCE: ("residential_surveillance",),
    MeasureKind.SEIZURE: ("seizure",),
    MeasureKind.EVIDENCE_PRESERVATION: ("evidence_preservation",),
}
CRIMINAL_ONLY_MEASURES = (
    MeasureKind.CRIMINAL_DETENTION,
    MeasureKind.ARREST,
    MeasureKind.BAIL,
    MeasureKind.RESIDENTIAL_SURVEILLANCE,
)


class MeasureStatus(models.TextChoices):
    ACTIVE = "active", _("执行中")
    ENDED = "ended", _("已解除/变更")


class DetentionStep(models.TextChoices):
    CUSTODY = "custody", _("送看守所羁押")
    FAMILY = "family", _("通知家属")


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("警告")
    FINE = "fine", _("罚款")
    DETENTION = "detention", _("行政拘留")
    FINE_AND_DETENTION = "fine_and_detention", _("罚款并处行政拘留")
    NONE = "none", _("不予处罚")


PENALTIES_TO_EXECUTE = (PenaltyKind.FINE, PenaltyKind.DETENTION, PenaltyKind.FINE_AND_DETENTION)


class ServiceMode(models.TextChoices):
    ON_SPOT = "on_spot", _("当场处罚")
    PRESENT = "present", _("当场宣告送达")
    ABSENT = "absent", _("被处罚人不在场")


class ItemStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("在库")
    OUT = "out", _("临时出库")
    RETURNED = "returned", _("已发还")
    DISPOSED = "disposed", _("已处理")
    TRANSFERRED = "transferred", _("已随案移交")


FINAL_ITEM_STATUSES = (ItemStatus.RETURNED, ItemStatus.DISPOSED, ItemStatus.TRANSFERRED)


class MovementKind(models.TextChoices):
    IN = "in", _("入库")
    OUT = "out", _("出库(临时)")
    BACK = "back", _("归还入库")
    RETURN = "return", _("发还")
    DISPOSE = "dispose", _("处理")
    TRANSFER = "transfer", _("随案移交")


MOVEMENT_RESULT = {
    MovementKind.IN: ItemStatus.IN_CUSTODY,
    MovementKind.OUT: ItemStatus.OUT,
    MovementKind.BACK: ItemStatus.IN_CUSTODY,
    MovementKind.RETURN: ItemStatus.RETURNED,
    MovementKind.DISPOSE: ItemStatus.DISPOSED,
    MovementKind.TRANSFER: ItemStatus.TRANSFERRED,
}


class EventKind(models.TextChoices):
    RECEIVED = "received", _("受案登记")
    ACCEPTED = "accepted", _("受理")
    FILED = "filed", _("立案")
    NOT_FILED = "not_filed", _("不予立案")
    NOTICE_SERVED = "notice_served", _("不予立案通知书送达")
    PARTY_ADDED = "party_added", _("添加当事人")
    SUSPECT_FLED = "suspect_fled", _("嫌疑人在逃")
    PURSUIT = "pursuit", _("采取追逃措施")
    ACTION = "action", _("办案工作")
    APPRAISAL_STARTED = "appraisal_started", _("送鉴定(暂停计时)")
    APPRAISAL_ENDED = "appraisal_ended", _("鉴定完成(恢复计时)")
    MEASURE_STARTED = "measure_started", _("采取强制措施")
    MEASURE_STEP = "measure_step", _("强制措施执行环节")
    MEASURE_ENDED = "measure_ended", _("强制措施解除/变更")
    ITEM_REGISTERED = "item_registered", _("登记涉案物品")
    ITEM_MOVED = "item_moved", _("涉案物品出入库")
    EXTENSION_REQUESTED = "extension_requested", _("申请延长期限")
    EXTENSION_APPROVED = "extension_approved", _("延长期限已批准")
    EXTENSION_REJECTED = "extension_rejected", _("延长期限未批准")
    PENALTY_DECIDED = "penalty_decided", _("作出处罚决定")
    PENALTY_SERVED = "penalty_served", _("处罚决定送达/备案")
    PENALTY_EXECUTED = "penalty_executed", _("处罚执行完毕")
    CLOSED = "closed", _("结案")
    REVIEWED = "reviewed", _("一案一评")


class FlagKind(models.TextChoices):
    UNFILED = "unfiled", _("有案不立")
    OVERDUE = "overdue", _("办理超期")
    LAX = "lax", _("查打不严")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    CLOSED = "closed", _("已整改")
