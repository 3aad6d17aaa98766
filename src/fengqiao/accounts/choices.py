from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU = "bureau", _("县局")
    STATION_LEADER = "station_leader", _("所领导")
    DUTY_OFFICER = "duty_officer", _("值班民警")
    COMMUNITY_OFFICER = "community_officer", _("社区民警")
    CASE_OFFICER = "case_officer", _("办案民警")
    CASE_MANAGER = "case_manager", _("案管民警")
    COMMAND = "command", _("指挥室")
    MEDIATOR = "mediator", _("调解员")
    AUXILIARY = "auxiliary", _("辅警")
    LIAISON = "liaison", _("网格员/联络员")
    INSPECTOR = "inspector", _("督察")
    AUDITOR = "auditor", _("审计员")
    ADMIN = "admin", _("系统管理员")


class UnitKind(models.TextChoices):
    COMMUNITY_TEAM = "community_team", _("社区警务队")
    CASE_TEAM = "case_team", _("案件办理队")
    COMMAND_ROOM = "command_room", _("综合指挥室")
    POLICE_OFFICE = "police_office", _("警务室")
    REGISTRATION = "registration", _("户籍室")
    MEDIATION = "mediation", _("调解工作室")
    OTHER = "other", _("其他")


class Rank(models.TextChoices):
    POLICE = "police", _("民警")
    AUXILIARY = "auxiliary", _("辅警")
    CIVILIAN = "civilian", _("非警务人员")


class AttemptKind(models.TextChoices):
    PASSWORD = "password", _("密码")
    TOTP = "totp", _("动态口令")
