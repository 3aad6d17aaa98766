"""Every write to the 一标三实 registry goes through here.

Each function checks the actor's scope (`editable_by`), validates the record
with the pure rules in `rules.py` and writes inside one transaction. The change
log is written by the signals of `core.audit` (the actor comes from the request
context, or from `context.acting_as`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.roles import LEADER_ROLES, has_role
from fengqiao.core import masking
from fengqiao.core.audit import record_personal_data_view
from fengqiao.core.models import PersonalDataAccess
from fengqiao.registry import rules
from fengqiao.registry.choices import IdType, PersonCategory
from fengqiao.registry.models import (
    Address,
    Community,
    CommunityGrant,
    House,
    LiaisonPoint,
    Organisation,
    Person,
)
from fengqiao.registry.permissions import can_create_community, can_reveal

# Fields a person form or import may set.
PERSON_FIELDS = (
    "community",
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "nationality",
    "phone",
    "category",
    "registered_address",
    "address",
    "house",
    "relation",
    "employer",
    "inflow_date",
    "inflow_reason",
    "expected_departure",
    "note",
)
HOUSE_FIELDS = (
    "community",
    "address",
    "use",
    "owner",
    "owner_name",
    "owner_phone",
    "area_m2",
    "rooms",
    "built_year",
    "note",
)
ADDRESS_FIELDS = (
    "community",
    "province",
    "city",
    "county",
    "town",
    "road",
    "doorplate",
    "building",
    "unit",
    "floor",
    "room",
    "code",
    "latitude",
    "longitude",
)
ORGANISATION_FIELDS = (
    "community",
    "name",
    "category",
    "credit_code",
    "address",
    "legal_representative",
    "legal_representative_person",
    "person_in_charge",
    "phone",
    "employee_count",
    "note",
)
COMMUNITY_FIELDS = (
    "name",
    "kind",
    "code",
    "town",
    "is_old_town",
    "boundary",
    "latitude",
    "longitude",
    "note",
)
LIAISON_POINT_FIELDS = ("community", "name", "contact_name", "contact_phone", "location", "active")

# Personal data a reveal may show in full.
REVEALABLE_FIELDS = {
    "id_number",
    "birth_date",
    "phone",
    "address",
    "registered_address",
    "owner_phone",
}


# ----------------------------------------------------------------------------- scope


def _require_community(actor, community: Community | None) -> Community:
    if community is None:
        raise ValidationError({"community": _("请选择社区/村")})
    if not Community.objects.editable_by(actor).filter(pk=community.pk).exists():
        raise PermissionDenied(_("您无权修改“%(name)s”的数据") % {"name": community.name})
    return community


def _require_editable(actor, obj) -> None:
    if not type(obj)._default_manager.editable_by(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("您无权修改“%(name)s”") % {"name": obj})


def _require_visible(actor, obj, field: str):
    """A linked record (address, house, employer) must be one the actor can see, in the same station."""
    if obj is None:
        return
    if not type(obj)._default_manager.visible_to(actor).filter(pk=obj.pk).exists():
        raise ValidationError({field: _("所选记录不存在或无权查看")})


def _unknown(fields, allowed):
    extra = set(fields) - set(allowed)
    if extra:
        raise TypeError(f"unknown fields: {sorted(extra)}")


def _apply(obj, data: dict, allowed) -> None:
    _unknown(data, allowed)
    for key, value in data.items():
        setattr(obj, key, value)


def _full_clean(obj, *, exclude=()) -> None:
    """Model validation (lengths, choices, required), without uniqueness (checked with clear messages)."""
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


# ----------------------------------------------------------------------------- persons


def _create(model, *, actor, data: dict, allowed, validate, prepare=None, clean_exclude=()):
    """The one shape of every registry create: scope, apply the allowed fields, validate, clean, save."""
    _unknown(data, allowed)
    community = _require_community(actor, data.get("community"))
    obj = model(station_id=community.station_id)
    _apply(obj, data, allowed)
    if prepare is not None:
        prepare(obj, community)
    validate(obj)
    _full_clean(obj, exclude=["station", *clean_exclude])
    obj.save()
    return obj


def _update(obj, *, actor, changes: dict, allowed, validate, clean_exclude=()):
    """The one shape of every registry update: the record and a new community must both be editable."""
    _require_editable(actor, obj)
    if "community" in changes and changes["community"] != obj.community:
        _require_community(actor, changes["community"])
    _apply(obj, changes, allowed)
    obj.station_id = obj.community.station_id
    validate(obj)
    _full_clean(obj, exclude=list(clean_exclude))
    obj.save()
    return obj


def person_validate(person: Person, *, today: dt.date | None = None) -> None:
    """All checks of a person's facts. Fills sex and birth date from a resident ID when blank."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    person.name = (person.name or "").strip()
    if not person.name:
        add("name", _("请填写姓名"))
    person.id_number = rules.normalise_id_number(person.id_number)
    if not person.id_number:
        add("id_number", _("请填写证件号码"))
    elif person.id_type == IdType.RESIDENT_ID:
        try:
            facts = rules.parse_id_number(person.id_number, today=today)
        except rules.InvalidIdNumber as exc:
            add("id_number", str(exc))
        else:
            if not person.birth_date:
                person.birth_date = facts.birth_date
            if not person.sex:
                person.sex = facts.sex
            for field, problem in rules.id_consistency_problems(
                facts, birth_date=person.birth_date, sex=person.sex
            ):
                add(field, problem)
    if not person.birth_date:
        add("birth_date", _("请填写出生日期"))
    elif person.birth_date > (today or timezone.localdate()):
        add("birth_date", _("出生日期不能晚于今天"))
    if not person.sex:
        add("sex", _("请选择性别"))
    try:
        person.phone = rules.normalise_phone(person.phone)
    except rules.InvalidPhone as exc:
        add("phone", str(exc))

    person.nationality = (person.nationality or "").strip() or "中国"
    if person.category == PersonCategory.FLOATING:
        if not person.inflow_date:
            add("inflow_date", _("流动人口须填写流入日期"))
        if not person.inflow_reason:
            add("inflow_reason", _("流动人口须填写流入原因"))
        if (
            person.inflow_date
            and person.expected_departure
            and person.expected_departure <= person.inflow_date
        ):
            add("expected_departure", _("预计离开日期应晚于流入日期"))
    elif person.category == PersonCategory.FOREIGN:
        if person.nationality in ("中国", "中华人民共和国", "CN", "CHN"):
            add("nationality", _("境外人员的国籍不能是中国"))
        if person.id_type == IdType.RESIDENT_ID:
            add("id_type", _("境外人员应使用护照、通行证或外国人永久居留身份证"))
    if person.house_id and person.address_id is None:
        person.address_id = person.house.address_id
    if errors:
        raise ValidationError(errors)


