"""A community's page and history API with the demo's bulk entries (issue 19: both answered 500).

The demo writes one change-log entry per community counting what it created under it
(`{"demo": true, "persons": 812, "houses": 240}`): keys that name reverse relations of Community,
which the history used to label through `verbose_name` (a reverse relation has none)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from fengqiao.core.models import ChangeAction, ObjectChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_entry(community_a):
    return ObjectChange.objects.create(
        user_name="系统",
        source="command",
        action=ChangeAction.CREATE,
        content_type=ContentType.objects.get_for_model(community_a),
        object_id=community_a.pk,
        object_repr=str(community_a),
        station=community_a.station,
        after={"demo": True, "persons": 812, "houses": 240},
    )


def test_community_page_shows_a_bulk_entry(alice_client, community_a, bulk_entry):
    response = alice_client.get(f"/registry/communities/{community_a.pk}/")
    assert response.status_code == 200
    assert "812" in response.content.decode()


def test_community_history_api_labels_counts_by_the_related_model(
    alice_client, community_a, bulk_entry
):
    response = alice_client.get(f"/api/registry/communities/{community_a.pk}/history/")
    assert response.status_code == 200
    rows = {row["label"]: row["after"] for row in response.json()["results"][0]["changes"]}
    assert rows["实有人口"] == "812"
    assert rows["demo"] == "是" or rows["demo"] == "True"
