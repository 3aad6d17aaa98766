from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunityKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("行政村")


class HouseUse(models.TextChoices):
    OWNER_OCCUPIED = "owner", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    GROUP_RENTED = "group_rented", _("群租")
    BUSINESS = "business", _("经营")


class PersonCategory(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    FOREIGN = "foreign", _("境外人员")


class IdType(models.TextChoices):
    RESIDENT_ID = "id_card", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_TAIWAN = "hmt_permit", _("港澳台通行证")
    FOREIGN_PERMANENT = "foreign_pr", _("外国人永久居留身份证")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    RELATIVE = "relative", _("其他亲属")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class InflowReason(models.TextChoices):
    WORK = "work", _("务工")
    BUSINESS = "business", _("经商")
    STUDY = "study", _("就学")
    FAMILY = "family", _("投亲靠友")
    MEDICAL = "medical", _("就医")
    OTHER = "other", _("其他")


class OrganisationCategory(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SOLE_TRADER = "sole_trader", _("个体工商户")
    GOVERNMENT = "government", _("机关事业单位")
    SCHOOL = "school", _("学校")
    MEDICAL = "medical", _("医疗机构")
    FINANCIAL = "financial", _("金融机构")
    HOTEL = "hotel", _("旅馆")
    ENTERTAINMENT = "entertainment", _("娱乐场所")
    RELIGIOUS = "religious", _("宗教场所")
    SOCIAL = "social", _("社会组织")
    OTHER = "other", _("其他")
