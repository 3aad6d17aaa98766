"""The scoping matrix, generated from the URL configuration (issue 19), not a hand-kept list.

Every route with an object id (`pk`, `id`, `…_pk`), page or API, is found by walking
`get_resolver()`. Its model comes from the view (a DRF view's `model`/`queryset`) or from the
route's words (`registry/persons/<pk>/` → registry.Person). An object of station A is made by the
model's factory in FACTORIES and requested, with GET and every write method, by

- the leader of another station, and a county bureau user of another county (nothing of station A
  may be read or written: 403/404/405),
- a community officer of another community of station A (community-scoped models: no write),
- each read-only role of station A (auditor, inspector, liaison: no write),
- for a user's own objects (API tokens, notifications, imports, exports): a colleague and the
  leader of the same station, and the read-only roles (nothing read or written),
- for the installation-wide tables (rules, holidays, categories, offences, fraud types, dispute
  types, triggers, the evaluation scheme): the station's leader, the county bureau, another
  station's leader and the read-only roles read them, and every write is refused (administrators
  only, accounts.roles.RULE_ADMIN_ROLES),

and after each refused write the change log and the object are exactly as before. One object per
model (its factory in FACTORIES) is attacked on every route that names it. A route whose model has
no factory fails `test_every_routed_model_has_a_factory`, so a new endpoint cannot slip through;
PENDING (empty) would name the models whose factories are not written yet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.core.audit import serialize
from fengqiao.core.models import ObjectChange
from tests import factories as f
from tests.factories import (
    BureauFactory,
    CommunityFactory,
    PersonFactory,
    StationFactory,
    UserFactory,
)

WRITE_METHODS = ("post", "put", "patch", "delete")
REFUSED = {403, 404, 405}
READ_ONLY_ROLES = (Role.AUDITOR, Role.INSPECTOR, Role.LIAISON)


# ----------------------------------------------------------------------------- the URL walk


@dataclass(frozen=True)
class Route:
    path: str  # with {kwarg} placeholders
    kwargs: tuple[str, ...]
    view: object
    app: str

    @property
    def label(self) -> str:
        return self.path


def _regex_to_path(text: str) -> str:
    text = text.lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return text.replace("\\", "")


def _route_piece(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        return _regex_to_path(str(pattern))
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))


def _walk(patterns, prefix=""):
    for entry in patterns:
        piece = _route_piece(entry.pattern)
        if "format" in piece:
            continue  # DRF's format-suffix twins
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + piece, entry.callback


def _is_id(name: str) -> bool:
    return name in ("pk", "id") or name.endswith("_pk")


def id_routes() -> list[Route]:
    routes = []
    for path, callback in _walk(get_resolver().url_patterns):
        kwargs = tuple(re.findall(r"\{(\w+)\}", path))
        if not any(_is_id(k) for k in kwargs) or path.startswith("/public/"):
            continue
        module = getattr(callback, "__module__", "") or ""
        app = module.split(".")[1] if module.startswith("fengqiao.") else ""
        routes.append(Route(path, kwargs, callback, app))
    return sorted(set(routes), key=lambda r: r.path)


# ----------------------------------------------------------------------------- route → model


def _view_model(view):
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    model = getattr(cls, "model", None)
    if model is None and getattr(cls, "queryset", None) is not None:
        model = cls.queryset.model
    return model


def _singular(word: str) -> str:
    word = word.replace("-", "").replace("_", "")
    for plural, single in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("s", "")):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    return word


# Route prefixes whose words do not name their model (the first id of the route is the object's).
OVERRIDES = {
    # the field app (issue 25): the phone's pages of an incident and a dispute, and scene evidence
    "/api/field/incidents/": "incidents.Incident",
    "/field/incidents/": "incidents.Incident",
    "/field/disputes/": "disputes.Dispute",
    "/field/tasks/": "estates.RegistrationTask",
    "/field/evidence/": "field.Evidence",
    "/accounts/tokens/": "accounts.ApiToken",
    "/accounts/staff/": "accounts.User",
    "/antifraud/cases/": "antifraud.FraudCase",
    "/antifraud/import/": "antifraud.WarningImport",
    "/antifraud/publicity/content/": "antifraud.PublicityContent",
    "/antifraud/types/": "antifraud.FraudType",
    "/antifraud/{pk}/": "antifraud.Warning",
    "/api/cases/flags/": "cases.RedLineFlag",
    "/api/cases/weekly/": "cases.WeeklySummary",
    "/api/estates/devices/": "estates.AccessDevice",
    "/api/estates/tasks/": "estates.RegistrationTask",
    "/cases/extensions/": "core.ClockExtension",
    "/cases/flags/": "cases.RedLineFlag",
    "/cases/from-incident/": "incidents.Incident",
    "/cases/offences/": "cases.OffenceType",
    "/cases/weekly/": "cases.WeeklySummary",
    "/disputes/from-incident/": "incidents.Incident",
    "/disputes/measures/": "disputes.StabilisationMeasure",
    "/disputes/parties/": "disputes.DisputeParty",
    "/disputes/screening/": "registry.LiaisonPoint",
    "/disputes/tables/{table}/": "disputes.DisputeType",
    "/disputes/terms/": "disputes.AgreementTerm",
    "/disputes/triggers/": "disputes.WarningTrigger",
    "/estates/devices/": "estates.AccessDevice",
    "/estates/tasks/": "estates.RegistrationTask",
    "/incidents/categories/": "incidents.IncidentCategory",
    "/reports/templates/": "reports.ReportTemplate",
    "/vehicles/claims/": "vehicles.InsuranceClaim",
    "/vehicles/devices/": "vehicles.Tracker",
    "/api/core/extensions/": "core.ClockExtension",
    "/api/core/rules/": "core.TimeLimitRule",
    "/api/lawstudy/sessions/": "lawstudy.StudySession",
    "/command/patrol/rounds/": "command.PatrolRound",
    "/command/points/": "command.PatrolPoint",
    "/core/calendar/": "core.CalendarDay",
    "/core/extensions/": "core.ClockExtension",
    "/core/rules/": "core.TimeLimitRule",
    "/exchange/exports/": "exchange.ExportRecord",
    "/exchange/jobs/": "exchange.ImportJob",
    "/lawstudy/{pk}/": "lawstudy.StudySession",
}


def route_model(route: Route):
    for prefix in sorted(OVERRIDES, key=len, reverse=True):
        if route.path.startswith(prefix):
            return apps.get_model(OVERRIDES[prefix])
    model = _view_model(route.view)
    if model is not None:
        return model
    first = min(route.path.index("{" + k + "}") for k in route.kwargs if _is_id(k))
    words = [w for w in re.split(r"[/{}.]", route.path[:first]) if w]
    first_id = len(words)
    app_models = (
        {m._meta.model_name: m for m in apps.get_app_config(route.app).get_models()}
        if route.app
        else {}
    )
    # The word right before the id names the model ("persons/{pk}" → Person), nothing else.
    return app_models.get(_singular(words[first_id - 1])) if first_id else None


# ----------------------------------------------------------------------------- factories
# One object of station A per routed model, from tests/factories.py (factory_boy) or, where making
# it is a workflow of its own (an incident, a case, a theft, an API token), from its service.


def _community(station):
    return CommunityFactory(station=station, name="西街社区")


def _incident(w):
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    return incident_receive(
        actor=w.leader,
        station=w.station,
        category=IncidentCategory.objects.get(code="JF-LL"),
        caller_name="张三",
        caller_phone="13812345678",
        location="西街12号",
        community=w.community,
        narrative="邻居吵架",
    )


def _case(w):
    from fengqiao.cases.models import OffenceType
    from fengqiao.cases.services import case_open

    return case_open(
        actor=w.leader,
        kind="administrative",
        offence=OffenceType.objects.get(code="ZA-OD"),
        title="张某被打案",
        lead_officer=UserFactory(role=Role.CASE_OFFICER, station=w.station),
        second_officer=UserFactory(role=Role.CASE_OFFICER, station=w.station),
        summary="简要案情",
        community=w.community,
    )


def _dispute(w):
    from fengqiao.disputes.models import DisputeType
    from fengqiao.disputes.services import dispute_register

    return dispute_register(
        actor=w.leader,
        narrative="两家因排水沟发生争吵",
        dispute_type=DisputeType.objects.get(code="neighbour"),
        community=w.community,
        parties=[{"name": "张三", "phone": "13812345678"}, {"name": "李四", "role": "respondent"}],
    )


def _today():
    return timezone.localdate()


def _api_token(w):
    from fengqiao.accounts.services import token_issue

    return token_issue(actor=w.owner, name="矩阵")[0]


def _flag(w):
    from fengqiao.cases.models import RedLineFlag

    case = _case(w)
    return RedLineFlag.objects.create(
        station=w.station,
        kind=RedLineFlag._meta.get_field("kind").choices[0][0],
        key=f"matrix-{case.pk}",
        case=case,
        reason="测试红线",
        raised_at=timezone.now(),
        officer=case.lead_officer,
    )


def _weekly(w):
    from fengqiao.cases.services import weekly_generate

    today = _today()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return weekly_generate(actor=w.leader, station=w.station, monday=monday)


def _clock(w):
    from fengqiao.core.workflow_models import Clock

    case = _case(w)
    return Clock.objects.filter(station=w.station, object_id=case.pk).order_by("pk").first()


def _extension(w):
    from fengqiao.core.workflow_models import ClockExtension

    clock = _clock(w)
    return ClockExtension.objects.create(
        clock=clock,
        option_key="matrix",
        label="延长30日",
        value=30,
        unit=clock.rule.limit_unit,
        reason="案情复杂",
        requested_by=w.leader,
    )


def _agreement(w):
    from fengqiao.disputes.models import Agreement

    return Agreement.objects.create(
        dispute=_dispute(w),
        form=Agreement._meta.get_field("form").choices[0][0],
        facts="两家因排水沟发生争吵",
        reached_on=_today(),
        effective_date=_today(),
        created_by=w.leader,
    )


def _term(w):
    from fengqiao.disputes.models import AgreementTerm

    agreement = _agreement(w)
    return AgreementTerm.objects.create(
        agreement=agreement,
        obligor=agreement.dispute.parties.first(),
        what="赔偿500元",
        due_date=_today() + dt.timedelta(days=10),
    )


def _measure(w):
    from fengqiao.disputes.models import StabilisationMeasure, StabilisationPlan

    plan = StabilisationPlan.objects.create(dispute=_dispute(w), summary="稳控", filed_by=w.leader)
    return StabilisationMeasure.objects.create(
        plan=plan, what="每日走访", responsible=w.leader, due_date=_today() + dt.timedelta(days=3)
    )


def _callback(w):
    from fengqiao.incidents.models import Callback

    return Callback.objects.create(
        station=w.station,
        incident=_incident(w),
        target=Callback._meta.get_field("target").choices[0][0],
        name="张三",
        phone="13812345678",
        due_at=timezone.now() + dt.timedelta(days=3),
    )


def _rectification(w):
    from fengqiao.incidents.models import Rectification

    callback = _callback(w)
    now = timezone.now()
    return Rectification.objects.create(
        station=w.station,
        callback=callback,
        incident=callback.incident,
        opened_at=now,
        due_at=now + dt.timedelta(days=7),
    )


def _scheme(w):
    from fengqiao.reports import services
    from fengqiao.reports.models import Scheme

    services.scheme_load_default()
    return Scheme.objects.order_by("effective_from").first()


def _vehicle(w):
    from tests.vehicles.factories import VehicleFactory

    return VehicleFactory(owner=PersonFactory(community=w.community, station=w.station))


def _theft(w):
    from tests.vehicles.factories import report_theft

    return report_theft(w.leader, _vehicle(w))


def _claim(w):
    from fengqiao.vehicles.models import InsuranceClaim
    from tests.vehicles.factories import policy_for

    theft = _theft(w)
    return InsuranceClaim.objects.create(
        station=w.station,
        community=w.community,
        theft=theft,
        policy=policy_for(theft.vehicle),
        vehicle_age_years=1,
        amount=2500,
        approved_at=timezone.now(),
        approved_by=w.leader,
    )


def _alarm(w):
    from fengqiao.vehicles.models import Alarm

    vehicle = _vehicle(w)
    now = timezone.now()
    return Alarm.objects.create(
        station=w.station,
        community=w.community,
        vehicle=vehicle,
        kind=Alarm._meta.get_field("kind").choices[0][0],
        at=now,
        last_at=now,
    )


def _tracker(w):
    from fengqiao.vehicles.models import Tracker

    vehicle = _vehicle(w)
    return Tracker.objects.create(
        station=w.station,
        community=w.community,
        vehicle=vehicle,
        imei="861234567890123",
        protocol="gt06",
        installed_at=timezone.now(),
        installed_by=w.leader,
    )


def _evidence(w):
    """A photo taken at one of station A's incidents (the field app, issue 25)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from fengqiao.field.services import evidence_attach

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return evidence_attach(
        actor=w.leader, target=_incident(w), upload=SimpleUploadedFile("a.jpg", out.getvalue())
    )


