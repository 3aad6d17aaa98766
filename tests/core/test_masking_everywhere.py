"""The masking test of the suite: for each role, every page, API answer, export and search that can
show a person, and no masked value can be rebuilt from what is shown.

One person is registered everywhere a person appears (resident with a house and a door address,
incident caller, dispute party, case party, vehicle owner, fraud-warning victim, desk booking,
estate credential). The URL list is generated from the URL configuration, so a new page or endpoint
is covered without anyone remembering it: every GET pattern is fetched with each of the fixture's
ids, lists also with `?q=` (the person's name and full phone) and `?export=xlsx`, and every reveal
endpoint is posted with a purpose. For each role without the need (core/masking.py POLICY), the
ID number, the birth date's digits, the whole phone, the phone's hidden middle, the door number and
the room never appear in any answer (xlsx and docx files are read as text); for a role with the
need they appear after a recorded reveal.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from urllib.parse import unquote

import pytest
import time_machine
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from fengqiao.accounts.choices import Role
from fengqiao.core import masking
from fengqiao.registry.models import Address, House
from tests.factories import PASSWORD, CommunityFactory, PersonFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)

BIRTH = dt.date(1985, 7, 23)
ID_NUMBER = make_id_number(7, birth=BIRTH)
PHONE = "13987654321"
REGISTERED = "四川省犍为县玉津镇解放路1357号"

# What must never be shown to a role without the need (each one rebuilds a masked value or a part).
SECRETS = {
    "ID number": ID_NUMBER,
    "birth date digits": BIRTH.strftime("%Y%m%d"),
    "birth date": BIRTH.isoformat(),
    "birth month and day": "7月23日",
    "phone": PHONE,
    "phone without the tail": PHONE[:7],
    "phone without the prefix": PHONE[3:],
    "door number": "1357号",
    "room": "2468室",
    "coordinates": "29.2081",
}
WHOLE = {
    "ID number": ID_NUMBER,
    "phone": PHONE,
    "door number": "1357号",
    "birth date": BIRTH.isoformat(),
}

# Never fetched: streams that never end, the language switch, logout, static files, the admin.
SKIP_NAMES = re.compile(
    r"stream|logout|set_language|healthz|^admin:|static|display|qr_|signin|totp"
)
# Reveals of a case party follow the case's own rule (the case room supervises its cases): see
# tests/cases/test_reveal.py. Every other reveal is posted by every role.
REVEAL_NAMES = re.compile(r"reveal")
CASE_PARTY_REVEAL = re.compile(r"^cases.*part.*reveal")


def _patterns(patterns=None, namespace=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _patterns(p.url_patterns, full)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def _kwargs_names(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


@pytest.fixture
def world(station):
    """The person, registered in every part that shows people."""
    with time_machine.travel(NOW, tick=False):
        return _world(station)


def _same_ids(models):
    """Start the (empty) tables of the fixture's records at id 1, so one id reaches each of them and
    the crawl stays one request per pattern. SQLite does it by itself (the test's rollback rewinds
    its sequences); PostgreSQL's sequences survive a rollback, so they are set here."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            if not model.objects.exists():
                table = model._meta.db_table
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [table])


