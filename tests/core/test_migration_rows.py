"""A transaction=True test ends with a flush that empties every table; the rows the data migrations
loaded are put back after it (tests/conftest.py), so a transactional test (the browser tests, the
live server) finds the migrated database whatever ran before it. pytest-django runs these tests
after all the others, in file order, so without this a browser test passed alone and could fail in
the whole run (the reports browser tests needed serialized_rollback, which itself broke on content
types when run alone)."""

import pytest

from fengqiao.disputes.models import DisputeType, MediationChannel
from fengqiao.incidents.models import IncidentCategory
from tests import conftest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transactional_test_sees_the_migration_rows_then_its_flush_erases_them():
    assert IncidentCategory.objects.exists()
    IncidentCategory.objects.update(name="改过的名字")  # committed; the flush erases every row


def test_the_next_one_finds_them_again_as_migrated():
    assert IncidentCategory.objects.exists()
    assert DisputeType.objects.exists()
    assert MediationChannel.objects.exists()
    assert not IncidentCategory.objects.filter(name="改过的名字").exists()
    assert "incidents.incidentcategory" in conftest._MIGRATION_ROWS["models"]


def test_a_new_row_after_the_put_back_gets_a_fresh_key():
    """The sequences follow the restored keys (PostgreSQL): a new row does not collide."""
    top = IncidentCategory.objects.filter(parent=None).order_by("-pk").first()
    created = IncidentCategory.objects.create(code="ZZ-TEST", name="测试类别", parent=top)
    assert created.pk > IncidentCategory.objects.exclude(pk=created.pk).order_by("-pk").first().pk
