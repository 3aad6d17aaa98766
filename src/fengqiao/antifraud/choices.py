"""Enumerations of the anti-fraud part (反诈), with Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


# The workflow-core clock kind of each level's contact deadline (rules shipped by core, ensured by our migration).
CONTACT_CLOCK_KIND = {
    RiskLevel.HIGH: "fraud_contact_high",
    RiskLevel.MEDIUM: "fraud_contact_medium",
    RiskLevel.LOW: "fraud_contact_low",
}
LEVEL_RANK = {RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


class WarningSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("表格导入")
    API = "api", _("接口推送")


class WarningStatus(models.TextChoices):
    UNASSIGNED = "unassigned", _("待分派")
    ASSIGNED = "assigned", _("已指派")
    CONTACTING = "contacting", _("劝阻中")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (WarningStatus.UNASSIGNED, WarningStatus.ASSIGNED, WarningStatus.CONTACTING)


class MatchMethod(models.TextChoices):
    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("手机号")
    NAME_ADDRESS = "name_address", _("姓名+地址")
    ADDRESS = "address", _("地址")
    NONE = "none", _("未匹配")


class AttemptMethod(models.TextChoices):
    PHONE = "phone", _("电话劝阻")
    VISIT = "visit", _("上门劝阻")
    FAMILY = "family", _("联系家属")


class Outcome(models.TextChoices):
    DISSUADED = "dissuaded", _("劝阻成功")
    DEFRAUDED = "defrauded", _("已被骗")
    UNREACHABLE = "unreachable", _("无法联系")
    REFUSED = "refused", _("拒绝配合")
    FALSE_ALARM = "false_alarm", _("误报")


class EventKind(models.TextChoices):
    RECEIVED = "received", _("接收预警")
    MATCHED = "matched", _("匹配人口库")
    ASSIGNED = "assigned", _("指派民警")
    MERGED = "merged", _("合并重复预警")
    LEVEL_RAISED = "level_raised", _("风险等级提高")
    ATTEMPT = "attempt", _("劝阻记录")
    OUTCOME = "outcome", _("处置结果")
    CASE_OPENED = "case_opened", _("转立案(诈骗警情)")


# 四查看 / 三询问: the checklist of a visit (上门劝阻), DOMAIN.md §4.
FOUR_CHECKS = (
    ("app", _("查看手机是否安装可疑APP")),
    ("chat", _("查看聊天记录")),
    ("calls", _("查看通话和短信记录")),
    ("transfers", _("查看转账汇款记录")),
)
THREE_QUESTIONS = (
    ("suspicious_call", _("询问是否接到可疑电话或短信")),
    ("stranger", _("询问是否添加陌生人或加入可疑群聊")),
    ("paid", _("询问是否已经转账汇款")),
)
CHECKLIST_KEYS = tuple(k for k, _label in FOUR_CHECKS + THREE_QUESTIONS)


class ActivityKind(models.TextChoices):
    SQUARE = "square", _("广场宣传")
    LECTURE = "lecture", _("讲座")
    DOOR_TO_DOOR = "door", _("入户宣传")
    SCHOOL = "school", _("进校园")
    ONLINE = "online", _("线上宣传")
    OTHER = "other", _("其他")


class ContentKind(models.TextChoices):
    SLOGAN = "slogan", _("反诈标语")
    CASE = "case", _("典型案例")
    ARTICLE = "article", _("科普专栏")