def _world(station):
    from fengqiao.accounts.models import User
    from fengqiao.antifraud.models import FraudType, Warning
    from fengqiao.antifraud.services import warning_receive
    from fengqiao.cases import services as case_services
    from fengqiao.cases.models import Case, CaseParty, OffenceType
    from fengqiao.desk.models import Appointment, Service, Ticket
    from fengqiao.disputes.models import Agreement, Dispute, DisputeParty, DisputeType
    from fengqiao.disputes.services import dispute_register
    from fengqiao.estates.models import Credential, Estate
    from fengqiao.incidents.models import Callback, Incident, IncidentCategory
    from fengqiao.incidents.services import incident_receive
    from fengqiao.registry.models import Community, Person
    from fengqiao.vehicles.models import Theft, Vehicle

    _same_ids(
        [
            Community,
            Address,
            House,
            Person,
            Incident,
            Dispute,
            DisputeParty,
            Case,
            CaseParty,
            Vehicle,
        ]
        + [Warning, Service, Appointment, Estate, Credential]
        + [Callback, Theft, Ticket, Agreement]
    )
    community = CommunityFactory(station=station, name="西街社区")
    leader = UserFactory(username="w-leader", role=Role.STATION_LEADER, station=station)
    officer = UserFactory(username="w-officer", role=Role.CASE_OFFICER, station=station)
    officer2 = UserFactory(username="w-officer2", role=Role.CASE_OFFICER, station=station)
    address = Address.objects.create(
        station=station, community=community, town="玉津镇", road="解放路", doorplate="1357",
        building="3", unit="2", room="2468", latitude=29.2081234, longitude=103.9512345,
    )  # fmt: skip
    house = House.objects.create(
        station=station, community=community, address=address, owner_name="周芳", owner_phone=PHONE
    )
    person = PersonFactory(
        community=community, name="周芳", id_number=ID_NUMBER, phone=PHONE, address=address,
        house=house, registered_address=REGISTERED,
    )  # fmt: skip
    house.owner = person
    house.save()
    incident = incident_receive(
        actor=leader, station=station, category=IncidentCategory.objects.get(code="JF-LL"),
        caller_name=person.name, caller_phone=PHONE, caller_person=person, community=community,
        location="解放路", narrative="邻里纠纷",
    )  # fmt: skip
    dispute = dispute_register(
        actor=leader, station=station, community=community, narrative="邻里纠纷",
        dispute_type=DisputeType.objects.first(),
        parties=[{"person": person, "name": person.name, "role": "applicant", "phone": PHONE, "id_number": ID_NUMBER}],
    )  # fmt: skip
    offence = OffenceType.objects.filter(kind="administrative").first()
    case = case_services.case_open(
        actor=leader, kind="administrative", offence=offence, title="周某被打案",
        lead_officer=officer, second_officer=officer2, summary="简要案情", community=community,
    )  # fmt: skip
    case_services.party_add(
        actor=leader, case=case, role="victim", name=person.name, id_number=ID_NUMBER, phone=PHONE
    )
    vehicle = Vehicle.objects.create(
        station=station, community=community, owner=person, plate="川L13579", kind="motorcycle",
        brand="豪爵", colour="红", purchased_on=dt.date(2022, 3, 1),
    )  # fmt: skip
    warning = warning_receive(
        actor=leader, station=station, name=person.name, risk_level="high",
        fraud_type=FraudType.objects.first(), phone=PHONE, id_number=ID_NUMBER, address_text=REGISTERED,
    )  # fmt: skip
    service = Service.objects.create(station=station, prefix="A", name="户口迁移")
    appointment = Appointment.objects.create(
        station=station, reference="YY-T-1", service=service, date=NOW.date(), name=person.name,
        phone=PHONE, cancel_code_hash="x",
    )  # fmt: skip
    estate = Estate.objects.create(
        station=station, community=community, name="解放路小区", households=10
    )
    credential = Credential.objects.create(
        station=station, estate=estate, holder_no="001", person=person
    )
    # Where else the person's phone is kept: the incident's callback, the theft report, the desk
    # ticket; and the dispute's agreement (its Word/PDF document names the parties).
    callback = Callback.objects.create(
        station=station, incident=incident, target=Callback._meta.get_field("target").choices[0][0],
        name=person.name, phone=PHONE, due_at=NOW + dt.timedelta(days=3),
    )  # fmt: skip
    theft = Theft.objects.create(
        station=station, community=community, vehicle=vehicle, reference="DQ-T-1", reported_at=NOW,
        place="解放路菜市场", reporter_name=person.name, reporter_phone=PHONE,
    )  # fmt: skip
    ticket = Ticket.objects.create(
        station=station, date=NOW.date(), service=service, number="A001", seq=1, phone=PHONE
    )
    agreement = Agreement.objects.create(
        dispute=dispute, form=Agreement._meta.get_field("form").choices[0][0], facts="邻里纠纷",
        reached_on=NOW.date(), effective_date=NOW.date(), created_by=leader,
    )  # fmt: skip
    objects = [
        community, address, house, person, incident, dispute, case, vehicle, warning, service,
        appointment, estate, credential, leader, callback, theft, ticket, agreement,
    ]  # fmt: skip
    objects += list(dispute.parties.all()) + list(case.parties.all())
    return {
        "person": person,
        "community": community,
        "ids": sorted({o.pk for o in objects} | {User.objects.order_by("pk").first().pk}),
    }


