from django.db import models
from django.utils.translation import gettext_lazy as _


class Vendor(models.TextChoices):
    HIKVISION = "hikvision", _("海康威视(ISAPI)")
    ZKTECO = "zkteco", _("中控智慧(PUSH)")


class DeviceStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACTIVE = "active", _("在用")
    DISABLED = "disabled", _("停用")


class GateKind(models.TextChoices):
    PEDESTRIAN = "pedestrian", _("人行门")
    VEHICLE = "vehicle", _("车行道闸")
    UNIT = "unit", _("单元门")


class Direction(models.TextChoices):
    IN = "in", _("进")
    OUT = "out", _("出")
    BOTH = "", _("进出")


class CredentialType(models.TextChoices):
    CARD = "card", _("门禁卡")
    QR = "qr", _("二维码(四川e码)")
    FACE = "face", _("人脸比对(设备端)")
    FINGERPRINT = "fingerprint", _("指纹比对(设备端)")
    PALM = "palm", _("掌纹比对(设备端)")
    PASSWORD = "password", _("密码")
    KEY = "key", _("钥匙/按钮")
    VISITOR = "visitor", _("访客")
    REMOTE = "remote", _("远程开门")
    OTHER = "other", _("其他")


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    REVOKED = "revoked", _("已注销")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    REGISTERED = "registered", _("已登记")
    DISMISSED = "dismissed", _("已排除")


class TaskEventKind(models.TextChoices):
    CREATED = "created", _("生成任务")
    SEEN_AGAIN = "seen_again", _("再次通行")
    REGISTERED = "registered", _("已登记")
    DISMISSED = "dismissed", _("排除")
    REASSIGNED = "reassigned", _("改派")


class CommandKind(models.TextChoices):
    INFO = "INFO", _("上报设备信息")
    CHECK = "CHECK", _("重新上传数据")
    REBOOT = "REBOOT", _("重启设备")


class CommandStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    DONE = "done", _("已执行")
    FAILED = "failed", _("执行失败")
