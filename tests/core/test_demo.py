"""The demo data of the reference station: counts in proportion, valid and consistent records, determinism."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from fengqiao.accounts.choices import Rank, Role
from fengqiao.accounts.models import Station, User
from fengqiao.core.models import ObjectChange
from fengqiao.demo import data, generator
from fengqiao.registry import rules
from fengqiao.registry.models import Address, Community, House, LiaisonPoint, Organisation, Person

SCALE = 200
YUJIN = "511123-YJ"


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    run_demo("--scale", str(SCALE), "--seed", "7")
    return Station.objects.get(code=YUJIN)


def test_demo_yujin_has_14_communities_and_4_villages(demo):
    communities = Community.objects.filter(station=demo)
    assert communities.filter(kind="community").count() == 14
    assert communities.filter(kind="village").count() == 4
    assert communities.filter(name="西街社区", is_old_town=True).exists()


def test_demo_persons_are_153028_divided_by_scale(demo):
    assert Person.objects.filter(station=demo).count() == round(153_028 / SCALE)


def test_demo_persons_at_scale_100_are_1530(db):
    run_demo("--scale", "100")
    assert Person.objects.filter(station__code=YUJIN).count() == 1530


def test_demo_yujin_has_31_police_and_41_auxiliary_at_any_scale(demo):
    staff = User.objects.filter(station=demo)
    assert staff.filter(rank=Rank.POLICE).count() == 31
    assert staff.filter(rank=Rank.AUXILIARY).count() == 41


def test_demo_has_leaders_mediators_auditor_admin_and_county_user(demo):
    staff = User.objects.filter(station=demo)
    assert 3 <= staff.filter(role=Role.STATION_LEADER).count() <= 4
    assert set(staff.filter(role=Role.MEDIATOR).values_list("full_name", flat=True)) == {
        "范贤成",
        "徐家豪",
    }
    assert staff.filter(role=Role.AUDITOR).exists() and staff.filter(role=Role.ADMIN).exists()
    county = User.objects.get(role=Role.BUREAU)
    assert county.station is None and county.bureau == demo.bureau


def test_demo_units_are_two_teams_and_a_room_plus_posts(demo):
    names = set(demo.units.values_list("name", flat=True))
    assert {
        "社区警务队",
        "案件办理队",
        "综合指挥室",
        "老所前哨",
        "户籍室",
        "范贤成金牌调解工作室",
    } <= names
    assert {"南片警务室", "北片警务室"} <= names


def test_demo_every_community_has_an_officer_a_boundary_and_liaison_points(demo):
    for community in Community.objects.filter(station=demo):
        assert community.officers.exists(), community.name
        ring = community.boundary["coordinates"][0]
        assert community.boundary["type"] == "Polygon" and ring[0] == ring[-1]
        assert 2 <= LiaisonPoint.objects.filter(community=community).count() <= 4


def test_demo_boundaries_lie_around_yujin_town(demo):
    for community in Community.objects.filter(station=demo):
        assert abs(community.latitude - 29.209) < 0.05 and abs(community.longitude - 103.947) < 0.05


def test_demo_xijie_officer_owns_xijie(demo):
    assert list(User.objects.get(full_name="张勇").communities.values_list("name", flat=True)) == [
        "西街社区"
    ]


def test_demo_every_id_number_is_valid_and_matches_birth_date_and_sex(demo):
    persons = Person.objects.filter(id_type="id_card")
    assert persons.count() > 0
    for person in persons:
        facts = rules.parse_id_number(person.id_number)
        assert rules.check_id_consistency(facts, birth_date=person.birth_date, sex=person.sex) == []


def test_demo_residents_mostly_registered_in_qianwei(demo):
    registered = Person.objects.filter(station=demo, category="registered")
    local = registered.filter(id_number__startswith="511123").count()
    assert local / registered.count() > 0.7


def test_demo_floating_population_is_about_15_percent_with_inflow_details(demo):
    persons = Person.objects.filter(station=demo)
    floating = persons.filter(category="floating")
    share = floating.count() / persons.count()
    assert 0.10 < share < 0.22
    assert not floating.filter(inflow_date__isnull=True).exists()
    assert not floating.filter(inflow_reason="").exists()
    assert not floating.filter(expected_departure__isnull=True).exists()


def test_demo_foreigners_carry_passports(db):
    run_demo("--scale", "20")
    foreign = Person.objects.filter(station__code=YUJIN, category="foreign")
    assert foreign.exists()
    assert set(foreign.values_list("id_type", flat=True)) == {"passport"}
    assert not foreign.filter(nationality="中国").exists()


def test_demo_phones_are_valid_and_unique(demo):
    phones = list(Person.objects.exclude(phone="").values_list("phone", flat=True))
    assert len(phones) == len(set(phones))
    for phone in phones:
        assert rules.normalise_phone(phone) == phone


def test_demo_name_initials_match_the_rule(demo):
    for name, initials in Person.objects.values_list("name", "name_initials")[:300]:
        assert initials == rules.pinyin_initials(name)


def test_demo_sets_the_indexed_search_tails(demo):
    from fengqiao.registry.models import Person

    for id_number, phone, id_tail, phone_tail in Person.objects.values_list(
        "id_number", "phone", "id_tail", "phone_tail"
    ):
        assert (id_tail, phone_tail) == (id_number[-4:], phone[-4:])


def test_demo_address_text_is_composed_like_the_model(demo):
    for address in Address.objects.select_related("community")[:500]:
        assert address.full_text == address.compose_full_text()


def test_demo_households_have_one_head_or_tenants(demo):
    for house in House.objects.filter(station=demo, use="owner").prefetch_related("occupants")[
        :200
    ]:
        relations = [p.relation for p in house.occupants.all()]
        if relations:
            assert relations.count("head") == 1


def test_demo_old_town_houses_are_over_30_years_old(demo):
    years = House.objects.filter(community__name="西街社区", station=demo).values_list(
        "built_year", flat=True
    )
    assert years and max(years) <= 1995


def test_demo_estates_of_the_article_appear_as_roads(db):
    run_demo("--scale", "20")
    roads = set(Address.objects.filter(station__code=YUJIN).values_list("road", flat=True))
    assert {"江湾壹号", "百草苑"} <= roads


def test_demo_credit_codes_are_valid_and_unique(demo):
    codes = list(Organisation.objects.exclude(credit_code="").values_list("credit_code", flat=True))
    assert codes and len(codes) == len(set(codes))
    for code in codes:
        assert rules.validate_credit_code(code) == code


def test_demo_writes_one_summary_change_per_community_and_none_per_person(demo):
    summaries = ObjectChange.objects.filter(
        after__demo=True, station=demo, content_type__model="community"
    )
    assert summaries.count() == 18
    assert sum(s.after["persons"] for s in summaries) == Person.objects.filter(station=demo).count()
    # the parts that bulk-write their demo records leave one summary row each on the station
    parts = ObjectChange.objects.filter(
        after__demo=True, station=demo, content_type__model="station"
    )
    assert parts.count() == len({c.object_repr for c in parts})
    assert not ObjectChange.objects.filter(content_type__model="person").exists()


def test_demo_other_station_for_county_view(demo):
    other = Station.objects.get(code="511123-QX")
    assert other.bureau == demo.bureau
    assert Person.objects.filter(station=other).count() == round(8000 / SCALE)


def _fingerprint(seed: int) -> str:
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            generator.load(scale=400, seed=seed, log=lambda *a: None)
            value = generator.fingerprint()
            raise Rollback
    except Rollback:
        return value


def test_demo_same_seed_same_data(db):
    assert _fingerprint(11) == _fingerprint(11)


def test_demo_other_seed_other_data(db):
    assert _fingerprint(11) != _fingerprint(12)


def test_demo_if_empty_does_nothing_the_second_time(demo):
    before = Person.objects.count(), User.objects.count(), ObjectChange.objects.count()
    out = run_demo("--scale", str(SCALE), "--if-empty")
    assert "已存在" in out
    assert (Person.objects.count(), User.objects.count(), ObjectChange.objects.count()) == before


def test_demo_twice_without_if_empty_is_an_error(demo):
    with pytest.raises(CommandError, match="已存在"):
        run_demo("--scale", str(SCALE))


def test_demo_bad_scale_is_an_error(db):
    with pytest.raises(CommandError, match="scale"):
        run_demo("--scale", "0")


def test_demo_logins_print_usernames_and_password(demo):
    out = run_demo("--logins")
    assert data.DEMO_PASSWORD in out
    for username in ("chenweidong", "zhangyong", "fanxiancheng", "shenjie", "lijun"):
        assert username in out


def test_demo_logins_before_loading_say_so(db):
    assert "尚未加载" in run_demo("--logins")


def test_demo_login_works_with_the_printed_password(demo, client):
    assert client.login(username="zhangyong", password=data.DEMO_PASSWORD)


def test_demo_password_from_environment(db, monkeypatch, client):
    monkeypatch.setenv("DEMO_PASSWORD", "Another-demo-pass-9")
    run_demo("--scale", "400")
    assert client.login(username="chenweidong", password="Another-demo-pass-9")


def test_demo_weak_password_from_environment_is_refused(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "123")
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        run_demo("--scale", "400")
    assert not Station.objects.exists()


def test_largest_remainder_sums_exactly():
    assert sum(generator.largest_remainder(1530, [10, 9, 9, 8, 11, 3])) == 1530


def test_org_code_check_of_a_known_code():
    # 统一社会信用代码 91350100M000100Y43: organisation code M000100Y4, check 4.
    assert generator.org_code_check("M000100Y") == "4"
