from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    CALL_110 = "110", _("110转警")
    WALK_IN = "walk_in", _("来所")
    PHONE = "phone", _("电话")
    PATROL = "patrol", _("巡逻发现")
    ONLINE = "online", _("网上")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Status(models.TextChoices):
    RECEIVED = "received", _("接警")
    DISPATCHED = "dispatched", _("派警")
    ARRIVED = "arrived", _("到场")
    HANDLED = "handled", _("处置")
    REPORTED = "reported", _("反馈")
    CLOSED = "closed", _("结警")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.DISPATCHED,
    Status.ARRIVED,
    Status.HANDLED,
    Status.REPORTED,
)


class AreaType(models.TextChoices):
    URBAN = "urban", _("城区")
    SUBURBAN = "suburban", _("城郊")
    RURAL = "rural", _("农村")


ARRIVAL_CLOCK_KIND = {
    AreaType.URBAN: "incident_arrival_urban",
    AreaType.SUBURBAN: "incident_arrival_suburban",
    AreaType.RURAL: "incident_arrival_rural",
}


class Outcome(models.TextChoices):
    MEDIATED = "mediated", _("已调解")
    CASE_FILED = "case_filed", _("已立案")
    CASE_ACCEPTED = "case_accepted", _("已受案")
    RESCUED = "rescued", _("已救助")
    TRANSFERRED = "transferred", _("移交他部门")
    INVALID = "invalid", _("无效警情")
    OTHER = "other", _("其他")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class EventKind(models.TextChoices):
    RECEIVED = "received", _("接警")
    DISPATCHED = "dispatched", _("派警")
    ARRIVED = "arrived", _("到场")
    HANDLED = "handled", _("处置")
    REPORTED = "reported", _("反馈")
    CLOSED = "closed", _("结警")
    REOPENED = "reopened", _("重新打开")
    CASE_LINKED = "case_linked", _("关联案件")
    VICTIM_ADDED = "victim_added", _("登记受害人")
    CALLBACK_DONE = "callback_done", _("回访")
    CALLBACK_UNREACHABLE = "callback_unreachable", _("回访未联系上")
    RECTIFIED = "rectified", _("整改完成")


class CallbackTarget(models.TextChoices):
    CALLER = "caller", _("报警人")
    VICTIM = "victim", _("受害人")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("未联系上")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已整改")