FACTORIES = {
    # registry
    "registry.Community": lambda w: w.community,
    "registry.Address": lambda w: f.AddressFactory(community=w.community, station=w.station),
    "registry.House": lambda w: f.HouseFactory(
        address=f.AddressFactory(community=w.community, station=w.station)
    ),
    "registry.Person": lambda w: PersonFactory(community=w.community, station=w.station),
    "registry.Organisation": lambda w: f.OrganisationFactory(
        address=f.AddressFactory(community=w.community, station=w.station)
    ),
    "registry.LiaisonPoint": lambda w: apps.get_model("registry.LiaisonPoint").objects.create(
        station=w.station,
        community=w.community,
        name="西街联络点",
        contact_name="王联络",
        contact_phone="13800000001",
    ),
    # accounts
    "accounts.User": lambda w: UserFactory(role=Role.AUXILIARY, station=w.station),
    "accounts.ApiToken": _api_token,
    # antifraud
    "antifraud.Warning": lambda w: f.WarningFactory(community=w.community, station=w.station),
    "antifraud.FraudCase": lambda w: f.FraudCaseFactory(community=w.community, station=w.station),
    "antifraud.FraudType": lambda w: f.FraudTypeFactory(),
    "antifraud.PublicityContent": lambda w: f.PublicityContentFactory(station=w.station),
    "antifraud.WarningImport": lambda w: f.WarningImportFactory(user=w.leader, station=w.station),
    # cases
    "cases.Case": _case,
    "cases.OffenceType": lambda w: f.OffenceTypeFactory(),
    "cases.RedLineFlag": _flag,
    "cases.WeeklySummary": _weekly,
    # command
    "command.Alert": lambda w: f.AlertFactory(station=w.station, community=w.community),
    "command.Camera": lambda w: f.CameraFactory(station=w.station, community=w.community),
    "command.PatrolPoint": lambda w: f.PatrolPointFactory(station=w.station, community=w.community),
    "command.PatrolRound": lambda w: f.PatrolRoundFactory(started_by=w.leader, station=w.station),
    # core: the workflow
    "core.CalendarDay": lambda w: f.CalendarDayFactory(),
    "core.Clock": _clock,
    "core.ClockExtension": _extension,
    "core.TimeLimitRule": lambda w: apps.get_model("core.TimeLimitRule").objects.order_by("pk")[0],
    # desk
    "desk.Service": lambda w: f.ServiceFactory(station=w.station),
    "desk.Counter": lambda w: f.CounterFactory(station=w.station, officer=w.leader),
    "desk.Appointment": lambda w: f.AppointmentFactory(service=f.ServiceFactory(station=w.station)),
    "desk.Ticket": lambda w: f.TicketFactory(service=f.ServiceFactory(station=w.station)),
    # disputes
    "disputes.Dispute": _dispute,
    "disputes.DisputeParty": lambda w: _dispute(w).parties.order_by("pk").first(),
    "disputes.Agreement": _agreement,
    "disputes.AgreementTerm": _term,
    "disputes.StabilisationMeasure": _measure,
    "disputes.DisputeType": lambda w: f.DisputeTypeFactory(),
    "disputes.WarningTrigger": lambda w: f.WarningTriggerFactory(),
    # estates
    "estates.Estate": lambda w: f.EstateFactory(community=w.community, station=w.station),
    "estates.AccessDevice": lambda w: f.AccessDeviceFactory(
        gate=f.GateFactory(estate=f.EstateFactory(community=w.community, station=w.station))
    ),
    "estates.RegistrationTask": lambda w: f.RegistrationTaskFactory(
        estate=f.EstateFactory(community=w.community, station=w.station)
    ),
    # exchange: a user's own imports and exports
    "exchange.ExportRecord": lambda w: f.ExportRecordFactory(user=w.owner),
    "exchange.ImportJob": lambda w: f.ImportJobFactory(user=w.owner),
    # incidents
    "incidents.Incident": _incident,
    "incidents.Callback": _callback,
    "incidents.Rectification": _rectification,
    "incidents.IncidentCategory": lambda w: f.IncidentCategoryFactory(),
    # lawstudy
    "lawstudy.StudySession": lambda w: f.StudySessionFactory(station=w.station, host=w.leader),
    "lawstudy.Material": lambda w: f.MaterialFactory(
        session=f.StudySessionFactory(station=w.station), added_by=w.leader
    ),
    # notifications: a user's own
    "notifications.Notification": lambda w: f.NotificationFactory(recipient=w.owner),
    # reports
    "reports.Report": lambda w: f.ReportFactory(station=w.station),
    "reports.ReportTemplate": lambda w: f.ReportTemplateFactory(station=w.station),
    "reports.Scheme": _scheme,
    # field
    "field.Evidence": _evidence,
    # vehicles
    "vehicles.Vehicle": _vehicle,
    "vehicles.Theft": _theft,
    "vehicles.InsuranceClaim": _claim,
    "vehicles.Alarm": _alarm,
    "vehicles.Tracker": _tracker,
}

