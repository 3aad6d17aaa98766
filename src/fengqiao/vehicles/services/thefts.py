"""Thefts: the report (which opens its case) and the recovery."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.choices import Rank, Role
from fengqiao.accounts.roles import has_role
from fengqiao.core.refnumbers import next_reference
from fengqiao.registry.rules import InvalidPhone, normalise_phone
from fengqiao.vehicles import rules
from fengqiao.vehicles.choices import EventKind, RecoveryCondition, TheftStatus, VehicleStatus
from fengqiao.vehicles.models import Recovery, Theft, Vehicle
from fengqiao.vehicles.permissions import may_report_theft
from fengqiao.vehicles.services.common import (
    _event,
    _lock,
    _require_editable,
    _when,
)

THEFT_CATEGORY_CODES = ("XS-DQ",)
THEFT_OFFENCE_CODE = "XS-DQ"  # 盗窃罪 (cases' offence table)


def _require_may_report_theft(actor, vehicle) -> None:
    if actor is None or may_report_theft(actor, vehicle):
        return
    raise PermissionDenied("无权为该车辆报被盗(不在本所)")


def theft_category():
    from fengqiao.incidents.models import IncidentCategory

    category = IncidentCategory.objects.filter(code__in=THEFT_CATEGORY_CODES, active=True).first()
    if category is None:
        category = IncidentCategory.objects.filter(
            parent__code="XS", name__contains="盗", active=True
        ).first()
    if category is None:
        category = IncidentCategory.objects.filter(code="XS", active=True).first()
    if category is None:
        raise ValidationError("警情类别中没有“刑事/盗窃”,请先在警情类别表中启用")
    return category


def theft_offence():
    from fengqiao.cases.choices import CaseKind
    from fengqiao.cases.models import OffenceType

    offence = (
        OffenceType.objects.filter(code=THEFT_OFFENCE_CODE, active=True).first()
        or OffenceType.objects.filter(kind=CaseKind.CRIMINAL, name="盗窃罪", active=True).first()
    )
    if offence is None:
        raise ValidationError("案由表中没有启用的“盗窃罪”(XS-DQ),请先在案由表中启用")
    return offence


def _case_officers(station_id: int, lead, second) -> dict[str, list[str]]:
    """The field errors of the two officers of the theft case (主办/协办): police officers of the
    station, in service, two different people (as cases.services.case_open requires)."""
    errors: dict[str, list[str]] = {}
    for field, user, label in (
        ("lead_officer", lead, "主办民警"),
        ("second_officer", second, "协办民警"),
    ):
        if user is None:
            errors[field] = [f"请选择{label}"]
        elif user.station_id != station_id or not user.is_active:
            errors[field] = [f"{label}须为本所在职民警"]
        elif user.rank != Rank.POLICE:
            errors[field] = [f"{label}须为人民警察(辅警不能主办、协办案件)"]
    if not errors and lead.pk == second.pk:
        errors["second_officer"] = ["协办民警不能与主办民警是同一人"]
    return errors


@transaction.atomic
def theft_report(
    *,
    actor,
    vehicle: Vehicle,
    place: str,
    reporter_name: str,
    lead_officer=None,
    second_officer=None,
    reporter_phone: str = "",
    narrative: str = "",
    reported_at=None,
    stolen_at=None,
    source: str = "walk_in",
) -> Theft:
    """报被盗, in one transaction: the vehicle is flagged stolen, an incident (刑事/盗窃) is received and
    a criminal case (盗窃罪) opened from it with the two officers (主办/协办, both required), which links
    the incident (its 有案不立 clock stops) and starts the case's 立案审查; the command room is told
    with a link to the tracking page. Any bad input refuses the whole report, saving nothing.

    The case is opened by the reporting user when their role may open cases (cases.OPEN_CASE_ROLES),
    otherwise by the system: a theft report is itself a report of a crime the station must take in,
    and the reporter's right to act on this vehicle has been checked here."""
    from fengqiao.cases import services as case_services
    from fengqiao.cases.choices import CaseKind
    from fengqiao.incidents.services import incident_receive

    _require_may_report_theft(actor, vehicle)
    _lock(vehicle)
    if (
        vehicle.status == VehicleStatus.STOLEN
        or Theft.objects.filter(vehicle=vehicle, status=TheftStatus.OPEN).exists()
    ):
        raise ValidationError(f"{vehicle.plate}已登记被盗,正在追查")
    place = (place or "").strip()
    reporter_name = (reporter_name or "").strip()
    if not place:
        raise ValidationError({"place": ["请填写被盗地点"]})
    if not reporter_name:
        raise ValidationError({"reporter_name": ["请填写报案人"]})
    try:
        phone = normalise_phone(reporter_phone)
    except InvalidPhone as exc:
        raise ValidationError({"reporter_phone": [str(exc)]}) from None
    reported_at = _when(reported_at, "报案时间")
    if stolen_at is not None:
        stolen_at = _when(stolen_at, "被盗时间")
        if stolen_at > reported_at:
            raise ValidationError({"stolen_at": ["被盗时间不能晚于报案时间"]})
    officer_errors = _case_officers(vehicle.station_id, lead_officer, second_officer)
    if officer_errors:
        raise ValidationError(officer_errors)
    offence = theft_offence()
    narrative = (narrative or "").strip()
    described = f"{vehicle.get_kind_display()}{vehicle.plate}({vehicle.brand} {vehicle.colour})"
    incident = incident_receive(
        actor=actor,
        station=vehicle.station,
        category=theft_category(),
        received_at=reported_at,
        source=source,
        caller_name=reporter_name,
        caller_phone=phone,
        community=vehicle.community,
        location=place,
        narrative=f"{described}被盗。{narrative}".strip(),
    )
    case = case_services.case_open(
        actor=actor if has_role(actor, case_services.OPEN_CASE_ROLES) else None,
        kind=CaseKind.CRIMINAL,
        offence=offence,
        title=f"{vehicle.plate}被盗案",
        lead_officer=lead_officer,
        second_officer=second_officer,
        summary=f"{described}于{place}被盗。{narrative}".strip(),
        reported_at=reported_at,
        incident=incident,
    )
    theft = Theft.objects.create(
        station_id=vehicle.station_id,
        community_id=vehicle.community_id,
        vehicle=vehicle,
        reference=next_reference(
            "DQ", vehicle.station_id, year=timezone.localtime(reported_at).year
        ),
        reported_at=reported_at,
        stolen_at=stolen_at,
        place=place,
        reporter_name=reporter_name,
        reporter_phone=phone,
        narrative=narrative,
        incident=incident,
        case=case,
        recorded_by=actor,
    )
    vehicle.status = VehicleStatus.STOLEN
    vehicle.save()
    _event(
        vehicle,
        EventKind.THEFT_REPORTED,
        actor,
        reported_at,
        theft=theft.reference,
        incident=incident.reference,
        case=case.reference,
    )
    _tell_patrols(theft, vehicle)
    return theft