def _person_duplicate_check(person: Person) -> None:
    existing = (
        Person.objects.filter(id_type=person.id_type, id_number=person.id_number)
        .exclude(pk=person.pk)
        .select_related("community")
        .first()
    )
    if existing is None:
        return
    if existing.station_id != person.station_id:
        # Another station's resident: say so without showing whom (their data is not ours to see).
        raise ValidationError({"id_number": _("该证件号码已在其他派出所登记,请联系对方核实后迁入")})
    where = existing.community.name if existing.community_id else ""
    raise ValidationError(
        {
            "id_number": _("证件号码已登记:%(name)s(%(where)s,编号%(id)s),请勿重复登记")
            % {"name": existing.name, "where": where, "id": existing.pk}
        }
    )


def _person_links_check(actor, person: Person) -> None:
    _require_visible(actor, person.address, "address")
    _require_visible(actor, person.house, "house")
    _require_visible(actor, person.employer, "employer")


def _person_checks(actor):
    def check(person: Person) -> None:
        person_validate(person)
        _person_links_check(actor, person)
        _person_duplicate_check(person)

    return check


@transaction.atomic
def person_create(*, actor, **data) -> Person:
    return _create(
        Person, actor=actor, data=data, allowed=PERSON_FIELDS, validate=_person_checks(actor)
    )


@transaction.atomic
def person_update(*, actor, person: Person, **changes) -> Person:
    return _update(
        person, actor=actor, changes=changes, allowed=PERSON_FIELDS, validate=_person_checks(actor)
    )


# ----------------------------------------------------------------------------- addresses


def _address_duplicate_check(address: Address) -> None:
    text = address.compose_full_text()
    existing = (
        Address.objects.filter(station_id=address.station_id, full_text=text)
        .exclude(pk=address.pk)
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "road": _("该地址已存在:%(address)s(编号%(id)s)")
                % {"address": text, "id": existing.pk}
            }
        )


def _address_validate(address: Address) -> None:
    errors = {}
    if not (address.road or "").strip():
        errors["road"] = [_("请填写组/街路巷/小区")]
    if address.latitude is not None and not -90 <= address.latitude <= 90:
        errors["latitude"] = [_("纬度应在-90到90之间")]
    if address.longitude is not None and not -180 <= address.longitude <= 180:
        errors["longitude"] = [_("经度应在-180到180之间")]
    if errors:
        raise ValidationError(errors)