# Community-scoped: a community officer of another community of the station may not write them.
COMMUNITY_SCOPED = {
    "incidents.Incident",
    "disputes.Dispute",
    "registry.Address",
    "registry.House",
    "registry.Person",
    "registry.Organisation",
    "registry.LiaisonPoint",
}
# Installation-wide tables (no station: they apply to every station of every county). Everyone
# signed in may read them; only administrators write (accounts.roles.RULE_ADMIN_ROLES): a station
# leader, a county bureau and every read-only role are refused.
INSTALLATION_WIDE = {
    "antifraud.FraudType",
    "cases.OffenceType",
    "core.CalendarDay",
    "core.TimeLimitRule",
    "disputes.DisputeType",
    "disputes.WarningTrigger",
    "incidents.IncidentCategory",
    "reports.Scheme",
}
# A user's own: nobody else reads or writes them, not a colleague, not the station's leader.
OWNED_BY_A_USER = {
    "accounts.ApiToken",
    "exchange.ExportRecord",
    "exchange.ImportJob",
    "notifications.Notification",
}
# Routed models whose factory is not written yet: none (a model must leave this set when its
# factory is added; a test checks both lists stay apart). A model in neither fails the suite.
PENDING: set[str] = set()

# Non-id words of a route: the value that reaches the view's object lookup and its most telling
# action (an unknown word would only be a 404 before the scope is tested). Default "x".
ROUTE_WORDS = {
    "/antifraud/{pk}/{action}/": {"action": "attempt"},
    "/cases/flags/{pk}/{action}/": {"action": "close"},
    "/cases/weekly/{pk}/{fmt}/": {"fmt": "xlsx"},
    "/cases/extensions/{pk}/{action}/": {"action": "approve"},
    "/cases/{pk}/{action}/": {"action": "accept"},
    "/desk/appointments/{pk}/{action}/": {"action": "cancel"},
    "/desk/counter/{pk}/{action}/": {"action": "call"},
    "/disputes/agreements/{agreement_pk}.{fmt}": {"fmt": "docx"},
    "/disputes/{pk}/agreement.{fmt}": {"fmt": "docx"},
    "/disputes/tables/{table}/{pk}/": {"table": "types"},
    "/incidents/{pk}/{action}/": {"action": "dispatch"},
    "/lawstudy/{pk}/action/{action}/": {"action": "cancel"},
    "/lawstudy/{pk}/signin/{token}/": {"token": lambda obj: _signin_token(obj)},
    "/reports/reports/{pk}/download/{fmt}/": {"fmt": "xlsx"},
    "/api/reports/reports/{pk}/download/{fmt}/": {"fmt": "xlsx"},
}


