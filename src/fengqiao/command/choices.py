from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    INCIDENT = "incident", _("新警情")
    DISPUTE_RED = "dispute_red", _("红色纠纷")
    FRAUD_DUE = "fraud_due", _("反诈预警临期")
    CLOCK_OVERDUE = "clock_overdue", _("时限超期")
    VEHICLE_ALARM = "vehicle_alarm", _("车辆告警")
    ESTATE_ALARM = "estate_alarm", _("小区告警")
    PATROL_FINDING = "patrol_finding", _("巡查发现")
    OTHER = "other", _("其他")


class AlertLevel(models.TextChoices):
    INFO = "info", _("提示")
    YELLOW = "yellow", _("黄色")
    ORANGE = "orange", _("橙色")
    RED = "red", _("红色")


LEVEL_RANK = {"info": 0, "yellow": 1, "orange": 2, "red": 3}


class Post(models.TextChoices):
    """A place on the duty roster (排班岗位)."""

    DUTY = "duty", _("值班民警")
    COMMAND = "command", _("指挥室")
    AUXILIARY = "auxiliary", _("值班辅警")


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤回")


class StreamKind(models.TextChoices):
    HLS = "hls", _("HLS (m3u8)")
    FLV = "flv", _("HTTP-FLV")
    WEBRTC = "webrtc", _("WebRTC (WHEP)")


class CheckResult(models.TextChoices):
    NORMAL = "normal", _("正常")
    FINDING = "finding", _("发现问题")
    NO_SIGNAL = "no_signal", _("无信号")