def _address_checks(address: Address) -> None:
    _address_validate(address)
    _address_duplicate_check(address)


def _address_town_from_community(address: Address, community: Community) -> None:
    if not address.town:
        address.town = community.town


@transaction.atomic
def address_create(*, actor, **data) -> Address:
    return _create(
        Address,
        actor=actor,
        data=data,
        allowed=ADDRESS_FIELDS,
        validate=_address_checks,
        prepare=_address_town_from_community,
        clean_exclude=["full_text"],
    )


@transaction.atomic
def address_update(*, actor, address: Address, **changes) -> Address:
    return _update(
        address,
        actor=actor,
        changes=changes,
        allowed=ADDRESS_FIELDS,
        validate=_address_checks,
        clean_exclude=["full_text"],
    )


# ----------------------------------------------------------------------------- houses


def _house_validate(actor, house: House) -> None:
    errors = {}
    if house.address_id is None:
        errors["address"] = [_("请选择房屋地址")]
    else:
        _require_visible(actor, house.address, "address")
        taken = House.objects.filter(address_id=house.address_id).exclude(pk=house.pk).first()
        if taken is not None:
            errors["address"] = [_("该地址已登记房屋(编号%(id)s)") % {"id": taken.pk}]
    _require_visible(actor, house.owner, "owner")
    try:
        house.owner_phone = rules.normalise_phone(house.owner_phone)
    except rules.InvalidPhone as exc:
        errors["owner_phone"] = [str(exc)]
    if house.owner_id and not house.owner_name:
        house.owner_name = house.owner.name
    this_year = timezone.localdate().year
    if house.built_year and not 1800 <= house.built_year <= this_year:
        errors["built_year"] = [_("建成年份应在1800到%(year)s之间") % {"year": this_year}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def house_create(*, actor, **data) -> House:
    return _create(
        House,
        actor=actor,
        data=data,
        allowed=HOUSE_FIELDS,
        validate=lambda h: _house_validate(actor, h),
    )


@transaction.atomic
def house_update(*, actor, house: House, **changes) -> House:
    return _update(
        house,
        actor=actor,
        changes=changes,
        allowed=HOUSE_FIELDS,
        validate=lambda h: _house_validate(actor, h),
    )


# ----------------------------------------------------------------------------- organisations


def _organisation_validate(actor, org: Organisation) -> None:
    errors = {}
    org.name = (org.name or "").strip()
    if not org.name:
        errors["name"] = [_("请填写单位名称")]
    if org.credit_code:
        try:
            org.credit_code = rules.validate_credit_code(org.credit_code)
        except rules.InvalidCreditCode as exc:
            errors["credit_code"] = [str(exc)]
        else:
            existing = (
                Organisation.objects.filter(credit_code=org.credit_code).exclude(pk=org.pk).first()
            )
            if existing is not None and existing.station_id != org.station_id:
                errors["credit_code"] = [_("该统一社会信用代码已在其他派出所登记")]
            elif existing is not None:
                errors["credit_code"] = [
                    _("该统一社会信用代码已登记:%(name)s(编号%(id)s)")
                    % {"name": existing.name, "id": existing.pk}
                ]
    try:
        org.phone = rules.normalise_phone(org.phone)
    except rules.InvalidPhone as exc:
        errors["phone"] = [str(exc)]
    if org.address_id is None:
        errors["address"] = [_("请选择单位地址")]
    else:
        _require_visible(actor, org.address, "address")
    _require_visible(actor, org.legal_representative_person, "legal_representative_person")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organisation_create(*, actor, **data) -> Organisation:
    return _create(
        Organisation,
        actor=actor,
        data=data,
        allowed=ORGANISATION_FIELDS,
        validate=lambda o: _organisation_validate(actor, o),
    )


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **changes) -> Organisation:
    return _update(
        organisation,
        actor=actor,
        changes=changes,
        allowed=ORGANISATION_FIELDS,
        validate=lambda o: _organisation_validate(actor, o),
    )


# ----------------------------------------------------------------------------- communities


_GEOJSON_TYPES = ("Polygon", "MultiPolygon", "Feature", "FeatureCollection")