def _signin_token(session):
    from fengqiao.lawstudy.services import signin_token

    return signin_token(session)


ROUTES = id_routes()
MODELS = {r.path: route_model(r) for r in ROUTES}


def test_the_walk_finds_pages_and_api_routes_with_ids():
    paths = [r.path for r in ROUTES]
    assert "/registry/persons/{pk}/" in paths
    assert "/api/registry/persons/{pk}/" in paths
    assert len(paths) > 200


def test_every_routed_id_names_a_model():
    unresolved = [r.path for r in ROUTES if MODELS[r.path] is None]
    assert not unresolved, "add the route to OVERRIDES: " + ", ".join(unresolved)


def test_every_routed_model_has_a_factory():
    routed = {m._meta.label for m in MODELS.values() if m is not None}
    missing = sorted(routed - set(FACTORIES) - PENDING)
    assert not missing, "a routed model without a factory in FACTORIES: " + ", ".join(missing)
    assert not set(FACTORIES) & PENDING, "a model with a factory is still listed in PENDING"
    assert PENDING <= routed, "PENDING names a model no route uses any more"


# ----------------------------------------------------------------------------- the matrix


@dataclass
class World:
    station: object
    leader: object
    owner: object  # the user whose own objects (tokens, notifications, imports, exports) are made
    community: object
    other_community: object
    intruders: dict  # name → (user, may_read)


