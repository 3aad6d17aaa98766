"""The masking policy (core/masking.py) and the leaks of issue 19 it closes, each performed here:
the ID mask that hid only the birth date, the birth date beside it, suffix searches that recovered
hidden digits one query at a time, full door addresses in the address and house API, the phone →
person lookup naming people to every role, the dispute form pre-filled with the raw ID number and
phone, and reveals recorded without a purpose."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.accounts.choices import Role
from fengqiao.core import masking
from fengqiao.core.models import PersonalDataAccess
from fengqiao.registry import rules
from fengqiao.registry.models import Address, House, Person
from tests.factories import PASSWORD, PersonFactory, UserFactory, make_id_number

BIRTH = dt.date(1985, 7, 23)
ID_NUMBER = make_id_number(7, birth=BIRTH)
PHONE = "13987654321"


# ----------------------------------------------------------------------------- the masks (no database)


def test_the_id_mask_keeps_the_first_and_last_character_only():
    assert masking.mask_id_number("511123198507230018") == "5****************8"
    assert "19850723" not in masking.mask_id_number(ID_NUMBER)
    assert masking.mask_id_number("E1234567") == "E******7"  # a passport keeps its length, no more
    assert masking.mask_id_number("") == ""


def test_the_birth_date_is_shown_as_its_year():
    assert masking.mask_birth_date(BIRTH) == "1985"
    assert masking.mask_birth_date("1985-07-23") == "1985"
    assert masking.mask_birth_date(None) == ""


def test_what_a_list_shows_leaves_thousands_of_id_numbers_possible():
    """Region (guessable), sex (shown), birth year (shown), first and last character (shown): the
    month, day and sequence stay hidden. Count the valid numbers that fit what is shown."""
    facts = rules.parse_id_number(ID_NUMBER)
    shown_id, year = masking.mask_id_number(ID_NUMBER), masking.mask_birth_date(BIRTH)
    candidates = 0
    day = dt.date(int(year), 1, 1)
    while day.year == int(year):
        for order in range(1 if facts.sex == "M" else 0, 1000, 2):
            first17 = f"{facts.region}{day:%Y%m%d}{order:03d}"
            number = first17 + rules.id_check_char(first17)
            candidates += masking.mask_id_number(number) == shown_id
        day += dt.timedelta(days=1)
    assert candidates > 10_000


def test_the_old_mask_with_the_birth_date_beside_it_gave_the_number_away():
    """Why the policy changed: 511123********1161 plus the birth date left one candidate or so."""
    old_mask = ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:]
    rebuilt = ID_NUMBER[:6] + BIRTH.strftime("%Y%m%d") + old_mask[-4:]
    assert rebuilt == ID_NUMBER


def test_a_phone_keeps_three_and_four_digits():
    assert masking.mask_phone(PHONE) == "139****4321"
    assert masking.mask_phone("0833-5123456") == "0833***3456"
    assert masking.mask_phone("010-61234567") == "010****4567"
    assert masking.mask_phone("12345") == "*****"


def test_an_address_stops_at_the_road():
    assert (
        masking.mask_address("玉津镇西街社区解放路1357号3栋2单元2468室")
        == "玉津镇西街社区解放路****"
    )
    assert masking.mask_address("四川省犍为县玉津镇解放路十二号") == "四川省犍为县玉津镇解放路****"
    assert masking.mask_address("玉津镇西街社区") == "玉津镇西街社区"


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_role_has_a_place_in_the_policy_table(role):
    user = UserFactory.build(role=role)
    user.is_superuser = False
    for kind in masking.Kind:
        assert masking.has_need(user, kind) in (True, False)


def test_a_reveal_needs_a_purpose():
    with pytest.raises(ValidationError, match="请填写查看事由"):
        masking.clean_purpose("   ")
    with pytest.raises(ValidationError, match="不能超过"):
        masking.clean_purpose("x" * 201)
    assert masking.clean_purpose(" 核实身份 ") == "核实身份"


# ----------------------------------------------------------------------------- with the database


@pytest.fixture
def person(community_a):
    address = Address.objects.create(
        station=community_a.station, community=community_a, town="玉津镇", road="解放路", doorplate="1357",
        room="2468",
    )  # fmt: skip
    house = House.objects.create(
        station=community_a.station, community=community_a, address=address, owner_phone=PHONE
    )
    return PersonFactory(
        community=community_a,
        name="周芳",
        id_number=ID_NUMBER,
        phone=PHONE,
        address=address,
        house=house,
    )


@pytest.fixture
def mediator(station, community_a):
    user = UserFactory(username="tiao", role=Role.MEDIATOR, station=station)
    community_a.officers.add(user)
    return user


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _found(client, query) -> bool:
    response = client.get("/api/registry/persons/", {"q": query})
    assert response.status_code == 200
    return response.json()["count"] > 0


@pytest.mark.django_db
def test_digit_searches_never_confirm_a_hidden_digit_for_a_role_without_the_need(person, mediator):
    """The attack: 139****4321 is shown; query 5-digit tails 04321..94321 and so on to the front, one
    digit at a time, and read the hidden middle off the queries that find the person."""
    client = _api(mediator)
    assert _found(client, PHONE) and _found(client, PHONE[-4:]) and _found(client, ID_NUMBER)
    recovered = ""
    for _position in range(4):
        for digit in "0123456789":
            tail = digit + recovered + PHONE[-4:]
            if _found(client, tail):
                recovered = digit + recovered
                break
        else:
            break
    assert recovered == ""
    for probe in (ID_NUMBER[-4:], ID_NUMBER[:3], PHONE[:5], ID_NUMBER[-8:]):
        assert not _found(client, probe), probe


@pytest.mark.django_db
def test_the_duty_desk_still_finds_by_tail(person, alice):
    client = _api(alice)
    assert _found(client, PHONE[-5:]) and _found(client, ID_NUMBER[-4:])


@pytest.mark.django_db
def test_no_sequence_of_birth_year_filters_or_orderings_finds_the_day(person, mediator):
    client = _api(mediator)
    assert (
        client.get("/api/registry/persons/", {"born_from": 1985, "born_to": 1985}).json()["count"]
        == 1
    )
    # the old day-level filter is gone: a day range filters nothing
    assert client.get("/api/registry/persons/", {"born_after": "1985-07-24"}).json()["count"] == 1
    data = client.get(f"/api/registry/persons/{person.pk}/").json()
    assert data["birth_date"] == "1985" and data["id_number"] == masking.mask_id_number(ID_NUMBER)


@pytest.mark.django_db
def test_the_address_and_house_api_hide_the_door_from_a_role_without_the_need(
    person, mediator, bob
):
    client = _api(mediator)
    for url in (f"/api/registry/addresses/{person.address_id}/", f"/api/registry/houses/{person.house_id}/",
                "/api/registry/addresses/", "/api/registry/houses/"):  # fmt: skip
        text = client.get(url).content.decode()
        assert "1357" not in text and "2468" not in text, url
    data = client.get(f"/api/registry/addresses/{person.address_id}/").json()
    assert data["full_text"].endswith("解放路****") and data["doorplate"] == "****"
    # and the door fragment finds nothing, so a search cannot confirm it either
    assert client.get("/api/registry/addresses/", {"q": "1357号"}).json()["count"] == 0
    # the community officer, whose work is finding doors, sees the registry of places whole
    assert (
        "1357号"
        in _api(bob).get(f"/api/registry/addresses/{person.address_id}/").json()["full_text"]
    )


@pytest.mark.django_db
def test_the_phone_lookup_names_a_person_only_to_roles_with_the_need(
    client, person, mediator, alice
):
    url = reverse("incidents:lookup_phone") + f"?caller_phone={PHONE}"
    client.login(username=mediator.username, password=PASSWORD)
    assert person.name not in client.get(url).content.decode()
    client.login(username=alice.username, password=PASSWORD)
    assert person.name in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_web_reveal_without_a_purpose_is_refused_and_records_nothing(client, person, alice):
    client.login(username=alice.username, password=PASSWORD)
    url = reverse("registry:person_reveal", args=[person.pk])
    response = client.post(url, {"purpose": "  "}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "请填写查看事由" in text and ID_NUMBER not in text
    assert not PersonalDataAccess.objects.exists()
    response = client.post(url, {"purpose": ""})
    assert response.status_code == 400 and ID_NUMBER not in response.content.decode()
    text = client.post(url, {"purpose": "核实身份"}, HTTP_HX_REQUEST="true").content.decode()
    assert ID_NUMBER in text and "1985-07-23" in text
    assert PersonalDataAccess.objects.get().purpose == "核实身份"


@pytest.mark.django_db
def test_a_caller_phone_reveal_without_a_purpose_is_refused(client, person, alice, community_a):
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    incident = incident_receive(
        actor=alice, station=alice.station, category=IncidentCategory.objects.get(code="JF-LL"),
        caller_name="周芳", caller_phone=PHONE, community=community_a, location="解放路", narrative="吵架",
    )  # fmt: skip
    client.login(username=alice.username, password=PASSWORD)
    url = reverse("incidents:caller_phone_reveal", args=[incident.pk])
    text = client.post(url, {}, HTTP_HX_REQUEST="true").content.decode()
    assert "请填写查看事由" in text and PHONE not in text
    assert not PersonalDataAccess.objects.exists()
    assert PHONE in client.post(url, {"purpose": "回拨"}, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.django_db
def test_the_dispute_form_from_an_incident_shows_the_caller_masked_and_keeps_the_values(
    client, person, alice, community_a
):
    from fengqiao.disputes.models import Dispute, DisputeType
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    incident = incident_receive(
        actor=alice, station=alice.station, category=IncidentCategory.objects.get(code="JF-LL"),
        caller_name="周芳", caller_phone=PHONE, caller_person=person, community=community_a, location="解放路", narrative="吵架",
    )  # fmt: skip
    client.login(username=alice.username, password=PASSWORD)
    url = reverse("disputes:dispute_from_incident", args=[incident.pk])
    text = client.get(url).content.decode()
    assert ID_NUMBER not in text and PHONE not in text  # no reveal was recorded, so nothing whole
    assert masking.mask_phone(PHONE) in text and masking.mask_id_number(ID_NUMBER) in text
    response = client.post(
        url,
        {
            "dispute_type": DisputeType.objects.first().pk, "narrative": "吵架", "community": community_a.pk,
            "party-0-person": person.pk, "party-0-from_incident": "1", "party-0-name": "周芳",
            "party-0-id_number": "", "party-0-phone": "", "party-0-role": "applicant",
        },
    )  # fmt: skip
    assert response.status_code == 302
    party = Dispute.objects.get(source_incident=incident).parties.get()
    assert (party.id_number, party.phone) == (ID_NUMBER, PHONE)


@pytest.mark.django_db
def test_an_edit_form_shows_a_role_without_the_need_nothing_whole_and_keeps_what_it_hides(
    client, person, station, community_a
):
    auxiliary = UserFactory(username="fu", role=Role.AUXILIARY, station=station)
    community_a.officers.add(auxiliary)
    client.login(username=auxiliary.username, password=PASSWORD)
    url = reverse("registry:person_edit", args=[person.pk])
    text = client.get(url).content.decode()
    for secret in (ID_NUMBER, PHONE, "1985-07-23", "1357号"):
        assert secret not in text, secret
    form = {
        "community": community_a.pk, "name": "周芳", "id_type": person.id_type, "id_number": "", "sex": "",
        "birth_date": "", "phone": "", "category": person.category, "nationality": "中国", "ethnicity": "汉族",
        "note": "走访核实",
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(pk=person.pk)
    assert (person.id_number, person.phone, person.birth_date, person.note) == (
        ID_NUMBER,
        PHONE,
        BIRTH,
        "走访核实",
    )
