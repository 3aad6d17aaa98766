"""/api/cases/… — cases (list, retrieve, open, each step as a POST action), red-line flags, weekly summaries.

Same scoping as the pages: reads station-wide (others' cases are 404), actions only on cases in
`Case.objects.editable_by(user)` (the handling officers, the case room, leaders: 403 otherwise).
Party names, ID numbers and phones are masked; `POST /api/cases/{id}/parties/{party}/reveal/` returns
one party whole to the roles allowed (`services.can_reveal_party`) and records the view with its purpose.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import User
from fengqiao.cases import services
from fengqiao.cases.choices import (
    ActionKind,
    CaseKind,
    CaseStatus,
    DetentionStep,
    FlagKind,
    FlagStatus,
    MeasureKind,
    MovementKind,
    PartyRole,
    PenaltyKind,
    ServiceMode,
)
from fengqiao.cases.models import (
    Case,
    CaseParty,
    CoerciveMeasure,
    EvidenceItem,
    OffenceType,
    RedLineFlag,
    WeeklySummary,
)
from fengqiao.core.api import (
    ApiActorMixin,
    ScopedModelViewSet,
    StandardPagination,
    StrictFieldsMixin,
    django_errors,
)
from fengqiao.core.masking import mask_id_number, mask_name, mask_phone
from fengqiao.incidents.models import Incident

TAGS = ["案件"]
SCOPE = _("只返回您所在派出所的案件(县局用户:本局所有派出所);其他所的案件一律404。当事人信息脱敏。")
ERRORS = {
    400: OpenApiResponse(
        description=_("状态或时间不符、缺少必填项、超过法定延长:中文说明,未写入任何数据")
    ),
    403: OpenApiResponse(description=_("无权办理该案件")),
    404: OpenApiResponse(description=_("案件不存在或不在您的可见范围")),
}
REVEAL_ERRORS = {
    400: OpenApiResponse(description=_("未填写查看事由或事由超过200字:未留记录")),
    403: OpenApiResponse(description=_("您的角色无权查看当事人的完整信息:未留记录")),
    404: OpenApiResponse(description=_("案件或当事人不存在,或不在您的可见范围")),
}


class CasePartySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text=_("姓名(脱敏)"))
    id_number = serializers.SerializerMethodField(help_text=_("证件号码(脱敏)"))
    phone = serializers.SerializerMethodField(help_text=_("电话(脱敏)"))
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = CaseParty
        fields = [
            "id",
            "role_display",
            "person",
            "name",
            "id_number",
            "phone",
            "fled_at",
            "pursuit_at",
        ]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return mask_name(obj.name)

    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class CasePartyRevealInSerializer(StrictFieldsMixin, serializers.Serializer):
    purpose = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("查看事由(必填,最多200字,记入个人信息查看记录)"),
    )


class CasePartyRevealSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    name = serializers.CharField(read_only=True, help_text=_("完整姓名"))
    id_number = serializers.CharField(read_only=True, help_text=_("完整证件号码"))
    phone = serializers.CharField(read_only=True, help_text=_("完整电话"))

    class Meta:
        model = CaseParty
        fields = ["id", "case", "role_display", "person", "name", "id_number", "phone"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    offence_name = serializers.CharField(source="offence.name", read_only=True)
    parties = CasePartySerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "station",
            "kind_display",
            "offence",
            "offence_name",
            "title",
            "summary",
            "source_incident",
            "unit",
            "lead_officer",
            "second_officer",
            "status_display",
            "reported_at",
            "accepted_at",
            "not_filed_at",
            "notice_served_at",
            "penalty_decided_at",
            "penalty_served_at",
            "penalty_executed_at",
            "in_appraisal",
            "last_action_at",
            "closed_at",
            "parties",
        ]
        read_only_fields = fields


class CaseOpenSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=CaseKind.choices, help_text=_("administrative 行政(治安) / criminal 刑事")
    )
    offence = serializers.PrimaryKeyRelatedField(queryset=OffenceType.objects.filter(active=True))
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    lead_officer = serializers.IntegerField(help_text=_("主办民警编号"))
    second_officer = serializers.IntegerField(help_text=_("协办民警编号"))
    reported_at = serializers.DateTimeField(required=False)
    incident = serializers.IntegerField(
        required=False, help_text=_("来源警情编号:关联后警情的审查时限停止")
    )


class CaseAtSerializer(StrictFieldsMixin, serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text=_("发生时间,缺省为现在;不能晚于现在"))


class CaseRefuseSerializer(CaseAtSerializer):
    reason = serializers.CharField(allow_blank=True)


class CaseCloseSerializer(CaseAtSerializer):
    summary = serializers.CharField(allow_blank=True)


class CasePartyInSerializer(StrictFieldsMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=30)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)


class CaseWorkSerializer(CaseAtSerializer):
    kind = serializers.ChoiceField(
        choices=[c for c in ActionKind.choices if c[0] != ActionKind.PURSUIT]
    )
    note = serializers.CharField(allow_blank=True)
    officer = serializers.IntegerField()
    second_officer = serializers.IntegerField(required=False, allow_null=True)


class CaseReviewSerializer(StrictFieldsMixin, serializers.Serializer):
    legality = serializers.IntegerField(min_value=0, max_value=25)
    timeliness = serializers.IntegerField(min_value=0, max_value=25)
    evidence = serializers.IntegerField(min_value=0, max_value=25)
    procedure = serializers.IntegerField(min_value=0, max_value=25)
    note = serializers.CharField(required=False, allow_blank=True)


class CaseNoteInSerializer(CaseAtSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class CaseAppraisalStartSerializer(CaseAtSerializer):
    note = serializers.CharField(
        help_text=_("鉴定事项(必填)"),
        error_messages={"required": _("请填写鉴定事项"), "blank": _("请填写鉴定事项")},
    )


class CaseMeasureInSerializer(CaseAtSerializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices, help_text=_("强制措施"))
    party = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("对象(嫌疑人)编号")
    )
    note = serializers.CharField(required=False, allow_blank=True)


class CaseMeasureEndSerializer(CaseAtSerializer):
    measure = serializers.IntegerField()
    outcome = serializers.CharField(allow_blank=True)


class CaseMeasureStepSerializer(CaseAtSerializer):
    measure = serializers.IntegerField()
    step = serializers.ChoiceField(choices=DetentionStep.choices)


class CaseItemInSerializer(CaseAtSerializer):
    description = serializers.CharField(allow_blank=True, max_length=200)
    quantity = serializers.CharField(required=False, max_length=40)
    location = serializers.CharField(allow_blank=True, max_length=100)
    seized = serializers.BooleanField(required=False, default=True)
    owner = serializers.CharField(required=False, allow_blank=True, max_length=50)
    handled_by = serializers.IntegerField()
    checked_by = serializers.IntegerField()
    measure = serializers.IntegerField(required=False, allow_null=True)


class CaseItemMoveSerializer(CaseAtSerializer):
    item = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=[c for c in MovementKind.choices if c[0] != MovementKind.IN]
    )
    handled_by = serializers.IntegerField()
    checked_by = serializers.IntegerField()
    location = serializers.CharField(allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True)


class CasePenaltySerializer(CaseAtSerializer):
    penalty_kind = serializers.ChoiceField(choices=PenaltyKind.choices)
    text = serializers.CharField(allow_blank=True, max_length=200)
    mode = serializers.ChoiceField(choices=ServiceMode.choices)


class CaseExtensionRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    clock = serializers.IntegerField(help_text=_("时限编号(本案件或其强制措施的)"))
    option = serializers.CharField(help_text=_("规则中的延长方式代码"))
    reason = serializers.CharField(allow_blank=True)


class CaseExtensionDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    extension = serializers.IntegerField()
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class CaseFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices, label=_("案件类型"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("状态"))
    officer = django_filters.NumberFilter(label=_("办案民警"), method="by_officer")
    reference = django_filters.CharFilter(lookup_expr="icontains", label=_("案件编号"))

    class Meta:
        model = Case
        fields = ["kind", "status", "reference"]

    def by_officer(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(lead_officer_id=value) | Q(second_officer_id=value))


def _station_user(case_or_station_id, pk):
    if pk is None:
        return None
    return User.objects.filter(pk=pk, station_id=case_or_station_id).first() or _missing(pk)


def _missing(pk):
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    raise ValidationError({"officer": [gettext("编号为%(pk)s的民警不存在或不在本所") % {"pk": pk}]})


def _step(summary, request=None):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        request=request or CaseAtSerializer,
        responses={200: CaseSerializer, **ERRORS},
    )


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary=_("案件列表"), description=SCOPE),
    retrieve=extend_schema(tags=TAGS, summary=_("案件详情"), description=SCOPE),
    create=extend_schema(
        tags=TAGS,
        summary=_("受案登记"),
        request=CaseOpenSerializer,
        responses={201: CaseSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    ),
    history=extend_schema(tags=TAGS),
)
class CaseViewSet(ScopedModelViewSet):
    """案件。"""

    model = Case
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    ordering_fields = ["reported_at", "id"]
    ordering = ["-reported_at", "-id"]
    select_related = ("offence",)
    prefetch_related = ("parties",)
    http_method_names = ["get", "post", "head", "options"]
    write_roles = frozenset(Role.values)
    # reading a party whole is not acting on the case: the service checks its own rights
    open_actions = ("party_reveal",)

    def create(self, request, *args, **kwargs):
        user = request.user
        if user.station_id is None:
            raise PermissionDenied(_("只有派出所民警可以受案登记"))
        serializer = CaseOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        incident = None
        if d.get("incident"):
            incident = Incident.objects.visible_to(user).filter(pk=d["incident"]).first()
            if incident is None:
                from django.core.exceptions import ValidationError
                from django.utils.translation import gettext

                raise ValidationError({"incident": [gettext("警情不存在或不在您的可见范围")]})
        case = services.case_open(
            actor=user,
            kind=d["kind"],
            offence=d["offence"],
            title=d["title"],
            summary=d.get("summary", ""),
            lead_officer=_station_user(user.station_id, d["lead_officer"]),
            second_officer=_station_user(user.station_id, d["second_officer"]),
            reported_at=d.get("reported_at"),
            incident=incident,
        )
        return Response(self._out(case), status=status.HTTP_201_CREATED)

    def _out(self, case):
        return CaseSerializer(
            self.get_queryset().get(pk=case.pk), context=self.get_serializer_context()
        ).data

    def _case(self):
        case = self.get_object()
        if not services.can_edit_case(self.request.user, case):
            raise PermissionDenied(_("无权办理该案件(只有主办、协办民警,案管室和所领导可以)"))
        return case

    def _run(self, serializer_class, fn, **fixed):
        case = self._case()
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        fn(actor=self.request.user, case=case, **fixed, **serializer.validated_data)
        return Response(self._out(case))

    @_step(_("受理(行政案件):停止受案审查,开始30日办理期限"))
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(CaseAtSerializer, services.case_accept)

    @_step(_("立案(刑事案件):停止立案审查"))
    @action(detail=True, methods=["post"], url_path="file")
    def file_case(self, request, pk=None):
        return self._run(CaseAtSerializer, services.case_file)

    @_step(_("不予立案:开始3日送达通知书时限"), CaseRefuseSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._run(CaseRefuseSerializer, services.case_refuse)

    @_step(_("不予立案通知书已送达"))
    @action(detail=True, methods=["post"])
    def serve_notice(self, request, pk=None):
        return self._run(CaseAtSerializer, services.case_serve_notice)

    @_step(_("添加当事人(按证件号码自动关联人口库)"), CasePartyInSerializer)
    @action(detail=True, methods=["post"])
    def parties(self, request, pk=None):
        return self._run(CasePartyInSerializer, services.party_add)

    @extend_schema(
        tags=TAGS,
        summary=_("查看当事人完整信息"),
        description=_(
            "返回一名当事人的完整姓名、证件号码和电话,并写入一条个人信息查看记录"
            "(途径 api、字段、查看事由、请求编号)。本案主办、协办民警,案管室,所领导,"
            "以及有权查看完整个人信息的角色(县局、社区民警、办案民警、值班民警、指挥室、系统管理员)可用;"
            "其他角色403,未填写查看事由400,均不留记录。"
        ),
        request=CasePartyRevealInSerializer,
        responses={200: CasePartyRevealSerializer, **REVEAL_ERRORS},
        parameters=[
            OpenApiParameter(
                "party_pk", int, OpenApiParameter.PATH, description=_("当事人编号(属于该案件)")
            )
        ],
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"parties/(?P<party_pk>[0-9]+)/reveal",
        url_name="party-reveal",
        filter_backends=[],
        pagination_class=None,
    )
    def party_reveal(self, request, pk=None, party_pk=None):
        case = self.get_object()
        party = CaseParty.objects.filter(pk=party_pk, case=case).first()
        if party is None:
            raise NotFound(_("当事人不存在或不属于该案件"))
        body = CasePartyRevealInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.party_reveal(
            actor=request.user,
            party=party,
            purpose=body.validated_data.get("purpose", ""),
            channel="api",
        )
        return Response(CasePartyRevealSerializer(party).data)

    @_step(_("登记办案工作(询问/讯问须两名民警)"), CaseWorkSerializer)
    @action(detail=True, methods=["post"])
    def work(self, request, pk=None):
        case = self._case()
        serializer = CaseWorkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        services.action_record(
            actor=request.user,
            case=case,
            kind=d["kind"],
            note=d["note"],
            at=d.get("at"),
            officer=_station_user(case.station_id, d["officer"]),
            second_officer=_station_user(case.station_id, d.get("second_officer")),
        )
        return Response(self._out(case))

    @_step(_("结案(有未解除强制措施、未发还物品、未执行处罚时拒绝)"), CaseCloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(CaseCloseSerializer, services.case_close)

    @_step(_("一案一评(案管室,结案后)"), CaseReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        case = self.get_object()
        serializer = CaseReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.case_review(actor=request.user, case=case, **serializer.validated_data)
        return Response(self._out(case))

    def _child(self, model, pk, case, label):
        """The case's own measure/party numbered `pk` (None when none is given); 0 or another
        case's number is a 400, never a missing record handed to the service."""
        if pk is None:
            return None
        obj = model.objects.filter(pk=pk, case=case).first()
        if obj is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({label: [_("不属于该案件")]})
        return obj

    @_step(_("送鉴定:暂停办理期限"), CaseAppraisalStartSerializer)
    @action(detail=True, methods=["post"])
    def appraisal_start(self, request, pk=None):
        return self._run(CaseAppraisalStartSerializer, services.appraisal_start)

    @_step(_("鉴定完成:恢复办理期限"), CaseNoteInSerializer)
    @action(detail=True, methods=["post"])
    def appraisal_end(self, request, pk=None):
        return self._run(CaseNoteInSerializer, services.appraisal_end)

    @_step(_("采取强制措施(开始其法定时限)"), CaseMeasureInSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        case = self._case()
        serializer = CaseMeasureInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        d["party"] = self._child(CaseParty, d.get("party"), case, "party")
        services.measure_start(actor=request.user, case=case, **d)
        return Response(self._out(case))

    @_step(_("刑事拘留:送看守所/通知家属"), CaseMeasureStepSerializer)
    @action(detail=True, methods=["post"])
    def measure_step(self, request, pk=None):
        case = self._case()
        serializer = CaseMeasureStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        measure = self._child(CoerciveMeasure, d["measure"], case, "measure")
        services.measure_step(actor=request.user, measure=measure, step=d["step"], at=d.get("at"))
        return Response(self._out(case))

    @_step(_("解除/变更强制措施"), CaseMeasureEndSerializer)
    @action(detail=True, methods=["post"])
    def measure_end(self, request, pk=None):
        case = self._case()
        serializer = CaseMeasureEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        measure = self._child(CoerciveMeasure, d["measure"], case, "measure")
        services.measure_end(
            actor=request.user, measure=measure, outcome=d["outcome"], at=d.get("at")
        )
        return Response(self._out(case))

    @_step(_("涉案物品入库(两人办理)"), CaseItemInSerializer)
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        case = self._case()
        serializer = CaseItemInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        d["measure"] = self._child(CoerciveMeasure, d.get("measure"), case, "measure")
        d["handled_by"] = _station_user(case.station_id, d["handled_by"])
        d["checked_by"] = _station_user(case.station_id, d["checked_by"])
        services.item_register(actor=request.user, case=case, **d)
        return Response(self._out(case))

    @_step(_("涉案物品出库、发还、处理、移交(两人办理)"), CaseItemMoveSerializer)
    @action(detail=True, methods=["post"])
    def item_move(self, request, pk=None):
        case = self._case()
        serializer = CaseItemMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        item = self._child(EvidenceItem, d.pop("item"), case, "item")
        d["handled_by"] = _station_user(case.station_id, d["handled_by"])
        d["checked_by"] = _station_user(case.station_id, d["checked_by"])
        services.item_move(actor=request.user, item=item, **d)
        return Response(self._out(case))

    @_step(_("作出处罚决定(行政案件)"), CasePenaltySerializer)
    @action(detail=True, methods=["post"])
    def penalty(self, request, pk=None):
        return self._run(CasePenaltySerializer, services.penalty_decide)

    @_step(_("处罚决定送达/备案"))
    @action(detail=True, methods=["post"])
    def penalty_serve(self, request, pk=None):
        return self._run(CaseAtSerializer, services.penalty_serve)

    @_step(_("处罚执行完毕"), CaseNoteInSerializer)
    @action(detail=True, methods=["post"])
    def penalty_execute(self, request, pk=None):
        return self._run(CaseNoteInSerializer, services.penalty_execute)

    @_step(_("申请延长时限(依据规则的延长方式;超过法定延长拒绝)"), CaseExtensionRequestSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        case = self._case()
        serializer = CaseExtensionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        clock = next((c for c in services.case_clocks(case) if c.pk == d["clock"]), None)
        if clock is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"clock": [_("该时限不属于本案件")]})
        services.extension_request(
            actor=request.user, case=case, clock=clock, option_key=d["option"], reason=d["reason"]
        )
        return Response(self._out(case))

    @_step(
        _("审批延长申请(规则指定的审批角色,不能审批本人的申请)"), CaseExtensionDecisionSerializer
    )
    @action(detail=True, methods=["post"])
    def decide_extension(self, request, pk=None):
        case = self.get_object()
        serializer = CaseExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        extension = services.pending_extensions(case).filter(pk=d["extension"]).first()
        if extension is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"extension": [_("该案件没有这份待审批的延长申请")]})
        decide = services.extension_approve if d["approve"] else services.extension_reject
        decide(actor=request.user, extension=extension, note=d.get("note", ""))
        return Response(self._out(case))


