"""移动警务 writes. Views, the API and the offline sync all call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.core.audit import record_personal_data_view
from fengqiao.field import rules
from fengqiao.field.choices import Step, SyncState
from fengqiao.field.models import Evidence, FieldStep, IncidentPlace, SyncReceipt, WorkLogEntry
from fengqiao.field.permissions import can_work

# Roles that keep a work log (counted in part 9's per-officer figures).
WORK_LOG_ROLES = frozenset(
    {
        Role.COMMUNITY_OFFICER,
        Role.DUTY_OFFICER,
        Role.CASE_OFFICER,
        Role.AUXILIARY,
        Role.STATION_LEADER,
        Role.MEDIATOR,
    }
)

# What evidence may be attached to: "app.model" -> the path from the record to its station's holder.
TARGETS = {
    "incidents.incident": None,
    "disputes.dispute": None,
    "disputes.mediationsession": "dispute",
    "cases.case": None,
    "estates.registrationtask": None,
    "disputes.screeningcall": None,
}


def _holder(obj):
    """The record whose station and scope decide who sees `obj` (a session belongs to its dispute)."""
    key = f"{obj._meta.app_label}.{obj._meta.model_name}"
    if key not in TARGETS:
        raise ValidationError(_("不能给这类记录附加证据"))
    path = TARGETS[key]
    return getattr(obj, path) if path else obj


def target_visible(user, obj) -> bool:
    holder = _holder(obj)
    return type(holder)._default_manager.visible_to(user).filter(pk=holder.pk).exists()


def resolve_target(user, label: str, pk) -> object:
    """The record `label`/`pk` names, if `user` may see it; else PermissionDenied (never says whether
    another station's record exists)."""
    from django.apps import apps

    label = (label or "").lower()
    if label not in TARGETS:
        raise ValidationError(_("不能给这类记录附加证据"))
    model = apps.get_model(label)
    try:
        obj = model._default_manager.get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise PermissionDenied(_("记录不存在或无权查看")) from None
    if not target_visible(user, obj):
        raise PermissionDenied(_("记录不存在或无权查看"))
    return obj


def _thumbnail(data: bytes) -> bytes | None:
    """A JPEG at most 320 px wide, EXIF dropped; None when Pillow cannot read the image (HEIC)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail((320, 320))
            out = io.BytesIO()
            img.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _read_upload(upload, limit: int) -> bytes:
    """The whole upload, refused as soon as it passes `limit` (never buffered past it)."""
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("文件太大:%(size).1f MB,最大 %(limit).0f MB")
            % {"size": size / 1048576, "limit": limit / 1048576}
        )
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        total += len(chunk)
        if total > limit:
            raise ValidationError(_("文件太大:超过 %(limit).0f MB") % {"limit": limit / 1048576})
        chunks.append(chunk)
    return b"".join(chunks)


def evidence_attach(
    *,
    actor,
    target,
    upload,
    kind: str | None = None,
    note: str = "",
    taken_at: dt.datetime | None = None,
    latitude=None,
    longitude=None,
    client_id: uuid.UUID | str | None = None,
) -> Evidence:
    """Store a file taken at the scene against `target`. The file's kind is judged by its bytes; its
    SHA-256, size and who/when/where are kept. A second upload with the same phone-made `client_id`
    returns the first and stores nothing."""
    if not can_work(actor):
        raise PermissionDenied(_("您的角色不能上传现场证据"))
    if not target_visible(actor, target):
        raise PermissionDenied(_("记录不存在或无权查看"))
    if client_id:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise ValidationError(_("手机端标识格式不对")) from None
        existing = Evidence.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.uploaded_by_id != actor.pk:
                raise ValidationError(_("这个手机端标识已被使用"))
            return existing
    limits = settings.EVIDENCE_MAX_BYTES
    data = _read_upload(upload, max(limits.values()))
    problem = rules.evidence_problem(data[:64], len(data), declared_kind=kind, limits=limits)
    if problem:
        raise ValidationError(problem)
    found = rules.sniff(data[:64])
    now = timezone.now()
    taken_at = taken_at or now
    if timezone.is_naive(taken_at):
        taken_at = timezone.make_aware(taken_at)
    if taken_at > now + dt.timedelta(minutes=5):
        raise ValidationError(_("拍摄时间不能晚于当前时间"))
    lat = lon = None
    if latitude not in (None, "") or longitude not in (None, ""):
        if not rules.valid_position(latitude, longitude):
            raise ValidationError(_("位置不对:纬度 -90~90,经度 -180~180"))
        lat, lon = float(latitude), float(longitude)
    digest = hashlib.sha256(data).hexdigest()
    holder = _holder(target)
    name = (getattr(upload, "name", "") or "")[-200:]
    evidence = Evidence(
        station_id=holder.station_id,
        content_type=ContentType.objects.get_for_model(type(target)),
        object_id=target.pk,
        kind=kind if kind else found.kind,
        original_name=name.rsplit("/", 1)[-1],
        mime=found.mime,
        size=len(data),
        sha256=digest,
        note=(note or "").strip()[:200],
        taken_at=taken_at,
        latitude=lat,
        longitude=lon,
        uploaded_by=actor,
        uploaded_at=now,
        client_id=client_id or None,
        keep_until=rules.keep_until(
            kind or found.kind, timezone.localdate(taken_at), settings.EVIDENCE_RETENTION_DAYS
        ),
    )
    # Stored under a name of our own: the uploader's name never becomes a path.
    evidence.file.save(f"{uuid.uuid4().hex}{found.ext}", ContentFile(data), save=False)
    if found.mime.startswith("image/"):
        thumb = _thumbnail(data)
        if thumb:
            evidence.thumbnail.save(f"{uuid.uuid4().hex}.jpg", ContentFile(thumb), save=False)
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        evidence.file.delete(save=False)
        if evidence.thumbnail:
            evidence.thumbnail.delete(save=False)
        first = Evidence.objects.filter(client_id=client_id).first()
        if first is not None and first.uploaded_by_id == actor.pk:
            return first
        raise
    return evidence


def evidence_for(user, target):
    return (
        Evidence.objects.visible_to(user)
        .filter(
            content_type=ContentType.objects.get_for_model(type(target)),
            object_id=target.pk,
        )
        .select_related("uploaded_by")
    )


def evidence_open(*, actor, evidence: Evidence, thumbnail: bool = False, channel: str = "web"):
    """The file (or its thumbnail) for `actor`, recorded like every other personal-data view."""
    if not Evidence.objects.visible_to(actor).filter(pk=evidence.pk).exists():
        raise PermissionDenied(_("记录不存在或无权查看"))
    if evidence.purged_at:
        raise ValidationError(_("该文件已按保存期限删除"))
    if not target_visible(actor, evidence.target):
        raise PermissionDenied(_("记录不存在或无权查看"))
    if not thumbnail:
        record_personal_data_view(
            actor=actor,
            station_id=evidence.station_id,
            obj=evidence,
            model=Evidence,
            fields=["file"],
            purpose=_("查看现场证据"),
            channel=channel,
        )
    f = evidence.thumbnail if thumbnail else evidence.file
    if not f:
        raise ValidationError(_("没有缩略图"))
    return f.open("rb")


def evidence_purge(now: dt.datetime | None = None) -> int:
    """Delete the files whose keeping period has ended; the record of them stays, marked."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    for ev in Evidence.objects.filter(keep_until__lt=today, purged_at__isnull=True).iterator():
        ev.file.delete(save=False)
        if ev.thumbnail:
            ev.thumbnail.delete(save=False)
        ev.file, ev.thumbnail, ev.purged_at = "", "", now
        ev.save(update_fields=["file", "thumbnail", "purged_at"])
        count += 1
    return count


# ----------------------------------------------------------------------------- incident steps


def _incident_point(incident):
    place = IncidentPlace.objects.filter(incident=incident).first()
    if place:
        return place.latitude, place.longitude
    community = incident.community
    if community and community.latitude is not None and community.longitude is not None:
        return community.latitude, community.longitude
    return None


def incident_place_set(*, actor, incident, latitude, longitude, source="intake") -> IncidentPlace:
    from fengqiao.incidents.models import Incident

    if not Incident.objects.editable_by(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied(_("无权处理该警情"))
    if not rules.valid_position(latitude, longitude):
        raise ValidationError(_("位置不对:纬度 -90~90,经度 -180~180"))
    place, _created = IncidentPlace.objects.update_or_create(
        incident=incident,
        defaults={"latitude": float(latitude), "longitude": float(longitude), "source": source},
    )
    return place


def arrival_check(incident, latitude, longitude, accuracy=None) -> dict:
    """How far the phone is from the scene, and whether 到场 is proposed."""
    point = _incident_point(incident)
    if point is None or not rules.valid_position(latitude, longitude):
        return {"distance_m": None, "propose": False}
    distance = rules.distance_m(float(latitude), float(longitude), *point)
    radius = settings.FIELD_ARRIVAL_RADIUS_M
    return {
        "distance_m": round(distance, 1),
        "propose": rules.propose_arrival(distance, radius, accuracy),
        "radius_m": radius,
    }


def incident_step(
    *,
    actor,
    incident,
    step: str,
    at: dt.datetime | None = None,
    latitude=None,
    longitude=None,
    accuracy=None,
    note: str = "",
    outcome: str = "",
) -> FieldStep:
    """One tap: 接收 / 到场 / 处置 / 反馈 / 结警, stamped with the phone's time and position. 到场 stops
    the incident's arrival clock at the phone's time; the others move the incident as the desk would."""
    from fengqiao.incidents import services as incidents
    from fengqiao.incidents.models import Incident

    if step not in Step.values:
        raise ValidationError(_("未知的出警环节"))
    if not can_work(actor):
        raise PermissionDenied(_("您的角色不能处理出警"))
    if not Incident.objects.editable_by(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied(_("无权处理该警情"))
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=2):
        raise ValidationError(_("手机时间晚于服务器时间,请校准手机时间"))
    lat = lon = None
    if latitude not in (None, "") or longitude not in (None, ""):
        if not rules.valid_position(latitude, longitude):
            raise ValidationError(_("位置不对:纬度 -90~90,经度 -180~180"))
        lat, lon = float(latitude), float(longitude)
    done = set(FieldStep.objects.filter(incident=incident).values_list("step", flat=True))
    if step in done:
        raise ValidationError(_("“%(step)s”已经登记过了") % {"step": Step(step).label})
    check = arrival_check(incident, lat, lon, accuracy) if lat is not None else {"distance_m": None}
    with transaction.atomic():
        if step == Step.ARRIVE:
            incidents.incident_arrive(actor=actor, incident=incident, at=at)
        elif step == Step.HANDLE:
            incidents.incident_handle(actor=actor, incident=incident, note=note, at=at)
        elif step == Step.REPORT:
            incidents.incident_report(actor=actor, incident=incident, note=note, at=at)
        elif step == Step.CLOSE:
            incidents.incident_close(
                actor=actor, incident=incident, outcome=outcome, disposition=note, at=at
            )
        elif step == Step.ACCEPT and incident.status == "received":
            raise ValidationError(_("警情还没有派警,不能接收"))
        from fengqiao.field import units

        units.forget(incident.station_id)
        return FieldStep.objects.create(
            incident=incident,
            step=step,
            officer=actor,
            at=at,
            latitude=lat,
            longitude=lon,
            accuracy_m=float(accuracy) if accuracy not in (None, "") else None,
            distance_m=check.get("distance_m"),
            note=(note or "")[:500],
        )


# ----------------------------------------------------------------------------- work log


def worklog_add(
    *,
    actor,
    kind: str,
    occurred_at: dt.datetime,
    place: str,
    note: str = "",
    community=None,
    latitude=None,
    longitude=None,
    client_id=None,
) -> WorkLogEntry:
    from fengqiao.field.choices import WorkKind
    from fengqiao.registry.models import Community

    if not (actor.is_superuser or actor.role in WORK_LOG_ROLES) or not actor.station_id:
        raise PermissionDenied(_("您的角色不记工作日志"))
    if kind not in WorkKind.values:
        raise ValidationError(_("请选择工作类型"))
    place = (place or "").strip()
    if not place:
        raise ValidationError(_("请填写地点"))
    if occurred_at is None:
        raise ValidationError(_("请填写时间"))
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError(_("时间不能晚于当前时间"))
    if (
        community is not None
        and not Community.objects.visible_to(actor).filter(pk=community.pk).exists()
    ):
        raise PermissionDenied(_("记录不存在或无权查看"))
    lat = lon = None
    if latitude not in (None, "") or longitude not in (None, ""):
        if not rules.valid_position(latitude, longitude):
            raise ValidationError(_("位置不对:纬度 -90~90,经度 -180~180"))
        lat, lon = float(latitude), float(longitude)
    if client_id:
        existing = WorkLogEntry.objects.filter(client_id=client_id, officer=actor).first()
        if existing:
            return existing
    return WorkLogEntry.objects.create(
        station_id=actor.station_id,
        community=community,
        officer=actor,
        kind=kind,
        occurred_at=occurred_at,
        place=place[:200],
        latitude=lat,
        longitude=lon,
        note=(note or "").strip(),
        client_id=client_id or None,
    )


# ----------------------------------------------------------------------------- offline sync


def _changed_since(obj, version: str | None) -> bool:
    """Whether `obj` changed after the phone loaded it (`version` is the change-log id it saw)."""
    from fengqiao.core.audit import history_for

    if not version:
        return False
    latest = history_for(obj).order_by("-id").values_list("id", flat=True).first()
    try:
        return latest is not None and int(latest) > int(version)
    except (TypeError, ValueError):
        return True


def record_version(obj) -> str:
    from fengqiao.core.audit import history_for

    latest = history_for(obj).order_by("-id").values_list("id", flat=True).first()
    return str(latest or 0)


def _parse_time(value) -> dt.datetime | None:
    if not value:
        return None
    from django.utils.dateparse import parse_datetime

    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValidationError(_("时间格式不对"))
    return parsed


def _apply(actor, kind: str, data: dict) -> dict:
    from fengqiao.incidents.models import Incident
    from fengqiao.registry.models import Community

    if kind == "worklog":
        community = None
        if data.get("community"):
            community = Community.objects.visible_to(actor).filter(pk=data["community"]).first()
            if community is None:
                raise PermissionDenied(_("记录不存在或无权查看"))
        entry = worklog_add(
            actor=actor,
            kind=data.get("kind", ""),
            occurred_at=_parse_time(data.get("occurred_at")),
            place=data.get("place", ""),
            note=data.get("note", ""),
            community=community,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )
        return {"model": "field.worklogentry", "id": entry.pk}
    if kind == "incident_step":
        incident = Incident.objects.visible_to(actor).filter(pk=data.get("incident") or 0).first()
        if incident is None:
            raise PermissionDenied(_("记录不存在或无权查看"))
        step = incident_step(
            actor=actor,
            incident=incident,
            step=data.get("step", ""),
            at=_parse_time(data.get("at")),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            accuracy=data.get("accuracy"),
            note=data.get("note", ""),
            outcome=data.get("outcome", ""),
        )
        return {"model": "field.fieldstep", "id": step.pk}
    if kind == "incident_note":
        incident = Incident.objects.visible_to(actor).filter(pk=data.get("incident") or 0).first()
        if incident is None:
            raise PermissionDenied(_("记录不存在或无权查看"))
        if _changed_since(incident, data.get("version")):
            return {
                "conflict": True,
                "current": {
                    "status": incident.get_status_display(),
                    "disposition": incident.disposition,
                    "version": record_version(incident),
                },
            }
        if not Incident.objects.editable_by(actor).filter(pk=incident.pk).exists():
            raise PermissionDenied(_("无权处理该警情"))
        text = (data.get("note") or "").strip()
        if not text:
            raise ValidationError(_("请填写内容"))
        incident.disposition = (incident.disposition + "\n" if incident.disposition else "") + text
        incident.save(update_fields=["disposition"])
        return {"model": "incidents.incident", "id": incident.pk}
    if kind == "intake":
        return _apply_intake(actor, data)
    if kind == "session_note":
        return _apply_session_note(actor, data)
    if kind == "screening_call":
        return _apply_screening_call(actor, data)
    if kind == "registration_check":
        return _apply_registration_check(actor, data)
    raise ValidationError(_("未知的离线条目类型"))


def _conflict(obj, version, current: dict) -> dict | None:
    """The answer for an entry whose record changed after the phone loaded it, else None."""
    if _changed_since(obj, version):
        return {"conflict": True, "current": {**current, "version": record_version(obj)}}
    return None


def _apply_intake(actor, data: dict) -> dict:
    """接警 at the scene (a resident stops the patrol): the incident is registered at the phone's
    time; the phone's id is the incident's submission id, so a replay makes no second incident."""
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive
    from fengqiao.registry.models import Community

    if not actor.station_id:
        raise PermissionDenied(_("您的账号没有所属派出所"))
    category = IncidentCategory.objects.filter(pk=data.get("category") or 0).first()
    if category is None:
        raise ValidationError(_("请选择警情类别"))
    community = None
    if data.get("community"):
        community = Community.objects.visible_to(actor).filter(pk=data["community"]).first()
        if community is None:
            raise PermissionDenied(_("记录不存在或无权查看"))
    incident = incident_receive(
        actor=actor,
        station=actor.station,
        category=category,
        received_at=_parse_time(data.get("at")),
        submission_id=data.get("_client_id"),
        source="patrol",
        caller_name=(data.get("caller_name") or "")[:50],
        caller_phone=data.get("caller_phone") or "",
        community=community,
        location=(data.get("location") or "")[:200],
        narrative=data.get("narrative") or "",
    )
    if rules.valid_position(data.get("latitude"), data.get("longitude")):
        IncidentPlace.objects.update_or_create(
            incident=incident,
            defaults={
                "latitude": float(data["latitude"]),
                "longitude": float(data["longitude"]),
                "source": "scene",
            },
        )
    return {"model": "incidents.incident", "id": incident.pk, "reference": incident.reference}


def _apply_session_note(actor, data: dict) -> dict:
    """A mediation session held at a village, recorded on the phone."""
    from fengqiao.disputes.models import Dispute
    from fengqiao.disputes.services import session_record

    dispute = Dispute.objects.visible_to(actor).filter(pk=data.get("dispute") or 0).first()
    if dispute is None:
        raise PermissionDenied(_("记录不存在或无权查看"))
    conflict = _conflict(dispute, data.get("version"), {"status": dispute.get_status_display()})
    if conflict:
        return conflict
    session = session_record(
        actor=actor,
        dispute=dispute,
        held_at=_parse_time(data.get("held_at") or data.get("at")) or timezone.now(),
        outcome=data.get("outcome") or "continue",
        place=data.get("place") or "",
        law_notes=data.get("law_notes") or "",
        reason_notes=data.get("reason_notes") or "",
        feeling_notes=data.get("feeling_notes") or "",
    )
    return {"model": "disputes.mediationsession", "id": session.pk}


def _apply_screening_call(actor, data: dict) -> dict:
    """The day's call to a liaison point (排查联络点), made from the phone."""
    from fengqiao.disputes.services import screening_record
    from fengqiao.registry.models import LiaisonPoint

    point = LiaisonPoint.objects.filter(
        pk=data.get("point") or 0, station_id=actor.station_id
    ).first()
    if point is None:
        raise PermissionDenied(_("记录不存在或无权查看"))
    day = None
    if data.get("day"):
        try:
            day = dt.date.fromisoformat(str(data["day"]))
        except ValueError:
            raise ValidationError(_("日期格式不对")) from None
    call = screening_record(
        actor=actor,
        point=point,
        answer=data.get("answer") or "",
        note=data.get("note") or "",
        day=day,
    )
    return {"model": "disputes.screeningcall", "id": call.pk}


def _apply_registration_check(actor, data: dict) -> dict:
    """A registration task checked at the estate gate: dismissed with a reason, or registered — to a
    person of the registry (`person`), or by the ID number shown at the gate (`id_number`, with
    `name` when the person is not in the registry yet). A task changed meanwhile is a conflict."""
    from fengqiao.estates.models import RegistrationTask
    from fengqiao.estates.services import task_dismiss, task_register, task_register_person
    from fengqiao.registry.models import Person

    task = RegistrationTask.objects.visible_to(actor).filter(pk=data.get("task") or 0).first()
    if task is None:
        raise PermissionDenied(_("记录不存在或无权查看"))
    conflict = _conflict(task, data.get("version"), {"status": task.get_status_display()})
    if conflict:
        return conflict
    action = data.get("action")
    if action == "dismiss":
        task_dismiss(actor=actor, task=task, reason=data.get("reason") or "")
    elif action == "register" and data.get("person"):
        person = Person.objects.visible_to(actor).filter(pk=data.get("person") or 0).first()
        if person is None:
            raise PermissionDenied(_("记录不存在或无权查看"))
        task_register(actor=actor, task=task, person=person, card_no=data.get("card_no") or "")
    elif action == "register":
        # At the gate the phone knows the ID card, not the registry's record: the person with that
        # number is linked, or registered (name needed) through the registry's own service.
        task_register_person(
            actor=actor,
            task=task,
            id_number=data.get("id_number") or "",
            name=data.get("name") or "",
            phone=data.get("phone") or "",
            category=data.get("category") or "",
            inflow_reason=data.get("inflow_reason") or "",
            card_no=data.get("card_no") or "",
        )
    else:
        raise ValidationError(_("请选择核查结果"))
    return {"model": "estates.registrationtask", "id": task.pk}


def sync_item(*, actor, client_id, kind: str, data: dict) -> SyncReceipt:
    """Apply one entry of the phone's offline queue. Idempotent by `client_id`: a second copy gets the
    first one's receipt. A record changed meanwhile is a conflict, shown to the officer, never
    overwritten. A refusal (bad input, no longer in scope) is answered and the queue goes on."""
    try:
        client_id = uuid.UUID(str(client_id))
    except (TypeError, ValueError):
        raise ValidationError(_("手机端标识格式不对")) from None
    if not actor.station_id and not actor.is_superuser:
        raise PermissionDenied(_("您的账号没有所属派出所"))
    existing = SyncReceipt.objects.filter(client_id=client_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                # The receipt is claimed first, in the same transaction as the entry: a second copy
                # arriving at the same moment waits on the unique id, then gets this receipt.
                receipt = SyncReceipt.objects.create(
                    client_id=client_id,
                    station_id=actor.station_id,
                    user=actor,
                    kind=(kind or "")[:40],
                    state=SyncState.REFUSED,
                )
                data = dict(data) if isinstance(data, dict) else {}
                data["_client_id"] = str(client_id)
                try:
                    with transaction.atomic():
                        result = _apply(actor, kind, data)
                    state = SyncState.CONFLICT if result.get("conflict") else SyncState.APPLIED
                except (ValidationError, PermissionDenied) as exc:
                    message = (
                        "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    )
                    result, state = {"error": message}, SyncState.REFUSED
                receipt.state, receipt.result = state, result
                receipt.save(update_fields=["state", "result"])
                return receipt
        except IntegrityError:
            existing = SyncReceipt.objects.get(client_id=client_id)
    if existing.user_id != actor.pk:
        raise ValidationError(_("这个手机端标识已被使用"))
    return existing
