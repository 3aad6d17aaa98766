"""Registry pages: search, masking, reveal, forms, and the alice/bob/charlie scoping matrix."""

import datetime as dt

import pytest
from django.urls import include, path, reverse

from fengqiao.accounts.choices import Role
from fengqiao.core.models import ObjectChange, PersonalDataAccess
from fengqiao.registry.models import Community, LiaisonPoint, Person, PersonLabel
from tests.factories import (
    AddressFactory,
    HouseFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    make_id_number,
)
from tests.registry import urls_without_exchange

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(community_a, community_b):
    """One record of every kind in community A and in community B."""
    out = {}
    for key, community in (("a", community_a), ("b", community_b)):
        address = AddressFactory(community=community, road=f"{community.name}路")
        house = HouseFactory(address=address)
        org = OrganisationFactory(community=community, address=AddressFactory(community=community))
        person = PersonFactory(community=community, address=address, house=house)
        point = LiaisonPoint.objects.create(
            station=community.station,
            community=community,
            name=f"{community.name}联络点",
            contact_name="周大爷",
            contact_phone="13800001111",
        )
        out[key] = {
            "person": person,
            "house": house,
            "address": address,
            "organisation": org,
            "community": community,
            "liaison_point": point,
        }
    return out


KINDS = ["person", "house", "address", "organisation", "community", "liaison_point"]


def detail(kind, obj):
    return reverse(f"registry:{kind}_detail", args=[obj.pk])


def edit(kind, obj):
    return reverse(f"registry:{kind}_edit", args=[obj.pk])


# ----------------------------------------------------------------------------- scoping matrix


@pytest.mark.parametrize("kind", KINDS)
def test_leader_lists_both_communities(alice_client, world, kind):
    response = alice_client.get(reverse(f"registry:{kind}_list"))
    assert response.status_code == 200
    assert set(response.context["page"].object_list) >= {world["a"][kind], world["b"][kind]}


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_lists_whole_station(bob_client, world, kind):
    page = bob_client.get(reverse(f"registry:{kind}_list")).context["page"]
    assert set(page.object_list) >= {world["a"][kind], world["b"][kind]}


@pytest.mark.parametrize("kind", KINDS)
def test_other_station_lists_nothing(charlie_client, world, kind):
    page = charlie_client.get(reverse(f"registry:{kind}_list")).context["page"]
    assert page.paginator.count == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("side", ["a", "b"])