# ---------------------------------------------------------------- flags and weekly summaries


class CaseFlagSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = RedLineFlag
        fields = [
            "id",
            "station",
            "kind_display",
            "key",
            "case",
            "incident",
            "reason",
            "raised_at",
            "unit",
            "officer",
            "assignee",
            "explanation",
            "status_display",
            "closed_at",
            "closed_by",
            "close_note",
        ]
        read_only_fields = fields


class CaseNoteSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class FlagFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FlagKind.choices, label=_("红线"))
    status = django_filters.ChoiceFilter(choices=FlagStatus.choices, label=_("状态"))

    class Meta:
        model = RedLineFlag
        fields = ["kind", "status"]


FLAG_TAGS = ["案管"]


@extend_schema_view(
    list=extend_schema(tags=FLAG_TAGS, summary=_("红线问题列表")),
    retrieve=extend_schema(tags=FLAG_TAGS, summary=_("红线问题")),
)
class FlagViewSet(
    ApiActorMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """有案不立、办理超期、查打不严。"""

    serializer_class = CaseFlagSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    filterset_class = FlagFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RedLineFlag.objects.none()
        return RedLineFlag.objects.visible_to(self.request.user).order_by("-raised_at", "-pk")

    def handle_exception(self, exc):
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    @extend_schema(
        tags=FLAG_TAGS,
        summary=_("关闭(整改后,案管室)"),
        request=CaseNoteSerializer,
        responses={200: CaseFlagSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        flag = self.get_object()
        serializer = CaseNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = services.flag_close(
            actor=request.user, flag=flag, note=serializer.validated_data["note"]
        )
        return Response(CaseFlagSerializer(flag).data)

    @extend_schema(
        tags=FLAG_TAGS,
        summary=_("情况说明(整改责任人或案管室)"),
        request=CaseNoteSerializer,
        responses={200: CaseFlagSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        flag = self.get_object()
        serializer = CaseNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = services.flag_explain(
            actor=request.user, flag=flag, text=serializer.validated_data["note"]
        )
        return Response(CaseFlagSerializer(flag).data)


class CaseSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = WeeklySummary
        fields = ["id", "station", "week_start", "generated_at", "notice_sent_at", "data"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(tags=FLAG_TAGS, summary=_("案管周汇总列表")),
    retrieve=extend_schema(tags=FLAG_TAGS, summary=_("案管周汇总")),
)
class SummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseSummarySerializer
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WeeklySummary.objects.none()
        return WeeklySummary.objects.visible_to(self.request.user)


app_name = "cases-api"
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("flags", FlagViewSet, basename="flag")
router.register("weekly", SummaryViewSet, basename="weekly")
router.register("", CaseViewSet, basename="case")
urlpatterns = router.urls
