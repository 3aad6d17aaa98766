"""REST endpoints of the 一标三实 registry. Thin: scope from core.api, rules and writes from registry.services."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, REGISTRY_EDIT_ROLES
from fengqiao.core.api import ScopedModelViewSet
from fengqiao.registry import filtersets, services
from fengqiao.registry.api import serializers
from fengqiao.registry.models import Address, Community, House, LiaisonPoint, Organisation, Person

_ERRORS = {
    400: OpenApiResponse(description=_("输入有误:按字段给出中文说明,未写入任何数据")),
    403: OpenApiResponse(description=_("无权操作(角色不允许,或记录不在您负责的社区)")),
    404: OpenApiResponse(description=_("记录不存在或不在您的可见范围")),
}


def _docs(noun: str, serializer, *, delete: bool = True, extra: str = ""):
    """Chinese summaries and descriptions of the standard actions of one kind of record."""
    tags = [f"一标三实·{noun}"]
    scope = _("只返回您所在派出所的记录(县局用户:本局所有派出所);其他所的记录一律404。")
    views = {
        "list": extend_schema(
            tags=tags,
            summary=_("%(noun)s列表") % {"noun": noun},
            description=_("分页(`page`、`page_size`,带`count`)、筛选、`q`搜索、`ordering`排序。")
            + scope
            + extra,
        ),
        "retrieve": extend_schema(
            summary=_("%(noun)s详情") % {"noun": noun},
            description=scope + extra,
            responses={200: serializer, 404: _ERRORS[404]},
            tags=tags,
        ),
        "create": extend_schema(
            summary=_("新建%(noun)s") % {"noun": noun},
            description=_("只能在您可修改的社区内新建;未知字段会被拒绝。"),
            responses={201: serializer, 400: _ERRORS[400], 403: _ERRORS[403]},
            tags=tags,
        ),
        "partial_update": extend_schema(
            summary=_("修改%(noun)s") % {"noun": noun},
            description=_("只提交要改的字段(PATCH);只能修改您负责社区的记录。"),
            responses={200: serializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404]},
            tags=tags,
        ),
        "history": extend_schema(summary=_("%(noun)s变更记录") % {"noun": noun}, tags=tags),
    }
    if delete:
        views["destroy"] = extend_schema(
            summary=_("删除%(noun)s") % {"noun": noun},
            description=_("仅所领导可删除;仍被其他记录引用时返回409。"),
            tags=tags,
            responses={
                204: None,
                403: _ERRORS[403],
                404: _ERRORS[404],
                409: OpenApiResponse(description=_("仍被其他记录引用,不能删除")),
            },
        )
    return extend_schema_view(**views)


@_docs(_("社区/村"), serializers.CommunitySerializer)
class CommunityViewSet(ScopedModelViewSet):
    """社区/村:边界、民警。所领导可新建、删除;社区民警可修改自己负责的社区。"""

    model = Community
    serializer_class = serializers.CommunitySerializer
    filterset_class = filtersets.CommunityFilterSet
    ordering_fields = ["name", "kind", "id"]
    prefetch_related = ("officers",)
    write_roles = REGISTRY_EDIT_ROLES

    def perform_service_create(self, data):
        return services.community_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.community_update(actor=self.request.user, community=obj, **data)


@_docs(_("排查联络点"), serializers.LiaisonPointSerializer)
class LiaisonPointViewSet(ScopedModelViewSet):
    """矛盾纠纷排查联络点。"""

    model = LiaisonPoint
    serializer_class = serializers.LiaisonPointSerializer
    filterset_class = filtersets.LiaisonPointFilterSet
    ordering_fields = ["name", "community__name", "id"]
    select_related = ("community",)
    write_roles = REGISTRY_EDIT_ROLES

    def perform_service_create(self, data):
        return services.liaison_point_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.liaison_point_update(actor=self.request.user, point=obj, **data)


@_docs(_("标准地址"), serializers.AddressSerializer)
class AddressViewSet(ScopedModelViewSet):
    """标准地址(GA/T 2000.32,到户室)。"""

    model = Address
    serializer_class = serializers.AddressSerializer
    filterset_class = filtersets.AddressFilterSet
    ordering_fields = ["full_text", "id"]
    select_related = ("community",)
    write_roles = REGISTRY_EDIT_ROLES

    def perform_service_create(self, data):
        return services.address_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.address_update(actor=self.request.user, address=obj, **data)


@_docs(_("实有房屋"), serializers.HouseSerializer, extra=_("房主电话脱敏。"))
class HouseViewSet(ScopedModelViewSet):
    """实有房屋。"""

    model = House
    serializer_class = serializers.HouseSerializer
    filterset_class = filtersets.HouseFilterSet
    ordering_fields = ["address__full_text", "use", "id"]
    select_related = ("community", "address__community")
    write_roles = REGISTRY_EDIT_ROLES
    ordering = ["address__full_text", "id"]
    open_actions = ("reveal",)

    def base_queryset(self):
        return super().base_queryset().annotate(occupant_count=Count("occupants"))

    def perform_service_create(self, data):
        return services.house_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.house_update(actor=self.request.user, house=obj, **data)

    @extend_schema(
        summary=_("查看完整房主电话"),
        tags=["一标三实·实有房屋"],
        description=_(
            "返回完整的房主电话,并写入一条个人信息查看记录(途径 api)。角色要求同人员的 reveal。"
        ),
        request=serializers.RevealRequestSerializer,
        responses={
            200: serializers.HouseRevealSerializer,
            400: _ERRORS[400],
            403: _ERRORS[403],
            404: _ERRORS[404],
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reveal(self, request, *args, **kwargs):
        house = self.get_object()
        self.check_role(FULL_PERSONAL_DATA_ROLES, _("您的角色无权查看完整个人信息"))
        body = serializers.RevealRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.personal_data_reveal(
            actor=request.user,
            obj=house,
            fields=["owner_phone"],
            purpose=body.validated_data["purpose"],
            channel="api",
        )
        data = {"id": house.pk, "owner_name": house.owner_name, "owner_phone": house.owner_phone}
        return Response(serializers.HouseRevealSerializer(data).data, status=status.HTTP_200_OK)


@_docs(
    _("实有人口"),
    serializers.PersonSerializer,
    extra=_(
        "证件号码、手机号、地址一律脱敏;完整信息用 reveal 接口查看(留痕)。内部标签(重点人员)只对有权角色返回。"
    ),
)
class PersonViewSet(ScopedModelViewSet):
    """实有人口:户籍、流动、境外。`q` 按姓名、拼音首字母、证件号码(或尾号)、手机号、地址搜索。"""

    model = Person
    serializer_class = serializers.PersonSerializer
    filterset_class = filtersets.PersonFilterSet
    # not birth_date: the order would place a person's birth date between known ones (core/masking.py)
    ordering_fields = ["name", "created_at", "updated_at", "id"]
    select_related = ("community", "address")
    prefetch_related = ("labels",)
    write_roles = REGISTRY_EDIT_ROLES
    open_actions = ("reveal",)
    # `q` by an ID number or phone is rate-limited per user (registry/number_search.py): 429.
    rate_limited_actions = ("list",)

    def perform_service_create(self, data):
        return services.person_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.person_update(actor=self.request.user, person=obj, **data)

    @extend_schema(
        summary=_("查看完整个人信息"),
        tags=["一标三实·实有人口"],
        description=_(
            "返回完整的证件号码、出生日期、手机号、现住地址和户籍地址,并写入一条个人信息查看记录(途径 api、字段、用途)。"
            "仅所领导、社区民警、办案民警、值班民警、指挥室、县局、系统管理员可用;其他角色403。"
        ),
        request=serializers.RevealRequestSerializer,
        responses={
            200: serializers.PersonRevealSerializer,
            400: _ERRORS[400],
            403: _ERRORS[403],
            404: _ERRORS[404],
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reveal(self, request, *args, **kwargs):
        person = self.get_object()
        self.check_role(FULL_PERSONAL_DATA_ROLES, _("您的角色无权查看完整个人信息"))
        body = serializers.RevealRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = ["id_number", "birth_date", "phone", "address", "registered_address"]
        services.personal_data_reveal(
            actor=request.user,
            obj=person,
            fields=fields,
            purpose=body.validated_data["purpose"],
            channel="api",
        )
        data = {
            "id": person.pk,
            "id_number": person.id_number,
            "birth_date": person.birth_date,
            "phone": person.phone,
            "address": person.address.full_text if person.address_id else "",
            "registered_address": person.registered_address,
        }
        return Response(serializers.PersonRevealSerializer(data).data, status=status.HTTP_200_OK)


@_docs(_("实有单位"), serializers.OrganisationSerializer)
class OrganisationViewSet(ScopedModelViewSet):
    """实有单位。"""

    model = Organisation
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filtersets.OrganisationFilterSet
    ordering_fields = ["name", "category", "employee_count", "id"]
    select_related = ("community", "address__community")
    write_roles = REGISTRY_EDIT_ROLES

    def perform_service_create(self, data):
        return services.organisation_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.organisation_update(actor=self.request.user, organisation=obj, **data)
