from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    AUDIO = "audio", _("录音")
    VIDEO = "video", _("视频")
    DOCUMENT = "document", _("文书扫描件")


class Step(models.TextChoices):
    """出警 steps an officer taps on the phone, in order."""

    ACCEPT = "accept", _("接收")
    ARRIVE = "arrive", _("到场")
    HANDLE = "handle", _("处置")
    REPORT = "report", _("反馈")
    CLOSE = "close", _("结警")


class WorkKind(models.TextChoices):
    VISIT = "visit", _("走访")
    PATROL = "patrol", _("巡逻")
    PUBLICITY = "publicity", _("宣传")
    MEDIATION = "mediation", _("矛盾化解")
    CHECK = "check", _("核查")


class SyncState(models.TextChoices):
    APPLIED = "applied", _("已同步")
    CONFLICT = "conflict", _("有冲突")
    REFUSED = "refused", _("被拒绝")


class UnitStatus(models.TextChoices):
    """A unit's status on the command wall (field/units.py)."""

    ON_POST = "on_post", _("在岗")
    DISPATCHED = "dispatched", _("出警")
    ON_SCENE = "on_scene", _("到场")
    RETURNING = "returning", _("返回")


class UnitKind(models.TextChoices):
    """What a unit on the wall is: an officer's phone or a patrol car's tracker (field/units.py)."""

    OFFICER = "officer", _("民警")
    CAR = "car", _("巡逻车")