def _tell_patrols(theft: Theft, vehicle: Vehicle) -> None:
    from fengqiao.accounts.models import User
    from fengqiao.notifications.services import notification_send

    recipients = User.objects.filter(
        station_id=vehicle.station_id, is_active=True, role__in=[Role.COMMAND, Role.DUTY_OFFICER]
    )
    notification_send(
        recipients=recipients,
        kind="vehicle_theft",
        title=f"被盗车辆追查:{vehicle.plate}",
        body=f"{vehicle.get_kind_display()} {vehicle.brand} {vehicle.colour} 被盗于{theft.place}",
        level="red",
        urgent=True,
        url=theft.get_absolute_url(),
        obj=theft,
        dedupe_key=f"vehicle-theft-{theft.pk}",
    )


@transaction.atomic
def recovery_record(
    *,
    actor,
    theft: Theft,
    place: str,
    condition: str,
    recovered_at=None,
    recovered_by=None,
    note: str = "",
    latitude=None,
    longitude=None,
) -> Recovery:
    """追回: closes the theft and clears the stolen flag; the linked case's file records it (车辆已追回,
    as a piece of work of the recovering officer while the case is open)."""
    _require_editable(actor, theft)
    _lock(theft)
    if theft.status != TheftStatus.OPEN:
        raise ValidationError(f"该被盗登记为“{theft.get_status_display()}”,不能再登记追回")
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": ["请填写追回地点"]})
    if condition not in RecoveryCondition.values:
        raise ValidationError({"condition": ["请选择车况"]})
    recovered_at = _when(
        recovered_at, "追回时间", not_before=theft.reported_at, not_before_label="报案时间"
    )
    recovered_by = recovered_by or actor
    if recovered_by is None or recovered_by.station_id != theft.station_id:
        raise ValidationError({"recovered_by": ["追回民警须为本所人员"]})
    if (latitude is None) != (longitude is None) or (
        latitude is not None and not rules.usable_fix(latitude, longitude)
    ):
        raise ValidationError("追回位置坐标不正确")
    recovery = Recovery.objects.create(
        station_id=theft.station_id,
        community_id=theft.community_id,
        theft=theft,
        recovered_at=recovered_at,
        place=place,
        latitude=latitude,
        longitude=longitude,
        recovered_by=recovered_by,
        condition=condition,
        note=(note or "").strip(),
    )
    theft.status = TheftStatus.RECOVERED
    theft.save()
    vehicle = _lock(theft.vehicle)
    vehicle.status = VehicleStatus.NORMAL
    vehicle.save()
    _event(
        vehicle,
        EventKind.RECOVERED,
        actor,
        recovered_at,
        theft=theft.reference,
        condition=condition,
    )
    if theft.case_id:
        from fengqiao.cases.services import case_note_linked

        case_note_linked(
            actor=actor,
            case=theft.case,
            text=f"车辆已追回:{vehicle.plate},{timezone.localtime(recovered_at):%Y-%m-%d %H:%M}于{place},"
            f"车况{recovery.get_condition_display()}(被盗登记{theft.reference})",
            at=recovered_at,
            officer=recovered_by,
            theft=theft.reference,
            recovery=recovery.pk,
        )
    return recovery
