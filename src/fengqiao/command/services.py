"""Writes of the video patrol: cameras, patrol points, rounds and the patrol log. A finding opens an
incident in the same transaction (incidents.services.incident_receive), so the wall shows it at once."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.command.choices import CheckResult, StreamKind
from fengqiao.command.models import Camera, PatrolCheck, PatrolPoint, PatrolRound
from fengqiao.command.permissions import can_manage_video, can_patrol


def stream_origin(url: str) -> str:
    parts = urlsplit(url or "")
    return (
        f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and parts.netloc
        else ""
    )


def check_stream_url(kind: str, url: str) -> None:
    """HLS ends in .m3u8, HTTP-FLV in .flv, WebRTC is a WHEP endpoint (http/https)."""
    url = (url or "").strip()
    same_site = url.startswith("/") and not url.startswith("//")  # a stream this app serves
    if not same_site and not stream_origin(url):
        raise ValidationError(_("视频流地址须以 http:// 或 https:// 开头"))
    path = urlsplit(url).path.lower()
    if kind == StreamKind.HLS and not path.endswith(".m3u8"):
        raise ValidationError(_("HLS 地址应以 .m3u8 结尾"))
    if kind == StreamKind.FLV and not path.endswith(".flv"):
        raise ValidationError(_("HTTP-FLV 地址应以 .flv 结尾"))
    if kind not in StreamKind.values:
        raise ValidationError(_("请选择流类型"))


def _require(actor, allowed: bool, message: str):
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def camera_save(*, actor, camera: Camera | None = None, **data) -> Camera:
    _require(actor, can_manage_video(actor), _("只有指挥室和所领导可以维护摄像头"))
    check_stream_url(data.get("stream_kind"), data.get("stream_url"))
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError(_("请填写摄像头名称"))
    station_id = camera.station_id if camera else actor.station_id
    if (
        Camera.objects.filter(station_id=station_id, name=name)
        .exclude(pk=getattr(camera, "pk", None))
        .exists()
    ):
        raise ValidationError(_("已有同名摄像头“%(name)s”") % {"name": name})
    camera = camera or Camera(station_id=station_id)
    for field in (
        "place",
        "community",
        "latitude",
        "longitude",
        "stream_kind",
        "stream_url",
        "active",
    ):
        if field in data:
            setattr(camera, field, data[field])
    camera.name = name
    camera.save()
    return camera


@transaction.atomic
def point_save(*, actor, point: PatrolPoint | None = None, cameras=(), **data) -> PatrolPoint:
    _require(actor, can_manage_video(actor), _("只有指挥室和所领导可以维护巡查点"))
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError(_("请填写巡查点名称"))
    interval = data.get("interval_minutes") or 30
    if not 5 <= int(interval) <= 24 * 60:
        raise ValidationError(_("巡查间隔须在5分钟到24小时之间"))
    station_id = point.station_id if point else actor.station_id
    if (
        PatrolPoint.objects.filter(station_id=station_id, name=name)
        .exclude(pk=getattr(point, "pk", None))
        .exists()
    ):
        raise ValidationError(_("已有同名巡查点“%(name)s”") % {"name": name})
    if any(c.station_id != station_id for c in cameras):
        raise ValidationError(_("摄像头不属于本所"))
    point = point or PatrolPoint(station_id=station_id)
    point.name = name
    for field in ("place", "community", "is_key", "active", "sort"):
        if field in data:
            setattr(point, field, data[field])
    point.interval_minutes = int(interval)
    point.save()
    point.cameras.set(cameras)
    return point


@transaction.atomic
def round_start(*, actor) -> PatrolRound:
    _require(actor, can_patrol(actor), _("只有指挥室、值班民警和辅警可以视频巡查"))
    open_round = PatrolRound.objects.filter(
        station_id=actor.station_id, started_by=actor, finished_at__isnull=True
    ).first()
    if open_round is not None:
        return open_round  # a second click (or a second tab) continues the same round
    return PatrolRound.objects.create(station_id=actor.station_id, started_by=actor)


@transaction.atomic
def round_finish(*, actor, patrol_round: PatrolRound, note: str = "") -> PatrolRound:
    if patrol_round.started_by_id != actor.pk:
        raise PermissionDenied(_("只能结束自己的巡查轮次"))
    if patrol_round.finished_at is not None:
        raise ValidationError(_("该轮巡查已结束"))
    patrol_round.finished_at = timezone.now()
    patrol_round.note = (note or "").strip()[:300]
    patrol_round.save()
    return patrol_round


def patrol_check(
    *,
    actor,
    point: PatrolPoint,
    result: str,
    note: str = "",
    camera: Camera | None = None,
    patrol_round: PatrolRound | None = None,
    open_incident: bool = False,
    category=None,
    urgency: str = "normal",
) -> PatrolCheck:
    """One look at one point. With a finding and `open_incident`, the incident (source 视频巡查) is
    opened in the same transaction and linked; a bad category fails the whole step, nothing saved."""
    _require(actor, can_patrol(actor), _("只有指挥室、值班民警和辅警可以视频巡查"))
    if point.station_id != actor.station_id:
        raise PermissionDenied(_("巡查点不属于本所"))
    if result not in CheckResult.values:
        raise ValidationError(_("请选择巡查结果"))
    note = (note or "").strip()
    if result != CheckResult.NORMAL and not note:
        raise ValidationError(_("发现问题或无信号时请填写情况"))
    if open_incident and result != CheckResult.FINDING:
        raise ValidationError(_("只有“发现问题”可以生成警情"))
    if camera is not None and camera.station_id != point.station_id:
        raise ValidationError(_("摄像头不属于本所"))
    if patrol_round is not None and (
        patrol_round.started_by_id != actor.pk or patrol_round.finished_at
    ):
        raise ValidationError(_("该巡查轮次不是您进行中的轮次"))
    now = timezone.now()
    with transaction.atomic():
        incident = None
        if open_incident:
            from fengqiao.incidents.services import incident_receive

            if category is None:
                raise ValidationError(_("生成警情须选择警情类别"))
            incident = incident_receive(
                actor=actor,
                station=actor.station,
                category=category,
                source="patrol",  # 巡逻发现; the narrative says 视频巡查
                urgency=urgency,
                community=point.community,
                location=f"{point.name} {point.place}".strip(),
                narrative=_("视频巡查发现:%(note)s") % {"note": note},
            )
        check = PatrolCheck.objects.create(
            station_id=point.station_id,
            patrol_round=patrol_round,
            point=point,
            camera=camera,
            by=actor,
            at=now,
            result=result,
            note=note[:500],
            incident=incident,
        )
        PatrolPoint.objects.filter(pk=point.pk).update(last_checked_at=now)
    return check
