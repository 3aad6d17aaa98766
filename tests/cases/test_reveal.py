"""A party's whole name, ID number and phone: masked by default, shown only to the roles allowed
(`services.party_reveal` — the case's own officers, the case room, leaders and the roles of
FULL_PERSONAL_DATA_ROLES who see the case), each view recorded with its purpose; page (HTMX row and
full-page fallback) and API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.accounts.choices import Role
from fengqiao.cases import services as s
from fengqiao.cases.models import CaseParty
from fengqiao.core.models import PersonalDataAccess
from tests.factories import UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db

NAME, ID_NUMBER, PHONE = "王小五", "511123199001011234", "13912345678"
MASKED = ("王**", "5****************4", "139****5678")


@pytest.fixture
def case(travel, open_case):
    travel(at(2026, 3, 2, 10, 0))
    return open_case()


@pytest.fixture
def party(case, officer):
    s.party_add(
        actor=officer, case=case, role="suspect", name=NAME, id_number=ID_NUMBER, phone=PHONE
    )
    return CaseParty.objects.get(case=case, name=NAME)


@pytest.fixture
def mediator(station):
    return UserFactory(username="tiao", full_name="调解员甲", role=Role.MEDIATOR, station=station)


def _whole(text):
    return NAME in text and ID_NUMBER in text and PHONE in text


def _none_whole(text):
    return NAME not in text and ID_NUMBER not in text and PHONE not in text


def url(case, party):
    return reverse("cases:party_reveal", args=[case.pk, party.pk])


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- service


@pytest.mark.parametrize(
    "who", ["officer", "officer2", "manager", "alice", "bob", "bureau_user", "rules_admin"]
)
def test_allowed_roles_reveal_and_the_view_is_recorded_with_its_purpose(request, party, case, who):
    user = request.getfixturevalue(who)
    assert s.can_reveal_party(user, case)
    revealed = s.party_reveal(actor=user, party=party, purpose="  讯问前核实身份 ")
    assert (revealed.name, revealed.id_number, revealed.phone) == (NAME, ID_NUMBER, PHONE)
    access = PersonalDataAccess.objects.get()
    assert access.user == user and access.user_name == user.display_name
    assert access.purpose == "讯问前核实身份" and access.channel == "web"
    assert access.fields == ["name", "id_number", "phone"]
    assert access.station_id == case.station_id
    assert access.content_type.model_class() is CaseParty and access.object_id == party.pk
    assert case.reference in access.object_repr and NAME not in access.object_repr


def test_the_case_own_officer_reveals_whatever_their_role(
    travel, open_case, station, officer, officer2
):
    travel(at(2026, 3, 2, 10, 0))
    inspector = UserFactory(username="du", full_name="督察甲", role=Role.INSPECTOR, station=station)
    case = open_case(lead_officer=officer, second_officer=inspector)
    party = s.party_add(actor=officer, case=case, role="victim", name=NAME, phone=PHONE)
    other = open_case(title="另一案")  # handled by officer and officer2, not by the inspector
    other_party = s.party_add(actor=officer, case=other, role="victim", name="赵六")
    s.party_reveal(actor=inspector, party=party, purpose="回访被害人")
    with pytest.raises(PermissionDenied):
        s.party_reveal(actor=inspector, party=other_party, purpose="回访被害人")
    assert PersonalDataAccess.objects.filter(user=inspector).count() == 1
    # the access log records only the fields that have a value
    assert PersonalDataAccess.objects.get().fields == ["name", "phone"]


@pytest.mark.parametrize("who", ["auxiliary", "mediator", "charlie"])
def test_other_roles_and_other_stations_are_refused_and_nothing_is_recorded(
    request, party, case, who
):
    user = request.getfixturevalue(who)
    assert not s.can_reveal_party(user, case)
    with pytest.raises(PermissionDenied):
        s.party_reveal(actor=user, party=party, purpose="核实身份")
    with pytest.raises(PermissionDenied):
        s.party_reveal(actor=None, party=party, purpose="核实身份")
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("purpose", ["", "   ", None])
def test_a_reveal_without_purpose_is_refused(party, alice, purpose):
    with pytest.raises(ValidationError) as exc:
        s.party_reveal(actor=alice, party=party, purpose=purpose)
    assert "请填写查看事由" in exc.value.messages
    assert not PersonalDataAccess.objects.exists()


def test_a_purpose_over_200_characters_is_refused_not_cut(party, alice):
    with pytest.raises(ValidationError) as exc:
        s.party_reveal(actor=alice, party=party, purpose="事" * 201)
    assert "不能超过200个字" in exc.value.messages[0]
    assert not PersonalDataAccess.objects.exists()
    s.party_reveal(actor=alice, party=party, purpose="事" * 200)
    assert PersonalDataAccess.objects.get().purpose == "事" * 200


# ---------------------------------------------------------------- pages


def test_the_detail_page_masks_by_default_and_offers_the_button_to_allowed_users(
    party, case, client, login, alice, auxiliary
):
    login(client, alice)
    page = client.get(case.get_absolute_url()).content.decode()
    assert _none_whole(page) and all(m in page for m in MASKED)
    assert "查看完整信息" in page and url(case, party) in page and 'name="purpose"' in page
    client.logout()
    login(client, auxiliary)
    page = client.get(case.get_absolute_url()).content.decode()
    assert _none_whole(page) and MASKED[0] in page
    assert "查看完整信息" not in page and url(case, party) not in page
    assert not PersonalDataAccess.objects.exists()


def test_htmx_reveal_swaps_only_the_party_row_and_records_the_request(
    party, case, client, login, manager, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the request id comes from the station's proxy
    login(client, manager)
    response = client.post(
        url(case, party),
        {"purpose": "移送审查核对身份"},
        HTTP_HX_REQUEST="true",
        HTTP_X_REQUEST_ID="req-reveal-1",
    )
    body = response.content.decode()
    assert response.status_code == 200 and _whole(body)
    assert body.lstrip().startswith(f'<tr id="party-{party.pk}"') and "<html" not in body
    assert "本次查看已记录" in body
    assert "no-store" in response["Cache-Control"]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.purpose, access.channel, access.request_id) == (
        manager,
        "移送审查核对身份",
        "web",
        "req-reveal-1",
    )
    # the page itself stays masked afterwards
    assert _none_whole(client.get(case.get_absolute_url()).content.decode())


def test_without_htmx_the_full_page_comes_back_with_only_that_row_whole(
    party, case, client, login, officer
):
    s.party_add(
        actor=officer, case=case, role="witness", name="钱七", id_number="511123198805051111"
    )
    login(client, officer)
    response = client.post(url(case, party), {"purpose": "制作讯问笔录"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page and _whole(page)
    assert "钱七" not in page and "511123198805051111" not in page and "钱*" in page
    assert PersonalDataAccess.objects.get().user == officer


@pytest.mark.parametrize("hx", [False, True])
def test_the_page_refuses_an_empty_purpose_and_records_nothing(
    party, case, client, login, alice, hx
):
    login(client, alice)
    headers = {"HTTP_HX_REQUEST": "true"} if hx else {}
    response = client.post(url(case, party), {"purpose": "  "}, **headers)
    body = response.content.decode()
    assert "请填写查看事由" in body and _none_whole(body)
    assert response.status_code == (200 if hx else 400)
    if hx:  # the row, still masked, with the reason (htmx swaps only 2xx answers)
        assert body.lstrip().startswith(f'<tr id="party-{party.pk}"') and MASKED[0] in body
    assert not PersonalDataAccess.objects.exists()


def test_the_page_refuses_other_roles_and_other_stations(
    party, case, client, login, auxiliary, charlie
):
    login(client, auxiliary)
    response = client.post(url(case, party), {"purpose": "看看"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and _none_whole(response.content.decode())
    assert "无权" in response.content.decode()
    client.logout()
    login(client, charlie)
    response = client.post(url(case, party), {"purpose": "看看"})
    assert response.status_code == 404 and _none_whole(response.content.decode())
    assert not PersonalDataAccess.objects.exists()


def test_the_page_needs_post_csrf_login_and_a_party_of_that_case(
    travel, party, case, open_case, client, login, alice
):
    assert client.post(url(case, party), {"purpose": "x"}).status_code == 302  # to the login page
    login(client, alice)
    assert client.get(url(case, party)).status_code == 405
    other = open_case(title="另一案")
    wrong = reverse("cases:party_reveal", args=[other.pk, party.pk])
    assert client.post(wrong, {"purpose": "x"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    login(strict, alice)
    assert strict.post(url(case, party), {"purpose": "x"}).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_english_reveal_strings(party, case, client, login, alice):
    login(client, alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(case.get_absolute_url()).content.decode()
    assert "View full details" in page
    response = client.post(url(case, party), {"purpose": ""})
    assert response.status_code == 400 and "Please state why" in response.content.decode()


# ---------------------------------------------------------------- API


def test_api_parties_stay_masked_and_reveal_returns_them_whole(party, case, bob):
    client = api(bob)
    [listed] = client.get(f"/api/cases/{case.pk}/").json()["parties"]
    assert (listed["name"], listed["id_number"], listed["phone"]) == MASKED
    response = client.post(
        f"/api/cases/{case.pk}/parties/{party.pk}/reveal/", {"purpose": "走访核实"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["id_number"], body["phone"]) == (NAME, ID_NUMBER, PHONE)
    assert body["id"] == party.pk and body["case"] == case.pk
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.purpose, access.channel) == (bob, "走访核实", "api")
    assert access.object_id == party.pk and access.request_id
    [listed] = client.get(f"/api/cases/{case.pk}/").json()["parties"]
    assert listed["name"] == MASKED[0]


def test_api_reveal_refusals_record_nothing(
    travel, party, case, open_case, alice, auxiliary, charlie
):
    path = f"/api/cases/{case.pk}/parties/{party.pk}/reveal/"
    response = api(auxiliary).post(path, {"purpose": "看看"}, format="json")
    assert response.status_code == 403 and "无权" in str(response.json())
    assert api(charlie).post(path, {"purpose": "看看"}, format="json").status_code == 404
    response = api(alice).post(path, {"purpose": " "}, format="json")
    assert response.status_code == 400 and response.json() == {"purpose": ["请填写查看事由"]}
    response = api(alice).post(path, {}, format="json")
    assert response.status_code == 400 and "请填写查看事由" in str(response.json())
    response = api(alice).post(path, {"purpose": "x", "fields": ["name"]}, format="json")
    assert response.status_code == 400 and "fields" in response.json()
    other = open_case(title="另一案")
    response = api(alice).post(
        f"/api/cases/{other.pk}/parties/{party.pk}/reveal/", {"purpose": "x"}, format="json"
    )
    assert response.status_code == 404
    assert api(alice).get(path).status_code == 405
    assert not PersonalDataAccess.objects.exists()


def test_api_reveal_is_in_the_openapi_schema(alice_client):
    schema = alice_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    op = schema["paths"]["/api/cases/{id}/parties/{party_pk}/reveal/"]["post"]
    assert op["summary"] == "查看当事人完整信息" and "查看记录" in op["description"]
    assert op["tags"] == ["案件"] and {"200", "400", "403", "404"} <= set(op["responses"])
