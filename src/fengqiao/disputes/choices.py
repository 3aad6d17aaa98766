from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    YELLOW = "yellow", _("黄(一般)")
    ORANGE = "orange", _("橙(疑难)")
    RED = "red", _("红(重大)")


LEVEL_RANK = {Level.YELLOW: 0, Level.ORANGE: 1, Level.RED: 2}


class Status(models.TextChoices):
    REGISTERED = "registered", _("登记")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("已达成协议")
    FAILED = "failed", _("调解失败")
    PERFORMING = "performing", _("履行中")
    CLOSED = "closed", _("已结案")


class Source(models.TextChoices):
    INCIDENT = "incident", _("警情")
    SCREENING = "screening", _("排查")
    VISIT = "visit", _("来访")
    HANDOVER = "handover", _("社区村组移交")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他")


class TriggerKind(models.TextChoices):
    KEYWORD = "keyword", _("关键词")
    PARTIES = "parties", _("当事人人数")
    FAILED_MEDIATIONS = "failed_mediations", _("调解失败次数")
    AMOUNT = "amount", _("涉及金额")
    HIGH_RISK_PARTY = "high_risk_party", _("高风险当事人")
    REPEAT_CALLS = "repeat_calls", _("30天内重复报警")


class EventKind(models.TextChoices):
    CREATED = "created", _("登记")
    ACCEPTED = "accepted", _("受理调解")
    UPDATED = "updated", _("修改")
    LEVEL_CHANGED = "level_changed", _("等级变更")
    SESSION_HELD = "session_held", _("调解")
    AGREEMENT = "agreement", _("达成协议")
    PLAN_FILED = "plan_filed", _("一案一策备案")
    MEASURE_DONE = "measure_done", _("措施完成")
    CLOSED = "closed", _("结案")
    INCIDENT_LINKED = "incident_linked", _("关联警情")
    TERM_CHECKED = "term_checked", _("履行回访")
    PARTY_CHANGED = "party_changed", _("当事人变更")
    PLAN_REVISED = "plan_revised", _("一案一策修订")
    AGREEMENT_FAILED = "agreement_failed", _("协议未能履行")


class LinkHow(models.TextChoices):
    SOURCE = "source", _("来源警情")
    PHONE = "phone", _("当事人电话")
    PERSON = "person", _("当事人(人口库)")
    ADDRESS = "address", _("同一地址")
    MANUAL = "manual", _("手工关联")


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class AgreementStatus(models.TextChoices):
    """An agreement is in force until it fails (a party does not perform, or retracts — 反悔); a failed
    agreement is superseded when mediation resumes and ends in a new one."""

    IN_FORCE = "in_force", _("有效")
    FAILED = "failed", _("未能履行")
    SUPERSEDED = "superseded", _("已被新协议取代")


class MeasureStatus(models.TextChoices):
    OPEN = "open", _("未完成")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class TermStatus(models.TextChoices):
    PENDING = "pending", _("待履行")
    PERFORMED = "performed", _("已履行")
    PARTLY = "partly", _("部分履行")
    NOT_PERFORMED = "not_performed", _("未履行")


CHECK_RESULTS = (TermStatus.PERFORMED, TermStatus.PARTLY, TermStatus.NOT_PERFORMED)


class CallAnswer(models.TextChoices):
    NO_ISSUE = "no_issue", _("无异常")
    REPORTED = "reported", _("有情况")
    UNREACHABLE = "unreachable", _("未接通")
    MISSED = "missed", _("漏报(当日未联系)")


JUDICIAL_CONFIRMATION_CLOCK = "judicial_confirmation"
FIRST_SESSION_CLOCK = "dispute_first_session"


class SessionOutcome(models.TextChoices):
    AGREED = "agreed", _("达成协议")
    FAILED = "failed", _("调解失败")
    CONTINUE = "continue", _("继续调解")


class ExcludedOffence(models.TextChoices):
    """Offences 治安调解 may not be used for (DOMAIN.md §3)."""

    HIRED_VIOLENCE = "hired_violence", _("雇凶伤害")
    GROUP_FIGHT = "group_fight", _("结伙斗殴")
    PROVOKING = "provoking", _("寻衅滋事")
    REPEAT_OFFENCE = "repeat_offence", _("多次违法")


POLICE_MEDIATION_CODE = "police"
