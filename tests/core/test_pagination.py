"""KeysFirstPaginator (core/pagination.py): the same pages as Django's Paginator — order, orphans,
joins — and the page's keys come from the filtered list alone, so a search's cost follows the page."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from fengqiao.core.pagination import KeysFirstPaginator
from fengqiao.registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(community_a, community_b):
    names = ["王芳", "王睿", "alice", "Bob", "王芳", "李四", "王磊", "Ann", "王五", "王六", "王七"]
    return [
        PersonFactory(name=name, community=community_a if i % 2 else community_b)
        for i, name in enumerate(names)
    ]


@pytest.mark.parametrize("per_page,orphans", [(3, 0), (4, 1), (5, 2), (50, 0)])
def test_every_page_is_the_one_djangos_paginator_gives(people, per_page, orphans):
    listed = Person.objects.select_related("community", "address").order_by(Lower("name"), "pk")
    plain = Paginator(listed, per_page, orphans=orphans)
    keys_first = KeysFirstPaginator(listed, per_page, orphans=orphans)
    assert keys_first.num_pages == plain.num_pages
    for number in plain.page_range:
        expected, got = plain.page(number), keys_first.page(number)
        assert [p.pk for p in got] == [p.pk for p in expected]
        assert (got.has_next(), got.start_index(), got.end_index()) == (
            expected.has_next(),
            expected.start_index(),
            expected.end_index(),
        )


def test_filters_hold_and_joins_come_without_a_query_per_row(people):
    listed = (
        Person.objects.filter(name__startswith="王")
        .select_related("community")
        .order_by(Lower("name"), "pk")
    )
    page = KeysFirstPaginator(listed, 4).page(1)
    assert all(p.name.startswith("王") for p in page)
    with CaptureQueriesContext(connection) as queries:
        names = [p.community.name for p in page]
    assert len(names) == 4 and len(queries) == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_a_name_search_orders_keys_from_the_index_not_whole_rows(alice_client, people):
    """The page's keys come from the (station, name) index alone: no person row is read to sort."""
    with CaptureQueriesContext(connection) as captured:
        assert alice_client.get("/registry/persons/", {"q": "王"}).status_code == 200
    keyed = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "registry_person"."id" AS "pk"')
    ]
    assert keyed, "the person search did not page by keys"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {keyed[0]}")
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    assert "COVERING INDEX" in plan, plan
