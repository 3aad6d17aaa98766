"""一标三实: standard addresses (一标) and the actual houses, people and organisations (三实)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet, editable_community_ids
from fengqiao.registry import rules
from fengqiao.registry.choices import (
    CommunityKind,
    HouseUse,
    IdType,
    InflowReason,
    OrganisationCategory,
    PersonCategory,
    Relation,
    Sex,
)


class CommunityQuerySet(ScopedQuerySet):
    community_path = "id"

    def editable_by(self, user):
        if user.is_superuser or user.is_leader:
            return self.visible_to(user)
        return self.visible_to(user).filter(id__in=editable_community_ids(user))


class Community(ChangeLogged):
    """A 社区 or 行政村 of the station's area, with its boundary and its officers."""

    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("派出所"),
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(
        _("类型"), max_length=20, choices=CommunityKind.choices, default=CommunityKind.COMMUNITY
    )
    code = models.CharField(_("区划代码"), max_length=20, blank=True)
    town = models.CharField(_("街道/乡镇"), max_length=50, blank=True)
    is_old_town = models.BooleanField(_("老城区"), default=False)
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    latitude = models.FloatField(_("中心纬度"), null=True, blank=True)
    longitude = models.FloatField(_("中心经度"), null=True, blank=True)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="communities", verbose_name=_("社区民警")
    )
    note = models.TextField(_("备注"), blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区/村")
        verbose_name_plural = _("社区/村")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "name"], name="community_name_unique_in_station"
            )
        ]

    def __str__(self):
        return self.name