def _world(label: str) -> World:
    station = StationFactory(name="玉津派出所", code="511123-YJ")
    other = StationFactory(name="清溪派出所", code="511123-QX")
    far_bureau = BureauFactory(code="519999", name="外县公安局")
    community = _community(station)
    other_community = CommunityFactory(station=station, name="东街社区")
    leader = UserFactory(role=Role.STATION_LEADER, station=station)
    owner = UserFactory(role=Role.COMMUNITY_OFFICER, station=station)
    community.officers.add(owner)
    officer_b = UserFactory(role=Role.COMMUNITY_OFFICER, station=station)
    other_community.officers.add(officer_b)
    installation = label in INSTALLATION_WIDE
    owned = label in OWNED_BY_A_USER
    may_read = not owned  # inside the station (read-only roles, another community)
    intruders = {
        "leader of another station": (
            UserFactory(role=Role.STATION_LEADER, station=other),
            installation,
        ),
    }
    if installation:
        intruders["leader of the station"] = (leader, True)
        intruders["county bureau"] = (
            UserFactory(role=Role.BUREAU, station=None, bureau=station.bureau),
            True,
        )
    else:
        intruders["bureau of another county"] = (
            UserFactory(role=Role.BUREAU, station=None, bureau=far_bureau),
            False,
        )
    if label in COMMUNITY_SCOPED:
        intruders["officer of another community"] = (officer_b, True)
    if owned:
        intruders["colleague of the same station"] = (officer_b, False)
        intruders["leader of the same station"] = (leader, False)
    for role in READ_ONLY_ROLES:
        intruders[f"{role.label} (read-only)"] = (
            UserFactory(role=role, station=station),
            may_read,
        )
    return World(station, leader, owner, community, other_community, intruders)


