"""The indexed 尾号 keys: every way a person is written sets them, and the search uses them."""

import pytest

from fengqiao.registry import selectors
from fengqiao.registry.models import Person
from tests.factories import PersonFactory


@pytest.fixture
def people(community_a):
    return [
        PersonFactory(community=community_a, phone="13812345678"),
        PersonFactory(community=community_a, phone="13900005678"),
        PersonFactory(community=community_a, phone="13700001111"),
    ]


def test_save_sets_the_tails(people):
    person = people[0]
    assert person.phone_tail == "5678"
    assert person.id_tail == person.id_number[-4:]
    person.phone = "15000009999"
    person.save()
    person.refresh_from_db()
    assert person.phone_tail == "9999"


def test_four_digit_tail_finds_phones_and_id_numbers(people):
    found = set(selectors.person_search(Person.objects.all(), "5678"))
    assert found >= {people[0], people[1]}
    assert people[2] not in found
    id_tail = people[2].id_number[-4:]
    assert people[2] in selectors.person_search(Person.objects.all(), id_tail)


def test_longer_tail_narrows_by_the_whole_ending(people):
    assert list(selectors.person_search(Person.objects.all(), "2345678")) == [people[0]]


def test_tail_search_is_an_indexed_equality_not_a_scan(people):
    sql = str(selectors.person_search(Person.objects.all(), "5678").query)
    assert "phone_tail" in sql and "id_tail" in sql
    assert "LIKE" not in sql.upper()


def test_address_fragment_finds_residents(community_a):
    from tests.factories import AddressFactory

    address = AddressFactory(community=community_a, road="百草苑")
    resident = PersonFactory(community=community_a, address=address)
    PersonFactory(community=community_a)
    assert list(selectors.person_search(Person.objects.all(), "百草苑")) == [resident]


def test_a_broad_address_fragment_finds_every_resident_past_the_id_list_limit(
    community_a, monkeypatch
):
    """More matching addresses than the id list holds: a subquery takes over, nobody is dropped."""
    from tests.factories import AddressFactory

    monkeypatch.setattr(selectors, "ADDRESS_MATCH_LIMIT", 3)
    residents = [
        PersonFactory(
            community=community_a, address=AddressFactory(community=community_a, road="百草苑")
        )
        for _ in range(5)
    ]
    assert set(selectors.person_search(Person.objects.all(), "百草苑")) == set(residents)
    monkeypatch.setattr(selectors, "ADDRESS_MATCH_LIMIT", 10)
    assert set(selectors.person_search(Person.objects.all(), "百草苑")) == set(residents)