class CommunityGrant(ChangeLogged):
    """A leader lets a user edit another community's records (optionally until a time)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_grants"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(_("有效期至"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("社区授权")
        verbose_name_plural = _("社区授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"], name="one_grant_per_user_community"
            )
        ]

    @property
    def station_id(self):
        return self.community.station_id

    def __str__(self):
        return f"{self.user} → {self.community}"


class LiaisonPoint(ChangeLogged):
    """A 矛盾纠纷排查联络点: a person in the community called every day ("今天有啥子问题没得?")."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="liaison_points",
        verbose_name=_("社区/村"),
    )
    name = models.CharField(_("联络点"), max_length=100)
    contact_name = models.CharField(_("联络人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("排查联络点")
        verbose_name_plural = _("排查联络点")
        ordering = ["community__name", "name"]

    def __str__(self):
        return f"{self.community.name}·{self.name}"


class Address(ChangeLogged):
    """A standard address (标准地址) by the levels of GA/T 2000.32, down to the room."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="addresses", verbose_name=_("社区/村")
    )
    province = models.CharField(_("省"), max_length=20, default="四川省")
    city = models.CharField(_("市"), max_length=20, default="乐山市")
    county = models.CharField(_("县"), max_length=20, default="犍为县")
    town = models.CharField(_("街道/乡镇"), max_length=30, blank=True)
    road = models.CharField(_("组/街路巷/小区"), max_length=60)
    doorplate = models.CharField(_("门牌号"), max_length=20, blank=True)
    building = models.CharField(_("楼栋"), max_length=20, blank=True)
    unit = models.CharField(_("单元"), max_length=20, blank=True)
    floor = models.CharField(_("层"), max_length=10, blank=True)
    room = models.CharField(_("户室"), max_length=20, blank=True)
    full_text = models.CharField(_("完整地址"), max_length=300, editable=False)
    code = models.CharField(_("地址编码"), max_length=40, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("标准地址")
        verbose_name_plural = _("标准地址")
        ordering = ["full_text"]
        indexes = [models.Index(fields=["station", "full_text"])]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "full_text"], name="address_unique_in_station"
            )
        ]

    def __str__(self):
        return self.full_text

    def local_text(self) -> str:
        return rules.address_text(
            [
                self.community.name if self.community_id else "",
                self.road,
                f"{self.doorplate}号"
                if self.doorplate and not self.doorplate.endswith("号")
                else self.doorplate,
                f"{self.building}栋"
                if self.building and not self.building.endswith(("栋", "幢"))
                else self.building,
                f"{self.unit}单元" if self.unit and not self.unit.endswith("单元") else self.unit,
                f"{self.room}室"
                if self.room and not self.room.endswith(("室", "号"))
                else self.room,
            ]
        )

    def save(self, *args, **kwargs):
        self.full_text = self.compose_full_text()
        super().save(*args, **kwargs)

    def compose_full_text(self) -> str:
        return rules.address_text([self.town, self.local_text()])


class House(ChangeLogged):
    """实有房屋: one dwelling or premises at a standard address."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="houses", verbose_name=_("社区/村")
    )
    address = models.OneToOneField(
        Address, on_delete=models.PROTECT, related_name="house", verbose_name=_("地址")
    )
    use = models.CharField(
        _("用途"), max_length=20, choices=HouseUse.choices, default=HouseUse.OWNER_OCCUPIED
    )
    owner = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_houses",
        verbose_name=_("房主"),
    )
    owner_name = models.CharField(_("房主姓名"), max_length=50, blank=True)
    owner_phone = models.CharField(_("房主电话"), max_length=20, blank=True)
    area_m2 = models.DecimalField(
        _("面积(㎡)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    rooms = models.PositiveSmallIntegerField(_("间数"), null=True, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        ordering = ["address__full_text"]

    def __str__(self):
        return self.address.full_text if self.address_id else _("房屋#%(id)s") % {"id": self.pk}


class Person(ChangeLogged):
    """实有人口: a person living in the area, registered (户籍), floating (流动) or foreign (境外)."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="persons", verbose_name=_("社区/村")
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, editable=False, db_index=True)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("证件号码"), max_length=30, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    nationality = models.CharField(_("国籍"), max_length=40, default="中国")
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Last four characters of the ID number and the phone, indexed: the duty desk searches by 尾号.
    id_tail = models.CharField(max_length=4, editable=False, default="")
    phone_tail = models.CharField(max_length=4, editable=False, default="")
    category = models.CharField(
        _("人口类别"),
        max_length=20,
        choices=PersonCategory.choices,
        default=PersonCategory.REGISTERED,
    )
    registered_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    address = models.ForeignKey(
        Address,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("现住地址"),
    )
    house = models.ForeignKey(
        House,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="occupants",
        verbose_name=_("居住房屋"),
    )
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, blank=True
    )
    employer = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("工作单位"),
    )
    inflow_date = models.DateField(_("流入日期"), null=True, blank=True)
    inflow_reason = models.CharField(
        _("流入原因"), max_length=20, choices=InflowReason.choices, blank=True
    )
    expected_departure = models.DateField(_("预计离开日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["station", "name"]),
            models.Index(fields=["station", "phone"]),
            models.Index(fields=["station", "community", "category"]),
            models.Index(fields=["station", "id_tail"], name="person_id_tail_idx"),
            models.Index(fields=["station", "phone_tail"], name="person_phone_tail_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="person_id_number_unique")
        ]

    def __str__(self):
        return self.name

    def fill_search_keys(self, *, initials: str | None = None) -> None:
        """Set the derived search columns. save() does it; bulk writers (imports, demo) call it themselves."""
        self.name_initials = rules.pinyin_initials(self.name) if initials is None else initials
        self.id_tail = (self.id_number or "")[-4:]
        self.phone_tail = (self.phone or "")[-4:]

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        super().save(*args, **kwargs)


class PersonLabel(ChangeLogged):
    """An internal label such as 重点人员: shown only to roles in KEY_PERSON_ROLES, never exported otherwise."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="labels")
    label = models.CharField(_("标签"), max_length=30)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        constraints = [
            models.UniqueConstraint(fields=["person", "label"], name="person_label_once")
        ]

    @property
    def station_id(self):
        return self.person.station_id

    def __str__(self):
        return f"{self.person.name}: {self.label}"


class Organisation(ChangeLogged):
    """实有单位: a company, shop, school, office or other organisation at a standard address."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("社区/村")
    )
    name = models.CharField(_("单位名称"), max_length=100)
    name_initials = models.CharField(_("拼音首字母"), max_length=100, editable=False, db_index=True)
    category = models.CharField(_("类别"), max_length=20, choices=OrganisationCategory.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("地址")
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    legal_representative_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="represented_organisations",
    )
    person_in_charge = models.CharField(_("治安负责人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    employee_count = models.PositiveIntegerField(_("从业人数"), default=0)
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("实有单位")
        verbose_name_plural = _("实有单位")
        ordering = ["name"]
        indexes = [models.Index(fields=["station", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="organisation_credit_code_unique",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = rules.pinyin_initials(self.name)
        super().save(*args, **kwargs)
