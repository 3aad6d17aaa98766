"""Serializers of the registry API: parsing and shape only; the rules live in registry/services.py.

Personal data is always answered masked by core/masking.py's policy (ID numbers, birth dates as the
year, phones, a person's addresses); the full values come only from
`POST /api/registry/persons/{id}/reveal/`, which writes an access record. Standard addresses and
houses (the registry of places) are answered whole to roles with the address need, at road level
to the others.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fengqiao.accounts.roles import KEY_PERSON_ROLES, has_role
from fengqiao.core import masking
from fengqiao.core.api import (
    MaskedCharField,
    MaskedDateField,
    ScopedPrimaryKeyRelatedField,
    StrictFieldsMixin,
)
from fengqiao.registry.models import (
    Address,
    Community,
    House,
    LiaisonPoint,
    Organisation,
    Person,
    PersonLabel,
)


class _Base(StrictFieldsMixin, serializers.ModelSerializer):
    """No model-level unique validators: the services check duplicates with clearer Chinese messages."""

    community_name = serializers.CharField(
        source="community.name", read_only=True, help_text=_("社区/村名称")
    )


def _community_field():
    return ScopedPrimaryKeyRelatedField(model=Community, help_text=_("社区/村编号"))


class CommunitySerializer(StrictFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(
        source="get_kind_display", read_only=True, help_text=_("类型名称")
    )
    officers = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("社区民警(用户编号)")
    )

    class Meta:
        model = Community
        fields = [
            "id",
            "station",
            "name",
            "kind",
            "kind_display",
            "code",
            "town",
            "is_old_town",
            "boundary",
            "latitude",
            "longitude",
            "officers",
            "note",
        ]
        read_only_fields = ["station"]
        validators = []


class LiaisonPointSerializer(_Base):
    community = _community_field()
    contact_phone = MaskedCharField(
        mask=masking.mask_phone, max_length=20, help_text=_("联系电话(回答中脱敏)")
    )

    class Meta:
        model = LiaisonPoint
        fields = [
            "id",
            "station",
            "community",
            "community_name",
            "name",
            "contact_name",
            "contact_phone",
            "location",
            "active",
        ]
        read_only_fields = ["station"]
        validators = []


def _user(serializer):
    return getattr(serializer.context.get("request"), "user", None)


# Parts of a standard address below the road: hidden from roles without the address need.
_DOOR_FIELDS = ("doorplate", "building", "unit", "floor", "room", "code")


class AddressSerializer(_Base):
    community = _community_field()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = _user(self)
        if not masking.has_need(user, masking.Kind.ADDRESS):
            for name in _DOOR_FIELDS:
                if data.get(name):
                    data[name] = "****"
            data["full_text"] = masking.place_address(user, instance)
            for name in ("latitude", "longitude"):  # about a kilometre: the area, not the door
                if data.get(name) is not None:
                    data[name] = round(data[name], 2)
        return data

    class Meta:
        model = Address
        fields = [
            "id",
            "station",
            "community",
            "community_name",
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
            "full_text",
            "code",
            "latitude",
            "longitude",
        ]
        read_only_fields = ["station", "full_text"]
        validators = []


class HouseSerializer(_Base):
    community = _community_field()
    address = ScopedPrimaryKeyRelatedField(model=Address, help_text=_("地址编号"))
    address_text = serializers.SerializerMethodField(help_text=_("地址(无权角色只到街路巷)"))
    owner = ScopedPrimaryKeyRelatedField(
        model=Person, required=False, allow_null=True, help_text=_("房主(人员编号)")
    )
    owner_phone = MaskedCharField(
        mask=masking.mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_("房主电话(回答中脱敏)"),
    )
    use_display = serializers.CharField(
        source="get_use_display", read_only=True, help_text=_("用途名称")
    )
    occupant_count = serializers.SerializerMethodField(help_text=_("居住人数"))

    class Meta:
        model = House
        fields = [
            "id",
            "station",
            "community",
            "community_name",
            "address",
            "address_text",
            "use",
            "use_display",
            "owner",
            "owner_name",
            "owner_phone",
            "area_m2",
            "rooms",
            "built_year",
            "occupant_count",
            "note",
        ]
        read_only_fields = ["station"]
        validators = []

    def get_address_text(self, house) -> str:
        return masking.place_address(_user(self), house.address)

    def get_occupant_count(self, house) -> int:
        count = getattr(house, "occupant_count", None)
        return count if count is not None else house.occupants.count()


class PersonLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonLabel
        fields = ["label", "note", "created_at"]


class PersonSerializer(_Base):
    community = _community_field()
    id_number = MaskedCharField(
        mask=masking.mask_id_number, max_length=30, help_text=_("证件号码(回答中脱敏)")
    )
    birth_date = MaskedDateField(
        mask=masking.mask_birth_date,
        required=False,
        help_text=_("出生日期:写入为 YYYY-MM-DD,回答中只有年份(YYYY)"),
    )
    phone = MaskedCharField(
        mask=masking.mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_("手机号(回答中脱敏)"),
    )
    registered_address = MaskedCharField(
        mask=masking.mask_address,
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("户籍地址(回答中脱敏)"),
    )
    address = ScopedPrimaryKeyRelatedField(
        model=Address, required=False, allow_null=True, help_text=_("现住地址编号")
    )
    address_text = serializers.SerializerMethodField(help_text=_("现住地址(脱敏)"))
    house = ScopedPrimaryKeyRelatedField(
        model=House, required=False, allow_null=True, help_text=_("居住房屋编号")
    )
    employer = ScopedPrimaryKeyRelatedField(
        model=Organisation, required=False, allow_null=True, help_text=_("工作单位编号")
    )
    sex_display = serializers.CharField(
        source="get_sex_display", read_only=True, help_text=_("性别名称")
    )
    category_display = serializers.CharField(
        source="get_category_display", read_only=True, help_text=_("人口类别名称")
    )
    labels = PersonLabelSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text=_(
            "内部标签(如重点人员),仅所领导、社区民警、办案民警、县局可见;其他角色收到 null(不可见,不是没有标签)"
        ),
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "station",
            "community",
            "community_name",
            "name",
            "name_initials",
            "id_type",
            "id_number",
            "sex",
            "sex_display",
            "birth_date",
            "ethnicity",
            "nationality",
            "phone",
            "category",
            "category_display",
            "registered_address",
            "address",
            "address_text",
            "house",
            "relation",
            "employer",
            "inflow_date",
            "inflow_reason",
            "expected_departure",
            "note",
            "labels",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["station", "name_initials", "created_at", "updated_at"]
        extra_kwargs = {"sex": {"required": False}}
        validators = []

    @extend_schema_field(serializers.CharField())
    def get_address_text(self, person) -> str:
        return masking.mask_address(person.address.full_text) if person.address_id else ""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not has_role(getattr(request, "user", None), KEY_PERSON_ROLES):
            data["labels"] = None  # not shown to this role (the schema documents the null)
        return data


class RevealRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    purpose = serializers.CharField(max_length=200, help_text=_("查看用途(必填,记入查看记录)"))


class PersonRevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField(help_text=_("完整证件号码"))
    birth_date = serializers.DateField(help_text=_("完整出生日期"))
    phone = serializers.CharField(help_text=_("完整手机号"))
    address = serializers.CharField(help_text=_("完整现住地址"))
    registered_address = serializers.CharField(help_text=_("完整户籍地址"))


class HouseRevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner_name = serializers.CharField(help_text=_("房主姓名"))
    owner_phone = serializers.CharField(help_text=_("完整房主电话"))


class OrganisationSerializer(_Base):
    community = _community_field()
    address = ScopedPrimaryKeyRelatedField(model=Address, help_text=_("地址编号"))
    address_text = serializers.SerializerMethodField(help_text=_("地址(无权角色只到街路巷)"))
    legal_representative_person = ScopedPrimaryKeyRelatedField(
        model=Person, required=False, allow_null=True, help_text=_("法定代表人(人员编号)")
    )
    phone = MaskedCharField(
        mask=masking.mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_("联系电话(回答中脱敏)"),
    )
    category_display = serializers.CharField(
        source="get_category_display", read_only=True, help_text=_("类别名称")
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "station",
            "community",
            "community_name",
            "name",
            "name_initials",
            "category",
            "category_display",
            "credit_code",
            "address",
            "address_text",
            "legal_representative",
            "legal_representative_person",
            "person_in_charge",
            "phone",
            "employee_count",
            "note",
        ]
        read_only_fields = ["station", "name_initials"]
        validators = []

    def get_address_text(self, organisation) -> str:
        return masking.place_address(_user(self), organisation.address)
