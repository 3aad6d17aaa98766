"""The scoping matrix, generated from the URL configuration (issue 19), not a hand-kept list.

Every route with an object id (`pk`, `id`, `…_pk`), page or API, is found by walking
`get_resolver()`. Its model comes from the view (a DRF view's `model`/`queryset`) or from the
route's words (`registry/persons/<pk>/` → registry.Person). An object of station A is made by the
model's factory in FACTORIES and requested, with GET and every write method, by

- the leader of another station (nothing of station A may be read or written: 403/404/405),
- a community officer of another community of station A (community-scoped models: no write),
- each read-only role of station A (auditor, inspector, liaison: no write),

and after each refused write the change log and the object are exactly as before. A route whose
model has no factory fails `test_every_routed_model_has_a_factory`, so a new endpoint cannot slip
through; PENDING names, with the reason, the models whose factories are not written yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from fengqiao.accounts.choices import Role
from fengqiao.core.audit import serialize
from fengqiao.core.models import ObjectChange
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    HouseFactory,
    OrganisationFactory,
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


def _community(station):
    return CommunityFactory(station=station, name="西街社区")


FACTORIES = {
    "registry.Community": lambda w: w.community,
    "registry.Address": lambda w: AddressFactory(community=w.community, station=w.station),
    "registry.House": lambda w: HouseFactory(
        address=AddressFactory(community=w.community, station=w.station)
    ),
    "registry.Person": lambda w: PersonFactory(community=w.community, station=w.station),
    "registry.Organisation": lambda w: OrganisationFactory(
        address=AddressFactory(community=w.community, station=w.station)
    ),
    "registry.LiaisonPoint": lambda w: apps.get_model("registry.LiaisonPoint").objects.create(
        station=w.station,
        community=w.community,
        name="西街联络点",
        contact_name="王联络",
        contact_phone="13800000001",
    ),
    "accounts.User": lambda w: UserFactory(role=Role.AUXILIARY, station=w.station),
    "incidents.Incident": lambda w: _incident(w),
    "cases.Case": lambda w: _case(w),
    "disputes.Dispute": lambda w: _dispute(w),
}


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
# Models routed with an id whose factory is not written yet (issue 19, left for a follow-up):
# their routes are still walked by tests/core/test_every_url.py (anonymous, no crash) and their
# scoping by each app's own tests, but not yet requested across stations here. Adding a factory
# to FACTORIES means removing the model here (a test checks both lists stay apart); a model not
# in either list fails the suite.
PENDING = {
    "accounts.ApiToken",
    "antifraud.FraudCase",
    "antifraud.FraudType",
    "antifraud.PublicityContent",
    "antifraud.Warning",
    "antifraud.WarningImport",
    "cases.OffenceType",
    "cases.RedLineFlag",
    "cases.WeeklySummary",
    "command.Alert",
    "command.Camera",
    "command.PatrolPoint",
    "command.PatrolRound",
    "core.CalendarDay",
    "core.Clock",
    "core.ClockExtension",
    "core.TimeLimitRule",
    "desk.Appointment",
    "desk.Counter",
    "desk.Service",
    "desk.Ticket",
    "disputes.Agreement",
    "disputes.AgreementTerm",
    "disputes.DisputeParty",
    "disputes.DisputeType",
    "disputes.StabilisationMeasure",
    "disputes.WarningTrigger",
    "estates.AccessDevice",
    "estates.Estate",
    "estates.RegistrationTask",
    "exchange.ExportRecord",
    "exchange.ImportJob",
    "incidents.Callback",
    "incidents.IncidentCategory",
    "incidents.Rectification",
    "lawstudy.Material",
    "lawstudy.StudySession",
    "notifications.Notification",
    "reports.Report",
    "reports.ReportTemplate",
    "reports.Scheme",
    "vehicles.Alarm",
    "vehicles.InsuranceClaim",
    "vehicles.Theft",
    "vehicles.Tracker",
    "vehicles.Vehicle",
}


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
    community: object
    other_community: object
    intruders: dict  # name → (user, may_read)


@pytest.fixture
def world(db):
    station = StationFactory(name="玉津派出所", code="511123-YJ")
    other = StationFactory(name="清溪派出所", code="511123-QX")
    community = _community(station)
    other_community = CommunityFactory(station=station, name="东街社区")
    officer_b = UserFactory(role=Role.COMMUNITY_OFFICER, station=station)
    other_community.officers.add(officer_b)
    intruders = {
        "leader of another station": (UserFactory(role=Role.STATION_LEADER, station=other), False),
        "officer of another station": (
            UserFactory(role=Role.COMMUNITY_OFFICER, station=other),
            False,
        ),
        "officer of another community": (officer_b, True),
    }
    for role in READ_ONLY_ROLES:
        intruders[f"{role.label} (read-only)"] = (UserFactory(role=role, station=station), True)
    leader = UserFactory(role=Role.STATION_LEADER, station=station)
    return World(station, leader, community, other_community, intruders)


def _url(route: Route, obj) -> str:
    url = route.path
    first = True
    for kwarg in route.kwargs:
        if _is_id(kwarg):
            value = str(obj.pk) if first else "999999"
            first = False
        else:
            value = "x"
        url = url.replace("{" + kwarg + "}", value, 1)
    return url


def _state(model, pk):
    obj = model._default_manager.filter(pk=pk).first()
    return (ObjectChange.objects.count(), serialize(obj) if obj is not None else None)


MATRIX = [
    r for r in ROUTES if MODELS[r.path] is not None and MODELS[r.path]._meta.label in FACTORIES
]


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: r.path)
def test_no_other_station_community_or_read_only_role_reaches_the_object(client, world, route):
    model = MODELS[route.path]
    label = model._meta.label
    obj = FACTORIES[label](world)
    url = _url(route, obj)
    holes = []
    for who, (user, may_read) in world.intruders.items():
        if who == "officer of another community" and label not in COMMUNITY_SCOPED:
            continue
        client.force_login(user)
        before = _state(model, obj.pk)
        get = client.get(url)
        if get.status_code >= 500 or (not may_read and get.status_code not in REFUSED | {302}):
            holes.append(f"{who}: GET {url} → {get.status_code}")
        elif get.status_code == 302 and not may_read and "/accounts/login" not in get["Location"]:
            holes.append(f"{who}: GET {url} → 302 {get['Location']}")
        for method in WRITE_METHODS:
            kwargs = (
                {"content_type": "application/json", "data": "{}"}
                if url.startswith("/api/")
                else {}
            )
            response = getattr(client, method)(url, **kwargs)
            status = response.status_code
            # Nobody outside the station gets anything but a refusal; inside it (reading allowed),
            # a write with no data may answer a form page or a 400, but must write nothing.
            if status >= 500 or (not may_read and status not in REFUSED):
                holes.append(f"{who}: {method.upper()} {url} → {status}")
            if _state(model, obj.pk) != before:
                holes.append(f"{who}: {method.upper()} {url} changed the record")
                before = _state(model, obj.pk)
        client.logout()
    assert not holes, "\n".join(holes)