def test_leader_opens_and_edits_every_record(alice_client, world, kind, side):
    obj = world[side][kind]
    assert alice_client.get(detail(kind, obj)).status_code == 200
    assert alice_client.get(edit(kind, obj)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_edits_own_community(bob_client, world, kind):
    obj = world["a"][kind]
    assert bob_client.get(detail(kind, obj)).status_code == 200
    assert bob_client.get(edit(kind, obj)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_community_officer_sees_but_cannot_edit_other_community(bob_client, world, kind):
    obj = world["b"][kind]
    response = bob_client.get(detail(kind, obj))
    assert response.status_code == 200
    assert edit(kind, obj).encode() not in response.content
    assert bob_client.get(edit(kind, obj)).status_code == 403
    assert bob_client.post(edit(kind, obj), {"name": "x"}).status_code == 403


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("side", ["a", "b"])
def test_other_station_gets_404(charlie_client, world, kind, side):
    obj = world[side][kind]
    assert charlie_client.get(detail(kind, obj)).status_code == 404
    assert charlie_client.get(edit(kind, obj)).status_code == 404


def test_other_station_gets_404_on_reveal(charlie_client, world):
    assert (
        charlie_client.post(
            reverse("registry:person_reveal", args=[world["a"]["person"].pk])
        ).status_code
        == 404
    )
    assert not PersonalDataAccess.objects.exists()


def test_registry_pages_need_login(client, world):
    response = client.get(reverse("registry:person_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ----------------------------------------------------------------------------- search and lists


@pytest.fixture
def residents(community_a):
    address = AddressFactory(
        community=community_a, road="江湾壹号小区", doorplate="3", building="5", room="1202"
    )
    zhang = PersonFactory(
        community=community_a,
        name="张三丰",
        id_number=make_id_number(11, birth=dt.date(1975, 3, 4)),
        phone="13912340001",
        address=address,
    )
    li = PersonFactory(
        community=community_a,
        name="李四",
        id_number=make_id_number(12, birth=dt.date(1988, 8, 8)),
        phone="13912340002",
    )
    return zhang, li


def names(response):
    return {p.name for p in response.context["page"].object_list}


@pytest.mark.parametrize(
    "query",
    ["张三", "zsf", "ZS", "13912340001", "0001", "江湾壹号"],
    ids=["name", "initials", "initials-upper", "phone", "phone-tail", "address"],
)
def test_person_search_finds_resident(alice_client, residents, query):
    assert names(alice_client.get(reverse("registry:person_list"), {"q": query})) == {"张三丰"}


def test_person_search_by_full_id_number(alice_client, residents):
    zhang, _ = residents
    assert names(alice_client.get(reverse("registry:person_list"), {"q": zhang.id_number})) == {
        "张三丰"
    }


def test_person_search_by_id_number_tail(alice_client, residents):
    zhang, _ = residents
    assert "张三丰" in names(
        alice_client.get(reverse("registry:person_list"), {"q": zhang.id_number[-6:]})
    )


def test_person_list_masks_id_and_phone(alice_client, residents):
    zhang, _ = residents
    content = alice_client.get(reverse("registry:person_list")).content.decode()
    assert zhang.id_number not in content
    assert zhang.id_number[0] + "*" * 16 + zhang.id_number[-1] in content
    assert "139****0001" in content
    assert "13912340001" not in content


def test_person_list_filters_by_category(alice_client, community_a, residents):
    PersonFactory(
        community=community_a,
        name="流动甲",
        category="floating",
        inflow_date=dt.date(2026, 1, 1),
        inflow_reason="work",
    )
    assert names(alice_client.get(reverse("registry:person_list"), {"category": "floating"})) == {
        "流动甲"
    }


def test_person_list_sorts_by_birth_date_descending(alice_client, residents):
    page = alice_client.get(reverse("registry:person_list"), {"sort": "-birth_date"}).context[
        "page"
    ]
    assert [p.name for p in page.object_list] == ["李四", "张三丰"]


def test_person_list_pages_fifty_with_count(alice_client, community_a):
    for _ in range(51):
        PersonFactory(community=community_a)
    response = alice_client.get(reverse("registry:person_list"))
    assert len(response.context["page"].object_list) == 50
    assert "共 51 条" in response.content.decode()
    assert (
        len(
            alice_client.get(reverse("registry:person_list"), {"page": 2})
            .context["page"]
            .object_list
        )
        == 1
    )


def test_house_search_by_owner(alice_client, community_a):
    HouseFactory(address=AddressFactory(community=community_a), owner_name="房东王")
    HouseFactory(address=AddressFactory(community=community_a), owner_name="房东赵")
    page = alice_client.get(reverse("registry:house_list"), {"q": "房东王"}).context["page"]
    assert [h.owner_name for h in page.object_list] == ["房东王"]


def test_organisation_search_by_initials(alice_client, community_a):
    OrganisationFactory(
        community=community_a, address=AddressFactory(community=community_a), name="百草药房"
    )
    OrganisationFactory(
        community=community_a, address=AddressFactory(community=community_a), name="江湾超市"
    )
    page = alice_client.get(reverse("registry:organisation_list"), {"q": "bcyf"}).context["page"]
    assert [o.name for o in page.object_list] == ["百草药房"]


@pytest.mark.urls("tests.registry.urls_without_exchange")
def test_list_works_without_exchange_app(alice_client, world):
    response = alice_client.get("/registry/persons/")
    assert response.status_code == 200
    assert "导出" not in response.content.decode()


def _stub(request, kind):
    from django.http import HttpResponse

    return HttpResponse(kind)


# A URL conf with an `exchange` app, to prove the list links to it with the current filters.
urlpatterns = [
    *urls_without_exchange.urlpatterns,
    path(
        "exchange/",
        include(
            (
                [
                    path("export/<slug:kind>/", _stub, name="export"),
                    path("import/<slug:kind>/", _stub, name="import_start"),
                ],
                "exchange",
            )
        ),
    ),
]


@pytest.mark.urls("tests.registry.test_views")
def test_list_links_export_with_current_filters_and_import(alice_client, world):
    response = alice_client.get("/registry/persons/", {"q": "张", "page": "1"})
    content = response.content.decode()
    assert 'href="/exchange/export/person/?q=%E5%BC%A0"' in content
    assert 'href="/exchange/import/person/"' in content


# ----------------------------------------------------------------------------- detail and reveal


def test_detail_shows_masked_personal_data(alice_client, world):
    person = world["a"]["person"]
    content = alice_client.get(detail("person", person)).content.decode()
    assert person.id_number not in content and person.phone not in content
    assert "显示完整信息" in content


def test_detail_links_person_house_address_community(alice_client, world):
    person = world["a"]["person"]
    content = alice_client.get(detail("person", person)).content.decode()
    for kind, obj in (("house", person.house), ("community", person.community)):
        assert detail(kind, obj) in content
    # the address (a door) is linked once revealed: the masked page does not lead to it
    assert detail("address", person.address) not in content
    revealed = alice_client.post(
        reverse("registry:person_reveal", args=[person.pk]), {"purpose": "走访"}
    )
    assert detail("address", person.address) in revealed.content.decode()


def test_house_detail_lists_occupants(alice_client, world):
    house = world["a"]["house"]
    assert world["a"]["person"].name in alice_client.get(detail("house", house)).content.decode()


def test_organisation_detail_lists_staff(alice_client, world, community_a):
    org = world["a"]["organisation"]
    worker = PersonFactory(community=community_a, employer=org, name="店员小刘")
    assert worker.name in alice_client.get(detail("organisation", org)).content.decode()


def test_reveal_shows_full_data_and_writes_access_record(alice_client, alice, world):
    person = world["a"]["person"]
    response = alice_client.post(
        reverse("registry:person_reveal", args=[person.pk]),
        {"purpose": "核实身份"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert (
        person.id_number in response.content.decode() and person.phone in response.content.decode()
    )
    access = PersonalDataAccess.objects.get()
    assert access.user == alice and access.object_id == person.pk and access.purpose == "核实身份"
    assert "id_number" in access.fields and "phone" in access.fields


def test_reveal_by_get_is_refused(alice_client, world):
    assert (
        alice_client.get(
            reverse("registry:person_reveal", args=[world["a"]["person"].pk])
        ).status_code
        == 405
    )
    assert not PersonalDataAccess.objects.exists()


def test_role_without_right_gets_403_on_reveal(client, login, station, world):
    mediator = UserFactory(role=Role.MEDIATOR, station=station)
    login(client, mediator)
    person = world["a"]["person"]
    assert "显示完整信息" not in client.get(detail("person", person)).content.decode()
    assert client.post(reverse("registry:person_reveal", args=[person.pk])).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_leader_sees_access_records_on_person(alice_client, bob, world):
    from fengqiao.registry import services

    person = world["a"]["person"]
    services.personal_data_reveal(actor=bob, obj=person, fields=["phone"], purpose="回访")
    content = alice_client.get(detail("person", person)).content.decode()
    assert "个人信息查看记录" in content and "鲍勃" in content and "回访" in content


def test_community_officer_does_not_see_access_records(bob_client, world):
    assert (
        "个人信息查看记录"
        not in bob_client.get(detail("person", world["a"]["person"])).content.decode()
    )


def test_key_person_label_only_for_key_person_roles(
    alice_client, client, login, alice, station, world
):
    person = world["a"]["person"]
    PersonLabel.objects.create(person=person, label="重点人员", created_by=alice)
    assert "重点人员" in alice_client.get(detail("person", person)).content.decode()
    auxiliary = UserFactory(role=Role.AUXILIARY, station=station)
    login(client, auxiliary)
    assert "重点人员" not in client.get(detail("person", person)).content.decode()


# ----------------------------------------------------------------------------- forms


def person_post(community, **overrides):
    data = {
        "community": community.pk,
        "name": "赵新",
        "id_type": "id_card",
        "id_number": make_id_number(31, birth=dt.date(1992, 6, 1), male=False),
        "sex": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "nationality": "中国",
        "phone": "13900009999",
        "category": "registered",
    }
    data.update(overrides)
    return data


def test_create_person_through_form(bob_client, community_a):
    response = bob_client.post(reverse("registry:person_create"), person_post(community_a))
    person = Person.objects.get(name="赵新")
    assert response.status_code == 302 and response["Location"] == detail("person", person)
    assert person.sex == "F" and person.birth_date == dt.date(1992, 6, 1)


def test_form_shows_chinese_error_for_bad_id(bob_client, community_a):
    response = bob_client.post(
        reverse("registry:person_create"), person_post(community_a, id_number="511123199206010000")
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not Person.objects.filter(name="赵新").exists()


def test_form_offers_only_editable_communities(bob_client, community_a, community_b):
    form = bob_client.get(reverse("registry:person_create")).context["form"]
    assert list(form.fields["community"].queryset) == [community_a]


def test_form_refuses_community_not_editable(bob_client, community_b):
    response = bob_client.post(reverse("registry:person_create"), person_post(community_b))
    assert response.status_code == 200
    assert "community" in response.context["form"].errors


def test_edit_phone_through_form_shows_in_timeline(alice_client, world):
    person = world["a"]["person"]
    data = person_post(
        person.community, name=person.name, id_number=person.id_number, phone="13711112222"
    )
    response = alice_client.post(edit("person", person), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13711112222"
    content = alice_client.get(detail("person", person)).content.decode()
    assert "手机号" in content and "137****2222" in content and "艾丽" in content


def test_duplicate_id_in_form_names_existing_person(alice_client, world, community_a):
    existing = world["a"]["person"]
    response = alice_client.post(
        reverse("registry:person_create"), person_post(community_a, id_number=existing.id_number)
    )
    assert f"证件号码已登记:{existing.name}" in response.content.decode()


def test_options_endpoint_is_scoped(charlie_client, world):
    data = charlie_client.get(reverse("registry:options", args=["address"])).json()
    assert data["results"] == []


def test_options_endpoint_searches_addresses(alice_client, world):
    address = world["a"]["address"]
    data = alice_client.get(
        reverse("registry:options", args=["address"]), {"q": address.road}
    ).json()
    assert {"id": address.pk, "text": address.full_text} in data["results"]


def test_form_select_renders_only_the_chosen_address(alice_client, world):
    person = world["a"]["person"]
    form_html = alice_client.get(edit("person", person)).content.decode()
    assert person.address.full_text in form_html
    assert world["b"]["address"].full_text not in form_html


# ----------------------------------------------------------------------------- communities, grants, map


def test_leader_grants_edit_rights_from_community_page(alice_client, bob, world, community_b):
    response = alice_client.post(
        reverse("registry:community_grant", args=[community_b.pk]),
        {"user": bob.pk, "reason": "协助走访"},
    )
    assert response.status_code == 302
    assert community_b.grants.get().user == bob


def test_officer_cannot_grant(bob_client, bob, community_b):
    response = bob_client.post(
        reverse("registry:community_grant", args=[community_b.pk]),
        {"user": bob.pk, "reason": "我自己"},
    )
    assert response.status_code == 403
    assert not community_b.grants.exists()


def test_community_detail_shows_liaison_points_and_officers(alice_client, bob, world):
    content = alice_client.get(detail("community", world["a"]["community"])).content.decode()
    assert world["a"]["liaison_point"].name in content and "鲍勃" in content


def test_map_geojson_has_boundaries_and_centres_of_own_station_only(
    alice_client, community_a, other_station
):
    community_a.boundary = {
        "type": "Polygon",
        "coordinates": [[[103.9, 29.2], [103.95, 29.2], [103.95, 29.25], [103.9, 29.2]]],
    }
    community_a.latitude, community_a.longitude = 29.22, 103.93
    community_a.save()
    Community.objects.create(station=other_station, name="他所社区", latitude=29.0, longitude=103.0)
    features = alice_client.get(reverse("registry:community_geojson")).json()["features"]
    roles = {(f["properties"]["name"], f["properties"]["role"]) for f in features}
    assert roles == {("西街社区", "boundary"), ("西街社区", "centre")}


def test_map_page_has_no_tiles_without_setting(alice_client, settings):
    settings.MAP_TILE_URL = ""
    content = alice_client.get(reverse("registry:community_map")).content.decode()
    assert 'data-tile-url=""' in content and "registry-map.js" in content


def test_changes_are_logged_with_user_name(alice_client, world):
    person = world["a"]["person"]
    alice_client.post(
        edit("person", person),
        person_post(
            person.community, name=person.name, id_number=person.id_number, phone="13711112222"
        ),
    )
    change = ObjectChange.objects.filter(object_id=person.pk, action="update").latest("time")
    assert change.user_name == "艾丽" and change.source == "web"
    assert change.before["phone"] == person.phone and change.after["phone"] == "13711112222"


def test_leader_sets_community_boundary_through_form(alice_client, community_a):
    data = {
        "name": community_a.name,
        "kind": "community",
        "boundary": '{"type": "Polygon", "coordinates": [[[103.9, 29.2], [103.95, 29.2], [103.9, 29.2]]]}',
    }
    assert alice_client.post(edit("community", community_a), data).status_code == 302
    community_a.refresh_from_db()
    assert community_a.boundary["type"] == "Polygon"


def test_community_boundary_must_be_polygon(alice_client, community_a):
    data = {
        "name": community_a.name,
        "kind": "community",
        "boundary": '{"type": "Point", "coordinates": [103.9, 29.2]}',
    }
    response = alice_client.post(edit("community", community_a), data)
    assert "边界应为GeoJSON的Polygon或MultiPolygon" in response.content.decode()


def test_leader_revokes_grant_from_community_page(alice_client, alice, bob, community_b):
    from fengqiao.registry import services

    grant = services.community_grant(actor=alice, user=bob, community=community_b, reason="协助")
    response = alice_client.post(
        reverse("registry:community_grant_revoke", args=[community_b.pk, grant.pk])
    )
    assert response.status_code == 302
    assert not community_b.grants.exists()


def test_granted_officer_can_open_edit_form_of_other_community(bob_client, alice, bob, world):
    from fengqiao.registry import services

    services.community_grant(
        actor=alice, user=bob, community=world["b"]["community"], reason="协助"
    )
    assert bob_client.get(edit("person", world["b"]["person"])).status_code == 200


def test_community_form_shows_empty_boundary_box(alice_client, community_a):
    content = alice_client.get(edit("community", community_a)).content.decode()
    assert ">null</textarea>" not in content and 'name="boundary"' in content


def test_name_search_is_a_prefix_match(alice_client, community_a):
    for name in ["张", "张三丰", "张𠀋", "小张", "章三"]:
        PersonFactory(community=community_a, name=name, address=None)
    assert names(alice_client.get(reverse("registry:person_list"), {"q": "张"})) == {
        "张",
        "张三丰",
        "张𠀋",
    }


def test_reveal_without_htmx_renders_the_whole_page_unmasked(alice_client, world):
    person = world["a"]["person"]
    response = alice_client.post(
        reverse("registry:person_reveal", args=[person.pk]), {"purpose": "核实身份"}
    )
    content = response.content.decode()
    assert response.status_code == 200 and person.id_number in content and "变更记录" in content
    assert PersonalDataAccess.objects.count() == 1
