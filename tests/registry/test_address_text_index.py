"""Address text search through the text index (migration registry 0003 pages_fast): the same matches
as a scan, of any length, kept up to date by the database itself, and never a scan of every address."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.registry import selectors
from fengqiao.registry.models import Address, Person
from tests.factories import AddressFactory, PersonFactory

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 index is SQLite's; PostgreSQL has pg_trgm"
)


@pytest.fixture
def addresses(community_a):
    roads = ["百草苑", "西街", "东街王芳巷", "Maple Road", "北门口", "草"]
    return {road: AddressFactory(community=community_a, road=road) for road in roads}


def _found(text):
    return set(Address.objects.filter(pk__in=list(selectors._addresses_containing(text))))


@pytest.mark.parametrize(
    "fragment",
    ["百", "草", "百草", "百草苑", "街", "西街", "王芳", "芳巷", "Maple", "Road", "口", "门口"],
)
def test_every_fragment_finds_what_a_scan_finds(addresses, fragment):
    scan = set(Address.objects.filter(full_text__contains=fragment))
    assert scan, fragment
    assert _found(fragment) == scan


def test_a_fragment_nobody_has_finds_nothing(addresses):
    assert _found("南") == set()
    assert _found("南街") == set()
    assert _found("不存在的路") == set()
    assert _found('"') == set()


def test_the_index_follows_inserts_updates_and_deletes(addresses, community_a):
    address = addresses["北门口"]
    assert address in _found("北门")
    address.road = "新华路"
    address.save()
    assert address not in _found("北门") and address in _found("新华")
    Address.objects.filter(pk=address.pk).update(full_text="玉津镇解放路1号")  # written by SQL
    assert address in _found("解放") and address not in _found("新华")
    pk = address.pk
    address.delete()
    assert pk not in {a.pk for a in _found("解放")}


def test_a_residents_search_by_address_uses_the_index(addresses, community_a):
    resident = PersonFactory(community=community_a, address=addresses["东街王芳巷"])
    assert resident in selectors.person_search(Person.objects.all(), "王芳")


@sqlite_only
def test_the_triggers_that_keep_the_index_are_there(db):
    """A later migration that rebuilds registry_address on SQLite drops its triggers: this fails."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registry_address'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names >= {
        "registry_address_fts_ai",
        "registry_address_fts_ad",
        "registry_address_fts_au",
    }


@sqlite_only
@pytest.mark.parametrize("fragment", ["王", "王芳", "王芳巷"])
def test_no_query_scans_every_address(addresses, fragment):
    with CaptureQueriesContext(connection) as ctx:
        list(selectors._addresses_containing(fragment))
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            if "registry_address" not in query["sql"] or "sqlite_master" in query["sql"]:
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN registry_address " not in plan + " ", plan
            assert not plan.endswith("SCAN registry_address"), plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgres_has_the_trigram_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'registry_address_text_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition
