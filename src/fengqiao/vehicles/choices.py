from django.db import models
from django.utils.translation import gettext_lazy as _


class VehicleKind(models.TextChoices):
    MOTORCYCLE = "motorcycle", _("摩托车")
    E_MOTORCYCLE = "e_motorcycle", _("电动轻便摩托车")


class VehicleStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    STOLEN = "stolen", _("被盗")


class TrackerProtocol(models.TextChoices):
    GT06 = "gt06", _("GT06/康凯斯")
    JT808 = "jt808", _("JT/T 808")
    OSMAND = "osmand", _("OsmAnd(手机)")


class AlarmKind(models.TextChoices):
    MOVEMENT_WHILE_ARMED = "movement_while_armed", _("设防时移动")
    FENCE_EXIT = "fence_exit", _("离开电子围栏")
    OFFLINE = "offline", _("离线过久")
    VIBRATION = "vibration", _("震动")
    POWER_CUT = "power_cut", _("断电")
    LOW_BATTERY = "low_battery", _("低电量")


class AlarmStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    CLOSED = "closed", _("已关闭")


class AlarmResult(models.TextChoices):
    OWNER_CONFIRMED = "owner_confirmed", _("车主确认无异常")
    FALSE_ALARM = "false_alarm", _("误报")
    DEVICE_FAULT = "device_fault", _("设备故障")
    THEFT_REPORTED = "theft_reported", _("已报被盗")
    HANDLED = "handled", _("已处置")
    OTHER = "other", _("其他")


class TheftStatus(models.TextChoices):
    OPEN = "open", _("追查中")
    RECOVERED = "recovered", _("已追回")
    CLAIMED = "claimed", _("已理赔")


class RecoveryCondition(models.TextChoices):
    INTACT = "intact", _("完好")
    DAMAGED = "damaged", _("有损坏")
    PARTS_MISSING = "parts_missing", _("部件缺失")
    DESTROYED = "destroyed", _("报废")


class ClaimStatus(models.TextChoices):
    APPROVED = "approved", _("待赔付")
    PAID = "paid", _("已赔付")


class CommandKind(models.TextChoices):
    ENGINE_CUT = "engine_cut", _("断油断电")
    ENGINE_RESTORE = "engine_restore", _("恢复油电")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记车辆")
    TRACKER_INSTALLED = "tracker_installed", _("安装定位器")
    ARMED = "armed", _("设防")
    DISARMED = "disarmed", _("撤防")
    FENCE_SET = "fence_set", _("设置电子围栏")
    COMMAND = "command", _("下发指令")
    THEFT_REPORTED = "theft_reported", _("报被盗")
    RECOVERED = "recovered", _("追回")
    CLAIM_APPROVED = "claim_approved", _("保险理赔")
    CLAIM_PAID = "claim_paid", _("赔付到账")
    OWNER_KEY = "owner_key", _("签发车主应用密钥")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")
