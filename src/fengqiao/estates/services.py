"""Every write of the estates part: `<noun>_<verb>(*, actor, ...)`, one transaction each, change log
by signals (ChangeLogged models), typed task events, notifications after commit."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES, has_role
from fengqiao.core import events
from fengqiao.core.audit import record_personal_data_view
from fengqiao.core.models import PersonalDataAccess
from fengqiao.core.permissions import can_edit
from fengqiao.estates import conf, rules
from fengqiao.estates.choices import (
    CredentialStatus,
    CredentialType,
    DeviceStatus,
    Direction,
    GateKind,
    TaskEventKind,
    TaskStatus,
)
from fengqiao.estates.models import (
    AccessDevice,
    AccessEvent,
    Credential,
    DeviceAlarm,
    Estate,
    Gate,
    RegistrationTask,
    TaskEvent,
)
from fengqiao.estates.permissions import can_view
from fengqiao.registry.models import Person

log = logging.getLogger(__name__)

CLOCK_KIND = "estate_registration_check"
# Roles that assign terminals (pending registrations) to an estate's gate
DEVICE_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER, Role.COMMAND, Role.AUXILIARY}
)


def _require_view(actor) -> None:
    if not can_view(actor):
        raise PermissionDenied(_("您的角色无权查看小区门禁数据"))


def _require_edit(actor, obj, message: str | None = None) -> None:
    if not can_edit(actor, obj):
        raise PermissionDenied(message or _("只有该社区的社区民警或所领导可以修改"))


def _text(value, label: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("请填写%(label)s") % {"label": label})
    if len(value) > max_length:
        raise ValidationError(_("%(label)s最多 %(n)s 个字") % {"label": label, "n": max_length})
    return value


# ----------------------------------------------------------------------------- estates and gates


@transaction.atomic
def estate_create(*, actor, community, name: str, address: str = "", latitude=None, longitude=None,
                  households: int = 0, built_year=None, property_company: str = "") -> Estate:  # fmt: skip
    from fengqiao.core.scoping import editable_community_ids

    if community.pk not in editable_community_ids(actor):
        raise PermissionDenied(_("只有该社区的社区民警或所领导可以登记小区"))
    name = _text(name, _("小区名称"), max_length=100)
    if Estate.objects.filter(community=community, name=name).exists():
        raise ValidationError(_("该社区已有名为“%(name)s”的小区") % {"name": name})
    if built_year is not None and not 1900 <= int(built_year) <= timezone.now().year:
        raise ValidationError(_("建成年份不正确"))
    return Estate.objects.create(
        station=community.station, community=community, name=name, address=(address or "")[:200],
        latitude=latitude, longitude=longitude, households=int(households or 0), built_year=built_year,
        property_company=(property_company or "")[:100],
    )  # fmt: skip


@transaction.atomic
def estate_update(*, actor, estate: Estate, **fields) -> Estate:
    """Change an estate's details and its own thresholds for registration checks (None: the default)."""
    _require_edit(actor, estate)
    allowed = {"name", "address", "latitude", "longitude", "households", "built_year", "property_company",
               "unregistered_days", "unregistered_window"}  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("不能修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    if "name" in fields:
        fields["name"] = _text(fields["name"], _("小区名称"), max_length=100)
        if (
            Estate.objects.filter(community_id=estate.community_id, name=fields["name"])
            .exclude(pk=estate.pk)
            .exists()
        ):
            raise ValidationError(_("该社区已有名为“%(name)s”的小区") % {"name": fields["name"]})
    if (
        fields.get("built_year") is not None
        and not 1900 <= int(fields["built_year"]) <= timezone.now().year
    ):
        raise ValidationError(_("建成年份不正确"))
    days, window = (
        fields.get("unregistered_days", estate.unregistered_days),
        fields.get("unregistered_window", estate.unregistered_window),
    )
    if days is not None and not 1 <= days <= 60:
        raise ValidationError(_("未登记通行天数阈值须在 1 到 60 之间"))
    if window is not None and not 1 <= window <= 60:
        raise ValidationError(_("统计窗口须在 1 到 60 天之间"))
    if (days or conf.unregistered_days()) > (window or conf.unregistered_window()):
        raise ValidationError(_("通行天数阈值不能大于统计窗口"))
    for key, value in fields.items():
        setattr(estate, key, value)
    estate.save()
    return estate


@transaction.atomic
def gate_create(
    *, actor, estate: Estate, name: str, kind: str = GateKind.PEDESTRIAN, direction: str = ""
) -> Gate:
    _require_edit(actor, estate)
    name = _text(name, _("门岗名称"), max_length=50)
    if kind not in GateKind.values:
        raise ValidationError(_("门岗类型不正确"))
    if direction not in Direction.values:
        raise ValidationError(_("方向不正确"))
    if estate.gates.filter(name=name).exists():
        raise ValidationError(_("该小区已有名为“%(name)s”的门岗") % {"name": name})
    return Gate.objects.create(estate=estate, name=name, kind=kind, direction=direction)


# ----------------------------------------------------------------------------- terminals


@transaction.atomic
def device_assign(
    *, actor, device: AccessDevice, gate: Gate, name: str = "", model: str = ""
) -> AccessDevice:
    """Accept a pending terminal (or move one) to an estate's gate. Its events held so far get the
    estate, gate and station."""
    if not has_role(actor, DEVICE_ROLES):
        raise PermissionDenied(_("您的角色无权接收门禁设备"))
    estate = gate.estate
    _require_edit(actor, estate, _("只能把设备接入本人负责社区的小区"))
    device = AccessDevice.objects.select_for_update().get(pk=device.pk)
    if device.station_id and device.station_id != estate.station_id:
        raise PermissionDenied(_("该设备属于其他派出所"))
    if device.status == DeviceStatus.DISABLED:
        raise ValidationError(_("设备已停用,请先启用"))
    device.station_id, device.estate, device.gate = estate.station_id, estate, gate
    device.status = DeviceStatus.ACTIVE
    device.name = (name or device.name or f"{gate} {device.get_vendor_display()}")[:100]
    device.model = (model or device.model)[:50]
    device.save()
    AccessEvent.objects.filter(device=device, estate__isnull=True).update(
        station_id=estate.station_id, estate=estate, gate=gate
    )
    return device


@transaction.atomic
def device_disable(*, actor, device: AccessDevice, reason: str) -> AccessDevice:
    reason = _text(reason, _("停用理由"), max_length=200)
    if device.estate_id:
        _require_edit(actor, device.estate)
    elif not has_role(actor, LEADER_ROLES):
        raise PermissionDenied(_("只有所领导可以停用待接收设备"))
    device.status = DeviceStatus.DISABLED
    if device.station_id is None:
        device.station_id = actor.station_id
    device.save()
    DeviceAlarm.objects.filter(device=device, ended_at__isnull=True).update(ended_at=timezone.now())
    log.info("access terminal %s disabled by %s: %s", device.identifier, actor, reason)
    return device


@transaction.atomic
def terminal_command(*, actor, device: AccessDevice, kind: str):
    """Queue a command (INFO, CHECK, REBOOT) for a ZKTeco terminal: handed out at its next poll of
    /iclock/getrequest, closed by its devicecmd answer. Hikvision terminals take no pushed commands."""
    from fengqiao.estates.choices import CommandKind
    from fengqiao.estates.models import TerminalCommand

    if device.estate_id is None:
        raise ValidationError(_("设备尚未接入小区"))
    _require_edit(actor, device.estate)
    if device.vendor != "zkteco":
        raise ValidationError(_("只有中控(PUSH)设备支持下发命令"))
    if device.status != DeviceStatus.ACTIVE:
        raise ValidationError(_("设备未在用"))
    if kind not in CommandKind.values:
        raise ValidationError(_("命令不正确"))
    if TerminalCommand.objects.filter(device=device, kind=kind, status="queued").exists():
        raise ValidationError(_("该命令已在等待发送"))
    return TerminalCommand.objects.create(device=device, kind=kind, requested_by=actor)


def _officers(estate: Estate) -> list:
    return [
        u for u in estate.community.officers.filter(is_active=True, station_id=estate.station_id)
    ]


def devices_health_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Terminals silent longer than ESTATE_DEVICE_OFFLINE_MINUTES raise an offline alarm (once: a
    conditional update claims the device) to the estate's community officers; a terminal heard again
    closes its alarm."""
    from fengqiao.notifications.services import notification_send

    now = now or timezone.now()
    limit = now - dt.timedelta(minutes=conf.offline_minutes())
    went, back = 0, 0
    candidates = AccessDevice.objects.filter(
        status=DeviceStatus.ACTIVE, offline_since__isnull=True, last_seen_at__lt=limit
    ).select_related("estate__community", "gate")
    for device in candidates[:1000]:
        with transaction.atomic():
            claimed = AccessDevice.objects.filter(pk=device.pk, offline_since__isnull=True).update(
                offline_since=now
            )
            if claimed != 1:
                continue
            alarm = DeviceAlarm.objects.create(
                device=device,
                station_id=device.station_id,
                estate_id=device.estate_id,
                started_at=device.last_seen_at or now,
            )
            went += 1
            events.publish(  # the command room's wall subscribes (decision 0008)
                "estate.device_offline",
                {
                    "alarm_id": alarm.pk,
                    "device_id": device.pk,
                    "station_id": device.station_id,
                    "estate_id": device.estate_id,
                },
            )
            if device.estate_id:
                title = _("门禁设备离线:%(estate)s %(device)s") % {
                    "estate": device.estate.name,
                    "device": device.name or device.identifier,
                }
                body = _("最后心跳 %(at)s,超过 %(n)s 分钟未上报。") % {
                    "at": timezone.localtime(device.last_seen_at).strftime("%Y-%m-%d %H:%M")
                    if device.last_seen_at
                    else "—",
                    "n": conf.offline_minutes(),
                }
                notification_send(
                    recipients=_officers(device.estate), kind="estate_device_offline", title=title, body=body,
                    level="orange", url=reverse("estates:estate_detail", args=[device.estate_id]),
                    dedupe_key=f"estate-device-offline-{alarm.pk}",
                )  # fmt: skip
    for device in AccessDevice.objects.filter(offline_since__isnull=False, last_seen_at__gte=limit)[
        :1000
    ]:
        with transaction.atomic():
            if (
                AccessDevice.objects.filter(pk=device.pk, offline_since__isnull=False).update(
                    offline_since=None
                )
                == 1
            ):
                DeviceAlarm.objects.filter(device=device, ended_at__isnull=True).update(
                    ended_at=device.last_seen_at or now
                )
                back += 1
    return {"offline": went, "back_online": back}


# ----------------------------------------------------------------------------- credentials


def _check_person(actor, estate: Estate, person: Person | None) -> None:
    if person is None:
        return
    if (
        not Person.objects.visible_to(actor).filter(pk=person.pk).exists()
        or person.station_id != estate.station_id
    ):
        raise ValidationError(_("只能关联本所登记的人员"))


def _link_events(credential: Credential) -> int:
    """Events of the last retention period from this credential get its person (a resident registered
    after they came through the gate)."""
    return AccessEvent.objects.filter(
        estate_id=credential.estate_id, subject=credential.holder_no
    ).update(credential_id=credential.pk, person_id=credential.person_id)


@transaction.atomic
def credential_create(*, actor, estate: Estate, holder_no: str, card_no: str = "", kind: str = CredentialType.CARD,
                      person: Person | None = None, note: str = "") -> Credential:  # fmt: skip
    _require_edit(actor, estate)
    holder_no = _text(holder_no, _("设备人员编号"), max_length=32)
    if not rules.valid_holder_no(holder_no):
        raise ValidationError(_("设备人员编号不正确"))
    card_no = _text(card_no, _("卡号"), max_length=32, required=False)
    if kind not in CredentialType.values:
        raise ValidationError(_("凭证方式不正确"))
    _check_person(actor, estate, person)
    if Credential.objects.filter(estate=estate, holder_no=holder_no).exists():
        raise ValidationError(_("该小区已有编号为 %(no)s 的凭证") % {"no": holder_no})
    try:
        with transaction.atomic():
            credential = Credential.objects.create(
                station_id=estate.station_id, estate=estate, holder_no=holder_no, card_no=card_no, kind=kind,
                person=person, note=(note or "")[:200],
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(_("该小区已有编号为 %(no)s 的凭证") % {"no": holder_no}) from None
    if person is not None:
        _link_events(credential)
        for task in RegistrationTask.objects.open().filter(estate=estate, subject=holder_no):
            _task_close(
                task,
                actor=actor,
                status=TaskStatus.REGISTERED,
                person=person,
                credential=credential,
            )
    return credential


@transaction.atomic
def credential_link(*, actor, credential: Credential, person: Person) -> Credential:
    _require_edit(actor, credential.estate)
    _check_person(actor, credential.estate, person)
    credential.person = person
    credential.save()
    _link_events(credential)
    for task in RegistrationTask.objects.open().filter(
        estate_id=credential.estate_id, subject=credential.holder_no
    ):
        _task_close(
            task, actor=actor, status=TaskStatus.REGISTERED, person=person, credential=credential
        )
    return credential


@transaction.atomic
def credential_revoke(*, actor, credential: Credential) -> Credential:
    _require_edit(actor, credential.estate)
    if credential.status == CredentialStatus.REVOKED:
        raise ValidationError(_("该凭证已注销"))
    credential.status = CredentialStatus.REVOKED
    credential.save()
    return credential


# ----------------------------------------------------------------------------- registration tasks


def _event(task, kind, actor=None, **data) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task, kind=kind, actor=actor if getattr(actor, "pk", None) else None, data=data
    )


def tasks_detect(*, now: dt.datetime | None = None) -> int:
    """Open a 核查登记 task for each credential not linked to a registered resident that passed a
    gate of an estate on at least N distinct days within the last M days (per estate, defaults
    ESTATE_UNREGISTERED_DAYS=3 in ESTATE_UNREGISTERED_WINDOW_DAYS=14). One GROUP BY over the window,
    on the (occurred_at) index. A subject dismissed within the window is not raised again."""
    now = now or timezone.now()
    default_days, default_window = conf.unregistered_days(), conf.unregistered_window()
    longest = max(
        [
            default_window,
            *Estate.objects.exclude(unregistered_window=None).values_list(
                "unregistered_window", flat=True
            ),
        ]
    )
    since = rules.window_start(now, longest)
    rows = (
        AccessEvent.objects.filter(
            occurred_at__gte=since,
            occurred_at__lte=now,
            granted=True,
            person__isnull=True,
            estate__isnull=False,
        )  # fmt: skip
        .exclude(subject="")
        .values("estate_id", "subject")
        .annotate(
            days=Count("day", distinct=True), first=Min("occurred_at"), last=Max("occurred_at")
        )
        .filter(
            days__gte=min(
                default_days,
                *Estate.objects.exclude(unregistered_days=None).values_list(
                    "unregistered_days", flat=True
                ),
                default_days,
            )
        )
    )
    estates = {e.pk: e for e in Estate.objects.select_related("community")}
    open_ = set(RegistrationTask.objects.open().values_list("estate_id", "subject"))
    # a credential linked to a resident since (the gateway's credential map lags by up to a minute)
    open_ |= set(
        Credential.objects.filter(person__isnull=False).values_list("estate_id", "holder_no")
    )
    created = 0
    for row in rows:
        estate = estates.get(row["estate_id"])
        if estate is None or (estate.pk, row["subject"]) in open_:
            continue
        min_days = estate.unregistered_days or default_days
        window = estate.unregistered_window or default_window
        start = rules.window_start(now, window)
        recent_dismissal = RegistrationTask.objects.filter(
            estate=estate, subject=row["subject"], resolved_at__gte=start
        ).aggregate(m=Max("resolved_at"))["m"]
        start = max(start, recent_dismissal) if recent_dismissal else start
        days = list(
            AccessEvent.objects.filter(
                estate_id=estate.pk,
                subject=row["subject"],
                granted=True,
                person__isnull=True,
                occurred_at__gte=start,
                occurred_at__lte=now,
            )  # fmt: skip
            .values_list("day", flat=True)
            .distinct()
        )
        days = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in days]
        if not rules.is_regular(days, now=now, min_days=min_days, window_days=window):
            continue
        if _task_open(
            estate,
            row["subject"],
            days=len(set(days)),
            window=window,
            first=row["first"],
            last=row["last"],
            now=now,
        ):
            created += 1
    return created


@transaction.atomic
def _task_open(
    estate: Estate, subject: str, *, days: int, window: int, first, last, now
) -> RegistrationTask | None:
    from fengqiao.core.services import clock_start
    from fengqiao.notifications.services import notification_send

    officers = _officers(estate)
    credential = Credential.objects.filter(estate=estate, holder_no=subject).first()
    try:
        with transaction.atomic():
            task = RegistrationTask.objects.create(
                station_id=estate.station_id, community_id=estate.community_id, estate=estate, subject=subject,
                credential=credential, first_seen_at=first, last_seen_at=last, days_seen=days, window_days=window,
                assignee=officers[0] if officers else None, created_at=now,
            )  # fmt: skip
    except IntegrityError:
        return None  # another sweep opened it first
    clock = clock_start(obj=task, kind=CLOCK_KIND, assignee=task.assignee, station=estate.station, started_at=now,
                        title=str(task))  # fmt: skip
    task.due_at = clock.due_at
    task.save(update_fields=["due_at"])
    _event(task, TaskEventKind.CREATED, days=days, window=window, subject=subject)
    notification_send(
        recipients=officers, kind="estate_registration_task", level="yellow", obj=task,
        title=_("核查登记:%(estate)s 有未登记人员 %(days)s 天内多次通行") % {"estate": estate.name, "days": window},
        body=_("凭证 %(subject)s 在 %(window)s 天内有 %(days)s 天通行,请于 %(due)s 前核查登记或排除。") % {
            "subject": subject, "window": window, "days": days,
            "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
        },
        dedupe_key=f"estate-task-{task.pk}",
    )  # fmt: skip
    return task


def _task_close(
    task: RegistrationTask, *, actor, status: str, person=None, credential=None, reason: str = ""
) -> None:
    from fengqiao.core.models import Clock
    from fengqiao.core.services import clock_stop

    now = timezone.now()
    task.status, task.resolved_at = status, now
    task.resolved_by = actor if getattr(actor, "pk", None) else None
    task.person, task.reason = person, reason
    if credential is not None:
        task.credential = credential
    task.save()
    ct = ContentType.objects.get_for_model(RegistrationTask)
    for clock in Clock.objects.open().filter(content_type=ct, object_id=task.pk):
        clock_stop(actor=None, clock=clock, at=now)
    kind = TaskEventKind.REGISTERED if status == TaskStatus.REGISTERED else TaskEventKind.DISMISSED
    _event(task, kind, actor, person=person.pk if person else None, reason=reason)


def _require_task(actor, task: RegistrationTask) -> RegistrationTask:
    _require_edit(actor, task, _("只有该社区的社区民警或所领导可以办理该任务"))
    task = RegistrationTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("该任务已办结(%(status)s)") % {"status": task.get_status_display()})
    return task


@transaction.atomic
def task_register(
    *, actor, task: RegistrationTask, person: Person, card_no: str = ""
) -> RegistrationTask:
    """The person is (now) in the registry: the credential is linked to them (created when the
    terminals knew only the number), their events linked, the task done and its clock stopped."""
    task = _require_task(actor, task)
    estate = task.estate
    _check_person(actor, estate, person)
    credential = (
        task.credential or Credential.objects.filter(estate=estate, holder_no=task.subject).first()
    )
    if credential is None:
        holder = (
            task.subject if not task.subject.startswith("card:") else f"C{task.subject[5:]}"[:32]
        )
        card = task.subject[5:] if task.subject.startswith("card:") else (card_no or "")
        credential = Credential.objects.create(
            station_id=estate.station_id, estate=estate, holder_no=holder, card_no=card[:32], person=person,
            note=_("核查登记任务生成"),
        )  # fmt: skip
    else:
        credential.person = person
        credential.save()
    AccessEvent.objects.filter(estate_id=estate.pk, subject=task.subject).update(
        credential_id=credential.pk, person_id=person.pk
    )
    _task_close(
        task, actor=actor, status=TaskStatus.REGISTERED, person=person, credential=credential
    )
    return task


@transaction.atomic
def task_register_person(
    *,
    actor,
    task: RegistrationTask,
    id_number: str,
    name: str = "",
    phone: str = "",
    category: str = "",
    inflow_reason: str = "",
    card_no: str = "",
) -> tuple[RegistrationTask, Person, bool]:
    """Close the task as registered in one flow: the person with this ID number in the registry is
    linked, or — not there yet — registered through the registry's own service (person_create: its
    checks, its change log; sex and birth date come from the ID number), then linked. Publishes
    `estate.task_registered`. Returns (task, person, created)."""
    from fengqiao.core import events
    from fengqiao.registry import rules as registry_rules
    from fengqiao.registry.choices import IdType, PersonCategory
    from fengqiao.registry.services import person_create

    task = _require_task(actor, task)  # role and scope first: nothing is registered for a refusal
    number = registry_rules.normalise_id_number(id_number)
    if not number:
        raise ValidationError({"id_number": _("请填写证件号码")})
    person = Person.objects.visible_to(actor).filter(id_number=number).first()
    created = person is None
    if created:
        if not (name or "").strip():
            raise ValidationError({"name": _("该证件号码尚未登记:请填写姓名,将同时登记到一标三实")})
        category = category or PersonCategory.FLOATING
        if category not in (PersonCategory.REGISTERED, PersonCategory.FLOATING):
            raise ValidationError({"category": _("请选择户籍人口或流动人口")})
        data = {
            "community": task.community,
            "name": name.strip(),
            "id_type": IdType.RESIDENT_ID,
            "id_number": number,
            "phone": phone,
            "category": category,
        }
        if category == PersonCategory.FLOATING:
            data["inflow_date"] = timezone.localtime(task.first_seen_at).date()
            data["inflow_reason"] = inflow_reason
        person = person_create(actor=actor, **data)
    task_register(actor=actor, task=task, person=person, card_no=card_no)
    events.publish(
        "estate.task_registered",
        {
            "task_id": task.pk,
            "person_id": person.pk,
            "station_id": task.station_id,
            "created": created,
        },
    )
    return task, person, created


@transaction.atomic
def task_dismiss(*, actor, task: RegistrationTask, reason: str) -> RegistrationTask:
    task = _require_task(actor, task)
    reason = _text(reason, _("排除理由"), max_length=200)
    if len(reason) < 4:
        raise ValidationError(_("请写明排除理由(至少 4 个字)"))
    _task_close(task, actor=actor, status=TaskStatus.DISMISSED, reason=reason)
    return task


# ----------------------------------------------------------------------------- movements (personal data)


def movements_record(*, actor, estate: Estate | None, subject: str = "", person: Person | None = None,
                     reason: str, channel: str = "web") -> PersonalDataAccess:  # fmt: skip
    """Record (PersonalDataAccess) that `actor` looked up one person's movements, with the reason.
    Raises ValidationError without a reason; the query itself is the caller's (selectors.event_search)."""
    _require_view(actor)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(_("查询个人通行记录须填写事由(至少 4 个字)"))
    target = (
        person
        or (Credential.objects.filter(estate=estate, holder_no=subject).first() if estate else None)
        or estate
    )
    if target is None:
        target = Credential.objects.visible_to(actor).filter(holder_no=subject).first()
    if target is None:
        raise ValidationError(_("查询个人通行记录须选择小区"))
    return record_personal_data_view(
        actor=actor, station_id=getattr(target, "station_id", None) or actor.station_id, obj=target,
        object_repr=f"{target} 通行记录" if not subject else f"{target} 凭证 {subject} 通行记录",
        fields=["movements"], purpose=reason, channel=channel,
    )  # fmt: skip


def bureau_or_station(user) -> bool:
    return has_role(user, BUREAU_ROLES) or bool(getattr(user, "station_id", None))


def analyze() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE estates_accessevent")
