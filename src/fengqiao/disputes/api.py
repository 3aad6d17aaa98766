"""/api/disputes/… — list/retrieve with filters, registration (create), and the level change action.

Same scoping as the pages: reads station-wide (others' disputes are 404), the level change only on
disputes in `Dispute.objects.editable_by(user)` (403 otherwise). Party phones are always masked.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import User
from fengqiao.core import masking
from fengqiao.core.api import ScopedModelViewSet, ScopedPrimaryKeyRelatedField, StrictFieldsMixin
from fengqiao.core.masking import mask_phone
from fengqiao.disputes import services
from fengqiao.disputes.choices import (
    CHECK_RESULTS,
    AgreementForm,
    ExcludedOffence,
    Level,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from fengqiao.disputes.models import Dispute, DisputeParty, DisputeType
from fengqiao.registry.models import Address, Community

TAGS = ["disputes"]
SCOPE = _("本所全部纠纷可读;调整等级限所领导、所负责社区的民警和责任人。")
ERRORS = {
    400: OpenApiResponse(description=_("数据不合法")),
    403: OpenApiResponse(description=_("无权操作")),
    404: OpenApiResponse(description=_("不存在或不在本所")),
}


class PartySerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text=_("电话(脱敏)"))

    class Meta:
        model = DisputeParty
        fields = ["id", "person", "name", "phone", "role", "high_risk"]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class DisputeSerializer(serializers.ModelSerializer):
    parties = PartySerializer(many=True, read_only=True)
    dispute_type_name = serializers.CharField(source="dispute_type.name", read_only=True)
    needs_plan = serializers.BooleanField(read_only=True, help_text=_("红色纠纷未制定一案一策"))
    agreement = serializers.SerializerMethodField(
        help_text=_("调解协议及其条款(生效的协议;没有时为最近一份)")
    )
    earlier_agreements = serializers.SerializerMethodField(
        help_text=_("此前的协议(未能履行或已被取代)")
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "station",
            "community",
            "dispute_type",
            "dispute_type_name",
            "narrative",
            "address",
            "location",
            "source",
            "amount",
            "owner",
            "level",
            "level_reasons",
            "suggested_level",
            "suggested_reasons",
            "status",
            "failed_mediations",
            "repeat_calls",
            "registered_at",
            "parties",
            "needs_plan",
            "source_incident",
            "channel",
            "settled_at",
            "closed_at",
            "close_reason",
            "agreement",
            "earlier_agreements",
        ]
        read_only_fields = fields

    def get_agreement(self, obj) -> dict | None:
        agreement = obj.agreement
        return _agreement_out(agreement) if agreement is not None else None

    def get_earlier_agreements(self, obj) -> list[dict]:
        current = obj.agreement
        return [
            _agreement_out(a)
            for a in reversed(obj.agreements_newest_first())
            if current is None or a.pk != current.pk
        ]


def _agreement_out(agreement) -> dict:
    return {
        "id": agreement.pk,
        "status": agreement.status,
        "superseded_by": agreement.superseded_by_id,
        "failed_at": agreement.failed_at,
        "fail_reason": agreement.fail_reason,
        "form": agreement.form,
        "reached_on": agreement.reached_on,
        "effective_date": agreement.effective_date,
        "terms": [
            {
                "id": t.pk,
                "what": t.what,
                "how": t.how,
                "due_date": t.due_date,
                "status": t.status,
            }
            for t in agreement.terms.all()
        ],
    }


class PartyInSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    high_risk = serializers.BooleanField(default=False)


class RegisterSerializer(StrictFieldsMixin, serializers.Serializer):
    dispute_type = serializers.PrimaryKeyRelatedField(
        queryset=DisputeType.objects.filter(active=True)
    )
    narrative = serializers.CharField()
    source = serializers.ChoiceField(choices=Source.choices, default=Source.VISIT)
    community = ScopedPrimaryKeyRelatedField(model=Community, required=False, allow_null=True)
    address = ScopedPrimaryKeyRelatedField(model=Address, required=False, allow_null=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    owner = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("责任人(本所人员编号)")
    )
    parties = PartyInSerializer(many=True)
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text=_("缺省为系统建议")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=_("与系统建议不同时必填")
    )


class LevelSerializer(StrictFieldsMixin, serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField(help_text=_("调整理由(必填)"))


class MeasureInSerializer(StrictFieldsMixin, serializers.Serializer):
    what = serializers.CharField(max_length=200)
    responsible = serializers.IntegerField(help_text=_("责任人(本所人员编号)"))
    due_date = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PlanSerializer(StrictFieldsMixin, serializers.Serializer):
    summary = serializers.CharField()
    measures = MeasureInSerializer(many=True)


class PlanReviseSerializer(StrictFieldsMixin, serializers.Serializer):
    summary = serializers.CharField(required=False, help_text=_("新的稳控方案(不填则不改)"))
    add_measures = MeasureInSerializer(many=True, required=False)
    cancel_measures = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=_("要取消的措施编号")
    )
    reason = serializers.CharField(help_text=_("修订理由(必填)"))


class AgreementFailSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("未能履行的原因(不履行、反悔)"))


class DisputeFromIncidentSerializer(StrictFieldsMixin, serializers.Serializer):
    incident = serializers.IntegerField()


class DisputeAcceptSerializer(StrictFieldsMixin, serializers.Serializer):
    channel = serializers.IntegerField()
    excluded_offences = serializers.ListField(
        child=serializers.ChoiceField(choices=ExcludedOffence.choices), required=False
    )


class DisputeSessionSerializer(StrictFieldsMixin, serializers.Serializer):
    held_at = serializers.DateTimeField()
    outcome = serializers.CharField(help_text="agreed | failed | continue")
    mediators = serializers.ListField(child=serializers.IntegerField(), required=False)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    other_mediators = serializers.CharField(required=False, allow_blank=True, max_length=200)
    attendees = serializers.CharField(required=False, allow_blank=True, max_length=300)
    law_notes = serializers.CharField(required=False, allow_blank=True)
    reason_notes = serializers.CharField(required=False, allow_blank=True)
    feeling_notes = serializers.CharField(required=False, allow_blank=True)

    def validate_outcome(self, value):
        if value not in SessionOutcome.values:
            raise serializers.ValidationError(_("请选择调解结果"))
        return value


class DisputeTermInSerializer(StrictFieldsMixin, serializers.Serializer):
    what = serializers.CharField(max_length=300)
    how = serializers.CharField(required=False, allow_blank=True, max_length=200)
    due_date = serializers.DateField(allow_null=True, required=False)
    obligor = serializers.IntegerField(required=False, allow_null=True)

    def validate(self, attrs):
        attrs.setdefault("due_date", None)
        return attrs


class DisputeAgreementInSerializer(StrictFieldsMixin, serializers.Serializer):
    form = serializers.ChoiceField(choices=AgreementForm.choices)
    reached_on = serializers.DateField()
    effective_date = serializers.DateField(required=False, allow_null=True)
    terms = DisputeTermInSerializer(many=True, required=False)
    signed_parties = serializers.ListField(child=serializers.IntegerField())
    facts = serializers.CharField(required=False, allow_blank=True)
    issues = serializers.CharField(required=False, allow_blank=True)
    oral_content = serializers.CharField(required=False, allow_blank=True)
    mediator = serializers.IntegerField(required=False, allow_null=True)
    other_mediators = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DisputeTermCheckSerializer(StrictFieldsMixin, serializers.Serializer):
    term = serializers.IntegerField()
    result = serializers.ChoiceField(choices=[(r.value, r.label) for r in CHECK_RESULTS])
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DisputeCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DisputeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索(编号/当事人/电话)"), method="search")
    level = django_filters.ChoiceFilter(label=_("等级"), choices=Level.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    dispute_type = django_filters.NumberFilter(label=_("纠纷类型"), field_name="dispute_type_id")
    community = django_filters.NumberFilter(label=_("社区/村"), field_name="community_id")
    owner = django_filters.NumberFilter(label=_("责任人"), field_name="owner_id")

    class Meta:
        model = Dispute
        fields = ["q", "level", "status", "dispute_type", "community", "owner"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(parties__name__icontains=value)
            | masking.phone_match(
                "parties__phone", value, getattr(self.request, "user", None), partial="icontains"
            )
        ).distinct()


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary=_("纠纷列表"), description=SCOPE),
    retrieve=extend_schema(tags=TAGS, summary=_("纠纷详情"), description=SCOPE),
    create=extend_schema(
        tags=TAGS,
        summary=_("登记纠纷"),
        request=RegisterSerializer,
        responses={201: DisputeSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    ),
)
class DisputeViewSet(ScopedModelViewSet):
    """矛盾纠纷。"""

    model = Dispute
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilterSet
    ordering_fields = ["registered_at", "id"]
    ordering = ["-registered_at", "-id"]
    select_related = ("dispute_type",)
    prefetch_related = ("parties", "agreements__terms")
    http_method_names = ["get", "post", "head", "options"]
    write_roles = frozenset(Role.values)

    def create(self, request, *args, **kwargs):
        user = request.user
        if user.station_id is None:
            raise PermissionDenied(_("只能在本所登记纠纷"))
        serializer = RegisterSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        owner_id = data.pop("owner", None)
        if owner_id is not None:
            owner = User.objects.filter(station_id=user.station_id, pk=owner_id).first()
            if owner is None:
                from django.core.exceptions import ValidationError

                raise ValidationError({"owner": ["责任人须为本所人员"]})
            data["owner"] = owner
        data = {k: v for k, v in data.items() if v is not None}
        dispute = services.dispute_register(actor=user, station=user.station, **data)
        return Response(self._out(dispute), status=status.HTTP_201_CREATED)

    def _out(self, dispute):
        return DisputeSerializer(
            self.get_queryset().get(pk=dispute.pk), context=self.get_serializer_context()
        ).data

    @extend_schema(
        tags=TAGS,
        summary=_("调整等级(须写理由)"),
        request=LevelSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def level(self, request, pk=None):
        dispute = self.get_object()
        serializer = LevelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.dispute_set_level(actor=request.user, dispute=dispute, **serializer.validated_data)
        return Response(self._out(dispute))

    @extend_schema(
        tags=TAGS,
        summary=_("制定一案一策(红色纠纷)"),
        request=PlanSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        dispute = self.get_object()
        serializer = PlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        measures = self._measures_in(dispute, data["measures"])
        services.plan_file(
            actor=request.user, dispute=dispute, summary=data["summary"], measures=measures
        )
        return Response(self._out(dispute))

    def _measures_in(self, dispute, rows):
        ids = {m["responsible"] for m in rows}
        people = {u.pk: u for u in User.objects.filter(station_id=dispute.station_id, pk__in=ids)}
        if len(people) != len(ids):
            raise self._dj_error({"measures": ["责任人须为本所人员"]})
        return [{**m, "responsible": people[m["responsible"]]} for m in rows]

    @extend_schema(
        tags=TAGS,
        summary=_("修订一案一策(须写理由)"),
        request=PlanReviseSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="plan-revise")
    def plan_revise(self, request, pk=None):
        from fengqiao.disputes.models import StabilisationPlan

        dispute = self.get_object()
        serializer = PlanReviseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = StabilisationPlan.objects.filter(dispute=dispute).first()
        if plan is None:
            raise self._dj_error("该纠纷尚未制定一案一策")
        services.plan_revise(
            actor=request.user,
            plan=plan,
            summary=data.get("summary"),
            add_measures=self._measures_in(dispute, data.get("add_measures", [])),
            cancel_measures=data.get("cancel_measures", []),
            reason=data["reason"],
        )
        return Response(self._out(dispute))

    @extend_schema(
        tags=TAGS,
        summary=_("登记生效协议未能履行(不履行、反悔),恢复调解"),
        request=AgreementFailSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="agreement-fail")
    def agreement_fail(self, request, pk=None):
        dispute = self.get_object()
        serializer = AgreementFailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = dispute.agreement_in_force
        if agreement is None:
            raise self._dj_error("该纠纷没有生效的调解协议")
        services.agreement_fail(
            actor=request.user, agreement=agreement, reason=serializer.validated_data["reason"]
        )
        return Response(self._out(dispute))

    def _dj_error(self, message):
        from django.core.exceptions import ValidationError

        return ValidationError(message)

    @extend_schema(
        tags=TAGS,
        summary=_("由警情建纠纷档案(幂等)"),
        request=DisputeFromIncidentSerializer,
        responses={200: DisputeSerializer, 201: DisputeSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="from-incident")
    def from_incident(self, request):
        from fengqiao.incidents.models import Incident

        serializer = DisputeFromIncidentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = (
            Incident.objects.visible_to(request.user)
            .filter(pk=serializer.validated_data["incident"])
            .first()
        )
        if incident is None:
            from rest_framework.exceptions import NotFound

            raise NotFound(_("不存在或不在本所"))
        if request.user.station_id is None:
            raise PermissionDenied(_("只能在本所登记纠纷"))
        dispute, created = services.dispute_from_incident(actor=request.user, incident=incident)
        return Response(
            self._out(dispute), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        tags=TAGS,
        summary=_("受理调解(治安调解排除情形)"),
        request=DisputeAcceptSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        from fengqiao.disputes.models import MediationChannel

        dispute = self.get_object()
        serializer = DisputeAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = MediationChannel.objects.filter(pk=serializer.validated_data["channel"]).first()
        if channel is None:
            raise self._dj_error({"channel": ["调解渠道不存在"]})
        services.dispute_accept(
            actor=request.user,
            dispute=dispute,
            channel=channel,
            excluded_offences=serializer.validated_data.get("excluded_offences", []),
        )
        return Response(self._out(dispute))

    @extend_schema(
        tags=TAGS,
        summary=_("记录调解(法、理、情)"),
        request=DisputeSessionSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def session(self, request, pk=None):
        dispute = self.get_object()
        serializer = DisputeSessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = set(data.pop("mediators", []))
        mediators = list(User.objects.filter(station_id=dispute.station_id, pk__in=ids))
        if len(mediators) != len(ids):
            raise self._dj_error({"mediators": ["调解员须为本所人员"]})
        services.session_record(actor=request.user, dispute=dispute, mediators=mediators, **data)
        return Response(self._out(dispute))

    @extend_schema(
        tags=TAGS,
        summary=_("录入调解协议"),
        request=DisputeAgreementInSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def agreement(self, request, pk=None):
        dispute = self.get_object()
        serializer = DisputeAgreementInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = {p.pk: p for p in dispute.parties.all()}
        signed_ids = data.pop("signed_parties", [])
        if any(i not in parties for i in signed_ids):
            raise self._dj_error({"signed_parties": ["签字人须为本纠纷当事人"]})
        terms = []
        for t in data.pop("terms", []):
            obligor = t.get("obligor")
            if obligor is not None and obligor not in parties:
                raise self._dj_error({"terms": ["履行人须为本纠纷当事人"]})
            terms.append({**t, "obligor": parties.get(obligor)})
        mediator_id = data.pop("mediator", None)
        mediator = None
        if mediator_id is not None:
            mediator = User.objects.filter(station_id=dispute.station_id, pk=mediator_id).first()
            if mediator is None:
                raise self._dj_error({"mediator": ["主持调解员须为本所人员"]})
        services.agreement_record(
            actor=request.user,
            dispute=dispute,
            terms=terms,
            mediator=mediator,
            signed_parties=[parties[i] for i in signed_ids],
            **data,
        )
        return Response(self._out(dispute))

    @extend_schema(
        tags=TAGS,
        summary=_("履行回访"),
        request=DisputeTermCheckSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="check-term")
    def check_term(self, request, pk=None):
        from fengqiao.disputes.models import AgreementTerm

        dispute = self.get_object()
        serializer = DisputeTermCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        term = AgreementTerm.objects.filter(
            agreement__dispute=dispute, pk=serializer.validated_data["term"]
        ).first()
        if term is None:
            raise self._dj_error({"term": ["协议条款不存在"]})
        services.term_check(
            actor=request.user,
            term=term,
            result=serializer.validated_data["result"],
            note=serializer.validated_data.get("note", ""),
        )
        return Response(self._out(dispute))

    @extend_schema(
        tags=TAGS,
        summary=_("结案"),
        request=DisputeCloseSerializer,
        responses={200: DisputeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        dispute = self.get_object()
        serializer = DisputeCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.dispute_close(
            actor=request.user, dispute=dispute, reason=serializer.validated_data.get("reason", "")
        )
        return Response(self._out(dispute))


app_name = "disputes-api"
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("", DisputeViewSet, basename="dispute")
urlpatterns = router.urls