def _text(response) -> str:
    """What a person sees of an answer: HTML/JSON/CSV as text, xlsx and docx files as their text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK":  # an Office file (xlsx, docx): every XML part's text
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return " ".join(
                    archive.read(n).decode("utf-8", "replace")
                    for n in archive.namelist()
                    if n.endswith(".xml")
                )
        except zipfile.BadZipFile:
            pass
    if "image" in kind or "pdf" in kind:
        return ""
    return content.decode("utf-8", "replace")


def _urls(world) -> list[tuple[str, str]]:
    """Every GET-able URL built from the URL configuration with the fixture's ids."""
    person = world["person"]
    queries = [f"?q={person.name}", f"?q={PHONE}", "?export=xlsx"]
    urls = []
    for name, pattern in _patterns():
        if SKIP_NAMES.search(name):
            continue
        names = _kwargs_names(pattern)
        if "format" in names:
            continue
        if not names:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            urls.append((name, url))
            if name.endswith(
                ("list", "-list", "search", "lookup_person", "lookup_phone", "options")
            ):
                urls += [(name, url + q) for q in queries]
            continue
        if names == ["kind"]:
            from fengqiao.exchange.choices import KIND_ALIASES

            for kind in list(KIND_ALIASES) + ["person", "address", "house"]:
                try:
                    urls.append((name, reverse(name, kwargs={"kind": kind}) + f"?q={person.name}"))
                except NoReverseMatch:
                    pass
            continue
        for pk in world["ids"]:
            for words in _words(names):
                try:
                    url = reverse(name, kwargs={k: words.get(k, pk) for k in names})
                except NoReverseMatch:
                    continue
                urls.append((name, url))
    # searches a role without the need may run: the full phone, the shown tail
    urls += [
        ("registry:options", reverse("registry:options", args=["person"]) + f"?q={PHONE}"),
        ("incidents:lookup_phone", reverse("incidents:lookup_phone") + f"?caller_phone={PHONE}"),
        ("disputes:lookup_person", reverse("disputes:lookup_person") + f"?row=0&party-0-q={PHONE}"),
    ]
    return urls


# Non-id words of a route, so that a document reaches its view (a format given an id was a 404):
# every document format is fetched.
ROUTE_WORDS = {"fmt": ("docx", "xlsx", "pdf")}


def _words(names) -> list[dict]:
    choices = [{}]
    for name in names:
        if name in ROUTE_WORDS:
            choices = [{**c, name: w} for c in choices for w in ROUTE_WORDS[name]]
    return choices


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _bodies(client, world):
    """(url, text) of every answer the role gets, reveals included."""
    for _name, url in _urls(world):
        response = client.get(url, HTTP_ACCEPT="text/html,application/json")
        if response.status_code >= 500:
            continue  # server errors are another helper's suite (schemathesis); nothing was shown
        yield url, _text(response)
    for name, pattern in _patterns():
        if not REVEAL_NAMES.search(name) or CASE_PARTY_REVEAL.search(name):
            continue
        names = _kwargs_names(pattern)
        if "format" in names:
            continue
        for pk in world["ids"]:
            try:
                url = reverse(name, kwargs={k: pk for k in names})
            except NoReverseMatch:
                continue
            response = client.post(url, {"purpose": "核实身份"})
            yield url, _text(response)


ROLES_WITHOUT_NEED = [r for r in Role if r not in masking.POLICY[masking.Kind.ID_NUMBER].need]
ROLES_WITH_NEED = [r for r in Role if r in masking.POLICY[masking.Kind.ID_NUMBER].need]


def test_every_role_is_either_with_or_without_the_need():
    assert set(ROLES_WITHOUT_NEED) | set(ROLES_WITH_NEED) == set(Role)
    assert ROLES_WITHOUT_NEED, "the test would check nothing"


