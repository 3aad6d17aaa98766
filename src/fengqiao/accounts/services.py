"""Every write to accounts goes through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fengqiao.accounts.choices import AttemptKind, Role
from fengqiao.accounts.models import ApiToken, Bureau, LoginAttempt, Station, Unit, User
from fengqiao.accounts.roles import grants_at, may_grant, may_manage


def _max_failures(kind: str) -> int:
    return settings.TOTP_MAX_FAILURES if kind == AttemptKind.TOTP else settings.LOGIN_MAX_FAILURES


def login_locked(
    *,
    username: str,
    ip_address: str | None,
    kind: str = AttemptKind.PASSWORD,
    now: dt.datetime | None = None,
) -> dt.datetime | None:
    """If the username or the address has too many recent failures of this kind (password or TOTP
    code), return when the lock ends. The counts live in the database, so every web process shares them."""
    now = now or timezone.now()
    window_start = now - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    for field, value in (("username", username.lower()), ("ip_address", ip_address)):
        if not value:
            continue
        recent = LoginAttempt.objects.filter(
            **{field: value}, kind=kind, at__gte=window_start
        ).order_by("-at")
        last_success = recent.filter(succeeded=True).values_list("at", flat=True).first()
        failures = recent.filter(succeeded=False)
        if last_success:
            failures = failures.filter(at__gt=last_success)
        limit = _max_failures(kind) if field == "username" else _max_failures(kind) * 4
        times = list(failures.values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            return times[-1] + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return None


def login_attempt_record(
    *, username: str, ip_address: str | None, succeeded: bool, kind: str = AttemptKind.PASSWORD
) -> None:
    LoginAttempt.objects.create(
        username=username.lower()[:150], ip_address=ip_address, succeeded=succeeded, kind=kind
    )


def lock_message(
    locked_until: dt.datetime, *, now: dt.datetime | None = None, kind: str = AttemptKind.PASSWORD
) -> str:
    minutes = max(1, int((locked_until - (now or timezone.now())).total_seconds() // 60) + 1)
    if kind == AttemptKind.TOTP:
        return ngettext(
            "动态口令错误次数过多,已暂时锁定,请%(n)s分钟后再试",
            "动态口令错误次数过多,已暂时锁定,请%(n)s分钟后再试",
            minutes,
        ) % {"n": minutes}
    return ngettext(
        "登录失败次数过多,账号已暂时锁定,请%(n)s分钟后再试",
        "登录失败次数过多,账号已暂时锁定,请%(n)s分钟后再试",
        minutes,
    ) % {"n": minutes}


def second_factor_check(
    *, user: User, code: str, ip_address: str | None, now: dt.datetime | None = None
) -> None:
    """Check the TOTP code of a user who has passed the password. Wrong codes count like wrong
    passwords (TOTP_MAX_FAILURES per user within LOGIN_LOCKOUT_MINUTES, four times that per address);
    once locked, even the right code is refused until the lock ends, so six digits cannot be guessed."""
    now = now or timezone.now()
    locked_until = login_locked(
        username=user.username, ip_address=ip_address, kind=AttemptKind.TOTP, now=now
    )
    if locked_until:
        raise ValidationError(
            lock_message(locked_until, now=now, kind=AttemptKind.TOTP), code="locked"
        )
    ok = totp_check(user.totp_secret, code)
    login_attempt_record(
        username=user.username, ip_address=ip_address, succeeded=ok, kind=AttemptKind.TOTP
    )
    if not ok:
        raise ValidationError(_("动态口令不正确"), code="wrong")


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    full_name: str,
    role: str,
    station=None,
    unit=None,
    **extra,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("用户名“%(username)s”已存在") % {"username": username}}
        )
    user = User(
        username=username, full_name=full_name, role=role, station=station, unit=unit, **extra
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="枫桥 Fengqiao")


def totp_check(secret: str, code: str) -> bool:
    code = (code or "").strip().replace(" ", "")
    return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


@transaction.atomic
def user_enable_totp(*, user: User, secret: str, code: str) -> None:
    if not totp_check(secret, code):
        raise ValidationError(_("动态口令不正确,请核对手机上的6位数字后重试"))
    user.totp_secret = secret
    user.totp_enabled = True
    user.save(update_fields=["totp_secret", "totp_enabled"])


def _require_manager(actor, station) -> None:
    """`actor` manages staff of `station` at all (leader of it, its bureau, an administrator)."""
    if actor is None or grants_at(actor, station):
        return
    raise PermissionDenied(_("只有本所领导或系统管理员可以管理本所人员"))


def _require_may_manage(actor, user: User) -> None:
    """Only an account whose role the actor could grant, in the actor's reach (never a higher one);
    one's own account too (but not one's own role: see staff_update)."""
    _require_manager(actor, user.station)
    if actor is not None and actor.pk != user.pk and not may_manage(actor, user):
        raise PermissionDenied(
            _("无权管理%(role)s账号“%(name)s”")
            % {"role": user.get_role_display(), "name": user.display_name}
        )


def _require_may_grant(actor, role: str, station) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("未知的角色")})
    if actor is not None and not may_grant(actor, role, station):
        raise PermissionDenied(_("无权授予“%(role)s”角色") % {"role": Role(role).label})


# What the staff pages may change on an account; the station, bureau and the superuser flags are
# changed by a superuser only (no one moves an account to another station through the staff pages).
STAFF_FIELDS = frozenset(
    {"full_name", "role", "rank", "police_number", "phone", "unit", "is_active"}
)


@transaction.atomic
def staff_create(
    *,
    actor,
    username: str,
    password: str,
    full_name: str,
    role: str,
    station,
    unit=None,
    communities=(),
    **extra,
) -> User:
    _require_manager(actor, station)
    _require_may_grant(actor, role, station)
    if set(extra) - STAFF_FIELDS and actor is not None and not actor.is_superuser:
        raise PermissionDenied(
            _("不能设置这些字段:%(f)s") % {"f": "、".join(sorted(set(extra) - STAFF_FIELDS))}
        )
    if unit is not None and unit.station_id != station.pk:
        raise ValidationError({"unit": _("所选单位不属于该派出所")})
    user = user_create(
        actor=actor,
        username=username,
        password=password,
        full_name=full_name,
        role=role,
        station=station,
        unit=unit,
        **extra,
    )
    if communities:
        user.communities.set(communities)
    return user


@transaction.atomic
def staff_update(*, actor, user: User, communities=None, **fields) -> User:
    """Edit an account. The grant table (accounts/roles.py GRANTS) decides: the actor must be able to
    grant both the account's current role and any new one; nobody changes their own role; only a
    superuser moves an account to another station. The change log records before and after."""
    _require_may_manage(actor, user)
    if actor is not None and not actor.is_superuser:
        extra = set(fields) - STAFF_FIELDS
        if extra:
            raise PermissionDenied(_("不能修改这些字段:%(f)s") % {"f": "、".join(sorted(extra))})
    if "role" in fields and fields["role"] != user.role:
        if actor is not None and actor.pk == user.pk:
            raise PermissionDenied(_("不能修改自己的角色"))
        _require_may_grant(actor, fields["role"], user.station)
    if actor is not None and actor.pk == user.pk and fields.get("is_active") is False:
        raise ValidationError(_("不能停用自己的账号"))
    station_id = fields["station"].pk if fields.get("station") is not None else user.station_id
    if "unit" in fields and fields["unit"] is not None and fields["unit"].station_id != station_id:
        raise ValidationError({"unit": _("所选单位不属于该派出所")})
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    if communities is not None:
        user.communities.set(communities)
    return user


@transaction.atomic
def staff_set_password(*, actor, user: User, password: str) -> None:
    if actor is None or actor.pk != user.pk:
        _require_may_manage(actor, user)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def staff_unlock(*, actor, user: User) -> int:
    """Clear the recent failed logins of a user name, ending a lockout."""
    _require_may_manage(actor, user)
    deleted, _count = LoginAttempt.objects.filter(
        username=user.username.lower(), succeeded=False
    ).delete()
    return deleted


# Units every 枫桥式 station has: two teams and a room (两队一室), plus the registration desk.
DEFAULT_UNITS = (
    ("社区警务队", "community_team"),
    ("案件办理队", "case_team"),
    ("综合指挥室", "command_room"),
    ("户籍室", "registration"),
)


@transaction.atomic
def station_create(
    *,
    bureau_name: str,
    bureau_code: str,
    name: str,
    code: str,
    area_km2=None,
    with_units: bool = True,
):
    """Create a station (and its county bureau when new) for a fresh installation."""
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise ValidationError(_("派出所名称和代码都必须填写"))
    bureau = Bureau.objects.filter(code=bureau_code).first()
    if bureau is None:
        if not bureau_name.strip():
            raise ValidationError(
                _("县局代码 %(code)s 不存在,新建时须同时给出县局名称") % {"code": bureau_code}
            )
        bureau = Bureau.objects.create(name=bureau_name.strip(), code=bureau_code)
    if Station.objects.filter(code=code).exists():
        raise ValidationError(_("派出所代码 %(code)s 已存在") % {"code": code})
    if Station.objects.filter(bureau=bureau, name=name).exists():
        raise ValidationError(
            _("%(bureau)s已有名为“%(name)s”的派出所") % {"bureau": bureau.name, "name": name}
        )
    station = Station.objects.create(bureau=bureau, name=name, code=code, area_km2=area_km2)
    if with_units:
        for unit_name, kind in DEFAULT_UNITS:
            Unit.objects.create(station=station, name=unit_name, kind=kind)
    return station


# ----------------------------------------------------------------------------- API tokens

TOKEN_PREFIX = "fq_"  # noqa: S105 (a marker, not a secret)


def token_hash(key: str) -> str:
    """What is stored of a key: its SHA-256 (a key is 40 random characters, so no slow hash is needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def tokens_manageable_by(actor):
    """The tokens `actor` may see and revoke: their own; a station's 系统管理员 also its users';
    an installation superuser every one."""
    from django.db.models import Q

    qs = ApiToken.objects.select_related("user", "user__station", "revoked_by")
    if actor.is_superuser:
        return qs
    if actor.role == Role.ADMIN and actor.station_id:
        return qs.filter(Q(user=actor) | Q(user__station_id=actor.station_id))
    return qs.filter(user=actor)


@transaction.atomic
def token_issue(
    *, actor, user=None, name: str = "", days: int | None = None, now=None
) -> tuple[ApiToken, str]:
    """A new API key for `user` (default: the actor). Returns the token and the key, which is not kept:
    the caller shows it once. Only for oneself, or by a superuser."""
    from django.core.exceptions import PermissionDenied

    user = user or actor
    now = now or timezone.now()
    if user.pk != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("只能为自己签发接口令牌"))
    if not user.is_active:
        raise ValidationError(_("该用户已停用,不能签发接口令牌"))
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("有效期须在1至%(max)s天之间") % {"max": settings.API_TOKEN_MAX_DAYS}}
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:60],
        prefix=key[:10],
        key_hash=token_hash(key),
        created_at=now,
        created_by=actor,
        expires_at=now + dt.timedelta(days=days),
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken, now=None) -> bool:
    """Revoke a token at once (the change log keeps who and when). False if it was already revoked."""
    from django.core.exceptions import PermissionDenied

    if not tokens_manageable_by(actor).filter(pk=token.pk).exists():
        raise PermissionDenied(_("只能撤销自己的接口令牌"))
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    return True


def token_revoke_all(*, actor, user: User, now=None) -> int:
    """Revoke every live token of a user (a leaked laptop, a user leaving). The count revoked."""
    count = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        count += token_revoke(actor=actor, token=token, now=now)
    return count


def token_authenticate(key: str, *, now=None) -> ApiToken:
    """The live token of a key, its last use noted (at most once a minute). Raises ValidationError
    with the reason (unknown, revoked, expired, user disabled)."""
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
    if token is None:
        raise ValidationError(_("接口令牌无效"))
    if token.revoked_at is not None:
        raise ValidationError(_("接口令牌已撤销"))
    if token.expires_at <= now:
        raise ValidationError(_("接口令牌已过期,请重新签发"))
    if not token.user.is_active:
        raise ValidationError(_("该用户已停用"))
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        # A plain UPDATE: a use is not a change of the record, and must not write the change log.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
