import pytest

from fengqiao.disputes import services
from fengqiao.disputes.defaults import load_defaults
from fengqiao.disputes.models import DisputeType


@pytest.fixture(autouse=True)
def _dispute_defaults(request):
    """Types and triggers come from a data migration; a transaction=True test's flush erases them."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
        load_defaults()


@pytest.fixture
def neighbour_type(db):
    return DisputeType.objects.get(code="neighbour")


@pytest.fixture
def register(neighbour_type, community_a):
    def _register(actor, narrative="两家因排水沟发生争吵", parties=None, **fields):
        fields.setdefault("dispute_type", neighbour_type)
        fields.setdefault("community", community_a)
        return services.dispute_register(
            actor=actor,
            narrative=narrative,
            parties=parties
            or [{"name": "张三", "phone": "13812345678"}, {"name": "李四", "role": "respondent"}],
            **fields,
        )

    return _register


@pytest.fixture
def charlie_web(charlie, login):
    """charlie in a client of his own (the shared *_client fixtures reuse one client)."""
    from django.test import Client

    return login(Client(), charlie)