def _community_validate(community: Community) -> None:
    community.name = (community.name or "").strip()
    if not community.name:
        raise ValidationError({"name": _("请填写名称")})
    clash = (
        Community.objects.filter(station_id=community.station_id, name=community.name)
        .exclude(pk=community.pk)
        .exists()
    )
    if clash:
        raise ValidationError(
            {"name": _("本所已有名为“%(name)s”的社区/村") % {"name": community.name}}
        )
    if community.boundary is not None and (
        not isinstance(community.boundary, dict)
        or community.boundary.get("type") not in _GEOJSON_TYPES
    ):
        raise ValidationError({"boundary": _("边界应为GeoJSON的Polygon或MultiPolygon")})


@transaction.atomic
def community_create(*, actor, **data) -> Community:
    if not can_create_community(actor):
        raise PermissionDenied(_("只有所领导或系统管理员可以新建社区/村"))
    _unknown(data, COMMUNITY_FIELDS)
    community = Community(station_id=actor.station_id)
    _apply(community, data, COMMUNITY_FIELDS)
    _community_validate(community)
    _full_clean(community, exclude=["station"])
    community.save()
    return community


@transaction.atomic
def community_update(*, actor, community: Community, **changes) -> Community:
    _require_editable(actor, community)
    _apply(community, changes, COMMUNITY_FIELDS)
    _community_validate(community)
    _full_clean(community)
    community.save()
    return community


@transaction.atomic
def community_grant(
    *, actor, user, community: Community, reason: str, until: dt.datetime | None = None
) -> CommunityGrant:
    """A leader lets `user` edit the records of `community` (until a time, or until revoked)."""
    if not has_role(actor, LEADER_ROLES):
        raise PermissionDenied(_("只有所领导可以授权"))
    if not Community.objects.editable_by(actor).filter(pk=community.pk).exists():
        raise PermissionDenied(_("您无权授权“%(name)s”") % {"name": community.name})
    if user.station_id != community.station_id:
        raise ValidationError({"user": _("只能授权本所人员")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写授权原因")})
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": _("有效期应晚于现在")})
    grant = CommunityGrant.objects.filter(user=user, community=community).first() or CommunityGrant(
        user=user, community=community
    )
    grant.granted_by = actor
    grant.granted_at = timezone.now()
    grant.until = until
    grant.reason = reason
    grant.save()
    return grant


@transaction.atomic
def community_grant_revoke(*, actor, grant: CommunityGrant) -> None:
    if not has_role(actor, LEADER_ROLES):
        raise PermissionDenied(_("只有所领导可以撤销授权"))
    if not Community.objects.editable_by(actor).filter(pk=grant.community_id).exists():
        raise PermissionDenied(_("您无权撤销该授权"))
    grant.delete()


# ----------------------------------------------------------------------------- liaison points


def _liaison_validate(point: LiaisonPoint) -> None:
    errors = {}
    if not (point.name or "").strip():
        errors["name"] = [_("请填写联络点名称")]
    if not (point.contact_name or "").strip():
        errors["contact_name"] = [_("请填写联络人")]
    try:
        point.contact_phone = rules.normalise_phone(point.contact_phone)
    except rules.InvalidPhone as exc:
        errors["contact_phone"] = [str(exc)]
    else:
        if not point.contact_phone:
            errors["contact_phone"] = [_("请填写联系电话")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def liaison_point_create(*, actor, **data) -> LiaisonPoint:
    return _create(
        LiaisonPoint,
        actor=actor,
        data=data,
        allowed=LIAISON_POINT_FIELDS,
        validate=_liaison_validate,
    )


@transaction.atomic
def liaison_point_update(*, actor, point: LiaisonPoint, **changes) -> LiaisonPoint:
    return _update(
        point,
        actor=actor,
        changes=changes,
        allowed=LIAISON_POINT_FIELDS,
        validate=_liaison_validate,
    )


# ----------------------------------------------------------------------------- personal data


@transaction.atomic
def personal_data_reveal(
    *, actor, obj, fields, purpose: str = "", channel: str = "web"
) -> PersonalDataAccess:
    """Record that `actor` saw `fields` of `obj` unmasked, and why (required). Only roles in
    FULL_PERSONAL_DATA_ROLES may."""
    if not can_reveal(actor):
        raise PermissionDenied(_("您的角色无权查看完整个人信息"))
    if not type(obj)._default_manager.visible_to(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("您无权查看该记录"))
    fields = [f for f in fields if f in REVEALABLE_FIELDS]
    if not fields:
        raise ValidationError(_("没有可显示的个人信息字段"))
    return record_personal_data_view(
        actor=actor,
        station_id=getattr(obj, "station_id", None),
        obj=obj,
        fields=fields,
        purpose=masking.clean_purpose(purpose),
        channel=channel,
    )