def _url(route: Route, obj) -> str:
    url = route.path
    words = ROUTE_WORDS.get(route.path, {})
    first = True
    for kwarg in route.kwargs:
        if _is_id(kwarg):
            value = str(obj.pk) if first else "999999"
            first = False
        else:
            value = words.get(kwarg, "x")
            value = value(obj) if callable(value) else value
        url = url.replace("{" + kwarg + "}", value, 1)
    return url


def _state(model, pk):
    obj = model._default_manager.filter(pk=pk).first()
    return (ObjectChange.objects.count(), serialize(obj) if obj is not None else None)


MATRIX = [
    r for r in ROUTES if MODELS[r.path] is not None and MODELS[r.path]._meta.label in FACTORIES
]
MATRIX_MODELS = sorted({MODELS[r.path]._meta.label for r in MATRIX})


def _attack(client, world, model, obj, url) -> list[str]:
    """Every intruder, GET and every write method on `url`: the holes found."""
    label = model._meta.label
    installation = label in INSTALLATION_WIDE
    holes = []
    for who, (user, may_read) in world.intruders.items():
        client.force_login(user)
        before = _state(model, obj.pk)
        get = client.get(url)
        if get.status_code >= 500 or (not may_read and get.status_code not in REFUSED | {302}):
            holes.append(f"{who}: GET {url} → {get.status_code}")
        elif get.status_code == 302 and not may_read and "/accounts/login" not in get["Location"]:
            holes.append(f"{who}: GET {url} → 302 {get['Location']}")
        if _state(model, obj.pk) != before:
            holes.append(f"{who}: GET {url} changed the record")
            before = _state(model, obj.pk)
        for method in WRITE_METHODS:
            kwargs = (
                {"content_type": "application/json", "data": "{}"}
                if url.startswith("/api/")
                else {}
            )
            response = getattr(client, method)(url, **kwargs)
            status = response.status_code
            # Nobody outside the station gets anything but a refusal, nor anyone but an
            # administrator on an installation-wide table; inside the station (reading allowed), a
            # write with no data may answer a form page or a 400, but must write nothing.
            if status >= 500 or ((installation or not may_read) and status not in REFUSED):
                holes.append(f"{who}: {method.upper()} {url} → {status}")
            if _state(model, obj.pk) != before:
                holes.append(f"{who}: {method.upper()} {url} changed the record")
                before = _state(model, obj.pk)
        client.logout()
    return holes


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# One object per model serves up to CHUNK of its routes (a test stays well inside pytest-timeout's
# bound on a loaded machine: cases.Case alone has 26 routes).
CHUNK = 6
BATCHES = [
    (label, tuple(routes[i : i + CHUNK]))
    for label in MATRIX_MODELS
    for routes in [[r for r in MATRIX if MODELS[r.path]._meta.label == label]]
    for i in range(0, len(routes), CHUNK)
]


@pytest.mark.parametrize(
    ("label", "routes"), BATCHES, ids=[f"{label}:{routes[0].path}" for label, routes in BATCHES]
)
def test_no_other_station_community_user_or_read_only_role_reaches_the_object(
    client, db, label, routes
):
    """One object of the model, its routes, every intruder, every method."""
    world = _world(label)
    model = apps.get_model(label)
    obj = FACTORIES[label](world)
    assert obj is not None and obj.pk, f"the factory of {label} made nothing"
    holes = []
    for route in routes:
        holes += _attack(client, world, model, obj, _url(route, obj))
    assert not holes, "\n".join(holes)


def test_the_matrix_covers_every_routed_model_and_route():
    routed = {m._meta.label for m in MODELS.values() if m is not None}
    assert set(MATRIX_MODELS) == routed
    assert len(MATRIX) == len([r for r in ROUTES if MODELS[r.path] is not None])
    assert sum(len(routes) for _label, routes in BATCHES) == len(MATRIX)