@pytest.mark.parametrize("role", ROLES_WITHOUT_NEED, ids=str)
def test_a_role_without_the_need_can_rebuild_no_masked_value(role, station, world):
    user = UserFactory(username=f"m-{role}", role=role, station=station)
    world["community"].officers.add(user)
    client = _client(user)
    leaks, seen = [], 0
    with time_machine.travel(NOW, tick=False):
        for url, text in _bodies(client, world):
            seen += world["person"].name in text
            # a value the user typed into the query is echoed back; it tells them nothing new
            asked = unquote(url)
            leaks += [
                (label, url)
                for label, secret in SECRETS.items()
                if secret in text and secret not in asked
            ]
    assert not leaks, f"{role} sees: {leaks[:20]}"
    if role not in (Role.LIAISON,):
        assert seen, f"{role} never saw the person: the test checked nothing for this role"


@pytest.mark.parametrize("role", [Role.COMMUNITY_OFFICER, Role.STATION_LEADER], ids=str)
def test_a_role_with_the_need_sees_the_whole_values_after_a_recorded_reveal(role, station, world):
    from fengqiao.core.models import PersonalDataAccess

    user = UserFactory(username=f"n-{role}", role=role, station=station)
    world["community"].officers.add(user)
    client = _client(user)
    person = world["person"]
    with time_machine.travel(NOW, tick=False):
        page = _text(client.get(reverse("registry:person_detail", args=[person.pk])))
        assert ID_NUMBER not in page and PHONE not in page  # masked in the page until revealed
        revealed = _text(
            client.post(
                reverse("registry:person_reveal", args=[person.pk]), {"purpose": "核实身份"}
            )
        )
    for label, secret in WHOLE.items():
        assert secret in revealed, label
    assert PersonalDataAccess.objects.filter(
        user=user, object_id=person.pk, purpose="核实身份"
    ).exists()


def test_the_masks_of_the_fixture_person():
    """What the pages above show instead: nothing of the birth date in the ID, the year of birth."""
    assert masking.mask_id_number(ID_NUMBER) == ID_NUMBER[0] + "*" * 16 + ID_NUMBER[-1]
    assert masking.mask_birth_date(BIRTH) == "1985"
    assert masking.mask_phone(PHONE) == "139****4321"
    assert masking.mask_address(REGISTERED) == "四川省犍为县玉津镇解放路****"


@pytest.mark.parametrize("role", ROLES_WITHOUT_NEED, ids=str)
def test_a_background_export_masks_as_the_inline_one(role, station, world, settings, tmp_path):
    """A long list is exported by a background job and downloaded later (exchange.ExportRecord):
    the file is masked for the role that asked, as the short list's inline file."""
    from huey.contrib.djhuey import HUEY

    from fengqiao.exchange.choices import KIND_ALIASES
    from fengqiao.exchange.models import ExportRecord

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_INLINE_ROWS = 0  # every list goes to the background job
    user = UserFactory(username=f"b-{role}", role=role, station=station)
    world["community"].officers.add(user)
    client = _client(user)
    leaks, files = [], 0
    immediate, HUEY.immediate = HUEY.immediate, True
    try:
        with time_machine.travel(NOW, tick=False):
            for kind in sorted(set(KIND_ALIASES.values())):
                response = client.get(reverse("exchange:export", kwargs={"kind": kind}))
                if response.status_code != 302:
                    continue  # refused to this role, or nothing to export
                record = ExportRecord.objects.filter(user=user).order_by("-pk").first()
                download = client.get(reverse("exchange:export_download", args=[record.pk]))
                if download.status_code != 200:
                    continue
                files += 1
                text = _text(download)
                leaks += [(label, kind) for label, s in SECRETS.items() if s in text]
    finally:
        HUEY.immediate = immediate
    assert not leaks, f"{role} sees in a background export: {leaks[:20]}"
    if role in (Role.AUDITOR, Role.AUXILIARY):
        assert files, f"{role} downloaded no background export: the test checked nothing"
