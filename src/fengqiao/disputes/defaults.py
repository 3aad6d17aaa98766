"""DOMAIN.md §3: the dispute types and the 黄/橙/红 warning triggers (editable afterwards)."""

from decimal import Decimal

TYPES = [
    ("marriage", "婚姻家庭"),
    ("neighbour", "邻里"),
    ("damages", "损害赔偿"),
    ("tenancy", "房屋租赁"),
    ("labour", "劳资"),
    ("land", "土地山林/征地拆迁"),
    ("contract", "合同债务"),
    ("medical", "医疗"),
    ("property", "物业"),
    ("other", "其他"),
]

# (kind, value, threshold, level, reason)
TRIGGERS = [
    ("keyword", "拼命", None, "red", "当事人扬言'拼命'"),
    ("keyword", "同归于尽", None, "red", "当事人扬言'同归于尽'"),
    ("keyword", "刀", None, "red", "涉及刀具等凶器"),
    ("keyword", "砍", None, "red", "扬言或发生砍人"),
    ("keyword", "打伤", None, "red", "已有人员受伤"),
    ("keyword", "上访", None, "red", "有上访风险"),
    ("keyword", "集体", None, "red", "有群体性事件风险"),
    ("high_risk_party", "", None, "red", "当事人系高风险人员"),
    ("failed_mediations", "", Decimal("2"), "orange", "调解失败{fact}次"),
    ("repeat_calls", "", Decimal("3"), "orange", "30天内因同一纠纷报警{fact}次"),
    ("parties", "", Decimal("5"), "orange", "当事人{fact}人"),
    ("amount", "", Decimal("100000"), "orange", "涉及金额{fact}元"),
]

CHANNELS = [
    ("studio", "所内调解室(范贤成金牌调解工作室)", False),
    ("village", "社区村组联调", False),
    ("elders", "老辈子调解群", False),
    ("neighbours", "小区睦邻调解会", False),
    ("trade", "行业商会调解", False),
    ("jiannn", "平安犍嬢嬢", False),
    ("police", "治安调解", True),
]


def load_defaults(apps=None, schema_editor=None):
    """Create the shipped types (missing codes) and triggers (when the table is empty)."""
    if apps is None:
        from django.apps import apps
    DisputeType = apps.get_model("disputes", "DisputeType")
    WarningTrigger = apps.get_model("disputes", "WarningTrigger")
    for sort, (code, name) in enumerate(TYPES):
        DisputeType.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})
    if not WarningTrigger.objects.exists():
        for kind, value, threshold, level, reason in TRIGGERS:
            WarningTrigger.objects.create(
                kind=kind, value=value, threshold=threshold, level=level, reason=reason
            )
    try:
        MediationChannel = apps.get_model("disputes", "MediationChannel")
    except LookupError:  # migration 0002 runs before the table exists; 0004 loads the channels
        return
    for sort, (code, name, police) in enumerate(CHANNELS):
        MediationChannel.objects.get_or_create(
            code=code, defaults={"name": name, "sort": sort, "is_police_mediation": police}
        )
