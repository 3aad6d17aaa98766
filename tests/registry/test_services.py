"""Registry writes: validation in Chinese, duplicates, scope, personal-data access records."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.accounts.choices import Role
from fengqiao.core.models import PersonalDataAccess
from fengqiao.registry import rules, services
from fengqiao.registry.choices import IdType, InflowReason, PersonCategory
from fengqiao.registry.models import CommunityGrant, Person
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


def person_data(community, **overrides):
    data = {
        "community": community,
        "name": "王小明",
        "id_type": IdType.RESIDENT_ID,
        "id_number": make_id_number(7, birth=dt.date(1990, 5, 17), male=True),
        "phone": "13912345678",
        "category": PersonCategory.REGISTERED,
    }
    data.update(overrides)
    return data


def errors_of(exc_info):
    return exc_info.value.message_dict


def test_person_create_derives_birth_date_and_sex_from_id(alice, community_a):
    person = services.person_create(actor=alice, **person_data(community_a))
    assert person.birth_date == dt.date(1990, 5, 17)
    assert person.sex == "M"
    assert person.station_id == community_a.station_id
    assert person.name_initials == "wxm"


def test_person_create_rejects_bad_check_digit(alice, community_a):
    number = make_id_number(7)
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, id_number=bad))
    assert "校验位错误" in errors_of(exc)["id_number"][0]
    assert not Person.objects.exists()


def test_person_create_rejects_birth_date_not_matching_id(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, birth_date=dt.date(1991, 5, 17)))
    assert "出生日期与身份证号不一致" in errors_of(exc)["birth_date"][0]


def test_person_create_rejects_sex_not_matching_id(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, sex="F"))
    assert errors_of(exc)["sex"] == ["性别与身份证号不一致"]


def test_person_create_rejects_bad_phone(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, phone="1234"))
    assert "电话号码格式不正确" in errors_of(exc)["phone"][0]


def test_duplicate_id_number_names_the_existing_record(alice, community_a):
    existing = PersonFactory(community=community_a, name="李existing")
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, id_number=existing.id_number.lower()))
    message = errors_of(exc)["id_number"][0]
    assert "已登记" in message and existing.name in message and str(existing.pk) in message


def test_floating_person_needs_inflow_date_and_reason(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, category=PersonCategory.FLOATING))
    errors = errors_of(exc)
    assert errors["inflow_date"] == ["流动人口须填写流入日期"]
    assert errors["inflow_reason"] == ["流动人口须填写流入原因"]


def test_floating_person_departure_must_follow_inflow(alice, community_a):
    data = person_data(
        community_a,
        category=PersonCategory.FLOATING,
        inflow_date=dt.date(2026, 3, 1),
        inflow_reason=InflowReason.WORK,
        expected_departure=dt.date(2026, 2, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **data)
    assert errors_of(exc)["expected_departure"] == ["预计离开日期应晚于流入日期"]


def test_floating_person_with_inflow_is_saved(alice, community_a):
    data = person_data(
        community_a,
        category=PersonCategory.FLOATING,
        inflow_date=dt.date(2026, 3, 1),
        inflow_reason=InflowReason.WORK,
        expected_departure=dt.date(2026, 9, 1),
    )
    assert services.person_create(actor=alice, **data).inflow_date == dt.date(2026, 3, 1)


def test_foreign_person_needs_foreign_nationality_and_passport(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, category=PersonCategory.FOREIGN))
    errors = errors_of(exc)
    assert "国籍不能是中国" in errors["nationality"][0]
    assert "护照" in errors["id_type"][0]


def test_foreign_person_with_passport_is_saved(alice, community_a):
    data = person_data(
        community_a,
        category=PersonCategory.FOREIGN,
        id_type=IdType.PASSPORT,
        id_number="E12345678",
        nationality="越南",
        sex="F",
        birth_date=dt.date(1995, 2, 3),
    )
    assert services.person_create(actor=alice, **data).nationality == "越南"


def test_community_officer_cannot_create_in_another_community(bob, community_b):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=bob, **person_data(community_b))


def test_community_officer_creates_in_own_community(bob, community_a):
    assert services.person_create(actor=bob, **person_data(community_a)).community == community_a


def test_community_officer_cannot_update_another_communitys_person(bob, community_b):
    person = PersonFactory(community=community_b)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=bob, person=person, phone="13700000000")


def test_officer_cannot_move_person_into_a_community_they_do_not_edit(bob, community_a, community_b):
    person = PersonFactory(community=community_a)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=bob, person=person, community=community_b)


def test_other_station_cannot_update(charlie, community_a):
    person = PersonFactory(community=community_a)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=charlie, person=person, phone="13700000000")


def test_person_cannot_link_to_address_of_another_station(alice, community_a, other_station):
    foreign_address = AddressFactory(community=CommunityFactory(station=other_station))
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, address=foreign_address))
    assert "address" in errors_of(exc)


def test_person_update_saves_normalised_phone(alice, community_a):
    person = PersonFactory(community=community_a)
    services.person_update(actor=alice, person=person, phone="+86 137 0000 0000")
    person.refresh_from_db()
    assert person.phone == "13700000000"


def test_granted_officer_may_edit_other_community(alice, bob, community_b):
    services.community_grant(actor=alice, user=bob, community=community_b, reason="协助人口普查")
    person = PersonFactory(community=community_b)
    services.person_update(actor=bob, person=person, phone="13700000000")
    person.refresh_from_db()
    assert person.phone == "13700000000"


def test_expired_grant_gives_no_edit_right(alice, bob, community_b):
    grant = services.community_grant(actor=alice, user=bob, community=community_b, reason="临时协助")
    CommunityGrant.objects.filter(pk=grant.pk).update(until=grant.granted_at)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=bob, person=PersonFactory(community=community_b), phone="13700000000")


def test_grant_needs_a_reason(alice, bob, community_b):
    with pytest.raises(ValidationError) as exc:
        services.community_grant(actor=alice, user=bob, community=community_b, reason=" ")
    assert errors_of(exc)["reason"] == ["请填写授权原因"]


def test_only_leaders_grant(bob, community_b, station):
    other = UserFactory(station=station)
    with pytest.raises(PermissionDenied):
        services.community_grant(actor=bob, user=other, community=community_b, reason="x")


def test_grant_revoke_removes_edit_right(alice, bob, community_b):
    grant = services.community_grant(actor=alice, user=bob, community=community_b, reason="协助")
    services.community_grant_revoke(actor=alice, grant=grant)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=bob, person=PersonFactory(community=community_b), phone="13700000000")


def test_house_address_taken_is_rejected(alice, community_a):
    house = HouseFactory(address=AddressFactory(community=community_a))
    with pytest.raises(ValidationError) as exc:
        services.house_create(actor=alice, community=community_a, address=house.address, use="rented")
    assert "已登记房屋" in errors_of(exc)["address"][0]


def test_house_create_fills_owner_name_from_owner(alice, community_a):
    owner = PersonFactory(community=community_a, name="房东甲")
    house = services.house_create(actor=alice, community=community_a, address=AddressFactory(community=community_a), owner=owner, use="rented")
    assert house.owner_name == "房东甲"


def test_address_duplicate_is_rejected(alice, community_a):
    services.address_create(actor=alice, community=community_a, town="玉津镇", road="西街", doorplate="8")
    with pytest.raises(ValidationError) as exc:
        services.address_create(actor=alice, community=community_a, town="玉津镇", road="西街", doorplate="8")
    assert "该地址已存在" in errors_of(exc)["road"][0]


def test_address_full_text_is_composed(alice, community_a):
    address = services.address_create(actor=alice, community=community_a, town="玉津镇", road="西街", doorplate="8", building="2", room="301")
    assert address.full_text == "玉津镇西街社区西街8号2栋301室"


def test_organisation_bad_credit_code_rejected(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=alice, community=community_a, name="某商店", category="sole_trader", credit_code="123", address=AddressFactory(community=community_a)
        )
    assert "18位" in errors_of(exc)["credit_code"][0]


def test_organisation_duplicate_credit_code_names_existing(alice, community_a):
    code = "91511123MA62Q8XK1" + rules.uscc_check_char("91511123MA62Q8XK1")
    first = OrganisationFactory(community=community_a, address=AddressFactory(community=community_a), credit_code=code, name="老店")
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=alice, community=community_a, name="新店", category="enterprise", credit_code=code, address=AddressFactory(community=community_a)
        )
    assert first.name in errors_of(exc)["credit_code"][0]


def test_liaison_point_needs_contact_phone(alice, community_a):
    with pytest.raises(ValidationError) as exc:
        services.liaison_point_create(actor=alice, community=community_a, name="西街茶馆", contact_name="周大爷", contact_phone="")
    assert errors_of(exc)["contact_phone"] == ["请填写联系电话"]


def test_community_update_rejects_duplicate_name(alice, community_a, community_b):
    with pytest.raises(ValidationError) as exc:
        services.community_update(actor=alice, community=community_b, name=community_a.name)
    assert "已有名为" in errors_of(exc)["name"][0]


def test_community_officer_cannot_update_another_community(bob, community_b):
    with pytest.raises(PermissionDenied):
        services.community_update(actor=bob, community=community_b, note="x")


def test_reveal_writes_access_record(alice, community_a):
    person = PersonFactory(community=community_a)
    access = services.personal_data_reveal(actor=alice, obj=person, fields=["id_number", "phone"], purpose="核实身份")
    assert access.user == alice and access.user_name == "艾丽"
    assert access.fields == ["id_number", "phone"]
    assert access.object_id == person.pk and access.station_id == person.station_id


def test_reveal_refused_for_role_without_right(station, community_a):
    mediator = UserFactory(role=Role.MEDIATOR, station=station)
    with pytest.raises(PermissionDenied):
        services.personal_data_reveal(actor=mediator, obj=PersonFactory(community=community_a), fields=["id_number"], purpose="")
    assert not PersonalDataAccess.objects.exists()


def test_reveal_refused_for_other_station(charlie, community_a):
    with pytest.raises(PermissionDenied):
        services.personal_data_reveal(actor=charlie, obj=PersonFactory(community=community_a), fields=["id_number"], purpose="")


def test_duplicate_id_in_another_station_does_not_reveal_the_person(alice, community_a, other_station):
    theirs = PersonFactory(community=CommunityFactory(station=other_station), name="他所居民")
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=alice, **person_data(community_a, id_number=theirs.id_number))
    message = errors_of(exc)["id_number"][0]
    assert "其他派出所" in message and theirs.name not in message


class TestCommunityCreate:
    def test_leader_creates_a_community_of_the_station(self, alice):
        community = services.community_create(actor=alice, name=" 新民社区 ", kind="community", town="玉津镇")
        assert community.station == alice.station and community.name == "新民社区"

    def test_duplicate_name_is_refused(self, alice, community_a):
        with pytest.raises(ValidationError, match="本所已有名为"):
            services.community_create(actor=alice, name=community_a.name)

    def test_community_officer_cannot_create_one(self, bob):
        with pytest.raises(PermissionDenied):
            services.community_create(actor=bob, name="东方社区")

    def test_bad_boundary_is_refused(self, alice):
        with pytest.raises(ValidationError, match="GeoJSON"):
            services.community_create(actor=alice, name="东方社区", boundary={"type": "Point", "coordinates": [0, 0]})


def test_leader_creates_the_first_community_from_the_page(alice_client, alice):
    from fengqiao.registry.models import Community

    assert alice_client.get("/registry/communities/new/").status_code == 200
    response = alice_client.post("/registry/communities/new/", {"name": "滨江社区", "kind": "community", "town": "玉津镇"})
    assert response.status_code == 302
    assert Community.objects.filter(station=alice.station, name="滨江社区").exists()


def test_community_officer_gets_403_on_the_new_community_page(bob_client):
    assert bob_client.get("/registry/communities/new/").status_code == 403
