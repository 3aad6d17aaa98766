"""The registry REST API: scoping matrix (alice / bob / charlie), token auth, masking, reveal, history, bad input."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from fengqiao.accounts.choices import Role
from fengqiao.accounts.services import token_issue
from fengqiao.core import masking
from fengqiao.core.models import ObjectChange, PersonalDataAccess
from fengqiao.registry.models import (
    Address,
    Community,
    House,
    LiaisonPoint,
    Organisation,
    Person,
    PersonLabel,
)
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    HouseFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

BASE = "/api/registry"
KINDS = ["communities", "liaison-points", "addresses", "houses", "persons", "organisations"]
MODELS = {
    "communities": Community,
    "liaison-points": LiaisonPoint,
    "addresses": Address,
    "houses": House,
    "persons": Person,
    "organisations": Organisation,
}


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(actor=user)[1]}")
    return client


@pytest.fixture
def alice_api(alice):
    return api(alice)


@pytest.fixture
def bob_api(bob):
    return api(bob)


@pytest.fixture
def charlie_api(charlie):
    return api(charlie)


def make(kind, community):
    """One record of `kind` in `community` (for communities: the community itself)."""
    if kind == "communities":
        return community
    if kind == "liaison-points":
        return LiaisonPoint.objects.create(
            station=community.station,
            community=community,
            name="联络点",
            contact_name="王大爷",
            contact_phone="13900000001",
        )
    if kind == "addresses":
        return AddressFactory(community=community)
    if kind == "houses":
        return HouseFactory(address=AddressFactory(community=community))
    if kind == "persons":
        return PersonFactory(community=community)
    return OrganisationFactory(address=AddressFactory(community=community))


def make_deletable(kind, community):
    """A record nothing refers to (a fresh empty community for communities)."""
    if kind == "communities":
        return CommunityFactory(station=community.station, name="待删社区")
    return make(kind, community)


def create_payload(kind, community):
    if kind == "communities":
        return {"name": "新建社区", "kind": "community", "town": "玉津镇"}
    if kind == "liaison-points":
        return {
            "community": community.pk,
            "name": "新联络点",
            "contact_name": "李婶",
            "contact_phone": "13900000002",
        }
    if kind == "addresses":
        return {"community": community.pk, "town": "玉津镇", "road": "南街", "doorplate": "88"}
    if kind == "houses":
        return {
            "community": community.pk,
            "address": AddressFactory(community=community).pk,
            "use": "rented",
        }
    if kind == "persons":
        return {
            "community": community.pk,
            "name": "周八",
            "id_number": make_id_number(401, birth=dt.date(1990, 5, 6)),
            "phone": "13912345678",
            "category": "registered",
        }
    return {
        "community": community.pk,
        "name": "新建商贸有限公司",
        "category": "enterprise",
        "address": AddressFactory(community=community).pk,
    }


PATCH = {
    "communities": ("note", "已核对"),
    "liaison-points": ("location", "村口小卖部"),
    "addresses": ("code", "5111230001"),
    "houses": ("note", "已核对"),
    "persons": ("note", "已核对"),
    "organisations": ("note", "已核对"),
}


# ----------------------------------------------------------------------------- scoping matrix: read


@pytest.mark.parametrize("kind", KINDS)
def test_leader_lists_records_of_every_community_of_her_station(
    kind, alice_api, community_a, community_b
):
    a, b = make(kind, community_a), make(kind, community_b)
    ids = {row["id"] for row in alice_api.get(f"{BASE}/{kind}/").json()["results"]}
    assert {a.pk, b.pk} <= ids


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_lists_records_of_his_whole_station(
    kind, bob_api, community_a, community_b
):
    a, b = make(kind, community_a), make(kind, community_b)
    ids = {row["id"] for row in bob_api.get(f"{BASE}/{kind}/").json()["results"]}
    assert {a.pk, b.pk} <= ids


@pytest.mark.parametrize("kind", KINDS)
def test_other_station_officer_lists_none_of_our_records(
    kind, charlie_api, community_a, community_b
):
    a, b = make(kind, community_a), make(kind, community_b)
    response = charlie_api.get(f"{BASE}/{kind}/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert not {a.pk, b.pk} & ids


@pytest.mark.parametrize("kind", KINDS)
def test_leader_and_officer_retrieve_a_record_of_their_station(
    kind, alice_api, bob_api, community_b
):
    obj = make(kind, community_b)
    assert alice_api.get(f"{BASE}/{kind}/{obj.pk}/").json()["id"] == obj.pk
    assert bob_api.get(f"{BASE}/{kind}/{obj.pk}/").json()["id"] == obj.pk


@pytest.mark.parametrize("kind", KINDS)
def test_other_station_officer_gets_404_for_our_record(kind, charlie_api, community_a):
    obj = make(kind, community_a)
    assert charlie_api.get(f"{BASE}/{kind}/{obj.pk}/").status_code == 404
    assert charlie_api.get(f"{BASE}/{kind}/{obj.pk}/history/").status_code == 404


# ----------------------------------------------------------------------------- scoping matrix: create


@pytest.mark.parametrize("kind", KINDS)
def test_leader_creates_a_record_in_any_community(kind, alice_api, community_b):
    before = MODELS[kind].objects.count()
    response = alice_api.post(f"{BASE}/{kind}/", create_payload(kind, community_b), format="json")
    assert response.status_code == 201, response.json()
    assert MODELS[kind].objects.count() == before + 1
    assert MODELS[kind].objects.get(pk=response.json()["id"]).station_id == community_b.station_id


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "communities"])
def test_community_officer_creates_a_record_in_his_community(kind, bob_api, community_a):
    response = bob_api.post(f"{BASE}/{kind}/", create_payload(kind, community_a), format="json")
    assert response.status_code == 201, response.json()
    assert MODELS[kind].objects.get(pk=response.json()["id"]).community_id == community_a.pk


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "communities"])
def test_community_officer_may_not_create_in_another_community(kind, bob_api, community_b):
    payload = create_payload(kind, community_b)
    before = MODELS[kind].objects.count()
    response = bob_api.post(f"{BASE}/{kind}/", payload, format="json")
    assert response.status_code == 403
    assert "东街社区" in response.json()["detail"]
    assert MODELS[kind].objects.count() == before


def test_community_officer_may_not_create_a_community(bob_api):
    response = bob_api.post(
        f"{BASE}/communities/", create_payload("communities", None), format="json"
    )
    assert response.status_code == 403
    assert not Community.objects.filter(name="新建社区").exists()


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "communities"])
def test_other_station_officer_may_not_create_in_our_community(kind, charlie_api, community_a):
    payload = create_payload(kind, community_a)
    before = MODELS[kind].objects.count()
    response = charlie_api.post(f"{BASE}/{kind}/", payload, format="json")
    assert response.status_code == 400
    assert "community" in response.json()
    assert MODELS[kind].objects.count() == before


def test_other_station_leader_creates_communities_only_in_her_own_station(charlie, other_station):
    leader = UserFactory(username="dora", role=Role.STATION_LEADER, station=other_station)
    response = api(leader).post(f"{BASE}/communities/", {"name": "新建社区"}, format="json")
    assert response.status_code == 201
    assert Community.objects.get(pk=response.json()["id"]).station == other_station


# ----------------------------------------------------------------------------- scoping matrix: update


@pytest.mark.parametrize("kind", KINDS)
def test_leader_updates_a_record_of_any_community(kind, alice_api, community_b):
    obj = make(kind, community_b)
    field, value = PATCH[kind]
    response = alice_api.patch(f"{BASE}/{kind}/{obj.pk}/", {field: value}, format="json")
    assert response.status_code == 200, response.json()
    obj.refresh_from_db()
    assert getattr(obj, field) == value


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_updates_a_record_of_his_community(kind, bob_api, community_a):
    obj = make(kind, community_a)
    field, value = PATCH[kind]
    response = bob_api.patch(f"{BASE}/{kind}/{obj.pk}/", {field: value}, format="json")
    assert response.status_code == 200, response.json()
    obj.refresh_from_db()
    assert getattr(obj, field) == value


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_may_not_update_another_communitys_record(kind, bob_api, community_b):
    obj = make(kind, community_b)
    field, value = PATCH[kind]
    response = bob_api.patch(f"{BASE}/{kind}/{obj.pk}/", {field: value}, format="json")
    assert response.status_code == 403
    obj.refresh_from_db()
    assert getattr(obj, field) != value


@pytest.mark.parametrize("kind", KINDS)
def test_other_station_officer_gets_404_updating_our_record(kind, charlie_api, community_a):
    obj = make(kind, community_a)
    field, value = PATCH[kind]
    assert (
        charlie_api.patch(f"{BASE}/{kind}/{obj.pk}/", {field: value}, format="json").status_code
        == 404
    )
    obj.refresh_from_db()
    assert getattr(obj, field) != value


def test_community_officer_may_not_move_a_person_into_another_community(
    bob_api, community_a, community_b
):
    person = PersonFactory(community=community_a)
    response = bob_api.patch(
        f"{BASE}/persons/{person.pk}/", {"community": community_b.pk}, format="json"
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.community == community_a


def test_put_is_not_offered(alice_api, community_a):
    person = PersonFactory(community=community_a)
    assert (
        alice_api.put(f"{BASE}/persons/{person.pk}/", {"note": "x"}, format="json").status_code
        == 405
    )


# ----------------------------------------------------------------------------- scoping matrix: delete


@pytest.mark.parametrize("kind", KINDS)
def test_leader_deletes_an_unreferenced_record(kind, alice_api, community_b):
    obj = make_deletable(kind, community_b)
    assert alice_api.delete(f"{BASE}/{kind}/{obj.pk}/").status_code == 204
    assert not MODELS[kind].objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_may_not_delete_even_in_his_community(kind, bob_api, community_a):
    obj = make_deletable(kind, community_a)
    response = bob_api.delete(f"{BASE}/{kind}/{obj.pk}/")
    assert response.status_code == 403
    assert "所领导" in response.json()["detail"]
    assert MODELS[kind].objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_other_station_officer_gets_404_deleting_our_record(kind, charlie_api, community_a):
    obj = make_deletable(kind, community_a)
    assert charlie_api.delete(f"{BASE}/{kind}/{obj.pk}/").status_code == 404
    assert MODELS[kind].objects.filter(pk=obj.pk).exists()


def test_deleting_a_referenced_record_is_a_409_with_a_chinese_message(alice_api, community_a):
    PersonFactory(community=community_a)
    response = alice_api.delete(f"{BASE}/communities/{community_a.pk}/")
    assert response.status_code == 409
    assert "不能删除" in response.json()["detail"]
    assert "实有人口" in response.json()["detail"]
    assert Community.objects.filter(pk=community_a.pk).exists()


def test_deleting_an_address_with_a_house_is_refused(alice_api, community_a):
    house = HouseFactory(address=AddressFactory(community=community_a))
    response = alice_api.delete(f"{BASE}/addresses/{house.address_id}/")
    assert response.status_code == 409
    assert Address.objects.filter(pk=house.address_id).exists()


# ----------------------------------------------------------------------------- authentication


def test_token_authenticates(bob_api, community_a):
    assert bob_api.get(f"{BASE}/persons/").status_code == 200


def test_bad_token_is_401(community_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert client.get(f"{BASE}/persons/").status_code == 401


def test_no_credentials_is_401():
    assert APIClient().get(f"{BASE}/persons/").status_code == 401


def test_session_authenticates_too(bob_client, community_a):
    PersonFactory(community=community_a)
    assert bob_client.get(f"{BASE}/persons/").json()["count"] == 1


def test_token_write_is_logged_with_the_token_user(bob, bob_api, community_a):
    person = PersonFactory(community=community_a)
    bob_api.patch(f"{BASE}/persons/{person.pk}/", {"note": "走访"}, format="json")
    change = ObjectChange.objects.filter(object_id=person.pk, action="update").get()
    assert change.user == bob
    assert change.user_name == bob.display_name
    assert change.source == "api"


def test_createtoken_for_unknown_user_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="用户不存在"):
        call_command("createtoken", "nobody")


# ----------------------------------------------------------------------------- masking and labels


def test_list_masks_id_number_and_phone(alice_api, community_a):
    person = PersonFactory(community=community_a, phone="13812345678")
    response = alice_api.get(f"{BASE}/persons/")
    row = response.json()["results"][0]
    assert row["id_number"] == masking.mask_id_number(person.id_number)
    assert row["phone"] == "138****5678"
    assert person.id_number not in response.content.decode()
    assert "13812345678" not in response.content.decode()


def test_detail_masks_id_number_phone_and_addresses(alice_api, community_a):
    address = AddressFactory(
        community=community_a, road="西街", doorplate="12", building="3", room="502"
    )
    person = PersonFactory(
        community=community_a,
        phone="13812345678",
        address=address,
        registered_address="四川省乐山市犍为县玉津镇西街12号",
    )
    body = alice_api.get(f"{BASE}/persons/{person.pk}/").content.decode()
    assert person.id_number not in body
    assert "13812345678" not in body
    assert address.full_text not in body
    assert "四川省乐山市犍为县玉津镇西街12号" not in body


def test_house_owner_phone_is_masked(alice_api, community_a):
    house = HouseFactory(address=AddressFactory(community=community_a), owner_phone="13987654321")
    assert alice_api.get(f"{BASE}/houses/{house.pk}/").json()["owner_phone"] == "139****4321"


def test_key_person_labels_are_shown_to_a_community_officer(bob, bob_api, community_a):
    person = PersonFactory(community=community_a)
    PersonLabel.objects.create(person=person, label="重点人员", created_by=bob)
    assert bob_api.get(f"{BASE}/persons/{person.pk}/").json()["labels"][0]["label"] == "重点人员"


def test_key_person_labels_are_hidden_from_a_mediator(bob, station, community_a):
    person = PersonFactory(community=community_a)
    PersonLabel.objects.create(person=person, label="重点人员", created_by=bob)
    mediator = UserFactory(username="mia", role=Role.MEDIATOR, station=station)
    client = api(mediator)
    assert client.get(f"{BASE}/persons/{person.pk}/").json()["labels"] is None
    assert "重点人员" not in client.get(f"{BASE}/persons/").content.decode()


# ----------------------------------------------------------------------------- reveal


def test_reveal_returns_the_full_values_and_writes_an_access_record(bob, bob_api, community_a):
    person = PersonFactory(
        community=community_a, phone="13812345678", registered_address="犍为县玉津镇西街1号"
    )
    response = bob_api.post(
        f"{BASE}/persons/{person.pk}/reveal/", {"purpose": "核查走访"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id_number"] == person.id_number
    assert response.json()["phone"] == "13812345678"
    access = PersonalDataAccess.objects.get()
    assert access.user == bob
    assert access.object_id == person.pk
    assert access.channel == "api"
    assert access.purpose == "核查走访"
    assert set(access.fields) == {
        "id_number",
        "birth_date",
        "phone",
        "address",
        "registered_address",
    }


def test_reveal_is_refused_to_a_mediator_and_writes_nothing(station, community_a):
    person = PersonFactory(community=community_a)
    mediator = UserFactory(username="mia", role=Role.MEDIATOR, station=station)
    response = api(mediator).post(
        f"{BASE}/persons/{person.pk}/reveal/", {"purpose": "调解"}, format="json"
    )
    assert response.status_code == 403
    assert person.id_number not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_reveal_needs_a_purpose(bob_api, community_a):
    person = PersonFactory(community=community_a)
    response = bob_api.post(f"{BASE}/persons/{person.pk}/reveal/", {}, format="json")
    assert response.status_code == 400
    assert "purpose" in response.json()
    assert not PersonalDataAccess.objects.exists()


def test_reveal_of_another_stations_person_is_404(charlie_api, community_a):
    person = PersonFactory(community=community_a)
    response = charlie_api.post(
        f"{BASE}/persons/{person.pk}/reveal/", {"purpose": "查"}, format="json"
    )
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


# ----------------------------------------------------------------------------- history


def test_history_lists_the_changes_of_a_record_newest_first(alice, alice_api, community_a):
    response = alice_api.post(
        f"{BASE}/persons/", create_payload("persons", community_a), format="json"
    )
    pk = response.json()["id"]
    alice_api.patch(f"{BASE}/persons/{pk}/", {"phone": "13700001111"}, format="json")
    rows = alice_api.get(f"{BASE}/persons/{pk}/history/").json()["results"]
    assert [row["action"] for row in rows] == ["update", "create"]
    assert rows[0]["user_name"] == alice.display_name
    phone_change = next(c for c in rows[0]["changes"] if c["label"] == "手机号")
    assert phone_change == {"label": "手机号", "before": "139****5678", "after": "137****1111"}


def test_history_of_a_house(alice_api, community_a):
    house = HouseFactory(address=AddressFactory(community=community_a))
    alice_api.patch(f"{BASE}/houses/{house.pk}/", {"use": "rented"}, format="json")
    rows = alice_api.get(f"{BASE}/houses/{house.pk}/history/").json()["results"]
    assert rows[0]["action"] == "update"
    assert {"label": "用途", "before": "自住", "after": "出租"} in rows[0]["changes"]


# ----------------------------------------------------------------------------- bad input


def _create_person(client, community, **overrides):
    payload = create_payload("persons", community)
    payload.update(overrides)
    return client.post(f"{BASE}/persons/", payload, format="json")


def test_bad_id_check_digit_is_a_400_on_id_number(bob_api, community_a):
    good = make_id_number(402)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = _create_person(bob_api, community_a, id_number=bad)
    assert response.status_code == 400
    assert "校验位" in response.json()["id_number"][0]
    assert not Person.objects.exists()


def test_birth_date_inconsistent_with_id_is_a_400_on_birth_date(bob_api, community_a):
    response = _create_person(bob_api, community_a, birth_date="1991-01-01")
    assert response.status_code == 400
    assert "不一致" in response.json()["birth_date"][0]
    assert not Person.objects.exists()


def test_sex_inconsistent_with_id_is_a_400_on_sex(bob_api, community_a):
    response = _create_person(bob_api, community_a, sex="F")
    assert response.status_code == 400
    assert "性别" in response.json()["sex"][0]


def test_bad_phone_is_a_400_on_phone(bob_api, community_a):
    response = _create_person(bob_api, community_a, phone="12345")
    assert response.status_code == 400
    assert "电话号码格式不正确" in response.json()["phone"][0]
    assert not Person.objects.exists()


def test_duplicate_id_number_is_a_400_naming_the_existing_person(bob_api, community_a):
    existing = PersonFactory(community=community_a)
    response = _create_person(bob_api, community_a, id_number=existing.id_number)
    assert response.status_code == 400
    assert "已登记" in response.json()["id_number"][0]
    assert Person.objects.count() == 1


def test_unknown_field_is_rejected_and_nothing_written(bob_api, community_a):
    response = _create_person(bob_api, community_a, shoe_size=42)
    assert response.status_code == 400
    assert response.json()["shoe_size"] == ["未知字段"]
    assert not Person.objects.exists()


def test_read_only_field_is_rejected(bob_api, community_a, other_station):
    person = PersonFactory(community=community_a)
    response = bob_api.patch(
        f"{BASE}/persons/{person.pk}/", {"station": other_station.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["station"] == ["只读字段,不能修改"]
    person.refresh_from_db()
    assert person.station_id == community_a.station_id


def test_bad_update_changes_nothing(bob_api, community_a):
    person = PersonFactory(community=community_a, phone="13812345678")
    response = bob_api.patch(
        f"{BASE}/persons/{person.pk}/", {"phone": "abc", "note": "x"}, format="json"
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert (person.phone, person.note) == ("13812345678", "")
    assert not ObjectChange.objects.filter(object_id=person.pk, action="update").exists()


def test_missing_required_fields_are_listed_in_chinese(bob_api):
    response = bob_api.post(f"{BASE}/persons/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert {"community", "name", "id_number"} <= set(body)
    assert "必填" in body["name"][0]


def test_linking_another_stations_address_is_refused(bob_api, community_a, other_station):
    foreign = AddressFactory(community=CommunityFactory(station=other_station))
    response = _create_person(bob_api, community_a, address=foreign.pk)
    assert response.status_code == 400
    assert "无权查看" in response.json()["address"][0]


# ----------------------------------------------------------------------------- paging, filters, search, ordering


def test_paging_reports_count_and_next(alice_api, community_a):
    PersonFactory.create_batch(5, community=community_a)
    body = alice_api.get(f"{BASE}/persons/?page_size=2").json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    last = alice_api.get(f"{BASE}/persons/?page_size=2&page=3").json()
    assert len(last["results"]) == 1
    assert last["next"] is None


def test_filter_by_community(alice_api, community_a, community_b):
    a = PersonFactory(community=community_a)
    PersonFactory(community=community_b)
    rows = alice_api.get(f"{BASE}/persons/?community={community_a.pk}").json()["results"]
    assert [r["id"] for r in rows] == [a.pk]


def test_filter_by_another_stations_community_is_a_400(charlie_api, community_a):
    PersonFactory(community=community_a)
    assert charlie_api.get(f"{BASE}/persons/?community={community_a.pk}").status_code == 400


def test_filter_by_category(alice_api, community_a):
    PersonFactory(community=community_a)
    floating = PersonFactory(
        community=community_a,
        category="floating",
        inflow_date=dt.date(2025, 3, 1),
        inflow_reason="work",
    )
    rows = alice_api.get(f"{BASE}/persons/?category=floating").json()["results"]
    assert [r["id"] for r in rows] == [floating.pk]


@pytest.fixture
def zhang_and_li(community_a):
    zhang = PersonFactory(community=community_a, name="张三丰", phone="13811112222")
    li = PersonFactory(community=community_a, name="李四光", phone="13933334444")
    return zhang, li


@pytest.mark.parametrize(
    "query",
    [
        lambda z: "张三",  # name prefix
        lambda z: "zsf",  # pinyin initials
        lambda z: z.id_number,  # full ID number
        lambda z: "13811112222",  # full phone
        lambda z: z.id_number[-6:],  # 尾号
    ],
    ids=["name", "pinyin", "id_number", "phone", "id_tail"],
)
def test_search_finds_a_person(query, alice_api, zhang_and_li):
    zhang, _li = zhang_and_li
    rows = alice_api.get(f"{BASE}/persons/", {"q": query(zhang)}).json()["results"]
    assert [r["id"] for r in rows] == [zhang.pk]


def test_search_of_organisations_by_pinyin(alice_api, community_a):
    org = OrganisationFactory(address=AddressFactory(community=community_a), name="百草苑物业")
    OrganisationFactory(address=AddressFactory(community=community_a), name="江湾壹号超市")
    rows = alice_api.get(f"{BASE}/organisations/?q=bcy").json()["results"]
    assert [r["id"] for r in rows] == [org.pk]


def test_ordering_by_name_descending(alice_api, zhang_and_li):
    zhang, li = zhang_and_li
    rows = alice_api.get(f"{BASE}/persons/?ordering=-name").json()["results"]
    assert [r["name"] for r in rows] == sorted([zhang.name, li.name], reverse=True)


def test_house_reveal_returns_the_owner_phone_and_writes_an_access_record(
    bob, bob_api, community_a
):
    house = HouseFactory(
        address=AddressFactory(community=community_a),
        owner_name="王房东",
        owner_phone="13987654321",
    )
    response = bob_api.post(
        f"{BASE}/houses/{house.pk}/reveal/", {"purpose": "出租屋核查"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["owner_phone"] == "13987654321"
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.object_id, access.fields, access.channel) == (
        bob,
        house.pk,
        ["owner_phone"],
        "api",
    )


def test_mediator_of_another_station_gets_404_not_403_on_reveal(other_station, community_a):
    person = PersonFactory(community=community_a)
    mediator = UserFactory(username="max", role=Role.MEDIATOR, station=other_station)
    response = api(mediator).post(
        f"{BASE}/persons/{person.pk}/reveal/", {"purpose": "查"}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "kind", ["persons", "houses", "organisations", "liaison-points", "addresses", "communities"]
)
def test_list_query_count_does_not_grow_with_the_page(
    kind, alice, community_a, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            if kind == "communities":
                CommunityFactory(station=community_a.station)
            else:
                make(kind, community_a)

    add(3)
    client = api(alice)
    with django_assert_max_num_queries(12) as few:
        client.get(f"{BASE}/{kind}/")
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"{BASE}/{kind}/")


def test_a_leaders_grant_lets_the_officer_edit_another_community(alice, bob, bob_api, community_b):
    from fengqiao.registry.services import community_grant

    person = PersonFactory(community=community_b)
    community_grant(actor=alice, user=bob, community=community_b, reason="片区调整")
    response = bob_api.patch(f"{BASE}/persons/{person.pk}/", {"note": "代管"}, format="json")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.note == "代管"


def test_bureau_user_reads_every_station_but_writes_none(station, other_station, community_a):
    from tests.factories import BureauFactory

    bureau_user = UserFactory(username="bu", role=Role.BUREAU, station=station)
    bureau_user.bureau = BureauFactory()
    bureau_user.save()
    ours = PersonFactory(community=community_a)
    theirs = PersonFactory(community=CommunityFactory(station=other_station))
    client = api(bureau_user)
    ids = {row["id"] for row in client.get(f"{BASE}/persons/").json()["results"]}
    assert {ours.pk, theirs.pk} <= ids
    assert (
        client.patch(f"{BASE}/persons/{ours.pk}/", {"note": "x"}, format="json").status_code == 403
    )
