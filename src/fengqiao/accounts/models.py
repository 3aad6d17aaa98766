from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import AttemptKind, Rank, Role, UnitKind
from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES
from fengqiao.core.audit import ChangeLogged


class Bureau(ChangeLogged):
    """A county public security bureau (县局): one installation may hold several stations under it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.CharField(_("代码"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("县局")
        verbose_name_plural = _("县局")

    def __str__(self):
        return self.name


class Station(ChangeLogged):
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="stations", verbose_name=_("县局")
    )
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=20, unique=True)
    area_km2 = models.DecimalField(
        _("辖区面积(km²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("派出所")
        verbose_name_plural = _("派出所")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="station_name_unique_in_bureau")
        ]

    def __str__(self):
        return self.name


class Unit(ChangeLogged):
    """A team or office of a station (两队一室, 警务室, 户籍室...)."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="units", verbose_name=_("派出所")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    leader = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_units",
        verbose_name=_("负责人"),
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="unit_name_unique_in_station")
        ]

    def __str__(self):
        return self.name


class FengqiaoUserManager(UserManager):
    pass


class User(ChangeLogged, AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices, default=Role.AUXILIARY)
    rank = models.CharField(_("身份"), max_length=20, choices=Rank.choices, default=Rank.POLICE)
    police_number = models.CharField(_("警号"), max_length=20, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("县局"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("派出所"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("单位"),
    )
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("已启用动态口令"), default=False)
    # Quiet hours for non-urgent notifications (local time); red and fraud warnings ignore them.
    quiet_from = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_until = models.TimeField(_("免打扰结束"), null=True, blank=True)

    objects = FengqiaoUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_leader(self) -> bool:
        return self.is_superuser or self.role in LEADER_ROLES

    @property
    def is_bureau_level(self) -> bool:
        return self.role in BUREAU_ROLES

    def save(self, *args, **kwargs):
        if self.station_id and not self.bureau_id:
            self.bureau_id = (
                Station.objects.filter(pk=self.station_id)
                .values_list("bureau_id", flat=True)
                .first()
            )
        super().save(*args, **kwargs)


class LoginAttempt(models.Model):
    """One attempt at a password or a TOTP code; failures within the window lock the username and the
    address. The two kinds are counted apart, so a right password never resets the count of wrong codes."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(
        max_length=10, choices=AttemptKind.choices, default=AttemptKind.PASSWORD
    )
    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["ip_address", "at"]),
        ]

    def __str__(self):
        return f"{self.username} {self.kind} {'ok' if self.succeeded else 'failed'} {self.at:%Y-%m-%d %H:%M}"


class ApiToken(ChangeLogged):
    """A key for `Authorization: Token <key>`. Only its SHA-256 is kept (the key is shown once, when it is
    issued); it expires, and it can be revoked by its owner or an administrator (docs/security.md)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("用途"), max_length=60, blank=True)
    prefix = models.CharField(_("令牌开头"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_apitoken_user_idx")]

    def __str__(self):
        return f"{self.user} {self.prefix}…"

    def state(self, now=None) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"
